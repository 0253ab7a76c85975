// RawClient and Admin against the in-memory FakeTikv.
#include <gtest/gtest.h>

#include "client/admin.h"
#include "client/cluster.h"
#include "client/fake_tikv.h"
#include "client/raw_client.h"
#include "kv/keys.h"

namespace brkv::client {
namespace {

using testing::FakeTikv;

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "k%05d", i);
  return buf;
}

class RawAdminTest : public ::testing::Test {
 protected:
  RawAdminTest() : fake_(2) {
    fake_.Split({"m", keys::RawRegionKey(Key(30)), keys::RawRegionKey(Key(60)), "s"});
    fake_.Move(fake_.Regions()[2].id(), 2);
    ClusterOptions o;
    o.retry_budget_ms = 2000;
    cluster_ = fake_.NewCluster(o);
  }
  FakeTikv fake_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(RawAdminTest, PutGetDelete) {
  RawClient* raw = cluster_->raw();
  ASSERT_TRUE(raw->Put("a", "1").ok());
  EXPECT_EQ(*raw->Get("a"), "1");
  ASSERT_TRUE(raw->Delete("a").ok());
  EXPECT_TRUE(raw->Get("a").status().IsNotFound());
  EXPECT_EQ(raw->Put("", "x").code(), Status::Code::kInvalidArgument);
}

TEST_F(RawAdminTest, BatchPutAndScanAcrossRegions) {
  std::vector<KvPair> pairs;
  for (int i = 99; i >= 0; --i) pairs.push_back({Key(i), "v" + std::to_string(i)});
  ASSERT_TRUE(cluster_->raw()->BatchPut(pairs).ok());
  EXPECT_EQ(fake_.Calls("RawBatchPutRequest"), 3);
  auto all = cluster_->raw()->Scan("", "");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ((*all)[i].key, Key(i));
  auto mid = cluster_->raw()->Scan(Key(25), Key(65));
  ASSERT_TRUE(mid.ok());
  ASSERT_EQ(mid->size(), 40u);
  EXPECT_EQ(mid->front().key, Key(25));
  auto lim = cluster_->raw()->Scan(Key(25), "", 10);
  ASSERT_TRUE(lim.ok());
  ASSERT_EQ(lim->size(), 10u);
  EXPECT_EQ(lim->back().key, Key(34));
  int n = 0;
  ASSERT_TRUE(cluster_->raw()
                  ->ScanEach("", "", [&](const KvPair&) { return ++n < 1000; }, "", 3)
                  .ok());
  EXPECT_EQ(n, 100);
}

TEST_F(RawAdminTest, SplitRegionsSkipsBoundariesAndUpdatesCache) {
  auto before = fake_.Regions().size();
  auto r = cluster_->admin()->SplitRegions({Key(10), Key(30), Key(10), Key(40), Key(45)},
                                           SplitKeyForm::kRawKvKey);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // Key(30) already is a boundary; Key(10) once; 3 new regions.
  EXPECT_EQ(fake_.Regions().size(), before + 3);
  EXPECT_EQ(fake_.Calls("SplitRegionRequest"), 2);  // one per affected region
  ASSERT_EQ(r->size(), 5u);                         // [m,r10) [r10,r30) + [r30,r40) [r40,r45) [r45,r60)
  for (size_t i = 1; i < r->size(); ++i) EXPECT_LT((*r)[i - 1].start_key(), (*r)[i].start_key());
  // The cache learned the new regions without asking PD.
  int pd_calls = fake_.Calls("PdGetRegion") + fake_.Calls("PdScanRegions");
  auto loc = cluster_->regions()->Locate(keys::RawRegionKey(Key(42)));
  ASSERT_TRUE(loc.ok());
  EXPECT_EQ(loc->start_key(), keys::RawRegionKey(Key(40)));
  EXPECT_EQ(fake_.Calls("PdGetRegion") + fake_.Calls("PdScanRegions"), pd_calls);
  // Splitting again at the same keys is a no-op.
  auto again = cluster_->admin()->SplitRegions({Key(10)}, SplitKeyForm::kRawKvKey);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_F(RawAdminTest, ChecksumFoldsRegionsAndMatchesLocalComputation) {
  // Transactional table data spread over regions.
  auto txn = cluster_->Begin();
  brkv::Checksum want;
  for (int i = 0; i < 50; ++i) {
    std::string k = "t7_r" + std::to_string(1000 + i);
    std::string v = "value" + std::to_string(i);
    ASSERT_TRUE((*txn)->Set(k, v).ok());
    want.Update(k, v);
  }
  ASSERT_TRUE((*txn)->Set("t8_r1", "other table").ok());
  auto ts = (*txn)->Commit();
  ASSERT_TRUE(ts.ok());
  ASSERT_TRUE(cluster_->admin()
                  ->SplitRegions({"t7_r1010", "t7_r1020", "t7_r1030"}, SplitKeyForm::kTxnRawKey)
                  .ok());
  auto got = cluster_->admin()->Checksum({{"t7_", "t8_"}}, *ts);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, want);
  EXPECT_GE(fake_.Calls("ChecksumRequest"), 4);
  // Before the commit: empty.
  auto empty = cluster_->admin()->Checksum({{"t7_", "t8_"}}, *ts - 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->total_kvs, 0u);
  // With a rewrite rule: data under t7_ hashed as if under t5_.
  brkv::Checksum rewritten;
  for (int i = 0; i < 50; ++i) {
    rewritten.Update("t5_r" + std::to_string(1000 + i), "value" + std::to_string(i));
  }
  auto rw = cluster_->admin()->Checksum({{"t7_", "t8_"}}, *ts, ChecksumRewriteRule{"t5_", "t7_"});
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(*rw, rewritten);
}

TEST_F(RawAdminTest, ChecksumResolvesLocksAndRetriesRegionErrors) {
  auto txn = cluster_->Begin();
  ASSERT_TRUE((*txn)->Set("t7_r1", "a").ok());
  ASSERT_TRUE((*txn)->Set("t7_r2", "b").ok());
  auto ts = (*txn)->Commit();
  ASSERT_TRUE(ts.ok());
  auto now = cluster_->GetTS();
  // An expired lock of a dead txn inside the range.
  fake_.PutLock("t7_r3", {"t7_r3", ComposeTs(TsPhysical(*now) - 60000, 0), 10, kvrpcpb::Put, "x"});
  errorpb::Error nl;
  nl.mutable_not_leader()->set_region_id(0);
  fake_.InjectRegionError("ChecksumRequest", nl, 2);
  auto got = cluster_->admin()->Checksum({{"t7_", "t8_"}}, *cluster_->GetTS());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->total_kvs, 2u);
  EXPECT_FALSE(fake_.HasLock("t7_r3"));
}

TEST_F(RawAdminTest, ScatterNeedsPd) {
  EXPECT_EQ(cluster_->admin()->ScatterRegions({1}).status().code(),
            Status::Code::kNotSupported);
}

}  // namespace
}  // namespace brkv::client
