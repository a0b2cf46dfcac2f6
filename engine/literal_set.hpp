#pragma once
// A set of literal byte strings found anywhere in a buffer: one Hyperscan block-mode literal
// database (hs_compile_lit_multi), so the cost of a search does not grow with the set. Used to
// mask secrets already found wherever they reappear in output text (--redact).

#include <cstddef>
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
  explicit LiteralSet(std::vector<std::string> literals);
  LiteralSet(LiteralSet&&) noexcept = default;
  LiteralSet& operator=(LiteralSet&&) noexcept = default;

  [[nodiscard]] bool empty() const noexcept { return literals_.empty(); }
  // Every occurrence of every literal in `text`, as [begin, end) spans, overlapping ones
  // included, in no particular order. Thread-safe (one scratch, taken under a lock).
  [[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>> find(std::string_view text) const;

 private:
  std::vector<std::string> literals_;
  HsDatabase database_;
  HsScratch scratch_;
  mutable std::unique_ptr<std::mutex> lock_ = std::make_unique<std::mutex>();
};

}  // namespace sluice::engine
