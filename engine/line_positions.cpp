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
  // A whole input in one segment has no segment after it: its own counts serve only its
  // offsets, counted below as far as the last one (most inputs have none).
  if (!span_.whole) {
    if (counted_ < span_.end) count(buffer.substr(at(counted_), at(span_.end) - at(counted_)));
    const std::size_t next = at(span_.next_from);
    if (const void* last = memrchr(buffer.data(), '\n', next); last != nullptr) {
      last_before_next_ = from + static_cast<std::uint64_t>(static_cast<const char*>(last) - buffer.data());
    }
  }
  const std::size_t begin = at(span_.begin);
  // A cursor over the owned bytes, moved forward from offset to offset (they come in
  // ascending order; one that does not restarts it): newlines in [begin, pos), and the last
  // newline before pos once looked up.
  std::size_t pos = begin;
  std::uint64_t newlines = 0;
  std::optional<std::size_t> last_newline;
  bool last_known = false;
  for (const std::uint64_t offset : offsets) {
    const std::size_t k = at(offset);
    Located located;
    located.offset = offset;
    if (k < begin) {
      // A secret that starts in the bytes before the owned range (at most one overlap).
      located.line_delta = -static_cast<std::int64_t>(newlines_in(buffer.substr(k, begin - k)));
      if (const void* last = memrchr(buffer.data(), '\n', k); last != nullptr) {
        located.line_start = from + static_cast<std::uint64_t>(static_cast<const char*>(last) - buffer.data()) + 1;
      }
      located_.push_back(located);
      continue;
    }
    if (k < pos) {
      pos = begin;
      newlines = 0;
      last_known = false;
    }
    // Blocks count() saw before the offset are not counted again.
    auto block = std::upper_bound(blocks_.begin(), blocks_.end(), from + k,
                                  [](std::uint64_t value, const auto& entry) { return value < entry.first; });
    if (block != blocks_.begin() && static_cast<std::size_t>(std::prev(block)->first - from) > pos) {
      pos = static_cast<std::size_t>(std::prev(block)->first - from);
      newlines = std::prev(block)->second;
      last_known = false;
    }
    const std::string_view run = buffer.substr(pos, k - pos);
    if (const std::uint64_t n = newlines_in(run); n > 0) {
      newlines += n;
      last_newline =
          pos + static_cast<std::size_t>(static_cast<const char*>(memrchr(run.data(), '\n', run.size())) - run.data());
      last_known = true;
    }
    pos = k;
    if (!last_known) {
      const void* last = memrchr(buffer.data(), '\n', pos);
      last_newline =
          last == nullptr
              ? std::nullopt
              : std::optional<std::size_t>(static_cast<std::size_t>(static_cast<const char*>(last) - buffer.data()));
      last_known = true;
    }
    located.line_delta = static_cast<std::int64_t>(newlines);
    if (last_newline) located.line_start = from + *last_newline + 1;
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
                     located.offset >= start ? located.offset - start + 1 : 1,
                     located.line_start.has_value() || last_before_from_.has_value()});
  }
  newlines_before_ += segment.newlines_;
  if (segment.last_before_next_) last_before_from_ = segment.last_before_next_;
  return positions;
}

std::vector<TextPosition> positions_in(std::string_view bytes, std::span<const std::uint64_t> offsets) {
  SegmentLines segment(SegmentSpan::of_whole(bytes.size()));
  segment.locate(bytes, offsets);
  return LinePlacer().place(segment);
}

}  // namespace sluice::engine
