#include "io/decompressor.hpp"

#include <lzma.h>
#include <zstd.h>

#include <cstring>

#include "io/archive_format.hpp"
#include "io/archive_reader.hpp"

namespace sluice::io {

namespace {

struct LzmaStream {
  lzma_stream stream = LZMA_STREAM_INIT;
  LzmaStream() = default;
  LzmaStream(const LzmaStream&) = delete;
  LzmaStream& operator=(const LzmaStream&) = delete;
  ~LzmaStream() { lzma_end(&stream); }
};

}  // namespace

std::optional<std::uint64_t> decompression_memory(std::string_view head) {
  const bool xz = head.size() >= 6 && head.substr(0, 6) == std::string_view("\xfd" "7zXZ\0", 6);
  const bool lzip = head.size() >= 4 && head.substr(0, 4) == "LZIP";
  if (!xz && !lzip) return std::nullopt;
  // A limit no decoder fits in: the decoder stops at the first header that sets its memory
  // needs and reports them.
  LzmaStream probe;
  const lzma_ret init = xz ? lzma_stream_decoder(&probe.stream, 1, 0) : lzma_lzip_decoder(&probe.stream, 1, 0);
  if (init != LZMA_OK) return std::nullopt;
  unsigned char sink[4096];
  probe.stream.next_in = reinterpret_cast<const std::uint8_t*>(head.data());
  probe.stream.avail_in = head.size();
  for (;;) {
    probe.stream.next_out = sink;
    probe.stream.avail_out = sizeof sink;
    const lzma_ret ret = lzma_code(&probe.stream, LZMA_RUN);
    if (ret == LZMA_MEMLIMIT_ERROR) return lzma_memusage(&probe.stream);
    if (ret != LZMA_OK || probe.stream.avail_in == 0) return std::nullopt;
  }
}

struct Decompressor::State {
  struct ZstdDeleter {
    void operator()(ZSTD_DCtx* context) const noexcept { ZSTD_freeDCtx(context); }
  };
  // zstd: the whole input and how far it was read.
  std::unique_ptr<ZSTD_DCtx, ZstdDeleter> zstd;
  ZSTD_inBuffer input{nullptr, 0, 0};
  std::size_t frame_left = 0;  // ZSTD_decompressStream's hint: 0 when a frame just ended
  // Other formats: libarchive's filters, the stream read as one raw member.
  std::optional<ArchiveReader> archive;
  std::string_view pending;  // decompressed bytes libarchive gave and the caller did not take yet
  bool ended = false;
};

Decompressor::Decompressor(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;
Decompressor::~Decompressor() = default;

std::variant<Decompressor, std::string> Decompressor::open(std::string_view compressed) {
  auto state = std::make_unique<State>();
  if (sniff_container(compressed.substr(0, kSniffBytes)).name == "zstd") {
    state->zstd.reset(ZSTD_createDCtx());
    if (!state->zstd) return std::string("out of memory");
    state->input = ZSTD_inBuffer{compressed.data(), compressed.size(), 0};
    return Decompressor(std::move(state));
  }
  auto reader = ArchiveReader::open_memory_raw(compressed);
  if (auto* error = std::get_if<std::string>(&reader)) return std::move(*error);
  state->archive.emplace(std::move(std::get<ArchiveReader>(reader)));
  ArchiveMember member;
  std::string error;
  if (state->archive->next(member, &error) != ArchiveReader::Step::kMember) {
    return error.empty() ? std::string("empty compressed stream") : error;
  }
  return Decompressor(std::move(state));
}

std::optional<std::size_t> Decompressor::read(char* into, std::size_t capacity, std::string* error) {
  State& s = *state_;
  if (s.ended || capacity == 0) return 0;
  if (s.zstd) {
    ZSTD_outBuffer output{into, capacity, 0};
    while (output.pos < output.size) {
      if (s.input.pos == s.input.size) {
        if (s.frame_left != 0) {
          *error = "truncated zstd input";
          return std::nullopt;
        }
        s.ended = true;
        break;
      }
      const std::size_t hint = ZSTD_decompressStream(s.zstd.get(), &output, &s.input);
      if (ZSTD_isError(hint) != 0) {
        *error = std::string("zstd: ") + ZSTD_getErrorName(hint);
        return std::nullopt;
      }
      s.frame_left = hint;
    }
    return output.pos;
  }
  std::size_t filled = 0;
  while (filled < capacity) {
    if (s.pending.empty()) {
      auto block = s.archive->read(error);
      if (!block) return std::nullopt;
      if (block->empty()) {
        s.ended = true;
        break;
      }
      s.pending = *block;
    }
    const std::size_t n = std::min(capacity - filled, s.pending.size());
    std::memcpy(into + filled, s.pending.data(), n);
    s.pending.remove_prefix(n);
    filled += n;
  }
  return filled;
}

}  // namespace sluice::io
