#include "engine/rule_profile.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>

#include "engine/anchors.hpp"
#include "engine/compiled_rules.hpp"
#include "engine/hs_handles.hpp"
#include "engine/literal_set.hpp"
#include "engine/stream_scanner.hpp"

namespace sluice::engine {
namespace {

using Clock = std::chrono::steady_clock;

int count_hit(unsigned int /*id*/, unsigned long long /*from*/, unsigned long long /*to*/, unsigned int /*flags*/,
              void* user) noexcept {
  ++*static_cast<std::uint64_t*>(user);
  return 0;
}

struct Pass {
  std::uint64_t hits = 0;
  std::uint64_t matches = 0;
  double match_seconds = std::numeric_limits<double>::max();
  double total_seconds = std::numeric_limits<double>::max();
};

// Hyperscan alone, then the engine path, over every buffer; the fastest of `passes`.
Pass run(const std::shared_ptr<const CompiledRules>& rules, const std::vector<std::string_view>& corpus,
         unsigned passes) {
  Pass best;
  const hs_database_t* db = rules->database();
  if (db == nullptr) return Pass{0, 0, 0, 0};
  ScanContext context(rules);
  context.set_min_confidence(Confidence::kLow);
  hs_scratch_t* raw = nullptr;
  if (hs_alloc_scratch(db, &raw) != HS_SUCCESS) throw std::runtime_error("cannot allocate Hyperscan scratch");
  HsScratch scratch(raw);
  std::vector<Match> matches;
  for (unsigned pass = 0; pass < std::max(passes, 1u); ++pass) {
    std::uint64_t hits = 0;
    auto started = Clock::now();
    for (std::string_view buffer : corpus) {
      hs_stream_t* stream = nullptr;
      if (hs_open_stream(db, 0, &stream) != HS_SUCCESS) throw std::runtime_error("cannot open a Hyperscan stream");
      // hs_scan_stream takes a 32-bit length.
      for (std::size_t at = 0; at < buffer.size(); at += std::size_t{1} << 30) {
        const std::string_view piece = buffer.substr(at, std::size_t{1} << 30);
        hs_scan_stream(stream, piece.data(), static_cast<unsigned>(piece.size()), 0, scratch.get(), count_hit, &hits);
      }
      hs_close_stream(stream, scratch.get(), count_hit, &hits);
    }
    best.match_seconds = std::min(best.match_seconds, std::chrono::duration<double>(Clock::now() - started).count());
    best.hits = hits;
    matches.clear();
    started = Clock::now();
    for (std::string_view buffer : corpus) {
      if (!scan_buffer(context, buffer, "", matches)) throw std::runtime_error("Hyperscan failed while profiling");
    }
    best.total_seconds = std::min(best.total_seconds, std::chrono::duration<double>(Clock::now() - started).count());
    best.matches = matches.size();
  }
  return best;
}

// Each rule's anchors, chosen by how often their atoms occur in the corpus (the rarest kept),
// and how often the chosen ones occur: every atom of every rule counted in one
// case-insensitive literal set, one block scan of each buffer.
void choose_anchors(const RuleSet& set, CatalogProfile& profile, const std::vector<std::string_view>& corpus) {
  std::vector<std::optional<std::vector<std::string>>> atoms(set.rules.size());
  oneapi::tbb::parallel_for(std::size_t{0}, set.rules.size(), [&](std::size_t k) {
    if (!set.rules[k].regex.empty()) atoms[k] = literal_atoms(set.rules[k].regex);
  });
  std::map<std::string, std::size_t> index;
  for (const auto& list : atoms) {
    if (list) {
      for (const std::string& atom : *list) index.emplace(atom, 0);
    }
  }
  std::vector<std::uint64_t> counts;
  if (!index.empty()) {
    std::vector<std::string> literals;
    for (auto& [atom, id] : index) {
      id = literals.size();
      literals.push_back(atom);
    }
    const LiteralSet literal_set(std::move(literals), true);
    for (std::string_view buffer : corpus) literal_set.count(buffer, counts);
  }
  auto count_of = [&](const std::string& atom) {
    auto it = index.find(atom);
    return it == index.end() || it->second >= counts.size() ? std::uint64_t{0} : counts[it->second];
  };
  oneapi::tbb::parallel_for(std::size_t{0}, set.rules.size(), [&](std::size_t k) {
    if (!atoms[k]) return;
    auto anchors = literal_anchors(set.rules[k].regex, 3,
                                   [&](const std::string& atom) { return static_cast<double>(count_of(atom)); });
    if (!anchors) return;
    RuleProfile& rule = profile.rules[k];
    rule.anchored = true;
    rule.anchors = std::move(*anchors);
    for (const std::string& anchor : rule.anchors) rule.anchor_hits += count_of(anchor);
  });
}

}  // namespace

CatalogProfile profile_rules(const RuleSet& set, const std::vector<std::string_view>& corpus, unsigned passes,
                             const PrecompiledDatabase* precompiled) {
  CatalogProfile profile;
  for (std::string_view buffer : corpus) profile.bytes += buffer.size();
  profile.rules.resize(set.rules.size());
  // Compile every single-rule set first (in parallel: compiling dominates on small corpora).
  std::vector<std::shared_ptr<const CompiledRules>> single(set.rules.size());
  oneapi::tbb::parallel_for(std::size_t{0}, set.rules.size(), [&](std::size_t k) {
    profile.rules[k].rule = k;
    if (set.rules[k].regex.empty()) {
      profile.rules[k].skipped = true;
      return;
    }
    RuleSet one;
    one.rules.push_back(set.rules[k]);
    one.global_allowlists = set.global_allowlists;
    single[k] = CompiledRules::compile(std::move(one));
  });
  // Timed one rule after another, so that rules do not compete for the cores they are timed on.
  for (std::size_t k = 0; k < set.rules.size(); ++k) {
    if (!single[k]) continue;
    const Pass pass = run(single[k], corpus, passes);
    RuleProfile& out = profile.rules[k];
    out.hits = pass.hits;
    out.matches = pass.matches;
    out.match_seconds = pass.match_seconds;
    out.confirm_seconds = std::max(0.0, pass.total_seconds - pass.match_seconds);
    single[k].reset();
  }
  choose_anchors(set, profile, corpus);
  const Pass whole = run(CompiledRules::compile(set, precompiled), corpus, passes);
  profile.hits = whole.hits;
  profile.match_seconds = whole.match_seconds;
  profile.total_seconds = whole.total_seconds;
  return profile;
}

}  // namespace sluice::engine
