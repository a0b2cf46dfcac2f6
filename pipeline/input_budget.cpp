#include "pipeline/input_budget.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::pipeline {

std::string describe_size(std::uint64_t bytes) {
  if (bytes >= (std::uint64_t{1} << 30)) return fmt::format("{:.1f} GiB", static_cast<double>(bytes) / (1 << 30));
  if (bytes >= (std::uint64_t{1} << 20)) return fmt::format("{:.1f} MiB", static_cast<double>(bytes) / (1 << 20));
  return fmt::format("{} bytes", bytes);
}

std::uint64_t InputBudget::member_limit(std::uint64_t consumed_input) const {
  return std::max<std::uint64_t>(limits_.ratio_allowance,
                                 static_cast<std::uint64_t>(limits_.max_ratio * static_cast<double>(consumed_input)));
}

bool InputBudget::charge_scanned(std::uint64_t bytes, std::uint64_t consumed_input, std::string* why) {
  scanned_ += bytes;
  const std::uint64_t cap = member_limit(consumed_input) * kScannedCaps;
  if (scanned_ <= cap) return true;
  return exhaust(why, fmt::format("more than {} decompressed from {} of input (--max-ratio {})", describe_size(cap),
                                  describe_size(consumed_input), limits_.max_ratio));
}

bool InputBudget::may_pass_over(std::uint64_t consumed_input, std::string* why) {
  const std::uint64_t cap = member_limit(consumed_input) * kPassedOverCaps;
  if (passed_over_ <= cap) return true;
  return exhaust(why, fmt::format("more than {} of members over the limit decompressed unscanned to reach the next "
                                  "member, from {} of input (--max-ratio {}); {} member{} cut at the limit",
                                  describe_size(cap), describe_size(consumed_input), limits_.max_ratio, members_cut_,
                                  members_cut_ == 1 ? "" : "s"));
}

bool InputBudget::expire_once() {
  if (out_of_time_.load(std::memory_order_relaxed) || std::chrono::steady_clock::now() <= deadline_) return false;
  return !out_of_time_.exchange(true);
}

std::string InputBudget::expired_reason() const {
  return stop_ != nullptr && stop_->load(std::memory_order_relaxed)
             ? "interrupted"
             : "time budget for this input exhausted (--max-input-seconds); the rest was not scanned";
}

bool InputBudget::exhaust(std::string* why, std::string text) {
  exhausted_ = true;
  *why = std::move(text);
  return false;
}

void InputBudget::add_decoded(const engine::DecodeStats& stats) const {
  std::lock_guard lock(decoded_mutex_);
  decoded_ += stats;
}

engine::DecodeStats InputBudget::decoded() const {
  std::lock_guard lock(decoded_mutex_);
  return decoded_;
}

}  // namespace sluice::pipeline
