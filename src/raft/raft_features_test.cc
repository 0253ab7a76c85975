// Features beyond the paper's core: pre-vote, check-quorum, leader transfer, ReadIndex,
// single-step membership changes with learners, log compaction and snapshots, restart.
#include <gtest/gtest.h>

#include "raft/raft_test_util.h"

namespace brkv::raft {
namespace {

using test::Network;

uint64_t LeaderOf(Network& net) {
  for (auto& [id, tn] : net.nodes()) {
    if (tn.raft().state() == StateRole::kLeader) return id;
  }
  return kNone;
}

eraftpb::ConfChange CC(eraftpb::ConfChangeType t, uint64_t id) {
  eraftpb::ConfChange cc;
  cc.set_change_type(t);
  cc.set_node_id(id);
  return cc;
}

TEST(RaftPreVoteTest, RejoiningPartitionedNodeDoesNotDisruptTheLeader) {
  Network net(3);
  net.Campaign(1);
  uint64_t term = net.R(1).term();
  net.Isolate(3);
  // Node 3 times out again and again, but only pre-campaigns: its term does not move.
  for (int i = 0; i < 100; ++i) {
    net.Node(3).node->Tick();
    net.Stabilize();
  }
  EXPECT_EQ(net.R(3).term(), term);
  EXPECT_EQ(net.R(3).state(), StateRole::kPreCandidate);
  net.Recover();
  net.TickAll(5);
  EXPECT_EQ(net.R(1).state(), StateRole::kLeader);
  EXPECT_EQ(net.R(1).term(), term);
  EXPECT_EQ(net.R(3).lead(), 1u);
}

TEST(RaftPreVoteTest, WithoutPreVoteARejoiningNodeInflatesTheTerm) {
  // The contrast that shows what pre-vote buys (check-quorum still protects the leader).
  Network net(3, [](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;
  });
  net.Campaign(1);
  uint64_t term = net.R(1).term();
  net.Isolate(3);
  for (int i = 0; i < 100; ++i) {
    net.Node(3).node->Tick();
    net.Stabilize();
  }
  EXPECT_GT(net.R(3).term(), term + 2);
}

TEST(RaftCheckQuorumTest, IsolatedLeaderStepsDownAndMajorityElectsAnother) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(1);
  // Within two election timeouts the old leader notices it lost its quorum...
  for (int i = 0; i < 25; ++i) {
    net.Node(1).node->Tick();
    net.Stabilize();
  }
  EXPECT_NE(net.R(1).state(), StateRole::kLeader);
  // ...and the others elect a new leader.
  net.TickAll(40);
  uint64_t l = LeaderOf(net);
  EXPECT_TRUE(l == 2 || l == 3) << l;
  // After healing, the old leader's uncommitted proposals are gone and it follows.
  net.Recover();
  net.TickAll(10);
  EXPECT_EQ(net.R(1).lead(), l);
}

TEST(RaftCheckQuorumTest, FollowerInLeaseIgnoresVoteRequests) {
  Network net(3);
  net.Campaign(1);
  uint64_t term = net.R(1).term();
  eraftpb::Message m;
  m.set_from(3);
  m.set_to(2);
  m.set_msg_type(eraftpb::MsgRequestVote);
  m.set_term(term + 5);
  m.set_index(100);
  m.set_log_term(term + 4);
  net.Send(m);
  EXPECT_EQ(net.R(2).term(), term);
  EXPECT_EQ(net.R(2).lead(), 1u);
}

TEST(RaftTransferTest, ToUpToDateFollower) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Node(1).node->TransferLeader(2);
  net.Stabilize();
  EXPECT_EQ(net.R(2).state(), StateRole::kLeader);
  EXPECT_EQ(net.R(1).state(), StateRole::kFollower);
  EXPECT_EQ(net.R(1).lead(), 2u);
  ASSERT_TRUE(net.Propose(2, "b").ok());
  EXPECT_EQ(net.AppliedData(1), (std::vector<std::string>{"a", "b"}));
}

TEST(RaftTransferTest, ToLaggingFollowerCatchesItUpFirst) {
  Network net(3);
  net.Campaign(1);
  net.Cut(1, 3);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.Propose(1, "x" + std::to_string(i)).ok());
  EXPECT_LT(net.R(3).raft_log().LastIndex(), net.R(1).raft_log().LastIndex());
  net.Node(1).node->TransferLeader(3);
  net.Stabilize();
  EXPECT_EQ(net.R(1).lead_transferee(), 3u);
  // Proposals are refused while the transfer is in progress.
  EXPECT_TRUE(IsProposalDropped(net.Node(1).node->Propose("during")));
  net.Recover();
  net.TickAll(2);  // heartbeats reach 3, it catches up, then gets MsgTimeoutNow
  EXPECT_EQ(net.R(3).state(), StateRole::kLeader);
  EXPECT_EQ(net.AppliedData(3).size(), 5u);
}

TEST(RaftTransferTest, AbandonedAfterAnElectionTimeout) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(3);
  net.Node(1).node->TransferLeader(3);
  net.Stabilize();
  EXPECT_EQ(net.R(1).lead_transferee(), 3u);
  for (int i = 0; i < 10; ++i) {
    net.Node(1).node->Tick();
    net.Node(2).node->Tick();
    net.Stabilize();
  }
  EXPECT_EQ(net.R(1).lead_transferee(), kNone);
  EXPECT_EQ(net.R(1).state(), StateRole::kLeader);
  EXPECT_TRUE(net.Propose(1, "after").ok());
}

TEST(RaftTransferTest, ToALearnerIsIgnored) {
  Network net(3);
  net.AddNode(4, {});
  net.Campaign(1);
  ASSERT_TRUE(net.Node(1).node->ProposeConfChange(CC(eraftpb::AddLearnerNode, 4)).ok());
  net.Stabilize();
  ASSERT_TRUE(net.R(1).prs().IsLearner(4));
  net.Node(1).node->TransferLeader(4);
  net.Stabilize();
  EXPECT_EQ(net.R(1).lead_transferee(), kNone);
  EXPECT_EQ(net.R(1).state(), StateRole::kLeader);
}

TEST(RaftReadIndexTest, LeaderAndFollowerReadsReturnTheCommitIndex) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  uint64_t commit = net.R(1).raft_log().committed();
  // Read states are handed out in Readies; catch them with a direct Ready loop.
  net.Node(1).node->ReadIndex("ctx1");
  net.Node(2).node->ReadIndex("ctx2");
  std::map<std::string, uint64_t> got;
  for (int round = 0; round < 10; ++round) {
    for (uint64_t id : {1, 2, 3}) {
      auto& tn = net.Node(id);
      while (tn.node->HasReady()) {
        Ready rd = tn.node->GetReady();
        (void)tn.storage->Append(rd.entries);
        if (rd.hard_state) tn.storage->SetHardState(*rd.hard_state);
        for (auto& rs : rd.read_states) got[rs.request_ctx] = rs.index;
        for (auto& m : rd.messages) (void)net.Node(m.to()).node->Step(m);
        tn.node->Advance(rd);
      }
    }
  }
  ASSERT_EQ(got.count("ctx1"), 1u);
  ASSERT_EQ(got.count("ctx2"), 1u);
  EXPECT_EQ(got["ctx1"], commit);
  EXPECT_EQ(got["ctx2"], commit);
}

TEST(RaftReadIndexTest, IsolatedLeaderServesNoRead) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(1);
  net.Node(1).node->ReadIndex("stale?");
  bool served = false;
  for (int i = 0; i < 30; ++i) {
    auto& tn = net.Node(1);
    tn.node->Tick();
    while (tn.node->HasReady()) {
      Ready rd = tn.node->GetReady();
      (void)tn.storage->Append(rd.entries);
      if (rd.hard_state) tn.storage->SetHardState(*rd.hard_state);
      if (!rd.read_states.empty()) served = true;
      tn.node->Advance(rd);
    }
  }
  EXPECT_FALSE(served);
}

TEST(RaftMembershipTest, AddLearnerThenPromoteThenRemove) {
  Network net(3);
  net.AddNode(4, {});  // an empty node: no log, no membership
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "before").ok());
  ASSERT_TRUE(net.Node(1).node->ProposeConfChange(CC(eraftpb::AddLearnerNode, 4)).ok());
  net.Stabilize();
  net.TickAll(2);
  EXPECT_TRUE(net.R(1).prs().IsLearner(4));
  EXPECT_EQ(net.AppliedData(4), (std::vector<std::string>{"before"}));
  EXPECT_FALSE(net.R(4).Promotable());  // a learner never campaigns
  ASSERT_TRUE(net.Node(1).node->ProposeConfChange(CC(eraftpb::AddNode, 4)).ok());
  net.Stabilize();
  EXPECT_TRUE(net.R(1).prs().IsVoter(4));
  EXPECT_EQ(net.R(1).prs().voters().size(), 4u);
  ASSERT_TRUE(net.Node(1).node->ProposeConfChange(CC(eraftpb::RemoveNode, 3)).ok());
  net.Stabilize();
  EXPECT_FALSE(net.R(1).prs().Contains(3));
  // With {1, 2, 4}, losing node 2 leaves a quorum of two.
  net.Isolate(2);
  ASSERT_TRUE(net.Propose(1, "after").ok());
  EXPECT_EQ(net.AppliedData(4), (std::vector<std::string>{"before", "after"}));
}

TEST(RaftMembershipTest, OnlyOnePendingChangeAtATime) {
  Network net(3);
  net.AddNode(4, {});
  net.AddNode(5, {});
  net.Campaign(1);
  net.Isolate(2);
  net.Isolate(3);  // nothing commits
  ASSERT_TRUE(net.Node(1).node->ProposeConfChange(CC(eraftpb::AddLearnerNode, 4)).ok());
  Status s = net.Node(1).node->ProposeConfChange(CC(eraftpb::AddLearnerNode, 5));
  EXPECT_TRUE(IsProposalDropped(s)) << s.ToString();
}

TEST(RaftMembershipTest, NewLeaderProposesNoChangeBeforeItsFirstEntryCommits) {
  Network net(3);
  net.AddNode(4, {});
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  // Node 1 wins a new term while cut off, so its empty entry of that term cannot commit.
  net.Isolate(1);
  net.R(1).BecomeFollower(net.R(1).term(), kNone);
  net.R(1).BecomeCandidate();
  net.R(1).BecomeLeader();
  Status s = net.Node(1).node->ProposeConfChange(CC(eraftpb::AddLearnerNode, 4));
  EXPECT_TRUE(IsProposalDropped(s)) << s.ToString();
  EXPECT_TRUE(net.Propose(1, "normal proposals are fine").ok());
}

TEST(RaftMembershipTest, RemovingTheLeaderHandsOver) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Node(1).node->ProposeConfChange(CC(eraftpb::RemoveNode, 1)).ok());
  net.Stabilize();
  EXPECT_NE(net.R(1).state(), StateRole::kLeader);
  net.Isolate(1);
  net.TickAll(40);
  uint64_t l = LeaderOf(net);
  ASSERT_TRUE(l == 2 || l == 3) << l;
  EXPECT_EQ(net.R(l).prs().voters().size(), 2u);
  EXPECT_TRUE(net.Propose(l, "ok").ok());
}

TEST(RaftMembershipTest, JointConsensusIsRefused) {
  Network net(3);
  net.Campaign(1);
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgPropose);
  m.set_from(1);
  m.add_entries()->set_entry_type(eraftpb::EntryConfChangeV2);
  Status s = net.R(1).Step(m);
  EXPECT_TRUE(IsProposalDropped(s));
}

TEST(RaftSnapshotTest, FollowerBehindACompactedLogCatchesUpBySnapshot) {
  Network net(3);
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(net.Propose(1, "v" + std::to_string(i)).ok());
  // Node 1 compacts its log; node 3 can no longer be caught up from entries.
  auto& l = net.Node(1);
  uint64_t applied = l.raft().raft_log().applied();
  std::string state;
  for (auto& e : l.applied) state += e.data() + ";";
  ASSERT_TRUE(l.storage->CreateSnapshot(applied, &l.conf_state, state).ok());
  ASSERT_TRUE(l.storage->Compact(applied).ok());
  net.Recover();
  net.TickAll(3);
  auto& f = net.Node(3);
  const Progress* pr = l.raft().prs().Get(3);
  ASSERT_NE(pr, nullptr);
  EXPECT_EQ(pr->match, l.raft().raft_log().LastIndex())
      << ProgressStateName(pr->state) << " next " << pr->next_idx << " active "
      << pr->recent_active << " pending " << pr->pending_snapshot;
  EXPECT_EQ(f.raft().raft_log().committed(), l.raft().raft_log().committed());
  EXPECT_EQ(f.storage->FirstIndex(), applied + 1);
  auto snap = f.storage->Snapshot(0);
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->data(), state);
  // And it keeps replicating after the snapshot.
  ASSERT_TRUE(net.Propose(1, "later").ok());
  ASSERT_FALSE(f.applied.empty());
  EXPECT_EQ(f.applied.back().data(), "later");
}

TEST(RaftSnapshotTest, StaleSnapshotIsIgnored) {
  Network net(3);
  net.Campaign(1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(net.Propose(1, "v").ok());
  uint64_t commit = net.R(2).raft_log().committed();
  eraftpb::Message m;
  m.set_from(1);
  m.set_to(2);
  m.set_msg_type(eraftpb::MsgSnapshot);
  m.set_term(net.R(1).term());
  m.mutable_snapshot()->mutable_metadata()->set_index(2);
  m.mutable_snapshot()->mutable_metadata()->set_term(1);
  m.mutable_snapshot()->mutable_metadata()->mutable_conf_state()->add_voters(1);
  net.Send(m);
  EXPECT_EQ(net.R(2).raft_log().committed(), commit);
  EXPECT_EQ(net.R(2).raft_log().LastIndex(), net.R(1).raft_log().LastIndex());
}

TEST(RaftRestartTest, NodeRestartsFromItsStorageWithTermVoteAndLog) {
  Network net(3);
  net.Campaign(1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(net.Propose(1, "v" + std::to_string(i)).ok());
  auto& tn = net.Node(2);
  uint64_t term = tn.raft().term(), vote = tn.raft().vote(), last = tn.raft().raft_log().LastIndex();
  uint64_t commit = tn.raft().raft_log().committed();
  auto n = RawNode::Create(test::TestConfig(2), tn.storage.get());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ((*n)->raft().term(), term);
  EXPECT_EQ((*n)->raft().vote(), vote);
  EXPECT_EQ((*n)->raft().raft_log().LastIndex(), last);
  EXPECT_EQ((*n)->raft().raft_log().committed(), commit);
  // Entries are handed out again for applying (the state machine was volatile).
  Ready rd = (*n)->GetReady();
  EXPECT_EQ(rd.committed_entries.size(), commit);
}

TEST(RaftRestartTest, RestartWithAppliedIndexSkipsAppliedEntries) {
  Network net(3);
  net.Campaign(1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(net.Propose(1, "v" + std::to_string(i)).ok());
  auto& tn = net.Node(2);
  Config c = test::TestConfig(2);
  c.applied = 2;
  auto n = RawNode::Create(c, tn.storage.get());
  ASSERT_TRUE(n.ok());
  Ready rd = (*n)->GetReady();
  ASSERT_FALSE(rd.committed_entries.empty());
  EXPECT_EQ(rd.committed_entries.front().index(), 3u);
}

TEST(RaftRestartTest, CorruptHardStateIsRefused) {
  auto storage = MemoryStorage::WithVoters({1, 2, 3});
  eraftpb::HardState hs;
  hs.set_term(3);
  hs.set_commit(10);  // beyond the (empty) log
  storage.SetHardState(hs);
  auto n = RawNode::Create(test::TestConfig(1), &storage);
  ASSERT_FALSE(n.ok());
  EXPECT_EQ(n.status().code(), Status::Code::kCorruption);
}

TEST(RaftConfigTest, InvalidConfigsAreRefused) {
  auto storage = MemoryStorage::WithVoters({1});
  Config c = test::TestConfig(0);
  EXPECT_FALSE(RawNode::Create(c, &storage).ok());
  c = test::TestConfig(1, /*election=*/2, /*heartbeat=*/2);
  EXPECT_FALSE(RawNode::Create(c, &storage).ok());
}

TEST(RaftStepTest, LocalMessagesFromTheNetworkAreRefused) {
  auto storage = MemoryStorage::WithVoters({1});
  auto n = RawNode::Create(test::TestConfig(1), &storage);
  ASSERT_TRUE(n.ok());
  eraftpb::Message m;
  m.set_msg_type(eraftpb::MsgHup);
  EXPECT_FALSE((*n)->Step(m).ok());
}

}  // namespace
}  // namespace brkv::raft
