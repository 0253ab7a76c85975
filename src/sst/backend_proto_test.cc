// brpb.StorageBackend / CipherInfo / CompressionType <-> storage::StorageBackend,
// sst::CipherInfo, sst::CompressionType.
#include "sst/backend_proto.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace brkv::sst {
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
  EXPECT_EQ(c->method, EncryptionMethod::kPlaintext);
  p.set_cipher_type(encryptionpb::AES128_CTR);
  p.set_cipher_key(std::string(16, 'k'));
  c = CipherFromProto(p);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, EncryptionMethod::kAes128Ctr);
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

TEST(BackendProtoTest, RoundTrips) {
  storage::S3Backend s3;
  s3.bucket = "b";
  s3.prefix = "p/q";
  s3.endpoint = "http://127.0.0.1:9000";
  s3.access_key = "ak";
  s3.secret_access_key = "sk";
  s3.force_path_style = true;
  storage::AzureBlobBackend az;
  az.bucket = "c";
  az.account_name = "acct";
  az.encryption_key = "a2V5";
  storage::GcsBackend gcs;
  gcs.bucket = "g";
  gcs.credentials_blob = "{}";
  for (const storage::StorageBackend& b :
       {storage::StorageBackend(storage::LocalBackend{"/tmp/x"}),
        storage::StorageBackend(storage::NoopBackend{}), storage::StorageBackend(s3),
        storage::StorageBackend(az), storage::StorageBackend(gcs),
        storage::StorageBackend(storage::HdfsBackend{"hdfs://h/p"}),
        storage::StorageBackend(storage::MemStoreBackend{"mem", "pre"})}) {
    auto back = BackendFromProto(BackendToProto(b));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, b);
  }
  EXPECT_EQ(BackendToProto(storage::MemStoreBackend{"mem", "pre"}).cloud_dynamic().provider_name(),
            "memstore");
}

TEST(BackendProtoTest, RejectsUnsetAndUnknownProviders) {
  EXPECT_EQ(BackendFromProto(::backup::StorageBackend()).status().code(),
            Status::Code::kInvalidArgument);
  ::backup::StorageBackend pb;
  pb.mutable_cloud_dynamic()->set_provider_name("ks3");
  EXPECT_EQ(BackendFromProto(pb).status().code(), Status::Code::kNotSupported);
}

TEST(BackendProtoTest, CipherRoundTripNeverQuotesTheKey) {
  auto plain = CipherFromProto(::backup::CipherInfo());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->method, EncryptionMethod::kPlaintext);
  CipherInfo aes{EncryptionMethod::kAes128Ctr, std::string(16, 'k')};
  auto back = CipherFromProto(CipherToProto(aes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->method, aes.method);
  EXPECT_EQ(back->key, aes.key);
  ::backup::CipherInfo short_key = CipherToProto(aes);
  short_key.set_cipher_key("short");
  auto bad = CipherFromProto(short_key);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("short"), std::string::npos);  // never quotes the key
}

TEST(BackendProtoTest, Compression) {
  auto z = CompressionFromProto(static_cast<int>(::backup::ZSTD));
  ASSERT_TRUE(z.ok());
  EXPECT_EQ(*z, CompressionType::kZstd);
  auto unknown = CompressionFromProto(static_cast<int>(::backup::UNKNOWN));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(*unknown, CompressionType::kUnknown);
  EXPECT_EQ(CompressionFromProto(-1).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(CompressionFromProto(99).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace brkv::sst
