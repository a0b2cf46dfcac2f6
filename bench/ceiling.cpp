// The two references of the performance table (bench/perf.py) that no other program gives:
//
//   sluice-ceiling tree DIR [-j N] [--runs R]
//       every regular file under DIR read into memory; prints the time to read the files alone
//       (open, read or map, close; sluice's own reader) and the time of the raw Hyperscan scan
//       of the same bytes with the built-in catalog's database (the one `sluice scan` loads),
//       streaming mode, one stream per file, on N threads.
//   sluice-ceiling block FILE --patterns PATTERNS [--runs R]
//       FILE read into memory and scanned in Hyperscan block mode, on one thread, with the
//       regexes of PATTERNS (one per line; `#` lines are comments): a fixed set, so the
//       figure does not move when the catalog grows.
//
// Output: `key value` lines (seconds are medians of R runs) for the harness to parse.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "corpus_text.hpp"
#include "engine/builtin_database.hpp"
#include "raw_scan.hpp"

namespace {

struct DatabaseFree {
  void operator()(hs_database_t* db) const { hs_free_database(db); }
};
using Database = std::unique_ptr<hs_database_t, DatabaseFree>;

int count_hit(unsigned, unsigned long long, unsigned long long, unsigned, void* user) {
  ++*static_cast<std::size_t*>(user);
  return 0;
}

int tree(const std::string& dir, std::size_t threads, int runs) {
  const sluice::engine::PrecompiledDatabase* builtin = sluice::engine::builtin_database();
  hs_database_t* raw = nullptr;
  if (builtin == nullptr || hs_deserialize_database(builtin->bytes.data(), builtin->bytes.size(), &raw) != HS_SUCCESS) {
    fmt::print(stderr, "sluice-ceiling: the built-in database does not load\n");
    return 2;
  }
  const Database db(raw);
  const sluice::bench::LoadedCorpus corpus = sluice::bench::load_corpus(dir);
  const std::vector<std::string_view> files(corpus.contents.begin(), corpus.contents.end());
  sluice::bench::raw_hyperscan(db.get(), files, threads);  // warm-up
  const double scan =
      sluice::bench::median_seconds(runs, [&] { sluice::bench::raw_hyperscan(db.get(), files, threads); });
  const double read = sluice::bench::median_seconds(runs, [&] { sluice::bench::read_only(corpus.paths, threads); });
  fmt::print("bytes {}\nfiles {}\nthreads {}\nread_seconds {:.4f}\nscan_seconds {:.4f}\n", corpus.bytes,
             corpus.paths.size(), threads, read, scan);
  return 0;
}

int block(const std::string& file, const std::string& patterns_file, int runs) {
  std::ifstream patterns_in(patterns_file);
  if (!patterns_in) {
    fmt::print(stderr, "sluice-ceiling: cannot read {}\n", patterns_file);
    return 2;
  }
  std::vector<std::string> patterns;
  for (std::string line; std::getline(patterns_in, line);) {
    if (!line.empty() && line[0] != '#') patterns.push_back(line);
  }
  std::vector<const char*> expressions;
  std::vector<unsigned> flags(patterns.size(), 0);
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    expressions.push_back(patterns[i].c_str());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* raw = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(expressions.data(), flags.data(), ids.data(), static_cast<unsigned>(expressions.size()),
                       HS_MODE_BLOCK, nullptr, &raw, &error) != HS_SUCCESS) {
    fmt::print(stderr, "sluice-ceiling: {}: pattern {}: {}\n", patterns_file, error->expression, error->message);
    hs_free_compile_error(error);
    return 2;
  }
  const Database db(raw);
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    fmt::print(stderr, "sluice-ceiling: cannot read {}\n", file);
    return 2;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string bytes = std::move(buffer).str();
  hs_scratch_t* scratch = nullptr;
  hs_alloc_scratch(db.get(), &scratch);
  std::size_t hits = 0;
  auto scan = [&] {
    hits = 0;
    hs_scan(db.get(), bytes.data(), static_cast<unsigned>(bytes.size()), 0, scratch, count_hit, &hits);
  };
  scan();  // warm-up
  const double seconds = sluice::bench::median_seconds(runs, scan);
  hs_free_scratch(scratch);
  fmt::print("bytes {}\npatterns {}\nhits {}\nseconds {:.4f}\n", bytes.size(), patterns.size(), hits, seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The raw references of bench/perf.py: Hyperscan alone and reading alone"};
  app.require_subcommand(1);
  int runs = 3;
  app.add_option("--runs", runs, "Runs per figure (the median is printed)")->check(CLI::Range(1, 100));
  std::string dir;
  std::size_t threads = 1;
  CLI::App* tree_command = app.add_subcommand("tree", "Read a tree alone, and scan it in memory with the catalog");
  tree_command->add_option("DIR", dir)->required();
  tree_command->add_option("-j", threads, "Threads")->check(CLI::Range(1, 1024));
  std::string file;
  std::string patterns;
  CLI::App* block_command = app.add_subcommand("block", "Scan one file in memory, block mode, with fixed patterns");
  block_command->add_option("FILE", file)->required();
  block_command->add_option("--patterns", patterns)->required();
  CLI11_PARSE(app, argc, argv);
  if (tree_command->parsed()) return tree(dir, threads, runs);
  return block(file, patterns, runs);
}
