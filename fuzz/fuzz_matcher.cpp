// libFuzzer harness: arbitrary bytes through the streaming matcher and RE2 confirmation with
// the whole built-in catalog (every rule, the ones off by default too), fed in chunk sizes the
// input chooses. The chunked scan must give exactly the matches of a one-piece scan (in any
// order).
//
// Input: byte 0 gives how many chunk sizes follow (1..8), each one byte (a size of 1..256
// bytes, or 0: 64 KiB); the rest is the haystack, fed in those sizes in turn.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"
#include "engine/stream_scanner.hpp"

using namespace sluice;

namespace {

const std::shared_ptr<const engine::CompiledRules>& catalog() {
  static const auto rules = engine::CompiledRules::compile(engine::builtin_rules());
  return rules;
}

auto key(const engine::Match& m) { return std::tie(m.match_start, m.match_end, m.rule, m.secret_offset, m.secret); }

// The same matches, in any order (the order in which rules settle is not part of the contract:
// findings are sorted later).
bool same(std::vector<engine::Match> a, std::vector<engine::Match> b) {
  const auto less = [](const engine::Match& x, const engine::Match& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), less);
  std::sort(b.begin(), b.end(), less);
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (key(a[i]) != key(b[i])) return false;
  }
  return true;
}

// Rule ids and offsets of both results (never the secrets), for the crash report.
void describe(const char* what, const std::vector<engine::Match>& matches) {
  std::fprintf(stderr, "%s: %zu matches\n", what, matches.size());
  for (const engine::Match& m : matches) {
    std::fprintf(stderr, "  %s match [%llu, %llu) secret at %llu, %zu bytes\n", catalog()->rules()[m.rule].id.c_str(),
                 static_cast<unsigned long long>(m.match_start), static_cast<unsigned long long>(m.match_end),
                 static_cast<unsigned long long>(m.secret_offset), m.secret.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)catalog();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t count = std::min<std::size_t>(data[0] % 8 + 1, size - 1);
  std::vector<std::size_t> sizes;
  for (std::size_t i = 0; i < count; ++i) sizes.push_back(data[1 + i] == 0 ? std::size_t{64} << 10 : data[1 + i]);
  if (sizes.empty()) sizes.push_back(1);
  const std::string_view haystack(reinterpret_cast<const char*>(data) + 1 + count, size - 1 - count);

  static engine::ScanContext context(catalog());
  std::vector<engine::Match> chunked;
  {
    engine::StreamScanner scanner(context, "fuzz", chunked);
    std::size_t at = 0;
    for (std::size_t k = 0; at < haystack.size(); ++k) {
      const std::string_view chunk = haystack.substr(at, sizes[k % sizes.size()]);
      if (!scanner.feed(chunk)) std::abort();
      at += chunk.size();
    }
    if (!scanner.finish()) std::abort();
  }
  std::vector<engine::Match> whole;
  if (!engine::scan_buffer(context, haystack, "fuzz", whole)) std::abort();
  if (!same(chunked, whole)) {  // a chunk boundary changed what was found
    describe("chunked", chunked);
    describe("whole", whole);
    std::abort();
  }
  return 0;
}
