#pragma once
// Decompresses one compressed stream held in memory (gzip, bzip2, xz, zstd, lz4, ...) into the
// caller's buffers: zstd through libzstd directly, the others through libarchive's filters.
// Used to decompress a compressed archive on its own thread, ahead of the reader that parses
// the archive inside it.

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace sluice::io {

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
