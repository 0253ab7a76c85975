// A real KvServer (in process, against an in-process PD) with the Backup service registered the
// way kv-server's main does it: data written over the Tikv service, backed up over the Backup
// service, read back from storage. Built only when the PD library is available.
#include <algorithm>
#include <chrono>
#include <thread>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "backup/backup_service.h"
#include "backup/backup_test_util.h"
#include "client/pd_client.h"
#include "proto/brpb.grpc.pb.h"
#include "proto/tikvpb.grpc.pb.h"
#include "server/kv_server.h"
#include "sst/backend_proto.h"
#include "storage/mem_storage.h"

#ifdef BRKV_HAVE_PD_SERVER
#include "pd/pd_server.h"

namespace brkv::backup {
namespace {

using Clock = std::chrono::steady_clock;

class KvServerBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::ResetMemStore(kStore);
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

    server::ServerConfig c;
    c.addr = "127.0.0.1:0";
    c.pd = pd_->address();
    c.data_dir = dir_.path() + "/kv";
    c.pd_connect_timeout_ms = 10000;
    c.store_heartbeat_interval_ms = 200;
    c.region_heartbeat_interval_ms = 500;
    c.graceful_shutdown_timeout_ms = 2000;
    c.grpc_concurrency = 4;
    server::KvServerOptions options;
    options.extra_services.push_back(BackupServiceFactory());
    auto kv = server::KvServer::Start(c, options);
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    kv_ = std::move(kv).value();
    auto ch = grpc::CreateChannel(kv_->advertise_address(), grpc::InsecureChannelCredentials());
    tikv_ = tikvpb::Tikv::NewStub(ch);
    backup_ = brpb::Backup::NewStub(ch);
  }
  void TearDown() override {
    kv_.reset();
    pd_client_.reset();
    if (pd_) pd_->Shutdown();
    storage::ResetMemStore(kStore);
  }

  metapb::Region RegionAt(const std::string& region_key) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (true) {
      auto r = pd_client_->GetRegion(region_key);
      if (r.ok()) return r->region;
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "PD has no region";
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

  std::vector<brpb::BackupResponse> Backup(const brpb::BackupRequest& req) {
    grpc::ClientContext cc;
    cc.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    auto reader = backup_->backup(&cc, req);
    std::vector<brpb::BackupResponse> out;
    brpb::BackupResponse r;
    while (reader->Read(&r)) out.push_back(r);
    grpc::Status st = reader->Finish();
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  static constexpr const char* kStore = "kv_server_backup_test";
  testing::TempDir dir_;
  std::unique_ptr<pd::PdServer> pd_;
  std::unique_ptr<client::PdClient> pd_client_;
  std::unique_ptr<server::KvServer> kv_;
  std::unique_ptr<tikvpb::Tikv::Stub> tikv_;
  std::unique_ptr<brpb::Backup::Stub> backup_;
};

TEST_F(KvServerBackupTest, BacksUpTransactionsAndRawKvOverGrpc) {
  metapb::Region region = RegionAt("");
  auto cluster_id = pd_client_->cluster_id();
  auto start_ts = pd_client_->GetTS();
  ASSERT_TRUE(start_ts.ok());

  // A prewritten (locked) transaction first: the backup refuses to read past it.
  kvrpcpb::PrewriteRequest pw;
  *pw.mutable_context() = Ctx(region);
  pw.set_primary_lock("t_k1");
  pw.set_start_version(*start_ts);
  pw.set_lock_ttl(3000);
  for (const char* k : {"t_k1", "t_k2"}) {
    auto* m = pw.add_mutations();
    m->set_op(kvrpcpb::Put);
    m->set_key(k);
    m->set_value(std::string("value-") + k);
  }
  kvrpcpb::PrewriteResponse pw_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(tikv_->KvPrewrite(&cc, pw, &pw_resp).ok());
  }
  ASSERT_EQ(pw_resp.errors_size(), 0);
  auto locked_ts = pd_client_->GetTS();
  ASSERT_TRUE(locked_ts.ok());

  brpb::BackupRequest req;
  req.set_cluster_id(cluster_id);
  req.set_start_key("t");
  req.set_end_key("u");
  req.set_end_version(*locked_ts);
  *req.mutable_storage_backend() = sst::BackendToProto(storage::MemStoreBackend{kStore, "txn"});
  auto resps = Backup(req);
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_TRUE(resps[0].error().has_kv_error());
  EXPECT_EQ(resps[0].error().kv_error().locked().key(), "t_k1");
  EXPECT_EQ(resps[0].files_size(), 0);

  // Commit, then back up at a later ts.
  auto commit_ts = pd_client_->GetTS();
  ASSERT_TRUE(commit_ts.ok());
  kvrpcpb::CommitRequest cm;
  *cm.mutable_context() = Ctx(region);
  cm.add_keys("t_k1");
  cm.add_keys("t_k2");
  cm.set_start_version(*start_ts);
  cm.set_commit_version(*commit_ts);
  kvrpcpb::CommitResponse cm_resp;
  {
    grpc::ClientContext cc;
    ASSERT_TRUE(tikv_->KvCommit(&cc, cm, &cm_resp).ok());
  }
  ASSERT_FALSE(cm_resp.has_error());
  auto backup_ts = pd_client_->GetTS();
  ASSERT_TRUE(backup_ts.ok());
  req.set_end_version(*backup_ts);
  resps = Backup(req);
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_FALSE(resps[0].has_error()) << resps[0].error().msg();
  EXPECT_EQ(resps[0].start_key(), "t");
  EXPECT_EQ(resps[0].end_key(), "u");
  ASSERT_EQ(resps[0].files_size(), 1);
  const std::string prefix = std::to_string(kv_->store_id()) + "/" + std::to_string(region.id());
  EXPECT_TRUE(resps[0].files(0).name().starts_with(prefix)) << resps[0].files(0).name();
  Checksum want;
  want.Update("t_k1", "value-t_k1");
  want.Update("t_k2", "value-t_k2");
  EXPECT_EQ(testing::FilesChecksum({resps[0].files().begin(), resps[0].files().end()}), want);
  auto txn_storage = storage::NewMemStorage(kStore, "txn");
  std::vector<testing::FileKv> kvs;
  testing::ReadBackupFile(txn_storage.get(), resps[0].files(0), dir_.path(), {}, &kvs);
  ASSERT_EQ(kvs.size(), 2u);
  EXPECT_EQ(kvs[0].key, keys::MvccKey("t_k1", *commit_ts));

  // Raw KV.
  for (const char* k : {"apple", "banana"}) {
    kvrpcpb::RawPutRequest put;
    *put.mutable_context() = Ctx(region);
    put.set_key(k);
    put.set_value(std::string("raw-") + k);
    kvrpcpb::RawPutResponse put_resp;
    grpc::ClientContext cc;
    ASSERT_TRUE(tikv_->RawPut(&cc, put, &put_resp).ok());
    ASSERT_TRUE(put_resp.error().empty()) << put_resp.error();
  }
  brpb::BackupRequest raw;
  raw.set_cluster_id(cluster_id);
  raw.set_is_raw_kv(true);
  raw.set_cf("default");
  *raw.mutable_storage_backend() = sst::BackendToProto(storage::MemStoreBackend{kStore, "raw"});
  resps = Backup(raw);
  ASSERT_EQ(resps.size(), 1u);
  ASSERT_FALSE(resps[0].has_error()) << resps[0].error().msg();
  ASSERT_EQ(resps[0].files_size(), 1);
  EXPECT_EQ(resps[0].files(0).cf(), "default");
  EXPECT_EQ(resps[0].files(0).total_kvs(), 2u);
  auto raw_storage = storage::NewMemStorage(kStore, "raw");
  kvs.clear();
  testing::ReadBackupFile(raw_storage.get(), resps[0].files(0), dir_.path(), {}, &kvs);
  ASSERT_EQ(kvs.size(), 2u);
  EXPECT_EQ(kvs[0].key, "zapple");
  EXPECT_EQ(kvs[1].value, "raw-banana");
}

}  // namespace
}  // namespace brkv::backup

#endif  // BRKV_HAVE_PD_SERVER
