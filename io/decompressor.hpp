#pragma once
// Decompresses one compressed stream (gzip, bzip2, xz, lzip, zstd through their own libraries;
// lz4 and compress through libarchive's filters) held in memory or pulled block by block, into
// the caller's buffers. Every compressed input an archive scan opens goes through here, so that
// a stream cut short gives every byte its decoder could produce before the cut (then the error),
// whatever format is inside and wherever the stream came from (a file, stdin, a member).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "io/archive_reader.hpp"

namespace sluice::io {

// Memory a decoder of the xz or lzip stream starting with `head` will allocate (its dictionary,
// declared in the headers; a crafted xz can ask for gigabytes), read with liblzma from the
// headers alone. nullopt for other formats, whose decoders need little and fixed memory (gzip
// 32 KiB, bzip2 under 4 MiB, lz4, compress) or are capped by their library (libzstd refuses
// windows over 128 MiB), and when `head` is too short to say.
[[nodiscard]] std::optional<std::uint64_t> decompression_memory(std::string_view head);

class Decompressor {
 public:
  // `compressed` must outlive the decompressor.
  [[nodiscard]] static std::variant<Decompressor, std::string> open(std::string_view compressed);
  // A streamed input: `head` (its first bytes, enough to recognise the format) was already
  // taken from `source`; both must outlive the decompressor.
  [[nodiscard]] static std::variant<Decompressor, std::string> open_stream(std::string_view head, PullSource source);

  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  ~Decompressor();

  // Fills `into` with up to `capacity` decompressed bytes: the count (0 at the end of the
  // stream), or nullopt on corrupt or truncated input (with `error` set). The bytes decoded
  // before an error are returned first; the error comes with the next call.
  [[nodiscard]] std::optional<std::size_t> read(char* into, std::size_t capacity, std::string* error);

  // Compressed bytes taken from the input so far (for the expansion ratio of a stream).
  [[nodiscard]] std::uint64_t compressed_bytes_read() const;
  // Decompressed bytes returned so far.
  [[nodiscard]] std::uint64_t bytes_produced() const;

  struct State;  // opaque

 private:
  explicit Decompressor(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::io
