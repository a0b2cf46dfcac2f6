// Decompression alone, in one process: reads every member of every archive given (nested
// archives and compressed members too, recognised by their first bytes) with sluice's own
// archive reader (io::ArchiveReader, libarchive) and throws the bytes away. bench/archives.sh
// times it next to `sluice scan` on the same inputs: the unpacking sluice has to do, with the
// same code and decoders, without scanning and without a process start per archive.
//
//   sluice-archive-drain [-j N] [--depth D] PATH...
//
// PATHs are archive files or directories (walked; every regular file is opened). Each thread
// takes whole files, as sluice's workers do with a directory of archives. --depth D opens
// archives D levels deep: a .tar.gz is one level, a .deb two (the ar, then its data.tar.xz);
// the default, 8, is sluice's --max-depth. One summary line on stderr; exit 1 when some input
// could not be read.

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "io/archive_format.hpp"
#include "io/archive_reader.hpp"
#include "io/input_file.hpp"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kBufferNested = std::size_t{64} << 20;  // sluice's limit for reading nested archives whole
using sluice::io::ArchiveReader;

struct Totals {
  std::uint64_t inputs = 0, archives = 0, members = 0, bytes = 0, errors = 0;
  void add(const Totals& o) {
    inputs += o.inputs;
    archives += o.archives;
    members += o.members;
    bytes += o.bytes;
    errors += o.errors;
  }
};

class Drainer {
 public:
  explicit Drainer(std::size_t max_depth) : max_depth_(max_depth) {}

  void drain_file(const std::string& path) {
    ++totals_.inputs;
    auto opened = sluice::io::read_file(path, std::size_t{1} << 20);
    if (auto* error = std::get_if<sluice::io::Error>(&opened)) return fail(path, error->reason);
    const std::string_view bytes = std::get<sluice::io::FileView>(opened).bytes();
    if (sluice::io::sniff_container(bytes.substr(0, sluice::io::kSniffBytes)).kind ==
        sluice::io::ContainerKind::kNone) {
      totals_.bytes += bytes.size();
      return;
    }
    auto reader = ArchiveReader::open_memory(bytes);
    if (auto* error = std::get_if<std::string>(&reader)) return fail(path, *error);
    drain(std::get<ArchiveReader>(reader), path, 1);
  }

  [[nodiscard]] const Totals& totals() const { return totals_; }

 private:
  void drain(ArchiveReader& reader, const std::string& where, std::size_t depth) {
    ++totals_.archives;
    std::string error;
    for (;;) {
      sluice::io::ArchiveMember member;
      const ArchiveReader::Step step = reader.next(member, &error);
      if (step == ArchiveReader::Step::kEnd) return;
      if (step == ArchiveReader::Step::kError) return fail(where, error);
      if (member.type != sluice::io::ArchiveMember::Type::kFile || member.encrypted) continue;
      ++totals_.members;
      // The first bytes decide, as in sluice, whether the member is itself an archive.
      std::string head;
      bool ended = false;
      while (head.size() < sluice::io::kSniffBytes) {
        auto block = reader.read(&error);
        if (!block) return fail(where + "!" + member.name, error);
        if (block->empty()) {
          ended = true;
          break;
        }
        head.append(*block);
      }
      if (depth < max_depth_ && sluice::io::sniff_container(head).kind != sluice::io::ContainerKind::kNone) {
        // As sluice does: nested archives up to 64 MiB are read whole and opened seekable
        // (7z and some zips need it), bigger ones are streamed.
        bool failed = false;
        while (!ended && head.size() <= kBufferNested) {
          auto block = reader.read(&error);
          if (!block) {
            failed = true;
            break;
          }
          if (block->empty()) ended = true;
          head.append(*block);
        }
        if (failed) {
          fail(where + "!" + member.name, error);
          continue;
        }
        auto nested = ended ? ArchiveReader::open_memory(head)
                            : ArchiveReader::open_stream(head, [&](std::string* f) { return reader.read(f); });
        if (auto* failure = std::get_if<std::string>(&nested)) {
          fail(where + "!" + member.name, *failure);
          continue;
        }
        drain(std::get<ArchiveReader>(nested), where + "!" + member.name, depth + 1);
        continue;
      }
      totals_.bytes += head.size();
      while (!ended) {
        auto block = reader.read(&error);
        if (!block) {
          fail(where + "!" + member.name, error);
          break;
        }
        if (block->empty()) break;
        totals_.bytes += block->size();
      }
    }
  }

  void fail(const std::string& where, const std::string& why) {
    ++totals_.errors;
    fmt::print(stderr, "sluice-archive-drain: error: {}: {}\n", where, why);
  }

  std::size_t max_depth_;
  Totals totals_;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Decompression alone: reads every member of the archives given and discards it");
  std::size_t threads = 1;
  std::size_t depth = 8;
  std::vector<std::string> paths;
  app.add_option("-j,--threads", threads, "Threads, each taking whole files")->check(CLI::Range(1, 1024));
  app.add_option("--depth", depth, "Archive levels opened (sluice's --max-depth)")->check(CLI::Range(1, 64));
  app.add_option("paths", paths, "Archives or directories of them")->required();
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::recursive_directory_iterator(path, ec)) {
      if (entry.is_regular_file(ec) && !entry.is_symlink(ec)) found.push_back(entry.path().string());
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }

  const auto start = std::chrono::steady_clock::now();
  std::atomic<std::size_t> next{0};
  std::vector<Totals> per_thread(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Drainer drainer(depth);
      for (std::size_t i = next++; i < files.size(); i = next++) drainer.drain_file(files[i]);
      per_thread[t] = drainer.totals();
    });
  }
  for (std::thread& worker : workers) worker.join();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Totals all;
  for (const Totals& t : per_thread) all.add(t);
  fmt::print(stderr,
             "sluice-archive-drain: {} inputs, {} archives, {} members, {} bytes in {:.2f} s ({:.1f} MB/s), "
             "{} errors, depth {}, {} threads\n",
             all.inputs, all.archives, all.members, all.bytes, seconds,
             seconds > 0 ? static_cast<double>(all.bytes) / 1e6 / seconds : 0.0, all.errors, depth, threads);
  return all.errors == 0 ? 0 : 1;
}
