#include "engine/compiled_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/stream_scanner.hpp"

namespace sluice::engine {
namespace {

std::vector<std::string> secrets_in(const std::shared_ptr<const CompiledRules>& rules, std::string_view text,
                                    std::string_view path = "file.txt") {
  ScanContext context(rules);
  std::vector<Match> found;
  EXPECT_TRUE(scan_buffer(context, text, path, found));
  std::vector<std::string> out;
  for (const Match& m : found) out.push_back(m.secret);
  return out;
}

TEST(CompiledRules, WindowComesFromThePatternWidth) {
  const auto rules = CompiledRules::compile(parse_rules("[[rules]]\nid='a'\nregex='''tok_([a-z]{10,20})'''\n", "t"));
  EXPECT_EQ(rules->compiled(0).window, 24u);
  EXPECT_FALSE(rules->compiled(0).unbounded);
  EXPECT_EQ(rules->max_window(), 25u);
  EXPECT_EQ(rules->compiled(0).secret_group(), -1);  // the single group
}

TEST(CompiledRules, UnboundedPatternsAreCapped) {
  const auto rules = CompiledRules::compile(parse_rules("[[rules]]\nid='a'\nregex='''BEGIN[A-Z ]*END'''\n", "t"));
  EXPECT_TRUE(rules->compiled(0).unbounded);
  EXPECT_EQ(rules->compiled(0).window, kMaxConfirmWindow);
  EXPECT_THAT(secrets_in(rules, "xx BEGIN SOME KEY END yy"), ::testing::ElementsAre("BEGIN SOME KEY END"));
}

TEST(CompiledRules, PrefilterRulesStayExactThroughRe2) {
  // A prefilter database may report more than the pattern matches; RE2 must remove the
  // extra hits. (vectorscan 5.4.9 builds every RE2-valid pattern we tried exactly, so the
  // automatic fallback is exercised here through the rule's `prefilter` switch.)
  const std::string rule =
      "[[rules]]\nid='big'\nregex='''\\bkey:((?:[a-z]{1,5}[0-9]{1,5}){20})\\b'''\nplaceholder_filter=false\n";
  const auto exact = CompiledRules::compile(parse_rules(rule, "t"));
  const auto approx = CompiledRules::compile(parse_rules(rule + "prefilter=true\n", "t"));
  EXPECT_FALSE(exact->compiled(0).prefilter);
  EXPECT_TRUE(approx->compiled(0).prefilter);
  EXPECT_EQ(approx->prefilter_count(), 1u);
  std::string hit = "key:";
  for (int i = 0; i < 20; ++i) hit += "ab12";
  for (const std::string& text : {hit + "\n", std::string("key:ab12ab12\n"), hit + "x99\n", "x" + hit + " " + hit}) {
    EXPECT_EQ(secrets_in(exact, text), secrets_in(approx, text)) << text;
  }
  EXPECT_EQ(secrets_in(approx, hit + "\n").size(), 1u);
}

TEST(CompiledRules, SecretGroupAndErrors) {
  const auto rules = CompiledRules::compile(
      parse_rules("[[rules]]\nid='a'\nregex='''(user)=([a-z0-9]{8})\\b'''\nsecretGroup=2\n", "t"));
  EXPECT_THAT(secrets_in(rules, "user=q1w2e3r4 "), ::testing::ElementsAre("q1w2e3r4"));
  EXPECT_THROW((void)CompiledRules::compile(parse_rules("[[rules]]\nid='a'\nregex='''(a)b'''\nsecretGroup=3\n", "t")),
               RuleError);
  EXPECT_THROW((void)CompiledRules::compile(parse_rules("[[rules]]\nid='a'\nregex='''(unclosed'''\n", "t")), RuleError);
}

TEST(CompiledRules, FiltersApply) {
  const auto rules = CompiledRules::compile(parse_rules(R"(
[[rules]]
id = "tok"
regex = '''\b(tok_[A-Za-z0-9]{12})\b'''
entropy = 3.0
keywords = ["tok_"]
  [[rules.allowlists]]
  stopwords = ["fixture"]
  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''#\s*test-only''']
[[rules]]
id = "cfg"
regex = '''\b(cfg_[0-9]{6})\b'''
path = '''\.cfg$'''
placeholder_filter = false
[allowlist]
paths = ['''(^|/)vendored/''']
)",
                                                        "t"));
  EXPECT_THAT(secrets_in(rules, "tok_Q7f2Lp9Zx3Mb"), ::testing::ElementsAre("tok_Q7f2Lp9Zx3Mb"));
  EXPECT_TRUE(secrets_in(rules, "tok_aaaabbbbaaaa").empty());                     // entropy
  EXPECT_TRUE(secrets_in(rules, "tok_EXAMPLEkey123").empty());                    // placeholder
  EXPECT_TRUE(secrets_in(rules, "tok_fixtureQ7f2L").empty());                     // stopword
  EXPECT_TRUE(secrets_in(rules, "v = tok_Q7f2Lp9Zx3Mb  # test-only").empty());    // line allowlist
  EXPECT_TRUE(secrets_in(rules, "tok_Q7f2Lp9Zx3Mb", "vendored/lib.py").empty());  // global path allowlist
  EXPECT_THAT(secrets_in(rules, "cfg_123456", "app.cfg"), ::testing::ElementsAre("cfg_123456"));
  EXPECT_TRUE(secrets_in(rules, "cfg_123456", "app.txt").empty());  // rule path
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

TEST(CompiledRules, PrecompiledDatabaseIsUsedOnlyWhenItsKeyMatches) {
  const auto fresh = CompiledRules::compile(builtin_rules());
  EXPECT_FALSE(fresh->loaded_precompiled());
  const std::string bytes = fresh->serialize_database();
  ASSERT_FALSE(bytes.empty());
  const PrecompiledDatabase matching{fresh->database_key(), bytes, {}, {}};
  const auto loaded = CompiledRules::compile(builtin_rules(), &matching);
  EXPECT_TRUE(loaded->loaded_precompiled());
  EXPECT_EQ(loaded->database_key(), fresh->database_key());
  const std::string text = "a=phx_KLwhyLj5Eln4jtsu31JsFxT2kP0rin42DaPYRPsTX\n";
  EXPECT_EQ(secrets_in(loaded, text), secrets_in(fresh, text));
  EXPECT_EQ(secrets_in(loaded, text).size(), 1u);

  // Another rule set (here: one more rule) has another key and is compiled.
  RuleSet more = builtin_rules();
  more.append(parse_rules("[[rules]]\nid='extra'\nregex='''extra_[0-9]{8}'''\n", "t"));
  const auto other = CompiledRules::compile(std::move(more), &matching);
  EXPECT_FALSE(other->loaded_precompiled());
  EXPECT_NE(other->database_key(), fresh->database_key());
  // A corrupt blob with the right key is ignored, not trusted.
  const std::string corrupt(bytes.size(), 'x');
  const PrecompiledDatabase broken{fresh->database_key(), corrupt, {}, {}};
  const auto recompiled = CompiledRules::compile(builtin_rules(), &broken);
  EXPECT_FALSE(recompiled->loaded_precompiled());
  EXPECT_EQ(secrets_in(recompiled, text).size(), 1u);
}

}  // namespace
}  // namespace sluice::engine

namespace sluice::engine {
namespace {

// A bounded regex, an unbounded one and one the card compiles as a prefilter.
RuleSet probe_rules(const std::string& last_regex = "tok_[a-z0-9]{10}") {
  return parse_rules(
      "[[rules]]\nid='fixed'\nregex='''fix_[0-9]{8}'''\n"
      "[[rules]]\nid='open'\nregex='''open_[a-z]+'''\n"
      "[[rules]]\nid='pre'\nprefilter=true\nregex='''pre_[A-F0-9]{12}'''\n"
      "[[rules]]\nid='last'\nregex='''" +
          last_regex + "'''\n",
      "t");
}

TEST(CompiledRules, PrecompiledProbesAreUsedOnlyWhenTheirKeyMatches) {
  const auto fresh = CompiledRules::compile(probe_rules());
  EXPECT_FALSE(fresh->loaded_probes());
  const std::string probes = fresh->serialize_probes();
  const std::string bytes = fresh->serialize_database();
  const PrecompiledDatabase matching{fresh->database_key(), bytes, fresh->probes_key(), probes};
  const auto loaded = CompiledRules::compile(probe_rules(), &matching);
  EXPECT_TRUE(loaded->loaded_probes());
  EXPECT_TRUE(loaded->loaded_precompiled());
  ASSERT_EQ(loaded->size(), fresh->size());
  for (std::size_t i = 0; i < fresh->size(); ++i) {
    EXPECT_EQ(loaded->compiled(i).window, fresh->compiled(i).window) << i;
    EXPECT_EQ(loaded->compiled(i).prefilter, fresh->compiled(i).prefilter) << i;
    EXPECT_EQ(loaded->compiled(i).unbounded, fresh->compiled(i).unbounded) << i;
  }
  EXPECT_TRUE(fresh->compiled(1).unbounded);
  EXPECT_TRUE(fresh->compiled(2).prefilter);
  EXPECT_EQ(loaded->max_window(), fresh->max_window());
  const std::string text = "x fix_40917352 open_kqzvmwtrpl pre_7C1E09B4FA3D tok_q8w2m5z7k1\n";
  EXPECT_EQ(secrets_in(loaded, text), secrets_in(fresh, text));
  EXPECT_EQ(secrets_in(loaded, text).size(), 4u);

  // Another regex: the probes (and the database) are not used, whatever they say.
  const auto other = CompiledRules::compile(probe_rules("tok_[a-z0-9]{40}"), &matching);
  EXPECT_FALSE(other->loaded_probes());
  EXPECT_FALSE(other->loaded_precompiled());
  EXPECT_EQ(other->compiled(3).window, fresh->compiled(3).window + 30);
  // Probes of the wrong size are ignored, not trusted.
  const PrecompiledDatabase short_probes{fresh->database_key(), bytes, fresh->probes_key(), probes.substr(1)};
  EXPECT_FALSE(CompiledRules::compile(probe_rules(), &short_probes)->loaded_probes());
}

}  // namespace
}  // namespace sluice::engine
