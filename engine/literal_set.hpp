#pragma once
// A set of literal byte strings found anywhere in a buffer: one Hyperscan block-mode literal
// database (hs_compile_lit_multi), so the cost of a search does not grow with the set. Used to
// mask secrets already found wherever they reappear in output text (--redact), and to count
// the rules' literal anchors in a corpus (`rules profile`).

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/hs_handles.hpp"

namespace sluice::engine {

class LiteralSet {
 public:
  LiteralSet() = default;
  // Empty strings are ignored. Throws std::runtime_error when Hyperscan cannot compile the set.
  // `caseless`: ASCII letters match either case.
  explicit LiteralSet(std::vector<std::string> literals, bool caseless = false);
  LiteralSet(LiteralSet&&) noexcept = default;
  LiteralSet& operator=(LiteralSet&&) noexcept = default;

  [[nodiscard]] bool empty() const noexcept { return literals_.empty(); }
  // Every occurrence of every literal in `text`, as [begin, end) spans, overlapping ones
  // included, in no particular order. Thread-safe (one scratch, taken under a lock).
  [[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>> find(std::string_view text) const;
  // Adds the occurrences of each literal in `text` to `counts` (indexed like the non-empty
  // literals given, in order; resized to fit). In a text over 1 GiB an occurrence cut by a
  // 1 GiB boundary is not counted. Thread-safe.
  void count(std::string_view text, std::vector<std::uint64_t>& counts) const;

 private:
  std::vector<std::string> literals_;
  HsDatabase database_;
  HsScratch scratch_;
  mutable std::unique_ptr<std::mutex> lock_ = std::make_unique<std::mutex>();
};

}  // namespace sluice::engine
