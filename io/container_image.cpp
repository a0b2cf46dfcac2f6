#include "io/container_image.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace sluice::io {
namespace {

using nlohmann::json;

constexpr std::string_view kWhiteout = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";

std::string_view basename_of(std::string_view path) noexcept {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view dirname_of(std::string_view path) noexcept {
  const std::size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::optional<json> parse(const ImageFileReader& read, const std::string& path, std::string* error) {
  auto text = read(path);
  if (!text) return std::nullopt;
  json value = json::parse(*text, nullptr, false);
  if (value.is_discarded() || (!value.is_object() && !value.is_array())) {
    if (error->empty()) *error = path + ": not valid JSON";
    return std::nullopt;
  }
  return value;
}

std::string string_at(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string blob_path(const std::string& digest) {
  const std::size_t colon = digest.find(':');
  if (colon == std::string::npos) return {};
  return "blobs/" + digest.substr(0, colon) + "/" + digest.substr(colon + 1);
}

// `docker save`: manifest.json lists each image's config, tags and layer files.
void read_docker(const json& manifest, const ImageFileReader& read, std::vector<ImageManifest>& out,
                 std::string* error) {
  if (!manifest.is_array()) return;
  for (const json& item : manifest) {
    const std::string config = string_at(item, "Config");
    if (config.empty() || !item.contains("Layers") || !item["Layers"].is_array()) continue;
    ImageManifest image;
    image.config = ImageBlob{config, blob_digest(config).value_or(config)};
    if (auto tags = item.find("RepoTags");
        tags != item.end() && tags->is_array() && !tags->empty() && tags->front().is_string()) {
      image.name = tags->front().get<std::string>();
    }
    // Legacy layer files ("<id>/layer.tar") are named after the config's diff_ids.
    std::vector<std::string> diff_ids;
    if (auto parsed = parse(read, config, error)) {
      if (parsed->is_object() && parsed->contains("rootfs") && (*parsed)["rootfs"].is_object()) {
        const json& ids = (*parsed)["rootfs"]["diff_ids"];
        if (ids.is_array()) {
          for (const json& id : ids) diff_ids.push_back(id.is_string() ? id.get<std::string>() : std::string());
        }
      }
    }
    const json& layers = item["Layers"];
    for (std::size_t i = 0; i < layers.size(); ++i) {
      if (!layers[i].is_string()) continue;
      const std::string path = layers[i].get<std::string>();
      std::string digest = blob_digest(path).value_or(i < diff_ids.size() && !diff_ids[i].empty() ? diff_ids[i] : path);
      image.layers.push_back(ImageBlob{path, std::move(digest)});
    }
    if (image.name.empty()) image.name = image.config->digest;
    out.push_back(std::move(image));
  }
}

// OCI: index.json -> (nested indexes ->) image manifests -> config and layers.
void read_oci(const json& index, const std::string& inherited_name, const ImageFileReader& read,
              std::vector<ImageManifest>& out, std::string* error, int depth) {
  if (depth > 4 || !index.is_object() || !index.contains("manifests") || !index["manifests"].is_array()) return;
  for (const json& descriptor : index["manifests"]) {
    const std::string digest = string_at(descriptor, "digest");
    if (digest.empty()) continue;
    std::string name = inherited_name;
    if (auto annotations = descriptor.find("annotations"); annotations != descriptor.end()) {
      for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
        if (std::string value = string_at(*annotations, key); !value.empty()) {
          name = value;
          break;
        }
      }
    }
    auto manifest = parse(read, blob_path(digest), error);
    if (!manifest) continue;
    if (manifest->contains("manifests")) {
      read_oci(*manifest, name, read, out, error, depth + 1);
      continue;
    }
    if (!manifest->is_object() || !manifest->contains("layers") || !(*manifest)["layers"].is_array()) continue;
    ImageManifest image;
    image.name = name.empty() ? digest : name;
    if (std::string config = string_at((*manifest)["config"], "digest"); !config.empty()) {
      image.config = ImageBlob{blob_path(config), config};
    }
    for (const json& layer : (*manifest)["layers"]) {
      const std::string layer_digest = string_at(layer, "digest");
      if (!layer_digest.empty()) image.layers.push_back(ImageBlob{blob_path(layer_digest), layer_digest});
    }
    out.push_back(std::move(image));
  }
}

}  // namespace

std::vector<ImageManifest> read_image_manifests(const ImageFileReader& read, std::string* error) {
  std::vector<ImageManifest> images;
  try {
    if (auto manifest = parse(read, "manifest.json", error)) read_docker(*manifest, read, images, error);
    if (images.empty() && read("oci-layout")) {
      if (auto index = parse(read, "index.json", error)) read_oci(*index, "", read, images, error, 0);
    }
  } catch (const json::exception& failure) {
    if (error->empty()) *error = std::string("image metadata: ") + failure.what();
  }
  return images;
}

bool image_metadata_candidate(std::string_view path, std::uint64_t size) noexcept {
  if (size > (std::uint64_t{4} << 20)) return false;
  path = normalize_layer_path(path);
  if (path == "manifest.json" || path == "index.json" || path == "oci-layout") return true;
  if (path.find('/') == std::string_view::npos && path.size() > 5 && path.substr(path.size() - 5) == ".json") {
    return true;  // legacy docker config "<hex>.json"
  }
  return blob_digest(path).has_value();
}

std::optional<std::string> blob_digest(std::string_view path) {
  constexpr std::string_view kMarker = "blobs/sha256/";
  const std::size_t at = path.rfind(kMarker);
  if (at == std::string_view::npos || (at > 0 && path[at - 1] != '/')) return std::nullopt;
  const std::string_view hex = path.substr(at + kMarker.size());
  if (hex.size() != 64) return std::nullopt;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) || std::isupper(static_cast<unsigned char>(c))) {
      return std::nullopt;
    }
  }
  return "sha256:" + std::string(hex);
}

std::string_view normalize_layer_path(std::string_view path) noexcept {
  while (!path.empty()) {
    if (path.substr(0, 2) == "./") {
      path.remove_prefix(2);
    } else if (path.front() == '/') {
      path.remove_prefix(1);
    } else {
      break;
    }
  }
  return path;
}

bool is_whiteout(std::string_view path) noexcept { return basename_of(path).substr(0, kWhiteout.size()) == kWhiteout; }

bool whiteout_hides(const std::vector<std::string>& whiteouts, std::string_view path) noexcept {
  path = normalize_layer_path(path);
  for (const std::string& entry : whiteouts) {
    const std::string_view whiteout = normalize_layer_path(entry);
    const std::string_view dir = dirname_of(whiteout);
    const std::string_view base = basename_of(whiteout);
    // Both forms hide things under `dir` only.
    if (!dir.empty() && (path.size() <= dir.size() || path.substr(0, dir.size()) != dir || path[dir.size()] != '/')) {
      continue;
    }
    const std::string_view below = dir.empty() ? path : path.substr(dir.size() + 1);
    if (base == kOpaque) return true;
    const std::string_view hidden = base.substr(kWhiteout.size());
    // NAME itself, or anything under a directory NAME.
    if (below == hidden ||
        (below.size() > hidden.size() && below.substr(0, hidden.size()) == hidden && below[hidden.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace sluice::io
