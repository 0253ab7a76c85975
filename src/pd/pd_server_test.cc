// Drives an in-process pd-server through PdClient over real gRPC on 127.0.0.1.
#include "pd/pd_server.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

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
  ASSERT_TRUE(stub->Tso(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.header().error().type(), pdpb::CLUSTER_MISMATCH);
  EXPECT_EQ(resp.header().cluster_id(), server->cluster_id());
  EXPECT_EQ(resp.timestamp().physical(), 0);
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

}  // namespace
}  // namespace brkv::pd
