#include "cli/signals.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace sluice::cli {
namespace {

TEST(StopOnSignals, FirstSignalSetsTheFlagAndHandlersAreRestored) {
  struct sigaction before {};
  sigaction(SIGTERM, nullptr, &before);
  {
    StopOnSignals signals;
    EXPECT_FALSE(signals.stop().load());
    EXPECT_EQ(signals.signal(), 0);
    ASSERT_EQ(::raise(SIGINT), 0);  // the handler runs before raise returns
    EXPECT_TRUE(signals.stop().load());
    EXPECT_EQ(signals.signal(), SIGINT);
  }
  struct sigaction after {};
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
}

TEST(StopOnSignals, SecondSignalEndsTheProcessAsItsDefaultActionWould) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    StopOnSignals signals;
    ::raise(SIGTERM);  // asks for a stop
    if (signals.signal() != SIGTERM) ::_exit(10);
    ::raise(SIGTERM);  // ends the process
    ::_exit(11);       // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

}  // namespace
}  // namespace sluice::cli
