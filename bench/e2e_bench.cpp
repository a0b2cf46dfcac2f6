// End-to-end harness. Prints, side by side in one run on the same bytes and the same rule
// database: the raw Hyperscan ceiling (in memory, no pipeline), sluice in-process and as a
// binary, and ripgrep with the catalog's patterns — at 1 thread and at all threads.
//
//   sluice-bench [--corpus DIR | --mb N] [--runs R] [--big-file-mb M]
#include <fcntl.h>
#include <fmt/format.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "corpus_text.hpp"
#include "engine/rule_loader.hpp"
#include "engine/stream_scanner.hpp"
#include "io/input_file.hpp"
#include "io/walker.hpp"
#include "pipeline/scanner.hpp"
#include "raw_scan.hpp"

extern char** environ;

namespace {

using sluice::bench::median_seconds;
using sluice::bench::raw_hyperscan;
using sluice::bench::read_only;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

// Runs a command with stdout/stderr to /dev/null; returns its exit status (or -1).
int run_quietly(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Row {
  std::string name;
  std::vector<double> mbps;  // per thread count
};

void print_table(const std::string& title, double megabytes, const std::vector<std::size_t>& threads,
                 const std::vector<Row>& rows) {
  fmt::print("\n{} ({:.1f} MB)\n", title, megabytes);
  fmt::print("{:<34}", "");
  for (std::size_t t : threads) fmt::print("{:>12}{:>10}", fmt::format("{} thr MB/s", t), "vs ceil");
  fmt::print("\n");
  for (const Row& row : rows) {
    fmt::print("{:<34}", row.name);
    for (std::size_t i = 0; i < threads.size(); ++i) {
      if (row.mbps[i] <= 0) {
        fmt::print("{:>12}{:>10}", "n/a", "");
      } else {
        fmt::print("{:>12.0f}{:>10}", row.mbps[i], fmt::format("{:.0f}%", 100.0 * row.mbps[i] / rows[0].mbps[i]));
      }
    }
    fmt::print("\n");
  }
  if (threads.size() > 1) {
    fmt::print("{:<34}", "scaling (all threads / 1 thread)");
    for (const Row& row : rows) {
      if (row.mbps[0] > 0 && row.mbps.back() > 0)
        fmt::print("  {} x{:.2f}", row.name.substr(0, row.name.find(' ')), row.mbps.back() / row.mbps[0]);
    }
    fmt::print("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus_dir;
  double megabytes = 200;
  double big_file_mb = 256;
  int runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--corpus") corpus_dir = argv[i + 1];
    else if (flag == "--mb") megabytes = std::stod(argv[i + 1]);
    else if (flag == "--runs") runs = std::max(1, std::stoi(argv[i + 1]));
    else if (flag == "--big-file-mb") big_file_mb = std::stod(argv[i + 1]);
    else {
      fmt::print(stderr, "usage: sluice-bench [--corpus DIR | --mb N] [--runs R] [--big-file-mb M]\n");
      return 2;
    }
  }
  const std::string work = (fs::temp_directory_path() / "sluice-bench").string();
  fs::create_directories(work);
  if (corpus_dir.empty()) {
    corpus_dir = fmt::format("{}/corpus-{}mb", work, megabytes);
    if (!fs::exists(corpus_dir)) {
      fmt::print(stderr, "generating a {} MB corpus in {}\n", megabytes, corpus_dir);
      if (run_quietly({SLUICE_CORPUS_BINARY, "--out", corpus_dir, "--mb", fmt::format("{}", megabytes), "--seed", "1",
                       "--truth", work + "/corpus.truth.jsonl"}) != 0) {
        fmt::print(stderr, "corpus generation failed\n");
        return 1;
      }
    }
  }

  const auto compile_start = Clock::now();
  const auto rules = sluice::engine::CompiledRules::compile(sluice::engine::builtin_rules());
  const double compile_seconds = std::chrono::duration<double>(Clock::now() - compile_start).count();
  std::size_t db_size = 0;
  hs_database_size(rules->database(), &db_size);
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::size_t> threads{1};
  if (cores > 1) threads.push_back(cores);

  fmt::print("machine: {} cores; Hyperscan API {}; rules: {} ({} prefilter), database {} KB, compiled in {:.2f} s\n",
             cores, hs_version(), rules->size(), rules->prefilter_count(), db_size / 1024, compile_seconds);

  // Scenario 1: the generated corpus tree.
  const sluice::bench::LoadedCorpus corpus = sluice::bench::load_corpus(corpus_dir);
  const double mb = static_cast<double>(corpus.bytes) / 1e6;
  std::vector<std::string_view> files(corpus.contents.begin(), corpus.contents.end());
  fmt::print("corpus: {} ({} files)\n", corpus_dir, corpus.paths.size());

  // ripgrep with the catalog's patterns, when installed and able to compile them.
  const std::string patterns = work + "/patterns.txt";
  const std::string posthog_patterns = work + "/posthog-patterns.txt";
  {
    std::ofstream all(patterns);
    std::ofstream posthog(posthog_patterns);
    // (?-u): ASCII \b and classes, as sluice matches bytes; Unicode \b would force ripgrep
    // off its DFA and understate it.
    for (const sluice::engine::Rule& rule : rules->rules()) {
      all << "(?-u)" << rule.regex << '\n';
      if (rule.vendor == "PostHog") posthog << "(?-u)" << rule.regex << '\n';
    }
  }
  const bool have_rg = run_quietly({"rg", "--version"}) == 0;
  const bool rg_ok = have_rg && run_quietly({"rg", "-c", "--no-ignore", "--hidden", "-f", patterns, corpus_dir}) <= 1;

  Row ceiling{"raw Hyperscan (ceiling)", {}};
  Row in_process{"sluice pipeline (in-process)", {}};
  Row binary{"sluice scan (binary, incl. start)", {}};
  Row ripgrep{"ripgrep -f <catalog patterns> (1 run)", {}};
  Row ripgrep_posthog{"ripgrep -f <PostHog patterns only>", {}};
  Row io_floor{"read files only (no scan)", {}};
  for (std::size_t t : threads) {
    raw_hyperscan(rules->database(), files, t);  // warm-up
    ceiling.mbps.push_back(mb / median_seconds(runs, [&] { raw_hyperscan(rules->database(), files, t); }));
    io_floor.mbps.push_back(mb / median_seconds(runs, [&] { read_only(corpus.paths, t); }));
    sluice::pipeline::ScanOptions options;
    options.roots = {corpus_dir};
    options.threads = t;
    in_process.mbps.push_back(mb / median_seconds(runs, [&] { (void)sluice::pipeline::run_scan(rules, options); }));
    binary.mbps.push_back(mb / median_seconds(runs, [&] {
                            run_quietly({SLUICE_BINARY, "scan", corpus_dir, "-j", std::to_string(t), "-f", "jsonl",
                                         "-o", "/dev/null", "-q"});
                          }));
    ripgrep_posthog.mbps.push_back(rg_ok ? mb / median_seconds(runs,
                                                               [&] {
                                                                 run_quietly({"rg", "-c", "--no-ignore", "--hidden",
                                                                              "-j", std::to_string(t), "-f",
                                                                              posthog_patterns, corpus_dir});
                                                               })
                                         : 0);
    // The whole catalog is two to three orders of magnitude slower in ripgrep: one run.
    ripgrep.mbps.push_back(rg_ok ? mb / median_seconds(1,
                                                       [&] {
                                                         run_quietly({"rg", "-c", "--no-ignore", "--hidden", "-j",
                                                                      std::to_string(t), "-f", patterns, corpus_dir});
                                                       })
                                 : 0);
  }
  print_table("Scenario 1: generated corpus tree", mb, threads,
              {ceiling, in_process, binary, io_floor, ripgrep_posthog, ripgrep});
  // The walk is serial (lazy, bounded memory): show how far it is from being the bottleneck.
  std::size_t walked = 0;
  const double walk_seconds = median_seconds(runs, [&] {
    sluice::io::Walker walker({corpus_dir}, {});
    walked = 0;
    while (walker.next()) ++walked;
  });
  fmt::print("directory walk alone: {:.0f} entries/s, i.e. {:.0f} MB/s of this corpus\n", walked / walk_seconds,
             mb / walk_seconds);
  if (!rg_ok) fmt::print("(ripgrep {})\n", have_rg ? "could not compile the catalog patterns" : "not installed");

  // Scenario 2: one big file, which must still use every core (segments with overlap).
  if (big_file_mb > 0) {
    const std::string big = work + "/big.txt";
    const auto big_bytes = static_cast<std::size_t>(big_file_mb * 1e6);
    if (!fs::exists(big) || fs::file_size(big) != big_bytes) {
      std::string text = sluice::bench::make_text(big_bytes, 7);
      text.resize(big_bytes, '\n');
      std::ofstream(big, std::ios::binary) << text;
    }
    std::ifstream in(big, std::ios::binary);
    std::string data(big_bytes, '\0');
    in.read(data.data(), static_cast<std::streamsize>(data.size()));
    // Ceiling for one file on N threads: the same 64 MB pieces the pipeline uses.
    std::vector<std::string_view> pieces;
    for (std::size_t at = 0; at < data.size(); at += 64u << 20)
      pieces.push_back(std::string_view(data).substr(at, 64u << 20));
    Row big_ceiling{"raw Hyperscan (ceiling)", {}};
    Row big_sluice{"sluice pipeline (in-process)", {}};
    for (std::size_t t : threads) {
      big_ceiling.mbps.push_back(big_file_mb /
                                 median_seconds(runs, [&] { raw_hyperscan(rules->database(), pieces, t); }));
      sluice::pipeline::ScanOptions options;
      options.roots = {big};
      options.threads = t;
      big_sluice.mbps.push_back(big_file_mb /
                                median_seconds(runs, [&] { (void)sluice::pipeline::run_scan(rules, options); }));
    }
    print_table("Scenario 2: one big file", big_file_mb, threads, {big_ceiling, big_sluice});
  }
  return 0;
}
