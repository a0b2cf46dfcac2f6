#include "engine/rule.hpp"

#include <array>
#include <cctype>

namespace sluice::engine {
namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high", "critical"};
constexpr std::array<std::string_view, 3> kConfidenceNames = {"low", "medium", "high"};

// Whether the regex reaches its first capture group through nothing but zero-width
// boundaries, separators and non-capturing group openings: `\b(`, `(?:^|[^A-Za-z0-9])(`.
// Any letter or digit there (outside a character class) is context the rule needs. A regex
// without a capture group reports its whole match, literal prefix included: true.
bool secret_group_comes_first(std::string_view regex) {
  bool in_class = false;
  bool context = false;  // a letter or digit seen before the first capture group
  for (std::size_t i = 0; i < regex.size(); ++i) {
    const char c = regex[i];
    if (in_class) {
      if (c == '\\') ++i;
      else if (c == ']') in_class = false;
      continue;
    }
    switch (c) {
      case '[':
        in_class = true;
        break;
      case '\\': {
        // \b, \s, \W and the like name no context; an escaped letter or digit (\x41, \n) does.
        const char next = i + 1 < regex.size() ? regex[i + 1] : '\0';
        if (std::isalnum(static_cast<unsigned char>(next)) &&
            std::string_view("bBAzsSwWdD").find(next) == std::string_view::npos) {
          context = true;
        }
        ++i;
        break;
      }
      case '(':
        if (i + 1 < regex.size() && regex[i + 1] == '?') {
          // (?: or (?i: or (?i) : skip the flags and the colon; (?P<name> captures.
          std::size_t j = i + 2;
          while (j < regex.size() && std::isalpha(static_cast<unsigned char>(regex[j]))) ++j;
          if (j < regex.size() && (regex[j] == ':' || regex[j] == ')')) {
            i = j;
            break;
          }
        }
        return !context;
      default:
        if (std::isalnum(static_cast<unsigned char>(c))) context = true;
        break;
    }
  }
  return true;
}
}  // namespace

std::string_view to_string(Severity severity) noexcept { return kSeverityNames[static_cast<std::size_t>(severity)]; }

std::optional<Severity> parse_severity(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == text) return static_cast<Severity>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Confidence confidence) noexcept {
  return kConfidenceNames[static_cast<std::size_t>(confidence)];
}

std::optional<Confidence> parse_confidence(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kConfidenceNames.size(); ++i) {
    if (kConfidenceNames[i] == text) return static_cast<Confidence>(i);
  }
  return std::nullopt;
}

Confidence base_confidence(const Rule& rule) {
  if (rule.confidence) return *rule.confidence;
  if (!rule.checksum.empty()) return Confidence::kHigh;
  if (rule.fallback || rule.regex.empty()) return Confidence::kMedium;
  return secret_group_comes_first(rule.regex) ? Confidence::kHigh : Confidence::kMedium;
}

std::vector<std::string> missing_card_fields(const Rule& rule) {
  std::vector<std::string> missing;
  auto need = [&](bool present, const char* field) {
    if (!present) missing.emplace_back(field);
  };
  need(!rule.name.empty(), "name");
  need(!rule.vendor.empty(), "vendor");
  need(!rule.family.empty(), "family");
  need(!rule.description.empty(), "description");
  need(!rule.security.empty(), "security");
  need(!rule.mitigation.empty(), "mitigation");
  need(!rule.references.empty(), "references");
  need(rule.examples.size() >= 1, "examples");
  need(rule.negative_examples.size() >= 1, "negative_examples");
  return missing;
}

}  // namespace sluice::engine
