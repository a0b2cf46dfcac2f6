#include "engine/rule.hpp"

#include <array>

namespace sluice::engine {
namespace {
constexpr std::array<std::string_view, 5> kSeverityNames = {"info", "low", "medium", "high",
                                                           "critical"};
}

std::string_view to_string(Severity severity) noexcept {
  return kSeverityNames[static_cast<std::size_t>(severity)];
}

std::optional<Severity> parse_severity(std::string_view text) noexcept {
  for (std::size_t i = 0; i < kSeverityNames.size(); ++i) {
    if (kSeverityNames[i] == text) return static_cast<Severity>(i);
  }
  return std::nullopt;
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
