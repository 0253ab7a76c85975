#include "pd/region_table.h"

#include <gtest/gtest.h>

namespace brkv::pd {
namespace {

pdpb::Region MakeRegion(uint64_t id, const std::string& start, const std::string& end,
                        uint64_t conf_ver, uint64_t version, uint64_t store = 1) {
  pdpb::Region item;
  auto* r = item.mutable_region();
  r->set_id(id);
  r->set_start_key(start);
  r->set_end_key(end);
  r->mutable_region_epoch()->set_conf_ver(conf_ver);
  r->mutable_region_epoch()->set_version(version);
  auto* p = r->add_peers();
  p->set_id(id * 100);
  p->set_store_id(store);
  *item.mutable_leader() = *p;
  return item;
}

std::vector<uint64_t> Ids(const std::vector<pdpb::Region>& rs) {
  std::vector<uint64_t> out;
  for (const auto& r : rs) out.push_back(r.region().id());
  return out;
}

TEST(RegionTableTest, LookupByKeyAndId) {
  RegionTable t;
  ASSERT_TRUE(t.Put(MakeRegion(1, "", "b", 1, 1)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(2, "b", "d", 1, 1)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(3, "d", "", 1, 1)).ok());
  EXPECT_EQ(t.GetByKey("")->region().id(), 1u);
  EXPECT_EQ(t.GetByKey("a")->region().id(), 1u);
  EXPECT_EQ(t.GetByKey("b")->region().id(), 2u);
  EXPECT_EQ(t.GetByKey("c\xff")->region().id(), 2u);
  EXPECT_EQ(t.GetByKey("d")->region().id(), 3u);
  EXPECT_EQ(t.GetByKey("\xff\xff\xff")->region().id(), 3u);
  EXPECT_EQ(t.GetById(2)->region().start_key(), "b");
  EXPECT_EQ(t.GetById(9), nullptr);
}

TEST(RegionTableTest, LookupInGapIsNull) {
  RegionTable t;
  ASSERT_TRUE(t.Put(MakeRegion(1, "b", "c", 1, 1)).ok());
  EXPECT_EQ(t.GetByKey("a"), nullptr);
  EXPECT_EQ(t.GetByKey("c"), nullptr);
  EXPECT_NE(t.GetByKey("b"), nullptr);
}

TEST(RegionTableTest, ScanRanges) {
  RegionTable t;
  ASSERT_TRUE(t.Put(MakeRegion(1, "", "b", 1, 1)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(2, "b", "d", 1, 1)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(3, "d", "f", 1, 1)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(4, "f", "", 1, 1)).ok());
  EXPECT_EQ(Ids(t.Scan("", "", 0)), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Ids(t.Scan("c", "e", 0)), (std::vector<uint64_t>{2, 3}));
  EXPECT_EQ(Ids(t.Scan("b", "d", 0)), (std::vector<uint64_t>{2}));  // end is exclusive
  EXPECT_EQ(Ids(t.Scan("a", "", 2)), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(Ids(t.Scan("zz", "", 0)), (std::vector<uint64_t>{4}));
  EXPECT_EQ(Ids(t.Scan("d", "d\x01", 0)), (std::vector<uint64_t>{3}));
}

TEST(RegionTableTest, StaleEpochRejected) {
  RegionTable t;
  ASSERT_TRUE(t.Put(MakeRegion(1, "", "", 2, 5)).ok());
  auto older_version = t.Put(MakeRegion(1, "", "", 2, 4));
  EXPECT_FALSE(older_version.ok());
  EXPECT_EQ(older_version.status().code(), Status::Code::kAborted);
  EXPECT_FALSE(t.Put(MakeRegion(1, "", "", 1, 5)).ok());  // older conf_ver
  EXPECT_EQ(t.GetById(1)->region().region_epoch().version(), 5u);
  // Same epoch: accepted (a plain heartbeat), nothing durable changed.
  auto same = t.Put(MakeRegion(1, "", "", 2, 5));
  ASSERT_TRUE(same.ok());
  EXPECT_FALSE(same->meta_changed);
  // Newer conf_ver (region moved): accepted.
  auto moved = MakeRegion(1, "", "", 3, 5, /*store=*/2);
  auto r = t.Put(moved);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->meta_changed);
  EXPECT_EQ(t.GetById(1)->leader().store_id(), 2u);
}

TEST(RegionTableTest, SplitAppliedInAnyOrder) {
  for (int order = 0; order < 2; ++order) {
    RegionTable t;
    ASSERT_TRUE(t.Put(MakeRegion(1, "", "", 1, 1)).ok());
    auto left = MakeRegion(2, "", "m", 1, 2);
    auto right = MakeRegion(1, "m", "", 1, 2);  // the origin keeps the right part
    if (order == 0) {
      auto r = t.Put(left);  // overlaps the older region 1 and replaces it
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->removed, std::vector<uint64_t>{1});
      EXPECT_EQ(t.GetByKey("x"), nullptr);  // gap until the right part arrives
      ASSERT_TRUE(t.Put(right).ok());
    } else {
      ASSERT_TRUE(t.Put(right).ok());
      ASSERT_TRUE(t.Put(left).ok());
    }
    EXPECT_EQ(t.size(), 2u);
    EXPECT_EQ(t.GetByKey("a")->region().id(), 2u);
    EXPECT_EQ(t.GetByKey("m")->region().id(), 1u);
    EXPECT_EQ(t.GetByKey("z")->region().id(), 1u);
    // A late heartbeat of the pre-split region is stale now.
    EXPECT_FALSE(t.Put(MakeRegion(1, "", "", 1, 1)).ok());
    // A region overlapping a newer one is stale too.
    EXPECT_FALSE(t.Put(MakeRegion(7, "a", "n", 1, 1)).ok());
    EXPECT_EQ(t.size(), 2u);
  }
}

TEST(RegionTableTest, NewerRegionReplacesSeveralOverlaps) {
  RegionTable t;
  ASSERT_TRUE(t.Put(MakeRegion(1, "", "b", 1, 3)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(2, "b", "d", 1, 3)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(3, "d", "", 1, 3)).ok());
  // A merge result covering [a.., e) with a newer version.
  auto r = t.Put(MakeRegion(2, "", "e", 1, 4));
  ASSERT_TRUE(r.ok());
  std::vector<uint64_t> removed = r->removed;
  std::sort(removed.begin(), removed.end());
  EXPECT_EQ(removed, (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(Ids(t.All()), std::vector<uint64_t>{2});
}

TEST(RegionTableTest, RejectsMalformedRegions) {
  RegionTable t;
  EXPECT_FALSE(t.Put(MakeRegion(0, "", "", 1, 1)).ok());
  EXPECT_FALSE(t.Put(MakeRegion(1, "c", "b", 1, 1)).ok());
  EXPECT_FALSE(t.Put(MakeRegion(1, "b", "b", 1, 1)).ok());
}

TEST(RegionTableTest, LeaderCounts) {
  RegionTable t;
  ASSERT_TRUE(t.Put(MakeRegion(1, "", "b", 1, 1, 1)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(2, "b", "d", 1, 1, 2)).ok());
  ASSERT_TRUE(t.Put(MakeRegion(3, "d", "", 1, 1, 2)).ok());
  auto counts = t.LeaderCountByStore();
  EXPECT_EQ(counts[1], 1u);
  EXPECT_EQ(counts[2], 2u);
  // Moves and removals keep the counts right.
  ASSERT_TRUE(t.Put(MakeRegion(3, "d", "", 2, 1, 1)).ok());
  counts = t.LeaderCountByStore();
  EXPECT_EQ(counts[1], 2u);
  EXPECT_EQ(counts[2], 1u);
  ASSERT_TRUE(t.Put(MakeRegion(1, "", "d", 1, 2, 1)).ok());  // merge-like: replaces region 2
  counts = t.LeaderCountByStore();
  EXPECT_EQ(counts[1], 2u);
  EXPECT_EQ(counts.count(2), 0u);
  t.Remove(3);
  EXPECT_EQ(t.LeaderCountByStore()[1], 1u);
}

}  // namespace
}  // namespace brkv::pd
