#include "pd/region_scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>

#include "pd/pd_test_util.h"

namespace brkv::pd {
namespace {

// A fake fleet of kv-servers: which store hosts which region, with epoch checks.
class FakeStores : public StoreClient {
 public:
  explicit FakeStores(Cluster* cluster) : cluster_(cluster) {}

  Status SplitRegion(const std::string& address, const kvrpcpb::Context& ctx,
                     const std::vector<std::string>& split_keys,
                     std::vector<metapb::Region>* regions,
                     std::vector<metapb::Region>* current) override {
    std::lock_guard<std::mutex> lock(mu_);
    split_calls++;
    auto it = hosted_.find(ctx.region_id());
    if (it == hosted_.end() || it->second.first != address) {
      return Status::RegionError("region not found");
    }
    metapb::Region& r = it->second.second;
    if (r.region_epoch().version() != ctx.region_epoch().version()) {
      // Like TiKV: the current region plus the regions split off it.
      for (const auto& [id, h] : hosted_) {
        if (h.first == address) current->push_back(h.second);
      }
      return Status::RegionError("epoch not match");
    }
    auto ids = cluster_->AskBatchSplit(r, static_cast<uint32_t>(split_keys.size())).value();
    std::vector<std::string> bounds = {r.start_key()};
    bounds.insert(bounds.end(), split_keys.begin(), split_keys.end());
    bounds.push_back(r.end_key());
    uint64_t version = r.region_epoch().version() + split_keys.size();
    regions->clear();
    for (size_t i = 0; i + 1 < bounds.size(); ++i) {
      metapb::Region n = r;
      n.set_start_key(bounds[i]);
      n.set_end_key(bounds[i + 1]);
      n.mutable_region_epoch()->set_version(version);
      if (i > 0) {  // left part keeps the origin id
        n.set_id(ids[i - 1].new_region_id());
        n.mutable_peers(0)->set_id(ids[i - 1].new_peer_ids(0));
      }
      regions->push_back(n);
    }
    for (const auto& n : *regions) hosted_[n.id()] = {address, n};
    return Status::OK();
  }

  Status TransferOut(const std::string& address, const kvrpcpb::Context& ctx) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_.count(address)) return Status::Unavailable("connection refused");
    auto it = hosted_.find(ctx.region_id());
    if (it == hosted_.end() || it->second.first != address) {
      return Status::RegionError("region not found");
    }
    if (non_empty_.count(ctx.region_id())) return Status::Aborted("region is not empty");
    hosted_.erase(it);
    return Status::OK();
  }

  Status TransferIn(const std::string& address, const metapb::Region& region) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (down_.count(address) || refuse_in_.count(address)) {
      return Status::Aborted("cannot host region");
    }
    hosted_[region.id()] = {address, region};
    return Status::OK();
  }

  void Host(const std::string& address, const metapb::Region& r) { hosted_[r.id()] = {address, r}; }
  std::string Where(uint64_t id) {
    auto it = hosted_.find(id);
    return it == hosted_.end() ? "" : it->second.first;
  }

  std::mutex mu_;
  Cluster* cluster_;
  std::map<uint64_t, std::pair<std::string, metapb::Region>> hosted_;
  std::set<uint64_t> non_empty_;
  std::set<std::string> down_;
  std::set<std::string> refuse_in_;
  int split_calls = 0;
};

class RegionSchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage_ = std::move(PdStorage::Open(dir_.path()).value());
    ids_ = std::move(IdAllocator::Open(storage_.get()).value());
    ClusterOptions opts;
    opts.cluster_id = 42;
    cluster_ = std::move(Cluster::Open(storage_.get(), ids_.get(), &clock_, opts).value());
    fake_ = std::make_unique<FakeStores>(cluster_.get());
    RegionSchedulerOptions sopts;
    sopts.retry_sleep_ms = 1;
    scheduler_ = std::make_unique<RegionScheduler>(cluster_.get(), fake_.get(), sopts);

    metapb::Region r;
    r.set_id(2);
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(1);
    auto* p = r.add_peers();
    p->set_id(3);
    p->set_store_id(1);
    ASSERT_TRUE(cluster_->Bootstrap(Store(1), r).ok());
    fake_->Host(Addr(1), r);
  }

  static std::string Addr(uint64_t store) { return "s" + std::to_string(store) + ":1"; }
  static metapb::Store Store(uint64_t id) {
    metapb::Store s;
    s.set_id(id);
    s.set_address(Addr(id));
    return s;
  }

  testing::ScratchDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<PdStorage> storage_;
  std::unique_ptr<IdAllocator> ids_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<FakeStores> fake_;
  std::unique_ptr<RegionScheduler> scheduler_;
};

TEST_F(RegionSchedulerTest, SplitGroupsKeysPerRegionAndUpdatesTable) {
  auto first = scheduler_->SplitRegions({"m"});
  ASSERT_TRUE(first.status.ok()) << first.status.ToString();
  EXPECT_EQ(first.new_region_ids.size(), 1u);
  EXPECT_EQ(first.finished_percentage, 100u);
  EXPECT_EQ(fake_->split_calls, 1);
  // Keys in both regions, a duplicate, an existing boundary and an empty key.
  auto second = scheduler_->SplitRegions({"c", "x", "c", "m", "f", ""});
  ASSERT_TRUE(second.status.ok()) << second.status.ToString();
  EXPECT_EQ(fake_->split_calls, 3);  // one call per region
  EXPECT_EQ(second.new_region_ids.size(), 3u);
  auto regions = cluster_->ScanRegions("", "", 0);
  ASSERT_EQ(regions.size(), 5u);
  std::vector<std::string> starts;
  for (const auto& r : regions) starts.push_back(r.region().start_key());
  EXPECT_EQ(starts, (std::vector<std::string>{"", "c", "f", "m", "x"}));
}

TEST_F(RegionSchedulerTest, SplitRetriesAfterEpochChange) {
  // The node split the region behind PD's back: PD's epoch is stale, the node says so.
  {
    std::vector<metapb::Region> out, current;
    kvrpcpb::Context ctx;
    ctx.set_region_id(2);
    ctx.mutable_region_epoch()->set_version(1);
    ASSERT_TRUE(fake_->SplitRegion(Addr(1), ctx, {"k"}, &out, &current).ok());
  }
  int calls = fake_->split_calls;
  auto res = scheduler_->SplitRegions({"d"});
  ASSERT_TRUE(res.status.ok()) << res.status.ToString();
  EXPECT_GT(fake_->split_calls, calls + 1);  // one refused, then a retry with fresh epoch
  EXPECT_EQ(cluster_->ScanRegions("", "", 0).size(), 3u);
}

TEST_F(RegionSchedulerTest, SplitReportsFailure) {
  fake_->hosted_.clear();  // the node lost the region: every attempt fails
  auto res = scheduler_->SplitRegions({"d"}, 2);
  EXPECT_FALSE(res.status.ok());
  EXPECT_EQ(res.finished_percentage, 0u);
}

TEST_F(RegionSchedulerTest, ScatterSpreadsOverStoresRoundRobin) {
  ASSERT_TRUE(cluster_->PutStore(Store(4)).ok());
  ASSERT_TRUE(cluster_->PutStore(Store(5)).ok());
  auto split = scheduler_->SplitRegions({"b", "c", "d", "e", "f"});
  ASSERT_TRUE(split.status.ok());
  std::vector<uint64_t> ids = split.new_region_ids;
  ASSERT_EQ(ids.size(), 5u);
  auto res = scheduler_->ScatterRegions(ids);
  EXPECT_TRUE(res.failed.empty());
  EXPECT_EQ(res.finished_percentage, 100u);
  std::map<uint64_t, int> per_store;
  for (const auto& r : cluster_->ScanRegions("", "", 0)) {
    per_store[r.leader().store_id()]++;
    EXPECT_EQ(fake_->Where(r.region().id()), Addr(r.leader().store_id()));
    if (std::find(ids.begin(), ids.end(), r.region().id()) != ids.end()) {
      EXPECT_EQ(r.region().region_epoch().conf_ver(), 2u);
      EXPECT_EQ(r.leader().id(), r.region().peers(0).id());
    }
  }
  // Every scattered region left store 1; the other two stores took them in turns.
  EXPECT_EQ(per_store[1], 1);
  EXPECT_EQ(per_store[4] + per_store[5], 5);
  EXPECT_LE(std::abs(per_store[4] - per_store[5]), 1);
}

TEST_F(RegionSchedulerTest, ScatterReportsEveryFailure) {
  ASSERT_TRUE(cluster_->PutStore(Store(4)).ok());
  auto split = scheduler_->SplitRegions({"b", "c"});
  ASSERT_TRUE(split.status.ok());
  uint64_t a = split.new_region_ids[0], b = split.new_region_ids[1];
  fake_->non_empty_.insert(a);
  auto res = scheduler_->ScatterRegions({a, b, 12345});
  std::sort(res.failed.begin(), res.failed.end());
  std::vector<uint64_t> want = {a, 12345};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(res.failed, want);
  EXPECT_EQ(cluster_->GetRegionById(a)->leader().store_id(), 1u);  // untouched
  EXPECT_EQ(cluster_->GetRegionById(b)->leader().store_id(), 4u);
}

TEST_F(RegionSchedulerTest, ScatterPutsRegionBackWhenTargetRefuses) {
  ASSERT_TRUE(cluster_->PutStore(Store(4)).ok());
  auto split = scheduler_->SplitRegions({"b"});
  ASSERT_TRUE(split.status.ok());
  uint64_t id = split.new_region_ids[0];
  fake_->refuse_in_.insert(Addr(4));
  auto res = scheduler_->ScatterRegions({id});
  EXPECT_EQ(res.failed, std::vector<uint64_t>{id});
  auto r = cluster_->GetRegionById(id).value();
  EXPECT_EQ(r.leader().store_id(), 1u);
  EXPECT_EQ(fake_->Where(id), Addr(1));  // still served
  EXPECT_EQ(r.region().region_epoch().conf_ver(), 3u);  // moved out and back
}

TEST_F(RegionSchedulerTest, ScatterWithOneStoreIsANoOp) {
  auto res = scheduler_->ScatterRegions({2});
  EXPECT_TRUE(res.failed.empty());
  EXPECT_EQ(cluster_->GetRegionById(2)->region().region_epoch().conf_ver(), 1u);
}

}  // namespace
}  // namespace brkv::pd
