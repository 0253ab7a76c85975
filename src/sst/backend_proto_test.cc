// brpb.StorageBackend / CipherInfo / CompressionType <-> storage::StorageBackend,
// sst::CipherInfo, sst::CompressionType.
#include "sst/backend_proto.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/external_storage.h"
#include "storage/gcs_storage.h"

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
  std::vector<storage::StorageBackend> all = {storage::NoopBackend{},
                                              storage::LocalBackend{"/tmp/x"},
                                              s3,
                                              gcs,
                                              az,
                                              storage::HdfsBackend{"hdfs://nn/p"},
                                              storage::MemStoreBackend{"store", "prefix"}};
  for (const auto& b : all) {
    auto back = BackendFromProto(BackendToProto(b));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, b) << storage::FormatBackendUrl(b);
  }
}

// Every Azure and GCS field lands in its formats.md 1.8 proto field, both ways.
TEST(BackendProtoTest, AzureAndGcsFieldByField) {
  storage::AzureBlobBackend az;
  az.endpoint = "http://127.0.0.1:10000/devstoreaccount1";
  az.bucket = "cont";
  az.prefix = "p/q";
  az.storage_class = "Cool";
  az.account_name = "acct";
  az.shared_key = "c2hhcmVk";
  az.access_sig = "sv=2021-08-06&sig=x";
  az.encryption_key = std::string(43, 'A') + "=";  // 32 zero bytes
  auto p = BackendToProto(az);
  ASSERT_TRUE(p.has_azure_blob_storage());
  const auto& a = p.azure_blob_storage();
  EXPECT_EQ(a.endpoint(), az.endpoint);
  EXPECT_EQ(a.bucket(), "cont");
  EXPECT_EQ(a.prefix(), "p/q");
  EXPECT_EQ(a.storage_class(), "Cool");
  EXPECT_EQ(a.account_name(), "acct");
  EXPECT_EQ(a.shared_key(), "c2hhcmVk");
  EXPECT_EQ(a.access_sig(), az.access_sig);
  EXPECT_EQ(a.encryption_key().encryption_key(), az.encryption_key);
  // base64(SHA-256 of 32 zero bytes): openssl dgst -sha256 -binary < /dev/zero (32 B) | base64
  EXPECT_EQ(a.encryption_key().encryption_key_sha256(),
            "Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=");
  auto back = BackendFromProto(p);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(std::get<storage::AzureBlobBackend>(*back), az);
  az.encryption_key.clear();
  az.encryption_scope = "scope1";
  EXPECT_EQ(BackendToProto(az).azure_blob_storage().encryption_scope(), "scope1");
  EXPECT_FALSE(BackendToProto(az).azure_blob_storage().has_encryption_key());

  // GCS with an HMAC key from the URL: the key travels in credentials_blob.
  auto parsed = storage::ParseBackend(
      "gcs://gb/pre?endpoint=http://127.0.0.1:9&access-key=GOOG1&secret-access-key=SEC"
      "&storage-class=NEARLINE&predefined-acl=private");
  ASSERT_TRUE(parsed.ok());
  auto gp = BackendToProto(*parsed);
  ASSERT_TRUE(gp.has_gcs());
  EXPECT_EQ(gp.gcs().endpoint(), "http://127.0.0.1:9");
  EXPECT_EQ(gp.gcs().bucket(), "gb");
  EXPECT_EQ(gp.gcs().prefix(), "pre");
  EXPECT_EQ(gp.gcs().storage_class(), "NEARLINE");
  EXPECT_EQ(gp.gcs().predefined_acl(), "private");
  auto key = storage::ParseGcsCredentials(gp.gcs().credentials_blob());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->access_id, "GOOG1");
  EXPECT_EQ(key->secret, "SEC");
  auto gback = BackendFromProto(gp);
  ASSERT_TRUE(gback.ok());
  EXPECT_EQ(*gback, *parsed);
  // A node builds a working storage from what it received (no request is made here).
  auto storage = storage::CreateStorage(*gback);
  ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  EXPECT_EQ((*storage)->Uri().find("SEC"), std::string::npos);
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
