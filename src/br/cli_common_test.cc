// Flag helpers: crypter flags to a cipher (lengths, hex, key files, conflicts — never echoing
// the key), credentials stripped for --send-credentials-to-tikv=false, the BackupRequest.
#include "br/cli_common.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "br/backend_credentials.h"
#include "br/backup_request.h"

namespace brkv::br {
namespace {

const char* kHex16 = "000102030405060708090a0b0c0d0e0f";

TEST(CrypterFlagsTest, PlaintextByDefault) {
  auto c = CipherFromFlags(CrypterFlags{});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->method, sst::EncryptionMethod::kPlaintext);
  EXPECT_FALSE(c->encrypted());
}

TEST(CrypterFlagsTest, AesKeysOfTheRightLength) {
  CrypterFlags f;
  f.method = "aes128-ctr";
  f.key = kHex16;
  auto c = CipherFromFlags(f);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key.size(), 16u);
  EXPECT_EQ(c->key[1], '\x01');
  f.method = "AES256-CTR";
  f.key = std::string(kHex16) + kHex16;
  ASSERT_TRUE(CipherFromFlags(f).ok());
}

TEST(CrypterFlagsTest, WrongLengthBadHexAndMissingKeyAreErrorsWithoutTheKey) {
  CrypterFlags f;
  f.method = "aes256-ctr";
  f.key = kHex16;
  auto c = CipherFromFlags(f);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("16 bytes"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("32-byte key"), std::string::npos);
  EXPECT_EQ(c.status().message().find(kHex16), std::string::npos);
  f.key = "zz";
  EXPECT_FALSE(CipherFromFlags(f).ok());
  f.key = "";
  EXPECT_FALSE(CipherFromFlags(f).ok());
  f.method = "plaintext";
  f.key = kHex16;
  EXPECT_FALSE(CipherFromFlags(f).ok());
  f.method = "sm4-ctr";
  EXPECT_FALSE(CipherFromFlags(f).ok());
  f.method = "rot13";
  EXPECT_FALSE(CipherFromFlags(f).ok());
}

TEST(CommandLineSecretsTest, UrlSecretsAndTheCrypterKeyAreRedactedFromAnyText) {
  const std::vector<std::string> args = {
      "br",
      "backup",
      "full",
      "-s",
      "s3://b/p?access-key=AKIDEXAMPLE&secret-access-key=wJal%2BrXUtnFEMI&region=us-east-1",
      "--crypter.key",
      kHex16,
      "azblob://c/p?account-name=devacct&account-key=QUJDREVGRw%3D%3D",
      "http://user:hunter22@host/x",
      "--crypter.key=abcdef0123",
      "--ratelimit",
      "10"};
  auto secrets = CommandLineSecrets(args);
  const std::string text =
      "The following argument was not expected: " + args[4] + " " + kHex16 +
      " wJal+rXUtnFEMI QUJDREVGRw== hunter22 abcdef0123 us-east-1 devacct AKIDEXAMPLE";
  const std::string red = RedactSecrets(text, secrets);
  for (const char* secret :
       {"wJal", "QUJDREVGRw", "hunter22", "abcdef0123", kHex16, "AKIDEXAMPLE"}) {
    EXPECT_EQ(red.find(secret), std::string::npos) << secret << " in " << red;
  }
  // Non-secrets stay readable.
  EXPECT_NE(red.find("us-east-1"), std::string::npos) << red;
  EXPECT_NE(red.find("devacct"), std::string::npos) << red;
  EXPECT_NE(red.find("redacted"), std::string::npos) << red;
  // Short values are not treated as secrets (they would redact ordinary words).
  EXPECT_TRUE(CommandLineSecrets({"s3://b?access-key=ab&secret-access-key=cd"}).empty());
  EXPECT_EQ(RedactSecrets("nothing here", {}), "nothing here");
}

TEST(CrypterFlagsTest, KeyFile) {
  std::string path = ::testing::TempDir() + "/br-key-file";
  {
    std::ofstream out(path);
    out << "  " << kHex16 << "\n";
  }
  CrypterFlags f;
  f.method = "aes128-ctr";
  f.key_file = path;
  auto c = CipherFromFlags(f);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->key.size(), 16u);
  f.key = kHex16;
  EXPECT_FALSE(CipherFromFlags(f).ok());  // both
  f.key.clear();
  f.key_file = path + ".missing";
  EXPECT_FALSE(CipherFromFlags(f).ok());
  std::remove(path.c_str());
}

TEST(CredentialsTest, StrippedOnlyWhenAsked) {
  storage::S3Backend s3;
  s3.bucket = "b";
  s3.prefix = "p";
  s3.endpoint = "http://minio:9000";
  s3.access_key = "AKIA";
  s3.secret_access_key = "SECRET";
  s3.session_token = "TOKEN";
  auto stripped = std::get<storage::S3Backend>(WithoutCredentials(s3));
  EXPECT_TRUE(stripped.access_key.empty());
  EXPECT_TRUE(stripped.secret_access_key.empty());
  EXPECT_TRUE(stripped.session_token.empty());
  EXPECT_EQ(stripped.bucket, "b");
  EXPECT_EQ(stripped.endpoint, "http://minio:9000");

  storage::AzureBlobBackend az;
  az.account_name = "acct";
  az.shared_key = "KEY";
  az.access_sig = "SAS";
  auto az2 = std::get<storage::AzureBlobBackend>(WithoutCredentials(az));
  EXPECT_TRUE(az2.shared_key.empty());
  EXPECT_TRUE(az2.access_sig.empty());
  EXPECT_EQ(az2.account_name, "acct");

  storage::LocalBackend local{"/data/b"};
  EXPECT_EQ(std::get<storage::LocalBackend>(WithoutCredentials(local)).path, "/data/b");
}

TEST(BackupRequestTest, CarriesSettingsAndStripsCredentials) {
  BackupRequestParams p;
  p.cluster_id = 7;
  p.start_version = 10;
  p.end_version = 20;
  p.ratelimit_mib = 3;
  p.concurrency = 5;
  storage::S3Backend s3;
  s3.bucket = "b";
  s3.secret_access_key = "SECRET";
  p.backend = s3;
  p.send_credentials = false;
  p.compression = sst::CompressionType::kLz4;
  p.compression_level = 2;
  p.cipher.method = sst::EncryptionMethod::kAes128Ctr;
  p.cipher.key = std::string(16, 'k');
  auto req = BuildBackupRequest(p);
  EXPECT_EQ(req.cluster_id(), 7u);
  EXPECT_EQ(req.start_version(), 10u);
  EXPECT_EQ(req.end_version(), 20u);
  EXPECT_EQ(req.rate_limit(), 3u << 20);
  EXPECT_EQ(req.concurrency(), 5u);
  EXPECT_EQ(req.compression_type(), ::backup::LZ4);
  EXPECT_EQ(req.compression_level(), 2);
  EXPECT_EQ(req.cipher_info().cipher_type(), encryptionpb::AES128_CTR);
  EXPECT_EQ(req.storage_backend().s3().bucket(), "b");
  EXPECT_TRUE(req.storage_backend().s3().secret_access_key().empty());
  EXPECT_FALSE(req.is_raw_kv());
  p.send_credentials = true;
  p.is_raw_kv = true;
  p.cf = "default";
  req = BuildBackupRequest(p);
  EXPECT_EQ(req.storage_backend().s3().secret_access_key(), "SECRET");
  EXPECT_TRUE(req.is_raw_kv());
  EXPECT_EQ(req.cf(), "default");
}

TEST(ErrorLineTest, FlattensNewlines) {
  EXPECT_EQ(ErrorLine(Status::NotFound("a\nb")), "NotFound: a b");
}

}  // namespace
}  // namespace brkv::br
