#pragma once
// Decompresses one compressed stream held in memory (gzip, bzip2, xz, zstd, lz4, ...) into the
// caller's buffers: zstd through libzstd directly, the others through libarchive's filters.
// Used to decompress a compressed archive on its own thread, ahead of the reader that parses
// the archive inside it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

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

  Decompressor(Decompressor&&) noexcept;
  Decompressor& operator=(Decompressor&&) noexcept;
  ~Decompressor();

  // Fills `into` with up to `capacity` decompressed bytes: the count (0 at the end of the
  // stream), or nullopt on corrupt or truncated input (with `error` set).
  [[nodiscard]] std::optional<std::size_t> read(char* into, std::size_t capacity, std::string* error);

 private:
  struct State;
  explicit Decompressor(std::unique_ptr<State> state) noexcept;
  std::unique_ptr<State> state_;
};

}  // namespace sluice::io
