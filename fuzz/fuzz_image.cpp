// libFuzzer harness: container-image metadata (docker save manifest.json, OCI index.json,
// image manifests and configs named by digest) through io::read_image_manifests, then the
// helpers the layer scan uses on what it returned.
//
// Input: pairs of (path, contents), each a FuzzedDataProvider random-length string (a
// backslash ends a string, a doubled backslash is one backslash); fuzz/make_seeds.cpp writes
// real image layouts in this form.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/container_image.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  std::map<std::string, std::string> files;
  while (provider.remaining_bytes() > 0 && files.size() < 64) {
    std::string path = provider.ConsumeRandomLengthString(256);
    files[std::move(path)] = provider.ConsumeRandomLengthString(1 << 20);
  }
  const io::ImageFileReader read = [&](const std::string& path) -> std::optional<std::string> {
    const auto found = files.find(path);
    if (found == files.end()) return std::nullopt;
    return found->second;
  };
  for (const auto& [path, contents] : files) {
    (void)io::image_metadata_candidate(path, contents.size());
    (void)io::blob_digest(path);
    (void)io::is_whiteout(path);
  }
  std::string error;
  const std::vector<io::ImageManifest> images = io::read_image_manifests(read, &error);
  // The file paths as the members of one layer: its whiteouts against every path.
  std::vector<std::string> whiteouts;
  for (const auto& [path, contents] : files) {
    const std::string_view normal = io::normalize_layer_path(path);
    if (io::is_whiteout(normal)) whiteouts.emplace_back(normal);
  }
  for (const auto& [path, contents] : files) (void)io::whiteout_hides(whiteouts, io::normalize_layer_path(path));
  for (const io::ImageManifest& image : images) {
    for (const io::ImageBlob& layer : image.layers) (void)io::blob_digest(layer.path);
  }
  return 0;
}
