#include "client/region_cache.h"

#include <gtest/gtest.h>

#include "client/fake_tikv.h"

namespace brkv::client {
namespace {

using testing::FakeTikv;

class RegionCacheTest : public ::testing::Test {
 protected:
  RegionCacheTest() : fake_(2), source_(&fake_), cache_(&source_) {}
  FakeTikv fake_;
  FakeTikv::Source source_;
  RegionCache cache_;
};

TEST_F(RegionCacheTest, LocatesAndCaches) {
  fake_.Split({"b", "d"});
  auto loc = cache_.Locate("c");
  ASSERT_TRUE(loc.ok()) << loc.status().ToString();
  EXPECT_EQ(loc->start_key(), "b");
  EXPECT_EQ(loc->end_key(), "d");
  EXPECT_EQ(loc->address, "store1");
  EXPECT_EQ(fake_.Calls("PdGetRegion"), 1);
  ASSERT_TRUE(cache_.Locate("b").ok());
  ASSERT_TRUE(cache_.Locate("cz").ok());
  EXPECT_EQ(fake_.Calls("PdGetRegion"), 1);
  EXPECT_EQ(fake_.Calls("PdGetStore"), 1);
}

TEST_F(RegionCacheTest, Boundaries) {
  fake_.Split({"b", "d"});
  auto first = cache_.Locate("");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->start_key(), "");
  EXPECT_EQ(first->end_key(), "b");
  // The end key belongs to the next region.
  auto second = cache_.Locate("b");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->start_key(), "b");
  auto last = cache_.Locate("d");
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->end_key(), "");  // +inf
  auto far = cache_.Locate("\xff\xff\xff");
  ASSERT_TRUE(far.ok());
  EXPECT_EQ(far->id(), last->id());
  EXPECT_TRUE(last->Contains("zzzz"));
  EXPECT_FALSE(last->Contains("c"));
  EXPECT_TRUE(last->ReachesEnd(""));
  EXPECT_TRUE(second->ReachesEnd("c"));
  EXPECT_FALSE(second->ReachesEnd(""));
}

TEST_F(RegionCacheTest, InvalidateReloads) {
  auto loc = cache_.Locate("k");
  ASSERT_TRUE(loc.ok());
  fake_.Split({"m"});
  // Still the stale region until invalidated.
  EXPECT_EQ(cache_.Locate("x")->id(), loc->id());
  cache_.Invalidate(loc->id());
  EXPECT_EQ(cache_.size(), 0u);
  auto fresh = cache_.Locate("x");
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->start_key(), "m");
  EXPECT_NE(fresh->id(), loc->id());
}

TEST_F(RegionCacheTest, InsertDropsOverlaps) {
  fake_.Split({"b", "d", "f"});
  ASSERT_TRUE(cache_.LoadRange("", "").ok());
  EXPECT_EQ(cache_.size(), 4u);
  metapb::Region merged;
  merged.set_id(999);
  merged.set_start_key("a");
  merged.set_end_key("e");
  auto* p = merged.add_peers();
  p->set_id(1000);
  p->set_store_id(2);
  cache_.Insert(merged, *p);
  // [,b) [b,d) [d,f) overlap [a,e) and go; [f,) stays.
  EXPECT_EQ(cache_.size(), 2u);
  auto loc = cache_.Locate("c");
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->id(), 999u);
  EXPECT_EQ(loc->address, "store2");
}

TEST_F(RegionCacheTest, LocateRangeUsesBulkLoad) {
  fake_.Split({"b", "d", "f", "h"});
  auto locs = cache_.LocateRange("c", "g");
  ASSERT_TRUE(locs.ok());
  ASSERT_EQ(locs->size(), 3u);
  EXPECT_EQ((*locs)[0].start_key(), "b");
  EXPECT_EQ((*locs)[1].start_key(), "d");
  EXPECT_EQ((*locs)[2].start_key(), "f");
  EXPECT_EQ(fake_.Calls("PdScanRegions"), 1);
  EXPECT_EQ(fake_.Calls("PdGetRegion"), 0);
  auto all = cache_.LocateRange("", "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);
  // End exactly on a boundary does not include the next region.
  auto two = cache_.LocateRange("b", "f");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
}

TEST_F(RegionCacheTest, GroupKeysKeepsInputOrderWithinRegions) {
  fake_.Split({"m"});
  std::vector<std::string> keys = {"z", "a", "n", "b", "m"};
  auto groups = cache_.GroupKeys(keys);
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].location.end_key(), "m");
  EXPECT_EQ((*groups)[0].indexes, (std::vector<size_t>{1, 3}));
  EXPECT_EQ((*groups)[1].location.start_key(), "m");
  EXPECT_EQ((*groups)[1].indexes, (std::vector<size_t>{0, 2, 4}));
}

TEST_F(RegionCacheTest, NotLeaderAndEpochUpdates) {
  auto loc = cache_.Locate("k");
  ASSERT_TRUE(loc.ok());
  // NotLeader naming a peer that is not in the region: drop.
  metapb::Peer stranger;
  stranger.set_id(12345);
  stranger.set_store_id(2);
  cache_.OnNotLeader(loc->id(), stranger);
  EXPECT_EQ(cache_.size(), 0u);

  ASSERT_TRUE(cache_.Locate("k").ok());
  fake_.Split({"m"}, /*pd_lags=*/true);
  auto regions = fake_.Regions();
  cache_.OnEpochNotMatch(loc->id(), 1, regions);
  EXPECT_EQ(cache_.size(), 2u);
  auto right = cache_.Locate("x");
  ASSERT_TRUE(right.ok());
  EXPECT_EQ(right->start_key(), "m");
  EXPECT_EQ(fake_.Calls("PdGetRegion"), 2);  // no PD call for the new regions
}

TEST_F(RegionCacheTest, InvalidateStoreDropsItsRegionsAndAddress) {
  fake_.Split({"m"});
  ASSERT_TRUE(cache_.LoadRange("", "").ok());
  auto regions = fake_.Regions();
  fake_.Move(regions[1].id(), 2);
  cache_.InvalidateStore(1);
  EXPECT_EQ(cache_.size(), 0u);
  auto loc = cache_.Locate("x");
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->address, "store2");
}

TEST_F(RegionCacheTest, UnknownStoreIsRetryable) {
  metapb::Region r;
  r.set_id(77);
  auto* p = r.add_peers();
  p->set_id(78);
  p->set_store_id(9);  // the fake has stores 1 and 2
  cache_.Insert(r, *p);
  auto loc = cache_.Locate("a");
  ASSERT_FALSE(loc.ok());
  EXPECT_TRUE(loc.status().retryable());
}

}  // namespace
}  // namespace brkv::client
