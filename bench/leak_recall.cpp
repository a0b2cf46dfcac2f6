// Recall and false positives of sluice on the leak corpus (corpora/leaks/, issue 17 item 4).
// Runs `sluice scan . -f jsonl` in the corpus folder, scores the report against the expected
// file (bench/leak_recall.hpp says what "found" means) and prints, per shape and in total: the
// planted secrets, those found at their location, those found with the expected rule, both
// recalls, and every false positive (any finding in near-miss/, any other finding that overlaps
// no planted secret) by location and rule, never the secret itself.
//
//   sluice-recall [--sluice BIN] [--corpus DIR] [--expected FILE] [--by family|shape]
//                 [--misses] [--json | --markdown] [-- SCAN-ARGS...]
//
// SCAN-ARGS are passed to `sluice scan` (e.g. `-- --enable generic`). Exit 0 when the scan ran
// and was scored (whatever the recall), 2 when it could not be (usage, unreadable files, sluice
// failed or reported an incomplete scan).

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "leak_recall.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sluice::leaks;

// Runs `argv` with `cwd` as working directory; returns its exit status (-1 if it did not exit).
int run_in(const fs::path& cwd, const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(127);
    execvp(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string shape_group(const std::string& shape, bool by_family) {
  return by_family ? shape.substr(0, shape.find('/')) : shape;
}

void print_table(const Score& score, bool by_family, bool markdown) {
  std::map<std::string, ShapeScore> rows;
  for (const auto& [shape, s] : score.by_shape) {
    auto& row = rows[shape_group(shape, by_family)];
    row.expected += s.expected;
    row.located += s.located;
    row.right_rule += s.right_rule;
  }
  std::size_t width = 5;
  for (const auto& [name, _] : rows) width = std::max(width, name.size());
  // Markdown rows for corpora/README.md; aligned columns otherwise.
  const char* format = markdown ? "| {:<{}} | {:>8} | {:>7} | {:>10} | {:>9} | {:>9} |\n"
                                : "{:<{}}  {:>8}  {:>7}  {:>10}  {:>9}  {:>9}\n";
  fmt::print(fmt::runtime(format), by_family ? "family" : "shape", width, "expected", "located", "right rule", "recall",
             "rule rec.");
  if (markdown) fmt::print("|{:-<{}}|---------:|--------:|-----------:|----------:|----------:|\n", "", width + 2);
  auto row = [&](const std::string& name, const ShapeScore& s) {
    fmt::print(fmt::runtime(format), name, width, s.expected, s.located, s.right_rule, percent(s.located, s.expected),
               percent(s.right_rule, s.expected));
  };
  for (const auto& [name, s] : rows) row(name, s);
  row("total", score.total);
}

nlohmann::json to_json(const Score& score) {
  nlohmann::json shapes = nlohmann::json::object();
  for (const auto& [shape, s] : score.by_shape) {
    shapes[shape] = {{"expected", s.expected}, {"located", s.located}, {"right_rule", s.right_rule}};
  }
  auto findings = [](const std::vector<Reported>& list) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : list) out.push_back({{"path", r.path}, {"line", r.line}, {"rule_id", r.rule_id}});
    return out;
  };
  return {
      {"shapes", shapes},
      {"total",
       {{"expected", score.total.expected}, {"located", score.total.located}, {"right_rule", score.total.right_rule}}},
      {"near_miss_findings", findings(score.near_miss_findings)},
      {"unexpected_findings", findings(score.unexpected_findings)}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Recall and false positives of sluice on the leak corpus (corpora/leaks/)");
  std::string sluice = SLUICE_BINARY;
  fs::path corpus = fs::path(SLUICE_SOURCE_DIR) / "corpora" / "leaks";
  fs::path expected_file;
  std::string by = "shape";
  bool misses = false, json = false, markdown = false;
  std::vector<std::string> scan_args;
  app.add_option("--sluice", sluice, "sluice binary")->capture_default_str();
  app.add_option("--corpus", corpus, "Corpus folder")->capture_default_str();
  app.add_option("--expected", expected_file, "Expected findings (default: CORPUS/../<name>.expected.jsonl)");
  app.add_option("--by", by, "Rows per shape or per family (the part of the shape before '/')")
      ->check(CLI::IsMember({"shape", "family"}))
      ->capture_default_str();
  app.add_flag("--misses", misses, "List every planted secret not found (path:line shape rule)");
  app.add_flag("--json", json, "Print the score as one JSON document instead of tables");
  app.add_flag("--markdown", markdown, "Print the table as Markdown (for corpora/README.md)");
  app.add_option("scan-args", scan_args, "Arguments after -- go to `sluice scan`");
  app.positionals_at_end();
  CLI11_PARSE(app, argc, argv);

  try {
    corpus = fs::absolute(corpus).lexically_normal();
    if (!corpus.has_filename()) corpus = corpus.parent_path();
    if (expected_file.empty()) expected_file = corpus.parent_path() / (corpus.filename().string() + ".expected.jsonl");
    const auto expected = load_expected(expected_file, corpus);

    char report_name[] = "/tmp/sluice-recall-XXXXXX";
    const int fd = mkstemp(report_name);
    if (fd < 0) throw std::runtime_error("cannot create a temporary file");
    close(fd);
    std::vector<std::string> command = {sluice, "scan", ".", "-f", "jsonl", "-o", report_name, "--no-progress"};
    command.insert(command.end(), scan_args.begin(), scan_args.end());
    const int code = run_in(corpus, command);
    std::string report;
    try {
      report = slurp(report_name);
    } catch (...) {
    }
    std::remove(report_name);
    // 0: nothing found, 1: findings; anything else means the scan is not the whole corpus.
    if (code != 0 && code != 1) {
      throw std::runtime_error(fmt::format("{} exited with {} (3: some input not scanned)", sluice, code));
    }
    const Score score = sluice::leaks::score(expected, parse_report(report));

    if (json) {
      fmt::print("{}\n", to_json(score).dump(2));
      return 0;
    }
    fmt::print("sluice-recall: {} on {} ({} planted secrets)\n\n", sluice, corpus.string(), expected.size());
    print_table(score, by == "family", markdown);
    fmt::print("\nfalse positives: {} in near-miss files, {} elsewhere (overlapping no planted secret)\n",
               score.near_miss_findings.size(), score.unexpected_findings.size());
    for (const auto& r : score.near_miss_findings) fmt::print("  near-miss  {}:{}  {}\n", r.path, r.line, r.rule_id);
    for (const auto& r : score.unexpected_findings) fmt::print("  unexpected {}:{}  {}\n", r.path, r.line, r.rule_id);
    if (misses) {
      fmt::print("\nnot found ({}):\n", score.missed.size());
      for (const Expected* e : score.missed) {
        fmt::print("  {}:{}  {}  {}{}\n", e->path, e->line, e->shape, e->rule_id, e->rule_exists ? "" : " (proposed)");
      }
    }
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "sluice-recall: error: {}\n", error.what());
    return 2;
  }
}
