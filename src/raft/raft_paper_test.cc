// The Raft paper's properties (§5), one test per rule: election, election safety, the voting
// restriction, log matching and repair, the commit rule for earlier-term entries (figure 8),
// and persistence before any reply.
#include <gtest/gtest.h>

#include "raft/raft_test_util.h"

namespace brkv::raft {
namespace {

using test::Network;

eraftpb::Entry Ent(uint64_t index, uint64_t term, const std::string& data = "") {
  eraftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data);
  return e;
}

eraftpb::Message Msg(uint64_t from, uint64_t to, eraftpb::MessageType t, uint64_t term) {
  eraftpb::Message m;
  m.set_from(from);
  m.set_to(to);
  m.set_msg_type(t);
  m.set_term(term);
  return m;
}

// Drains a standalone Raft's outgoing messages.
std::vector<eraftpb::Message> Take(Raft& r) {
  auto out = std::move(r.msgs);
  r.msgs.clear();
  return out;
}

TEST(RaftPaperTest, FollowerStartsElectionAfterTimeoutAndWins) {
  Network net(3);
  EXPECT_EQ(net.R(1).state(), StateRole::kFollower);
  net.Campaign(1);
  EXPECT_EQ(net.R(1).state(), StateRole::kLeader);
  EXPECT_EQ(net.R(2).state(), StateRole::kFollower);
  EXPECT_EQ(net.R(2).lead(), 1u);
  EXPECT_EQ(net.R(3).lead(), 1u);
  // Pre-vote does not raise the term; the real election raises it once.
  EXPECT_EQ(net.R(1).term(), 1u);
}

TEST(RaftPaperTest, ElectionTimeoutFiresWithinRandomizedRange) {
  // §5.2: election timeouts are randomized in [et, 2 * et).
  for (uint64_t id = 1; id <= 50; ++id) {
    auto storage = MemoryStorage::WithVoters({1, 2, 3});
    Config c = test::TestConfig(1);
    c.rand_seed = id;
    auto r = Raft::Create(c, &storage);
    ASSERT_TRUE(r.ok());
    int t = (*r)->randomized_election_timeout();
    EXPECT_GE(t, c.election_tick);
    EXPECT_LT(t, 2 * c.election_tick);
    int ticks = 0;
    while ((*r)->state() == StateRole::kFollower && ticks < 100) {
      (*r)->Tick();
      ++ticks;
    }
    EXPECT_EQ(ticks, t);
  }
}

TEST(RaftPaperTest, CandidateWithoutQuorumDoesNotWin) {
  Network net(5);
  net.Isolate(1);
  net.Cut(1, 2);
  net.Campaign(1);
  EXPECT_NE(net.R(1).state(), StateRole::kLeader);
}

TEST(RaftPaperTest, ElectionSafetyAtMostOneLeaderPerTerm) {
  // Two candidates in the same term (split vote) must not both win.
  Network net(5, [](Config& c) { c.pre_vote = false; });
  net.Cut(1, 3);
  net.Cut(1, 4);
  net.Cut(2, 5);
  net.Cut(1, 5);
  net.Node(1).node->Campaign();
  net.Node(2).node->Campaign();
  net.Stabilize();
  std::map<uint64_t, int> leaders_per_term;
  for (auto& [id, tn] : net.nodes()) {
    if (tn.raft().state() == StateRole::kLeader) leaders_per_term[tn.raft().term()]++;
  }
  for (auto& [term, n] : leaders_per_term) EXPECT_LE(n, 1) << "term " << term;
}

TEST(RaftPaperTest, VoterRejectsCandidateWithStaleLog) {
  // §5.4.1 election restriction: a vote is granted only to a log at least as up to date.
  struct Case {
    std::vector<eraftpb::Entry> ents;
    uint64_t log_term, index;
    bool reject;
  } cases[] = {
      {{Ent(1, 1)}, 1, 1, false},           // same log
      {{Ent(1, 1)}, 1, 2, false},           // longer, same last term
      {{Ent(1, 1), Ent(2, 1)}, 1, 1, true}, // shorter, same last term
      {{Ent(1, 1)}, 2, 1, false},           // higher last term
      {{Ent(1, 2)}, 1, 3, true},            // lower last term, longer
      {{Ent(1, 2)}, 3, 1, false},
  };
  for (const auto& tc : cases) {
    auto storage = MemoryStorage::WithVoters({1, 2});
    ASSERT_TRUE(storage.Append(tc.ents).ok());
    auto r = Raft::Create(test::TestConfig(1), &storage);
    ASSERT_TRUE(r.ok());
    auto m = Msg(2, 1, eraftpb::MsgRequestVote, 3);
    m.set_log_term(tc.log_term);
    m.set_index(tc.index);
    ASSERT_TRUE((*r)->Step(m).ok());
    auto out = Take(**r);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].msg_type(), eraftpb::MsgRequestVoteResponse);
    EXPECT_EQ(out[0].reject(), tc.reject) << tc.log_term << "/" << tc.index;
  }
}

TEST(RaftPaperTest, VotesAtMostOncePerTerm) {
  auto storage = MemoryStorage::WithVoters({1, 2, 3});
  auto r = Raft::Create(test::TestConfig(1), &storage);
  ASSERT_TRUE(r.ok());
  auto m = Msg(2, 1, eraftpb::MsgRequestVote, 1);
  ASSERT_TRUE((*r)->Step(m).ok());
  auto out = Take(**r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject());
  EXPECT_EQ((*r)->vote(), 2u);
  auto m3 = Msg(3, 1, eraftpb::MsgRequestVote, 1);
  ASSERT_TRUE((*r)->Step(m3).ok());
  out = Take(**r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
  // The same candidate asking again gets the same answer.
  ASSERT_TRUE((*r)->Step(m).ok());
  out = Take(**r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].reject());
}

TEST(RaftPaperTest, VoteIsPersistedInTheReadyThatCarriesTheResponse) {
  auto storage = MemoryStorage::WithVoters({1, 2, 3});
  auto n = RawNode::Create(test::TestConfig(1), &storage);
  ASSERT_TRUE(n.ok());
  auto m = Msg(2, 1, eraftpb::MsgRequestVote, 1);
  ASSERT_TRUE((*n)->Step(m).ok());
  Ready rd = (*n)->GetReady();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->vote(), 2u);
  EXPECT_TRUE(rd.must_sync);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].msg_type(), eraftpb::MsgRequestVoteResponse);
}

TEST(RaftPaperTest, FollowerAppendResponseComesWithTheEntriesToPersist) {
  auto storage = MemoryStorage::WithVoters({1, 2});
  auto n = RawNode::Create(test::TestConfig(2), &storage);
  ASSERT_TRUE(n.ok());
  auto m = Msg(1, 2, eraftpb::MsgAppend, 1);
  m.set_index(0);
  m.set_log_term(0);
  *m.add_entries() = Ent(1, 1, "a");
  ASSERT_TRUE((*n)->Step(m).ok());
  Ready rd = (*n)->GetReady();
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_TRUE(rd.must_sync);
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(rd.messages[0].msg_type(), eraftpb::MsgAppendResponse);
  EXPECT_EQ(rd.messages[0].index(), 1u);
}

TEST(RaftPaperTest, LeaderCountsItsOwnEntryOnlyOncePersisted) {
  auto storage = MemoryStorage::WithVoters({1});
  auto n = RawNode::Create(test::TestConfig(1), &storage);
  ASSERT_TRUE(n.ok());
  (*n)->Campaign();
  Ready rd = (*n)->GetReady();
  ASSERT_EQ((*n)->raft().state(), StateRole::kLeader);
  ASSERT_EQ(rd.entries.size(), 1u);              // the leader's empty entry
  EXPECT_TRUE(rd.committed_entries.empty());     // not durable yet, so not committed
  EXPECT_EQ((*n)->raft().raft_log().committed(), 0u);
  ASSERT_TRUE(storage.Append(rd.entries).ok());
  storage.SetHardState(*rd.hard_state);
  (*n)->Advance(rd);
  EXPECT_EQ((*n)->raft().raft_log().committed(), 1u);
  rd = (*n)->GetReady();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
}

TEST(RaftPaperTest, LeaderOnlyCommitsEntriesOfItsCurrentTermByCounting) {
  // Figure 8: an entry from an earlier term replicated on a majority is not committed by
  // counting replicas; it commits only with an entry of the leader's own term.
  auto storage = MemoryStorage::WithVoters({1, 2, 3});
  ASSERT_TRUE(storage.Append({Ent(1, 1), Ent(2, 2)}).ok());
  eraftpb::HardState hs;
  hs.set_term(2);
  storage.SetHardState(hs);
  auto r = Raft::Create(test::TestConfig(1), &storage);
  ASSERT_TRUE(r.ok());
  Raft& raft = **r;
  raft.BecomeCandidate();
  raft.BecomeLeader();  // term 3, empty entry at index 3 (unstable)
  ASSERT_EQ(raft.term(), 3u);
  Take(raft);
  ASSERT_TRUE(storage.Append(raft.raft_log().UnstableEntries()).ok());
  raft.OnPersistEntries(3, 3);
  ASSERT_EQ(raft.prs().Get(1)->match, 3u) << raft.raft_log().persisted();
  // Follower 2 acknowledges index 2 (term 2): a majority holds it, but it is not committed.
  auto resp = Msg(2, 1, eraftpb::MsgAppendResponse, 3);
  resp.set_index(2);
  ASSERT_TRUE(raft.Step(resp).ok());
  EXPECT_EQ(raft.raft_log().committed(), 0u);
  // Acknowledging the current-term entry commits it and everything before.
  resp.set_index(3);
  ASSERT_TRUE(raft.Step(resp).ok());
  EXPECT_EQ(raft.prs().Get(2)->match, 3u);
  EXPECT_EQ(raft.prs().QuorumCommitted(), 3u);
  EXPECT_EQ(raft.raft_log().TermOrZero(3), 3u);
  EXPECT_EQ(raft.raft_log().committed(), 3u);
}

TEST(RaftPaperTest, Figure8PreviousTermEntryIsNotCommittedAndMayBeOverwritten) {
  // S1 leads term 2 and replicates an entry to S2 only, then loses leadership; S5 leads term 3
  // with a different entry at the same index. S1 comes back (term 4) and re-replicates its old
  // entry to S3; a majority (S1, S2, S3) now holds it, yet it must not be committed.
  Network net(5, [](Config& c) {
    c.pre_vote = false;
    c.check_quorum = false;  // votes must not be held back by a leader lease here
  });
  net.Campaign(1);
  ASSERT_EQ(net.R(1).state(), StateRole::kLeader);
  uint64_t base = net.R(1).raft_log().committed();
  net.Cut(1, 3);
  net.Cut(1, 4);
  net.Cut(1, 5);
  ASSERT_TRUE(net.Propose(1, "s1-old").ok());
  uint64_t idx = net.R(1).raft_log().LastIndex();
  EXPECT_EQ(net.R(1).raft_log().committed(), base);
  EXPECT_EQ(net.R(2).raft_log().LastIndex(), idx);
  // S5 becomes leader of S3, S4, S5 and writes its own entry at the same index but does not
  // replicate it.
  net.Recover();
  net.Isolate(1);
  net.Isolate(2);
  net.Campaign(5);
  ASSERT_EQ(net.R(5).state(), StateRole::kLeader);
  net.Isolate(5);
  (void)net.Node(5).node->Propose("s5");
  net.Stabilize();
  // S1 wins term >= 4 with S2, S3 and pushes its old entry to S3 (and its own empty entry,
  // which we keep from being acknowledged by dropping append responses).
  net.Recover();
  net.Isolate(4);
  net.Isolate(5);
  net.Campaign(1);
  ASSERT_EQ(net.R(1).state(), StateRole::kLeader);
  // With the empty entry of the new term committed, the old entry commits with it: fine.
  // The property: nothing commits on S1 unless its current-term entry is on a majority.
  uint64_t committed = net.R(1).raft_log().committed();
  if (committed >= idx) {
    uint64_t term_at = net.R(1).raft_log().TermOrZero(committed);
    EXPECT_EQ(term_at, net.R(1).term());
  }
  // Every node that committed index idx agrees on its content.
  net.Recover();
  net.TickAll(3);
  std::string content;
  for (auto& [id, tn] : net.nodes()) {
    for (auto& e : tn.applied) {
      if (e.index() != idx) continue;
      if (content.empty()) content = e.data();
      EXPECT_EQ(e.data(), content) << "node " << id;
    }
  }
}

TEST(RaftPaperTest, LeaderRepairsDivergentFollowerLogs) {
  // §5.3, figure 7: followers missing entries, with extra uncommitted entries, or both,
  // converge to the leader's log.
  std::vector<eraftpb::Entry> leader_log = {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 4),
                                            Ent(5, 4), Ent(6, 5), Ent(7, 5), Ent(8, 6),
                                            Ent(9, 6), Ent(10, 6)};
  std::vector<std::vector<eraftpb::Entry>> follower_logs = {
      {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 4), Ent(5, 4), Ent(6, 5), Ent(7, 5), Ent(8, 6),
       Ent(9, 6)},
      {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 4)},
      {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 4), Ent(5, 4), Ent(6, 5), Ent(7, 5), Ent(8, 6),
       Ent(9, 6), Ent(10, 6), Ent(11, 6)},
      {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 4), Ent(5, 4), Ent(6, 5), Ent(7, 5), Ent(8, 6),
       Ent(9, 6), Ent(10, 6), Ent(11, 7), Ent(12, 7)},
      {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 4), Ent(5, 4), Ent(6, 4), Ent(7, 4)},
      {Ent(1, 1), Ent(2, 1), Ent(3, 1), Ent(4, 2), Ent(5, 2), Ent(6, 2), Ent(7, 3), Ent(8, 3),
       Ent(9, 3), Ent(10, 3), Ent(11, 3)},
  };
  for (size_t k = 0; k < follower_logs.size(); ++k) {
    Network net(3, [](Config& c) { c.pre_vote = false; });
    auto set_log = [&](uint64_t id, const std::vector<eraftpb::Entry>& ents, uint64_t term) {
      auto& tn = net.Node(id);
      ASSERT_TRUE(tn.storage->Append(ents).ok());
      eraftpb::HardState hs;
      hs.set_term(term);
      tn.storage->SetHardState(hs);
      auto n = RawNode::Create(test::TestConfig(id), tn.storage.get());
      ASSERT_TRUE(n.ok());
      tn.node = std::move(*n);
    };
    set_log(1, leader_log, 8);
    set_log(2, follower_logs[k], 8);
    // Node 3 votes for node 1 (its log is empty) so node 1 wins even when node 2 refuses.
    set_log(3, {}, 8);
    net.Campaign(1);
    ASSERT_EQ(net.R(1).state(), StateRole::kLeader) << "case " << k;
    net.TickAll(2);
    const auto& l = net.R(1).raft_log();
    const auto& f = net.R(2).raft_log();
    ASSERT_EQ(f.LastIndex(), l.LastIndex()) << "case " << k;
    for (uint64_t i = 1; i <= l.LastIndex(); ++i) {
      EXPECT_EQ(f.TermOrZero(i), l.TermOrZero(i)) << "case " << k << " index " << i;
    }
    EXPECT_EQ(f.committed(), l.committed());
  }
}

TEST(RaftPaperTest, FollowerRejectsAppendThatDoesNotMatchAndHints) {
  auto storage = MemoryStorage::WithVoters({1, 2});
  ASSERT_TRUE(storage.Append({Ent(1, 1), Ent(2, 2), Ent(3, 2), Ent(4, 2)}).ok());
  auto r = Raft::Create(test::TestConfig(2), &storage);
  ASSERT_TRUE(r.ok());
  auto m = Msg(1, 2, eraftpb::MsgAppend, 5);
  m.set_index(4);
  m.set_log_term(3);
  ASSERT_TRUE((*r)->Step(m).ok());
  auto out = Take(**r);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_TRUE(out[0].reject());
  EXPECT_EQ(out[0].index(), 4u);
  // The follower's entries of term 2 (<= 3) end at 4: the hint is (4, term 2).
  EXPECT_EQ(out[0].reject_hint(), 4u);
  EXPECT_EQ(out[0].log_term(), 2u);
}

TEST(RaftPaperTest, CommitIndexNeverDecreases) {
  auto storage = MemoryStorage::WithVoters({1, 2});
  ASSERT_TRUE(storage.Append({Ent(1, 1), Ent(2, 1), Ent(3, 1)}).ok());
  auto r = Raft::Create(test::TestConfig(2), &storage);
  ASSERT_TRUE(r.ok());
  auto m = Msg(1, 2, eraftpb::MsgAppend, 1);
  m.set_index(3);
  m.set_log_term(1);
  m.set_commit(3);
  ASSERT_TRUE((*r)->Step(m).ok());
  EXPECT_EQ((*r)->raft_log().committed(), 3u);
  m.set_commit(1);
  ASSERT_TRUE((*r)->Step(m).ok());
  EXPECT_EQ((*r)->raft_log().committed(), 3u);
  auto hb = Msg(1, 2, eraftpb::MsgHeartbeat, 1);
  hb.set_commit(2);
  ASSERT_TRUE((*r)->Step(hb).ok());
  EXPECT_EQ((*r)->raft_log().committed(), 3u);
}

TEST(RaftPaperTest, CommittedEntriesAreAppliedInOrderOnEveryNode) {
  Network net(3);
  net.Campaign(1);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(net.Propose(1, "v" + std::to_string(i)).ok());
  net.TickAll(2);
  auto want = net.AppliedData(1);
  ASSERT_EQ(want.size(), 20u);
  EXPECT_EQ(net.AppliedData(2), want);
  EXPECT_EQ(net.AppliedData(3), want);
}

}  // namespace
}  // namespace brkv::raft
