#include "client/batching.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "client/parallel.h"

namespace brkv::client {
namespace {

RegionGroup Group(uint64_t id, std::vector<size_t> idx) {
  RegionGroup g;
  g.location.region.set_id(id);
  g.indexes = std::move(idx);
  return g;
}

TEST(SplitIntoBatches, CutsByKeysAndBytesPerRegion) {
  std::vector<RegionGroup> groups = {Group(1, {0, 1, 2, 3, 4}), Group(2, {5, 6})};
  BatchLimits limits;
  limits.max_keys = 2;
  limits.max_bytes = 1000;
  auto batches = SplitIntoBatches(groups, [](size_t) { return 10; }, limits);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].indexes, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(batches[1].indexes, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(batches[2].indexes, (std::vector<size_t>{4}));
  EXPECT_EQ(batches[2].location.id(), 1u);
  EXPECT_EQ(batches[3].indexes, (std::vector<size_t>{5, 6}));
  EXPECT_EQ(batches[3].location.id(), 2u);

  limits.max_keys = 100;
  limits.max_bytes = 25;
  // Sizes 10, 10, 30 (alone, over the limit), 10.
  std::vector<size_t> sizes = {10, 10, 30, 10};
  batches = SplitIntoBatches({Group(1, {0, 1, 2, 3})}, [&](size_t i) { return sizes[i]; },
                             limits);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].indexes, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(batches[1].indexes, (std::vector<size_t>{2}));
  EXPECT_EQ(batches[2].indexes, (std::vector<size_t>{3}));
}

TEST(ParallelFor, RunsAllAndBoundsConcurrency) {
  std::atomic<int> running{0}, peak{0}, done{0};
  Status s = ParallelFor(50, 4, [&](size_t) {
    int now = ++running;
    int p = peak.load();
    while (now > p && !peak.compare_exchange_weak(p, now)) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --running;
    ++done;
    return Status::OK();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(done.load(), 50);
  EXPECT_LE(peak.load(), 4);
}

TEST(ParallelFor, ReturnsLowestFailure) {
  Status s = ParallelFor(10, 1, [&](size_t i) {
    return i >= 3 ? Status::Internal("task " + std::to_string(i)) : Status::OK();
  });
  EXPECT_EQ(s.message(), "task 3");
  s = ParallelFor(0, 4, [&](size_t) { return Status::Internal("never"); });
  EXPECT_TRUE(s.ok());
}

}  // namespace
}  // namespace brkv::client
