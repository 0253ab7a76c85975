// IngestSST through Raft, as a restore uses it: the SST is staged on every replica's store, the
// leader proposes the ingest, and each replica checks uuid, region and both parts of the epoch
// and ingests its own copy. A replica whose copy is missing never skips the entry: it stops
// applying and serving until the file is there.
#include <gtest/gtest.h>
#include <rocksdb/sst_file_writer.h>

#include <filesystem>

#include "kv/keys.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::Cluster;

bool Ok(const raft_cmdpb::RaftCmdResponse& r) { return !r.header().has_error(); }

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

TEST(RaftStoreIngestTest, ReplicaMissingItsCopyWaitsAndNeverDiverges) {
  Staging st;
  auto c = MakeCluster(&st);
  c->Bootstrap({1, 2, 3});
  uint64_t l = c->WaitLeader(1);
  uint64_t f = l == 3 ? 2 : 3;
  std::string path = st.MakeSst("f1", {{"a1", "x"}});
  for (uint64_t s = 1; s <= 3; ++s) {
    if (s != f) st.staged[s][kUuid] = path;
  }
  auto region = c->Store(l).GetPeer(1)->region;
  ASSERT_TRUE(Ok(c->Call(IngestReq(Meta(region, kUuid)), l)));
  // A later write commits everywhere, but the replica without the file applies neither.
  raft_cmdpb::RaftCmdRequest put;
  put.mutable_header()->set_region_id(1);
  *put.mutable_header()->mutable_region_epoch() = region.region_epoch();
  auto* r = put.add_requests();
  r->set_cmd_type(raft_cmdpb::Put);
  r->mutable_put()->set_key("a9");
  r->mutable_put()->set_value("after");
  ASSERT_TRUE(Ok(c->Call(put, l)));
  c->Tick(5);
  auto fp = c->Store(f).GetPeer(1);
  auto lp = c->Store(l).GetPeer(1);
  EXPECT_LT(fp->applied, lp->applied);
  EXPECT_TRUE(c->Disk(f).Data().empty());  // nothing applied past the missing file
  EXPECT_EQ(c->Disk(l).Data().size(), 2u);
  // Even if asked to lead, it hands leadership on rather than serve.
  raft_cmdpb::AdminRequest t;
  t.set_cmd_type(raft_cmdpb::TransferLeader);
  t.mutable_transfer_leader()->mutable_peer()->set_id(f);
  t.mutable_transfer_leader()->mutable_peer()->set_store_id(f);
  (void)c->Admin(1, t);
  c->Tick(20);
  EXPECT_NE(c->LeaderStore(1), f);
  // The file arrives (downloaded again): the replica applies in order and catches up.
  st.staged[f][kUuid] = path;
  c->Tick(5);
  EXPECT_EQ(c->Disk(f).Data(), c->Disk(c->LeaderStore(1)).Data());
  EXPECT_EQ(c->Store(f).GetPeer(1)->applied, c->Store(c->LeaderStore(1)).GetPeer(1)->applied);
}

}  // namespace
}  // namespace brkv::raftstore
