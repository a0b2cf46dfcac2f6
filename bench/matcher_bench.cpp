// Micro-benchmarks of the matcher on the built-in catalog: raw Hyperscan streaming (the
// ceiling), the StreamScanner with RE2 confirmation, many small streams, and confirmation.
#include <benchmark/benchmark.h>

#include "corpus_text.hpp"
#include "engine/rule_loader.hpp"
#include "engine/stream_scanner.hpp"

namespace {

using sluice::engine::CompiledRules;

const std::shared_ptr<const CompiledRules>& catalog() {
  static const auto rules = CompiledRules::compile(sluice::engine::builtin_rules());
  return rules;
}

const std::string& text() {
  static const std::string data = sluice::bench::make_text(16 << 20);
  return data;
}

int count_hit(unsigned, unsigned long long, unsigned long long, unsigned, void* user) {
  ++*static_cast<std::size_t*>(user);
  return 0;
}

void BM_RawHyperscanStream(benchmark::State& state) {
  const hs_database_t* db = catalog()->database();
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db, &scratch);
  const std::string& data = text();
  std::size_t hits = 0;
  for (auto _ : state) {
    hs_stream_t* stream = nullptr;
    hs_open_stream(db, 0, &stream);
    hs_scan_stream(stream, data.data(), static_cast<unsigned>(data.size()), 0, scratch, count_hit, &hits);
    hs_close_stream(stream, scratch, count_hit, &hits);
  }
  hs_free_scratch(scratch);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["hits"] = static_cast<double>(hits) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RawHyperscanStream)->Unit(benchmark::kMillisecond);

void BM_StreamScannerChunked(benchmark::State& state) {
  sluice::engine::ScanContext context(catalog());
  const std::string& data = text();
  const auto chunk = static_cast<std::size_t>(state.range(0));
  std::size_t found = 0;
  for (auto _ : state) {
    std::vector<sluice::engine::Match> out;
    sluice::engine::StreamScanner scanner(context, "bench", out);
    for (std::size_t at = 0; at < data.size(); at += chunk) {
      if (!scanner.feed(std::string_view(data).substr(at, chunk))) state.SkipWithError("scan failed");
    }
    if (!scanner.finish()) state.SkipWithError("scan failed");
    found = out.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  state.counters["findings"] = static_cast<double>(found);
}
BENCHMARK(BM_StreamScannerChunked)->Arg(64 << 10)->Arg(1 << 20)->Arg(16 << 20)->Unit(benchmark::kMillisecond);

// Per-input overhead: many small files, each its own stream.
void BM_ManySmallStreams(benchmark::State& state) {
  sluice::engine::ScanContext context(catalog());
  const std::string& data = text();
  const auto size = static_cast<std::size_t>(state.range(0));
  const std::size_t count = (4 << 20) / size;
  for (auto _ : state) {
    std::vector<sluice::engine::Match> out;
    for (std::size_t i = 0; i < count; ++i) {
      benchmark::DoNotOptimize(
          sluice::engine::scan_buffer(context, std::string_view(data).substr(i * size, size), "b", out));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * count * size));
}
BENCHMARK(BM_ManySmallStreams)->Arg(512)->Arg(4096)->Arg(65536)->Unit(benchmark::kMillisecond);

void BM_ConfirmOneHit(benchmark::State& state) {
  const std::string line = "POSTHOG_KEY=\"phx_Q7f2Lp9Zx3MbQ7f2Lp9Zx3MbQ7f2Lp9Zx3MbQ7f2Lp9Zx3Mbq7f\"";
  std::uint32_t rule = 0;
  for (std::uint32_t i = 0; i < catalog()->size(); ++i) {
    if (catalog()->rules()[i].id == "posthog_personal_key") rule = i;
  }
  const std::string_view window(line.data(), line.size() - 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(sluice::engine::confirm(*catalog(), rule, {window, 0, "bench", {}}));
  }
}
BENCHMARK(BM_ConfirmOneHit);

}  // namespace
