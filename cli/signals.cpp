#include "cli/signals.hpp"

#include <signal.h>

namespace sluice::cli {
namespace {

std::atomic<bool> g_stop{false};
volatile sig_atomic_t g_signal = 0;
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};
struct sigaction g_previous_hup {};

static_assert(std::atomic<bool>::is_always_lock_free, "the handler stores to it");

extern "C" void on_stop_signal(int number) {
  if (g_signal != 0) {
    // Asked twice: stop now.
    ::signal(number, SIG_DFL);
    ::raise(number);
    return;
  }
  g_signal = number;
  g_stop.store(true);
}

}  // namespace

StopOnSignals::StopOnSignals() {
  g_stop.store(false);
  g_signal = 0;
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
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
  sigaction(SIGHUP, &g_previous_hup, nullptr);
}

const std::atomic<bool>& StopOnSignals::stop() const noexcept { return g_stop; }

int StopOnSignals::signal() const noexcept { return g_signal; }

}  // namespace sluice::cli
