#include "client/tso_batcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace brkv::client {
namespace {

// Polls cond until it holds or 10 s pass.
template <typename Cond>
bool WaitFor(Cond cond) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A fetch that holds its first request until Release(), and answers request i with
// `answers[i]` (the last timestamp of the request).
class GatedFetch {
 public:
  explicit GatedFetch(std::vector<Result<uint64_t>> answers) : answers_(std::move(answers)) {}

  Result<uint64_t> operator()(uint32_t count) {
    std::unique_lock<std::mutex> lock(mu_);
    counts_.push_back(count);
    size_t i = counts_.size() - 1;
    cv_.notify_all();
    if (i == 0) cv_.wait(lock, [&] { return released_; });
    return answers_.at(i);
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }
  size_t calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_.size();
  }
  std::vector<uint32_t> counts() {
    std::lock_guard<std::mutex> lock(mu_);
    return counts_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Result<uint64_t>> answers_;
  std::vector<uint32_t> counts_;
  bool released_ = false;
};

TEST(TsoBatcherTest, CallersArrivingDuringARequestShareTheNextOne) {
  GatedFetch fetch({Result<uint64_t>(100), Result<uint64_t>(206)});
  TsoBatcher batcher([&](uint32_t n) { return fetch(n); });
  uint64_t a = 0, b = 0, c = 0, d = 0;
  std::thread ta([&] { a = batcher.GetTS(1).value(); });
  ASSERT_TRUE(WaitFor([&] { return fetch.calls() == 1; }));
  // Three more callers queue while the first request is held.
  std::thread tb([&] { b = batcher.GetTS(2).value(); });
  ASSERT_TRUE(WaitFor([&] { return batcher.waiting() == 1; }));
  std::thread tc([&] { c = batcher.GetTS(1).value(); });
  ASSERT_TRUE(WaitFor([&] { return batcher.waiting() == 2; }));
  std::thread td([&] { d = batcher.GetTS(3).value(); });
  ASSERT_TRUE(WaitFor([&] { return batcher.waiting() == 3; }));
  fetch.Release();
  for (auto* t : {&ta, &tb, &tc, &td}) t->join();

  EXPECT_EQ(fetch.counts(), (std::vector<uint32_t>{1, 6}));
  EXPECT_EQ(batcher.requests_sent(), 2u);
  EXPECT_EQ(a, 100u);
  // The second answer covers 201..206: b gets 201..202, c 203, d 204..206 (queue order).
  EXPECT_EQ(b, 202u);
  EXPECT_EQ(c, 203u);
  EXPECT_EQ(d, 206u);
}

TEST(TsoBatcherTest, AFailedRequestFailsEveryCallerInIt) {
  GatedFetch fetch({Result<uint64_t>(10), Result<uint64_t>(Status::Unavailable("PD down"))});
  TsoBatcher batcher([&](uint32_t n) { return fetch(n); });
  Result<uint64_t> b = Status::Internal("unset"), c = Status::Internal("unset");
  std::thread ta([&] { EXPECT_EQ(batcher.GetTS(1).value(), 10u); });
  ASSERT_TRUE(WaitFor([&] { return fetch.calls() == 1; }));
  std::thread tb([&] { b = batcher.GetTS(1); });
  std::thread tc([&] { c = batcher.GetTS(4); });
  ASSERT_TRUE(WaitFor([&] { return batcher.waiting() == 2; }));
  fetch.Release();
  for (auto* t : {&ta, &tb, &tc}) t->join();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), Status::Code::kUnavailable);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(fetch.counts(), (std::vector<uint32_t>{1, 5}));
}

TEST(TsoBatcherTest, ABatchNeverExceedsOneMillisecondOfLogicalTime) {
  GatedFetch fetch(
      {Result<uint64_t>(1), Result<uint64_t>(TsoBatcher::kMaxBatch), Result<uint64_t>(500)});
  TsoBatcher batcher([&](uint32_t n) { return fetch(n); });
  std::thread ta([&] { EXPECT_TRUE(batcher.GetTS(1).ok()); });
  ASSERT_TRUE(WaitFor([&] { return fetch.calls() == 1; }));
  std::thread tb([&] { EXPECT_TRUE(batcher.GetTS(TsoBatcher::kMaxBatch - 10).ok()); });
  ASSERT_TRUE(WaitFor([&] { return batcher.waiting() == 1; }));
  std::thread tc([&] { EXPECT_TRUE(batcher.GetTS(20).ok()); });
  ASSERT_TRUE(WaitFor([&] { return batcher.waiting() == 2; }));
  fetch.Release();
  for (auto* t : {&ta, &tb, &tc}) t->join();
  EXPECT_EQ(fetch.counts(), (std::vector<uint32_t>{1, TsoBatcher::kMaxBatch - 10, 20}));
}

}  // namespace
}  // namespace brkv::client
