// RaftStore in process: 3 (or more) stores with real RocksDB, messages through queues that can
// be cut. Replication, reads on the leader only, epoch checks at apply, split under load,
// membership change with learner catch-up by snapshot, leader transfer, a lagging replica
// caught up by snapshot after log compaction, stale replica cleanup, restart from disk.
#include "raftstore/store.h"

#include <gtest/gtest.h>

#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::Cluster;

TEST(RaftStoreTest, ReplicatesWritesToEveryReplica) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  ASSERT_NE(c.WaitLeader(1), 0u);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v" + std::to_string(i))));
  c.Tick(3);
  auto want = c.Disk(1).Data();
  ASSERT_EQ(want.size(), 50u);
  EXPECT_EQ(c.Disk(2).Data(), want);
  EXPECT_EQ(c.Disk(3).Data(), want);
  for (uint64_t s = 1; s <= 3; ++s) {
    auto p = c.Store(s).GetPeer(1);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->applied, c.Store(c.LeaderStore(1)).GetPeer(1)->applied) << "store " << s;
  }
}

TEST(RaftStoreTest, OneSyncedWritePerTurnHoweverManyRegionsWrite) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  // 20 regions, all led by the same store.
  raft_cmdpb::AdminRequest split;
  split.set_cmd_type(raft_cmdpb::BatchSplit);
  for (int i = 1; i < 20; ++i) {
    auto* s = split.mutable_splits()->add_requests();
    s->set_split_key(K(i * 10));
    s->set_new_region_id(100 + i);
    for (int k = 0; k < 3; ++k) s->add_new_peer_ids(1000 + i * 10 + k);
  }
  ASSERT_TRUE(Ok(c.Admin(1, split)));
  c.Tick(30);
  std::vector<uint64_t> regions = {1};
  for (int i = 1; i < 20; ++i) regions.push_back(100 + i);
  for (uint64_t r : regions) {
    raft_cmdpb::AdminRequest t;
    t.set_cmd_type(raft_cmdpb::TransferLeader);
    auto info = c.Store(c.LeaderStore(r)).GetPeer(r);
    const metapb::Peer* target = nullptr;
    for (const auto& p : info->region.peers()) {
      if (p.store_id() == l) target = &p;
    }
    ASSERT_NE(target, nullptr);
    *t.mutable_transfer_leader()->mutable_peer() = *target;
    (void)c.Admin(r, t);
  }
  c.Tick(5);
  for (uint64_t r : regions) ASSERT_EQ(c.LeaderStore(r), l) << "region " << r;
  // One write to each region, all queued before the leader's next turn.
  auto before = c.Store(l).stats();
  for (uint64_t r : regions) {
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(r);
    *req.mutable_header()->mutable_region_epoch() = c.Store(l).GetPeer(r)->region.region_epoch();
    auto* p = req.add_requests();
    p->set_cmd_type(raft_cmdpb::Put);
    p->mutable_put()->set_key(c.Store(l).GetPeer(r)->region.start_key() + "0");
    p->mutable_put()->set_value("v");
    c.Store(l).Propose(req, [](const raft_cmdpb::RaftCmdResponse&) {});
  }
  ASSERT_TRUE(c.Store(l).RunOnce());
  auto after = c.Store(l).stats();
  EXPECT_EQ(after.readies - before.readies, regions.size());
  EXPECT_EQ(after.entries_persisted - before.entries_persisted, regions.size());
  EXPECT_EQ(after.raft_writes - before.raft_writes, 1u);    // all 20 regions, one write
  EXPECT_EQ(after.synced_writes - before.synced_writes, 1u);  // one fsync
  EXPECT_EQ(after.transport_sends - before.transport_sends, 1u);
}

TEST(RaftStoreTest, FollowerRefusesWithTheLeaderAndReadsNeedTheLeader) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  ASSERT_NE(l, 0u);
  uint64_t f = l == 1 ? 2 : 1;
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(1);
  auto* r = req.add_requests();
  r->set_cmd_type(raft_cmdpb::Put);
  r->mutable_put()->set_key("a");
  auto resp = c.Call(req, f);
  ASSERT_TRUE(resp.header().error().has_not_leader());
  EXPECT_EQ(resp.header().error().not_leader().leader().store_id(), l);

  auto read = [&](uint64_t store) {
    bool done = false, ok = false;
    auto epoch = c.Store(store).GetPeer(1)->region.region_epoch();
    c.Store(store).Read(1, epoch, [&](const errorpb::Error* e, const metapb::Region&, uint64_t) {
      done = true;
      ok = e == nullptr;
    });
    for (int i = 0; i < 50 && !done; ++i) c.Tick();
    EXPECT_TRUE(done);
    return ok;
  };
  EXPECT_TRUE(read(l));
  EXPECT_FALSE(read(f));
}

TEST(RaftStoreTest, IsolatedLeaderServesNoReadAndMajorityMovesOn) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  ASSERT_TRUE(Ok(c.Put(1, "a", "1")));
  c.Isolate(l);
  bool done = false, ok = false;
  c.Store(l).Read(1, c.Store(l).GetPeer(1)->region.region_epoch(),
                  [&](const errorpb::Error* e, const metapb::Region&, uint64_t) {
                    done = true;
                    ok = e == nullptr;
                  });
  c.Tick(60);
  EXPECT_FALSE(ok);  // refused (NotLeader once it stepped down) or still waiting
  uint64_t nl = 0;
  for (uint64_t s = 1; s <= 3; ++s) {
    if (s == l) continue;
    auto p = c.Store(s).GetPeer(1);
    if (p->role == raft::StateRole::kLeader) nl = s;
  }
  ASSERT_NE(nl, 0u);
  ASSERT_TRUE(Ok(c.Call([] {
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(1);
    auto* r = req.add_requests();
    r->set_cmd_type(raft_cmdpb::Put);
    r->mutable_put()->set_key("b");
    r->mutable_put()->set_value("2");
    return req;
  }(), nl)));
  c.Heal();
  c.Tick(10);
  EXPECT_EQ(c.Disk(l).Data(), c.Disk(nl).Data());
  EXPECT_EQ(c.Disk(l).Data().count("b"), 1u);
  (void)done;
}

TEST(RaftStoreTest, PausedLeaderThatWakesUpServesNoStaleRead) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  ASSERT_TRUE(Ok(c.Put(1, "a", "1")));
  c.Pause(l);  // like SIGSTOP: it still believes it leads
  uint64_t nl = 0;
  for (int i = 0; i < 100 && !nl; ++i) {
    c.Tick();
    for (uint64_t s = 1; s <= 3; ++s) {
      if (s != l && c.Store(s).GetPeer(1)->role == raft::StateRole::kLeader) nl = s;
    }
  }
  ASSERT_NE(nl, 0u);
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(1);
  auto* r = req.add_requests();
  r->set_cmd_type(raft_cmdpb::Put);
  r->mutable_put()->set_key("b");
  r->mutable_put()->set_value("2");
  ASSERT_TRUE(Ok(c.Call(req, nl)));
  // The old leader wakes up and is asked to read before it hears from anyone.
  ASSERT_EQ(c.Store(l).GetPeer(1)->role, raft::StateRole::kLeader);
  bool done = false, saw_b = false;
  c.Store(l).Read(1, c.Store(l).GetPeer(1)->region.region_epoch(),
                  [&](const errorpb::Error* e, const metapb::Region&, uint64_t) {
                    done = true;
                    if (!e) saw_b = c.Disk(l).Data().count("b") > 0;
                    else saw_b = true;  // refused: fine
                  });
  c.Store(l).RunOnce();  // the read is handled before any news reaches the old leader
  c.Resume();
  c.Tick(20);
  EXPECT_TRUE(done);
  EXPECT_TRUE(saw_b) << "a deposed leader served a read that missed an acknowledged write";
}

TEST(RaftStoreTest, EpochAndRangeAreCheckedAtProposeAndApply) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  c.WaitLeader(1);
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(1);
  req.mutable_header()->mutable_region_epoch()->set_conf_ver(1);
  req.mutable_header()->mutable_region_epoch()->set_version(0);  // stale
  auto* r = req.add_requests();
  r->set_cmd_type(raft_cmdpb::Put);
  r->mutable_put()->set_key("a");
  auto resp = c.Call(req);
  EXPECT_TRUE(resp.header().error().has_epoch_not_match());
  // Split, then a write for the right half sent to the left region is refused.
  raft_cmdpb::AdminRequest split;
  split.set_cmd_type(raft_cmdpb::BatchSplit);
  auto* s = split.mutable_splits()->add_requests();
  s->set_split_key("m");
  s->set_new_region_id(100);
  s->add_new_peer_ids(101);
  s->add_new_peer_ids(102);
  s->add_new_peer_ids(103);
  ASSERT_TRUE(Ok(c.Admin(1, split)));
  resp = c.Put(1, "x", "1");
  EXPECT_TRUE(resp.header().error().has_key_not_in_region());
}

TEST(RaftStoreTest, SplitUnderLoadKeepsEveryReplicaEqual) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  c.WaitLeader(1);
  uint64_t next_region = 100, next_peer = 1000;
  std::map<std::string, uint64_t> region_of_start = {{"", 1}};
  int written = 0;
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 30; ++i, ++written) {
      std::string key = K((written * 7919) % 1000);
      // Route to the region covering the key.
      auto it = region_of_start.upper_bound(key);
      --it;
      ASSERT_TRUE(Ok(c.Put(it->second, key, "v" + std::to_string(written)))) << key;
    }
    // Split the region holding K(round * 150 + 75).
    std::string sk = K(round * 150 + 75);
    auto it = region_of_start.upper_bound(sk);
    --it;
    raft_cmdpb::AdminRequest split;
    split.set_cmd_type(raft_cmdpb::BatchSplit);
    auto* s = split.mutable_splits()->add_requests();
    s->set_split_key(sk);
    s->set_new_region_id(next_region);
    for (int k = 0; k < 3; ++k) s->add_new_peer_ids(next_peer++);
    auto resp = c.Admin(it->second, split);
    ASSERT_TRUE(Ok(resp)) << resp.header().error().message();
    region_of_start[sk] = next_region++;
  }
  c.Tick(20);
  EXPECT_EQ(c.Store(1).Peers().size(), 7u);
  for (uint64_t s = 2; s <= 3; ++s) {
    EXPECT_EQ(c.Store(s).Peers().size(), 7u);
    EXPECT_EQ(c.Disk(s).Data(), c.Disk(1).Data()) << "store " << s;
  }
  // Every region has a leader and the versions rose with each split.
  for (auto& [start, rid] : region_of_start) {
    EXPECT_NE(c.WaitLeader(rid), 0u) << "region " << rid;
  }
}

TEST(RaftStoreTest, LeaderTransfer) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t t = l % 3 + 1;
  raft_cmdpb::AdminRequest a;
  a.set_cmd_type(raft_cmdpb::TransferLeader);
  a.mutable_transfer_leader()->mutable_peer()->set_id(t);
  a.mutable_transfer_leader()->mutable_peer()->set_store_id(t);
  ASSERT_TRUE(Ok(c.Admin(1, a)));
  c.Pump();
  EXPECT_EQ(c.LeaderStore(1), t);
  ASSERT_TRUE(Ok(c.Put(1, "after", "transfer")));
}

TEST(RaftStoreTest, TransferToAFarBehindFollowerIsRefused) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t lag = l == 3 ? 2 : 3;
  c.Isolate(lag);
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));
  raft_cmdpb::AdminRequest a;
  a.set_cmd_type(raft_cmdpb::TransferLeader);
  a.mutable_transfer_leader()->mutable_peer()->set_id(lag);
  a.mutable_transfer_leader()->mutable_peer()->set_store_id(lag);
  auto r = c.Admin(1, a);
  ASSERT_TRUE(r.header().has_error());
  EXPECT_NE(r.header().error().message().find("entries behind"), std::string::npos)
      << r.header().error().message();
  EXPECT_EQ(c.LeaderStore(1), l);
  c.Heal();
  c.Tick(5);
  EXPECT_TRUE(Ok(c.Admin(1, a)));  // caught up: now it may lead
  c.Pump();
  EXPECT_EQ(c.LeaderStore(1), lag);
}

TEST(RaftStoreTest, AddLearnerPromoteAndRemoveMovesTheReplica) {
  Cluster c(4);
  c.Bootstrap({1, 2, 3});
  c.WaitLeader(1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));
  auto conf_ver = [&] { return c.Store(c.LeaderStore(1)).GetPeer(1)->region.region_epoch().conf_ver(); };
  uint64_t cv0 = conf_ver();
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::AddLearnerNode, 4, 4)));
  EXPECT_EQ(conf_ver(), cv0 + 1);
  c.Tick(10);
  ASSERT_TRUE(c.Store(4).GetPeer(1));
  EXPECT_EQ(c.Disk(4).Data(), c.Disk(1).Data());  // caught up by snapshot
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::AddNode, 4, 4)));
  EXPECT_EQ(conf_ver(), cv0 + 2);
  uint64_t victim = c.LeaderStore(1) == 3 ? 2 : 3;
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::RemoveNode, victim, victim)));
  EXPECT_EQ(conf_ver(), cv0 + 3);
  c.Tick(10);
  EXPECT_FALSE(c.Store(victim).GetPeer(1));       // the removed replica destroyed itself
  EXPECT_TRUE(c.Disk(victim).Data().empty());     // and its data
  ASSERT_TRUE(Ok(c.Put(1, "new", "member")));
  c.Tick(3);
  EXPECT_EQ(c.Disk(4).Data(), c.Disk(c.LeaderStore(1)).Data());
}

TEST(RaftStoreTest, BadMembershipChangesAreRefused) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  c.WaitLeader(1);
  // A second replica on a store that has one.
  auto r = c.ChangePeer(1, eraftpb::AddNode, 99, 2);
  EXPECT_TRUE(r.header().has_error());
  // Removing a peer that is not there.
  r = c.ChangePeer(1, eraftpb::RemoveNode, 77, 7);
  EXPECT_TRUE(r.header().has_error());
}

TEST(RaftStoreTest, LaggingReplicaCatchesUpBySnapshotAfterLogCompaction) {
  Cluster c(3, /*gc_limit=*/20);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t lag = l == 3 ? 2 : 3;
  c.Isolate(lag);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));
  auto lp = c.Store(l).GetPeer(1);
  EXPECT_GT(lp->first_index, c.Store(lag).GetPeer(1)->last_index + 1);  // log was compacted
  c.Heal();
  c.Tick(20);
  EXPECT_EQ(c.Disk(lag).Data(), c.Disk(l).Data());
  EXPECT_EQ(c.Disk(lag).Data().size(), 100u);
}

TEST(RaftStoreTest, RemovedReplicaThatMissedItsRemovalIsCleanedUp) {
  Cluster c(4);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t victim = l == 3 ? 2 : 3;
  ASSERT_TRUE(Ok(c.Put(1, "a", "1")));
  c.Isolate(victim);
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::AddNode, 4, 4)));
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::RemoveNode, victim, victim)));
  ASSERT_TRUE(c.Store(victim).GetPeer(1));  // it never heard
  c.Heal();
  c.Tick(60);  // its pre-votes reach the others, which tell it it is gone
  EXPECT_FALSE(c.Store(victim).GetPeer(1));
  EXPECT_TRUE(c.Disk(victim).Data().empty());
  ASSERT_TRUE(Ok(c.Put(1, "b", "2")));
}

TEST(RaftStoreTest, LeaderReportsDownAndPendingPeersForPd) {
  Cluster c(3, /*gc_limit=*/20, [](uint64_t, StoreOptions& o) { o.down_after_ticks = 30; });
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t gone = l == 3 ? 2 : 3;
  c.Tick(5);
  auto info = c.Store(l).GetPeer(1);
  EXPECT_TRUE(info->down_peers.empty());
  EXPECT_TRUE(info->pending_peers.empty());
  c.StopStore(gone);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));  // its log gets compacted
  c.Tick(40);
  info = c.Store(l).GetPeer(1);
  ASSERT_EQ(info->down_peers.size(), 1u);
  EXPECT_EQ(info->down_peers[0].first.store_id(), gone);
  EXPECT_GE(info->down_peers[0].second, 30u);
  ASSERT_EQ(info->pending_peers.size(), 1u);  // it will need a snapshot
  EXPECT_EQ(info->pending_peers[0].store_id(), gone);
  c.StartStore(gone);
  c.Tick(20);
  info = c.Store(l).GetPeer(1);
  EXPECT_TRUE(info->down_peers.empty());
  EXPECT_TRUE(info->pending_peers.empty());
  EXPECT_EQ(c.Disk(gone).Data(), c.Disk(l).Data());
}

TEST(RaftStoreTest, StoresRestartFromDisk) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  c.WaitLeader(1);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));
  for (uint64_t s = 1; s <= 3; ++s) c.RestartStore(s);
  ASSERT_NE(c.WaitLeader(1), 0u);
  ASSERT_TRUE(Ok(c.Put(1, "after", "restart")));
  c.Tick(3);
  for (uint64_t s = 1; s <= 3; ++s) EXPECT_EQ(c.Disk(s).Data().size(), 11u) << s;
}

TEST(RaftStoreTest, OneStoreDownWritesGoOn) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  ASSERT_TRUE(Ok(c.Put(1, "a", "1")));
  c.StopStore(l);
  uint64_t nl = c.WaitLeader(1);
  ASSERT_NE(nl, 0u);
  ASSERT_NE(nl, l);
  ASSERT_TRUE(Ok(c.Put(1, "b", "2")));
  c.StartStore(l);
  c.Tick(10);
  EXPECT_EQ(c.Disk(l).Data(), c.Disk(nl).Data());
}

}  // namespace
}  // namespace brkv::raftstore
