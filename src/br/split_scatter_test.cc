// Split planning (table boundaries + rewritten file boundaries) and SplitAndScatter on the
// client's in-memory fake cluster.
#include "br/split_scatter.h"

#include <gtest/gtest.h>

#include "catalog/tablecodec.h"
#include "client/fake_tikv.h"
#include "kv/keys.h"

namespace brkv::br {
namespace {

TEST(SplitPlannerTest, TableBoundariesAndFileBoundariesSortedUnique) {
  SplitPlanner p;
  p.AddTable(501);
  p.AddTable(500);  // its end boundary is 501's start
  p.AddRange(catalog::RecordKey(500, 100), catalog::RecordKey(500, 200));
  p.AddRange(catalog::RecordKey(500, 200), catalog::RecordKey(500, 300));  // shared bound
  p.AddRange(catalog::RecordKey(501, 1), "");                              // "" ignored
  p.AddKey("");
  const std::vector<std::string> keys = p.Keys();
  const std::vector<std::string> want = {
      catalog::TablePrefix(500),    catalog::RecordKey(500, 100), catalog::RecordKey(500, 200),
      catalog::RecordKey(500, 300), catalog::TablePrefix(501),    catalog::RecordKey(501, 1),
      catalog::TablePrefix(502),
  };
  EXPECT_EQ(keys, want);
}

TEST(SplitPlannerTest, EmptyPlan) {
  SplitPlanner p;
  EXPECT_TRUE(p.Keys().empty());
}

TEST(SplitAndScatterTest, SplitsAtEveryKeyAndReportsUnscatteredRegions) {
  client::testing::FakeTikv fake(2);
  auto cluster = fake.NewCluster();
  SplitPlanner p;
  p.AddTable(500);
  p.AddRange(catalog::RecordKey(500, 10), catalog::RecordKey(500, 20));
  SplitScatterOptions o;
  o.batch_keys = 2;  // several SplitRegions calls
  o.scatter_rounds = 1;
  auto report = SplitAndScatter(cluster.get(), p.Keys(), o);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->split_keys, 4u);
  // Every planned key is now a region start.
  std::set<std::string> starts;
  for (const auto& r : fake.Regions()) starts.insert(r.start_key());
  for (const auto& k : p.Keys()) EXPECT_EQ(starts.count(keys::TxnRegionKey(k)), 1u);
  // The fake cluster has no PD to scatter with: nothing moved, and that is not an error.
  EXPECT_EQ(report->scattered, 0u);
  EXPECT_EQ(report->scatter_failed.size(), 4u);
}

TEST(SplitAndScatterTest, NothingToSplit) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  auto report = SplitAndScatter(cluster.get(), {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->new_regions, 0u);
  EXPECT_EQ(fake.Regions().size(), 1u);
}

}  // namespace
}  // namespace brkv::br
