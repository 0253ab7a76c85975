// brpb.StorageBackend / CipherInfo / CompressionType ↔ C++ structs, and request parsing.
#include "backup/backend_proto.h"

#include <gtest/gtest.h>

#include "backup/backup_task.h"

namespace brkv::backup {
namespace {

TEST(BackendProtoTest, RoundTripsEveryBackend) {
  storage::S3Backend s3;
  s3.endpoint = "http://minio:9000";
  s3.region = "us-east-1";
  s3.bucket = "b";
  s3.prefix = "p/q";
  s3.access_key = "ak";
  s3.secret_access_key = "sk";
  s3.force_path_style = false;
  s3.session_token = "tok";
  s3.object_lock_enabled = true;
  storage::GcsBackend gcs;
  gcs.bucket = "g";
  gcs.prefix = "x";
  gcs.credentials_blob = "{}";
  storage::AzureBlobBackend az;
  az.bucket = "c";
  az.account_name = "acct";
  az.shared_key = "key";
  az.encryption_key = "ZW5j";
  std::vector<storage::StorageBackend> all = {
      storage::NoopBackend{},  storage::LocalBackend{"/tmp/x"},
      s3,                      gcs,
      az,                      storage::HdfsBackend{"hdfs://nn/p"},
      storage::MemStoreBackend{"store", "prefix"}};
  for (const auto& b : all) {
    auto back = BackendFromProto(BackendToProto(b));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, b) << storage::FormatBackendUrl(b);
  }
}

TEST(BackendProtoTest, MemStoreTravelsAsCloudDynamic) {
  auto p = BackendToProto(storage::MemStoreBackend{"n", "pre"});
  ASSERT_TRUE(p.has_cloud_dynamic());
  EXPECT_EQ(p.cloud_dynamic().provider_name(), "memstore");
  p.mutable_cloud_dynamic()->set_provider_name("alibaba");
  EXPECT_EQ(BackendFromProto(p).status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(BackendFromProto(::backup::StorageBackend()).status().code(),
            Status::Code::kInvalidArgument);
}

TEST(BackendProtoTest, Cipher) {
  ::backup::CipherInfo p;
  auto c = CipherFromProto(p);  // unset: plaintext
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, sst::EncryptionMethod::kPlaintext);
  p.set_cipher_type(encryptionpb::AES128_CTR);
  p.set_cipher_key(std::string(16, 'k'));
  c = CipherFromProto(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, sst::EncryptionMethod::kAes128Ctr);
  EXPECT_EQ(c->key, std::string(16, 'k'));
  auto back = CipherToProto(*c);
  EXPECT_EQ(back.cipher_type(), encryptionpb::AES128_CTR);
  EXPECT_EQ(back.cipher_key(), std::string(16, 'k'));
  // A wrong key length is refused without quoting the key.
  p.set_cipher_key("secret-key");
  auto bad = CipherFromProto(p);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("secret-key"), std::string::npos);
}

TEST(BackupTaskTest, ParsesRequests) {
  ::backup::BackupRequest req;
  req.set_cluster_id(7);
  req.set_start_key("a");
  req.set_end_key("z");
  req.set_end_version(100);
  req.set_rate_limit(1 << 20);
  req.set_concurrency(3);
  req.set_compression_type(::backup::ZSTD);
  req.set_compression_level(3);
  req.mutable_storage_backend()->mutable_local()->set_path("/tmp/b");
  auto t = ParseBackupRequest(req);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ranges, (std::vector<RawRange>{{"a", "z"}}));
  EXPECT_EQ(t->end_version, 100u);
  EXPECT_EQ(t->compression, sst::CompressionType::kZstd);
  EXPECT_EQ(t->compression_level, 3);
  EXPECT_EQ(t->concurrency, 3u);
  EXPECT_EQ(t->backend, storage::StorageBackend(storage::LocalBackend{"/tmp/b"}));

  // Sub ranges replace [start_key, end_key).
  auto* r = req.add_sub_ranges();
  r->set_start_key("b");
  r->set_end_key("c");
  auto* g = req.add_sorted_sub_ranges_groups()->add_sub_ranges();
  g->set_start_key("d");
  t = ParseBackupRequest(req);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ranges, (std::vector<RawRange>{{"b", "c"}, {"d", ""}}));

  auto refused = [&](const ::backup::BackupRequest& bad) {
    return !ParseBackupRequest(bad).ok();
  };
  auto no_ts = req;
  no_ts.set_end_version(0);
  EXPECT_TRUE(refused(no_ts));
  auto inverted = req;
  inverted.set_start_version(200);
  EXPECT_TRUE(refused(inverted));
  auto file_mode = req;
  file_mode.set_mode(::backup::FILE);
  EXPECT_TRUE(refused(file_mode));
  auto no_storage = req;
  no_storage.clear_storage_backend();
  EXPECT_TRUE(refused(no_storage));
  auto raw = req;
  raw.set_is_raw_kv(true);
  raw.set_end_version(0);
  EXPECT_FALSE(refused(raw));
  raw.set_cf("lock");
  EXPECT_TRUE(refused(raw));
  raw.set_cf("default");
  raw.set_dst_api_version(kvrpcpb::V2);
  EXPECT_TRUE(refused(raw));
}

}  // namespace
}  // namespace brkv::backup
