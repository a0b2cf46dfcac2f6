#include "engine/line_positions.hpp"

#include <algorithm>
#include <cstring>

namespace sluice::engine {
namespace {

std::uint64_t newlines_in(std::string_view bytes) {
  return static_cast<std::uint64_t>(std::count(bytes.begin(), bytes.end(), '\n'));
}

}  // namespace

void SegmentLines::count(std::string_view block) {
  if (block.empty()) return;
  newlines_ += newlines_in(block);
  counted_ += block.size();
  blocks_.emplace_back(counted_, newlines_);
}

void SegmentLines::locate(std::string_view buffer, std::span<const std::uint64_t> offsets) {
  const std::uint64_t from = span_.from;
  auto at = [&](std::uint64_t offset) {
    return static_cast<std::size_t>(std::clamp<std::uint64_t>(offset, from, from + buffer.size()) - from);
  };
  if (counted_ < span_.end) count(buffer.substr(at(counted_), at(span_.end) - at(counted_)));
  const std::size_t next = at(span_.next_from);
  if (const void* last = memrchr(buffer.data(), '\n', next); last != nullptr) {
    last_before_next_ = from + static_cast<std::uint64_t>(static_cast<const char*>(last) - buffer.data());
  }
  const std::size_t begin = at(span_.begin);
  for (const std::uint64_t offset : offsets) {
    const std::size_t k = at(offset);
    Located located;
    located.offset = offset;
    if (k < begin) {
      located.line_delta = -static_cast<std::int64_t>(newlines_in(buffer.substr(k, begin - k)));
    } else {
      // Newlines before the block holding the offset were counted already.
      const std::uint64_t absolute = from + k;
      auto block = std::upper_bound(blocks_.begin(), blocks_.end(), absolute,
                                    [](std::uint64_t value, const auto& entry) { return value < entry.first; });
      std::uint64_t counted_before = 0;
      std::size_t start = begin;
      if (block != blocks_.begin()) {
        counted_before = std::prev(block)->second;
        start = static_cast<std::size_t>(std::prev(block)->first - from);
      }
      located.line_delta = static_cast<std::int64_t>(counted_before + newlines_in(buffer.substr(start, k - start)));
    }
    if (const void* last = memrchr(buffer.data(), '\n', k); last != nullptr) {
      located.line_start = from + static_cast<std::uint64_t>(static_cast<const char*>(last) - buffer.data()) + 1;
    }
    located_.push_back(located);
  }
}

std::vector<TextPosition> LinePlacer::place(const SegmentLines& segment) {
  std::vector<TextPosition> positions;
  positions.reserve(segment.located_.size());
  for (const SegmentLines::Located& located : segment.located_) {
    const std::uint64_t start = located.line_start  ? *located.line_start
                                : last_before_from_ ? *last_before_from_ + 1
                                                    : 0;
    positions.push_back(
        TextPosition{static_cast<std::uint64_t>(static_cast<std::int64_t>(1 + newlines_before_) + located.line_delta),
                     located.offset >= start ? located.offset - start + 1 : 1});
  }
  newlines_before_ += segment.newlines_;
  if (segment.last_before_next_) last_before_from_ = segment.last_before_next_;
  return positions;
}

std::vector<TextPosition> positions_in(std::string_view bytes, std::span<const std::uint64_t> offsets) {
  SegmentLines segment(SegmentSpan::whole(bytes.size()));
  segment.locate(bytes, offsets);
  return LinePlacer().place(segment);
}

}  // namespace sluice::engine
