// CheckNodeCredentials: a backend br sent without credentials needs them in the node's
// environment; the error names the variables, never a value.
#include "backup/node_storage.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace brkv::backup {
namespace {

class NodeStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AZURE_STORAGE_KEY",
          "AZURE_STORAGE_SAS_TOKEN", "GCS_HMAC_ACCESS_ID", "GCS_HMAC_SECRET"}) {
      ::unsetenv(v);
    }
  }
  void TearDown() override { SetUp(); }
};

TEST_F(NodeStorageTest, S3WithoutCredentialsAnywhereIsAccessDeniedNamingTheEnvironment) {
  auto b = storage::ParseBackend("s3://bucket/prefix?endpoint=http://127.0.0.1:9");
  ASSERT_TRUE(b.ok());
  Status s = CheckNodeCredentials(*b);
  ASSERT_FALSE(s.ok());
  EXPECT_FALSE(s.retryable());
  EXPECT_NE(s.message().find("access denied"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("AWS_ACCESS_KEY_ID"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("s3://bucket/prefix"), std::string::npos) << s.ToString();
  EXPECT_FALSE(OpenNodeStorage(*b, {}).ok());

  ::setenv("AWS_ACCESS_KEY_ID", "NODEKEY", 1);
  EXPECT_FALSE(CheckNodeCredentials(*b).ok()) << "a key id without its secret is not enough";
  ::setenv("AWS_SECRET_ACCESS_KEY", "NODE-SECRET-VALUE", 1);
  EXPECT_TRUE(CheckNodeCredentials(*b).ok());
  EXPECT_TRUE(OpenNodeStorage(*b, {}).ok());
}

TEST_F(NodeStorageTest, AzblobWithoutKeyOrSasNeedsTheNodesEnvironment) {
  auto b = storage::ParseBackend(
      "azblob://container/p?account-name=acct&endpoint=http://127.0.0.1:9/acct");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  Status s = CheckNodeCredentials(*b);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("AZURE_STORAGE_KEY"), std::string::npos) << s.ToString();
  ::setenv("AZURE_STORAGE_SAS_TOKEN", "sv=2020&sig=abc", 1);
  EXPECT_TRUE(CheckNodeCredentials(*b).ok());
  auto with_key =
      storage::ParseBackend("azblob://container/p?account-name=acct&account-key=QUJDREVGR0g%3D");
  ASSERT_TRUE(with_key.ok()) << with_key.status().ToString();
  ::unsetenv("AZURE_STORAGE_SAS_TOKEN");
  EXPECT_TRUE(CheckNodeCredentials(*with_key).ok());
}

TEST_F(NodeStorageTest, GcsWithoutKeyNeedsTheNodesEnvironment) {
  auto b = storage::ParseBackend("gcs://bucket/p?endpoint=http://127.0.0.1:9");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  Status s = CheckNodeCredentials(*b);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("GCS_HMAC_ACCESS_ID"), std::string::npos) << s.ToString();
  ::setenv("GCS_HMAC_ACCESS_ID", "GOOG1EXAMPLE", 1);
  ::setenv("GCS_HMAC_SECRET", "gcs-secret-value", 1);
  EXPECT_TRUE(CheckNodeCredentials(*b).ok());
}

TEST_F(NodeStorageTest, CredentialsSentByBrAndBackendsWithoutCredentialsPass) {
  auto sent = storage::ParseBackend(
      "s3://bucket/p?endpoint=http://127.0.0.1:9&access-key=AK&secret-access-key=SECRETVALUE");
  ASSERT_TRUE(sent.ok());
  EXPECT_TRUE(CheckNodeCredentials(*sent).ok());
  for (const char* url : {"local:///tmp/x", "noop://"}) {
    auto b = storage::ParseBackend(url);
    ASSERT_TRUE(b.ok()) << url;
    EXPECT_TRUE(CheckNodeCredentials(*b).ok()) << url;
  }
}

TEST_F(NodeStorageTest, BackupFactoryChecksCredentialsToo) {
  auto factory = NodeBackupStorageFactory({});
  auto s3 = storage::ParseBackend("s3://bucket/prefix?endpoint=http://127.0.0.1:9");
  ASSERT_TRUE(s3.ok());
  auto denied = factory(*s3);
  ASSERT_FALSE(denied.ok());
  EXPECT_NE(denied.status().message().find("access denied"), std::string::npos);
  auto local = storage::ParseBackend("noop://");
  ASSERT_TRUE(local.ok());
  auto opened = factory(*local);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_NE(opened->get(), nullptr);
}

TEST_F(NodeStorageTest, TheErrorNeverCarriesASecret) {
  // A session token alone (no key) cannot authenticate; whatever is in the backend stays out
  // of the message.
  storage::S3Backend s3;
  s3.bucket = "bucket";
  s3.endpoint = "http://127.0.0.1:9";
  s3.session_token = "TOKEN-SECRET-123";
  Status s = CheckNodeCredentials(storage::StorageBackend(s3));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.ToString().find("TOKEN-SECRET-123"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace brkv::backup
