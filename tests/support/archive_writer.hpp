#pragma once
// Builds archive fixtures in memory with libarchive's writer, so that the repository holds no
// opaque binaries: tar/zip/7z/cpio/ar/iso9660 with any compression filter, compressed
// streams, an encrypted zip and a minimal rpm.

#include <string>
#include <vector>

namespace sluice::testing {

struct Member {
  enum class Kind { kFile, kDirectory, kSymlink };
  std::string name;
  std::string data;
  Kind kind = Kind::kFile;
  std::string target{};  // of a symlink
};

// `format`: a libarchive writer name ("pax", "gnutar", "zip", "7zip", "newc", "arsvr4",
// "iso9660"...); `filters`: e.g. {"gzip"}; `options`: libarchive option string; a non-empty
// `passphrase` encrypts (zip with options "zip:encryption=zipcrypt").
[[nodiscard]] std::string make_archive(const std::string& format, const std::vector<std::string>& filters,
                                       const std::vector<Member>& members, const std::string& options = "",
                                       const std::string& passphrase = "");

// `data` compressed as one stream ("gzip", "bzip2", "xz", "zstd", "lz4").
[[nodiscard]] std::string compress(const std::string& filter, const std::string& data, const std::string& options = "");

// An rpm package (lead, empty signature and header sections) around a gzip'd cpio payload.
[[nodiscard]] std::string make_rpm(const std::vector<Member>& members);

}  // namespace sluice::testing
