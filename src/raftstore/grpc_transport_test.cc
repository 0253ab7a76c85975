// RaftStores talking over real gRPC (tikvpb BatchRaft streams on 127.0.0.1), each running its
// own loop and ticker thread: replication, a store killed and restarted on a new port, and a
// snapshot in chunks over the tikvpb Snapshot call to a store back after log compaction.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "raftstore/raft_client.h"
#include "raftstore/raft_service.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::TestDisk;

bool WaitFor(const std::function<bool()>& pred, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

class GrpcCluster {
 public:
  explicit GrpcCluster(int n, uint64_t gc_limit = 1000, size_t chunk_bytes = 1 << 20)
      : gc_limit_(gc_limit), chunk_bytes_(chunk_bytes) {
    for (uint64_t id = 1; id <= static_cast<uint64_t>(n); ++id) {
      disks_[id] = std::make_unique<TestDisk>();
      Start(id);
    }
  }
  ~GrpcCluster() {
    for (auto& [id, _] : disks_) Stop(id);
  }

  void Start(uint64_t id) {
    RaftClientOptions co;
    co.resolve = [this](uint64_t store) -> Result<std::string> {
      std::lock_guard<std::mutex> l(addr_mu_);
      auto it = addrs_.find(store);
      if (it == addrs_.end()) return Status::NotFound("store " + std::to_string(store));
      return it->second;
    };
    co.reconnect_backoff_ms = 50;
    co.snapshot_chunk_bytes = chunk_bytes_;
    clients_[id] = std::make_unique<RaftClient>(co);
    StoreOptions o;
    o.store_id = id;
    o.engines = disks_[id]->engines();
    o.transport = clients_[id].get();
    o.raft_log_gc_count_limit = gc_limit_;
    auto s = RaftStore::Open(o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    stores_[id] = std::move(*s);
    services_[id] = std::make_unique<RaftTransportService>(stores_[id].get());
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(services_[id].get());
    servers_[id] = b.BuildAndStart();
    ASSERT_NE(port, 0);
    {
      std::lock_guard<std::mutex> l(addr_mu_);
      addrs_[id] = "127.0.0.1:" + std::to_string(port);
    }
  }
  void Run(uint64_t id) { stores_[id]->Start(std::chrono::milliseconds(10)); }

  // Stops a store like a crash would: no more messages in or out; the disk survives.
  void Stop(uint64_t id) {
    if (!stores_.count(id)) return;
    {
      std::lock_guard<std::mutex> l(addr_mu_);
      addrs_.erase(id);
    }
    stores_[id]->Stop();
    servers_[id]->Shutdown(std::chrono::system_clock::now());
    servers_[id].reset();
    clients_.erase(id);
    services_.erase(id);
    stores_.erase(id);
    servers_.erase(id);
  }
  void Restart(uint64_t id) {
    disks_[id]->Close();
    disks_[id]->Open();
    Start(id);
    Run(id);
  }

  RaftStore& Store(uint64_t id) { return *stores_.at(id); }
  TestDisk& Disk(uint64_t id) { return *disks_.at(id); }

  uint64_t Leader() {
    for (auto& [id, s] : stores_) {
      auto p = s->GetPeer(1);
      if (p && p->role == raft::StateRole::kLeader) return id;
    }
    return 0;
  }

  bool Put(const std::string& k, const std::string& v) {
    for (int attempt = 0; attempt < 50; ++attempt) {
      uint64_t l = 0;
      if (!WaitFor([&] { return (l = Leader()) != 0; }, 5000)) return false;
      raft_cmdpb::RaftCmdRequest req;
      req.mutable_header()->set_region_id(1);
      *req.mutable_header()->mutable_region_epoch() = Store(l).GetPeer(1)->region.region_epoch();
      auto* r = req.add_requests();
      r->set_cmd_type(raft_cmdpb::Put);
      r->mutable_put()->set_key(k);
      r->mutable_put()->set_value(v);
      auto done = std::make_shared<std::promise<bool>>();
      auto fut = done->get_future();
      Store(l).Propose(req, [done](const raft_cmdpb::RaftCmdResponse& resp) {
        done->set_value(!resp.header().has_error());
      });
      if (fut.wait_for(std::chrono::seconds(5)) == std::future_status::ready && fut.get()) {
        return true;
      }
    }
    return false;
  }

 private:
  const uint64_t gc_limit_;
  const size_t chunk_bytes_;
  std::mutex addr_mu_;
  std::map<uint64_t, std::string> addrs_;
  std::map<uint64_t, std::unique_ptr<TestDisk>> disks_;
  std::map<uint64_t, std::unique_ptr<RaftClient>> clients_;
  std::map<uint64_t, std::unique_ptr<RaftStore>> stores_;
  std::map<uint64_t, std::unique_ptr<RaftTransportService>> services_;
  std::map<uint64_t, std::unique_ptr<grpc::Server>> servers_;
};

metapb::Region Region1() {
  metapb::Region r;
  r.set_id(1);
  r.mutable_region_epoch()->set_conf_ver(1);
  r.mutable_region_epoch()->set_version(1);
  for (uint64_t s = 1; s <= 3; ++s) {
    auto* p = r.add_peers();
    p->set_id(s);
    p->set_store_id(s);
  }
  return r;
}

TEST(GrpcTransportTest, ReplicatesOverBatchRaftAndSurvivesAStoreCrash) {
  GrpcCluster c(3);
  for (uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(c.Store(s).BootstrapRegion(Region1()).ok());
  for (uint64_t s = 1; s <= 3; ++s) c.Run(s);
  ASSERT_TRUE(WaitFor([&] { return c.Leader() != 0; }, 10000));
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(c.Put("a" + std::to_string(i), "v")) << i;
  ASSERT_TRUE(WaitFor([&] { return c.Disk(1).Data().size() == 50 && c.Disk(2).Data().size() == 50 &&
                                   c.Disk(3).Data().size() == 50; },
                      10000));
  uint64_t old = c.Leader();
  c.Stop(old);
  // The other two elect a leader (seconds, not minutes) and keep accepting writes.
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] { return c.Leader() != 0 && c.Leader() != old; }, 10000));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(secs, 5.0);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(c.Put("b" + std::to_string(i), "v")) << i;
  c.Restart(old);
  ASSERT_TRUE(WaitFor([&] { return c.Disk(old).Data().size() == 70; }, 15000))
      << c.Disk(old).Data().size();
  uint64_t l = c.Leader();
  EXPECT_EQ(c.Disk(old).Data(), c.Disk(l).Data());
}

TEST(GrpcTransportTest, StoreBackAfterLogCompactionGetsTheSnapshotInChunks) {
  // Small log limit: the stopped store's entries are compacted away; 64 KiB chunks: its
  // snapshot (~1 MiB of values) takes many SnapshotChunks on the tikvpb Snapshot call.
  GrpcCluster c(3, /*gc_limit=*/20, /*chunk_bytes=*/64 << 10);
  for (uint64_t s = 1; s <= 3; ++s) ASSERT_TRUE(c.Store(s).BootstrapRegion(Region1()).ok());
  for (uint64_t s = 1; s <= 3; ++s) c.Run(s);
  ASSERT_TRUE(WaitFor([&] { return c.Leader() != 0; }, 10000));
  uint64_t away = c.Leader() == 3 ? 2 : 3;
  c.Stop(away);
  const std::string value(1000, 'x');
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(c.Put("k" + std::to_string(i), value)) << i;
  c.Restart(away);
  ASSERT_TRUE(WaitFor([&] { return c.Disk(away).Data().size() == 1000; }, 30000))
      << c.Disk(away).Data().size();
  uint64_t l = c.Leader();
  EXPECT_EQ(c.Disk(away).AllData(), c.Disk(l).AllData());
  EXPECT_GE(c.Store(away).stats().snapshots_installed, 1u);  // not by the log: it was compacted
  // No snapshot file stays: received ones once installed, generated ones once delivered.
  EXPECT_TRUE(WaitFor([&] { return CountFiles(c.Store(l).snap_dir()) == 0; }, 10000));
  EXPECT_EQ(CountFiles(c.Store(away).snap_dir()), 0u);
  ASSERT_TRUE(c.Put("after", "snapshot"));
  EXPECT_TRUE(WaitFor([&] { return c.Disk(away).Data().size() == 1001; }, 10000));
}

}  // namespace
}  // namespace brkv::raftstore
