// Wire compatibility of import_sstpb.ImportSST with kvproto: golden bytes written field by
// field from kvproto's import_sstpb.proto / brpb.proto numbers, read by our generated code; and
// the method list of kvproto's ImportSST service. See docs/wire-compatibility.md.
#include <gtest/gtest.h>

#include "proto/import_sstpb.pb.h"
#include "service_shape.h"
#include "wire_builder.h"

namespace brkv::wire {
namespace {

// kvproto import_sstpb.SSTMeta: uuid = 1, range = 2 (Range: start = 1, end = 2), length = 4,
// cf_name = 5, region_id = 6, region_epoch = 7 (conf_ver = 1, version = 2).
WireBuilder Meta() {
  return WireBuilder()
      .Bytes(1, std::string(16, 'u'))
      .Message(2, WireBuilder().Bytes(1, "a").Bytes(2, "z"))
      .Varint(4, 2048)
      .Bytes(5, "write")
      .Varint(6, 6)
      .Message(7, WireBuilder().Varint(1, 1).Varint(2, 4));
}

TEST(ImportWireTest, ServiceMatchesKvproto) {
  ServiceShape import = {
      {"Download", {"import_sstpb.DownloadRequest", "import_sstpb.DownloadResponse"}},
      {"Ingest", {"import_sstpb.IngestRequest", "import_sstpb.IngestResponse"}},
      {"MultiIngest", {"import_sstpb.MultiIngestRequest", "import_sstpb.IngestResponse"}},
      {"ClearFiles", {"import_sstpb.ClearRequest", "import_sstpb.ClearResponse"}},
  };
  ExpectServiceMatches("import_sstpb.ImportSST", import);
}

TEST(ImportWireTest, DownloadRequest) {
  // kvproto DownloadRequest: sst = 2, name = 9, rewrite_rule = 13 (old_key_prefix = 1,
  // new_key_prefix = 2, new_timestamp = 3), storage_backend = 14 (backup.StorageBackend:
  // local = 2 (path = 1)), is_raw_kv = 15, request_type = 18 (Keyspace = 1), context = 19.
  std::string golden = WireBuilder()
                           .Message(2, Meta())
                           .Bytes(9, "1/2_3_write.sst")
                           .Message(13, WireBuilder().Bytes(1, "t5_").Bytes(2, "t7_").Varint(3, 77))
                           .Message(14, WireBuilder().Message(2, WireBuilder().Bytes(1, "/bk")))
                           .Varint(18, 1)
                           .Message(19, WireBuilder().Varint(1, 6))
                           .str();
  import_sstpb::DownloadRequest req;
  ASSERT_TRUE(req.ParseFromString(golden));
  EXPECT_EQ(req.sst().uuid(), std::string(16, 'u'));
  EXPECT_EQ(req.sst().range().start(), "a");
  EXPECT_EQ(req.sst().range().end(), "z");
  EXPECT_EQ(req.sst().length(), 2048u);
  EXPECT_EQ(req.sst().cf_name(), "write");
  EXPECT_EQ(req.sst().region_id(), 6u);
  EXPECT_EQ(req.sst().region_epoch().version(), 4u);
  EXPECT_EQ(req.name(), "1/2_3_write.sst");
  EXPECT_EQ(req.rewrite_rule().old_key_prefix(), "t5_");
  EXPECT_EQ(req.rewrite_rule().new_key_prefix(), "t7_");
  EXPECT_EQ(req.rewrite_rule().new_timestamp(), 77u);
  EXPECT_EQ(req.storage_backend().local().path(), "/bk");
  EXPECT_EQ(req.request_type(), import_sstpb::Keyspace);
  EXPECT_EQ(req.context().region_id(), 6u);
  // Our extensions stay unset when a kvproto client sends the request.
  EXPECT_TRUE(req.sha256().empty());
  EXPECT_EQ(req.rate_limit(), 0u);
  EXPECT_EQ(req.SerializeAsString(), golden);
}

TEST(ImportWireTest, DownloadResponseAndIngest) {
  // kvproto DownloadResponse: range = 1, is_empty = 2, error = 3 (message = 1), crc32 = 4,
  // length = 5.
  std::string golden = WireBuilder()
                           .Message(1, WireBuilder().Bytes(1, "t7_a").Bytes(2, "t7_z"))
                           .Message(3, WireBuilder().Bytes(1, "object not found"))
                           .Varint(4, 0xdeadbeef)
                           .Varint(5, 4096)
                           .str();
  import_sstpb::DownloadResponse resp;
  ASSERT_TRUE(resp.ParseFromString(golden));
  EXPECT_EQ(resp.range().start(), "t7_a");
  EXPECT_EQ(resp.range().end(), "t7_z");
  EXPECT_FALSE(resp.is_empty());
  EXPECT_EQ(resp.error().message(), "object not found");
  EXPECT_EQ(resp.crc32(), 0xdeadbeefu);
  EXPECT_EQ(resp.length(), 4096u);
  EXPECT_EQ(resp.SerializeAsString(), golden);

  // kvproto MultiIngestRequest: context = 1, ssts = 2; IngestResponse: error = 1
  // (errorpb.Error: message = 1, epoch_not_match = 5).
  std::string ingest = WireBuilder()
                           .Message(1, WireBuilder().Varint(1, 6))
                           .Message(2, Meta())
                           .Message(2, Meta())
                           .str();
  import_sstpb::MultiIngestRequest mreq;
  ASSERT_TRUE(mreq.ParseFromString(ingest));
  ASSERT_EQ(mreq.ssts_size(), 2);
  EXPECT_EQ(mreq.ssts(1).cf_name(), "write");
  std::string ingest_resp =
      WireBuilder().Message(1, WireBuilder().Bytes(1, "epoch").Message(5, WireBuilder())).str();
  import_sstpb::IngestResponse iresp;
  ASSERT_TRUE(iresp.ParseFromString(ingest_resp));
  EXPECT_EQ(iresp.error().message(), "epoch");
  EXPECT_TRUE(iresp.error().has_epoch_not_match());
}

TEST(ImportWireTest, ClearFiles) {
  // kvproto ClearRequest: prefix = 1 (string); ClearResponse: error = 1 (import_sstpb.Error:
  // message = 1).
  std::string golden = WireBuilder().Bytes(1, "0a1b2c3d").str();
  import_sstpb::ClearRequest req;
  ASSERT_TRUE(req.ParseFromString(golden));
  EXPECT_EQ(req.prefix(), "0a1b2c3d");
  EXPECT_EQ(req.SerializeAsString(), golden);

  std::string resp_golden =
      WireBuilder().Message(1, WireBuilder().Bytes(1, "invalid prefix")).str();
  import_sstpb::ClearResponse resp;
  ASSERT_TRUE(resp.ParseFromString(resp_golden));
  EXPECT_EQ(resp.error().message(), "invalid prefix");
  EXPECT_TRUE(resp.error().code().empty());
  EXPECT_EQ(resp.SerializeAsString(), resp_golden);
}

}  // namespace
}  // namespace brkv::wire
