#include "common/rate_limiter.h"

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace brkv {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

constexpr uint64_t kMiB = 1 << 20;

TEST(RateLimiterTest, ThrottlesToRate) {
  RateLimiter rl(4 * kMiB);
  EXPECT_EQ(rl.rate(), 4 * kMiB);
  auto start = Clock::now();
  for (int i = 0; i < 32; ++i) rl.Request(64 * 1024);  // 2 MiB in total
  double elapsed = SecondsSince(start);
  EXPECT_GE(elapsed, 0.4);  // ideal is 0.5 s from an empty bucket
  EXPECT_LT(elapsed, 2.0);
}

TEST(RateLimiterTest, RequestLargerThanBucket) {
  RateLimiter rl(4 * kMiB);
  auto start = Clock::now();
  rl.Request(2 * kMiB);  // one request of half a second's worth
  EXPECT_GE(SecondsSince(start), 0.4);
  // The next request waits behind it.
  start = Clock::now();
  rl.Request(kMiB);
  EXPECT_GE(SecondsSince(start), 0.2);
}

TEST(RateLimiterTest, UnlimitedNeverBlocks) {
  RateLimiter rl(0);
  auto start = Clock::now();
  for (int i = 0; i < 1000; ++i) rl.Request(1ULL << 30);
  EXPECT_LT(SecondsSince(start), 0.2);
}

TEST(RateLimiterTest, ConcurrentCallersShareTheRate) {
  RateLimiter rl(8 * kMiB);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&rl] {
      for (int i = 0; i < 16; ++i) rl.Request(32 * 1024);  // 512 KiB per thread
    });
  }
  for (auto& th : threads) th.join();
  double elapsed = SecondsSince(start);
  EXPECT_GE(elapsed, 0.2);  // 2 MiB at 8 MiB/s = 0.25 s
  EXPECT_LT(elapsed, 2.0);
}

}  // namespace
}  // namespace brkv
