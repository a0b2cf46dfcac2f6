#pragma once
// One content opened for reading: the archive reader and, when the content is a compressed
// stream, the decompressor in front of it. Every compressed content (a file, stdin, a member,
// at any depth) is decompressed by io::Decompressor, which gives every byte it can decode
// before a cut and then the error; libarchive only parses what is inside. That is the one
// mechanism by which a truncated stream or archive yields what was readable.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "io/archive_reader.hpp"
#include "io/decompress_ahead.hpp"
#include "io/decompressor.hpp"

namespace sluice::io {

class OpenedArchive {
 public:
  // `start` is the whole content when `source` is empty, else its first bytes (already taken
  // from `source`). Both must outlive this object. `ahead`: decompress on a thread of its own.
  static std::unique_ptr<OpenedArchive> open(std::string_view start, PullSource source, bool ahead);
  // Only the decompressed bytes, read as one raw member (not parsed as an archive).
  static std::unique_ptr<OpenedArchive> open_raw(std::string_view whole);

  OpenedArchive(const OpenedArchive&) = delete;
  OpenedArchive& operator=(const OpenedArchive&) = delete;

  // Null when the content could not be opened (`error()` says why).
  [[nodiscard]] ArchiveReader* reader() { return reader_ ? &*reader_ : nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }
  // A compressed stream: decompressed here, or by a libarchive filter.
  [[nodiscard]] bool compressed() const { return compressed_ || (reader_ && reader_->compressed()); }
  // Decompressed bytes given to the reader (0: the decompressor recognised nothing).
  [[nodiscard]] std::uint64_t delivered() const { return delivered_; }
  // Why the decompressed stream ended before its end (truncated, corrupt); empty if it did not.
  [[nodiscard]] const std::string& cut() const { return cut_; }
  // Input bytes consumed so far (for the expansion ratio of a stream).
  [[nodiscard]] std::uint64_t consumed() const {
    if (decompressor_) return decompressor_->compressed_bytes_read();
    return reader_ ? reader_->compressed_bytes_read() : 0;
  }

 private:
  OpenedArchive() = default;

  void take(std::variant<ArchiveReader, std::string> reader);
  std::optional<std::string_view> pull(std::string* error);

  static constexpr std::size_t kBlock = std::size_t{256} << 10;
  bool compressed_ = false;
  std::uint64_t delivered_ = 0;
  std::string error_;
  std::string cut_;
  std::string buffer_;
  std::unique_ptr<Decompressor> decompressor_;
  std::unique_ptr<DecompressAhead> ahead_;
  std::optional<ArchiveReader> reader_;  // declared last: destroyed before what feeds it
};

}  // namespace sluice::io
