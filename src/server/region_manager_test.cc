#include "server/region_manager.h"

#include <thread>

#include <gtest/gtest.h>

#include "common/failpoint.h"
#include "kv/keys.h"
#include "server/server_test_util.h"

namespace brkv::server {
namespace {

metapb::Region MakeRegion(uint64_t id, std::string start, std::string end, uint64_t version = 1,
                          uint64_t conf_ver = 1, uint64_t store_id = 1) {
  metapb::Region r;
  r.set_id(id);
  r.set_start_key(std::move(start));
  r.set_end_key(std::move(end));
  r.mutable_region_epoch()->set_version(version);
  r.mutable_region_epoch()->set_conf_ver(conf_ver);
  auto* p = r.add_peers();
  p->set_id(id + 1000);
  p->set_store_id(store_id);
  return r;
}

kvrpcpb::Context Ctx(const metapb::Region& r) {
  kvrpcpb::Context ctx;
  ctx.set_region_id(r.id());
  *ctx.mutable_region_epoch() = r.region_epoch();
  return ctx;
}

pdpb::SplitID SplitId(uint64_t region_id, uint64_t peer_id) {
  pdpb::SplitID id;
  id.set_new_region_id(region_id);
  id.add_new_peer_ids(peer_id);
  return id;
}

class RegionManagerTest : public testing::EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    Reopen();
  }
  void Reopen() {
    rm_.reset();
    if (engine_ == nullptr) OpenEngine();
    auto rm = RegionManager::Open(engine_.get());
    ASSERT_TRUE(rm.ok()) << rm.status().ToString();
    rm_ = std::move(rm).value();
    if (auto_ident_ && !rm_->store_ident()) ASSERT_TRUE(rm_->SaveStoreIdent({1, 1}).ok());
  }
  void ReopenEngine() {
    rm_.reset();
    engine_.reset();
    OpenEngine();
    Reopen();
  }
  void PutData(std::string_view region_key, rocksdb::ColumnFamilyHandle* cf = nullptr) {
    rocksdb::WriteBatch wb;
    ASSERT_TRUE(wb.Put(cf ? cf : engine_->cf_default(), keys::DataKey(region_key), "v").ok());
    ASSERT_TRUE(engine_->Write(&wb).ok());
  }

  bool auto_ident_ = true;  // give a fresh store the id 1 (its Raft groups start then)
  std::unique_ptr<RegionManager> rm_;
};

// A fresh data directory whose store id is not known yet.
class RegionManagerNoIdentTest : public RegionManagerTest {
 protected:
  void SetUp() override {
    auto_ident_ = false;
    RegionManagerTest::SetUp();
  }
};

TEST(RegionTest, KeyInRegionAndClip) {
  auto r = MakeRegion(1, "b", "d");
  EXPECT_FALSE(KeyInRegion(r, "a"));
  EXPECT_TRUE(KeyInRegion(r, "b"));
  EXPECT_TRUE(KeyInRegion(r, "c\xff"));
  EXPECT_FALSE(KeyInRegion(r, "d"));
  auto inf = MakeRegion(2, "", "");
  EXPECT_TRUE(KeyInRegion(inf, ""));
  EXPECT_TRUE(KeyInRegion(inf, "\xff\xff"));

  auto c = ClipToRegion(r, "a", "c");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->start, "b");
  EXPECT_EQ(c->end, "c");
  c = ClipToRegion(r, "", "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->start, "b");
  EXPECT_EQ(c->end, "d");
  EXPECT_FALSE(ClipToRegion(r, "d", ""));
  EXPECT_FALSE(ClipToRegion(r, "", "b"));
  c = ClipToRegion(inf, "x", "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->start, "x");
  EXPECT_EQ(c->end, "");
}

TEST_F(RegionManagerNoIdentTest, StoreIdentPersists) {
  EXPECT_FALSE(rm_->store_ident());
  EXPECT_EQ(rm_->store_id(), 0u);
  ASSERT_TRUE(rm_->SaveStoreIdent({7, 42}).ok());
  EXPECT_FALSE(rm_->SaveStoreIdent({8, 42}).ok());
  ReopenEngine();
  auto ident = rm_->store_ident();
  ASSERT_TRUE(ident);
  EXPECT_EQ(ident->store_id, 7u);
  EXPECT_EQ(ident->cluster_id, 42u);
  EXPECT_EQ(rm_->store_id(), 7u);
}

TEST_F(RegionManagerTest, CheckContextEpochAndMissingRegions) {
  auto r = MakeRegion(5, "a", "m", 3, 2);
  ASSERT_TRUE(rm_->AddRegion(r).ok());

  metapb::Region got;
  errorpb::Error err;
  ASSERT_TRUE(rm_->CheckContext(Ctx(r), &got, &err).ok());
  EXPECT_EQ(got.id(), 5u);

  auto stale = Ctx(r);
  stale.mutable_region_epoch()->set_version(2);
  Status s = rm_->CheckContext(stale, &got, &err);
  EXPECT_TRUE(s.IsRegionError());
  ASSERT_TRUE(err.has_epoch_not_match());
  ASSERT_EQ(err.epoch_not_match().current_regions_size(), 1);
  EXPECT_EQ(err.epoch_not_match().current_regions(0).region_epoch().version(), 3u);

  auto conf = Ctx(r);
  conf.mutable_region_epoch()->set_conf_ver(1);
  err.Clear();
  EXPECT_TRUE(rm_->CheckContext(conf, &got, &err).IsRegionError());
  EXPECT_TRUE(err.has_epoch_not_match());

  kvrpcpb::Context missing;
  missing.set_region_id(99);
  err.Clear();
  EXPECT_TRUE(rm_->CheckContext(missing, &got, &err).IsRegionError());
  EXPECT_TRUE(err.has_region_not_found());
  EXPECT_EQ(err.region_not_found().region_id(), 99u);

  // A region whose replica here was destroyed is unknown here.
  ASSERT_TRUE(rm_->RemoveRegionIfEmpty(5, nullptr, nullptr).ok());
  err.Clear();
  EXPECT_TRUE(rm_->CheckContext(Ctx(r), &got, &err).IsRegionError());
  ASSERT_TRUE(err.has_region_not_found());
  EXPECT_EQ(err.region_not_found().region_id(), 5u);
}

TEST_F(RegionManagerTest, FollowerAnswersNotLeader) {
  // Two voters, the other on a store that never answers: nobody is elected, and this replica
  // must not serve.
  auto r = MakeRegion(6, "", "");
  auto* other = r.add_peers();
  other->set_id(2006);
  other->set_store_id(2);
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  errorpb::Error err;
  EXPECT_TRUE(rm_->CheckContext(Ctx(r), nullptr, &err).IsRegionError());
  ASSERT_TRUE(err.has_not_leader());
  EXPECT_EQ(err.not_leader().region_id(), 6u);
  err.Clear();
  EXPECT_TRUE(rm_->LockRegion(6, &err).status().IsRegionError());
  EXPECT_TRUE(err.has_not_leader());
}

TEST_F(RegionManagerNoIdentTest, StoreNotMatch) {
  ASSERT_TRUE(rm_->SaveStoreIdent({3, 1}).ok());
  auto r = MakeRegion(5, "", "", 1, 1, /*store_id=*/3);
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  auto ctx = Ctx(r);
  ctx.mutable_peer()->set_store_id(4);
  errorpb::Error err;
  EXPECT_TRUE(rm_->CheckContext(ctx, nullptr, &err).IsRegionError());
  EXPECT_TRUE(err.has_store_not_match());
  ctx.mutable_peer()->set_store_id(3);
  EXPECT_TRUE(rm_->CheckContext(ctx, nullptr, &err).ok());
}

TEST_F(RegionManagerTest, KeyNotInRegion) {
  auto r = MakeRegion(5, "b", "d");
  errorpb::Error err;
  EXPECT_TRUE(RegionManager::CheckKeyInRegion(r, "c", &err).ok());
  Status s = RegionManager::CheckKeyInRegion(r, "d", &err);
  EXPECT_TRUE(s.IsRegionError());
  ASSERT_TRUE(err.has_key_not_in_region());
  EXPECT_EQ(err.key_not_in_region().key(), "d");
  EXPECT_EQ(err.key_not_in_region().region_id(), 5u);
  EXPECT_EQ(err.key_not_in_region().start_key(), "b");
  EXPECT_EQ(err.key_not_in_region().end_key(), "d");
}

TEST_F(RegionManagerTest, AddRegionIsIdempotentAndRejectsOverlap) {
  auto r = MakeRegion(5, "b", "d");
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  EXPECT_TRUE(rm_->AddRegion(r).ok());
  EXPECT_FALSE(rm_->AddRegion(MakeRegion(5, "b", "e")).ok());
  EXPECT_FALSE(rm_->AddRegion(MakeRegion(6, "c", "x")).ok());
  EXPECT_FALSE(rm_->AddRegion(MakeRegion(6, "", "")).ok());
  EXPECT_TRUE(rm_->AddRegion(MakeRegion(6, "d", "")).ok());
  EXPECT_TRUE(rm_->AddRegion(MakeRegion(7, "", "b")).ok());
  EXPECT_FALSE(rm_->AddRegion(MakeRegion(8, "x", "c")).ok());  // empty range
  auto all = rm_->GetAllRegions();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id(), 7u);
  EXPECT_EQ(all[1].id(), 5u);
  EXPECT_EQ(all[2].id(), 6u);
}

TEST_F(RegionManagerTest, ProposeChecksEpochUnderLatch) {
  auto r = MakeRegion(5, "", "", 1, 1);
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  {
    errorpb::Error err;
    auto latch = rm_->LockRegion(5, &err);
    ASSERT_TRUE(latch.ok());
    rocksdb::WriteBatch wb;
    ASSERT_TRUE(wb.Put(engine_->cf_default(), keys::DataKey("rk"), "v1").ok());
    ASSERT_TRUE(rm_->Propose(*latch, r.region_epoch(), &wb, &err).ok());

    metapb::RegionEpoch stale = r.region_epoch();
    stale.set_version(0);
    rocksdb::WriteBatch wb2;
    ASSERT_TRUE(wb2.Put(engine_->cf_default(), keys::DataKey("rk"), "v2").ok());
    EXPECT_TRUE(rm_->Propose(*latch, stale, &wb2, &err).IsRegionError());
    EXPECT_TRUE(err.has_epoch_not_match());
  }
  auto v = engine_->Get(engine_->cf_default(), keys::DataKey("rk"));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "v1");

  errorpb::Error err;
  auto missing = rm_->LockRegion(77, &err);
  EXPECT_FALSE(missing.ok());
  EXPECT_TRUE(err.has_region_not_found());
}

TEST_F(RegionManagerTest, ProposeFailpoint) {
  auto r = MakeRegion(5, "", "");
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  failpoint::Enable("kv.before-propose", "1*return(injected)");
  errorpb::Error err;
  auto latch = rm_->LockRegion(5, &err);
  ASSERT_TRUE(latch.ok());
  rocksdb::WriteBatch wb;
  ASSERT_TRUE(wb.Put(engine_->cf_default(), keys::DataKey("rk"), "v").ok());
  Status s = rm_->Propose(*latch, r.region_epoch(), &wb, &err);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(s.IsRegionError());
  EXPECT_TRUE(engine_->Get(engine_->cf_default(), keys::DataKey("rk")).status().IsNotFound());
  EXPECT_TRUE(rm_->Propose(*latch, r.region_epoch(), &wb, &err).ok());
  failpoint::DisableAll();
}

TEST_F(RegionManagerTest, LatchSerializesWriters) {
  auto r = MakeRegion(5, "", "");
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto latch = rm_->LockRegion(5, nullptr);
        ASSERT_TRUE(latch.ok());
        int seen = counter;
        std::this_thread::yield();
        counter = seen + 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, 800);
}

TEST_F(RegionManagerTest, SplitBookkeepingAndPersistence) {
  ASSERT_TRUE(rm_->SaveStoreIdent({1, 9}).ok());
  auto r = MakeRegion(5, "b", "x", 4, 2);
  ASSERT_TRUE(rm_->AddRegion(r).ok());

  std::vector<std::vector<metapb::Region>> notified;
  rm_->SetChangeListener([&](const std::vector<metapb::Region>& c, bool removed) {
    if (!removed) notified.push_back(c);
  });

  errorpb::Error err;
  auto result = rm_->ApplySplit(5, r.region_epoch(), {"f", "m"},
                                {SplitId(10, 110), SplitId(11, 111)}, &err);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->size(), 3u);
  const auto& left = (*result)[0];
  const auto& mid = (*result)[1];
  const auto& right = (*result)[2];
  EXPECT_EQ(left.id(), 5u);
  EXPECT_EQ(left.start_key(), "b");
  EXPECT_EQ(left.end_key(), "f");
  EXPECT_EQ(mid.id(), 10u);
  EXPECT_EQ(mid.start_key(), "f");
  EXPECT_EQ(mid.end_key(), "m");
  EXPECT_EQ(right.id(), 11u);
  EXPECT_EQ(right.start_key(), "m");
  EXPECT_EQ(right.end_key(), "x");
  for (const auto& reg : *result) {
    EXPECT_EQ(reg.region_epoch().version(), 6u) << reg.id();
    EXPECT_EQ(reg.region_epoch().conf_ver(), 2u) << reg.id();
    ASSERT_EQ(reg.peers_size(), 1);
    EXPECT_EQ(reg.peers(0).store_id(), 1u);
  }
  EXPECT_EQ(mid.peers(0).id(), 110u);
  EXPECT_EQ(right.peers(0).id(), 111u);
  ASSERT_EQ(notified.size(), 1u);
  EXPECT_EQ(notified[0].size(), 3u);

  // The old epoch is now stale, for requests and for a second split alike.
  EXPECT_TRUE(rm_->CheckContext(Ctx(r), nullptr, &err).IsRegionError());
  EXPECT_TRUE(rm_->ApplySplit(5, r.region_epoch(), {"c"}, {SplitId(12, 112)}, &err)
                  .status()
                  .IsRegionError());
  EXPECT_TRUE(rm_->CheckContext(Ctx(mid), nullptr, &err).ok());

  rm_->SetChangeListener(nullptr);
  ReopenEngine();
  auto all = rm_->GetAllRegions();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id(), 5u);
  EXPECT_EQ(all[0].end_key(), "f");
  EXPECT_EQ(all[1].id(), 10u);
  EXPECT_EQ(all[2].id(), 11u);
  EXPECT_EQ(all[2].end_key(), "x");
  EXPECT_EQ(all[2].region_epoch().version(), 6u);
}

TEST_F(RegionManagerTest, SplitRejectsBadKeysAndIds) {
  auto r = MakeRegion(5, "b", "x");
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  errorpb::Error err;
  auto e = r.region_epoch();
  EXPECT_FALSE(rm_->ApplySplit(5, e, {"b"}, {SplitId(10, 110)}, &err).ok());  // == start
  EXPECT_FALSE(rm_->ApplySplit(5, e, {"y"}, {SplitId(10, 110)}, &err).ok());  // outside
  EXPECT_FALSE(rm_->ApplySplit(5, e, {"m", "f"}, {SplitId(10, 110), SplitId(11, 111)}, &err)
                   .ok());                                                   // not sorted
  EXPECT_FALSE(rm_->ApplySplit(5, e, {"f"}, {}, &err).ok());                 // no id
  EXPECT_FALSE(rm_->ApplySplit(5, e, {"f"}, {SplitId(5, 110)}, &err).ok());  // id in use
  pdpb::SplitID no_peer;
  no_peer.set_new_region_id(10);
  EXPECT_FALSE(rm_->ApplySplit(5, e, {"f"}, {no_peer}, &err).ok());
  // Nothing changed.
  auto cur = rm_->GetRegion(5);
  ASSERT_TRUE(cur);
  EXPECT_EQ(cur->end_key(), "x");
  EXPECT_EQ(cur->region_epoch().version(), 1u);
  EXPECT_EQ(rm_->RegionCount(), 1u);
}

TEST_F(RegionManagerTest, SplitFailpointLeavesRegionUnchanged) {
  auto r = MakeRegion(5, "", "");
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  failpoint::Enable("kv.split.before-persist", "1*return");
  errorpb::Error err;
  EXPECT_FALSE(rm_->ApplySplit(5, r.region_epoch(), {"m"}, {SplitId(10, 110)}, &err).ok());
  failpoint::DisableAll();
  EXPECT_EQ(rm_->RegionCount(), 1u);
  ReopenEngine();
  EXPECT_EQ(rm_->RegionCount(), 1u);
  EXPECT_TRUE(rm_->ApplySplit(5, r.region_epoch(), {"m"}, {SplitId(10, 110)}, &err).ok());
}

TEST_F(RegionManagerTest, TransferOutRefusesNonEmptyRegion) {
  ASSERT_TRUE(rm_->AddRegion(MakeRegion(5, "b", "d")).ok());
  ASSERT_TRUE(rm_->AddRegion(MakeRegion(6, "d", "")).ok());
  PutData("c", engine_->cf_lock());
  PutData("zz", engine_->cf_write());  // in region 6 (region key "zz")

  Status s = rm_->RemoveRegionIfEmpty(5, nullptr, nullptr);
  EXPECT_EQ(s.code(), Status::Code::kAborted);
  EXPECT_EQ(s.message(), "region is not empty");
  EXPECT_EQ(rm_->RemoveRegionIfEmpty(6, nullptr, nullptr).code(), Status::Code::kAborted);
  EXPECT_EQ(rm_->RegionCount(), 2u);

  // Data just outside a region does not count.
  ASSERT_TRUE(rm_->AddRegion(MakeRegion(7, "a", "b")).ok());
  PutData("b");
  ASSERT_TRUE(rm_->RemoveRegionIfEmpty(7, nullptr, nullptr).ok());
  EXPECT_EQ(rm_->RegionCount(), 2u);

  // A stale epoch is a region error; removal persists.
  auto r5 = rm_->GetRegion(5);
  metapb::RegionEpoch stale = r5->region_epoch();
  stale.set_version(9);
  errorpb::Error err;
  EXPECT_TRUE(rm_->RemoveRegionIfEmpty(5, &stale, &err).IsRegionError());
  ReopenEngine();
  EXPECT_EQ(rm_->RegionCount(), 2u);
  EXPECT_FALSE(rm_->GetRegion(7));
  // Transfer back in.
  EXPECT_TRUE(rm_->AddRegion(MakeRegion(7, "a", "b")).ok());
}

TEST_F(RegionManagerTest, WrittenBytesDriveSplitChecks) {
  auto r = MakeRegion(5, "", "");
  ASSERT_TRUE(rm_->AddRegion(r).ok());
  // A newly added region is marked for one check.
  EXPECT_EQ(rm_->TakeRegionsToCheck(1000).size(), 1u);
  EXPECT_TRUE(rm_->TakeRegionsToCheck(1000).empty());
  rm_->AddWrittenBytes(5, 600);
  EXPECT_TRUE(rm_->TakeRegionsToCheck(1000).empty());
  rm_->AddWrittenBytes(5, 600);
  EXPECT_EQ(rm_->TakeRegionsToCheck(1000).size(), 1u);
  EXPECT_TRUE(rm_->TakeRegionsToCheck(1000).empty());
  rm_->MarkAllForCheck();
  EXPECT_EQ(rm_->TakeRegionsToCheck(1000).size(), 1u);
}

}  // namespace
}  // namespace brkv::server
