// An in-process cluster of RaftStores for tests: each store has its own RocksDB in a temp dir;
// a transport delivers messages between stores through queues that tests can cut; Pump() runs
// every store's loop until nothing moves. Deterministic: no threads, no wall clock.
#pragma once

#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "raftstore/store.h"

namespace brkv::raftstore::test {

// A response without a region error.
inline bool Ok(const raft_cmdpb::RaftCmdResponse& r) { return !r.header().has_error(); }

// "k%05d": keys that sort in number order.
inline std::string K(int i) {
  char b[16];
  std::snprintf(b, sizeof(b), "k%05d", i);
  return b;
}

// Entries in a directory (0 when it does not exist).
inline size_t CountFiles(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it) {
    ++n;
  }
  return n;
}

class TestDisk {
 public:
  TestDisk() {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp ? tmp : "/tmp") + "/brkv_raftstore_XXXXXX";
    path_ = mkdtemp(tmpl.data());
    Open();
  }
  ~TestDisk() {
    Close();
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void Open() {
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs = {{rocksdb::kDefaultColumnFamilyName, {}},
                                                        {"write", {}},
                                                        {"lock", {}},
                                                        {"raft", {}}};
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(o, path_, cfs, &handles_, &db);
    ASSERT_TRUE(s.ok()) << s.ToString();
    db_.reset(db);
  }
  void Close() {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    handles_.clear();
    db_.reset();
  }
  Engines engines() {
    Engines e;
    e.db = db_.get();
    e.cf_default = handles_[0];
    e.cf_write = handles_[1];
    e.cf_lock = handles_[2];
    e.cf_raft = handles_[3];
    return e;
  }
  void Reopen() {
    Close();
    Open();
  }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* raft() { return handles_[3]; }
  const std::string& path() const { return path_; }
  void Write(rocksdb::WriteBatch* wb) {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    ASSERT_TRUE(db_->Write(wo, wb).ok());
  }
  // Every (CF, key) -> value of the data CFs (default, write, lock) with a data key.
  std::map<std::pair<std::string, std::string>, std::string> AllData() {
    std::map<std::pair<std::string, std::string>, std::string> out;
    const char* names[] = {"default", "write", "lock"};
    for (int i = 0; i < 3; ++i) {
      std::unique_ptr<rocksdb::Iterator> it(
          db_->NewIterator(rocksdb::ReadOptions(), handles_[static_cast<size_t>(i)]));
      for (it->Seek("z"); it->Valid() && it->key().starts_with("z"); it->Next()) {
        out[{names[i], it->key().ToString().substr(1)}] = it->value().ToString();
      }
    }
    return out;
  }
  // Every (key, value) of CF default with a data key ('z' prefix).
  std::map<std::string, std::string> Data() {
    std::map<std::string, std::string> out;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[0]));
    for (it->Seek("z"); it->Valid() && it->key().starts_with("z"); it->Next()) {
      out[it->key().ToString().substr(1)] = it->value().ToString();
    }
    return out;
  }

 private:
  std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

class Cluster;

class QueueTransport : public Transport {
 public:
  QueueTransport(Cluster* c, uint64_t from) : c_(c), from_(from) {}
  void Send(std::vector<raft_serverpb::RaftMessage> msgs) override;
  void SendSnapshot(OutgoingSnapshot snap, std::function<void(bool)> done) override;

 private:
  Cluster* c_;
  uint64_t from_;
};

class Cluster {
 public:
  explicit Cluster(int stores, uint64_t gc_limit = 1000,
                   std::function<void(uint64_t, StoreOptions&)> hook = nullptr)
      : options_hook(std::move(hook)), gc_limit_(gc_limit) {
    for (uint64_t id = 1; id <= static_cast<uint64_t>(stores); ++id) AddStore(id);
  }
  ~Cluster() { stores_.clear(); }

  void AddStore(uint64_t id) {
    disks_[id] = std::make_unique<TestDisk>();
    transports_[id] = std::make_unique<QueueTransport>(this, id);
    StartStore(id);
  }
  void StartStore(uint64_t id) {
    StoreOptions o;
    o.store_id = id;
    o.engines = disks_[id]->engines();
    // Restarts here close RocksDB cleanly, so syncing each write would only slow tests down.
    o.engines.sync = false;
    o.transport = transports_[id].get();
    o.election_tick = 10;
    o.heartbeat_tick = 2;
    o.raft_log_gc_count_limit = gc_limit_;
    if (options_hook) options_hook(id, o);
    auto s = RaftStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stores_[id] = std::move(*s);
  }
  // Stops a store (its queue is dropped) and reopens it from its disk.
  void RestartStore(uint64_t id) {
    stores_.erase(id);
    queues_.erase(id);
    disks_[id]->Close();
    disks_[id]->Open();
    StartStore(id);
  }
  void StopStore(uint64_t id) {
    stores_.erase(id);
    queues_.erase(id);
  }

  // Region 1 covering everything, with one voter on each of `stores` (peer id = store id).
  void Bootstrap(const std::vector<uint64_t>& stores) {
    metapb::Region r;
    r.set_id(1);
    r.mutable_region_epoch()->set_conf_ver(1);
    r.mutable_region_epoch()->set_version(1);
    for (uint64_t s : stores) {
      auto* p = r.add_peers();
      p->set_id(s);
      p->set_store_id(s);
    }
    for (uint64_t s : stores) ASSERT_TRUE(stores_[s]->BootstrapRegion(r).ok());
  }

  // Adjusts a store's options before it (re)starts.
  std::function<void(uint64_t store_id, StoreOptions&)> options_hook;

  RaftStore& Store(uint64_t id) { return *stores_.at(id); }
  TestDisk& Disk(uint64_t id) { return *disks_.at(id); }
  bool Up(uint64_t id) const { return stores_.count(id) > 0; }

  void Cut(uint64_t a, uint64_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void Isolate(uint64_t s) {
    for (auto& [id, _] : disks_) {
      if (id != s) Cut(s, id);
    }
  }
  void Heal() { cut_.clear(); }
  // A paused store (like SIGSTOP) neither ticks nor runs; messages to it wait in its queue.
  void Pause(uint64_t s) { paused_.insert(s); }
  void Resume() { paused_.clear(); }
  bool Paused(uint64_t s) const { return paused_.count(s) > 0; }

  // Drops the messages it returns true for (in addition to cut links).
  std::function<bool(const raft_serverpb::RaftMessage&)> drop;

  void Deliver(uint64_t from, std::vector<raft_serverpb::RaftMessage> msgs) {
    for (auto& m : msgs) {
      uint64_t to = m.to_peer().store_id();
      if (cut_.count({from, to})) continue;
      if (drop && drop(m)) continue;
      queues_[to].push_back(std::move(m));
    }
  }

  // A snapshot goes through the receiving store's SnapshotReceiver (files copied and checked)
  // before its message is queued, as over tikvpb.Tikv/Snapshot.
  bool DeliverSnapshot(uint64_t from, Transport::OutgoingSnapshot snap) {
    const auto& m = snap.msg;
    uint64_t to = m.to_peer().store_id();
    if (cut_.count({from, to}) || (drop && drop(m))) return false;
    auto it = stores_.find(to);
    if (it == stores_.end()) return false;
    raft_serverpb::RaftSnapshotData data;
    if (!data.ParseFromString(m.message().snapshot().data())) return false;
    const auto& md = m.message().snapshot().metadata();
    SnapshotReceiver rx(it->second->snap_dir(), SnapKey{m.region_id(), md.term(), md.index()},
                        data.meta());
    for (const auto& path : snap.files) {
      if (path.empty()) continue;
      std::ifstream f(path, std::ios::binary);
      if (!f) return false;
      std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      if (!rx.Write(bytes).ok()) return false;
    }
    if (!rx.Finish().ok()) return false;
    snapshots_delivered++;
    queues_[to].push_back(std::move(snap.msg));
    return true;
  }
  uint64_t snapshots_delivered = 0;

  // Runs every store until no store does anything (bounded).
  void Pump(int max_rounds = 2000) {
    for (int i = 0; i < max_rounds; ++i) {
      bool any = false;
      for (auto& [id, s] : stores_) {
        if (paused_.count(id)) continue;
        auto q = std::move(queues_[id]);
        queues_[id].clear();
        for (auto& m : q) s->Step(std::move(m));
        any = s->RunOnce() || any;
      }
      if (!any) return;
    }
  }
  void Tick(int n = 1) {
    for (int i = 0; i < n; ++i) {
      for (auto& [id, s] : stores_) {
        if (!paused_.count(id)) s->Tick();
      }
      Pump();
    }
  }

  // The store whose replica leads the region (0 if none).
  uint64_t LeaderStore(uint64_t region_id) {
    uint64_t best = 0, term = 0;
    for (auto& [id, s] : stores_) {
      auto p = s->GetPeer(region_id);
      if (p && p->role == raft::StateRole::kLeader && p->term >= term) {
        best = id;
        term = p->term;
      }
    }
    return best;
  }
  uint64_t WaitLeader(uint64_t region_id, int max_ticks = 200) {
    for (int i = 0; i < max_ticks; ++i) {
      uint64_t l = LeaderStore(region_id);
      if (l) return l;
      Tick();
    }
    return 0;
  }

  // Proposes on the region's leader and pumps until the callback ran.
  raft_cmdpb::RaftCmdResponse Call(raft_cmdpb::RaftCmdRequest req, uint64_t store = 0) {
    uint64_t rid = req.header().region_id();
    if (store == 0) store = WaitLeader(rid);
    if (!req.header().has_region_epoch()) {
      auto p = stores_.at(store)->GetPeer(rid);
      if (p) *req.mutable_header()->mutable_region_epoch() = p->region.region_epoch();
    }
    bool done = false;
    raft_cmdpb::RaftCmdResponse out;
    stores_.at(store)->Propose(req, [&](const raft_cmdpb::RaftCmdResponse& r) {
      out = r;
      done = true;
    });
    for (int i = 0; i < 300 && !done; ++i) {
      Pump();
      if (!done) Tick();
    }
    EXPECT_TRUE(done) << "proposal to region " << rid << " never completed";
    return out;
  }

  raft_cmdpb::RaftCmdResponse Put(uint64_t region_id, const std::string& k, const std::string& v) {
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(region_id);
    auto* r = req.add_requests();
    r->set_cmd_type(raft_cmdpb::Put);
    r->mutable_put()->set_key(k);
    r->mutable_put()->set_value(v);
    return Call(req);
  }

  raft_cmdpb::RaftCmdResponse Admin(uint64_t region_id, raft_cmdpb::AdminRequest admin) {
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(region_id);
    *req.mutable_admin_request() = std::move(admin);
    return Call(req);
  }

  raft_cmdpb::RaftCmdResponse ChangePeer(uint64_t region_id, eraftpb::ConfChangeType t,
                                         uint64_t peer_id, uint64_t store_id) {
    raft_cmdpb::AdminRequest a;
    a.set_cmd_type(raft_cmdpb::ChangePeer);
    a.mutable_change_peer()->set_change_type(t);
    a.mutable_change_peer()->mutable_peer()->set_id(peer_id);
    a.mutable_change_peer()->mutable_peer()->set_store_id(store_id);
    return Admin(region_id, a);
  }

 private:
  uint64_t gc_limit_;
  std::map<uint64_t, std::unique_ptr<TestDisk>> disks_;
  std::map<uint64_t, std::unique_ptr<QueueTransport>> transports_;
  std::map<uint64_t, std::unique_ptr<RaftStore>> stores_;
  std::map<uint64_t, std::vector<raft_serverpb::RaftMessage>> queues_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::set<uint64_t> paused_;
};

inline void QueueTransport::Send(std::vector<raft_serverpb::RaftMessage> msgs) {
  c_->Deliver(from_, std::move(msgs));
}

inline void QueueTransport::SendSnapshot(OutgoingSnapshot snap, std::function<void(bool)> done) {
  done(c_->DeliverSnapshot(from_, std::move(snap)));
}

}  // namespace brkv::raftstore::test
