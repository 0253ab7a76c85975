// Wire compatibility of backup.Backup with kvproto: golden bytes written field by field from
// kvproto's brpb.proto numbers, read by our generated code; and the method list of kvproto's
// Backup service. See docs/wire-compatibility.md.
#include <gtest/gtest.h>

#include "proto/brpb.pb.h"
#include "service_shape.h"
#include "wire_builder.h"

namespace brkv::wire {
namespace {

TEST(BackupWireTest, ServiceMatchesKvproto) {
  ServiceShape backup = {
      {"backup", {"backup.BackupRequest", "backup.BackupResponse", false, true}},
  };
  ExpectServiceMatches("backup.Backup", backup);
}

TEST(BackupWireTest, BackupRequest) {
  // kvproto BackupRequest: cluster_id = 1, start_key = 2, end_key = 3, start_version = 4,
  // end_version = 5, rate_limit = 7, concurrency = 8, storage_backend = 9 (S3 = 3: endpoint
  // = 1, bucket = 3, prefix = 4), is_raw_kv = 10, cf = 11, compression_type = 12 (ZSTD = 3),
  // compression_level = 13.
  std::string golden =
      WireBuilder()
          .Varint(1, 77)
          .Bytes(2, "t1_")
          .Bytes(3, "t2_")
          .Varint(5, 4000)
          .Varint(7, 1 << 20)
          .Varint(8, 4)
          .Message(9, WireBuilder().Message(
                          3, WireBuilder().Bytes(1, "http://s3").Bytes(3, "bk").Bytes(4, "p")))
          .Varint(12, 3)
          .Varint(13, 3)
          .str();
  backup::BackupRequest req;
  ASSERT_TRUE(req.ParseFromString(golden));
  EXPECT_EQ(req.cluster_id(), 77u);
  EXPECT_EQ(req.start_key(), "t1_");
  EXPECT_EQ(req.end_key(), "t2_");
  EXPECT_EQ(req.start_version(), 0u);
  EXPECT_EQ(req.end_version(), 4000u);
  EXPECT_EQ(req.rate_limit(), 1u << 20);
  EXPECT_EQ(req.concurrency(), 4u);
  EXPECT_EQ(req.storage_backend().s3().endpoint(), "http://s3");
  EXPECT_EQ(req.storage_backend().s3().bucket(), "bk");
  EXPECT_EQ(req.storage_backend().s3().prefix(), "p");
  EXPECT_EQ(req.compression_type(), backup::ZSTD);
  EXPECT_EQ(req.compression_level(), 3);
  EXPECT_EQ(req.SerializeAsString(), golden);
}

TEST(BackupWireTest, BackupResponse) {
  // kvproto BackupResponse: error = 1 (Error: msg = 1, region_error = 5 (errorpb.Error:
  // not_leader = 2)), start_key = 2, end_key = 3, files = 4 (File: name = 1, sha256 = 2,
  // start_key = 3, end_key = 4, end_version = 6, crc64xor = 7, total_kvs = 8, total_bytes = 9,
  // cf = 10, size = 11).
  std::string golden = WireBuilder()
                           .Bytes(2, "t1_")
                           .Bytes(3, "t2_")
                           .Message(4, WireBuilder()
                                           .Bytes(1, "1/6_4_write.sst")
                                           .Bytes(2, std::string(32, 's'))
                                           .Bytes(3, "t1_")
                                           .Bytes(4, "t2_")
                                           .Varint(6, 4000)
                                           .Varint(7, 0x1234)
                                           .Varint(8, 10)
                                           .Varint(9, 300)
                                           .Bytes(10, "write")
                                           .Varint(11, 900))
                           .str();
  backup::BackupResponse resp;
  ASSERT_TRUE(resp.ParseFromString(golden));
  ASSERT_EQ(resp.files_size(), 1);
  const auto& f = resp.files(0);
  EXPECT_EQ(f.name(), "1/6_4_write.sst");
  EXPECT_EQ(f.sha256(), std::string(32, 's'));
  EXPECT_EQ(f.end_version(), 4000u);
  EXPECT_EQ(f.crc64xor(), 0x1234u);
  EXPECT_EQ(f.total_kvs(), 10u);
  EXPECT_EQ(f.total_bytes(), 300u);
  EXPECT_EQ(f.cf(), "write");
  EXPECT_EQ(f.size(), 900u);
  EXPECT_EQ(resp.SerializeAsString(), golden);

  std::string failed =
      WireBuilder()
          .Message(1, WireBuilder()
                          .Bytes(1, "not leader")
                          .Message(5, WireBuilder().Message(2, WireBuilder().Varint(1, 6))))
          .str();
  ASSERT_TRUE(resp.ParseFromString(failed));
  EXPECT_EQ(resp.error().msg(), "not leader");
  EXPECT_EQ(resp.error().region_error().not_leader().region_id(), 6u);
}

}  // namespace
}  // namespace brkv::wire
