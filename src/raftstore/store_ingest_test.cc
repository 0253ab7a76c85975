// IngestSST through Raft, as a restore uses it: the SST is staged on every replica's store, the
// leader proposes the ingest, and each replica checks uuid, region and both parts of the epoch
// and ingests its own copy. A replica whose copy is missing never skips the entry: it stops
// applying and serving until the file is there or it caught up from the leader's snapshot.
#include <gtest/gtest.h>
#include <rocksdb/sst_file_writer.h>

#include <filesystem>

#include "kv/keys.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::Cluster;

class Staging {
 public:
  Staging() {
    std::string tmpl = "/tmp/brkv_ingest_XXXXXX";
    dir_ = mkdtemp(tmpl.data());
  }
  ~Staging() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Writes an SST of CF default with keys k -> v (region keys; data keys inside).
  std::string MakeSst(const std::string& name, const std::map<std::string, std::string>& kvs) {
    rocksdb::SstFileWriter w{rocksdb::EnvOptions{}, rocksdb::Options{}};
    std::string path = dir_ + "/" + name + ".sst";
    EXPECT_TRUE(w.Open(path).ok());
    for (auto& [k, v] : kvs) EXPECT_TRUE(w.Put(::brkv::keys::DataKey(k), v).ok());
    EXPECT_TRUE(w.Finish().ok());
    return path;
  }
  // Per store: uuid -> staged path (a store "downloaded" the file when it is listed).
  std::map<uint64_t, std::map<std::string, std::string>> staged;
  std::string dir_;
};

import_sstpb::SSTMeta Meta(const metapb::Region& r, const std::string& uuid) {
  import_sstpb::SSTMeta m;
  m.set_uuid(uuid);
  m.set_cf_name("default");
  m.set_region_id(r.id());
  *m.mutable_region_epoch() = r.region_epoch();
  m.mutable_range()->set_start("a");
  m.mutable_range()->set_end("b");
  return m;
}

raft_cmdpb::RaftCmdRequest IngestReq(const import_sstpb::SSTMeta& m) {
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(m.region_id());
  *req.mutable_header()->mutable_region_epoch() = m.region_epoch();
  auto* r = req.add_requests();
  r->set_cmd_type(raft_cmdpb::IngestSST);
  *r->mutable_ingest_sst()->mutable_sst() = m;
  return req;
}

std::unique_ptr<Cluster> MakeCluster(Staging* st) {
  return std::make_unique<Cluster>(3, 1000, [st](uint64_t id, StoreOptions& o) {
    o.sst_locator = [st, id](const import_sstpb::SSTMeta& m) -> Result<std::string> {
      auto& mine = st->staged[id];
      auto it = mine.find(m.uuid());
      if (it == mine.end()) return Status::NotFound("not staged");
      return it->second;
    };
    o.sst_ingested = [st, id](const import_sstpb::SSTMeta& m, const std::string&) {
      st->staged[id].erase(m.uuid());
    };
  });
}

const std::string kUuid = std::string(16, '\x07');

TEST(RaftStoreIngestTest, EveryReplicaIngestsItsOwnCopy) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  std::string path = st.MakeSst("f1", {{"a1", "x"}, {"a2", "y"}});
  for (uint64_t s = 1; s <= 3; ++s) st.staged[s][kUuid] = path;
  auto region = c->Store(l).GetPeer(1)->region;
  ASSERT_TRUE(Ok(c->Call(IngestReq(Meta(region, kUuid)), l)));
  c->Tick(3);
  for (uint64_t s = 1; s <= 3; ++s) {
    auto d = c->Disk(s).Data();
    EXPECT_EQ(d.size(), 2u) << "store " << s;
    EXPECT_EQ(d["a1"], "x");
    EXPECT_TRUE(st.staged[s].empty()) << "staged copy left on store " << s;
  }
}

TEST(RaftStoreIngestTest, StaleEpochIsRefusedEverywhere) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  std::string path = st.MakeSst("f1", {{"a1", "x"}});
  for (uint64_t s = 1; s <= 3; ++s) st.staged[s][kUuid] = path;
  auto region = c->Store(l).GetPeer(1)->region;
  auto meta = Meta(region, kUuid);
  // The region splits between the download and the ingest.
  raft_cmdpb::AdminRequest split;
  split.set_cmd_type(raft_cmdpb::BatchSplit);
  auto* s = split.mutable_splits()->add_requests();
  s->set_split_key("m");
  s->set_new_region_id(50);
  for (int i = 0; i < 3; ++i) s->add_new_peer_ids(60 + i);
  ASSERT_TRUE(Ok(c->Admin(1, split)));
  auto resp = c->Call(IngestReq(meta), c->WaitLeader(1));
  EXPECT_TRUE(resp.header().error().has_epoch_not_match()) << resp.header().error().message();
  for (uint64_t s = 1; s <= 3; ++s) EXPECT_TRUE(c->Disk(s).Data().empty());
}

TEST(RaftStoreIngestTest, LeaderWithoutItsCopyRefusesToPropose) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  std::string path = st.MakeSst("f1", {{"a1", "x"}});
  for (uint64_t s = 1; s <= 3; ++s) {
    if (s != l) st.staged[s][kUuid] = path;
  }
  auto resp = c->Call(IngestReq(Meta(c->Store(l).GetPeer(1)->region, kUuid)), l);
  EXPECT_TRUE(resp.header().error().has_stale_command());
}

raft_cmdpb::RaftCmdRequest PutReq(const metapb::Region& region, const std::string& cf,
                                  const std::string& k, const std::string& v) {
  raft_cmdpb::RaftCmdRequest put;
  put.mutable_header()->set_region_id(region.id());
  *put.mutable_header()->mutable_region_epoch() = region.region_epoch();
  auto* r = put.add_requests();
  r->set_cmd_type(raft_cmdpb::Put);
  r->mutable_put()->set_cf(cf);
  r->mutable_put()->set_key(k);
  r->mutable_put()->set_value(v);
  return put;
}

bool IsSnapshotTo(const raft_serverpb::RaftMessage& m, uint64_t store) {
  return m.to_peer().store_id() == store && m.message().msg_type() == eraftpb::MsgSnapshot;
}

TEST(RaftStoreIngestTest, ReplicaMissingItsCopyStopsServingThenCatchesUpBySnapshot) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  uint64_t f = l == 3 ? 2 : 3;
  auto region = c->Store(l).GetPeer(1)->region;
  // Data in every CF before the ingest.
  ASSERT_TRUE(Ok(c->Call(PutReq(region, "write", "a0", "w0"), l)));
  ASSERT_TRUE(Ok(c->Call(PutReq(region, "lock", "a0", "l0"), l)));
  std::string path = st.MakeSst("f1", {{"a1", "x"}, {"a2", "y"}});
  for (uint64_t s = 1; s <= 3; ++s) {
    if (s != f) st.staged[s][kUuid] = path;
  }
  // Hold the leader's snapshots back to see the stuck replica first.
  c->drop = [f](const raft_serverpb::RaftMessage& m) { return IsSnapshotTo(m, f); };
  ASSERT_TRUE(Ok(c->Call(IngestReq(Meta(region, kUuid)), l)));
  ASSERT_TRUE(Ok(c->Call(PutReq(region, "default", "a9", "after"), l)));
  c->Tick(5);
  auto fp = c->Store(f).GetPeer(1);
  ASSERT_TRUE(fp->blocked);
  EXPECT_LT(fp->applied, c->Store(l).GetPeer(1)->applied);
  EXPECT_EQ(fp->commit, c->Store(l).GetPeer(1)->commit);  // its log keeps up
  EXPECT_EQ(c->Disk(f).Data().count("a9"), 0u);           // nothing applied past the missing file
  // It asked for a snapshot, and serves nothing meanwhile: no read, no leadership.
  bool read_refused = false, read_done = false;
  c->Store(f).Read(1, region.region_epoch(),
                   [&](const errorpb::Error* e, const metapb::Region&, uint64_t) {
                     read_refused = e != nullptr;
                     read_done = true;
                   });
  c->Pump();
  EXPECT_TRUE(read_done && read_refused);
  raft_cmdpb::AdminRequest t;
  t.set_cmd_type(raft_cmdpb::TransferLeader);
  t.mutable_transfer_leader()->mutable_peer()->set_id(f);
  t.mutable_transfer_leader()->mutable_peer()->set_store_id(f);
  auto tr = c->Admin(1, t);
  EXPECT_TRUE(tr.header().has_error());
  c->Tick(20);
  EXPECT_NE(c->LeaderStore(1), f);
  EXPECT_TRUE(c->Store(f).GetPeer(1)->blocked);

  // Snapshots flow again: it catches up from the leader's, without its file.
  c->drop = nullptr;
  c->Tick(5);
  l = c->LeaderStore(1);
  fp = c->Store(f).GetPeer(1);
  EXPECT_FALSE(fp->blocked);
  EXPECT_EQ(fp->applied, c->Store(l).GetPeer(1)->applied);
  EXPECT_TRUE(st.staged[f].empty());
  auto want = c->Disk(l).AllData();
  EXPECT_EQ(want.size(), 5u);  // a0 in write and lock; a1, a2 from the SST; a9
  for (uint64_t s = 1; s <= 3; ++s) EXPECT_EQ(c->Disk(s).AllData(), want) << "store " << s;
  // Later writes apply on every replica, the caught-up one included.
  region = c->Store(l).GetPeer(1)->region;
  ASSERT_TRUE(Ok(c->Call(PutReq(region, "default", "a5", "later"), l)));
  c->Tick(3);
  for (uint64_t s = 1; s <= 3; ++s) EXPECT_EQ(c->Disk(s).Data()["a5"], "later") << "store " << s;
  // And it survives a restart with the kept log.
  c->RestartStore(f);
  ASSERT_TRUE(Ok(c->Call(PutReq(region, "default", "a6", "after-restart"), c->WaitLeader(1))));
  c->Tick(3);
  EXPECT_EQ(c->Disk(f).AllData(), c->Disk(c->LeaderStore(1)).AllData());
}

TEST(RaftStoreIngestTest, ReplicaWhoseCopyArrivesLaterAppliesItInOrder) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  uint64_t f = l == 3 ? 2 : 3;
  std::string path = st.MakeSst("f1", {{"a1", "x"}});
  for (uint64_t s = 1; s <= 3; ++s) {
    if (s != f) st.staged[s][kUuid] = path;
  }
  c->drop = [f](const raft_serverpb::RaftMessage& m) { return IsSnapshotTo(m, f); };
  auto region = c->Store(l).GetPeer(1)->region;
  ASSERT_TRUE(Ok(c->Call(IngestReq(Meta(region, kUuid)), l)));
  ASSERT_TRUE(Ok(c->Call(PutReq(region, "default", "a9", "after"), l)));
  c->Tick(5);
  ASSERT_TRUE(c->Store(f).GetPeer(1)->blocked);
  // The file is staged again (downloaded a second time): the replica applies in order.
  st.staged[f][kUuid] = path;
  c->Tick(5);
  EXPECT_FALSE(c->Store(f).GetPeer(1)->blocked);
  EXPECT_EQ(c->Disk(f).AllData(), c->Disk(c->LeaderStore(1)).AllData());
  EXPECT_TRUE(st.staged[f].empty());
}

TEST(RaftStoreIngestTest, ReplicaWhoseCopyVanishesWhileApplyingCatchesUpBySnapshot) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  uint64_t f = l == 3 ? 2 : 3;
  std::string path = st.MakeSst("f1", {{"a1", "x"}});
  // The follower located its copy, which was then removed before the ingest opened it (a
  // restore's ClearFiles racing with a lagging follower): it waits for a snapshot, no crash.
  for (uint64_t s = 1; s <= 3; ++s) {
    st.staged[s][kUuid] = s == f ? st.dir_ + "/removed.sst" : path;
  }
  c->drop = [f](const raft_serverpb::RaftMessage& m) { return IsSnapshotTo(m, f); };
  auto region = c->Store(l).GetPeer(1)->region;
  ASSERT_TRUE(Ok(c->Call(IngestReq(Meta(region, kUuid)), l)));
  c->Tick(5);
  ASSERT_TRUE(c->Store(f).GetPeer(1)->blocked);
  EXPECT_TRUE(c->Disk(f).Data().empty());
  c->drop = nullptr;
  c->Tick(5);
  EXPECT_FALSE(c->Store(f).GetPeer(1)->blocked);
  EXPECT_EQ(c->Disk(f).AllData(), c->Disk(c->LeaderStore(1)).AllData());
  EXPECT_EQ(c->Disk(f).Data()["a1"], "x");
}

}  // namespace
}  // namespace brkv::raftstore
