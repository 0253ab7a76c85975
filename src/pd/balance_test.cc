#include "pd/balance.h"

#include <gtest/gtest.h>

namespace brkv::pd {
namespace {

// Region 9 with one voter per listed store (peer id = 10 * store), led by the first one.
RegionView Region(std::initializer_list<uint64_t> stores) {
  RegionView r;
  r.region.set_id(9);
  r.region.mutable_region_epoch()->set_conf_ver(5);
  r.region.mutable_region_epoch()->set_version(3);
  for (uint64_t s : stores) {
    auto* p = r.region.add_peers();
    p->set_id(10 * s);
    p->set_store_id(s);
  }
  r.leader = r.region.peers(0);
  return r;
}

// Stores 1..n with the given replica and leader counts.
std::vector<StoreView> Stores(std::vector<uint64_t> regions, std::vector<uint64_t> leaders) {
  std::vector<StoreView> v;
  for (size_t i = 0; i < regions.size(); ++i) {
    StoreView s;
    s.id = i + 1;
    s.region_count = regions[i];
    s.leader_count = leaders[i];
    v.push_back(s);
  }
  return v;
}

uint64_t next_id = 1000;
uint64_t Alloc() { return next_id++; }

TEST(BalanceTest, LeaderMovesToTheVoterWhoseStoreLeadsFewest) {
  auto stores = Stores({3, 3, 3}, {3, 1, 0});
  auto op = BalanceLeader(Region({1, 2, 3}), stores, StoreLoads::From(stores), 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "balance-leader");
  EXPECT_EQ(op->kind, kOpKindLeader);
  ASSERT_EQ(op->steps.size(), 1u);
  EXPECT_EQ(op->steps[0].kind, StepKind::kTransferLeader);
  EXPECT_EQ(op->steps[0].peer.store_id(), 3u);
}

TEST(BalanceTest, LeaderStaysWithinTolerance) {
  auto stores = Stores({3, 3, 3}, {2, 1, 1});
  EXPECT_FALSE(BalanceLeader(Region({1, 2, 3}), stores, StoreLoads::From(stores), 0));
}

TEST(BalanceTest, LeaderNeverGoesToAnUnhealthyPeerOrUnusableStore) {
  auto stores = Stores({3, 3, 3}, {3, 0, 0});
  stores[1].up = false;  // store 2 down
  RegionView r = Region({1, 2, 3});
  pdpb::PeerStats down;
  *down.mutable_peer() = r.region.peers(2);  // peer on store 3
  r.down_peers.push_back(down);
  EXPECT_FALSE(BalanceLeader(r, stores, StoreLoads::From(stores), 0));
}

TEST(BalanceTest, RegionMovesFromMostToLeastLoadedStore) {
  auto stores = Stores({5, 4, 4, 1}, {0, 0, 0, 0});
  auto op = BalanceRegion(Region({2, 1, 3}), stores, StoreLoads::From(stores), 3, Alloc, 0);
  ASSERT_TRUE(op);
  EXPECT_EQ(op->desc, "balance-region");
  // add learner on 4, promote, remove the replica on store 1 (no leadership change needed).
  ASSERT_EQ(op->steps.size(), 3u);
  EXPECT_EQ(op->steps[0].kind, StepKind::kAddLearner);
  EXPECT_EQ(op->steps[0].peer.store_id(), 4u);
  EXPECT_EQ(op->steps[1].kind, StepKind::kPromoteLearner);
  EXPECT_EQ(op->steps[2].kind, StepKind::kRemovePeer);
  EXPECT_EQ(op->steps[2].peer.store_id(), 1u);
}

TEST(BalanceTest, RegionMoveOfTheLeaderHandsLeadershipOverFirst) {
  auto stores = Stores({5, 4, 4, 1}, {3, 2, 0, 0});
  auto op = BalanceRegion(Region({1, 2, 3}), stores, StoreLoads::From(stores), 3, Alloc, 0);
  ASSERT_TRUE(op);
  ASSERT_EQ(op->steps.size(), 4u);
  EXPECT_EQ(op->steps[2].kind, StepKind::kTransferLeader);
  EXPECT_EQ(op->steps[2].peer.store_id(), 3u);  // the remaining voter leading fewest
  EXPECT_EQ(op->steps[3].kind, StepKind::kRemovePeer);
  EXPECT_EQ(op->steps[3].peer.store_id(), 1u);
}

TEST(BalanceTest, RegionBalanceOnlyTouchesFullyReplicatedHealthyRegions) {
  auto stores = Stores({5, 4, 4, 1}, {0, 0, 0, 0});
  auto loads = StoreLoads::From(stores);
  EXPECT_FALSE(BalanceRegion(Region({1, 2}), stores, loads, 3, Alloc, 0));  // under-replicated
  RegionView pending = Region({1, 2, 3});
  pending.pending_peers.push_back(pending.region.peers(1));
  EXPECT_FALSE(BalanceRegion(pending, stores, loads, 3, Alloc, 0));
  auto even = Stores({4, 4, 4, 3}, {0, 0, 0, 0});
  EXPECT_FALSE(BalanceRegion(Region({1, 2, 3}), even, StoreLoads::From(even), 3, Alloc, 0));
}

TEST(BalanceTest, InfluenceOfRunningOperatorsCountsTheirRemainingSteps) {
  auto stores = Stores({5, 4, 4, 1}, {2, 0, 0, 0});
  auto loads = StoreLoads::From(stores);
  auto op = BalanceRegion(Region({2, 1, 3}), stores, loads, 3, Alloc, 0);
  ASSERT_TRUE(op);
  loads.AddInfluence(*op, /*leader_store=*/2);
  EXPECT_EQ(loads.regions[4], 2);
  EXPECT_EQ(loads.regions[1], 4);
  Operator tl;
  tl.steps.push_back({StepKind::kTransferLeader, Region({3}).region.peers(0)});
  loads.AddInfluence(tl, /*leader_store=*/1);
  EXPECT_EQ(loads.leaders[1], 1);
  EXPECT_EQ(loads.leaders[3], 1);
  // Steps already carried out no longer count.
  tl.current = 1;
  auto before = loads.leaders;
  loads.AddInfluence(tl, 1);
  EXPECT_EQ(loads.leaders, before);
}

TEST(BalanceTest, ScatterMovesAPeerAndSpreadsLeadership) {
  // Fresh regions all on stores 1-3 and led from 1; store 4 is empty.
  auto stores = Stores({6, 6, 6, 0}, {6, 0, 0, 0});
  auto planned = PlanScatter(Region({1, 2, 3}), stores, StoreLoads::From(stores), Alloc, 0);
  ASSERT_TRUE(planned.ok()) << planned.status().ToString();
  ASSERT_TRUE(*planned);
  const Operator& op = **planned;
  EXPECT_EQ(op.desc, "scatter-region");
  // The replica on store 3 (most loaded, highest id) moves to store 4; then leadership goes to
  // a store leading fewer regions.
  ASSERT_EQ(op.steps.size(), 4u);
  EXPECT_EQ(op.steps[0].peer.store_id(), 4u);
  EXPECT_EQ(op.steps[2].kind, StepKind::kRemovePeer);
  EXPECT_EQ(op.steps[2].peer.store_id(), 3u);
  EXPECT_EQ(op.steps[3].kind, StepKind::kTransferLeader);
  EXPECT_EQ(op.steps[3].peer.store_id(), 2u);
}

TEST(BalanceTest, ScatterOfAWellPlacedRegionDoesNothing) {
  auto stores = Stores({2, 2, 2}, {1, 1, 0});
  auto planned = PlanScatter(Region({1, 2, 3}), stores, StoreLoads::From(stores), Alloc, 0);
  ASSERT_TRUE(planned.ok());
  EXPECT_FALSE(*planned);
  RegionView learner = Region({1, 2, 3});
  learner.region.mutable_peers(2)->set_role(metapb::Learner);
  EXPECT_EQ(PlanScatter(learner, stores, StoreLoads::From(stores), Alloc, 0).status().code(),
            Status::Code::kUnavailable);
}

}  // namespace
}  // namespace brkv::pd
