#pragma once
// Recognises archives and compressed streams by their first bytes (magic numbers), never by
// file name: a .jar, .whl, .apk or .docx is a zip, a .deb an ar, an image layer a tar.gz.

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::io {

enum class ContainerKind : unsigned char {
  kNone,        // plain bytes: scanned as they are
  kCompressed,  // one compressed stream (gzip, bzip2, xz, zstd, lz4, compress)
  kArchive,     // members with names (tar, zip, 7z, cpio, ar, rpm, iso9660, rar, cab, xar)
};

struct ContainerFormat {
  ContainerKind kind = ContainerKind::kNone;
  std::string_view name;  // "gzip", "tar", ... (empty for kNone)
};

// Bytes needed to recognise every format (iso9660's signature sits at 32 KiB + 1).
inline constexpr std::size_t kSniffBytes = 0x9006;

// `head` is the start of the input (up to kSniffBytes; fewer at end of input).
[[nodiscard]] ContainerFormat sniff_container(std::string_view head) noexcept;

// The name given to the content of a compressed stream: "app.log.gz" -> "app.log",
// "x.tgz" -> "x.tar"; "data" when the name has no known compression suffix.
[[nodiscard]] std::string decompressed_name(std::string_view name);

}  // namespace sluice::io
