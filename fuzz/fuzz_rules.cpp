// libFuzzer harness: a rule file (TOML) through the loader and the compiler, and, when it
// compiles, a scan of its own text with the rules it defines. Any exception other than
// RuleError escapes and is a finding: a bad rule file must be reported as a RuleError.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"
#include "engine/stream_scanner.hpp"

using namespace sluice;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    engine::RuleSet set = engine::parse_rules(text, "fuzz.toml");
    // Compiling is the costly part (Hyperscan takes seconds for some built-in files): files of
    // more than 4 rules are only parsed, so the fuzzer spends its time on many inputs.
    if (set.rules.size() > 4) return 0;
    const auto compiled = engine::CompiledRules::compile(std::move(set));
    engine::ScanContext context(compiled);
    std::vector<engine::Match> matches;
    (void)engine::scan_buffer(context, text, "fuzz.toml", matches);
  } catch (const engine::RuleError&) {
    // The expected outcome for most inputs.
  }
  return 0;
}
