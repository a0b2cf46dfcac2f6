// libFuzzer harness: arbitrary bytes through the encoded-span search and the decoders. Every
// instruction set the CPU has must give the same spans; every span must lie inside the input,
// in order; decoding each must stay in bounds (ASan) and give text or nothing.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "engine/decoders.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<engine::EncodedSpan> portable;
  engine::find_encoded_spans(text, portable, engine::SpanSearch::kPortable);
  for (engine::SpanSearch search :
       {engine::SpanSearch::kAvx2, engine::SpanSearch::kAvx512, engine::SpanSearch::kAvx512Vbmi}) {
    if (!engine::span_search_supported(search)) continue;
    std::vector<engine::EncodedSpan> got;
    engine::find_encoded_spans(text, got, search);
    bool same = got.size() == portable.size();
    for (std::size_t k = 0; same && k < got.size(); ++k) {
      same =
          got[k].begin == portable[k].begin && got[k].end == portable[k].end && got[k].decoding == portable[k].decoding;
    }
    if (!same) {
      std::fprintf(stderr, "instruction set %d: %zu spans, portable: %zu\n", static_cast<int>(search), got.size(),
                   portable.size());
      std::abort();
    }
  }
  std::size_t previous = 0;
  std::string out;
  for (const engine::EncodedSpan& span : portable) {
    if (span.begin >= span.end || span.end > size || span.begin < previous) std::abort();
    previous = span.begin;
    if (engine::decode_span(span.decoding, text.substr(span.begin, span.end - span.begin), out) &&
        out.size() < engine::kMinDecoded) {
      std::abort();
    }
  }
  return 0;
}
