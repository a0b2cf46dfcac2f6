#pragma once
// Container images as they are distributed: `docker save` tarballs (manifest.json, legacy or
// OCI blobs) and OCI image layouts (oci-layout, index.json, blobs/sha256/...), as a tar or a
// directory. Only the metadata is read here: which images there are, their config blob and
// their layers in order. The layers themselves are archives read like any other.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::io {

struct ImageBlob {
  std::string path;    // inside the tarball or the layout directory, e.g. "blobs/sha256/ab12..."
  std::string digest;  // "sha256:..." when known, else the path
};

struct ImageManifest {
  std::string name;  // first tag, else the manifest's digest
  std::optional<ImageBlob> config;
  std::vector<ImageBlob> layers;  // bottom first
};

// Reads a small metadata file ("manifest.json", "blobs/sha256/...") by its path inside the
// image; nullopt when it is absent or unreadable.
using ImageFileReader = std::function<std::optional<std::string>(const std::string& path)>;

// The images described by the metadata at the root of a tarball or layout; empty when it is
// not a container image. `error` names a metadata file that could not be parsed.
[[nodiscard]] std::vector<ImageManifest> read_image_manifests(const ImageFileReader& read, std::string* error);

// True for the metadata files read_image_manifests may ask for (kept while a tar is read).
[[nodiscard]] bool image_metadata_candidate(std::string_view path, std::uint64_t size) noexcept;

// "blobs/sha256/<64 hex>" (at the end of `path`) -> "sha256:<hex>"; nullopt otherwise.
[[nodiscard]] std::optional<std::string> blob_digest(std::string_view path);

// Member paths of a layer are compared without "./" or "/" in front.
[[nodiscard]] std::string_view normalize_layer_path(std::string_view path) noexcept;

// Whiteout members (".wh.NAME" hides NAME of lower layers, ".wh..wh..opq" hides everything
// below its directory in lower layers) of a layer: does one hide `path` of a lower layer?
[[nodiscard]] bool whiteout_hides(const std::vector<std::string>& whiteouts, std::string_view path) noexcept;

// True for a whiteout member name.
[[nodiscard]] bool is_whiteout(std::string_view path) noexcept;

}  // namespace sluice::io
