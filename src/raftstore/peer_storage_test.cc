// PeerStorage over a real RocksDB: bootstrap, append with suffix replacement, hard state,
// compaction, snapshots, reopen after "crash", corrupt state; and a 3-node Raft group whose
// nodes persist through PeerStorage and restart from disk.
#include "raftstore/peer_storage.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <filesystem>
#include <map>

#include "raft/raw_node.h"
#include "raftstore/raft_keys.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using Disk = test::TestDisk;

eraftpb::Entry Ent(uint64_t index, uint64_t term, const std::string& data = "") {
  eraftpb::Entry e;
  e.set_index(index);
  e.set_term(term);
  e.set_data(data);
  return e;
}

eraftpb::ConfState Voters(std::initializer_list<uint64_t> ids) {
  eraftpb::ConfState cs;
  for (auto id : ids) cs.add_voters(id);
  return cs;
}

void Bootstrap(Disk& d, uint64_t region) {
  rocksdb::WriteBatch wb;
  PeerStorage::BootstrapToBatch(region, &wb, d.raft());
  d.Write(&wb);
}

std::unique_ptr<PeerStorage> MustOpen(Disk& d, uint64_t region,
                                      const eraftpb::ConfState& cs = Voters({1, 2, 3})) {
  auto ps = PeerStorage::Open(d.db(), d.raft(), region, cs);
  EXPECT_TRUE(ps.ok()) << ps.status().ToString();
  return ps.ok() ? std::move(*ps) : nullptr;
}

TEST(RaftKeysTest, LayoutIsTiKVs) {
  EXPECT_EQ(keys::RaftLogKey(1, 5),
            std::string("\x01\x02\x00\x00\x00\x00\x00\x00\x00\x01\x01"
                        "\x00\x00\x00\x00\x00\x00\x00\x05",
                        19));
  EXPECT_EQ(keys::RaftStateKey(2), std::string("\x01\x02\x00\x00\x00\x00\x00\x00\x00\x02\x02", 11));
  EXPECT_EQ(keys::ApplyStateKey(2), std::string("\x01\x02\x00\x00\x00\x00\x00\x00\x00\x02\x03", 11));
  // Log keys of one region sort by index, and before the region's state keys.
  EXPECT_LT(keys::RaftLogKey(7, 255), keys::RaftLogKey(7, 256));
  EXPECT_LT(keys::RaftLogKey(7, UINT64_MAX - 1), keys::RaftStateKey(7));
}

TEST(PeerStorageTest, UnknownRegionIsAnUninitializedPeer) {
  Disk d;
  auto ps = MustOpen(d, 9);
  EXPECT_FALSE(ps->initialized());
  EXPECT_EQ(ps->LastIndex(), 0u);
  EXPECT_EQ(ps->FirstIndex(), 1u);
  EXPECT_EQ(ps->InitialState()->conf_state.voters_size(), 0);  // learns membership by snapshot
}

TEST(PeerStorageTest, BootstrapStartsAtTheInitIndex) {
  Disk d;
  rocksdb::WriteBatch wb;
  PeerStorage::BootstrapToBatch(3, &wb, d.raft());
  d.Write(&wb);
  auto ps = MustOpen(d, 3);
  EXPECT_TRUE(ps->initialized());
  EXPECT_EQ(ps->FirstIndex(), keys::kRaftInitLogIndex + 1);
  EXPECT_EQ(ps->LastIndex(), keys::kRaftInitLogIndex);
  EXPECT_EQ(*ps->Term(keys::kRaftInitLogIndex), keys::kRaftInitLogTerm);
  EXPECT_EQ(ps->InitialState()->hard_state.commit(), keys::kRaftInitLogIndex);
  EXPECT_EQ(ps->InitialState()->conf_state.voters_size(), 3);
}

TEST(PeerStorageTest, AppendReplacesSuffixAndSurvivesReopen) {
  Disk d;
  Bootstrap(d, 1);
  auto ps = MustOpen(d, 1);
  rocksdb::WriteBatch wb;
  ps->AppendToBatch({Ent(6, 6, "a"), Ent(7, 6, "b"), Ent(8, 6, "c"), Ent(9, 6, "d")}, &wb);
  eraftpb::HardState hs;
  hs.set_term(7);
  hs.set_vote(2);
  hs.set_commit(7);
  ps->SetHardStateToBatch(hs, &wb);
  d.Write(&wb);
  // A new leader replaces 8.. with its own entries: 9 must disappear.
  wb.Clear();
  ps->AppendToBatch({Ent(8, 7, "x")}, &wb);
  d.Write(&wb);
  EXPECT_EQ(ps->LastIndex(), 8u);
  d.Reopen();
  ps = MustOpen(d, 1);
  EXPECT_EQ(ps->LastIndex(), 8u);
  auto ents = ps->Entries(6, 9, UINT64_MAX);
  ASSERT_TRUE(ents.ok()) << ents.status().ToString();
  ASSERT_EQ(ents->size(), 3u);
  EXPECT_EQ((*ents)[2].data(), "x");
  EXPECT_EQ(*ps->Term(8), 7u);
  EXPECT_EQ(ps->InitialState()->hard_state.vote(), 2u);
  EXPECT_EQ(ps->InitialState()->hard_state.commit(), 7u);
  EXPECT_FALSE(ps->Entries(6, 10, UINT64_MAX).ok());  // 9 is gone: unavailable
  // The size limit returns at least one entry.
  auto one = ps->Entries(6, 9, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

TEST(PeerStorageTest, UnwrittenBatchIsLostOnCrash) {
  Disk d;
  rocksdb::WriteBatch wb;
  PeerStorage::BootstrapToBatch(1, &wb, d.raft());
  d.Write(&wb);
  {
    auto ps = MustOpen(d, 1);
    rocksdb::WriteBatch lost;
    ps->AppendToBatch({Ent(6, 6, "a")}, &lost);
    EXPECT_EQ(ps->LastIndex(), 6u);  // the in-memory view runs ahead of the disk
  }
  d.Reopen();
  auto ps = MustOpen(d, 1);
  EXPECT_EQ(ps->LastIndex(), keys::kRaftInitLogIndex);
}

TEST(PeerStorageTest, CompactKeepsTheTermOfTheLastDroppedEntry) {
  Disk d;
  Bootstrap(d, 1);
  auto ps = MustOpen(d, 1);
  rocksdb::WriteBatch wb;
  ps->AppendToBatch({Ent(6, 6), Ent(7, 6), Ent(8, 7)}, &wb);
  ps->SetAppliedToBatch(7, &wb);
  d.Write(&wb);
  wb.Clear();
  EXPECT_FALSE(ps->CompactToBatch(8, &wb).ok());  // beyond applied
  ASSERT_TRUE(ps->CompactToBatch(7, &wb).ok());
  d.Write(&wb);
  d.Reopen();
  ps = MustOpen(d, 1);
  EXPECT_EQ(ps->FirstIndex(), 8u);
  EXPECT_EQ(*ps->Term(7), 6u);
  EXPECT_TRUE(raft::IsCompacted(ps->Term(6).status()));
  EXPECT_TRUE(raft::IsCompacted(ps->Entries(7, 8, UINT64_MAX).status()));
  EXPECT_EQ(ps->Entries(8, 9, UINT64_MAX)->size(), 1u);
}

TEST(PeerStorageTest, SnapshotReplacesTheLog) {
  Disk d;
  auto ps = MustOpen(d, 4);
  eraftpb::SnapshotMetadata meta;
  meta.set_index(20);
  meta.set_term(3);
  *meta.mutable_conf_state() = Voters({1, 2, 4});
  rocksdb::WriteBatch wb;
  ps->ApplySnapshotToBatch(meta, /*keep_log=*/false, &wb);
  d.Write(&wb);
  d.Reopen();
  ps = MustOpen(d, 4, meta.conf_state());
  EXPECT_TRUE(ps->initialized());
  EXPECT_EQ(ps->FirstIndex(), 21u);
  EXPECT_EQ(ps->LastIndex(), 20u);
  EXPECT_EQ(*ps->Term(20), 3u);
  EXPECT_EQ(ps->applied_index(), 20u);
  EXPECT_EQ(ps->InitialState()->hard_state.commit(), 20u);
}

TEST(PeerStorageTest, MissingLogEntryIsCorruption) {
  Disk d;
  Bootstrap(d, 1);
  auto ps = MustOpen(d, 1);
  rocksdb::WriteBatch wb;
  ps->AppendToBatch({Ent(6, 6), Ent(7, 6)}, &wb);
  d.Write(&wb);
  ASSERT_TRUE(d.db()->Delete(rocksdb::WriteOptions(), d.raft(), keys::RaftLogKey(1, 7)).ok());
  auto bad = PeerStorage::Open(d.db(), d.raft(), 1, Voters({1}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
}

TEST(PeerStorageTest, ClearRemovesEveryRaftKeyOfTheRegionOnly) {
  Disk d;
  rocksdb::WriteBatch wb;
  PeerStorage::BootstrapToBatch(1, &wb, d.raft());
  PeerStorage::BootstrapToBatch(2, &wb, d.raft());
  d.Write(&wb);
  auto ps = MustOpen(d, 1);
  wb.Clear();
  ps->AppendToBatch({Ent(6, 6)}, &wb);
  d.Write(&wb);
  wb.Clear();
  ps->ClearToBatch(&wb);
  d.Write(&wb);
  EXPECT_FALSE(MustOpen(d, 1)->initialized());
  EXPECT_TRUE(MustOpen(d, 2)->initialized());
}

// Three Raft nodes, each persisting through its own PeerStorage on its own RocksDB, restarted
// from disk in the middle: the log, term and vote survive and the group keeps committing.
class Group {
 public:
  Group() {
    for (uint64_t id = 1; id <= 3; ++id) {
      rocksdb::WriteBatch wb;
      PeerStorage::BootstrapToBatch(1, &wb, disks_[id].raft());
      disks_[id].Write(&wb);
      Start(id);
    }
  }
  void Start(uint64_t id) {
    storages_[id] = MustOpen(disks_[id], 1);
    raft::Config c;
    c.id = id;
    c.election_tick = 10;
    c.heartbeat_tick = 1;
    c.applied = storages_[id]->applied_index();
    auto n = raft::RawNode::Create(c, storages_[id].get());
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    nodes_[id] = std::move(*n);
  }
  void Restart(uint64_t id) {
    nodes_.erase(id);
    storages_.erase(id);
    disks_[id].Reopen();
    Start(id);
  }
  void Stabilize() {
    for (int round = 0; round < 100; ++round) {
      std::vector<eraftpb::Message> out;
      for (auto& [id, n] : nodes_) {
        while (n->HasReady()) {
          raft::Ready rd = n->GetReady();
          rocksdb::WriteBatch wb;
          storages_[id]->AppendToBatch(rd.entries, &wb);
          if (rd.hard_state) storages_[id]->SetHardStateToBatch(*rd.hard_state, &wb);
          for (auto& e : rd.committed_entries) {
            if (!e.data().empty()) applied_[id].push_back(e.data());
          }
          if (!rd.committed_entries.empty()) {
            storages_[id]->SetAppliedToBatch(rd.committed_entries.back().index(), &wb);
          }
          disks_[id].Write(&wb);
          for (auto& m : rd.messages) out.push_back(m);
          n->Advance(rd);
        }
      }
      if (out.empty()) return;
      for (auto& m : out) {
        if (nodes_.count(m.to())) (void)nodes_[m.to()]->Step(m);
      }
    }
  }
  std::map<uint64_t, std::unique_ptr<raft::RawNode>> nodes_;
  std::map<uint64_t, std::unique_ptr<PeerStorage>> storages_;
  std::map<uint64_t, Disk> disks_;
  std::map<uint64_t, std::vector<std::string>> applied_;
};

TEST(PeerStorageGroupTest, ReplicatesAndRestartsFromDisk) {
  Group g;
  g.nodes_[1]->Campaign();
  g.Stabilize();
  ASSERT_EQ(g.nodes_[1]->raft().state(), raft::StateRole::kLeader);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(g.nodes_[1]->Propose("v" + std::to_string(i)).ok());
  g.Stabilize();
  uint64_t term = g.nodes_[2]->raft().term();
  uint64_t last = g.nodes_[2]->raft().raft_log().LastIndex();
  g.Restart(2);
  EXPECT_EQ(g.nodes_[2]->raft().term(), term);
  EXPECT_EQ(g.nodes_[2]->raft().raft_log().LastIndex(), last);
  EXPECT_EQ(g.nodes_[2]->raft().raft_log().applied(), last);  // applied index was persisted
  g.Restart(1);  // the leader too: a new election follows
  for (int i = 0; i < 30 && !g.nodes_[2]->raft().lead(); ++i) {
    for (auto& [id, n] : g.nodes_) n->Tick();
    g.Stabilize();
  }
  uint64_t leader = g.nodes_[2]->raft().lead();
  ASSERT_NE(leader, 0u);
  ASSERT_TRUE(g.nodes_[leader]->Propose("after").ok());
  g.Stabilize();
  EXPECT_EQ(g.applied_[3].size(), 11u);
  EXPECT_EQ(g.applied_[3].back(), "after");
}

}  // namespace
}  // namespace brkv::raftstore
