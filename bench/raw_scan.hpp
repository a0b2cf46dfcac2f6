#pragma once
// The references sluice's timings are compared with: Hyperscan alone on bytes already in
// memory (the ceiling of any scanner built on it), and reading the files alone (the floor of
// any scanner of a tree). Shared by sluice-bench and sluice-ceiling.

#include <hs/hs.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::bench {

// The median wall time of `runs` calls of `body`.
[[nodiscard]] double median_seconds(int runs, const std::function<void()>& body);

// Every piece through Hyperscan streaming mode with `db` on `threads` threads: per-thread
// scratch and one reused stream, one stream per piece, raw hits counted and dropped.
void raw_hyperscan(const hs_database_t* db, const std::vector<std::string_view>& pieces, std::size_t threads);

// Open, read (or map and touch every page) and close every file on `threads` threads.
void read_only(const std::vector<std::string>& paths, std::size_t threads);

}  // namespace sluice::bench
