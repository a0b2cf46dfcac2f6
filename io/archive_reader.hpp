#pragma once
// Reads the members of an archive or the content of a compressed stream with libarchive,
// block by block, without temporary files. The input is either a whole in-memory view
// (a mapped file or a buffered member: seekable, so zip central directories are used) or a
// pull source (the data of a member of an enclosing archive, streamed).
//
// Only decompressors built into libarchive are enabled (never an external program), and only
// archive formats that cannot make libarchive open other files (no mtree).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "io/error.hpp"

namespace sluice::io {

struct ArchiveMember {
  enum class Type : unsigned char { kFile, kDirectory, kSymlink, kHardlink, kOther };
  std::string name;
  Type type = Type::kFile;
  std::optional<std::uint64_t> size;  // when the archive records it
  bool encrypted = false;
  std::string link_target;  // for symlinks and hardlinks
};

// Gives the next block of a streamed input: an empty view at the end, nullopt on error (with
// `error` set). A view stays valid until the next call.
using PullSource = std::function<std::optional<std::string_view>(std::string* error)>;

class ArchiveReader {
 public:
  [[nodiscard]] static std::variant<ArchiveReader, std::string> open_memory(std::string_view bytes);
  // Only the compression filters: a compressed stream read as one member, whatever it holds.
  [[nodiscard]] static std::variant<ArchiveReader, std::string> open_memory_raw(std::string_view bytes);
  // `head` holds bytes already taken from `source` (to recognise the format); they are read
  // first. Both must outlive the reader.
  [[nodiscard]] static std::variant<ArchiveReader, std::string> open_stream(std::string_view head, PullSource source);
  // Only the compression filters, streamed.
  [[nodiscard]] static std::variant<ArchiveReader, std::string> open_stream_raw(std::string_view head,
                                                                                PullSource source);

  ArchiveReader(ArchiveReader&&) noexcept;
  ArchiveReader& operator=(ArchiveReader&&) noexcept;
  ~ArchiveReader();

  enum class Step : unsigned char { kMember, kEnd, kError };
  // Advances to the next member (skipping the rest of the current one).
  [[nodiscard]] Step next(ArchiveMember& member, std::string* error);
  // The next block of the current member's data: empty at its end, nullopt on error.
  [[nodiscard]] std::optional<std::string_view> read(std::string* error);
  // A problem libarchive reported while still giving the data (a bad CRC): the member's
  // bytes are damaged. Cleared by next().
  [[nodiscard]] const std::string& data_warning() const;
  // Why bytes before the current member (or before the end) were passed over: damaged header
  // blocks that libarchive skipped to find the next readable one. Empty when none were.
  [[nodiscard]] const std::string& header_warning() const;

  // True when the input was a compressed stream of plain bytes (one unnamed member).
  [[nodiscard]] bool raw() const;
  // True when a decompression filter is in use (a .tar.gz rather than a .tar).
  [[nodiscard]] bool compressed() const;
  // Bytes of the current member's data read so far (0 after next()).
  [[nodiscard]] std::uint64_t member_bytes_read() const;
  // True when the rest of a member can be passed over without decoding it: an archive read
  // from memory (libarchive seeks: a zip's central directory, a tar's headers) with no
  // compression filter around it. A streamed .tar.gz must inflate a member to get past it.
  [[nodiscard]] bool skips_members_cheaply() const;
  // Compressed bytes consumed so far, where libarchive knows it.
  [[nodiscard]] std::uint64_t compressed_bytes_read() const;

  struct State;  // opaque

 private:
  explicit ArchiveReader(std::unique_ptr<State> state) noexcept;
  static std::variant<ArchiveReader, std::string> open_pulled(std::string_view head, PullSource source, bool formats);
  std::unique_ptr<State> state_;
};

}  // namespace sluice::io
