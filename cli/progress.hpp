#pragma once
// The live progress line on standard error: inputs, bytes, MB/s, matches and the input just
// finished, redrawn in place a few times a second by a thread of its own (so it keeps
// moving while one big archive is being read). Only for a terminal: see progress_wanted().

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "pipeline/scanner.hpp"

namespace sluice::cli {

// "12.3 MB": decimal units, for the progress line and the summary.
[[nodiscard]] std::string human_bytes(double bytes);

// Standard error is a terminal and the user did not ask for quiet.
[[nodiscard]] bool progress_wanted(bool quiet);

class ProgressLine {
 public:
  explicit ProgressLine(std::chrono::milliseconds period = std::chrono::milliseconds(250));
  ~ProgressLine();  // stops the thread and erases the line
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void update(const pipeline::ScanProgress& progress);
  // Prints a message on its own line: the progress line is erased first and redrawn later.
  void print_above(const std::function<void()>& print);

 private:
  void run();
  void draw_locked();
  void erase_locked();

  std::chrono::milliseconds period_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool drawn_ = false;
  std::uint64_t inputs_ = 0;
  std::uint64_t bytes_ = 0;
  std::uint64_t matches_ = 0;
  std::string current_;
  std::thread thread_;
};

}  // namespace sluice::cli
