#include "engine/literal_set.hpp"

#include <algorithm>
#include <stdexcept>

namespace sluice::engine {

LiteralSet::LiteralSet(std::vector<std::string> literals, bool caseless) {
  for (std::string& literal : literals) {
    if (!literal.empty()) literals_.push_back(std::move(literal));
  }
  if (literals_.empty()) return;
  std::vector<const char*> expressions;
  std::vector<std::size_t> lengths;
  std::vector<unsigned> flags(literals_.size(), caseless ? HS_FLAG_CASELESS : 0);
  std::vector<unsigned> ids;
  for (std::size_t i = 0; i < literals_.size(); ++i) {
    expressions.push_back(literals_[i].data());
    lengths.push_back(literals_[i].size());
    ids.push_back(static_cast<unsigned>(i));
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                           static_cast<unsigned>(literals_.size()), HS_MODE_BLOCK, nullptr, &database,
                           &error) != HS_SUCCESS) {
    HsCompileError owned(error);
    // The message names no literal: they may be secrets.
    throw std::runtime_error("cannot compile a set of literals");
  }
  database_.reset(database);
  hs_scratch_t* scratch = nullptr;
  if (hs_alloc_scratch(database_.get(), &scratch) != HS_SUCCESS) {
    throw std::runtime_error("cannot allocate Hyperscan scratch for a set of literals");
  }
  scratch_.reset(scratch);
}

std::vector<std::pair<std::size_t, std::size_t>> LiteralSet::find(std::string_view text) const {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  if (literals_.empty() || text.empty()) return spans;
  struct Context {
    const std::vector<std::string>* literals;
    std::vector<std::pair<std::size_t, std::size_t>>* spans;
  } context{&literals_, &spans};
  auto on_match = [](unsigned id, unsigned long long /*from*/, unsigned long long to, unsigned /*flags*/,
                     void* user) -> int {
    auto* self = static_cast<Context*>(user);
    const std::size_t end = static_cast<std::size_t>(to);
    self->spans->emplace_back(end - (*self->literals)[id].size(), end);
    return 0;
  };
  // hs_scan takes a 32-bit length: larger texts go in overlapping pieces.
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  std::lock_guard<std::mutex> guard(*lock_);
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t length = std::min(kPiece, text.size() - begin);
    std::vector<std::pair<std::size_t, std::size_t>> piece;
    context.spans = &piece;
    hs_scan(database_.get(), text.data() + begin, static_cast<unsigned>(length), 0, scratch_.get(), on_match, &context);
    for (auto [from, to] : piece) spans.emplace_back(from + begin, to + begin);
    if (begin + length == text.size()) break;
    begin += length / 2;
  }
  return spans;
}

void LiteralSet::count(std::string_view text, std::vector<std::uint64_t>& counts) const {
  counts.resize(std::max(counts.size(), literals_.size()), 0);
  if (literals_.empty()) return;
  auto on_match = [](unsigned id, unsigned long long /*from*/, unsigned long long /*to*/, unsigned /*flags*/,
                     void* user) -> int {
    ++(*static_cast<std::vector<std::uint64_t>*>(user))[id];
    return 0;
  };
  constexpr std::size_t kPiece = std::size_t{1} << 30;
  std::lock_guard<std::mutex> guard(*lock_);
  for (std::size_t begin = 0; begin < text.size(); begin += kPiece) {
    const std::size_t length = std::min(kPiece, text.size() - begin);
    hs_scan(database_.get(), text.data() + begin, static_cast<unsigned>(length), 0, scratch_.get(), on_match, &counts);
  }
}

}  // namespace sluice::engine
