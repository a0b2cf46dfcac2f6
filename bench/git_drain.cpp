// Reads every blob of a git repository the way `sluice scan` does (packed blobs in pack order
// through io::GitPackReader, the rest through io::GitObjects/libgit2) on N threads and discards
// the bytes: what blob reading alone costs, for comparison with
// `git cat-file --batch-all-objects --batch >/dev/null` (issue 4's ceiling). `--libgit2` reads
// every blob through libgit2 in object-id order instead.
//
//   sluice-git-drain [-j N] [--libgit2] REPO
//
// Prints one line on stderr: blobs, bytes, seconds for the enumeration and for the reading.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>
#include <variant>
#include <vector>

#include "io/git_objects.hpp"
#include "io/git_pack.hpp"

int main(int argc, char** argv) {
  CLI::App app("Reads every blob of a git repository and discards it");
  std::size_t threads = 1;
  std::string repo;
  app.add_option("-j,--threads", threads, "Reading threads, each with its own repository handle")
      ->check(CLI::Range(1, 256));
  bool libgit2_only = false;
  app.add_flag("--libgit2", libgit2_only, "Read every blob through libgit2, in object-id order");
  app.add_option("repo", repo, "Repository (worktree, .git or bare)")->required();
  CLI11_PARSE(app, argc, argv);

  using clock = std::chrono::steady_clock;
  const auto started = clock::now();
  auto opened = sluice::io::GitObjects::open(repo);
  if (auto* error = std::get_if<std::string>(&opened)) {
    fmt::print(stderr, "sluice-git-drain: {}: {}\n", repo, *error);
    return 1;
  }
  std::vector<sluice::io::GitOid> blobs;
  if (auto error = std::get<0>(opened).for_each_blob(
          [&](const sluice::io::GitOid& oid, std::uint64_t) { blobs.push_back(oid); })) {
    fmt::print(stderr, "sluice-git-drain: {}: {}\n", repo, *error);
  }
  std::shared_ptr<const sluice::io::GitPacks> packs =
      sluice::io::GitPacks::open(libgit2_only ? std::string("/nonexistent") : std::get<0>(opened).objects_dir());
  std::vector<std::optional<sluice::io::PackPosition>> where(blobs.size());
  {
    std::vector<std::size_t> order(blobs.size());
    for (std::size_t k = 0; k < blobs.size(); ++k) {
      order[k] = k;
      where[k] = packs->find(blobs[k]);
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (where[a].has_value() != where[b].has_value()) return where[a].has_value();
      return where[a] && *where[a] < *where[b];
    });
    std::vector<sluice::io::GitOid> sorted_blobs;
    std::vector<std::optional<sluice::io::PackPosition>> sorted_where;
    for (std::size_t k : order) {
      sorted_blobs.push_back(blobs[k]);
      sorted_where.push_back(where[k]);
    }
    blobs = std::move(sorted_blobs);
    where = std::move(sorted_where);
  }
  const auto listed = clock::now();
  std::atomic<std::size_t> next{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      auto handle = sluice::io::GitObjects::open(repo);
      if (handle.index() != 0) {
        ++errors;
        return;
      }
      const auto& objects = std::get<0>(handle);
      sluice::io::GitPackReader reader(packs);
      // Contiguous runs of blobs per thread, like the scan's tasks (pack locality).
      constexpr std::size_t kRun = 64;
      for (std::size_t start = next.fetch_add(kRun); start < blobs.size(); start = next.fetch_add(kRun)) {
        for (std::size_t i = start; i < std::min(blobs.size(), start + kRun); ++i) {
          if (where[i]) {
            auto packed = reader.read_blob(*where[i], std::uint64_t{1} << 40);
            if (packed.index() == 0) {
              bytes += std::get<0>(packed)->size;
              continue;
            }
          }
          auto blob = objects.read_blob(blobs[i]);
          if (blob.index() == 0) {
            bytes += std::get<0>(blob).size();
          } else {
            ++errors;
          }
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  const auto done = clock::now();
  const double list_s = std::chrono::duration<double>(listed - started).count();
  const double read_s = std::chrono::duration<double>(done - listed).count();
  fmt::print(stderr,
             "sluice-git-drain: {} blobs, {} bytes; enumerate {:.2f} s, read {:.2f} s ({:.1f} MB/s) on {} threads; "
             "{} errors\n",
             blobs.size(), bytes.load(), list_s, read_s, read_s > 0 ? static_cast<double>(bytes) / 1e6 / read_s : 0.0,
             threads, errors.load());
  return errors == 0 ? 0 : 1;
}
