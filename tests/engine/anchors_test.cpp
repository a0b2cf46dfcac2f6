#include "engine/anchors.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "engine/rule_loader.hpp"

namespace sluice::engine {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

TEST(LiteralAnchors, APrefixIsTheAnchor) {
  EXPECT_EQ(literal_anchors(R"(\b(phx_[A-Za-z0-9]{43})\b)"), std::vector<std::string>{"phx_"});
  // Case-insensitive literals come back lower-case.
  EXPECT_EQ(literal_anchors(R"((?i)\bApiKey=([0-9]{8}))"), std::vector<std::string>{"apikey="});
}

TEST(LiteralAnchors, AnAlternationNeedsOneAnchorPerBranch) {
  const auto anchors = literal_anchors(R"((?:alpha|gamma)_secret=([0-9]{5}))");
  ASSERT_TRUE(anchors.has_value());
  for (const std::string text : {"alpha_secret=12345", "gamma_secret=12345"}) {
    EXPECT_TRUE(std::any_of(anchors->begin(), anchors->end(), [&](const std::string& anchor) {
      return text.find(anchor) != std::string::npos;
    })) << text;
  }
}

// Every match holds zeta_ and one of alpha, gamma: either is an anchor set, and the cost (how
// often an atom occurs in a corpus) decides which.
TEST(LiteralAnchors, TheCostliestAtomsAreDroppedFirst) {
  const std::string regex = R"((?:alpha|gamma)\s+zeta_([0-9]{5}))";
  const auto atoms = literal_atoms(regex);
  ASSERT_TRUE(atoms.has_value());
  EXPECT_EQ(*atoms, (std::vector<std::string>{"alpha", "gamma", "zeta_"})) << ::testing::PrintToString(*atoms);
  auto common = [](const std::string& often) {
    return [often](const std::string& atom) { return often.find(atom) != std::string::npos ? 1000.0 : 1.0; };
  };
  EXPECT_EQ(literal_anchors(regex, 3, common("zeta_")), (std::vector<std::string>{"alpha", "gamma"}));
  EXPECT_EQ(literal_anchors(regex, 3, common("alpha gamma")), (std::vector<std::string>{"zeta_"}));
}

TEST(LiteralAnchors, NoneWhenAMatchNeedNotHoldALongEnoughLiteral) {
  EXPECT_FALSE(literal_anchors(R"(\b[0-9a-f]{32}\b)").has_value());
  EXPECT_FALSE(literal_anchors(R"(\bSK[0-9a-f]{32}\b)").has_value());  // two bytes only
  EXPECT_TRUE(literal_anchors(R"(\bSK[0-9a-f]{32}\b)", 2).has_value());
  EXPECT_FALSE(literal_anchors(R"((?:key_|[0-9]{4}))").has_value());  // one branch has none
  EXPECT_FALSE(literal_anchors("(unbalanced").has_value());
}

// Every example of every built-in rule contains one of its rule's anchors: the reduction to a
// minimal set never drops an atom that a match needs.
TEST(LiteralAnchors, EveryBuiltinExampleHoldsAnAnchorOfItsRule) {
  std::size_t anchored = 0;
  for (const Rule& rule : builtin_rules().rules) {
    if (rule.regex.empty()) continue;
    const auto anchors = literal_anchors(rule.regex);
    if (!anchors) continue;
    ++anchored;
    EXPECT_FALSE(anchors->empty()) << rule.id;
    for (const RuleExample& example : rule.examples) {
      const std::string text = lower(example.text);
      EXPECT_TRUE(std::any_of(anchors->begin(), anchors->end(),
                              [&](const std::string& anchor) { return text.find(anchor) != std::string::npos; }))
          << rule.id << ": no anchor in its example";
    }
  }
  EXPECT_GT(anchored, 600u);
}

}  // namespace
}  // namespace sluice::engine
