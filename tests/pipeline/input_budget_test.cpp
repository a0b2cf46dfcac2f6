// InputBudget alone: the member limit, the two whole-input caps with their reasons, the time
// budget reported once, and the stop flag.

#include "pipeline/input_budget.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

using ::testing::HasSubstr;

constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;

ArchiveLimits limits() {
  ArchiveLimits l;
  l.max_ratio = 10;
  l.ratio_allowance = kMiB;
  return l;
}

InputBudget unlimited_time(const std::atomic<bool>* stop = nullptr) {
  return InputBudget(limits(), std::chrono::steady_clock::time_point::max(), stop);
}

TEST(InputBudget, MemberLimitIsTheRatioOfTheInputAtLeastTheAllowance) {
  InputBudget budget = unlimited_time();
  EXPECT_EQ(budget.member_limit(0), kMiB);
  EXPECT_EQ(budget.member_limit(1000), kMiB);
  EXPECT_EQ(budget.member_limit(10 * kMiB), 100 * kMiB);
}

TEST(InputBudget, ScannedBytesStopPastFourTimesTheLimit) {
  InputBudget budget = unlimited_time();
  std::string why;
  EXPECT_TRUE(budget.charge_scanned(4 * kMiB, 1000, &why));
  EXPECT_FALSE(budget.exhausted());
  EXPECT_FALSE(budget.charge_scanned(1, 1000, &why));
  EXPECT_TRUE(budget.exhausted());
  EXPECT_EQ(why, "more than 4.0 MiB decompressed from 1000 bytes of input (--max-ratio 10)");
  // A bigger input consumed since (a stream) raises the cap: the limit is recomputed each time.
  InputBudget stream = unlimited_time();
  EXPECT_TRUE(stream.charge_scanned(8 * kMiB, kMiB, &why));
}

TEST(InputBudget, PassingOverStopsPastSixteenTimesTheLimitNamingTheMembersCut) {
  InputBudget budget = unlimited_time();
  std::string why;
  budget.count_cut_member();
  budget.charge_passed_over(16 * kMiB);
  EXPECT_TRUE(budget.may_pass_over(1000, &why));
  budget.count_cut_member();
  budget.charge_passed_over(1);
  EXPECT_FALSE(budget.may_pass_over(1000, &why));
  EXPECT_TRUE(budget.exhausted());
  EXPECT_THAT(why, HasSubstr("more than 16.0 MiB of members over the limit decompressed unscanned"));
  EXPECT_THAT(why, HasSubstr("; 2 members cut at the limit"));
}

TEST(InputBudget, TheDeadlineIsReportedOnceAndStopsReading) {
  InputBudget budget(limits(), std::chrono::steady_clock::now() - std::chrono::seconds(1), nullptr);
  EXPECT_FALSE(budget.stopped());
  EXPECT_TRUE(budget.expire_once());
  EXPECT_FALSE(budget.expire_once());
  EXPECT_TRUE(budget.stopped());
  EXPECT_FALSE(budget.exhausted());
  InputBudget later(limits(), std::chrono::steady_clock::now() + std::chrono::hours(1), nullptr);
  EXPECT_FALSE(later.expire_once());
  EXPECT_FALSE(later.stopped());
}

TEST(InputBudget, TheStopFlagStopsReading) {
  std::atomic<bool> stop{false};
  InputBudget budget = unlimited_time(&stop);
  EXPECT_FALSE(budget.stopped());
  stop = true;
  EXPECT_TRUE(budget.stopped());
}

}  // namespace
}  // namespace sluice::pipeline
