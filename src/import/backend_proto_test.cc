// brpb.StorageBackend / CipherInfo conversions.
#include "import/backend_proto.h"

#include <gtest/gtest.h>

namespace brkv::import {
namespace {

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
  EXPECT_EQ(BackendFromProto(backup::StorageBackend()).status().code(),
            Status::Code::kInvalidArgument);
  backup::StorageBackend pb;
  pb.mutable_cloud_dynamic()->set_provider_name("ks3");
  EXPECT_EQ(BackendFromProto(pb).status().code(), Status::Code::kNotSupported);
}

TEST(BackendProtoTest, Cipher) {
  auto plain = CipherFromProto(backup::CipherInfo());
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->method, sst::EncryptionMethod::kPlaintext);
  sst::CipherInfo aes{sst::EncryptionMethod::kAes128Ctr, std::string(16, 'k')};
  auto back = CipherFromProto(CipherToProto(aes));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->method, aes.method);
  EXPECT_EQ(back->key, aes.key);
  backup::CipherInfo short_key = CipherToProto(aes);
  short_key.set_cipher_key("short");
  auto bad = CipherFromProto(short_key);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("short"), std::string::npos);  // never quotes the key
}

}  // namespace
}  // namespace brkv::import
