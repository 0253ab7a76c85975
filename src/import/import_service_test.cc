// ImportSstService over a real in-process gRPC server: Download + MultiIngest + ClearFiles on
// the wire, and the mapping of errors to DownloadResponse.error / IngestResponse.error / gRPC
// codes.
#include "import/import_service.h"

#include <grpcpp/grpcpp.h>

#include "import/import_test_util.h"
#include "server/mvcc_reader.h"

namespace brkv::import {
namespace {

using testing::ImportFixture;
using testing::MakeRows;
using testing::RecordPrefix;
namespace fs = std::filesystem;

class ImportServiceTest : public ImportFixture {
 protected:
  void SetUp() override {
    ImportFixture::SetUp();
    service_ = std::make_unique<ImportSstService>(importer_.get());
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    ASSERT_TRUE(server_ && port_ != 0);
    stub_ = import_sstpb::ImportSST::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(port_), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
    server_.reset();
    service_.reset();
    ImportFixture::TearDown();
  }
  import_sstpb::DownloadResponse Download(const import_sstpb::DownloadRequest& req) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    import_sstpb::DownloadResponse resp;
    grpc::Status s = stub_->Download(&c, req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  std::unique_ptr<ImportSstService> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::unique_ptr<import_sstpb::ImportSST::Stub> stub_;
};

TEST_F(ImportServiceTest, DownloadAndMultiIngestOverGrpc) {
  auto rows = MakeRows(RecordPrefix(42), 30);
  auto files = Backup(rows);
  const std::string from = codec::EncodeKeyPrefix(RecordPrefix(42));
  const std::string to = codec::EncodeKeyPrefix(RecordPrefix(43));
  auto d = Request(files["default"], 1, from, to);
  auto w = Request(files["write"], 2, from, to);
  auto dr = Download(d);
  auto wr = Download(w);
  ASSERT_FALSE(dr.has_error()) << dr.error().message();
  ASSERT_FALSE(wr.has_error()) << wr.error().message();
  EXPECT_FALSE(wr.is_empty());
  std::string first = RecordPrefix(43);
  codec::EncodeInt(&first, 0);
  EXPECT_EQ(wr.range().start(), keys::TxnRegionKey(first));
  EXPECT_GT(wr.length(), 0u);

  import_sstpb::MultiIngestRequest mi;
  *mi.mutable_context() = Ctx();
  *mi.add_ssts() = d.sst();
  *mi.add_ssts() = w.sst();
  grpc::ClientContext c;
  import_sstpb::IngestResponse ir;
  grpc::Status s = stub_->MultiIngest(&c, mi, &ir);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(ir.has_error()) << ir.error().message();

  server::MvccReader reader(engine_.get(), nullptr);
  for (auto& r : rows) {
    std::string raw = RecordPrefix(43) + r.raw.substr(RecordPrefix(42).size());
    auto v = reader.Get(raw, UINT64_MAX - 1, nullptr);
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_EQ(**v, r.value);
  }
  EXPECT_TRUE(ImportDirEntries().empty());
}

TEST_F(ImportServiceTest, ErrorsOnTheWire) {
  auto files = Backup(MakeRows(RecordPrefix(42), 5));
  const std::string p = codec::EncodeKeyPrefix(RecordPrefix(42));
  auto w = Request(files["write"], 1, p, p);

  // Download: corruption in-band, with code and retryable.
  auto bad = w;
  bad.set_sha256(std::string(32, '\0'));
  auto br = Download(bad);
  ASSERT_TRUE(br.has_error());
  EXPECT_EQ(br.error().code(), "Corruption");
  EXPECT_FALSE(br.error().retryable());
  EXPECT_NE(br.error().message().find(files["write"].name), std::string::npos);
  Status back = StatusFromImportError(br.error());
  EXPECT_EQ(back.code(), Status::Code::kCorruption);
  EXPECT_EQ(back.message().find("Corruption: "), std::string::npos);

  // Ingest: an epoch mismatch is a region error in the response.
  ASSERT_FALSE(Download(w).has_error());
  import_sstpb::IngestRequest ir;
  *ir.mutable_context() = Ctx();
  ir.mutable_context()->mutable_region_epoch()->set_version(99);
  *ir.mutable_sst() = w.sst();
  {
    grpc::ClientContext c;
    import_sstpb::IngestResponse resp;
    ASSERT_TRUE(stub_->Ingest(&c, ir, &resp).ok());
    ASSERT_TRUE(resp.has_error());
    EXPECT_TRUE(resp.error().has_epoch_not_match());
  }
  EXPECT_TRUE(ImportDirEntries().empty());
  // Ingest of something never downloaded: NOT_FOUND.
  *ir.mutable_context() = Ctx();
  {
    grpc::ClientContext c;
    import_sstpb::IngestResponse resp;
    grpc::Status s = stub_->Ingest(&c, ir, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND) << s.error_message();
  }
}

TEST_F(ImportServiceTest, ClearFilesRemovesTheStagedFilesOfAPrefix) {
  auto files = Backup(MakeRows(RecordPrefix(42), 5));
  const std::string p = codec::EncodeKeyPrefix(RecordPrefix(42));
  // Uuid(n) reads "42000000-0000-0000-0000-0000000000<n>".
  ASSERT_FALSE(Download(Request(files["write"], 1, p, p)).has_error());
  ASSERT_FALSE(Download(Request(files["write"], 2, p, p)).has_error());
  ASSERT_EQ(ImportDirEntries().size(), 2u);
  auto clear = [&](const std::string& prefix) {
    grpc::ClientContext c;
    c.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    import_sstpb::ClearRequest req;
    req.set_prefix(prefix);
    import_sstpb::ClearResponse resp;
    grpc::Status s = stub_->ClearFiles(&c, req, &resp);
    EXPECT_FALSE(resp.has_error());
    return s;
  };
  // Not a prefix of uuid text: refused, nothing removed.
  for (const char* bad : {"", "../import", "*", "42000000_write"}) {
    grpc::Status s = clear(bad);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad << ": " << s.error_message();
  }
  EXPECT_EQ(ImportDirEntries().size(), 2u);
  // Another job's prefix: nothing removed.
  EXPECT_TRUE(clear("43000000").ok());
  EXPECT_EQ(ImportDirEntries().size(), 2u);
  // Only the file of uuid 1, then both.
  EXPECT_TRUE(clear("42000000-0000-0000-0000-000000000001").ok());
  EXPECT_EQ(ImportDirEntries().size(), 1u);
  EXPECT_TRUE(clear("42000000").ok());
  EXPECT_TRUE(ImportDirEntries().empty());
}

TEST_F(ImportServiceTest, FactoryStagesUnderTheDataDirectory) {
  server::ServerConfig config;
  config.data_dir = (root_ / "node").string();
  SstImporterOptions o;
  o.sweep_interval = std::chrono::milliseconds(0);
  auto svc =
      ImportServiceFactory(o)(server::ServiceContext{&config, engine_.get(), regions_.get()});
  ASSERT_TRUE(svc.ok()) << svc.status().ToString();
  EXPECT_NE(dynamic_cast<ImportSstService*>(svc->get()), nullptr);
  EXPECT_TRUE(fs::is_directory(root_ / "node" / "import"));
}

TEST(ImportErrorTest, BusyCarriesServerIsBusyAndRoundTrips) {
  import_sstpb::Error e;
  FillImportError(Status::Busy("too many downloads"), &e);
  EXPECT_EQ(e.code(), "Busy");
  EXPECT_TRUE(e.retryable());
  EXPECT_TRUE(e.store_error().has_server_is_busy());
  Status s = StatusFromImportError(e);
  EXPECT_EQ(s.code(), Status::Code::kBusy);
  EXPECT_TRUE(s.retryable());
  EXPECT_EQ(s.message(), "too many downloads");

  import_sstpb::Error timed;
  FillImportError(Status::TimedOut("slow"), &timed);
  EXPECT_EQ(StatusFromImportError(timed).code(), Status::Code::kTimedOut);
  EXPECT_TRUE(StatusFromImportError(timed).retryable());

  import_sstpb::Error odd;
  odd.set_message("who knows");
  EXPECT_EQ(StatusFromImportError(odd).code(), Status::Code::kInternal);
}

}  // namespace
}  // namespace brkv::import
