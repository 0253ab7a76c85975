#include "pd/tso.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "common/failpoint.h"
#include "pd/id_allocator.h"
#include "pd/pd_test_util.h"

namespace brkv::pd {
namespace {

constexpr int64_t kStart = 1751621741123;  // 2025-07-04 09:35:41.123 UTC

TEST(TsoTest, ComposeMatchesFormatsExample) {
  EXPECT_EQ(ComposeTs(1751621741123, 2), 459177129704947714ull);
  EXPECT_EQ(TsPhysical(459177129704947714ull), 1751621741123);
  EXPECT_EQ(TsLogical(459177129704947714ull), 2);
}

TEST(TsoTest, StrictlyIncreasingWithinRun) {
  testing::ScratchDir dir;
  auto storage = PdStorage::Open(dir.path());
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  ManualClock clock(kStart);
  auto tso = TimestampOracle::Open(storage->get(), &clock);
  ASSERT_TRUE(tso.ok());
  uint64_t last = 0;
  for (int i = 0; i < 10000; ++i) {
    if (i % 1000 == 0) clock.Advance(1);
    auto ts = (*tso)->GetTS(i % 7 + 1);
    ASSERT_TRUE(ts.ok());
    ASSERT_GT(*ts, last);
    last = *ts;
  }
}

TEST(TsoTest, ClockGoingBackwardsAndLogicalOverflow) {
  testing::ScratchDir dir;
  auto storage = PdStorage::Open(dir.path());
  ASSERT_TRUE(storage.ok());
  ManualClock clock(kStart);
  auto tso = TimestampOracle::Open(storage->get(), &clock);
  ASSERT_TRUE(tso.ok());
  auto a = (*tso)->GetTS();
  ASSERT_TRUE(a.ok());
  clock.Set(kStart - 60000);  // NTP step back by a minute
  auto b = (*tso)->GetTS();
  ASSERT_TRUE(b.ok());
  EXPECT_GT(*b, *a);
  // Exhaust the logical space of one millisecond: the next batch moves to the next ms.
  auto c = (*tso)->GetTS(static_cast<uint32_t>(kMaxLogical - 10));
  ASSERT_TRUE(c.ok());
  auto d = (*tso)->GetTS(100);
  ASSERT_TRUE(d.ok());
  EXPECT_GT(*d, *c);
  EXPECT_GT(TsPhysical(*d), TsPhysical(*c));
  EXPECT_FALSE((*tso)->GetTS(0).ok());
  EXPECT_FALSE((*tso)->GetTS(static_cast<uint32_t>(kMaxLogical + 1)).ok());
}

TEST(TsoTest, StrictlyIncreasingAcrossRestartEvenWithClockBehind) {
  testing::ScratchDir dir;
  ManualClock clock(kStart);
  uint64_t last = 0;
  for (int run = 0; run < 3; ++run) {
    auto storage = PdStorage::Open(dir.path());
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
    auto tso = TimestampOracle::Open(storage->get(), &clock);
    ASSERT_TRUE(tso.ok());
    for (int i = 0; i < 100; ++i) {
      auto ts = (*tso)->GetTS();
      ASSERT_TRUE(ts.ok());
      ASSERT_GT(*ts, last) << "run " << run;
      last = *ts;
    }
    // The restarted PD may see an older clock; it must still start above the saved window.
    clock.Advance(-1000);
  }
}

TEST(TsoTest, NeverIssuesBeyondPersistedWindow) {
  testing::ScratchDir dir;
  auto storage = PdStorage::Open(dir.path());
  ASSERT_TRUE(storage.ok());
  ManualClock clock(kStart);
  auto tso = TimestampOracle::Open(storage->get(), &clock, TsoOptions{.save_window_ms = 3000});
  ASSERT_TRUE(tso.ok());
  for (int i = 0; i < 50; ++i) {
    clock.Advance(500);
    auto ts = (*tso)->GetTS();
    ASSERT_TRUE(ts.ok());
    auto saved = (*storage)->GetU64(keys::kTsoMax);
    ASSERT_TRUE(saved.ok() && saved->has_value());
    EXPECT_LT(TsPhysical(*ts), static_cast<int64_t>(**saved));
  }
}

TEST(TsoTest, WindowSaveFailureHandsOutNothing) {
  testing::ScratchDir dir;
  auto storage = PdStorage::Open(dir.path());
  ASSERT_TRUE(storage.ok());
  ManualClock clock(kStart);
  auto tso = TimestampOracle::Open(storage->get(), &clock, TsoOptions{.save_window_ms = 3000});
  ASSERT_TRUE(tso.ok());
  uint64_t before = (*tso)->GetTS().value();
  failpoint::Enable("pd.tso.save-window", "return");
  clock.Advance(1000);
  EXPECT_TRUE((*tso)->GetTS().ok());  // still inside the saved window
  clock.Advance(5000);
  auto failed = (*tso)->GetTS();      // needs a new window, which cannot be saved
  EXPECT_FALSE(failed.ok());
  failpoint::Disable("pd.tso.save-window");
  auto after = (*tso)->GetTS();
  ASSERT_TRUE(after.ok());
  EXPECT_GT(*after, before);
  auto saved = (*storage)->GetU64(keys::kTsoMax).value();
  EXPECT_LT(TsPhysical(*after), static_cast<int64_t>(*saved));
}

TEST(TsoTest, ConcurrentCallersGetDistinctIncreasingTimestamps) {
  testing::ScratchDir dir;
  auto storage = PdStorage::Open(dir.path());
  ASSERT_TRUE(storage.ok());
  auto tso = TimestampOracle::Open(storage->get(), SystemClock());
  ASSERT_TRUE(tso.ok());
  std::vector<std::vector<uint64_t>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) got[t].push_back((*tso)->GetTS().value());
    });
  }
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& v : got) {
    for (size_t i = 1; i < v.size(); ++i) ASSERT_GT(v[i], v[i - 1]);
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(IdAllocatorTest, UniqueAndIncreasingAcrossRestart) {
  testing::ScratchDir dir;
  uint64_t last = 0;
  for (int run = 0; run < 3; ++run) {
    auto storage = PdStorage::Open(dir.path());
    ASSERT_TRUE(storage.ok());
    auto ids = IdAllocator::Open(storage->get(), IdAllocatorOptions{.batch = 10});
    ASSERT_TRUE(ids.ok());
    for (int i = 0; i < 25; ++i) {
      auto id = (*ids)->Alloc();
      ASSERT_TRUE(id.ok());
      ASSERT_GT(*id, last);
      last = *id;
    }
    auto first = (*ids)->AllocN(5);
    ASSERT_TRUE(first.ok());
    EXPECT_GT(*first, last);
    last = *first + 4;
    ASSERT_TRUE((*ids)->Rebase(last + 100).ok());
    auto after = (*ids)->Alloc();
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*after, last + 101);
    last = *after;
  }
}

}  // namespace
}  // namespace brkv::pd
