// The S3 engine (S3 and GCS) against ScriptedHttpServer (tests/storage_servers): transient
// errors are retried, permanent ones are not, and each request carries the headers its
// backend asks for (x-amz-* for S3, x-goog-* and SigV4 region "auto" for GCS).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "storage/gcs_storage.h"
#include "storage/s3_storage.h"
#include "storage_servers/scripted_http_server.h"

namespace brkv::storage {
namespace {

using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

S3Options Fast() {
  S3Options o;
  o.backoff_base = std::chrono::milliseconds(1);
  o.backoff_max = std::chrono::milliseconds(5);
  o.retry_budget = std::chrono::seconds(10);
  o.request_timeout = std::chrono::seconds(5);
  return o;
}

ScriptedResponse S3Error(int status, const std::string& code) {
  ScriptedResponse r;
  r.status = status;
  r.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
           "</Code><Message>try again</Message></Error>";
  return r;
}

class S3FaultTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  ScriptedHttpServer server_;
};

TEST_F(S3FaultTest, S3RetriesTransientErrorsAndSendsObjectHeaders) {
  S3Backend b;
  b.endpoint = server_.endpoint();
  b.bucket = "bkt";
  b.prefix = "p";
  b.access_key = "AK";
  b.secret_access_key = "TOPSECRET";
  b.storage_class = "STANDARD_IA";
  b.acl = "bucket-owner-full-control";
  auto s = NewS3Storage(b, {}, Fast());
  ASSERT_TRUE(s.ok());
  server_.Push(S3Error(503, "SlowDown"));
  server_.Push({.status = 200, .body = "012", .announced_length = 9});  // cut short
  server_.Push({.status = 200});
  ASSERT_TRUE((*s)->WriteFile("o", "x").ok());
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[2].target, "/bkt/p/o");
  EXPECT_EQ(reqs[2].headers.at("x-amz-storage-class"), "STANDARD_IA");
  EXPECT_EQ(reqs[2].headers.at("x-amz-acl"), "bucket-owner-full-control");
  EXPECT_NE(reqs[2].headers.at("authorization").find("x-amz-storage-class"), std::string::npos)
      << "the header is signed";

  server_.Push(S3Error(403, "AccessDenied"));
  Status denied = (*s)->WriteFile("o", "x");
  EXPECT_FALSE(denied.retryable());
  EXPECT_EQ(server_.requests().size(), 4u);
  EXPECT_EQ(denied.ToString().find("TOPSECRET"), std::string::npos);
}

TEST_F(S3FaultTest, GcsSendsGoogHeadersAndSignsForRegionAuto) {
  GcsBackend b;
  b.endpoint = server_.endpoint();
  b.bucket = "gb";
  b.storage_class = "nearline";
  b.predefined_acl = "projectPrivate";
  b.credentials_blob = GcsHmacCredentialsBlob({"GOOG1ID", "TOPSECRET"});
  S3Options o = Fast();
  o.part_size = 4;
  auto s = NewGcsStorage(b, {}, o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  server_.SetFallback([](const testing::RecordedRequest& r) {
    ScriptedResponse resp;
    if (r.target.find("uploads") != std::string::npos && r.method == "POST") {
      resp.body =
          "<InitiateMultipartUploadResult><UploadId>U1</UploadId>"
          "</InitiateMultipartUploadResult>";
    }
    if (r.method == "PUT" && r.target.find("partNumber") != std::string::npos) {
      resp.headers = {{"ETag", "\"e\""}};
    }
    return resp;
  });
  ASSERT_TRUE((*s)->WriteFile("small", "abc").ok());
  Status big = (*s)->WriteFile("big", "0123456789");
  ASSERT_TRUE(big.ok()) << big.ToString();
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 1u + 1 + 3 + 1);  // put; initiate, 3 parts, complete
  for (size_t i : {0, 1}) {
    EXPECT_EQ(reqs[i].headers.at("x-goog-storage-class"), "NEARLINE") << reqs[i].target;
    EXPECT_EQ(reqs[i].headers.at("x-goog-acl"), "project-private") << reqs[i].target;
  }
  EXPECT_EQ(reqs[0].target, "/gb/small");
  EXPECT_EQ(reqs[1].method, "POST");
  EXPECT_NE(reqs[0].headers.at("authorization").find("Credential=GOOG1ID/"), std::string::npos);
  EXPECT_NE(reqs[0].headers.at("authorization").find("/auto/s3/aws4_request"), std::string::npos)
      << reqs[0].headers.at("authorization");
  EXPECT_EQ(reqs.back().method, "POST");
  EXPECT_NE(reqs.back().target.find("uploadId=U1"), std::string::npos);
}

}  // namespace
}  // namespace brkv::storage
