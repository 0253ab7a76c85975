// Drives an in-process pd-server through PdClient over real gRPC on 127.0.0.1.
#include "pd/pd_server.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include "client/pd_client.h"
#include "pd/pd_test_util.h"
#include "pd/tso.h"
#include "proto/pdpb.grpc.pb.h"

namespace brkv::pd {
namespace {

using client::PdClient;
using client::PdClientOptions;
using client::RegionInfo;

std::unique_ptr<PdServer> StartServer(const std::string& dir, int port = 0) {
  PdServerOptions opts;
  opts.data_dir = dir;
  opts.addr = "127.0.0.1:" + std::to_string(port);
  opts.store_rpc_timeout_ms = 500;
  auto s = PdServer::Start(opts);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

std::unique_ptr<PdClient> ConnectTo(const std::string& addr, int64_t budget_ms = 5000) {
  PdClientOptions o;
  o.address = addr;
  o.rpc_timeout_ms = 2000;
  o.retry_budget_ms = budget_ms;
  auto c = PdClient::Connect(o);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

metapb::Store MakeStore(uint64_t id, const std::string& addr) {
  metapb::Store s;
  s.set_id(id);
  s.set_address(addr);
  return s;
}

// A port with nothing listening on it.
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

TEST(PdServerTest, EndToEndThroughClientAndRestart) {
  testing::ScratchDir dir;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  auto pd = ConnectTo(server->address());
  ASSERT_NE(pd, nullptr);
  EXPECT_EQ(pd->cluster_id(), server->cluster_id());
  EXPECT_FALSE(pd->IsBootstrapped().value());
  EXPECT_FALSE(pd->GetRegion("a").ok());  // not bootstrapped

  // What a kv-server does at first start.
  uint64_t store_id = pd->AllocID().value();
  uint64_t region_id = pd->AllocID().value();
  uint64_t peer_id = pd->AllocID().value();
  metapb::Region region;
  region.set_id(region_id);
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(1);
  auto* peer = region.add_peers();
  peer->set_id(peer_id);
  peer->set_store_id(store_id);
  ASSERT_TRUE(pd->Bootstrap(MakeStore(store_id, "127.0.0.1:1"), region).ok());
  EXPECT_EQ(pd->Bootstrap(MakeStore(store_id, "127.0.0.1:1"), region).code(),
            Status::Code::kAlreadyExists);
  EXPECT_TRUE(pd->IsBootstrapped().value());
  ASSERT_TRUE(pd->PutStore(MakeStore(store_id, "127.0.0.1:1")).ok());
  pdpb::StoreStats stats;
  stats.set_store_id(store_id);
  stats.set_used_size(4096);
  ASSERT_TRUE(pd->StoreHeartbeat(stats).ok());
  stats.set_store_id(9999);
  EXPECT_EQ(pd->StoreHeartbeat(stats).code(), Status::Code::kNotFound);

  auto stores = pd->GetAllStores().value();
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0].store().address(), "127.0.0.1:1");
  EXPECT_FALSE(stores[0].is_down());
  EXPECT_EQ(stores[0].region_count(), 1u);
  EXPECT_EQ(stores[0].used_size(), 4096u);
  EXPECT_EQ(pd->GetStore(store_id)->address(), "127.0.0.1:1");
  EXPECT_EQ(pd->GetStore(4242).status().code(), Status::Code::kNotFound);

  // Split reported by the node.
  auto split_ids = pd->AskBatchSplit(region, 1).value();
  ASSERT_EQ(split_ids.size(), 1u);
  metapb::Region left = region, right = region;
  left.set_id(split_ids[0].new_region_id());
  left.mutable_peers(0)->set_id(split_ids[0].new_peer_ids(0));
  left.set_end_key("m");
  left.mutable_region_epoch()->set_version(2);
  right.set_start_key("m");
  right.mutable_region_epoch()->set_version(2);
  ASSERT_TRUE(pd->ReportBatchSplit({left, right}).ok());
  RegionInfo r = pd->GetRegion("a").value();
  EXPECT_EQ(r.region.id(), left.id());
  EXPECT_EQ(r.leader.store_id(), store_id);
  EXPECT_EQ(pd->GetRegion("z")->region.id(), region_id);
  EXPECT_EQ(pd->ScanRegions("", "", 0)->size(), 2u);
  EXPECT_EQ(pd->ScanRegions("", "", 1)->size(), 1u);
  EXPECT_EQ(pd->GetRegionByID(777777).status().code(), Status::Code::kNotFound);
  // A stale heartbeat is refused.
  RegionInfo stale;
  stale.region = region;
  stale.leader = region.peers(0);
  EXPECT_FALSE(pd->RegionHeartbeat(stale).ok());
  RegionInfo hb;
  hb.region = right;
  hb.leader = right.peers(0);
  hb.approximate_size = 1234;
  ASSERT_TRUE(pd->RegionHeartbeat(hb).ok());
  EXPECT_EQ(pd->GetRegionByID(region_id)->approximate_size, 1234u);

  // TSO and safe points.
  uint64_t ts1 = pd->GetTS().value();
  uint64_t ts10 = pd->GetTS(10).value();
  EXPECT_GE(ts10, ts1 + 10);
  EXPECT_EQ(pd->UpdateServiceGCSafePoint("br", 300, ts1).value(), ts1);
  EXPECT_EQ(pd->UpdateGCSafePoint(ts10).value(), ts1);  // held back by "br"
  EXPECT_EQ(pd->GetGCSafePoint().value(), ts1);
  EXPECT_EQ(pd->UpdateServiceGCSafePoint("late", 300, ts1 - 1).value(), ts1);  // refused

  // Restart on the same data dir: everything is still there.
  uint64_t cluster_id = server->cluster_id();
  server->Shutdown();
  server.reset();
  server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->cluster_id(), cluster_id);
  auto pd2 = ConnectTo(server->address());
  ASSERT_NE(pd2, nullptr);
  EXPECT_TRUE(pd2->IsBootstrapped().value());
  EXPECT_GT(pd2->GetTS().value(), ts10);
  EXPECT_GT(pd2->AllocID().value(), split_ids[0].new_peer_ids(0));
  EXPECT_EQ(pd2->ScanRegions("", "", 0)->size(), 2u);
  EXPECT_EQ(pd2->GetAllStores()->size(), 1u);
  EXPECT_EQ(pd2->GetGCSafePoint().value(), ts1);
  EXPECT_EQ(pd2->UpdateGCSafePoint(ts10).value(), ts1);  // "br" survived the restart
  EXPECT_EQ(pd2->UpdateServiceGCSafePoint("br", 0, 0).value(), ts1);
  EXPECT_EQ(pd2->UpdateGCSafePoint(ts10).value(), ts10);
}

TEST(PdServerTest, WrongClusterIdIsRefused) {
  testing::ScratchDir dir;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  auto stub = pdpb::PD::NewStub(
      grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()));
  pdpb::TsoRequest req;
  req.mutable_header()->set_cluster_id(server->cluster_id() + 1);
  req.set_count(1);
  pdpb::TsoResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  auto stream = stub->Tso(&ctx);
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_EQ(resp.header().error().type(), pdpb::CLUSTER_MISMATCH);
  EXPECT_EQ(resp.header().cluster_id(), server->cluster_id());
  EXPECT_EQ(resp.timestamp().physical(), 0);
  // The stream stays usable for a request with the right id.
  req.mutable_header()->set_cluster_id(server->cluster_id());
  ASSERT_TRUE(stream->Write(req));
  ASSERT_TRUE(stream->Read(&resp));
  EXPECT_FALSE(resp.header().has_error());
  EXPECT_GT(resp.timestamp().physical(), 0);
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());
}

// What a kvproto client sees: one Tso stream carrying several requests, each answered in order
// with `count` timestamps ending at the answer's; and a RegionHeartbeat stream answering every
// heartbeat with its region id.
TEST(PdServerTest, StreamsAnswerEveryRequestInOrder) {
  testing::ScratchDir dir;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  auto pd = ConnectTo(server->address());
  ASSERT_NE(pd, nullptr);
  metapb::Region region;
  region.set_id(pd->AllocID().value());
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(1);
  auto* peer = region.add_peers();
  peer->set_id(pd->AllocID().value());
  peer->set_store_id(1);
  ASSERT_TRUE(pd->Bootstrap(MakeStore(1, "127.0.0.1:1"), region).ok());

  auto stub =
      pdpb::PD::NewStub(grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto tso = stub->Tso(&ctx);
  uint64_t last = 0;
  for (uint32_t count : {1u, 5u, 3u}) {
    pdpb::TsoRequest req;
    req.set_count(count);
    ASSERT_TRUE(tso->Write(req));
    pdpb::TsoResponse resp;
    ASSERT_TRUE(tso->Read(&resp));
    EXPECT_EQ(resp.count(), count);
    uint64_t ts = ComposeTs(resp.timestamp().physical(), resp.timestamp().logical());
    EXPECT_GE(ts, last + count);  // the whole batch lies after the previous answer
    last = ts;
  }
  ASSERT_TRUE(tso->WritesDone());
  EXPECT_TRUE(tso->Finish().ok());

  grpc::ClientContext hctx;
  hctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto hb = stub->RegionHeartbeat(&hctx);
  pdpb::RegionHeartbeatRequest req;
  *req.mutable_region() = region;
  *req.mutable_leader() = region.peers(0);
  req.set_approximate_size(777);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(hb->Write(req));
    pdpb::RegionHeartbeatResponse resp;
    ASSERT_TRUE(hb->Read(&resp));
    EXPECT_FALSE(resp.header().has_error()) << resp.header().ShortDebugString();
    EXPECT_EQ(resp.region_id(), region.id());
  }
  ASSERT_TRUE(hb->WritesDone());
  EXPECT_TRUE(hb->Finish().ok());
  EXPECT_EQ(pd->GetRegionByID(region.id())->approximate_size, 777u);
}

// PdClient's streams outlive a PD restart: the next call reopens them. Shutdown does not wait
// for open streams (StopStreams ends them).
TEST(PdServerTest, ClientStreamsReconnectAfterRestart) {
  testing::ScratchDir dir;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  int port = server->port();
  auto pd = ConnectTo(server->address(), 10000);
  ASSERT_NE(pd, nullptr);
  metapb::Region region;
  region.set_id(pd->AllocID().value());
  region.mutable_region_epoch()->set_conf_ver(1);
  region.mutable_region_epoch()->set_version(1);
  auto* peer = region.add_peers();
  peer->set_id(pd->AllocID().value());
  peer->set_store_id(1);
  ASSERT_TRUE(pd->Bootstrap(MakeStore(1, "127.0.0.1:1"), region).ok());
  RegionInfo hb;
  hb.region = region;
  hb.leader = region.peers(0);
  ASSERT_TRUE(pd->RegionHeartbeat(hb).ok());
  uint64_t ts1 = pd->GetTS().value();

  auto start = std::chrono::steady_clock::now();
  server->Shutdown();
  auto shutdown_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now() - start)
                         .count();
  EXPECT_LT(shutdown_ms, 1500);  // a graceful shutdown with open streams would take 2 s
  server.reset();
  server = StartServer(dir.path(), port);
  ASSERT_NE(server, nullptr);

  uint64_t ts2 = pd->GetTS().value();
  EXPECT_GT(ts2, ts1);
  hb.approximate_size = 99;
  ASSERT_TRUE(pd->RegionHeartbeat(hb).ok());
  EXPECT_EQ(pd->GetRegionByID(region.id())->approximate_size, 99u);
}

// Concurrent GetTS calls share stream requests but never a timestamp.
TEST(PdServerTest, ConcurrentGetTsAreUniqueAndIncreasing) {
  testing::ScratchDir dir;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  auto pd = ConnectTo(server->address());
  ASSERT_NE(pd, nullptr);
  constexpr int kThreads = 8;
  constexpr int kCalls = 50;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        auto ts = pd->GetTS(1 + static_cast<uint32_t>(i % 3));
        ASSERT_TRUE(ts.ok()) << ts.status().ToString();
        got[t].push_back(*ts);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint64_t> all;
  for (const auto& v : got) {
    ASSERT_EQ(v.size(), static_cast<size_t>(kCalls));
    for (size_t i = 1; i < v.size(); ++i) EXPECT_GT(v[i], v[i - 1]);
    for (size_t i = 0; i < v.size(); ++i) {
      // Each call owns count = 1 + i % 3 timestamps ending at v[i].
      for (uint64_t k = 0; k < 1 + i % 3; ++k) EXPECT_TRUE(all.insert(v[i] - k).second);
    }
  }
}

TEST(PdServerTest, ClientToClosedPortFailsWithinBudget) {
  PdClientOptions o;
  o.address = "127.0.0.1:" + std::to_string(ClosedPort());
  o.rpc_timeout_ms = 300;
  o.retry_budget_ms = 1000;
  auto start = std::chrono::steady_clock::now();
  auto c = PdClient::Connect(o);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kUnavailable) << c.status().ToString();
  EXPECT_LT(ms, 3000);
}

TEST(PdServerTest, ClientToSilentServerHonoursDeadline) {
  // Accepts TCP connections (kernel backlog) but never speaks HTTP/2.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  ASSERT_EQ(::listen(fd, 16), 0);
  socklen_t len = sizeof(a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  PdClientOptions o;
  o.address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  o.rpc_timeout_ms = 300;
  o.retry_budget_ms = 1000;
  auto start = std::chrono::steady_clock::now();
  auto c = PdClient::Connect(o);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  ::close(fd);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kUnavailable) << c.status().ToString();
  EXPECT_LT(ms, 3000);
}

TEST(PdServerTest, SplitAndScatterAgainstDeadStoreFailLoudly) {
  testing::ScratchDir dir;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  auto pd = ConnectTo(server->address(), 20000);
  ASSERT_NE(pd, nullptr);
  metapb::Region region;
  region.set_id(2);
  region.mutable_region_epoch()->set_version(1);
  region.mutable_region_epoch()->set_conf_ver(1);
  auto* peer = region.add_peers();
  peer->set_id(3);
  peer->set_store_id(1);
  std::string dead = "127.0.0.1:" + std::to_string(ClosedPort());
  ASSERT_TRUE(pd->Bootstrap(MakeStore(1, dead), region).ok());
  ASSERT_TRUE(pd->PutStore(MakeStore(4, "127.0.0.1:" + std::to_string(ClosedPort()))).ok());
  auto split = pd->SplitRegions({"k"});
  EXPECT_FALSE(split.ok());
  auto failed = pd->ScatterRegions({2});
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(failed.value(), std::vector<uint64_t>{2});
  // PD's table is unchanged by the failed attempts.
  EXPECT_EQ(pd->GetRegionByID(2)->leader.store_id(), 1u);
  EXPECT_EQ(pd->ScanRegions("", "", 0)->size(), 1u);
}

TEST(PdServerTest, AutomaticGcAndStoreLivenessFollowTheClock) {
  testing::ScratchDir dir;
  ManualClock clock(1'700'000'000'000);
  PdServerOptions opts;
  opts.data_dir = dir.path();
  opts.addr = "127.0.0.1:0";
  opts.gc_life_time_s = 600;
  opts.gc_tick_ms = 20;
  opts.store_down_ms = 5000;
  opts.clock = &clock;
  auto server = PdServer::Start(opts);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto pd = ConnectTo((*server)->address());
  ASSERT_NE(pd, nullptr);

  auto wait_gc = [&](uint64_t want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    uint64_t got = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      got = pd->GetGCSafePoint().value();
      if (got == want) return got;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return got;
  };
  int64_t now = clock.NowMs();
  EXPECT_EQ(wait_gc(ComposeTs(now - 600'000, 0)), ComposeTs(now - 600'000, 0));
  // A service safe point holds automatic GC back until it expires.
  uint64_t held = ComposeTs(now - 300'000, 0);
  ASSERT_EQ(pd->UpdateServiceGCSafePoint("br", 7200, held).value(), held);
  clock.Advance(3'600'000);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pd->GetGCSafePoint().value(), held);  // "br" is live for two hours
  ASSERT_EQ(pd->UpdateServiceGCSafePoint("br", 60, held).value(), held);  // shorter TTL
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(pd->GetGCSafePoint().value(), held);
  clock.Advance(61'000);  // not refreshed: expires
  now = clock.NowMs();
  EXPECT_EQ(wait_gc(ComposeTs(now - 600'000, 0)), ComposeTs(now - 600'000, 0));

  // Store liveness.
  metapb::Region region;
  region.set_id(2);
  auto* peer = region.add_peers();
  peer->set_id(3);
  peer->set_store_id(1);
  ASSERT_TRUE(pd->Bootstrap(MakeStore(1, "127.0.0.1:1"), region).ok());
  EXPECT_FALSE(pd->GetAllStores()->at(0).is_down());
  clock.Advance(5'001);
  EXPECT_TRUE(pd->GetAllStores()->at(0).is_down());
  pdpb::StoreStats stats;
  stats.set_store_id(1);
  ASSERT_TRUE(pd->StoreHeartbeat(stats).ok());
  EXPECT_FALSE(pd->GetAllStores()->at(0).is_down());
}

TEST(PdServerTest, RefusesBusyAddressAndLockedDataDir) {
  testing::ScratchDir dir, dir2;
  auto server = StartServer(dir.path());
  ASSERT_NE(server, nullptr);
  PdServerOptions same_dir;
  same_dir.data_dir = dir.path();
  same_dir.addr = "127.0.0.1:0";
  auto s1 = PdServer::Start(same_dir);
  EXPECT_FALSE(s1.ok());
  PdServerOptions same_port;
  same_port.data_dir = dir2.path();
  same_port.addr = server->address();
  auto s2 = PdServer::Start(same_port);
  EXPECT_FALSE(s2.ok());
}

// What a region leader does: report the region, carry out PD's command, until PD has nothing
// more to say. Returns the number of commands carried out.
int HeartbeatUntilQuiet(PdClient* pd, RegionInfo* r, int max_rounds = 20) {
  for (int i = 0; i < max_rounds; ++i) {
    auto resp = pd->RegionHeartbeat(*r);
    EXPECT_TRUE(resp.ok()) << resp.status().ToString();
    if (!resp.ok() || !testing::ApplyHeartbeatCommand(*resp, &r->region, &r->leader)) return i;
  }
  ADD_FAILURE() << "PD kept sending commands";
  return max_rounds;
}

TEST(PdServerTest, ReplicationOperatorsAndStoreDeletionOverGrpc) {
  testing::ScratchDir dir;
  ManualClock clock(1'700'000'000'000);
  PdServerOptions opts;
  opts.data_dir = dir.path();
  opts.addr = "127.0.0.1:0";
  opts.clock = &clock;
  opts.schedule.leader_schedule_limit = 0;
  opts.schedule.region_schedule_limit = 0;
  auto server = PdServer::Start(opts);
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto pd = ConnectTo((*server)->address());
  ASSERT_NE(pd, nullptr);

  RegionInfo r;
  r.region.set_id(2);
  r.region.mutable_region_epoch()->set_conf_ver(1);
  r.region.mutable_region_epoch()->set_version(1);
  auto* peer = r.region.add_peers();
  peer->set_id(3);
  peer->set_store_id(1);
  r.leader = *peer;
  ASSERT_TRUE(pd->Bootstrap(MakeStore(1, "127.0.0.1:1"), r.region).ok());
  for (uint64_t s = 2; s <= 3; ++s) {
    ASSERT_TRUE(pd->PutStore(MakeStore(s, "127.0.0.1:" + std::to_string(s))).ok());
  }
  auto cfg = pd->GetReplicationConfig();
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->max_replicas, 3u);
  EXPECT_EQ(cfg->target_replicas, 3u);
  EXPECT_EQ(cfg->max_store_down_time_ms, 30 * 60 * 1000);
  EXPECT_EQ(pd->GetOperator(2).status().code(), Status::Code::kNotFound);

  // The heartbeat answer carries the replica checker's steps.
  auto first = pd->RegionHeartbeat(r);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_change_peer());
  EXPECT_EQ(first->change_peer().change_type(), eraftpb::AddLearnerNode);
  EXPECT_EQ(first->header().cluster_id(), (*server)->cluster_id());
  auto running = pd->GetOperator(2);
  ASSERT_TRUE(running.ok());
  EXPECT_EQ(running->status(), pdpb::RUNNING);
  EXPECT_EQ(running->desc(), "add-replica");
  EXPECT_EQ(running->kind(), "replica");
  EXPECT_EQ(HeartbeatUntilQuiet(pd.get(), &r), 4);
  EXPECT_EQ(r.region.peers_size(), 3);
  EXPECT_EQ(pd->GetOperator(2)->status(), pdpb::SUCCESS);
  EXPECT_EQ(pd->GetRegionByID(2)->region.peers_size(), 3);

  // Down and pending peers travel with the heartbeat and come back from GetRegion / Scan.
  pdpb::PeerStats down;
  *down.mutable_peer() = r.region.peers(1);
  down.set_down_seconds(42);
  r.down_peers = {down};
  r.pending_peers = {r.region.peers(2)};
  ASSERT_TRUE(pd->RegionHeartbeat(r).ok());
  auto got = pd->GetRegionByID(2).value();
  ASSERT_EQ(got.down_peers.size(), 1u);
  EXPECT_EQ(got.down_peers[0].down_seconds(), 42u);
  ASSERT_EQ(got.pending_peers.size(), 1u);
  EXPECT_EQ(got.pending_peers[0].id(), r.region.peers(2).id());
  EXPECT_EQ(pd->ScanRegions("", "", 0)->at(0).down_peers.size(), 1u);
  r.down_peers.clear();
  r.pending_peers.clear();
  ASSERT_TRUE(pd->RegionHeartbeat(r).ok());

  // Admin operators: errors keep their codes and one-line messages.
  auto code = [&](brkvpb::OperatorType t, uint64_t region, uint64_t store) {
    return pd->AddOperator(t, region, store).status();
  };
  Status unknown_region = code(brkvpb::OPERATOR_TRANSFER_LEADER, 99, 2);
  EXPECT_EQ(unknown_region.code(), Status::Code::kNotFound);
  EXPECT_NE(unknown_region.message().find("region 99 not found"), std::string::npos)
      << unknown_region.ToString();
  EXPECT_EQ(code(brkvpb::OPERATOR_TRANSFER_LEADER, 2, 9).code(), Status::Code::kNotFound);
  Status twice = code(brkvpb::OPERATOR_ADD_PEER, 2, 2);
  EXPECT_EQ(twice.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(twice.message().find("already has a peer on store 2"), std::string::npos);
  EXPECT_EQ(code(brkvpb::OPERATOR_REMOVE_PEER, 2, 7).code(), Status::Code::kNotFound);
  auto tl = pd->AddOperator(brkvpb::OPERATOR_TRANSFER_LEADER, 2, 3);
  ASSERT_TRUE(tl.ok()) << tl.status().ToString();
  EXPECT_EQ(tl->desc(), "admin-transfer-leader");
  EXPECT_EQ(tl->status(), pdpb::RUNNING);
  ASSERT_EQ(tl->steps_size(), 1);
  EXPECT_EQ(code(brkvpb::OPERATOR_REMOVE_PEER, 2, 2).code(), Status::Code::kAborted);
  auto cmd = pd->RegionHeartbeat(r);
  ASSERT_TRUE(cmd.ok());
  ASSERT_TRUE(cmd->has_transfer_leader());
  EXPECT_EQ(cmd->transfer_leader().peer().store_id(), 3u);
  HeartbeatUntilQuiet(pd.get(), &r);
  EXPECT_EQ(r.leader.store_id(), 3u);
  auto ops = pd->ListOperators(2);
  ASSERT_TRUE(ops.ok());
  ASSERT_EQ(ops->size(), 3u);  // newest first
  EXPECT_EQ(ops->at(0).desc(), "admin-transfer-leader");
  EXPECT_EQ(ops->at(0).status(), pdpb::SUCCESS);
  EXPECT_GT(ops->at(0).finished_ms(), 0);
  EXPECT_EQ(pd->ListOperators(99).status().code(), Status::Code::kNotFound);

  // Store deletion: refused while the replicas have nowhere to go.
  EXPECT_EQ(pd->DeleteStore(9).status().code(), Status::Code::kNotFound);
  Status refused = pd->DeleteStore(3).status();
  EXPECT_EQ(refused.code(), Status::Code::kAborted);
  EXPECT_NE(refused.message().find("add a store first"), std::string::npos);
  ASSERT_TRUE(pd->PutStore(MakeStore(4, "127.0.0.1:4")).ok());
  auto offline = pd->DeleteStore(3);
  ASSERT_TRUE(offline.ok()) << offline.status().ToString();
  EXPECT_EQ(offline->state(), metapb::Offline);
  EXPECT_GE(HeartbeatUntilQuiet(pd.get(), &r), 4);
  for (const auto& p : r.region.peers()) EXPECT_NE(p.store_id(), 3u);
  EXPECT_EQ(pd->GetStore(3)->state(), metapb::Tombstone);
  pdpb::StoreStats stats;
  stats.set_store_id(3);
  EXPECT_EQ(pd->StoreHeartbeat(stats).code(), Status::Code::kAborted);  // STORE_TOMBSTONE
  EXPECT_EQ(pd->DeleteStore(3).status().code(), Status::Code::kAborted);
  EXPECT_EQ(pd->GetReplicationConfig()->target_replicas, 3u);
}

}  // namespace
}  // namespace brkv::pd
