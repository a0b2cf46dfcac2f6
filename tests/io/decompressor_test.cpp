#include "io/decompressor.hpp"

#include <lzma.h>

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <zstd.h>

#include <random>

namespace sluice::io {
namespace {

std::string text(std::size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out;
  while (out.size() < size) out += "line " + std::to_string(rng() % 1000) + " of some log text\n";
  out.resize(size);
  return out;
}

std::string zstd_frame(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(n);
  return out;
}

std::string gzip(const std::string& data) {
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_gzip(a);
  std::string out;
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* client, const void* buffer, std::size_t size) -> la_ssize_t {
        static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, "data");
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
  archive_write_header(a, entry);
  archive_write_data(a, data.data(), data.size());
  archive_entry_free(entry);
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// Everything `compressed` decompresses to, read `step` bytes at a time.
std::optional<std::string> drain(const std::string& compressed, std::size_t step, std::string* error) {
  auto opened = Decompressor::open(compressed);
  if (auto* failure = std::get_if<std::string>(&opened)) {
    *error = *failure;
    return std::nullopt;
  }
  Decompressor& d = std::get<Decompressor>(opened);
  std::string out;
  std::string block(step, '\0');
  for (;;) {
    auto n = d.read(block.data(), block.size(), error);
    if (!n) return std::nullopt;
    if (*n == 0) return out;
    out.append(block.data(), *n);
  }
}

TEST(Decompressor, ZstdConcatenatedFramesInAnyReadSize) {
  const std::string a = text(300000, 1);
  const std::string b = text(5000, 2);
  const std::string compressed = zstd_frame(a) + zstd_frame(b);
  for (std::size_t step : {7u, 4096u, 1u << 20}) {
    std::string error;
    EXPECT_EQ(drain(compressed, step, &error), a + b) << step << " " << error;
  }
}

TEST(Decompressor, TruncatedZstdIsAnError) {
  std::string compressed = zstd_frame(text(300000, 3));
  compressed.resize(compressed.size() / 2);
  std::string error;
  EXPECT_FALSE(drain(compressed, 65536, &error).has_value());
  EXPECT_EQ(error, "truncated zstd input");
}

TEST(Decompressor, GzipThroughLibarchiveAndItsErrors) {
  const std::string data = text(200000, 4);
  std::string compressed = gzip(data);
  std::string error;
  EXPECT_EQ(drain(compressed, 1000, &error), data) << error;
  compressed.resize(compressed.size() * 2 / 3);
  EXPECT_FALSE(drain(compressed, 1000, &error).has_value());
  EXPECT_FALSE(error.empty());
}

// An xz stream whose LZMA2 dictionary is `dict` bytes.
std::string xz_with_dictionary(const std::string& data, std::uint32_t dict) {
  lzma_options_lzma options{};
  lzma_lzma_preset(&options, 0);
  options.dict_size = dict;
  lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &options}, {LZMA_VLI_UNKNOWN, nullptr}};
  std::string out(data.size() + 4096, '\0');
  std::size_t written = 0;
  EXPECT_EQ(lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, nullptr,
                                      reinterpret_cast<const std::uint8_t*>(data.data()), data.size(),
                                      reinterpret_cast<std::uint8_t*>(out.data()), &written, out.size()),
            LZMA_OK);
  out.resize(written);
  return out;
}

TEST(DecompressionMemory, XzDictionaryIsReadFromTheHeaders) {
  const std::string data(10000, 'x');
  const auto small = decompression_memory(xz_with_dictionary(data, std::uint32_t{1} << 20));
  const auto big = decompression_memory(xz_with_dictionary(data, std::uint32_t{48} << 20));
  ASSERT_TRUE(small.has_value());
  ASSERT_TRUE(big.has_value());
  EXPECT_GE(*small, std::uint64_t{1} << 20);
  EXPECT_LT(*small, std::uint64_t{4} << 20);
  EXPECT_GE(*big, std::uint64_t{48} << 20);
  // Other formats, and a head too short to say.
  EXPECT_FALSE(decompression_memory(std::string("\x1f\x8b\x08\0\0\0\0\0", 8)).has_value());
  EXPECT_FALSE(decompression_memory(xz_with_dictionary(data, std::uint32_t{48} << 20).substr(0, 14)).has_value());
  EXPECT_FALSE(decompression_memory("plain text").has_value());
}

}  // namespace
}  // namespace sluice::io
