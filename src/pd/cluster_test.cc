#include "pd/cluster.h"

#include <gtest/gtest.h>

#include "pd/pd_test_util.h"

namespace brkv::pd {
namespace {

// Storage + ids + cluster, reopenable on the same directory.
class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    cluster_.reset();
    ids_.reset();
    storage_.reset();
    storage_ = std::move(PdStorage::Open(dir_.path()).value());
    cluster_id_ = LoadOrCreateClusterId(storage_.get(), &clock_).value();
    ids_ = std::move(IdAllocator::Open(storage_.get()).value());
    ClusterOptions opts;
    opts.cluster_id = cluster_id_;
    opts.store_down_ms = 10'000;
    cluster_ = std::move(Cluster::Open(storage_.get(), ids_.get(), &clock_, opts).value());
  }

  static metapb::Store Store(uint64_t id, const std::string& addr) {
    metapb::Store s;
    s.set_id(id);
    s.set_address(addr);
    return s;
  }

  void BootstrapOneStore() {
    metapb::Region r;
    r.set_id(2);
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(1);
    auto* p = r.add_peers();
    p->set_id(3);
    p->set_store_id(1);
    ASSERT_TRUE(cluster_->Bootstrap(Store(1, "127.0.0.1:20160"), r).ok());
  }

  testing::ScratchDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<PdStorage> storage_;
  uint64_t cluster_id_ = 0;
  std::unique_ptr<IdAllocator> ids_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(ClusterTest, BootstrapOnceAndIdsRebased) {
  EXPECT_FALSE(cluster_->IsBootstrapped());
  BootstrapOneStore();
  EXPECT_TRUE(cluster_->IsBootstrapped());
  metapb::Region r;
  r.set_id(9);
  r.add_peers()->set_store_id(1);
  EXPECT_EQ(cluster_->Bootstrap(Store(1, "x:1"), r).code(), Status::Code::kAlreadyExists);
  EXPECT_GT(ids_->Alloc().value(), 3u);
  auto region = cluster_->GetRegionByKey("anything");
  ASSERT_TRUE(region.ok());
  EXPECT_EQ(region->region().id(), 2u);
  EXPECT_EQ(region->leader().store_id(), 1u);
}

TEST_F(ClusterTest, BootstrapValidatesInput) {
  metapb::Region r;
  r.set_id(2);
  auto* p = r.add_peers();
  p->set_id(3);
  p->set_store_id(7);  // not the bootstrapping store
  EXPECT_EQ(cluster_->Bootstrap(Store(1, "a:1"), r).code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(cluster_->IsBootstrapped());
}

TEST_F(ClusterTest, StoresGoDownWithoutHeartbeats) {
  BootstrapOneStore();
  ASSERT_TRUE(cluster_->PutStore(Store(4, "127.0.0.1:20161")).ok());
  // Another store may not take a live store's address.
  EXPECT_EQ(cluster_->PutStore(Store(5, "127.0.0.1:20161")).code(), Status::Code::kAlreadyExists);
  clock_.Advance(8'000);
  pdpb::StoreStats stats;
  stats.set_store_id(1);
  ASSERT_TRUE(cluster_->StoreHeartbeat(stats).ok());
  clock_.Advance(3'000);  // store 4 silent for 11 s, store 1 for 3 s
  EXPECT_FALSE(cluster_->GetStore(1)->is_down());
  EXPECT_TRUE(cluster_->GetStore(4)->is_down());
  EXPECT_EQ(cluster_->DownStores(), std::vector<uint64_t>{4});
  EXPECT_EQ(cluster_->GetStore(1)->region_count(), 1u);
  auto loads = cluster_->ServingStoreLoads();
  ASSERT_EQ(loads.size(), 1u);
  EXPECT_EQ(loads[0].first, 1u);
  EXPECT_FALSE(cluster_->ServingStoreAddress(4).ok());
  stats.set_store_id(99);
  EXPECT_EQ(cluster_->StoreHeartbeat(stats).code(), Status::Code::kNotFound);
}

TEST_F(ClusterTest, SplitReportAndPersistenceAcrossRestart) {
  BootstrapOneStore();
  ASSERT_TRUE(cluster_->PutStore(Store(4, "127.0.0.1:20161")).ok());
  metapb::Region origin = cluster_->GetRegionById(2)->region();
  auto ids = cluster_->AskBatchSplit(origin, 2);
  ASSERT_TRUE(ids.ok());
  ASSERT_EQ(ids->size(), 2u);
  // Three regions: [,"g") new, ["g","p") new, ["p",) keeps the origin id.
  std::vector<metapb::Region> split;
  std::string bounds[] = {"", "g", "p", ""};
  uint64_t rid[] = {(*ids)[0].new_region_id(), (*ids)[1].new_region_id(), 2};
  uint64_t pid[] = {(*ids)[0].new_peer_ids(0), (*ids)[1].new_peer_ids(0), 3};
  for (int i = 0; i < 3; ++i) {
    metapb::Region r;
    r.set_id(rid[i]);
    r.set_start_key(bounds[i]);
    r.set_end_key(bounds[i + 1]);
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(3);
    auto* p = r.add_peers();
    p->set_id(pid[i]);
    p->set_store_id(1);
    split.push_back(r);
  }
  ASSERT_TRUE(cluster_->ReportBatchSplit(split).ok());
  EXPECT_EQ(cluster_->ScanRegions("", "", 0).size(), 3u);
  // A stale heartbeat of the pre-split region is refused.
  pdpb::Region stale;
  *stale.mutable_region() = origin;
  EXPECT_EQ(cluster_->RegionHeartbeat(stale).code(), Status::Code::kAborted);
  ASSERT_TRUE(cluster_->GetAllStores(false).size() == 2);

  auto gc_id = cluster_id_;
  uint64_t next_id = ids_->Alloc().value();
  Reopen();
  EXPECT_EQ(cluster_id_, gc_id);
  EXPECT_TRUE(cluster_->IsBootstrapped());
  auto regions = cluster_->ScanRegions("", "", 0);
  ASSERT_EQ(regions.size(), 3u);
  EXPECT_EQ(regions[0].region().id(), rid[0]);
  EXPECT_EQ(regions[1].region().start_key(), "g");
  EXPECT_EQ(regions[2].region().id(), 2u);
  EXPECT_EQ(regions[2].leader().store_id(), 1u);
  EXPECT_EQ(cluster_->GetAllStores(false).size(), 2u);
  EXPECT_GT(ids_->Alloc().value(), next_id);
  // Restarted PD gives known stores a fresh grace period.
  EXPECT_FALSE(cluster_->GetStore(4)->is_down());
}

TEST_F(ClusterTest, CommitMoveBumpsConfVerAndChecksEpoch) {
  BootstrapOneStore();
  ASSERT_TRUE(cluster_->PutStore(Store(4, "127.0.0.1:20161")).ok());
  auto before = cluster_->GetRegionById(2).value();
  auto moved = cluster_->CommitMove(2, before.region().region_epoch(), 4);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->region_epoch().conf_ver(), 2u);
  ASSERT_EQ(moved->peers_size(), 1);
  EXPECT_EQ(moved->peers(0).store_id(), 4u);
  EXPECT_NE(moved->peers(0).id(), 3u);
  auto after = cluster_->GetRegionById(2).value();
  EXPECT_EQ(after.leader().store_id(), 4u);
  EXPECT_EQ(after.leader().id(), moved->peers(0).id());
  // The old epoch no longer matches.
  EXPECT_EQ(cluster_->CommitMove(2, before.region().region_epoch(), 1).status().code(),
            Status::Code::kAborted);
  Reopen();
  EXPECT_EQ(cluster_->GetRegionById(2)->leader().store_id(), 4u);
}

}  // namespace
}  // namespace brkv::pd
