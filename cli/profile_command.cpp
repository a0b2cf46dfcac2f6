// `sluice rules profile`: what each rule costs on a corpus (engine/rule_profile.hpp), so that the
// pattern that keeps Hyperscan or RE2 busy is one command away.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/progress.hpp"
#include "engine/builtin_database.hpp"
#include "engine/rule_profile.hpp"

namespace sluice::cli {
namespace {

struct ProfileFlags {
  std::vector<std::string> corpus;  // files or directories; none: the rules' card examples
  std::uint64_t max_bytes = std::uint64_t{256} << 20;
  unsigned passes = 1;
  std::size_t top = 25;
  std::string format = "text";
};

struct Corpus {
  std::vector<std::string> buffers;
  std::size_t files = 0;
  bool capped = false;  // --max-bytes reached: the rest was not read
};

// Reads `path` (a regular file; symlinks are not followed) into the corpus, within the cap.
// Returns false on a read error, reported.
bool read_into(const std::filesystem::path& path, std::uint64_t max_bytes, std::uint64_t& total, Corpus& corpus) {
  std::error_code error;
  const auto status = std::filesystem::symlink_status(path, error);
  if (error || !std::filesystem::is_regular_file(status)) return true;
  const std::uint64_t size = std::filesystem::file_size(path, error);
  if (error) return true;
  if (total + size > max_bytes) {
    corpus.capped = true;
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    say("sluice: error: {}: cannot read\n", path.string());
    return false;
  }
  total += size;
  ++corpus.files;
  corpus.buffers.push_back(std::move(bytes));
  return true;
}

// The files under each corpus path, in name order, up to --max-bytes. Throws on a missing path.
Corpus load_corpus(const ProfileFlags& flags, bool& read_error) {
  Corpus corpus;
  std::uint64_t total = 0;
  for (const std::string& root : flags.corpus) {
    std::error_code error;
    const auto status = std::filesystem::status(root, error);
    if (error || !std::filesystem::exists(status)) {
      throw std::runtime_error(fmt::format("{}: no such file or directory", root));
    }
    if (!std::filesystem::is_directory(status)) {
      read_error |= !read_into(root, flags.max_bytes, total, corpus);
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (auto it = std::filesystem::recursive_directory_iterator(
             root, std::filesystem::directory_options::skip_permission_denied, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_regular_file(error) && !it->is_symlink(error)) files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) read_error |= !read_into(file, flags.max_bytes, total, corpus);
  }
  return corpus;
}

// Every card example of the rules, one per line, as one buffer: dense text where every line
// is a hit, which shows confirmation cost.
Corpus examples_corpus(const engine::RuleSet& set) {
  Corpus corpus;
  std::string text;
  for (const engine::Rule& rule : set.rules) {
    for (const engine::RuleExample& example : rule.examples) {
      text += example.text;
      text.push_back('\n');
    }
  }
  corpus.buffers.push_back(std::move(text));
  return corpus;
}

std::string seconds(double s) { return s >= 10 ? fmt::format("{:.1f}", s) : fmt::format("{:.4f}", s); }

int profile(const RuleSources& sources, const ProfileFlags& flags) {
  const engine::RuleSet set = select_rules(load_rules(sources), sources);
  bool read_error = false;
  const Corpus corpus = flags.corpus.empty() ? examples_corpus(set) : load_corpus(flags, read_error);
  if (corpus.capped) {
    say("sluice: corpus over --max-bytes ({}): the rest was not read\n",
        human_bytes(static_cast<double>(flags.max_bytes)));
  }
  std::vector<std::string_view> views(corpus.buffers.begin(), corpus.buffers.end());
  const engine::CatalogProfile result = engine::profile_rules(set, views, flags.passes, engine::builtin_database());

  double sum_match = 0, sum_confirm = 0;
  for (const engine::RuleProfile& rule : result.rules) {
    sum_match += rule.match_seconds;
    sum_confirm += rule.confirm_seconds;
  }
  std::vector<const engine::RuleProfile*> order;
  for (const engine::RuleProfile& rule : result.rules) {
    if (!rule.skipped) order.push_back(&rule);
  }
  std::stable_sort(order.begin(), order.end(), [](const engine::RuleProfile* a, const engine::RuleProfile* b) {
    return a->match_seconds + a->confirm_seconds > b->match_seconds + b->confirm_seconds;
  });
  const double sum = std::max(sum_match + sum_confirm, 1e-12);
  // Hits per confirmed match: far above 1 means an open-ended repeat reports every end position.
  auto per_match = [](const engine::RuleProfile& rule) {
    return rule.matches == 0 ? static_cast<double>(rule.hits) : static_cast<double>(rule.hits) / rule.matches;
  };

  // Anchor occurrences per MB of corpus: how often a literal pre-filter on the rule would fire.
  auto per_mb = [&](std::uint64_t hits) {
    return result.bytes == 0 ? 0.0 : static_cast<double>(hits) * 1e6 / static_cast<double>(result.bytes);
  };

  if (flags.format == "json") {
    nlohmann::json rules = nlohmann::json::array();
    for (const engine::RuleProfile* rule : order) {
      rules.push_back({{"id", set.rules[rule->rule].id},
                       {"hits", rule->hits},
                       {"matches", rule->matches},
                       {"hits_per_match", per_match(*rule)},
                       {"hyperscan_seconds", rule->match_seconds},
                       {"confirm_seconds", rule->confirm_seconds},
                       {"share", (rule->match_seconds + rule->confirm_seconds) / sum},
                       {"anchors", rule->anchored ? nlohmann::json(rule->anchors) : nlohmann::json()},
                       {"anchor_hits", rule->anchor_hits},
                       {"anchor_hits_per_mb", per_mb(rule->anchor_hits)}});
    }
    nlohmann::json out{
        {"rules_profiled", order.size()},
        {"bytes", result.bytes},
        {"buffers", corpus.buffers.size()},
        {"passes", flags.passes},
        {"catalog",
         {{"hits", result.hits}, {"hyperscan_seconds", result.match_seconds}, {"total_seconds", result.total_seconds}}},
        {"sum_of_rules", {{"hyperscan_seconds", sum_match}, {"confirm_seconds", sum_confirm}}},
        {"rules", rules}};
    std::cout << out.dump(2) << '\n';
    return read_error ? kIncomplete : kClean;
  }
  std::cout << fmt::format(
      "{} rules over {} ({}), fastest of {} pass{}\n", order.size(), human_bytes(static_cast<double>(result.bytes)),
      flags.corpus.empty() ? std::string("the rules' card examples") : fmt::format("{} files", corpus.files),
      flags.passes, flags.passes == 1 ? "" : "es");
  std::cout << fmt::format("catalog together: Hyperscan {} s ({} hits), with confirmation {} s\n",
                           seconds(result.match_seconds), result.hits, seconds(result.total_seconds));
  std::cout << fmt::format("each rule alone, summed: Hyperscan {} s, confirmation {} s\n\n", seconds(sum_match),
                           seconds(sum_confirm));
  std::cout << fmt::format("{:<44} {:>9} {:>8} {:>9} {:>10} {:>10} {:>6}\n", "rule", "hits", "matches", "hits/match",
                           "hyperscan", "confirm", "share");
  for (std::size_t k = 0; k < order.size() && k < flags.top; ++k) {
    const engine::RuleProfile& rule = *order[k];
    std::cout << fmt::format("{:<44} {:>9} {:>8} {:>9.1f} {:>10} {:>10} {:>5.1f}%\n", set.rules[rule.rule].id,
                             rule.hits, rule.matches, per_match(rule), seconds(rule.match_seconds),
                             seconds(rule.confirm_seconds), 100.0 * (rule.match_seconds + rule.confirm_seconds) / sum);
  }

  // Anchors: the least selective first, then the rules that have none.
  std::vector<const engine::RuleProfile*> anchored;
  std::vector<std::string_view> unanchored;
  for (const engine::RuleProfile* rule : order) {
    if (rule->anchored) {
      anchored.push_back(rule);
    } else {
      unanchored.push_back(set.rules[rule->rule].id);
    }
  }
  std::stable_sort(anchored.begin(), anchored.end(), [](const engine::RuleProfile* a, const engine::RuleProfile* b) {
    return a->anchor_hits > b->anchor_hits;
  });
  std::cout << fmt::format(
      "\nliteral anchors (every match contains one; 3+ bytes): {} of {} rules; the most frequent first\n",
      anchored.size(), order.size());
  std::cout << fmt::format("{:<44} {:>11} {:>9}  {}\n", "rule", "anchor hits", "per MB", "anchors");
  for (std::size_t k = 0; k < anchored.size() && k < flags.top; ++k) {
    const engine::RuleProfile& rule = *anchored[k];
    std::string anchors = fmt::format("{}", fmt::join(rule.anchors, " | "));
    if (anchors.size() > 60) anchors = anchors.substr(0, 57) + "...";
    std::cout << fmt::format("{:<44} {:>11} {:>9.1f}  {}\n", set.rules[rule.rule].id, rule.anchor_hits,
                             per_mb(rule.anchor_hits), anchors);
  }
  if (!unanchored.empty()) {
    std::cout << fmt::format("no anchor of 3+ bytes ({}): {}\n", unanchored.size(), fmt::join(unanchored, ", "));
  }
  return read_error ? kIncomplete : kClean;
}

}  // namespace

void register_rules_profile(CLI::App& rules, int& exit_code) {
  auto sources = std::make_shared<RuleSources>();
  auto flags = std::make_shared<ProfileFlags>();
  CLI::App* command = rules.add_subcommand(
      "profile", "Time each rule alone on a corpus (Hyperscan, then confirmation): which patterns cost the most");
  command
      ->add_option("--corpus", flags->corpus,
                   "File or directory to profile on, read into memory (default: the rules' card examples)")
      ->take_all();
  command->add_option("--max-bytes", flags->max_bytes, "Read at most this many bytes of the corpus")
      ->capture_default_str();
  command->add_option("--passes", flags->passes, "Run each rule this many times and keep the fastest")
      ->check(CLI::Range(1u, 100u))
      ->capture_default_str();
  command->add_option("--top", flags->top, "Rules to print, most costly first (text format)")->capture_default_str();
  command->add_option("-f,--format", flags->format, "text or json (json lists every rule)")
      ->check(CLI::IsMember({"text", "json"}));
  add_rule_source_options(*command, *sources);
  command->callback([=, &exit_code] { exit_code = profile(*sources, *flags); });
}

}  // namespace sluice::cli
