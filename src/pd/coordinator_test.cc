// Heartbeat -> operator -> command flows against a real Cluster (on a scratch RocksDB) with an
// injected clock. A fake fleet plays every region's leader: it reports the region, carries out
// the command PD answers with at once, and reports again on the next round.
#include "pd/coordinator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "pd/pd_test_util.h"
#include "pd/region_scheduler.h"

namespace brkv::pd {
namespace {

class CoordinatorTest : public ::testing::Test {
 protected:
  struct FakeRegion {
    metapb::Region region;
    metapb::Peer leader;
  };

  // A cluster of `stores` stores, bootstrapped by store 1 with one single-peer region.
  void Open(int stores, ScheduleOptions opts = {}) {
    storage_ = std::move(PdStorage::Open(dir_.path()).value());
    ids_ = std::move(IdAllocator::Open(storage_.get()).value());
    ClusterOptions copts;
    copts.cluster_id = 1;
    copts.store_down_ms = 10'000;
    cluster_ = std::move(Cluster::Open(storage_.get(), ids_.get(), &clock_, copts).value());
    coord_ = std::make_unique<Coordinator>(cluster_.get(), ids_.get(), &clock_, opts);
    FakeRegion r;
    r.region.set_id(NewId());
    r.region.mutable_region_epoch()->set_conf_ver(1);
    r.region.mutable_region_epoch()->set_version(1);
    auto* p = r.region.add_peers();
    p->set_id(NewId());
    p->set_store_id(1);
    r.leader = *p;
    ASSERT_TRUE(cluster_->Bootstrap(Store(1), r.region).ok());
    regions_[r.region.id()] = r;
    for (int i = 2; i <= stores; ++i) AddStore(i);
  }

  static metapb::Store Store(uint64_t id) {
    metapb::Store s;
    s.set_id(id);
    s.set_address("127.0.0.1:" + std::to_string(20000 + id));
    return s;
  }
  void AddStore(uint64_t id) { ASSERT_TRUE(cluster_->PutStore(Store(id)).ok()); }
  uint64_t NewId() { return ids_->Alloc().value(); }

  // Replaces every region with `n` regions, each with a voter on every store in `stores`, led
  // from the first.
  void MakeRegions(int n, std::vector<uint64_t> stores) {
    regions_.clear();
    for (int i = 0; i < n; ++i) {
      FakeRegion r;
      r.region.set_id(NewId());
      r.region.set_start_key(i == 0 ? "" : "k" + std::to_string(i));
      r.region.set_end_key(i == n - 1 ? "" : "k" + std::to_string(i + 1));
      r.region.mutable_region_epoch()->set_conf_ver(5);
      r.region.mutable_region_epoch()->set_version(2);
      for (uint64_t s : stores) {
        auto* p = r.region.add_peers();
        p->set_id(NewId());
        p->set_store_id(s);
      }
      r.leader = r.region.peers(0);
      regions_[r.region.id()] = r;
    }
  }

  // The region's leader (re-elected among live voters if its store died) reports it and
  // carries out PD's answer. Returns the answer.
  pdpb::RegionHeartbeatResponse Heartbeat(uint64_t id) {
    FakeRegion& r = regions_.at(id);
    if (dead_.count(r.leader.store_id())) {
      for (const auto& p : r.region.peers()) {
        if (!dead_.count(p.store_id()) && p.role() != metapb::Learner) r.leader = p;
      }
      if (dead_.count(r.leader.store_id())) return {};  // no quorum
    }
    pdpb::Region item;
    *item.mutable_region() = r.region;
    *item.mutable_leader() = r.leader;
    for (const auto& p : r.region.peers()) {
      if (!dead_.count(p.store_id())) continue;
      pdpb::PeerStats* d = item.add_down_peers();
      *d->mutable_peer() = p;
      d->set_down_seconds(60);
    }
    Status s = cluster_->RegionHeartbeat(item);
    EXPECT_TRUE(s.ok()) << s.ToString();
    pdpb::RegionHeartbeatResponse resp = coord_->OnRegionHeartbeat(item);
    if (ignore_commands_) return resp;
    testing::ApplyHeartbeatCommand(resp, &r.region, &r.leader);
    return resp;
  }

  void StoreHeartbeats() {
    for (uint64_t id : StoreIds()) {
      if (dead_.count(id)) continue;
      pdpb::StoreStats stats;
      stats.set_store_id(id);
      (void)cluster_->StoreHeartbeat(stats);
    }
  }
  std::vector<uint64_t> StoreIds() {
    std::vector<uint64_t> out;
    for (const auto& s : cluster_->GetAllStores(true)) out.push_back(s.store().id());
    return out;
  }

  // One second passes; every live store and every region leader reports. Returns the number
  // of commands PD sent.
  int Round() {
    clock_.Advance(1000);
    StoreHeartbeats();
    int commands = 0;
    for (auto& [id, r] : regions_) {
      auto resp = Heartbeat(id);
      commands += resp.has_change_peer() || resp.has_transfer_leader();
    }
    max_running_leader_ops_ = std::max(max_running_leader_ops_, RunningOps(kOpKindLeader));
    max_running_region_ops_ = std::max(max_running_region_ops_, RunningOps(kOpKindRegion));
    return commands;
  }
  // Rounds until one sends no command; returns how many ran.
  int RunUntilQuiet(int max_rounds = 200) {
    for (int i = 1; i <= max_rounds; ++i) {
      if (Round() == 0) return i;
    }
    ADD_FAILURE() << "no quiet round after " << max_rounds;
    return max_rounds;
  }
  size_t RunningOps(const std::string& kind) {
    size_t n = 0;
    for (const auto& op : coord_->ListOperators(0)) {
      n += op.status == OpStatus::kRunning && op.kind == kind;
    }
    return n;
  }

  std::vector<uint64_t> VoterStores(uint64_t id) {
    std::vector<uint64_t> out;
    for (const auto& p : regions_.at(id).region.peers()) {
      EXPECT_NE(p.role(), metapb::Learner) << "region " << id << " kept a learner";
      out.push_back(p.store_id());
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  uint64_t OnlyRegion() {
    EXPECT_EQ(regions_.size(), 1u);
    return regions_.begin()->first;
  }
  std::map<uint64_t, int> LeaderCounts() {
    std::map<uint64_t, int> out;
    for (const auto& [id, r] : regions_) out[r.leader.store_id()]++;
    return out;
  }
  std::map<uint64_t, int> PeerCounts() {
    std::map<uint64_t, int> out;
    for (const auto& [id, r] : regions_) {
      for (const auto& p : r.region.peers()) out[p.store_id()]++;
    }
    return out;
  }

  testing::ScratchDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<PdStorage> storage_;
  std::unique_ptr<IdAllocator> ids_;
  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<Coordinator> coord_;
  std::map<uint64_t, FakeRegion> regions_;
  std::set<uint64_t> dead_;
  bool ignore_commands_ = false;
  size_t max_running_leader_ops_ = 0;
  size_t max_running_region_ops_ = 0;
};

TEST_F(CoordinatorTest, SinglePeerRegionGrowsToThreeVotersLearnerFirst) {
  Open(3);
  uint64_t id = OnlyRegion();
  auto first = Heartbeat(id);
  ASSERT_TRUE(first.has_change_peer());
  EXPECT_EQ(first.change_peer().change_type(), eraftpb::AddLearnerNode);
  EXPECT_EQ(first.region_id(), id);
  EXPECT_EQ(first.target_peer().store_id(), 1u);
  auto second = Heartbeat(id);
  ASSERT_TRUE(second.has_change_peer());
  EXPECT_EQ(second.change_peer().change_type(), eraftpb::AddNode);
  EXPECT_EQ(second.change_peer().peer().id(), first.change_peer().peer().id());

  RunUntilQuiet();
  EXPECT_EQ(VoterStores(id), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(coord_->TargetReplicas(), 3u);
  auto ops = coord_->ListOperators(id);
  ASSERT_EQ(ops.size(), 2u);
  for (const auto& op : ops) {
    EXPECT_EQ(op.desc, "add-replica");
    EXPECT_EQ(op.status, OpStatus::kFinished);
  }
  // PD's table agrees with the fleet.
  EXPECT_EQ(cluster_->GetRegionById(id)->region().peers_size(), 3);
}

TEST_F(CoordinatorTest, FewerStoresThanMaxReplicasTargetsEveryUsableStore) {
  Open(2);
  EXPECT_EQ(coord_->TargetReplicas(), 2u);
  RunUntilQuiet();
  EXPECT_EQ(VoterStores(OnlyRegion()), (std::vector<uint64_t>{1, 2}));
}

TEST_F(CoordinatorTest, StoreDownIsRepairedOnlyAfterMaxStoreDownTime) {
  ScheduleOptions opts;
  opts.replication.max_store_down_time_ms = 60'000;
  Open(4, opts);
  MakeRegions(1, {1, 2, 3});
  uint64_t id = OnlyRegion();
  // Store 4 holds nothing: balance would move a replica there. Keep this test about repair.
  dead_.insert(3);
  for (int i = 0; i < 30; ++i) {
    Round();
    ASSERT_EQ(VoterStores(id), (std::vector<uint64_t>{1, 2, 3})) << "second " << i;
  }
  // Down (no heartbeat for 10 s) but not for max-store-down-time yet: the target stays 3 and
  // nothing moves.
  EXPECT_TRUE(cluster_->GetStore(3)->is_down());
  EXPECT_EQ(coord_->TargetReplicas(), 3u);
  clock_.Advance(30'000);
  RunUntilQuiet();
  EXPECT_EQ(VoterStores(id), (std::vector<uint64_t>{1, 2, 4}));
  auto op = coord_->GetOperator(id);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "replace-down-replica");
  EXPECT_EQ(op->status, OpStatus::kFinished);
}

TEST_F(CoordinatorTest, StoreDownWithNowhereToGoKeepsTheReplica) {
  ScheduleOptions opts;
  opts.replication.max_store_down_time_ms = 5'000;
  Open(3, opts);
  MakeRegions(1, {1, 2, 3});
  dead_.insert(2);
  clock_.Advance(60'000);
  RunUntilQuiet();
  EXPECT_EQ(VoterStores(OnlyRegion()), (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(CoordinatorTest, DeletedStoreIsEmptiedThenTombstoned) {
  ScheduleOptions opts;
  opts.region_schedule_limit = 0;  // store 4 stays empty until store 3 is deleted
  Open(4, opts);
  MakeRegions(3, {3, 1, 2});  // store 3 leads every region
  RunUntilQuiet();            // PD learns the regions; leader balance spreads leaders
  EXPECT_EQ(coord_->DeleteStore(99).status().code(), Status::Code::kNotFound);
  auto offline = coord_->DeleteStore(3);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  EXPECT_EQ(offline->state(), metapb::Offline);
  EXPECT_EQ(coord_->DeleteStore(3)->state(), metapb::Offline);  // idempotent
  EXPECT_EQ(coord_->TargetReplicas(), 3u);

  RunUntilQuiet();
  EXPECT_EQ(PeerCounts().count(3), 0u);
  for (const auto& [id, r] : regions_) EXPECT_EQ(VoterStores(id).size(), 3u);
  EXPECT_EQ(cluster_->GetStore(3)->store().state(), metapb::Tombstone);
  EXPECT_EQ(coord_->DeleteStore(3).status().code(), Status::Code::kAborted);
  // A tombstone may not come back.
  EXPECT_FALSE(cluster_->PutStore(Store(3)).ok());
  bool saw_offline_op = false;
  for (const auto& op : coord_->ListOperators(0)) {
    saw_offline_op |= op.desc == "replace-offline-replica";
  }
  EXPECT_TRUE(saw_offline_op);
}

TEST_F(CoordinatorTest, DeleteStoreRefusesWhenReplicasWouldHaveNowhereToGo) {
  Open(3);
  MakeRegions(1, {1, 2, 3});
  RunUntilQuiet();
  auto s = coord_->DeleteStore(2);
  EXPECT_EQ(s.status().code(), Status::Code::kAborted);
  EXPECT_NE(s.status().message().find("add a store first"), std::string::npos)
      << s.status().ToString();
  // An empty store goes straight to Tombstone.
  AddStore(4);
  auto empty = coord_->DeleteStore(4);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->state(), metapb::Tombstone);
}

TEST_F(CoordinatorTest, RestartedOfflineStoreStaysOffline) {
  Open(4);
  MakeRegions(1, {1, 2, 3});
  RunUntilQuiet();
  ASSERT_TRUE(coord_->DeleteStore(3).ok());
  ASSERT_TRUE(cluster_->PutStore(Store(3)).ok());  // the node restarts and registers again
  EXPECT_EQ(cluster_->GetStore(3)->store().state(), metapb::Offline);
}

TEST_F(CoordinatorTest, OperatorsTimeOutWithoutHeartbeatsAndAreRetried) {
  ScheduleOptions opts;
  opts.operator_timeout_ms = 5'000;
  Open(3, opts);
  uint64_t id = OnlyRegion();
  ignore_commands_ = true;  // the leader never carries the command out
  auto first = Heartbeat(id);
  ASSERT_TRUE(first.has_change_peer());
  clock_.Advance(5'000);
  coord_->Tick();
  EXPECT_EQ(coord_->GetOperator(id)->status, OpStatus::kRunning);
  clock_.Advance(1);
  coord_->Tick();
  auto op = coord_->GetOperator(id);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->status, OpStatus::kTimedOut);
  EXPECT_EQ(op->finished_ms, clock_.NowMs());
  // The next heartbeat starts over with a fresh operator (and a fresh peer id).
  auto again = Heartbeat(id);
  ASSERT_TRUE(again.has_change_peer());
  EXPECT_NE(again.change_peer().peer().id(), first.change_peer().peer().id());
  EXPECT_EQ(coord_->ListOperators(id).size(), 2u);
}

TEST_F(CoordinatorTest, BalanceSpreadsLeadersWithinTheLimit) {
  ScheduleOptions opts;
  opts.leader_schedule_limit = 2;
  opts.region_schedule_limit = 0;
  Open(3, opts);
  MakeRegions(9, {1, 2, 3});  // every leader on store 1
  RunUntilQuiet();
  EXPECT_EQ(LeaderCounts(), (std::map<uint64_t, int>{{1, 3}, {2, 3}, {3, 3}}));
  EXPECT_LE(max_running_leader_ops_, 2u);
  EXPECT_GE(max_running_leader_ops_, 1u);
  for (const auto& op : coord_->ListOperators(0)) EXPECT_EQ(op.desc, "balance-leader");
}

TEST_F(CoordinatorTest, BalanceMovesReplicasToANewStore) {
  ScheduleOptions opts;
  opts.region_schedule_limit = 3;
  Open(3, opts);
  MakeRegions(8, {1, 2, 3});
  RunUntilQuiet();
  AddStore(4);
  RunUntilQuiet();
  auto counts = PeerCounts();
  int lo = 1 << 30, hi = 0;
  for (uint64_t s = 1; s <= 4; ++s) {
    lo = std::min(lo, counts[s]);
    hi = std::max(hi, counts[s]);
  }
  EXPECT_LE(hi - lo, 1) << "replicas per store: " << counts[1] << " " << counts[2] << " "
                        << counts[3] << " " << counts[4];
  for (const auto& [id, r] : regions_) EXPECT_EQ(VoterStores(id).size(), 3u);
  EXPECT_LE(max_running_region_ops_, 3u);
  EXPECT_GE(max_running_region_ops_, 1u);
}

TEST_F(CoordinatorTest, AdminOperatorsAndTheirErrors) {
  ScheduleOptions opts;
  opts.leader_schedule_limit = 0;
  opts.region_schedule_limit = 0;
  Open(4, opts);
  MakeRegions(1, {1, 2, 3});
  uint64_t id = OnlyRegion();
  RunUntilQuiet();
  auto code = [&](brkvpb::OperatorType t, uint64_t region, uint64_t store) {
    return coord_->AddAdminOperator(t, region, store).status().code();
  };
  using C = Status::Code;
  EXPECT_EQ(code(brkvpb::OPERATOR_TRANSFER_LEADER, 999, 2), C::kNotFound);
  EXPECT_EQ(code(brkvpb::OPERATOR_TRANSFER_LEADER, id, 99), C::kNotFound);
  EXPECT_EQ(code(brkvpb::OPERATOR_TRANSFER_LEADER, id, 4), C::kInvalidArgument);  // no peer
  EXPECT_EQ(code(brkvpb::OPERATOR_TRANSFER_LEADER, id, 1), C::kAlreadyExists);
  EXPECT_EQ(code(brkvpb::OPERATOR_ADD_PEER, id, 2), C::kAlreadyExists);
  EXPECT_EQ(code(brkvpb::OPERATOR_REMOVE_PEER, id, 4), C::kInvalidArgument);
  EXPECT_EQ(code(brkvpb::OPERATOR_UNKNOWN, id, 4), C::kInvalidArgument);

  // transfer-leader
  auto tl = coord_->AddAdminOperator(brkvpb::OPERATOR_TRANSFER_LEADER, id, 2);
  ASSERT_TRUE(tl.ok()) << tl.status().ToString();
  EXPECT_EQ(tl->desc, "admin-transfer-leader");
  EXPECT_EQ(tl->kind, kOpKindAdmin);
  EXPECT_EQ(tl->timeout_ms, opts.leader_operator_timeout_ms);
  // A second admin operator on a busy region is refused.
  EXPECT_EQ(code(brkvpb::OPERATOR_ADD_PEER, id, 4), C::kAborted);
  RunUntilQuiet();
  EXPECT_EQ(regions_.at(id).leader.store_id(), 2u);

  // add-peer: a fourth voter; the replica checker then trims back to three.
  auto add = coord_->AddAdminOperator(brkvpb::OPERATOR_ADD_PEER, id, 4);
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  Round();
  Round();
  EXPECT_EQ(regions_.at(id).region.peers_size(), 4);
  RunUntilQuiet();
  EXPECT_EQ(regions_.at(id).region.peers_size(), 3);
  EXPECT_EQ(coord_->GetOperator(id)->desc, "remove-extra-replica");

  // remove-peer of the leader hands leadership over first; the checker then re-adds a replica.
  uint64_t leader_store = regions_.at(id).leader.store_id();
  auto rm = coord_->AddAdminOperator(brkvpb::OPERATOR_REMOVE_PEER, id, leader_store);
  ASSERT_TRUE(rm.ok()) << rm.status().ToString();
  ASSERT_EQ(rm->steps.size(), 2u);
  EXPECT_EQ(rm->steps[0].kind, StepKind::kTransferLeader);
  Round();
  Round();
  EXPECT_NE(regions_.at(id).leader.store_id(), leader_store);
  for (const auto& p : regions_.at(id).region.peers()) EXPECT_NE(p.store_id(), leader_store);
  RunUntilQuiet();
  EXPECT_EQ(regions_.at(id).region.peers_size(), 3);

  // A down store can neither lead nor take a replica.
  uint64_t follower = 0, missing = 0;
  for (uint64_t s = 1; s <= 4; ++s) {
    const metapb::Peer* p = nullptr;
    for (const auto& q : regions_.at(id).region.peers()) {
      if (q.store_id() == s) p = &q;
    }
    if (p == nullptr) missing = s;
    if (p != nullptr && p->id() != regions_.at(id).leader.id()) follower = s;
  }
  dead_ = {follower, missing};
  for (int i = 0; i < 12; ++i) {
    clock_.Advance(1000);
    StoreHeartbeats();
  }
  auto down = coord_->AddAdminOperator(brkvpb::OPERATOR_TRANSFER_LEADER, id, follower);
  EXPECT_EQ(down.status().code(), C::kUnavailable);
  EXPECT_NE(down.status().message().find("is down"), std::string::npos) << down.status().message();
  EXPECT_EQ(code(brkvpb::OPERATOR_ADD_PEER, id, missing), C::kUnavailable);
}

TEST_F(CoordinatorTest, AdminOperatorReplacesABalanceOperatorButNotARepair) {
  ScheduleOptions opts;
  opts.region_schedule_limit = 0;
  Open(3, opts);
  MakeRegions(4, {1, 2, 3});
  ignore_commands_ = true;
  Round();  // PD starts balance-leader operators, nobody carries them out
  uint64_t busy = 0;
  for (const auto& op : coord_->ListOperators(0)) {
    if (op.status == OpStatus::kRunning) busy = op.region_id;
  }
  ASSERT_NE(busy, 0u);
  auto add = coord_->AddAdminOperator(brkvpb::OPERATOR_TRANSFER_LEADER, busy,
                                      regions_.at(busy).region.peers(1).store_id());
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  auto ops = coord_->ListOperators(busy);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].desc, "admin-transfer-leader");
  EXPECT_EQ(ops[1].status, OpStatus::kReplaced);
}

TEST_F(CoordinatorTest, LeaderTransferToAStoreThatWentDownIsCancelledAndRepairFollows) {
  ScheduleOptions opts;
  opts.region_schedule_limit = 0;
  opts.replication.max_store_down_time_ms = 3'000;
  Open(4, opts);
  MakeRegions(1, {1, 2, 3});
  const uint64_t id = OnlyRegion();
  RunUntilQuiet();  // PD learns the region
  auto add = coord_->AddAdminOperator(brkvpb::OPERATOR_TRANSFER_LEADER, id, 3);
  ASSERT_TRUE(add.ok()) << add.status().ToString();
  // Store 3 dies before the transfer happened: the leader keeps refusing it.
  ignore_commands_ = true;
  dead_.insert(3);
  for (int i = 0; i < 9; ++i) {
    Round();
    ASSERT_EQ(coord_->GetOperator(id)->status, OpStatus::kRunning) << "second " << i;
  }
  // Once PD sees store 3 down, the transfer is given up at the next heartbeat (not after its
  // 30 s deadline), and the region's replica on it is replaced.
  clock_.Advance(2'000);
  Round();
  auto ops = coord_->ListOperators(id);
  ASSERT_GE(ops.size(), 1u);
  bool cancelled = false;
  for (const auto& op : ops) {
    cancelled |= op.desc == "admin-transfer-leader" && op.status == OpStatus::kCancelled;
  }
  EXPECT_TRUE(cancelled);
  ignore_commands_ = false;
  RunUntilQuiet();
  EXPECT_EQ(VoterStores(id), (std::vector<uint64_t>{1, 2, 4}));
}

TEST_F(CoordinatorTest, AdminOperatorWaitsForARepair) {
  Open(3);
  uint64_t id = OnlyRegion();
  ignore_commands_ = true;
  ASSERT_TRUE(Heartbeat(id).has_change_peer());  // add-replica runs
  auto add = coord_->AddAdminOperator(brkvpb::OPERATOR_ADD_PEER, id, 3);
  EXPECT_EQ(add.status().code(), Status::Code::kAborted);
  EXPECT_NE(add.status().message().find("add-replica"), std::string::npos)
      << add.status().message();
  // The only voter cannot be removed.
  EXPECT_EQ(coord_->AddAdminOperator(brkvpb::OPERATOR_REMOVE_PEER, id, 1).status().code(),
            Status::Code::kInvalidArgument);
}

TEST_F(CoordinatorTest, ScatterStartsOperatorsForMultiPeerRegionsAndDoesNotWait) {
  ScheduleOptions opts;
  opts.leader_schedule_limit = 0;
  opts.region_schedule_limit = 0;
  Open(4, opts);
  MakeRegions(4, {1, 2, 3});
  RunUntilQuiet();  // PD learns the regions; no balance
  RegionScheduler scheduler(cluster_.get(), /*stores=*/nullptr, {}, coord_.get());
  std::vector<uint64_t> ids;
  for (const auto& [id, r] : regions_) ids.push_back(id);
  ids.push_back(424242);  // unknown
  auto result = scheduler.ScatterRegions(ids);
  EXPECT_EQ(result.failed, std::vector<uint64_t>{424242});
  size_t running = 0;
  for (const auto& op : coord_->ListOperators(0)) {
    running += op.status == OpStatus::kRunning;
    EXPECT_EQ(op.desc, "scatter-region");
  }
  EXPECT_GE(running, 2u);
  // A region that runs an operator cannot be scattered again meanwhile.
  for (const auto& op : coord_->ListOperators(0)) {
    if (op.status != OpStatus::kRunning) continue;
    EXPECT_EQ(coord_->ScatterRegion(op.region_id).code(), Status::Code::kAborted);
    break;
  }
  RunUntilQuiet();
  auto peers = PeerCounts();
  EXPECT_GE(peers[4], 2);
  auto leaders = LeaderCounts();
  EXPECT_LT(leaders[1], 4);
  for (const auto& [id, r] : regions_) EXPECT_EQ(VoterStores(id).size(), 3u);
}

}  // namespace
}  // namespace brkv::pd
