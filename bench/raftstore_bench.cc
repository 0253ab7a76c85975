// raftstore-bench: the replicated write path, measured. Three RaftStores in one process, each on
// its own RocksDB (synced writes, as the kv-server runs) under a temp dir, talking over real gRPC
// BatchRaft streams on 127.0.0.1. Client threads propose Put commands (unique keys, fixed-size
// values) to region leaders for a fixed time; the summary gives commands/s, latency percentiles
// and how well the loop batches (commands per Raft write, per fsync).
//
//   raftstore-bench [--regions N] [--clients C] [--seconds S] [--value-bytes B] [--replicas 1|3]
#include <CLI/CLI.hpp>
#include <grpcpp/grpcpp.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "raftstore/raft_client.h"
#include "raftstore/raft_service.h"
#include "raftstore/store.h"

using namespace brkv;
using namespace brkv::raftstore;
using Clock = std::chrono::steady_clock;

namespace {

struct Node {
  std::string dir;
  rocksdb::DB* db = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs;
  std::unique_ptr<RaftClient> client;
  std::unique_ptr<RaftStore> store;
  std::unique_ptr<RaftTransportService> service;
  std::unique_ptr<grpc::Server> server;
};

std::string Key(uint64_t region_index, uint64_t n) {
  char b[32];
  std::snprintf(b, sizeof(b), "r%04llu-%012llu", static_cast<unsigned long long>(region_index),
                static_cast<unsigned long long>(n));
  return b;
}

std::string SplitKey(uint64_t region_index) {
  char b[16];
  std::snprintf(b, sizeof(b), "r%04llu", static_cast<unsigned long long>(region_index));
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"raftstore-bench: replicated write throughput and latency"};
  int regions = 1, clients = 16, seconds = 10, value_bytes = 100, replicas = 3;
  app.add_option("--regions", regions, "regions written to")->capture_default_str();
  app.add_option("--clients", clients, "concurrent proposers")->capture_default_str();
  app.add_option("--seconds", seconds, "measured duration")->capture_default_str();
  app.add_option("--value-bytes", value_bytes, "value size")->capture_default_str();
  app.add_option("--replicas", replicas, "replicas per region (1 or 3)")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  std::string base = (std::filesystem::temp_directory_path() / "raftstore-bench-XXXXXX").string();
  base = mkdtemp(base.data());
  std::mutex addr_mu;
  std::map<uint64_t, std::string> addrs;
  std::map<uint64_t, Node> nodes;
  for (uint64_t id = 1; id <= static_cast<uint64_t>(replicas); ++id) {
    Node& n = nodes[id];
    n.dir = base + "/store" + std::to_string(id);
    rocksdb::Options o;
    o.create_if_missing = true;
    o.create_missing_column_families = true;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfd = {
        {rocksdb::kDefaultColumnFamilyName, {}}, {"write", {}}, {"lock", {}}, {"raft", {}}};
    if (!rocksdb::DB::Open(o, n.dir, cfd, &n.cfs, &n.db).ok()) return 1;
    RaftClientOptions co;
    co.resolve = [&addr_mu, &addrs](uint64_t s) -> Result<std::string> {
      std::lock_guard<std::mutex> l(addr_mu);
      auto it = addrs.find(s);
      if (it == addrs.end()) return Status::NotFound("store");
      return it->second;
    };
    n.client = std::make_unique<RaftClient>(co);
    StoreOptions so;
    so.store_id = id;
    so.engines = {n.db, n.cfs[0], n.cfs[1], n.cfs[2], n.cfs[3], true};
    so.transport = n.client.get();
    auto st = RaftStore::Open(so);
    if (!st.ok()) return 1;
    n.store = std::move(*st);
    n.service = std::make_unique<RaftTransportService>(n.store.get());
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.SetMaxReceiveMessageSize(256 << 20);
    b.RegisterService(n.service.get());
    n.server = b.BuildAndStart();
    std::lock_guard<std::mutex> l(addr_mu);
    addrs[id] = "127.0.0.1:" + std::to_string(port);
  }
  metapb::Region r1;
  r1.set_id(1);
  r1.mutable_region_epoch()->set_conf_ver(1);
  r1.mutable_region_epoch()->set_version(1);
  for (auto& [id, n] : nodes) {
    auto* p = r1.add_peers();
    p->set_id(id);
    p->set_store_id(id);
  }
  for (auto& [id, n] : nodes) (void)n.store->BootstrapRegion(r1);
  for (auto& [id, n] : nodes) n.store->Start(std::chrono::milliseconds(100));

  auto leader_of = [&](uint64_t rid) -> RaftStore* {
    for (auto& [id, n] : nodes) {
      auto p = n.store->GetPeer(rid);
      if (p && p->role == raft::StateRole::kLeader) return n.store.get();
    }
    return nullptr;
  };
  auto call = [&](RaftStore* s, raft_cmdpb::RaftCmdRequest req) -> bool {
    auto pr = std::make_shared<std::promise<bool>>();
    auto f = pr->get_future();
    s->Propose(std::move(req), [pr](const raft_cmdpb::RaftCmdResponse& r) {
      pr->set_value(!r.header().has_error());
    });
    return f.wait_for(std::chrono::seconds(10)) == std::future_status::ready && f.get();
  };
  auto wait_leader = [&](uint64_t rid) -> RaftStore* {
    for (int i = 0; i < 600; ++i) {
      if (auto* s = leader_of(rid)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return nullptr;
  };
  // Regions: split region 1 at r0001..r(N-1).
  std::vector<uint64_t> rids = {1};
  if (regions > 1) {
    RaftStore* l = wait_leader(1);
    raft_cmdpb::RaftCmdRequest req;
    req.mutable_header()->set_region_id(1);
    *req.mutable_header()->mutable_region_epoch() = l->GetPeer(1)->region.region_epoch();
    auto* a = req.mutable_admin_request();
    a->set_cmd_type(raft_cmdpb::BatchSplit);
    for (int i = 1; i < regions; ++i) {
      auto* s = a->mutable_splits()->add_requests();
      s->set_split_key(SplitKey(static_cast<uint64_t>(i)));
      s->set_new_region_id(100 + static_cast<uint64_t>(i));
      for (int k = 0; k < replicas; ++k) s->add_new_peer_ids(1000 + static_cast<uint64_t>(i) * 10 + k);
      rids.push_back(100 + static_cast<uint64_t>(i));
    }
    if (!call(l, req)) {
      std::fprintf(stderr, "split failed\n");
      return 1;
    }
  }
  for (uint64_t rid : rids) {
    if (!wait_leader(rid)) {
      std::fprintf(stderr, "region %llu has no leader\n", static_cast<unsigned long long>(rid));
      return 1;
    }
  }
  std::map<uint64_t, StoreStats> before;
  for (auto& [id, n] : nodes) before[id] = n.store->stats();

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> done{0}, failed{0};
  std::mutex lat_mu;
  std::vector<double> lat_ms;
  std::string value(static_cast<size_t>(value_bytes), 'v');
  std::vector<std::thread> ts;
  auto t0 = Clock::now();
  for (int c = 0; c < clients; ++c) {
    ts.emplace_back([&, c] {
      std::mt19937_64 rng(static_cast<uint64_t>(c) + 1);
      std::vector<double> mine;
      uint64_t n = 0;
      while (!stop.load()) {
        size_t ri = rng() % rids.size();
        uint64_t rid = rids[ri];
        RaftStore* l = leader_of(rid);
        if (!l) continue;
        raft_cmdpb::RaftCmdRequest req;
        req.mutable_header()->set_region_id(rid);
        *req.mutable_header()->mutable_region_epoch() = l->GetPeer(rid)->region.region_epoch();
        auto* p = req.add_requests();
        p->set_cmd_type(raft_cmdpb::Put);
        p->mutable_put()->set_key(Key(ri, static_cast<uint64_t>(c) * 1000000000ULL + n++));
        p->mutable_put()->set_value(value);
        auto s = Clock::now();
        if (call(l, req)) {
          done++;
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - s).count());
        } else {
          failed++;
        }
      }
      std::lock_guard<std::mutex> g(lat_mu);
      lat_ms.insert(lat_ms.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : ts) t.join();
  double el = std::chrono::duration<double>(Clock::now() - t0).count();
  std::sort(lat_ms.begin(), lat_ms.end());
  auto pct = [&](double q) {
    return lat_ms.empty() ? 0.0 : lat_ms[std::min(lat_ms.size() - 1, static_cast<size_t>(q * lat_ms.size()))];
  };
  StoreStats leader_delta;
  for (auto& [id, n] : nodes) {
    auto a = n.store->stats();
    leader_delta.raft_writes += a.raft_writes - before[id].raft_writes;
    leader_delta.synced_writes += a.synced_writes - before[id].synced_writes;
    leader_delta.entries_persisted += a.entries_persisted - before[id].entries_persisted;
  }
  std::printf(
      "replicas %d regions %d clients %d value %dB: %.0f commands/s (%llu in %.1f s, %llu failed), "
      "latency ms p50 %.2f p95 %.2f p99 %.2f; all stores: %llu Raft writes, %llu syncs, %.1f "
      "entries per sync\n",
      replicas, regions, clients, value_bytes, static_cast<double>(done.load()) / el,
      static_cast<unsigned long long>(done.load()), el,
      static_cast<unsigned long long>(failed.load()), pct(0.5), pct(0.95), pct(0.99),
      static_cast<unsigned long long>(leader_delta.raft_writes),
      static_cast<unsigned long long>(leader_delta.synced_writes),
      leader_delta.synced_writes
          ? static_cast<double>(leader_delta.entries_persisted) / leader_delta.synced_writes
          : 0.0);
  for (auto& [id, n] : nodes) n.store->Stop();
  for (auto& [id, n] : nodes) n.server->Shutdown(std::chrono::system_clock::now());
  for (auto& [id, n] : nodes) {
    n.client.reset();
    n.store.reset();
    for (auto* h : n.cfs) (void)n.db->DestroyColumnFamilyHandle(h);
    delete n.db;
  }
  std::error_code ec;
  std::filesystem::remove_all(base, ec);
  return 0;
}
