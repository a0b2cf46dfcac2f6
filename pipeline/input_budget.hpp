#pragma once
// What one top-level input (a file, a stream, an archive with all it holds; a git blob) may
// cost: the expansion limit of each member and of the whole input while its archives are
// read, the time budget and the stop flag. Made per input by the scan; charged by the thread
// that reads the input; the flags may be read from any thread. It decides and words the
// reason; the content scan reports it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

// "1.5 GiB", "3.0 MiB", "4096 bytes".
[[nodiscard]] std::string describe_size(std::uint64_t bytes);

class InputBudget {
 public:
  // A member over its limit costs only itself: the whole input may give this many times the
  // limit of member bytes to the scanner (a zip of bomb members stops after a few).
  static constexpr std::uint64_t kScannedCaps = 4;
  // In a compressed stream (a .tar.gz), getting past the rest of a member over the limit means
  // decompressing it unscanned: at most this many times the limit per input.
  static constexpr std::uint64_t kPassedOverCaps = 16;

  InputBudget(const ArchiveLimits& limits, std::chrono::steady_clock::time_point deadline,
              const std::atomic<bool>* stop)
      : limits_(limits), deadline_(deadline), stop_(stop) {}

  // What one member may decompress to: --max-ratio times the input bytes consumed so far (the
  // file's size, or what a stream's reader took), at least the allowance.
  [[nodiscard]] std::uint64_t member_limit(std::uint64_t consumed_input) const;

  // Member bytes given to the scanner. False once the input is over kScannedCaps times the
  // member limit: the input is then exhausted, and `why` says so.
  bool charge_scanned(std::uint64_t bytes, std::uint64_t consumed_input, std::string* why);
  // Bytes of a member over its limit, decompressed unscanned to reach the next member.
  void charge_passed_over(std::uint64_t bytes) { passed_over_ += bytes; }
  // False once more than kPassedOverCaps times the member limit was passed over: the input is
  // then exhausted, and `why` says so (with the number of members cut).
  bool may_pass_over(std::uint64_t consumed_input, std::string* why);
  // A member was cut at its limit.
  void count_cut_member() { ++members_cut_; }

  [[nodiscard]] std::chrono::steady_clock::time_point deadline() const noexcept { return deadline_; }
  // True exactly once: the first time the deadline is seen passed (the caller reports it).
  bool expire_once();
  // Interrupted (the stop flag) or out of time: read nothing more.
  [[nodiscard]] bool stopped() const {
    return (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) || out_of_time_.load(std::memory_order_relaxed);
  }
  // Interrupted, or past the deadline now (reads the clock): what a scan of plain bytes checks
  // between blocks.
  [[nodiscard]] bool expired() const {
    return (stop_ != nullptr && stop_->load(std::memory_order_relaxed)) || std::chrono::steady_clock::now() > deadline_;
  }
  // What decoding did for this input (any thread may add), for the input's own share of the
  // summary (sharded scans: pipeline/shard.hpp).
  void add_decoded(const engine::DecodeStats& stats) const;
  [[nodiscard]] engine::DecodeStats decoded() const;

  // Why expired() is true, for the message of the input cut short.
  [[nodiscard]] std::string expired_reason() const;
  // The expansion budget of the whole input is spent: read nothing more of it.
  [[nodiscard]] bool exhausted() const { return exhausted_.load(std::memory_order_relaxed); }

 private:
  bool exhaust(std::string* why, std::string text);

  ArchiveLimits limits_;
  std::chrono::steady_clock::time_point deadline_;
  const std::atomic<bool>* stop_;
  std::uint64_t scanned_ = 0;      // member bytes given to the scanner
  std::uint64_t passed_over_ = 0;  // member bytes decompressed past the limit, unscanned
  std::uint64_t members_cut_ = 0;
  std::atomic<bool> exhausted_{false};
  std::atomic<bool> out_of_time_{false};
  mutable std::mutex decoded_mutex_;
  mutable engine::DecodeStats decoded_;
};

}  // namespace sluice::pipeline
