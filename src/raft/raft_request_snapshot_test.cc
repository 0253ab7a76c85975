// RequestSnapshot: a follower whose state machine cannot apply an entry on its own asks the
// leader for a snapshot at or past that entry, and takes it without dropping the log entries
// after the snapshot (they may be acknowledged, i.e. part of a commit quorum).
#include <gtest/gtest.h>

#include "raft/raft_test_util.h"

namespace brkv::raft {
namespace {

using test::Network;

// The leader's state machine as a snapshot payload: its applied values joined by ';'.
std::string StateOf(Network& net, uint64_t id) {
  std::string s;
  for (const auto& v : net.AppliedData(id)) s += v + ";";
  return s;
}

// Makes the leader's stored snapshot at `index` (what its Storage::Snapshot returns).
void SnapshotAt(Network& net, uint64_t id, uint64_t index, const std::string& data) {
  auto& tn = net.Node(id);
  ASSERT_TRUE(tn.storage->CreateSnapshot(index, &tn.conf_state, data).ok());
}

std::vector<eraftpb::Message> SnapshotsTo(Network& net, uint64_t to) {
  std::vector<eraftpb::Message> out;
  for (const auto& m : net.log()) {
    if (m.msg_type() == eraftpb::MsgSnapshot && m.to() == to) out.push_back(m);
  }
  return out;
}

TEST(RaftRequestSnapshotTest, LeaderSendsASnapshotAtOrPastTheRequestedIndex) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(net.Propose(1, "b").ok());
  uint64_t b = net.R(1).raft_log().LastIndex();
  net.Node(3).stuck = true;
  ASSERT_TRUE(net.Propose(1, "c").ok());
  ASSERT_TRUE(net.Propose(1, "d").ok());
  uint64_t d = net.R(1).raft_log().LastIndex();
  ASSERT_EQ(net.Node(3).applied_index, b);
  ASSERT_EQ(net.R(3).raft_log().committed(), d);

  // The leader's only snapshot is older than the entry node 3 is stuck on: nothing is sent.
  SnapshotAt(net, 1, b, "a;b;");
  ASSERT_TRUE(net.Node(3).node->RequestSnapshot().ok());
  net.Stabilize();
  EXPECT_EQ(net.R(3).pending_request_snapshot(), b + 1);
  EXPECT_EQ(net.R(1).prs().Get(3)->pending_request_snapshot, b + 1);
  EXPECT_EQ(net.R(1).prs().Get(3)->waiting_snapshot, b + 1);
  net.TickAll(4);
  EXPECT_TRUE(SnapshotsTo(net, 3).empty());
  EXPECT_TRUE(net.Node(3).stuck);
  // Meanwhile node 3 still takes entries: its log is sound.
  ASSERT_TRUE(net.Propose(1, "e").ok());
  EXPECT_EQ(net.R(3).raft_log().LastIndex(), net.R(1).raft_log().LastIndex());

  // Once the leader has a snapshot past the request, the next request gets it.
  SnapshotAt(net, 1, d, "a;b;c;d;");
  net.TickAll(2);
  auto snaps = SnapshotsTo(net, 3);
  ASSERT_FALSE(snaps.empty());
  for (const auto& m : snaps) EXPECT_GE(m.snapshot().metadata().index(), b + 1);
  EXPECT_EQ(snaps.front().snapshot().metadata().index(), d);
  auto& f = net.Node(3);
  EXPECT_FALSE(f.stuck);
  EXPECT_EQ(net.R(3).pending_request_snapshot(), kNone);
  EXPECT_EQ(f.storage->Snapshot(0)->data(), "a;b;c;d;");
  // The entry after the snapshot was applied from the queue, nothing before it twice.
  ASSERT_EQ(f.applied.size(), 3u);
  EXPECT_EQ(f.applied[0].data(), "a");
  EXPECT_EQ(f.applied[1].data(), "b");
  EXPECT_EQ(f.applied[2].data(), "e");
  EXPECT_EQ(f.applied_index, net.Node(1).applied_index);
}

TEST(RaftRequestSnapshotTest, FollowerKeepsItsLogEntriesAfterTheSnapshot) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Node(3).stuck = true;
  for (const char* v : {"b", "c", "d", "e"}) ASSERT_TRUE(net.Propose(1, v).ok());
  uint64_t last = net.R(1).raft_log().LastIndex();
  uint64_t c = last - 2;
  uint64_t match_before = net.R(1).prs().Get(3)->match;
  ASSERT_EQ(match_before, last);
  SnapshotAt(net, 1, c, "a;b;c;");
  net.log().clear();
  ASSERT_TRUE(net.Node(3).node->RequestSnapshot().ok());
  net.Stabilize();

  auto snaps = SnapshotsTo(net, 3);
  ASSERT_EQ(snaps.size(), 1u);
  ASSERT_EQ(snaps[0].snapshot().metadata().index(), c);
  auto& f = net.Node(3);
  // Only the state machine was replaced: entries d and e are still in node 3's log.
  EXPECT_EQ(f.storage->FirstIndex(), c + 1);
  EXPECT_EQ(f.storage->LastIndex(), last);
  auto kept = f.storage->Entries(c + 1, last + 1, UINT64_MAX);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->size(), 2u);
  EXPECT_EQ((*kept)[0].data(), "d");
  EXPECT_EQ((*kept)[1].data(), "e");
  // Its answer claims only the snapshot's entry (a kept suffix could still conflict), and the
  // leader's view of what it holds never went down.
  bool answered = false;
  for (const auto& m : net.log()) {
    if (m.from() == 3 && m.msg_type() == eraftpb::MsgAppendResponse && !m.reject()) {
      EXPECT_EQ(m.index(), c);
      answered = true;
      break;
    }
  }
  EXPECT_TRUE(answered);
  EXPECT_EQ(net.R(1).prs().Get(3)->match, match_before);
  // The kept entries were applied after the snapshot, and replication goes on.
  ASSERT_EQ(f.applied.size(), 3u);
  EXPECT_EQ(f.applied[1].data(), "d");
  EXPECT_EQ(f.applied[2].data(), "e");
  ASSERT_TRUE(net.Propose(1, "f").ok());
  EXPECT_EQ(f.applied.back().data(), "f");
  EXPECT_EQ(f.applied_index, net.Node(1).applied_index);
}

TEST(RaftRequestSnapshotTest, FollowerWhoseLogDoesNotMatchTakesANormalSnapshot) {
  Network net(5);
  net.Campaign(1);
  net.Node(3).stuck = true;
  ASSERT_TRUE(net.Propose(1, "a").ok());
  uint64_t a = net.R(1).raft_log().LastIndex();
  // Nodes 1 and 3 are cut off from the majority; node 3 gets two entries that never commit.
  for (uint64_t x : {1, 3}) {
    for (uint64_t y : {2, 4, 5}) net.Cut(x, y);
  }
  ASSERT_TRUE(net.Propose(1, "stale1").ok());
  ASSERT_TRUE(net.Propose(1, "stale2").ok());
  ASSERT_EQ(net.R(3).raft_log().LastIndex(), a + 2);
  ASSERT_EQ(net.R(3).raft_log().committed(), a);
  net.Recover();
  net.Isolate(3);
  ASSERT_TRUE(net.Node(3).node->RequestSnapshot().ok());
  ASSERT_EQ(net.R(3).pending_request_snapshot(), a);

  // A newer leader's snapshot at a + 2 whose term differs from node 3's entry there.
  uint64_t term = net.R(3).term() + 1;
  eraftpb::Message m;
  m.set_from(2);
  m.set_to(3);
  m.set_term(term);
  m.set_msg_type(eraftpb::MsgSnapshot);
  auto* meta = m.mutable_snapshot()->mutable_metadata();
  meta->set_index(a + 2);
  meta->set_term(term);
  for (uint64_t v = 1; v <= 5; ++v) meta->mutable_conf_state()->add_voters(v);
  m.mutable_snapshot()->set_data("a;new;");
  ASSERT_TRUE(net.Node(3).node->Step(m).ok());
  net.Stabilize();

  // The uncommitted entries are replaced with the rest of the log: a normal snapshot.
  auto& f = net.Node(3);
  EXPECT_EQ(f.storage->FirstIndex(), a + 3);
  EXPECT_EQ(f.storage->LastIndex(), a + 2);
  EXPECT_EQ(*f.storage->Term(a + 2), term);
  EXPECT_EQ(net.R(3).raft_log().committed(), a + 2);
  EXPECT_EQ(net.R(3).pending_request_snapshot(), kNone);
  EXPECT_EQ(f.storage->Snapshot(0)->data(), "a;new;");
}

TEST(RaftRequestSnapshotTest, SnapshotAtOrBelowCommitThatDoesNotMatchIsIgnored) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  net.Node(3).stuck = true;
  ASSERT_TRUE(net.Propose(1, "b").ok());
  uint64_t b = net.R(3).raft_log().committed();
  net.Isolate(3);
  ASSERT_TRUE(net.Node(3).node->RequestSnapshot().ok());
  eraftpb::Message m;
  m.set_from(1);
  m.set_to(3);
  m.set_term(net.R(3).term());
  m.set_msg_type(eraftpb::MsgSnapshot);
  auto* meta = m.mutable_snapshot()->mutable_metadata();
  meta->set_index(b);
  meta->set_term(net.R(3).term() + 5);  // contradicts a committed entry: never installed
  for (uint64_t v = 1; v <= 3; ++v) meta->mutable_conf_state()->add_voters(v);
  ASSERT_TRUE(net.Node(3).node->Step(m).ok());
  net.Stabilize();
  EXPECT_TRUE(net.Node(3).stuck);
  EXPECT_EQ(net.R(3).pending_request_snapshot(), b);
  EXPECT_EQ(net.Node(3).storage->LastIndex(), b);
}

TEST(RaftRequestSnapshotTest, RequestIsForgottenOnceTheFollowerAppliesByItself) {
  Network net(3);
  net.Campaign(1);
  // Nothing committed waits to be applied: there is nothing to ask for.
  EXPECT_EQ(net.Node(3).node->RequestSnapshot().code(), Status::Code::kInvalidArgument);
  net.Node(3).stuck = true;
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(net.Node(3).node->RequestSnapshot().ok());
  uint64_t want = net.R(3).pending_request_snapshot();
  ASSERT_NE(want, kNone);
  // The leader has no snapshot to send (its storage has none past the request).
  net.TickAll(2);
  EXPECT_EQ(net.R(1).prs().Get(3)->waiting_snapshot, want);
  EXPECT_TRUE(SnapshotsTo(net, 3).empty());
  // The state machine can apply again (its file came back): it gets there on its own, and
  // the leader forgets the request.
  net.Node(3).stuck = false;
  ASSERT_TRUE(net.Propose(1, "b").ok());
  EXPECT_EQ(net.R(3).pending_request_snapshot(), kNone);
  net.TickAll(2);
  EXPECT_EQ(net.R(1).prs().Get(3)->pending_request_snapshot, kNone);
  EXPECT_EQ(net.R(1).prs().Get(3)->waiting_snapshot, kNone);
  EXPECT_EQ(net.AppliedData(3), net.AppliedData(1));
}

TEST(RaftRequestSnapshotTest, WaitingNodeNeitherRequestsAsLeaderNorTakesLeadershipByTransfer) {
  Network net(3);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  EXPECT_EQ(net.Node(1).node->RequestSnapshot().code(), Status::Code::kAborted);
  net.Node(3).stuck = true;
  ASSERT_TRUE(net.Propose(1, "b").ok());
  ASSERT_TRUE(net.Node(3).node->RequestSnapshot().ok());
  net.Stabilize();
  net.Node(1).node->TransferLeader(3);
  net.Stabilize();
  net.TickAll(3);
  EXPECT_EQ(net.R(1).state(), StateRole::kLeader);
  EXPECT_NE(net.R(3).state(), StateRole::kLeader);
  EXPECT_EQ(StateOf(net, 1), "a;b;");
}

}  // namespace
}  // namespace brkv::raft
