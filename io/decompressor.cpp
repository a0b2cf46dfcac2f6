#include "io/decompressor.hpp"

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <new>

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
  const bool xz = head.size() >= 6 && head.substr(0, 6) == std::string_view(
                                                               "\xfd"
                                                               "7zXZ\0",
                                                               6);
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

namespace {

enum class Decoded : unsigned char { kMore, kEnd, kError };

// One format's decoder, fed whatever input is at hand.
class Codec {
 public:
  virtual ~Codec() = default;
  // Decodes from `in` (advanced past what was consumed) into `out`, setting `produced`.
  // `last`: no input follows `in`.
  virtual Decoded decode(std::string_view& in, bool last, char* out, std::size_t capacity, std::size_t& produced,
                         std::string* error) = 0;
};

class GzipCodec final : public Codec {
 public:
  GzipCodec() {
    if (inflateInit2(&stream_, 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
  }
  ~GzipCodec() override { inflateEnd(&stream_); }
  GzipCodec(const GzipCodec&) = delete;
  GzipCodec& operator=(const GzipCodec&) = delete;

  Decoded decode(std::string_view& in, bool last, char* out, std::size_t capacity, std::size_t& produced,
                 std::string* error) override {
    if (member_done_) {
      // Concatenated members, as gzip itself reads them; anything else after one is ignored.
      if (in.empty() && last) return Decoded::kEnd;
      if (in.empty()) return Decoded::kMore;
      if (static_cast<unsigned char>(in[0]) != 0x1f) return Decoded::kEnd;
      inflateReset(&stream_);
      member_done_ = false;
    }
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(std::min<std::size_t>(in.size(), 1u << 30));
    stream_.next_out = reinterpret_cast<Bytef*>(out);
    stream_.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1u << 30));
    const uInt in_before = stream_.avail_in;
    const uInt out_before = stream_.avail_out;
    const int ret = inflate(&stream_, Z_NO_FLUSH);
    in.remove_prefix(in_before - stream_.avail_in);
    produced = out_before - stream_.avail_out;
    if (ret == Z_STREAM_END) {
      member_done_ = true;
      return Decoded::kMore;
    }
    if (ret == Z_OK || ret == Z_BUF_ERROR) return Decoded::kMore;
    *error = std::string("gzip: ") + (stream_.msg != nullptr ? stream_.msg : "corrupt data");
    return Decoded::kError;
  }

 private:
  z_stream stream_{};
  bool member_done_ = false;
};

class LzmaCodec final : public Codec {
 public:
  explicit LzmaCodec(bool lzip) : lzip_(lzip) {
    // The dictionary size was checked against --max-decompression-memory before opening.
    const lzma_ret ret = lzip ? lzma_lzip_decoder(&stream_, UINT64_MAX, LZMA_CONCATENATED)
                              : lzma_stream_decoder(&stream_, UINT64_MAX, LZMA_CONCATENATED);
    if (ret != LZMA_OK) throw std::bad_alloc();
  }
  ~LzmaCodec() override { lzma_end(&stream_); }
  LzmaCodec(const LzmaCodec&) = delete;
  LzmaCodec& operator=(const LzmaCodec&) = delete;

  Decoded decode(std::string_view& in, bool last, char* out, std::size_t capacity, std::size_t& produced,
                 std::string* error) override {
    stream_.next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    stream_.avail_in = in.size();
    stream_.next_out = reinterpret_cast<std::uint8_t*>(out);
    stream_.avail_out = capacity;
    const lzma_ret ret = lzma_code(&stream_, last ? LZMA_FINISH : LZMA_RUN);
    in.remove_prefix(in.size() - stream_.avail_in);
    produced = capacity - stream_.avail_out;
    switch (ret) {
      case LZMA_OK:
      case LZMA_BUF_ERROR:  // no progress: the caller sees whether input is missing
        return Decoded::kMore;
      case LZMA_STREAM_END:
        return Decoded::kEnd;
      case LZMA_MEM_ERROR:
        *error = "out of memory";
        break;
      case LZMA_FORMAT_ERROR:
        *error = "not a valid stream";
        break;
      case LZMA_OPTIONS_ERROR:
        *error = "unsupported options";
        break;
      default:
        *error = "corrupt data";
        break;
    }
    *error = std::string(lzip_ ? "lzip: " : "xz: ") + *error;
    return Decoded::kError;
  }

 private:
  lzma_stream stream_ = LZMA_STREAM_INIT;
  bool lzip_;
};

class ZstdCodec final : public Codec {
 public:
  ZstdCodec() : context_(ZSTD_createDCtx()) {
    if (context_ == nullptr) throw std::bad_alloc();
  }
  ~ZstdCodec() override { ZSTD_freeDCtx(context_); }
  ZstdCodec(const ZstdCodec&) = delete;
  ZstdCodec& operator=(const ZstdCodec&) = delete;

  Decoded decode(std::string_view& in, bool last, char* out, std::size_t capacity, std::size_t& produced,
                 std::string* error) override {
    // Between frames (a hint of 0: the last one was decoded and flushed whole), the input may end.
    if (in.empty() && last && frame_left_ == 0) return Decoded::kEnd;
    ZSTD_inBuffer input{in.data(), in.size(), 0};
    ZSTD_outBuffer output{out, capacity, 0};
    const std::size_t hint = ZSTD_decompressStream(context_, &output, &input);
    in.remove_prefix(input.pos);
    produced = output.pos;
    if (ZSTD_isError(hint) != 0) {
      *error = std::string("zstd: ") + ZSTD_getErrorName(hint);
      return Decoded::kError;
    }
    frame_left_ = hint;
    return Decoded::kMore;
  }

 private:
  ZSTD_DCtx* context_;
  std::size_t frame_left_ = 0;
};

class Bzip2Codec final : public Codec {
 public:
  Bzip2Codec() { init(); }
  ~Bzip2Codec() override { BZ2_bzDecompressEnd(&stream_); }
  Bzip2Codec(const Bzip2Codec&) = delete;
  Bzip2Codec& operator=(const Bzip2Codec&) = delete;

  Decoded decode(std::string_view& in, bool last, char* out, std::size_t capacity, std::size_t& produced,
                 std::string* error) override {
    if (stream_done_) {
      // Concatenated streams (pbzip2, lbzip2 write them); anything else after one is ignored.
      if (in.empty() && last) return Decoded::kEnd;
      if (in.empty()) return Decoded::kMore;
      if (in[0] != 'B') return Decoded::kEnd;
      BZ2_bzDecompressEnd(&stream_);
      init();
    }
    stream_.next_in = const_cast<char*>(in.data());
    stream_.avail_in = static_cast<unsigned>(std::min<std::size_t>(in.size(), 1u << 30));
    stream_.next_out = out;
    stream_.avail_out = static_cast<unsigned>(std::min<std::size_t>(capacity, 1u << 30));
    const unsigned in_before = stream_.avail_in;
    const unsigned out_before = stream_.avail_out;
    const int ret = BZ2_bzDecompress(&stream_);
    in.remove_prefix(in_before - stream_.avail_in);
    produced = out_before - stream_.avail_out;
    if (ret == BZ_STREAM_END) {
      stream_done_ = true;
      return Decoded::kMore;
    }
    if (ret == BZ_OK) return Decoded::kMore;
    *error = ret == BZ_MEM_ERROR ? "bzip2: out of memory" : "bzip2: corrupt data";
    return Decoded::kError;
  }

 private:
  void init() {
    stream_ = bz_stream{};
    if (BZ2_bzDecompressInit(&stream_, 0, 0) != BZ_OK) throw std::bad_alloc();
    stream_done_ = false;
  }
  bz_stream stream_{};
  bool stream_done_ = false;
};

}  // namespace

struct Decompressor::State {
  std::string_view format;  // "gzip", ...
  // Input: the whole view (given once), or `head` then blocks pulled from `source`.
  std::string_view whole;
  std::string_view head;
  PullSource source;
  int given = 0;           // 0: nothing given yet; 1: whole or head given
  std::string_view avail;  // input not consumed yet
  bool input_ended = false;
  std::string input_error;  // the source failed: the reason of the cut
  std::uint64_t taken = 0;  // input bytes given to the decoder's buffer
  std::uint64_t produced = 0;
  std::unique_ptr<Codec> codec;
  // Formats without a decoder here (lz4, compress): libarchive's filters, read as one raw member.
  std::optional<ArchiveReader> archive;
  std::string_view pending;  // decompressed bytes libarchive gave and the caller did not take yet
  std::string error;         // returned by the next read
  bool ended = false;

  void refill() {
    if (given == 0) {
      given = 1;
      avail = source ? head : whole;
      if (!source) input_ended = true;
      taken += avail.size();
      if (!avail.empty()) return;
    }
    if (input_ended) return;
    std::string failure;
    std::optional<std::string_view> block;
    try {
      block = source(&failure);
    } catch (const std::exception& thrown) {
      failure = thrown.what();
    }
    if (!block || block->empty()) {
      input_ended = true;
      if (!block) input_error = failure.empty() ? std::string("read failed") : failure;
      return;
    }
    avail = *block;
    taken += avail.size();
  }

  // Fills `into` up to `capacity`; stops early at the end or at an error (kept in `error`).
  std::size_t decode(char* into, std::size_t capacity) {
    std::size_t filled = 0;
    while (filled < capacity && error.empty() && !ended) {
      if (avail.empty()) refill();
      const bool last = input_ended;
      const std::size_t before = avail.size();
      std::size_t produced_now = 0;
      const Decoded result = codec->decode(avail, last, into + filled, capacity - filled, produced_now, &error);
      filled += produced_now;
      if (result == Decoded::kEnd) {
        ended = true;
      } else if (result == Decoded::kError) {
        if (error.empty()) error = "corrupt data";
      } else if (produced_now == 0 && avail.size() == before && (!avail.empty() || last)) {
        // No progress although input was at hand, or none is left: the input ended inside the
        // stream (or the decoder is stuck on it). With no input at hand and more to come, the
        // next turn pulls it.
        error = !input_error.empty() ? input_error
                : avail.empty()      ? truncated_message()
                                     : std::string(format) + ": corrupt data";
      }
    }
    return filled;
  }

  std::string truncated_message() const { return "truncated " + std::string(format) + " input"; }

  std::size_t drain_archive(char* into, std::size_t capacity) {
    std::size_t filled = 0;
    while (filled < capacity && error.empty() && !ended) {
      if (pending.empty()) {
        auto block = archive->read(&error);
        if (!block) {
          if (error.empty()) error = truncated_message();
          break;
        }
        if (block->empty()) {
          ended = true;
          break;
        }
        pending = *block;
      }
      const std::size_t n = std::min(capacity - filled, pending.size());
      std::memcpy(into + filled, pending.data(), n);
      pending.remove_prefix(n);
      filled += n;
    }
    return filled;
  }
};

Decompressor::Decompressor(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
Decompressor::Decompressor(Decompressor&&) noexcept = default;
Decompressor& Decompressor::operator=(Decompressor&&) noexcept = default;
Decompressor::~Decompressor() = default;

namespace {

// Picks the decoder for the stream starting with `start`.
std::optional<std::string> prepare(Decompressor::State& state, std::string_view start,
                                   const std::function<std::variant<ArchiveReader, std::string>()>& open_archive) {
  const ContainerFormat format = sniff_container(start.substr(0, kSniffBytes));
  if (format.kind != ContainerKind::kCompressed) return std::string("not a compressed stream");
  state.format = format.name;
  try {
    if (format.name == "gzip") {
      state.codec = std::make_unique<GzipCodec>();
    } else if (format.name == "xz" || format.name == "lzip") {
      state.codec = std::make_unique<LzmaCodec>(format.name == "lzip");
    } else if (format.name == "zstd") {
      state.codec = std::make_unique<ZstdCodec>();
    } else if (format.name == "bzip2") {
      state.codec = std::make_unique<Bzip2Codec>();
    }
  } catch (const std::bad_alloc&) {
    return std::string("out of memory");
  }
  if (state.codec) return std::nullopt;
  auto reader = open_archive();
  if (auto* error = std::get_if<std::string>(&reader)) return std::move(*error);
  state.archive.emplace(std::move(std::get<ArchiveReader>(reader)));
  ArchiveMember member;
  std::string error;
  if (state.archive->next(member, &error) != ArchiveReader::Step::kMember) {
    return error.empty() ? std::string("empty compressed stream") : error;
  }
  return std::nullopt;
}

}  // namespace

std::variant<Decompressor, std::string> Decompressor::open(std::string_view compressed) {
  auto state = std::make_unique<State>();
  state->whole = compressed;
  if (auto error = prepare(*state, compressed, [&] { return ArchiveReader::open_memory_raw(compressed); })) {
    return std::move(*error);
  }
  return Decompressor(std::move(state));
}

std::variant<Decompressor, std::string> Decompressor::open_stream(std::string_view head, PullSource source) {
  auto state = std::make_unique<State>();
  state->head = head;
  state->source = std::move(source);
  // libarchive pulls through this state's source, so that only one reader consumes it.
  State* self = state.get();
  auto open_archive = [self] {
    return ArchiveReader::open_stream_raw(self->head, [self](std::string* error) { return self->source(error); });
  };
  if (auto error = prepare(*state, head, open_archive)) return std::move(*error);
  return Decompressor(std::move(state));
}

std::optional<std::size_t> Decompressor::read(char* into, std::size_t capacity, std::string* error) {
  State& s = *state_;
  if (capacity == 0) return 0;
  const std::size_t filled = s.codec ? s.decode(into, capacity) : s.drain_archive(into, capacity);
  s.produced += filled;
  if (filled > 0) return filled;
  if (!s.error.empty()) {
    *error = s.error;
    return std::nullopt;
  }
  return 0;
}

std::uint64_t Decompressor::compressed_bytes_read() const {
  if (state_->archive) return state_->archive->compressed_bytes_read();
  return state_->taken - state_->avail.size();
}

std::uint64_t Decompressor::bytes_produced() const { return state_->produced; }

}  // namespace sluice::io
