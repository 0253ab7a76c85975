#include "pd/replica_checker.h"

#include <gtest/gtest.h>

namespace brkv::pd {
namespace {

RegionView Region(std::initializer_list<std::pair<uint64_t, uint64_t>> peers, uint64_t leader,
                  std::initializer_list<uint64_t> learners = {}) {
  RegionView r;
  r.region.set_id(7);
  r.region.mutable_region_epoch()->set_conf_ver(3);
  r.region.mutable_region_epoch()->set_version(2);
  for (auto [id, store] : peers) {
    auto* p = r.region.add_peers();
    p->set_id(id);
    p->set_store_id(store);
    for (uint64_t l : learners) {
      if (l == id) p->set_role(metapb::Learner);
    }
    if (id == leader) r.leader = *p;
  }
  return r;
}

std::vector<StoreView> Stores(int n) {
  std::vector<StoreView> v;
  for (int i = 1; i <= n; ++i) {
    StoreView s;
    s.id = static_cast<uint64_t>(i);
    s.region_count = 10;
    v.push_back(s);
  }
  return v;
}

uint64_t g_next = 100;
uint64_t Alloc() { return g_next++; }

TEST(ReplicaCheckerTest, HealthyRegionNeedsNothing) {
  auto op = CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}}, 1), Stores(3), {}, Alloc, 0);
  EXPECT_FALSE(op.has_value());
}

TEST(ReplicaCheckerTest, SingleStoreClusterRunsWithOneReplica) {
  auto stores = Stores(1);
  EXPECT_EQ(TargetReplicas(stores, {}), 1u);
  EXPECT_FALSE(CheckReplicas(Region({{1, 1}}, 1), stores, {}, Alloc, 0).has_value());
}

TEST(ReplicaCheckerTest, MissingReplicaIsAddedAsLearnerThenPromotedOnLeastLoadedStore) {
  auto stores = Stores(4);
  stores[2].region_count = 50;  // store 3
  stores[3].region_count = 5;   // store 4
  auto op = CheckReplicas(Region({{1, 1}, {2, 2}}, 1), stores, {}, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "add-replica");
  ASSERT_EQ(op->steps.size(), 2u);
  EXPECT_EQ(op->steps[0].kind, StepKind::kAddLearner);
  EXPECT_EQ(op->steps[0].peer.store_id(), 4u);
  EXPECT_EQ(op->steps[1].kind, StepKind::kPromoteLearner);
  EXPECT_EQ(op->steps[1].peer.id(), op->steps[0].peer.id());
}

TEST(ReplicaCheckerTest, StoreDownBrieflyIsLeftAlone) {
  auto stores = Stores(4);
  stores[2].up = false;
  stores[2].down_ms = 60 * 1000;  // a minute: below max-store-down-time
  EXPECT_FALSE(CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}}, 1), stores, {}, Alloc, 0));
}

TEST(ReplicaCheckerTest, StoreDownTooLongHasItsReplicaReplaced) {
  auto stores = Stores(4);
  stores[2].up = false;
  stores[2].down_ms = 31 * 60 * 1000;
  auto op = CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}}, 1), stores, {}, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "replace-down-replica");
  ASSERT_EQ(op->steps.size(), 3u);
  EXPECT_EQ(op->steps[0].peer.store_id(), 4u);
  EXPECT_EQ(op->steps[2].kind, StepKind::kRemovePeer);
  EXPECT_EQ(op->steps[2].peer.id(), 3u);
}

TEST(ReplicaCheckerTest, DownTimeIsConfigurableForTests) {
  auto stores = Stores(4);
  stores[2].up = false;
  stores[2].down_ms = 3000;
  ReplicaConfig cfg;
  cfg.max_store_down_time_ms = 2000;
  EXPECT_TRUE(CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}}, 1), stores, cfg, Alloc, 0));
}

TEST(ReplicaCheckerTest, ReplacingTheLeadersReplicaMovesLeadershipFirst) {
  auto stores = Stores(4);
  stores[0].offline = true;  // store 1 is being deleted
  auto op = CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}}, 1), stores, {}, Alloc, 0);
  ASSERT_TRUE(op);
  ASSERT_EQ(op->steps.size(), 4u);
  EXPECT_EQ(op->steps[2].kind, StepKind::kTransferLeader);
  EXPECT_NE(op->steps[2].peer.id(), 1u);
  EXPECT_EQ(op->steps[3].kind, StepKind::kRemovePeer);
}

TEST(ReplicaCheckerTest, NowhereToMoveKeepsTheReplica) {
  auto stores = Stores(3);
  stores[2].up = false;
  stores[2].down_ms = 31 * 60 * 1000;
  // No fourth store: the region keeps its quorum with the dead copy; shrinking would not help.
  EXPECT_FALSE(CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}}, 1), stores, {}, Alloc, 0));
}

TEST(ReplicaCheckerTest, ExtraReplicaIsRemovedFromTheMostLoadedStore) {
  auto stores = Stores(4);
  stores[1].region_count = 99;  // store 2
  auto op = CheckReplicas(Region({{1, 1}, {2, 2}, {3, 3}, {4, 4}}, 1), stores, {}, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "remove-extra-replica");
  EXPECT_EQ(op->steps.back().peer.id(), 2u);
}

TEST(ReplicaCheckerTest, LeftoverLearnerIsPromoted) {
  auto op = CheckReplicas(Region({{1, 1}, {2, 2}, {5, 3}}, 1, {5}), Stores(3), {}, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "promote-learner");
}

TEST(OperatorTest, StepsCompleteAsHeartbeatsShowThem) {
  auto stores = Stores(4);
  stores[2].up = false;
  stores[2].down_ms = 31 * 60 * 1000;
  RegionView r = Region({{1, 1}, {2, 2}, {3, 3}}, 1);
  auto op = CheckReplicas(r, stores, {}, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->Update(r.region, r.leader, 1), OpStatus::kRunning);
  auto cmd = op->NextCommand(r.region, r.leader);
  ASSERT_TRUE(cmd.has_change_peer());
  EXPECT_EQ(cmd.change_peer().change_type(), eraftpb::AddLearnerNode);
  // The leader added the learner: conf_ver + 1.
  metapb::Peer learner = cmd.change_peer().peer();
  *r.region.add_peers() = learner;
  r.region.mutable_region_epoch()->set_conf_ver(4);
  EXPECT_EQ(op->Update(r.region, r.leader, 2), OpStatus::kRunning);
  cmd = op->NextCommand(r.region, r.leader);
  EXPECT_EQ(cmd.change_peer().change_type(), eraftpb::AddNode);
  r.region.mutable_peers(3)->set_role(metapb::Voter);
  r.region.mutable_region_epoch()->set_conf_ver(5);
  EXPECT_EQ(op->Update(r.region, r.leader, 3), OpStatus::kRunning);
  cmd = op->NextCommand(r.region, r.leader);
  EXPECT_EQ(cmd.change_peer().change_type(), eraftpb::RemoveNode);
  EXPECT_EQ(cmd.change_peer().peer().id(), 3u);
  r.region.mutable_peers()->erase(r.region.mutable_peers()->begin() + 2);
  r.region.mutable_region_epoch()->set_conf_ver(6);
  EXPECT_EQ(op->Update(r.region, r.leader, 4), OpStatus::kFinished);
}

TEST(OperatorTest, TimesOutAndIsCancelledBySplits) {
  RegionView r = Region({{1, 1}, {2, 2}}, 1);
  auto op = CheckReplicas(r, Stores(3), {}, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->Update(r.region, r.leader, op->timeout_ms + 1), OpStatus::kTimedOut);
  auto op2 = CheckReplicas(r, Stores(3), {}, Alloc, 0);
  r.region.mutable_region_epoch()->set_version(3);
  EXPECT_EQ(op2->Update(r.region, r.leader, 1), OpStatus::kCancelled);
}

}  // namespace
}  // namespace brkv::pd
