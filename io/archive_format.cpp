#include "io/archive_format.hpp"

#include <array>

namespace sluice::io {
namespace {

bool has(std::string_view head, std::size_t at, std::string_view magic) noexcept {
  return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
}

bool octal_field(std::string_view field) noexcept {
  // A tar header number: octal digits, padded with spaces or NULs.
  bool digit = false;
  for (char c : field) {
    if (c >= '0' && c <= '7') {
      digit = true;
    } else if (c != ' ' && c != '\0') {
      return false;
    }
  }
  return digit;
}

// A POSIX/GNU tar header carries "ustar" at 257; old v7 headers only a valid checksum.
bool looks_like_tar(std::string_view head) noexcept {
  if (head.size() < 512) return false;
  if (has(head, 257, "ustar")) return true;
  if (!octal_field(head.substr(148, 8)) || head[0] == '\0') return false;
  unsigned long stored = 0;
  for (char c : head.substr(148, 8)) {
    if (c >= '0' && c <= '7') stored = stored * 8 + static_cast<unsigned long>(c - '0');
  }
  unsigned long sum = 0;
  for (std::size_t i = 0; i < 512; ++i) {
    sum += (i >= 148 && i < 156) ? static_cast<unsigned char>(' ') : static_cast<unsigned char>(head[i]);
  }
  return sum == stored && octal_field(head.substr(124, 12));
}

}  // namespace

ContainerFormat sniff_container(std::string_view head) noexcept {
  using K = ContainerKind;
  // Compressed streams.
  if (has(head, 0, "\x1f\x8b\x08")) return {K::kCompressed, "gzip"};
  if (has(head, 0, "BZh") && head.size() >= 10 && head[3] >= '1' && head[3] <= '9' &&
      has(head, 4, "\x31\x41\x59\x26\x53\x59")) {
    return {K::kCompressed, "bzip2"};
  }
  if (has(head, 0,
          std::string_view("\xfd"
                           "7zXZ\0",
                           6)))
    return {K::kCompressed, "xz"};
  if (has(head, 0, "\x28\xb5\x2f\xfd")) return {K::kCompressed, "zstd"};
  if (has(head, 0, "\x04\x22\x4d\x18")) return {K::kCompressed, "lz4"};
  if (has(head, 0, "\x1f\x9d")) return {K::kCompressed, "compress"};
  if (has(head, 0, "LZIP")) return {K::kCompressed, "lzip"};
  // Archives.
  if (has(head, 0, "PK\x03\x04") || has(head, 0, "PK\x05\x06") || has(head, 0, "PK\x07\x08")) {
    return {K::kArchive, "zip"};
  }
  if (has(head, 0, "7z\xbc\xaf\x27\x1c")) return {K::kArchive, "7z"};
  if (has(head, 0, "!<arch>\n")) return {K::kArchive, "ar"};
  if (has(head, 0, "\xed\xab\xee\xdb")) return {K::kArchive, "rpm"};
  if (has(head, 0, "070707") || has(head, 0, "070701") || has(head, 0, "070702") || has(head, 0, "\xc7\x71") ||
      has(head, 0, "\x71\xc7")) {
    return {K::kArchive, "cpio"};
  }
  if (has(head, 0, "Rar!\x1a\x07")) return {K::kArchive, "rar"};
  if (has(head, 0, std::string_view("MSCF\0\0\0\0", 8))) return {K::kArchive, "cab"};
  if (has(head, 0, "xar!")) return {K::kArchive, "xar"};
  if (looks_like_tar(head)) return {K::kArchive, "tar"};
  for (std::size_t at : {0x8001u, 0x8801u, 0x9001u}) {
    if (has(head, at, "CD001")) return {K::kArchive, "iso9660"};
  }
  return {};
}

std::string decompressed_name(std::string_view name) {
  struct Suffix {
    std::string_view suffix;
    std::string_view replacement;
  };
  static constexpr std::array<Suffix, 13> kSuffixes{{{".tgz", ".tar"},
                                                     {".tbz2", ".tar"},
                                                     {".tbz", ".tar"},
                                                     {".txz", ".tar"},
                                                     {".tzst", ".tar"},
                                                     {".gz", ""},
                                                     {".bz2", ""},
                                                     {".xz", ""},
                                                     {".zst", ""},
                                                     {".zstd", ""},
                                                     {".lz4", ""},
                                                     {".lz", ""},
                                                     {".Z", ""}}};
  const std::size_t slash = name.rfind('/');
  const std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  for (const Suffix& s : kSuffixes) {
    if (base.size() > s.suffix.size() && base.substr(base.size() - s.suffix.size()) == s.suffix) {
      std::string out(base.substr(0, base.size() - s.suffix.size()));
      out += s.replacement;
      return out;
    }
  }
  return "data";
}

}  // namespace sluice::io
