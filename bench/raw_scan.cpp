#include "raw_scan.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <variant>

#include "io/input_file.hpp"

namespace sluice::bench {
namespace {

volatile std::size_t benchmark_sink = 0;

int count_hit(unsigned, unsigned long long, unsigned long long, unsigned, void* user) {
  ++*static_cast<std::size_t*>(user);
  return 0;
}

// Per-thread scratch and one reusable stream, as the best raw Hyperscan program would use.
struct Scratch {
  const hs_database_t* db = nullptr;
  hs_scratch_t* scratch = nullptr;
  hs_stream_t* stream = nullptr;
  explicit Scratch(const hs_database_t* database) : db(database) {
    hs_alloc_scratch(db, &scratch);
    hs_open_stream(db, 0, &stream);
  }
  Scratch(const Scratch& other) : db(other.db) {
    hs_clone_scratch(other.scratch, &scratch);
    hs_open_stream(db, 0, &stream);
  }
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    hs_close_stream(stream, nullptr, nullptr, nullptr);
    hs_free_scratch(scratch);
  }
};

}  // namespace

double median_seconds(int runs, const std::function<void()>& body) {
  std::vector<double> times;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    body();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

void raw_hyperscan(const hs_database_t* db, const std::vector<std::string_view>& pieces, std::size_t threads) {
  Scratch prototype(db);
  oneapi::tbb::enumerable_thread_specific<Scratch> scratches(prototype);
  oneapi::tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    oneapi::tbb::parallel_for(std::size_t{0}, pieces.size(), [&](std::size_t i) {
      Scratch& local = scratches.local();
      std::size_t hits = 0;
      hs_scan_stream(local.stream, pieces[i].data(), static_cast<unsigned>(pieces[i].size()), 0, local.scratch,
                     count_hit, &hits);
      hs_reset_stream(local.stream, 0, local.scratch, count_hit, &hits);
    });
  });
}

void read_only(const std::vector<std::string>& paths, std::size_t threads) {
  oneapi::tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    oneapi::tbb::parallel_for(std::size_t{0}, paths.size(), [&](std::size_t i) {
      auto view = sluice::io::read_file(paths[i], std::size_t{1} << 20);
      if (auto* file = std::get_if<sluice::io::FileView>(&view)) {
        std::size_t sum = 0;
        const std::string_view bytes = file->bytes();
        for (std::size_t at = 0; at < bytes.size(); at += 4096) sum += static_cast<unsigned char>(bytes[at]);
        benchmark_sink = sum;
      }
    });
  });
}

}  // namespace sluice::bench
