#include "engine/compiled_rules.hpp"

#include <fmt/format.h>

#include <oneapi/tbb/parallel_for.h>

#include <xxhash.h>
#include <algorithm>
#include <climits>
#include <cstdlib>
#include <unordered_map>

#include "engine/rule_codec.hpp"

namespace sluice::engine {
namespace {

// RE2's error() quotes the offending part of the pattern, and a pattern can hold a literal
// key: messages name the kind of error only.
std::string_view describe_re2_error(RE2::ErrorCode code) {
  switch (code) {
    case RE2::ErrorBadEscape:
      return "bad escape sequence";
    case RE2::ErrorBadCharClass:
      return "bad character class";
    case RE2::ErrorBadCharRange:
      return "bad character class range";
    case RE2::ErrorMissingBracket:
      return "missing closing ]";
    case RE2::ErrorMissingParen:
      return "missing closing )";
    case RE2::ErrorUnexpectedParen:
      return "unexpected closing )";
    case RE2::ErrorTrailingBackslash:
      return "trailing \\ at the end";
    case RE2::ErrorRepeatArgument:
      return "repetition operator with nothing to repeat";
    case RE2::ErrorRepeatSize:
      return "bad repetition size";
    case RE2::ErrorRepeatOp:
      return "bad repetition operator";
    case RE2::ErrorBadPerlOp:
      return "bad perl operator";
    case RE2::ErrorBadUTF8:
      return "invalid UTF-8";
    case RE2::ErrorBadNamedCapture:
      return "bad named capture group";
    case RE2::ErrorPatternTooLarge:
      return "pattern too large (compiles to more than RE2's memory budget)";
    default:
      return "internal error";
  }
}

std::unique_ptr<RE2> compile_re2(const std::string& pattern, const Rule& rule, std::string_view what) {
  auto re = std::make_unique<RE2>(pattern, rule_re2_options());
  if (!re->ok()) {
    throw RuleError(fmt::format("{}: rule '{}': {} does not compile in RE2: {}", rule.origin, rule.id, what,
                                describe_re2_error(re->error_code())));
  }
  return re;
}

CompiledAllowlist compile_allowlist(const Allowlist& list, const Rule& owner) {
  CompiledAllowlist out;
  out.source = &list;
  for (const std::string& regex : list.regexes) out.regexes.push_back(compile_re2(regex, owner, "allowlist regex"));
  for (const std::string& path : list.paths) out.paths.push_back(compile_re2(path, owner, "allowlist path"));
  return out;
}

struct ExprProbe {
  bool ok = false;
  unsigned max_width = 0;
  std::string error;
};

ExprProbe probe_expression(const std::string& regex, unsigned flags) {
  hs_expr_info_t* raw_info = nullptr;
  hs_compile_error_t* raw_error = nullptr;
  ExprProbe probe;
  if (hs_expression_info(regex.c_str(), flags, &raw_info, &raw_error) == HS_SUCCESS) {
    HsExprInfo info(raw_info);
    probe.ok = true;
    probe.max_width = info->max_width;
  } else {
    HsCompileError error(raw_error);
    probe.error = error ? error->message : "unknown error";
  }
  return probe;
}

// A probe result as serialize_probes() writes it: per rule, the window (4 bytes, little
// endian) and a byte of flags.
constexpr std::size_t kProbeBytes = 5;
constexpr unsigned char kProbePrefilter = 1;
constexpr unsigned char kProbeUnbounded = 2;

std::string hex_digest(XXH3_state_t* state) {
  const XXH128_hash_t digest = XXH3_128bits_digest(state);
  return fmt::format("{:016x}{:016x}", digest.high64, digest.low64);
}

// What the probes of `rules` depend on: the library version, each rule's regex and whether
// the card asks for a prefilter.
std::string probes_key_of(const std::vector<Rule>& rules) {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state) throw std::bad_alloc();
  XXH3_128bits_reset(state.get());
  const std::string version = hs_version();
  XXH3_128bits_update(state.get(), version.data(), version.size() + 1);
  for (const Rule& rule : rules) {
    const unsigned char prefilter = rule.prefilter ? 1 : 0;
    XXH3_128bits_update(state.get(), &prefilter, 1);
    XXH3_128bits_update(state.get(), rule.regex.c_str(), rule.regex.size() + 1);
  }
  return hex_digest(state.get());
}

}  // namespace

std::string CompiledRules::catalog_hash() const {
  const std::string encoded = encode_rules(set_);
  const XXH128_hash_t digest = XXH3_128bits(encoded.data(), encoded.size());
  return fmt::format("{:016x}{:016x}", digest.high64, digest.low64);
}

std::string CompiledRules::serialize_probes() const {
  std::string out;
  out.reserve(compiled_.size() * kProbeBytes);
  for (const CompiledRule& rule : compiled_) {
    const auto window = static_cast<std::uint32_t>(rule.window);
    for (int k = 0; k < 4; ++k) out.push_back(static_cast<char>((window >> (8 * k)) & 0xff));
    out.push_back(static_cast<char>((rule.prefilter ? kProbePrefilter : 0) | (rule.unbounded ? kProbeUnbounded : 0)));
  }
  return out;
}

RE2::Options rule_re2_options() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_max_mem(64 << 20);
  return options;
}

std::size_t CompiledRules::prefilter_count() const noexcept {
  return static_cast<std::size_t>(
      std::count_if(compiled_.begin(), compiled_.end(), [](const CompiledRule& c) { return c.prefilter; }));
}

bool CompiledRules::yields(std::uint32_t loser, std::uint32_t winner) const noexcept {
  if (loser == winner || loser >= set_.rules.size() || winner >= set_.rules.size()) return false;
  if (set_.rules[loser].fallback && !set_.rules[winner].fallback) return true;
  const std::vector<std::uint32_t>& overridden = overridden_[winner];
  return std::binary_search(overridden.begin(), overridden.end(), loser);
}

std::string CompiledRules::serialize_database() const {
  if (!database_) return {};
  char* bytes = nullptr;
  std::size_t size = 0;
  if (hs_serialize_database(database_.get(), &bytes, &size) != HS_SUCCESS) return {};
  std::string out(bytes, size);
  std::free(bytes);  // NOLINT: allocated by Hyperscan with malloc
  return out;
}

std::shared_ptr<const CompiledRules> CompiledRules::compile(RuleSet rules, const PrecompiledDatabase* precompiled) {
  std::shared_ptr<CompiledRules> out(new CompiledRules());
  out->set_ = std::move(rules);
  const std::vector<Rule>& all = out->set_.rules;
  out->compiled_.resize(all.size());
  // `overrides` by index; ids not in this set (a --rules file naming a rule left out) are
  // ignored.
  std::unordered_map<std::string_view, std::uint32_t> index_of;
  for (std::size_t i = 0; i < all.size(); ++i) index_of.emplace(all[i].id, static_cast<std::uint32_t>(i));
  out->overridden_.resize(all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    for (const std::string& id : all[i].overrides) {
      if (auto it = index_of.find(id); it != index_of.end()) out->overridden_[i].push_back(it->second);
    }
    std::sort(out->overridden_[i].begin(), out->overridden_[i].end());
  }

  // Each rule's RE2 programs and Hyperscan probe are independent: built on every core. The
  // probes were most of the start-up time: the built-in catalog's are made at build time.
  out->probes_key_ = probes_key_of(all);
  const bool probed = precompiled != nullptr && precompiled->probes_key == out->probes_key_ &&
                      precompiled->probes.size() == all.size() * kProbeBytes;
  out->loaded_probes_ = probed;
  std::vector<unsigned> rule_flags(all.size(), 0);
  oneapi::tbb::parallel_for(std::size_t{0}, all.size(), [&](std::size_t i) {
    const Rule& rule = all[i];
    CompiledRule& compiled = out->compiled_[i];
    compiled.rule = &rule;
    compiled.confidence = base_confidence(rule);
    if (!rule.path.empty()) compiled.path = compile_re2(rule.path, rule, "path");
    for (const Allowlist& list : rule.allowlists) compiled.allowlists.push_back(compile_allowlist(list, rule));
    if (rule.regex.empty()) return;
    if (probed) {
      const auto* probe = reinterpret_cast<const unsigned char*>(precompiled->probes.data()) + i * kProbeBytes;
      compiled.window = static_cast<std::size_t>(probe[0]) | static_cast<std::size_t>(probe[1]) << 8 |
                        static_cast<std::size_t>(probe[2]) << 16 | static_cast<std::size_t>(probe[3]) << 24;
      compiled.prefilter = (probe[4] & kProbePrefilter) != 0;
      compiled.unbounded = (probe[4] & kProbeUnbounded) != 0;
      rule_flags[i] = compiled.prefilter ? HS_FLAG_PREFILTER : 0;
      return;
    }

    ExprProbe exact = probe_expression(rule.regex, 0);
    unsigned flag = 0;
    if (rule.prefilter && exact.ok) {
      flag = HS_FLAG_PREFILTER;
      compiled.prefilter = true;
    } else if (!exact.ok) {
      ExprProbe approx = probe_expression(rule.regex, HS_FLAG_PREFILTER);
      if (!approx.ok) {
        throw RuleError(
            fmt::format("{}: rule '{}': regex does not compile in Hyperscan: {}", rule.origin, rule.id, exact.error));
      }
      flag = HS_FLAG_PREFILTER;
      compiled.prefilter = true;
      exact.max_width = approx.max_width;
    }
    compiled.unbounded = exact.max_width == UINT_MAX || exact.max_width > kMaxConfirmWindow;
    compiled.window = compiled.unbounded ? kMaxConfirmWindow : exact.max_width;
    rule_flags[i] = flag;
  });
  std::vector<std::string> expressions;
  std::vector<unsigned> flags;
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i].regex.empty()) {
      out->path_only_.push_back(i);
      continue;
    }
    out->max_window_ = std::max(out->max_window_, out->compiled_[i].window + 1);
    expressions.push_back(all[i].regex);
    flags.push_back(rule_flags[i]);
    ids.push_back(static_cast<unsigned>(i));
  }
  for (const Allowlist& list : out->set_.global_allowlists) {
    static const Rule kGlobal{.id = "(global allowlist)", .origin = "config"};
    out->global_allowlists_.push_back(compile_allowlist(list, kGlobal));
  }
  // The RE2 programs, unless a precompiled database vouches for the regexes (below).
  auto build_all = [&out] {
    oneapi::tbb::parallel_for(std::size_t{0}, out->compiled_.size(), [&](std::size_t i) {
      if (!out->set_.rules[i].regex.empty()) (void)out->compiled_[i].confirm();
    });
  };
  if (expressions.empty()) {
    build_all();
    return out;
  }

  // The key covers everything hs_compile_multi sees, so a precompiled database with the same
  // key is the database this compilation would produce.
  auto key_of = [&] {
    std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
    if (!state) throw std::bad_alloc();
    XXH3_128bits_reset(state.get());
    const std::string version = hs_version();
    XXH3_128bits_update(state.get(), version.data(), version.size());
    for (std::size_t i = 0; i < expressions.size(); ++i) {
      const unsigned header[2] = {ids[i], flags[i]};
      XXH3_128bits_update(state.get(), header, sizeof header);
      XXH3_128bits_update(state.get(), expressions[i].c_str(), expressions[i].size() + 1);
    }
    return hex_digest(state.get());
  };
  out->database_key_ = key_of();
  if (precompiled != nullptr && precompiled->key == out->database_key_) {
    hs_database_t* raw_db = nullptr;
    if (hs_deserialize_database(precompiled->bytes.data(), precompiled->bytes.size(), &raw_db) == HS_SUCCESS) {
      out->database_.reset(raw_db);
      out->loaded_precompiled_ = true;
      return out;
    }
  }

  // Compile all at once; an expression Hyperscan can parse but not build exactly (e.g. too
  // large) is retried as a prefilter, and RE2 keeps the result exact.
  for (;;) {
    std::vector<const char*> pointers;
    for (const std::string& e : expressions) pointers.push_back(e.c_str());
    hs_database_t* raw_db = nullptr;
    hs_compile_error_t* raw_error = nullptr;
    if (hs_compile_multi(pointers.data(), flags.data(), ids.data(), static_cast<unsigned>(pointers.size()),
                         HS_MODE_STREAM, nullptr, &raw_db, &raw_error) == HS_SUCCESS) {
      out->database_.reset(raw_db);
      break;
    }
    HsCompileError error(raw_error);
    const int bad = error ? error->expression : -1;
    const std::string message = error ? error->message : "unknown error";
    if (bad < 0 || (flags[static_cast<std::size_t>(bad)] & HS_FLAG_PREFILTER) != 0) {
      const std::string who = bad < 0 ? std::string("the rule database")
                                      : fmt::format("rule '{}'", all[ids[static_cast<std::size_t>(bad)]].id);
      throw RuleError(fmt::format("Hyperscan cannot compile {}: {}", who, message));
    }
    flags[static_cast<std::size_t>(bad)] |= HS_FLAG_PREFILTER;
    out->compiled_[ids[static_cast<std::size_t>(bad)]].prefilter = true;
    // The probes serialized from this compilation carry the prefilter: the key of the
    // database is the key those probes give.
    out->database_key_ = key_of();
  }
  build_all();
  return out;
}

void CompiledRule::build() const {
  lazy_->confirm = compile_re2(fmt::format("(?:{})\\z", rule->regex), *rule, "regex");
  const int groups = lazy_->confirm->NumberOfCapturingGroups();
  if (rule->secret_group > groups) {
    throw RuleError(fmt::format("{}: rule '{}': secretGroup {} but the regex has {} capture group(s)", rule->origin,
                                rule->id, rule->secret_group, groups));
  }
  lazy_->secret_group = rule->secret_group > 0 ? rule->secret_group : (groups >= 1 ? -1 : 0);
  const auto& named = lazy_->confirm->NamedCapturingGroups();
  if (auto key = named.find("key"); key != named.end()) {
    lazy_->key_group = key->second;
    if (rule->secret_group == key->second || groups < 2) {
      throw RuleError(fmt::format("{}: rule '{}': the group named 'key' cannot be the secret", rule->origin, rule->id));
    }
  }
}

const RE2& CompiledRule::confirm() const {
  std::call_once(lazy_->once, [this] { build(); });
  return *lazy_->confirm;
}

int CompiledRule::secret_group() const {
  (void)confirm();
  return lazy_->secret_group;
}

int CompiledRule::key_group() const {
  (void)confirm();
  return lazy_->key_group;
}

}  // namespace sluice::engine
