#pragma once
// SIGINT, SIGTERM and SIGHUP ask a running scan to stop: it stops taking inputs, reports what it
// found (marked interrupted) and the process exits 128 + the signal (130, 143, 129). A second signal,
// a second or more after the first, ends the process at once, as if no handler were installed;
// one sooner is the same request delivered twice (`timeout` signals its child, then the group).

#include <atomic>

namespace sluice::cli {

class StopOnSignals {
 public:
  StopOnSignals();   // installs the handlers
  ~StopOnSignals();  // restores the previous ones
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  [[nodiscard]] const std::atomic<bool>& stop() const noexcept;
  // The first signal received, 0 if none.
  [[nodiscard]] int signal() const noexcept;
};

}  // namespace sluice::cli
