// The Backup gRPC service in process: a streamed backup read back from storage, and a client
// that cancels mid-stream.
#include "backup/backup_service.h"

#include <algorithm>
#include <chrono>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "backup/backup_test_util.h"
#include "common/failpoint.h"
#include "kv/keys.h"
#include "sst/backend_proto.h"
#include "storage/mem_storage.h"

namespace brkv::backup {
namespace {

using testing::MakeRegion;

class ServiceTest : public testing::NodeFixture {
 protected:
  void SetUp() override {
    NodeFixture::SetUp();
    failpoint::DisableAll();
    storage::ResetMemStore(kStore);
    AddRegion(MakeRegion(1, "", keys::TxnRegionKey("k")));
    AddRegion(MakeRegion(2, keys::TxnRegionKey("k"), keys::TxnRegionKey("s")));
    AddRegion(MakeRegion(3, keys::TxnRegionKey("s"), ""));
    for (char c = 'a'; c <= 'z'; ++c) Put(std::string(1, c), std::string(1, c) + "v", 9, 10);

    BackupEndpointOptions o;
    o.storage_sync = false;
    o.default_concurrency = 1;
    auto svc = NewBackupService(engine_.get(), regions_.get(), dir_.path(), o);
    ASSERT_TRUE(svc.ok()) << svc.status().ToString();
    service_ = std::move(svc).value();
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_TRUE(server_ != nullptr);
    ASSERT_GT(port, 0);
    stub_ = brpb::Backup::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                      grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    failpoint::DisableAll();
    if (server_) server_->Shutdown();
    server_.reset();
    service_.reset();
    storage::ResetMemStore(kStore);
    NodeFixture::TearDown();
  }

  brpb::BackupRequest Request() {
    brpb::BackupRequest req;
    req.set_cluster_id(testing::kClusterId);
    req.set_end_version(10);
    req.set_concurrency(2);
    *req.mutable_storage_backend() = sst::BackendToProto(storage::MemStoreBackend{kStore, ""});
    return req;
  }

  static constexpr const char* kStore = "backup_service_test";
  std::unique_ptr<BackupService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<brpb::Backup::Stub> stub_;
};

TEST_F(ServiceTest, StreamsOneResponsePerRegion) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->backup(&ctx, Request());
  std::vector<brpb::BackupResponse> resps;
  brpb::BackupResponse r;
  while (reader->Read(&r)) resps.push_back(r);
  grpc::Status st = reader->Finish();
  ASSERT_TRUE(st.ok()) << st.error_message();
  ASSERT_EQ(resps.size(), 3u);
  std::sort(resps.begin(), resps.end(),
            [](const auto& a, const auto& b) { return a.start_key() < b.start_key(); });
  EXPECT_EQ(resps[0].start_key(), "");
  EXPECT_EQ(resps[0].end_key(), "k");
  EXPECT_EQ(resps[1].end_key(), "s");
  EXPECT_EQ(resps[2].end_key(), "");

  auto storage = storage::NewMemStorage(kStore);
  std::vector<testing::FileKv> kvs;
  std::vector<brpb::File> files;
  for (const auto& resp : resps) {
    ASSERT_FALSE(resp.has_error()) << resp.error().msg();
    for (const auto& f : resp.files()) {
      files.push_back(f);
      testing::ReadBackupFile(storage.get(), f, dir_.path(), {}, &kvs);
    }
  }
  EXPECT_EQ(kvs.size(), 26u);
  Checksum want;
  for (char c = 'a'; c <= 'z'; ++c) want.Update(std::string(1, c), std::string(1, c) + "v");
  EXPECT_EQ(testing::FilesChecksum(files), want);
}

TEST_F(ServiceTest, ErrorsTravelInsideTheStream) {
  auto req = Request();
  req.set_end_version(0);
  grpc::ClientContext ctx;
  auto reader = stub_->backup(&ctx, req);
  brpb::BackupResponse r;
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_TRUE(r.has_error());
  EXPECT_FALSE(reader->Read(&r));
  EXPECT_TRUE(reader->Finish().ok());
}

TEST_F(ServiceTest, ClientCancelStopsTheServer) {
  // Uncancelled, the two pieces after the first would take another 2 × 1000 ms.
  failpoint::Enable("backup.before-scan", "sleep(1000)");
  auto req = Request();
  req.set_concurrency(1);
  grpc::ClientContext ctx;
  auto reader = stub_->backup(&ctx, req);
  brpb::BackupResponse r;
  ASSERT_TRUE(reader->Read(&r));
  ctx.TryCancel();
  while (reader->Read(&r)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The handler returns promptly instead of backing up the remaining regions.
  auto start = std::chrono::steady_clock::now();
  server_->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1600));
}

}  // namespace
}  // namespace brkv::backup
