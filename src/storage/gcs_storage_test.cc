// GcsStorage: credentials and header mapping, and the storage itself against s3rver standing
// in for GCS's S3-compatible XML API (run by brkv::testing::ObjectServerProcess on 127.0.0.1).
// The server-backed tests skip (with the reason) only when node or s3rver is missing.
#include "storage/gcs_storage.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "storage/external_storage.h"
#include "storage/storage_test_util.h"
#include "storage_servers/object_server.h"

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;
using testing::ObjectServerKind;
using testing::ObjectServerProcess;

const char kBucket[] = "brkv-gcs";

TEST(GcsCredentialsTest, HmacBlobRoundTrips) {
  std::string blob = GcsHmacCredentialsBlob({"GOOG1EXAMPLE", "s3cr+t/=="});
  auto key = ParseGcsCredentials(blob);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->access_id, "GOOG1EXAMPLE");
  EXPECT_EQ(key->secret, "s3cr+t/==");
}

TEST(GcsCredentialsTest, OnlyHmacKeysAreSupported) {
  // A service-account key file (fields as Google documents them; the values are made up).
  const std::string sa =
      R"({"type":"service_account","project_id":"p","private_key_id":"k",)"
      R"("private_key":"-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----\n",)"
      R"("client_email":"x@p.iam.gserviceaccount.com"})";
  auto r = ParseGcsCredentials(sa);
  EXPECT_EQ(r.status().code(), Status::Code::kNotSupported);
  EXPECT_NE(r.status().message().find("only HMAC keys"), std::string::npos);
  EXPECT_NE(r.status().message().find("service_account"), std::string::npos);
  EXPECT_EQ(r.status().message().find("TOPSECRET"), std::string::npos);
  EXPECT_EQ(ParseGcsCredentials(R"({"type":"authorized_user"})").status().code(),
            Status::Code::kNotSupported);
  EXPECT_EQ(ParseGcsCredentials("not json TOPSECRET").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ParseGcsCredentials("not json TOPSECRET").status().message().find("TOPSECRET"),
            std::string::npos);
  EXPECT_EQ(ParseGcsCredentials(R"({"type":"gcs_hmac_key","access_id":"a"})").status().code(),
            Status::Code::kInvalidArgument);

  // Through the storage factory: a credentials blob or file with a service account.
  GcsBackend b;
  b.bucket = "b";
  b.credentials_blob = sa;
  EXPECT_EQ(NewGcsStorage(b, {}).status().code(), Status::Code::kNotSupported);
}

TEST(GcsCredentialsTest, HeadersForStorageClassAndAcl) {
  GcsBackend b;
  b.storage_class = "coldline";
  b.predefined_acl = "bucketOwnerFullControl";
  auto h = GcsObjectHeaders(b);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(*h, (HeaderList{{"x-goog-storage-class", "COLDLINE"},
                            {"x-goog-acl", "bucket-owner-full-control"}}));
  b.predefined_acl = "public-read";  // the XML API spelling is accepted too
  EXPECT_EQ(GcsObjectHeaders(b)->back().second, "public-read");
  b.predefined_acl = "everyone";
  EXPECT_EQ(GcsObjectHeaders(b).status().code(), Status::Code::kInvalidArgument);
  b.predefined_acl.clear();
  b.storage_class.clear();
  EXPECT_TRUE(GcsObjectHeaders(b)->empty());
}

class GcsStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing = ObjectServerProcess::Missing(ObjectServerKind::kS3rver);
    if (!missing.empty()) GTEST_SKIP() << missing;
    dir_ = MakeTempDir("brkv-gcs-s3rver");
    server_ = std::make_unique<ObjectServerProcess>(ObjectServerKind::kS3rver, dir_.string());
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    st = server_->CreateBucket(kBucket);
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  std::unique_ptr<ExternalStorage> OpenUrl(const std::string& url, S3Options o = {}) {
    auto b = ParseBackend(url);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    if (!b.ok()) return nullptr;
    StorageOptions so;
    so.default_timeout = std::chrono::seconds(60);
    auto s = NewGcsStorage(std::get<GcsBackend>(*b), so, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  fs::path dir_;
  std::unique_ptr<ObjectServerProcess> server_;
};

TEST_F(GcsStorageTest, ConformanceSuite) {
  std::string out = RunConformanceSuite(server_->GcsUrl(kBucket, "conf"), dir_.string());
  EXPECT_EQ(out, "") << out;
}

TEST_F(GcsStorageTest, StorageClassAclAndMultipart) {
  S3Options o;
  o.part_size = 1 << 20;
  auto s = OpenUrl(
      server_->GcsUrl(kBucket, "p") + "&storage-class=STANDARD&predefined-acl=projectPrivate", o);
  ASSERT_NE(s, nullptr);
  std::string data = RandomBytes((3 << 20) + 17, 9);
  auto w = s->Create("multi");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append(data).ok());
  Status fin = (*w)->Finish();
  ASSERT_TRUE(fin.ok()) << fin.ToString();
  EXPECT_TRUE(s->ReadFile("multi").value() == data);
  ASSERT_TRUE(s->WriteFile("small", "x").ok());
  EXPECT_EQ(s->Uri(), "gcs://brkv-gcs/p?endpoint=" + server_->endpoint() +
                          "&storage-class=STANDARD&predefined-acl=projectPrivate");
  EXPECT_TRUE(std::holds_alternative<GcsBackend>(s->backend()));
}

TEST_F(GcsStorageTest, CredentialsFromFileAndEnvironment) {
  // An HMAC credentials file; backend() then carries the key as credentials_blob for nodes.
  std::string file = (dir_ / "hmac.json").string();
  {
    std::ofstream f(file);
    f << GcsHmacCredentialsBlob({server_->access_key(), server_->secret_key()});
  }
  auto s = OpenUrl("gcs://" + std::string(kBucket) + "/f?endpoint=" + server_->endpoint() +
                   "&credentials-file=" + file);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->WriteFile("a", "from file").ok());
  const auto& g = std::get<GcsBackend>(s->backend());
  EXPECT_EQ(ParseGcsCredentials(g.credentials_blob)->access_id, server_->access_key());

  ::setenv("GCS_HMAC_ACCESS_ID", server_->access_key().c_str(), 1);
  ::setenv("GCS_HMAC_SECRET", server_->secret_key().c_str(), 1);
  auto e = OpenUrl("gs://" + std::string(kBucket) + "/f?endpoint=" + server_->endpoint());
  ::unsetenv("GCS_HMAC_ACCESS_ID");
  ::unsetenv("GCS_HMAC_SECRET");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->ReadFile("a").value(), "from file");
}

TEST_F(GcsStorageTest, UnknownKeyFailsAtOnceWithoutSecrets) {
  S3Options o;
  o.retry_budget = std::chrono::seconds(20);
  auto s = OpenUrl("gcs://" + std::string(kBucket) + "/p?endpoint=" + server_->endpoint() +
                       "&access-key=GOOG1UNKNOWN&secret-access-key=TOPSECRET",
                   o);
  ASSERT_NE(s, nullptr);
  auto t0 = std::chrono::steady_clock::now();
  Status denied = s->WriteFile("x", "y");
  EXPECT_FALSE(denied.ok());
  EXPECT_FALSE(denied.retryable()) << denied.ToString();
  EXPECT_NE(denied.ToString().find("gcs://brkv-gcs/p/x"), std::string::npos) << denied.ToString();
  EXPECT_EQ(denied.ToString().find("TOPSECRET"), std::string::npos) << denied.ToString();
  EXPECT_EQ(s->Uri().find("TOPSECRET"), std::string::npos);
  auto missing = OpenUrl(server_->GcsUrl(kBucket, "p"))->ReadFile("nope");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

}  // namespace
}  // namespace brkv::storage
