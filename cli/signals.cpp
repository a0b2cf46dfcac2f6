#include "cli/signals.hpp"

#include <signal.h>
#include <time.h>

#include <cstdint>

namespace sluice::cli {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
// When the first signal came, in CLOCK_MONOTONIC nanoseconds; 0 until its handler stored it.
std::atomic<std::int64_t> g_first_at{0};
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};
struct sigaction g_previous_hup {};

static_assert(std::atomic<bool>::is_always_lock_free && std::atomic<int>::is_always_lock_free &&
                  std::atomic<std::int64_t>::is_always_lock_free,
              "the handler uses them");

// A repeat this soon after the first signal is the same request: `timeout` signals its child
// and then the child's whole process group, and a kill of a group reaches sluice once per
// sending process. Only a signal sent later (a second Ctrl-C) means "stop now".
constexpr std::int64_t kSameRequestNanoseconds = 1'000'000'000;

// clock_gettime is async-signal-safe (POSIX.1-2008).
std::int64_t monotonic_nanoseconds() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

extern "C" void on_stop_signal(int number) {
  const std::int64_t now = monotonic_nanoseconds();
  int none = 0;
  if (g_signal.compare_exchange_strong(none, number)) {
    g_first_at.store(now);
    g_stop.store(true);
    return;
  }
  // 0: the first signal's handler (on another thread) has not stored its time yet.
  const std::int64_t first = g_first_at.load();
  if (first == 0 || now - first < kSameRequestNanoseconds) return;
  // Asked twice: stop now.
  ::signal(number, SIG_DFL);
  ::raise(number);
}

}  // namespace

StopOnSignals::StopOnSignals() {
  g_stop.store(false);
  g_signal.store(0);
  g_first_at.store(0);
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // readers waiting on a pipe poll the flag instead
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
  // The terminal went away: finish like SIGTERM; unless SIGHUP is ignored (nohup), as it stays.
  sigaction(SIGHUP, &action, &g_previous_hup);
  if (g_previous_hup.sa_handler == SIG_IGN) sigaction(SIGHUP, &g_previous_hup, nullptr);
}

StopOnSignals::~StopOnSignals() {
  // Once stopped, the process is on its way out with 128 + the signal: the same signal delivered
  // again must not end it by default before it gets there.
  if (g_signal.load() != 0) return;
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGHUP, &g_previous_hup, nullptr);
}

const std::atomic<bool>& StopOnSignals::stop() const noexcept { return g_stop; }

int StopOnSignals::signal() const noexcept { return g_signal.load(); }

}  // namespace sluice::cli
