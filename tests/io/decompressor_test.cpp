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

// `data` compressed by libarchive's writer with `filter` ("gzip", "xz", "bzip2", "zstd", "lz4").
std::string compress(const std::string& filter, const std::string& data, const char* options = nullptr) {
  archive* a = archive_write_new();
  archive_write_set_format_raw(a);
  archive_write_add_filter_by_name(a, filter.c_str());
  if (options != nullptr) archive_write_set_options(a, options);
  archive_write_set_bytes_in_last_block(a, 1);  // no zero padding after the stream
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

std::string gzip(const std::string& data) { return compress("gzip", data); }

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

TEST(Decompressor, GzipAndItsErrors) {
  const std::string data = text(200000, 4);
  std::string compressed = gzip(data);
  std::string error;
  EXPECT_EQ(drain(compressed, 1000, &error), data) << error;
  compressed.resize(compressed.size() * 2 / 3);
  EXPECT_FALSE(drain(compressed, 1000, &error).has_value());
  EXPECT_FALSE(error.empty());
}

// Everything a streamed `compressed` decompresses to, pulled `block` bytes at a time.
std::optional<std::string> drain_stream(const std::string& compressed, std::size_t block, std::string* error) {
  const std::string_view head = std::string_view(compressed).substr(0, std::min(block, compressed.size()));
  std::size_t at = head.size();
  auto opened = Decompressor::open_stream(head, [&](std::string*) -> std::optional<std::string_view> {
    const std::string_view next = std::string_view(compressed).substr(at, std::min(block, compressed.size() - at));
    at += next.size();
    return next;
  });
  if (auto* failure = std::get_if<std::string>(&opened)) {
    *error = *failure;
    return std::nullopt;
  }
  Decompressor& d = std::get<Decompressor>(opened);
  std::string out;
  std::string buffer(65536, '\0');
  for (;;) {
    auto n = d.read(buffer.data(), buffer.size(), error);
    if (!n) return out;  // what came before the error
    if (*n == 0) return out;
    out.append(buffer.data(), *n);
  }
}

// Regression: a stream cut short gave nothing of the block being decoded when the cut came
// (up to 1 MiB lost before a cut). Every byte the decoder can produce comes first, then the
// error, whatever the read size, from memory or pulled.
TEST(Decompressor, CutStreamGivesEveryByteBeforeTheCutThenTheError) {
  const std::string data = text(400000, 5);
  for (const char* filter : {"gzip", "xz", "zstd", "bzip2"}) {
    const bool bzip2 = std::string(filter) == "bzip2";
    const std::string whole = compress(filter, data, bzip2 ? "bzip2:compression-level=1" : nullptr);
    for (const double fraction : {0.3, 0.7, 0.999}) {
      const std::string cut = whole.substr(0, static_cast<std::size_t>(static_cast<double>(whole.size()) * fraction));
      std::string reference;  // decoded in small reads
      {
        auto opened = Decompressor::open(cut);
        ASSERT_TRUE(std::holds_alternative<Decompressor>(opened)) << filter;
        Decompressor& d = std::get<Decompressor>(opened);
        std::string error;
        char small[97];
        for (;;) {
          auto n = d.read(small, sizeof small, &error);
          if (!n) break;
          ASSERT_NE(*n, 0u) << filter << ": a cut stream must end in an error";
          reference.append(small, *n);
        }
        EXPECT_EQ(error, std::string("truncated ") + filter + " input") << filter;
        EXPECT_EQ(d.bytes_produced(), reference.size());
      }
      EXPECT_EQ(reference, data.substr(0, reference.size())) << filter;
      // gzip and xz decode as they read; zstd (128 KiB) and bzip2 (100 KB here) whole blocks only.
      if (std::string(filter) == "gzip" || std::string(filter) == "xz") {
        EXPECT_GT(reference.size(), static_cast<std::size_t>(static_cast<double>(data.size()) * fraction * 0.5))
            << filter << " " << fraction;
      }
      std::string error;
      // In one big read the same bytes come, then the error.
      {
        auto opened = Decompressor::open(cut);
        Decompressor& d = std::get<Decompressor>(opened);
        std::string big(std::size_t{1} << 20, '\0');
        auto n = d.read(big.data(), big.size(), &error);
        if (reference.empty()) {
          EXPECT_FALSE(n.has_value());
        } else {
          ASSERT_TRUE(n.has_value()) << filter << " " << fraction << ": " << error;
          EXPECT_EQ(big.substr(0, *n), reference) << filter;
        }
        EXPECT_FALSE(d.read(big.data(), big.size(), &error).has_value());
      }
      EXPECT_EQ(drain_stream(cut, 1000, &error), reference) << filter;
      EXPECT_EQ(error, std::string("truncated ") + filter + " input");
    }
    std::string error;
    // Some block of each was decoded before the latest cut.
    EXPECT_GT(drain_stream(whole.substr(0, whole.size() * 999 / 1000), 1000, &error)->size(), 0u) << filter;
    EXPECT_EQ(drain(whole, 4096, &error), data) << filter << " " << error;
    EXPECT_EQ(drain_stream(whole, 777, &error), data) << filter;
  }
}

// A read error of the pulled input is the error given after the bytes before it.
TEST(Decompressor, SourceErrorComesAfterTheBytesBeforeIt) {
  const std::string data = text(200000, 6);
  const std::string whole = compress("gzip", data);
  std::size_t at = 0;
  const std::size_t stop = whole.size() / 2;
  auto opened = Decompressor::open_stream({}, [&](std::string* error) -> std::optional<std::string_view> {
    if (at >= stop) {
      *error = "disk on fire";
      return std::nullopt;
    }
    const std::string_view next = std::string_view(whole).substr(at, 4096);
    at += next.size();
    return next;
  });
  // No head: the format is not recognised.
  EXPECT_TRUE(std::holds_alternative<std::string>(opened));
  at = 4096;
  auto streamed = Decompressor::open_stream(std::string_view(whole).substr(0, 4096),
                                            [&](std::string* error) -> std::optional<std::string_view> {
                                              if (at >= stop) {
                                                *error = "disk on fire";
                                                return std::nullopt;
                                              }
                                              const std::string_view next = std::string_view(whole).substr(at, 4096);
                                              at += next.size();
                                              return next;
                                            });
  ASSERT_TRUE(std::holds_alternative<Decompressor>(streamed));
  Decompressor& d = std::get<Decompressor>(streamed);
  std::string out;
  std::string error;
  std::string buffer(10000, '\0');
  for (;;) {
    auto n = d.read(buffer.data(), buffer.size(), &error);
    if (!n) break;
    ASSERT_NE(*n, 0u);
    out.append(buffer.data(), *n);
  }
  EXPECT_EQ(error, "disk on fire");
  EXPECT_GT(out.size(), data.size() / 4);
  EXPECT_EQ(out, data.substr(0, out.size()));
  EXPECT_LE(d.compressed_bytes_read(), whole.size());
}

// An xz stream whose LZMA2 dictionary is `dict` bytes.
std::string xz_with_dictionary(const std::string& data, std::uint32_t dict) {
  lzma_options_lzma options{};
  lzma_lzma_preset(&options, 0);
  options.dict_size = dict;
  lzma_filter filters[] = {{LZMA_FILTER_LZMA2, &options}, {LZMA_VLI_UNKNOWN, nullptr}};
  std::string out(data.size() + 4096, '\0');
  std::size_t written = 0;
  EXPECT_EQ(
      lzma_stream_buffer_encode(filters, LZMA_CHECK_CRC32, nullptr, reinterpret_cast<const std::uint8_t*>(data.data()),
                                data.size(), reinterpret_cast<std::uint8_t*>(out.data()), &written, out.size()),
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
