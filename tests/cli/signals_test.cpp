#include "cli/signals.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

namespace sluice::cli {
namespace {

// Runs `body` in a child process and returns its wait status (signals change process state).
int in_child(const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(body());
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

TEST(StopOnSignals, HandlersAreRestoredWhenNoSignalCame) {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    StopOnSignals signals;
    EXPECT_FALSE(signals.stop().load());
    EXPECT_EQ(signals.signal(), 0);
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST(StopOnSignals, FirstSignalSetsTheFlagAndTheHandlersStayToTheEnd) {
  const int status = in_child([] {
    {
      StopOnSignals signals;
      ::raise(SIGINT);  // the handler runs before raise returns
      if (!signals.stop().load() || signals.signal() != SIGINT) return 10;
    }
    // The process is on its way out with its report: the same signal again (`timeout` sends
    // it to the process and then to its group) does not end it by default.
    ::raise(SIGINT);
    return 0;
  });
  ASSERT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(StopOnSignals, ARepeatAtOnceIsTheSameRequestASecondOneLaterEndsTheProcess) {
  const int status = in_child([] {
    StopOnSignals signals;
    ::raise(SIGTERM);  // asks for a stop
    if (signals.signal() != SIGTERM) return 10;
    ::raise(SIGTERM);  // delivered twice: the same request
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ::raise(SIGTERM);  // asked again: ends the process
    return 11;         // not reached
  });
  ASSERT_TRUE(WIFSIGNALED(status)) << "exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

}  // namespace
}  // namespace sluice::cli
