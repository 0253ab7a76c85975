// Runs a real KvServer in-process on 127.0.0.1:0 against an in-process PdServer and drives it
// over gRPC. Built only when the PD library is available (BRKV_HAVE_PD_SERVER).
#include "server/kv_server.h"

#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "client/pd_client.h"
#include "common/failpoint.h"
#include "kv/keys.h"
#include "proto/brkvpb_debug.grpc.pb.h"
#include "proto/tikvpb.grpc.pb.h"
#include "server/server_test_util.h"

#ifdef BRKV_HAVE_PD_SERVER
#include "pd/pd_server.h"

namespace brkv::server {
namespace {

using Clock = std::chrono::steady_clock;

class KvServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pd::PdServerOptions po;
    po.data_dir = dir_.path() + "/pd";
    po.addr = "127.0.0.1:0";
    auto pd = pd::PdServer::Start(po);
    ASSERT_TRUE(pd.ok()) << pd.status().ToString();
    pd_ = std::move(pd).value();

    client::PdClientOptions co;
    co.address = pd_->address();
    auto pc = client::PdClient::Connect(co);
    ASSERT_TRUE(pc.ok()) << pc.status().ToString();
    pd_client_ = std::move(pc).value();
    StartKv();
  }

  void TearDown() override {
    kv_.reset();
    pd_client_.reset();
    if (pd_) pd_->Shutdown();
  }

  ServerConfig Config() {
    ServerConfig c;
    c.addr = "127.0.0.1:0";
    c.pd = pd_->address();
    c.data_dir = dir_.path() + "/kv";
    c.pd_connect_timeout_ms = 10000;
    c.store_heartbeat_interval_ms = 200;
    c.region_heartbeat_interval_ms = 500;
    c.region_split_size = 64 << 10;
    c.split_check_interval_ms = 100;
    c.gc_poll_interval_ms = 200;
    c.graceful_shutdown_timeout_ms = 2000;
    c.grpc_concurrency = 4;
    return c;
  }

  void StartKv() {
    auto kv = KvServer::Start(Config());
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(kv).value();
    auto ch = grpc::CreateChannel(kv_->advertise_address(), grpc::InsecureChannelCredentials());
    stub_ = tikvpb::Tikv::NewStub(ch);
    debug_ = brkvpb::Debug::NewStub(ch);
  }

  // The region containing region_key, as PD sees it (waits for heartbeats to converge on
  // `min_version`).
  metapb::Region RegionAt(const std::string& region_key, uint64_t min_version = 0) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (true) {
      auto r = pd_client_->GetRegion(region_key);
      if (r.ok() && r->region.region_epoch().version() >= min_version) return r->region;
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "PD has no region for key at version >= " << min_version;
        return {};
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static kvrpcpb::Context Ctx(const metapb::Region& r) {
    kvrpcpb::Context ctx;
    ctx.set_region_id(r.id());
    *ctx.mutable_region_epoch() = r.region_epoch();
    return ctx;
  }

  kvrpcpb::RawPutResponse RawPut(const metapb::Region& r, const std::string& k,
                                 const std::string& v) {
    kvrpcpb::RawPutRequest req;
    *req.mutable_context() = Ctx(r);
    req.set_key(k);
    req.set_value(v);
    kvrpcpb::RawPutResponse resp;
    grpc::ClientContext cc;
    EXPECT_TRUE(stub_->RawPut(&cc, req, &resp).ok());
    return resp;
  }

  kvrpcpb::RawGetResponse RawGet(const metapb::Region& r, const std::string& k) {
    kvrpcpb::RawGetRequest req;
    *req.mutable_context() = Ctx(r);
    req.set_key(k);
    kvrpcpb::RawGetResponse resp;
    grpc::ClientContext cc;
    EXPECT_TRUE(stub_->RawGet(&cc, req, &resp).ok());
    return resp;
  }

  testing::TempDir dir_;
  std::unique_ptr<pd::PdServer> pd_;
  std::unique_ptr<client::PdClient> pd_client_;
  std::unique_ptr<KvServer> kv_;
  std::unique_ptr<tikvpb::Tikv::Stub> stub_;
  std::unique_ptr<brkvpb::Debug::Stub> debug_;
};

TEST_F(KvServerTest, BootstrapsAndServesRawKv) {
  EXPECT_GT(kv_->store_id(), 0u);
  EXPECT_GT(kv_->port(), 0);
  auto bootstrapped = pd_client_->IsBootstrapped();
  ASSERT_TRUE(bootstrapped.ok());
  EXPECT_TRUE(*bootstrapped);

  metapb::Region r = RegionAt("");
  EXPECT_TRUE(r.start_key().empty());
  EXPECT_TRUE(r.end_key().empty());

  auto put = RawPut(r, "hello", "world");
  EXPECT_FALSE(put.has_region_error()) << put.region_error().message();
  EXPECT_TRUE(put.error().empty()) << put.error();
  auto got = RawGet(r, "hello");
  EXPECT_FALSE(got.not_found());
  EXPECT_EQ(got.value(), "world");
  EXPECT_TRUE(RawGet(r, "nope").not_found());

  // Raw scan in both directions.
  RawPut(r, "a", "1");
  RawPut(r, "b", "2");
  kvrpcpb::RawScanRequest sreq;
  *sreq.mutable_context() = Ctx(r);
  sreq.set_start_key("a");
  sreq.set_limit(2);
  kvrpcpb::RawScanResponse sresp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->RawScan(&cc, sreq, &sresp).ok());
  }
  ASSERT_EQ(sresp.kvs_size(), 2);
  EXPECT_EQ(sresp.kvs(0).key(), "a");
  EXPECT_EQ(sresp.kvs(1).key(), "b");
  sreq.set_reverse(true);
  sreq.set_start_key("");
  sreq.set_limit(0);
  sresp.Clear();
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->RawScan(&cc, sreq, &sresp).ok());
  }
  ASSERT_EQ(sresp.kvs_size(), 3);
  EXPECT_EQ(sresp.kvs(0).key(), "hello");
  EXPECT_EQ(sresp.kvs(2).key(), "a");

  // Region errors.
  metapb::Region stale = r;
  stale.mutable_region_epoch()->set_version(r.region_epoch().version() + 5);
  EXPECT_TRUE(RawGet(stale, "hello").region_error().has_epoch_not_match());
  metapb::Region missing = r;
  missing.set_id(424242);
  EXPECT_TRUE(RawGet(missing, "hello").region_error().has_region_not_found());
}

TEST_F(KvServerTest, TransactionsCommitAndSurviveRestart) {
  metapb::Region r = RegionAt("");
  auto start_ts = pd_client_->GetTS();
  ASSERT_TRUE(start_ts.ok());

  kvrpcpb::PrewriteRequest pw;
  *pw.mutable_context() = Ctx(r);
  pw.set_primary_lock("t_key1");
  pw.set_start_version(*start_ts);
  pw.set_lock_ttl(3000);
  for (const char* k : {"t_key1", "t_key2"}) {
    auto* m = pw.add_mutations();
    m->set_op(kvrpcpb::Put);
    m->set_key(k);
    m->set_value(std::string("v-") + k);
  }
  kvrpcpb::PrewriteResponse pw_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->KvPrewrite(&cc, pw, &pw_resp).ok());
  }
  ASSERT_FALSE(pw_resp.has_region_error());
  ASSERT_EQ(pw_resp.errors_size(), 0);

  auto commit_ts = pd_client_->GetTS();
  ASSERT_TRUE(commit_ts.ok());
  kvrpcpb::CommitRequest cm;
  *cm.mutable_context() = Ctx(r);
  cm.set_start_version(*start_ts);
  cm.set_commit_version(*commit_ts);
  cm.add_keys("t_key1");
  cm.add_keys("t_key2");
  kvrpcpb::CommitResponse cm_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->KvCommit(&cc, cm, &cm_resp).ok());
  }
  ASSERT_FALSE(cm_resp.has_region_error());
  ASSERT_FALSE(cm_resp.has_error());

  // Restart the node on the same data directory.
  const uint64_t store_id = kv_->store_id();
  kv_->Shutdown();
  kv_.reset();
  StartKv();
  EXPECT_EQ(kv_->store_id(), store_id);

  auto read_ts = pd_client_->GetTS();
  kvrpcpb::GetRequest get;
  *get.mutable_context() = Ctx(r);
  get.set_key("t_key2");
  get.set_version(*read_ts);
  kvrpcpb::GetResponse get_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->KvGet(&cc, get, &get_resp).ok());
  }
  ASSERT_FALSE(get_resp.has_region_error()) << get_resp.region_error().message();
  EXPECT_FALSE(get_resp.not_found());
  EXPECT_EQ(get_resp.value(), "v-t_key2");

  // Checksum over everything sees both keys.
  brkvpb::ChecksumRequest ck;
  *ck.mutable_context() = Ctx(r);
  ck.set_start_ts(*read_ts);
  ck.add_ranges();  // ["", "")
  brkvpb::ChecksumResponse ck_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(debug_->Checksum(&cc, ck, &ck_resp).ok());
  }
  EXPECT_FALSE(ck_resp.has_error());
  EXPECT_EQ(ck_resp.total_kvs(), 2u);
}

TEST_F(KvServerTest, SplitOnRequestAndTransfer) {
  metapb::Region r = RegionAt("");
  const std::string split_at = keys::TxnRegionKey("t");
  kvrpcpb::SplitRegionRequest sp;
  *sp.mutable_context() = Ctx(r);
  sp.add_split_keys(split_at);
  kvrpcpb::SplitRegionResponse sp_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->SplitRegion(&cc, sp, &sp_resp).ok());
  }
  ASSERT_FALSE(sp_resp.has_region_error()) << sp_resp.region_error().message();
  ASSERT_TRUE(sp_resp.error().empty()) << sp_resp.error();
  ASSERT_EQ(sp_resp.regions_size(), 2);
  const metapb::Region left = sp_resp.regions(0);
  const metapb::Region right = sp_resp.regions(1);
  EXPECT_EQ(left.id(), r.id());
  EXPECT_EQ(left.end_key(), split_at);
  EXPECT_EQ(right.start_key(), split_at);
  EXPECT_EQ(left.region_epoch().version(), r.region_epoch().version() + 1);
  EXPECT_EQ(right.region_epoch().version(), r.region_epoch().version() + 1);

  // PD learns about the split.
  metapb::Region at_pd = RegionAt(keys::TxnRegionKey("z"), right.region_epoch().version());
  EXPECT_EQ(at_pd.id(), right.id());

  // The old epoch is stale; a key of the right half is not in the left region.
  EXPECT_TRUE(RawGet(r, "x").region_error().has_epoch_not_match());
  kvrpcpb::GetRequest get;
  *get.mutable_context() = Ctx(left);
  get.set_key("z");
  get.set_version(1);
  kvrpcpb::GetResponse get_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->KvGet(&cc, get, &get_resp).ok());
  }
  EXPECT_TRUE(get_resp.region_error().has_key_not_in_region());

  // Raw keys ('r' + key) sort before encoded "t": they live in the left region.
  EXPECT_FALSE(RawPut(left, "k", "v").has_region_error());

  // TransferOut refuses the non-empty left region, moves the empty right one.
  brkvpb::TransferOutRequest out;
  *out.mutable_context() = Ctx(left);
  brkvpb::TransferOutResponse out_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(debug_->TransferOut(&cc, out, &out_resp).ok());
  }
  EXPECT_EQ(out_resp.error(), "region is not empty");

  *out.mutable_context() = Ctx(right);
  out_resp.Clear();
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(debug_->TransferOut(&cc, out, &out_resp).ok());
  }
  EXPECT_FALSE(out_resp.has_region_error());
  EXPECT_TRUE(out_resp.error().empty()) << out_resp.error();
  // The replica was destroyed: the store no longer knows the region.
  EXPECT_TRUE(RawGet(right, "x").region_error().has_region_not_found());

  brkvpb::TransferInRequest in;
  *in.mutable_region() = right;
  brkvpb::TransferInResponse in_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(debug_->TransferIn(&cc, in, &in_resp).ok());
  }
  EXPECT_TRUE(in_resp.error().empty()) << in_resp.error();
  kvrpcpb::GetRequest get2;
  *get2.mutable_context() = Ctx(right);
  get2.set_key("z");
  get2.set_version(1);
  get_resp.Clear();
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->KvGet(&cc, get2, &get_resp).ok());
  }
  EXPECT_FALSE(get_resp.has_region_error());
  EXPECT_TRUE(get_resp.not_found());
}

TEST_F(KvServerTest, SplitsBySize) {
  metapb::Region r = RegionAt("");
  kvrpcpb::RawBatchPutRequest req;
  *req.mutable_context() = Ctx(r);
  for (int i = 0; i < 400; ++i) {
    auto* kv = req.add_pairs();
    char k[16];
    snprintf(k, sizeof(k), "key%05d", i);
    kv->set_key(k);
    kv->set_value(std::string(512, 'v'));
  }
  kvrpcpb::RawBatchPutResponse resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(stub_->RawBatchPut(&cc, req, &resp).ok());
  }
  ASSERT_FALSE(resp.has_region_error());
  ASSERT_TRUE(resp.error().empty()) << resp.error();

  // ~200 KiB against a 64 KiB split size: PD soon sees at least three regions.
  const auto deadline = Clock::now() + std::chrono::seconds(15);
  size_t n = 0;
  while (Clock::now() < deadline) {
    auto regions = pd_client_->ScanRegions("", "");
    if (regions.ok()) n = regions->size();
    if (n >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(n, 3u);
}


TEST(KvServerClusterTest, ConcurrentStartsBootstrapOnce) {
  testing::TempDir dir;
  pd::PdServerOptions po;
  po.data_dir = dir.path() + "/pd";
  po.addr = "127.0.0.1:0";
  po.schedule.replication.max_replicas = 1;  // the first region stays where the bootstrap put it
  auto pd = pd::PdServer::Start(po);
  ASSERT_TRUE(pd.ok()) << pd.status().ToString();

  // Every node sees an unbootstrapped cluster and tries; all but one lose the race.
  failpoint::Enable("kv.bootstrap.before-pd", "sleep(300)");
  constexpr int kNodes = 3;
  std::vector<std::unique_ptr<KvServer>> nodes(kNodes);
  std::vector<Status> errors(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      ServerConfig c;
      c.addr = "127.0.0.1:0";
      c.pd = (*pd)->address();
      c.data_dir = dir.path() + "/kv" + std::to_string(i);
      c.pd_connect_timeout_ms = 10000;
      c.graceful_shutdown_timeout_ms = 1000;
      auto kv = KvServer::Start(c);
      if (kv.ok()) {
        nodes[i] = std::move(kv).value();
      } else {
        errors[i] = kv.status();
      }
    });
  }
  for (auto& t : threads) t.join();
  failpoint::DisableAll();
  std::set<uint64_t> store_ids;
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_TRUE(nodes[i]) << errors[i].ToString();
    store_ids.insert(nodes[i]->store_id());
  }
  EXPECT_EQ(store_ids.size(), static_cast<size_t>(kNodes));

  client::PdClientOptions co;
  co.address = (*pd)->address();
  auto pc = client::PdClient::Connect(co);
  ASSERT_TRUE(pc.ok());
  auto regions = (*pc)->ScanRegions("", "");
  ASSERT_TRUE(regions.ok()) << regions.status().ToString();
  ASSERT_EQ(regions->size(), 1u);
  EXPECT_TRUE((*regions)[0].region.start_key().empty());
  EXPECT_TRUE((*regions)[0].region.end_key().empty());
  auto stores = (*pc)->GetAllStores();
  ASSERT_TRUE(stores.ok());
  EXPECT_EQ(stores->size(), static_cast<size_t>(kNodes));

  // Exactly one node serves the first region; the losers dropped their local copies.
  const metapb::Region& first = (*regions)[0].region;
  const uint64_t host = first.peers(0).store_id();
  EXPECT_EQ(store_ids.count(host), 1u);
  int serving = 0;
  for (auto& n : nodes) {
    auto stub = tikvpb::Tikv::NewStub(
        grpc::CreateChannel(n->advertise_address(), grpc::InsecureChannelCredentials()));
    kvrpcpb::RawGetRequest req;
    req.mutable_context()->set_region_id(first.id());
    *req.mutable_context()->mutable_region_epoch() = first.region_epoch();
    req.set_key("k");
    kvrpcpb::RawGetResponse resp;
    grpc::ClientContext cc;
    ASSERT_TRUE(stub->RawGet(&cc, req, &resp).ok());
    if (!resp.has_region_error()) {
      ++serving;
      EXPECT_EQ(n->store_id(), host);
    }
  }
  EXPECT_EQ(serving, 1);
  for (auto& n : nodes) n->Shutdown();
  (*pd)->Shutdown();
}

TEST(KvServerClusterTest, InterruptedBootstrapIsFinishedOnRestart) {
  testing::TempDir dir;
  pd::PdServerOptions po;
  po.data_dir = dir.path() + "/pd";
  po.addr = "127.0.0.1:0";
  auto pd = pd::PdServer::Start(po);
  ASSERT_TRUE(pd.ok()) << pd.status().ToString();
  ServerConfig c;
  c.addr = "127.0.0.1:0";
  c.pd = (*pd)->address();
  c.data_dir = dir.path() + "/kv";
  c.graceful_shutdown_timeout_ms = 1000;

  // The first region is persisted locally, then the node "crashes" before PD's Bootstrap.
  failpoint::Enable("kv.bootstrap.before-pd", "1*return(crash)");
  auto failed = KvServer::Start(c);
  failpoint::DisableAll();
  ASSERT_FALSE(failed.ok());

  auto kv = KvServer::Start(c);
  ASSERT_TRUE(kv.ok()) << kv.status().ToString();
  client::PdClientOptions co;
  co.address = (*pd)->address();
  auto pc = client::PdClient::Connect(co);
  ASSERT_TRUE(pc.ok());
  auto boot = (*pc)->IsBootstrapped();
  ASSERT_TRUE(boot.ok());
  EXPECT_TRUE(*boot);
  auto regions = (*pc)->ScanRegions("", "");
  ASSERT_TRUE(regions.ok());
  ASSERT_EQ(regions->size(), 1u);
  EXPECT_EQ((*regions)[0].region.peers(0).store_id(), (*kv)->store_id());
  (*kv)->Shutdown();
  (*pd)->Shutdown();
}
}  // namespace
}  // namespace brkv::server

#endif  // BRKV_HAVE_PD_SERVER
