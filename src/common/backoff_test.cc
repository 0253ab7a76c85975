#include "common/backoff.h"

#include <chrono>

#include <gtest/gtest.h>

namespace brkv {
namespace {

using Clock = std::chrono::steady_clock;

int64_t MsSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

TEST(BackoffTest, GivesUpWithinBudget) {
  auto start = Clock::now();
  Backoffer bo(BackoffOptions{.base_ms = 5, .max_ms = 20, .budget_ms = 120, .seed = 1});
  Status last = Status::Unavailable("store 1 down");
  Status s;
  int loops = 0;
  while ((s = bo.Backoff(last)).ok()) {
    ASSERT_LT(++loops, 1000);
  }
  int64_t elapsed = MsSince(start);
  EXPECT_EQ(s.code(), Status::Code::kTimedOut);
  EXPECT_NE(s.message().find("store 1 down"), std::string::npos) << s.ToString();
  EXPECT_GE(bo.attempts(), 2);
  EXPECT_EQ(bo.attempts(), loops + 1);
  // Never sleeps past the deadline; allow generous scheduling slack on a busy machine.
  EXPECT_LE(elapsed, 120 + 150);
  // Sleeps are at least half the capped exponential, so the budget is mostly used up.
  EXPECT_GE(elapsed, 120 - 20);
}

TEST(BackoffTest, ZeroBudgetGivesUpImmediately) {
  auto start = Clock::now();
  Backoffer bo(BackoffOptions{.base_ms = 50, .max_ms = 100, .budget_ms = 0});
  Status s = bo.Backoff(Status::Busy("server is busy"));
  EXPECT_EQ(s.code(), Status::Code::kTimedOut);
  EXPECT_EQ(bo.RemainingMs(), 0);
  EXPECT_LT(MsSince(start), 50);
}

TEST(BackoffTest, SleepWouldPassDeadlineGivesUpWithoutSleeping) {
  auto start = Clock::now();
  // First sleep is in [500, 1000] ms but only 30 ms of budget exist.
  Backoffer bo(BackoffOptions{.base_ms = 1000, .max_ms = 1000, .budget_ms = 30});
  EXPECT_EQ(bo.Backoff(Status::Unavailable("x")).code(), Status::Code::kTimedOut);
  EXPECT_LT(MsSince(start), 500);
}

TEST(BackoffTest, ExponentialGrowthWithJitterBounds) {
  Backoffer bo(BackoffOptions{.base_ms = 4, .max_ms = 16, .budget_ms = 10000, .seed = 7});
  // Caps are 4, 8, 16, 16: each sleep lasts at least cap/2.
  const int64_t min_sleep[] = {2, 4, 8, 8};
  for (int64_t lo : min_sleep) {
    auto t = Clock::now();
    ASSERT_TRUE(bo.Backoff(Status::Unavailable("x")).ok());
    EXPECT_GE(MsSince(t), lo);
  }
  EXPECT_EQ(bo.attempts(), 4);
}

TEST(BackoffTest, DeadlineAndRemaining) {
  auto before = Clock::now();
  Backoffer bo(BackoffOptions{.budget_ms = 5000});
  auto after = Clock::now();
  EXPECT_GE(bo.deadline(), before + std::chrono::milliseconds(5000));
  EXPECT_LE(bo.deadline(), after + std::chrono::milliseconds(5000));
  int64_t rem = bo.RemainingMs();
  EXPECT_GT(rem, 4000);
  EXPECT_LE(rem, 5000);
  EXPECT_EQ(bo.attempts(), 0);
}

TEST(BackoffTest, ManyAttemptsDoNotOverflow) {
  // A tiny cap with a large attempt count must keep sleeping at the cap, not overflow.
  Backoffer bo(BackoffOptions{.base_ms = 1, .max_ms = 1, .budget_ms = 10000});
  for (int i = 0; i < 70; ++i) ASSERT_TRUE(bo.Backoff(Status::Busy("x")).ok());
  EXPECT_EQ(bo.attempts(), 70);
}

}  // namespace
}  // namespace brkv
