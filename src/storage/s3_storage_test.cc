// S3Storage against a real S3 protocol server: s3rver (npm, installed by scripts/deps.sh into
// tests/storage_servers/node_modules), run by brkv::testing::ObjectServerProcess on 127.0.0.1
// with a temporary directory. Every test here skips (with the reason) only when node or s3rver
// is missing.
#include "storage/s3_storage.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "storage/external_storage.h"
#include "storage/storage_test_util.h"
#include "storage_servers/object_server.h"

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;
using testing::ObjectServerKind;
using testing::ObjectServerProcess;

const char kBucket[] = "brkv-test";

class S3StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing = ObjectServerProcess::Missing(ObjectServerKind::kS3rver);
    if (!missing.empty()) GTEST_SKIP() << missing;
    dir_ = MakeTempDir("brkv-s3rver");
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

  std::string ReadLog() { return server_->Log(); }

  std::string Url(std::string_view prefix = "root") const {
    return server_->Url(kBucket, std::string(prefix));
  }

  std::unique_ptr<ExternalStorage> Open(S3Options o = {}, std::string_view url = "") {
    auto b = ParseBackend(url.empty() ? Url() : url);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    StorageOptions so;
    so.default_timeout = std::chrono::seconds(60);
    auto s = NewS3Storage(std::get<S3Backend>(*b), so, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  static std::string Pattern(size_t n, uint32_t seed) { return RandomBytes(n, seed); }

  fs::path dir_;
  std::unique_ptr<ObjectServerProcess> server_;
};

// The shared conformance suite, run in a child process of this binary with the s3rver URL in
// BRKV_STORAGE_TEST_URLS (the suite reads it when the binary starts).
TEST_F(S3StorageTest, ConformanceSuite) {
  std::string out = RunConformanceSuite(Url("conf"), dir_.string());
  EXPECT_EQ(out, "") << out;
}

TEST_F(S3StorageTest, MultipartUploadOfSeveralMiB) {
  S3Options o;
  o.part_size = 1 << 20;
  auto s = Open(o);
  const size_t kSize = 5 * (1 << 20) + 4321;
  std::string data = Pattern(kSize, 7);
  auto w = s->Create("big/multi.sst");
  ASSERT_TRUE(w.ok());
  for (size_t off = 0; off < kSize; off += 300000) {
    ASSERT_TRUE((*w)->Append(std::string_view(data).substr(off, 300000)).ok());
  }
  // Parts are uploaded, but nothing is published before Finish.
  EXPECT_FALSE(s->FileExists("big/multi.sst").value());
  Status fin = (*w)->Finish();
  ASSERT_TRUE(fin.ok()) << fin.ToString();
  EXPECT_EQ((*w)->bytes_written(), kSize);

  auto whole = s->ReadFile("big/multi.sst");
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_TRUE(*whole == data);
  auto r = s->Open("big/multi.sst");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)->size(), kSize);
  std::string chunk;
  // A range across a part boundary.
  ASSERT_TRUE((*r)->ReadAt((1 << 20) - 10, 20, &chunk).ok());
  EXPECT_EQ(chunk, data.substr((1 << 20) - 10, 20));
  ASSERT_TRUE((*r)->ReadAt(kSize - 5, 100, &chunk).ok());
  EXPECT_EQ(chunk, data.substr(kSize - 5));

  // WriteFile above the part size is a multipart upload too.
  ASSERT_TRUE(s->WriteFile("big/whole.sst", std::string_view(data).substr(0, (2 << 20) + 3)).ok());
  EXPECT_TRUE(s->ReadFile("big/whole.sst").value() == data.substr(0, (2 << 20) + 3));

  // An aborted multipart upload publishes nothing.
  auto w2 = s->Create("big/aborted.sst");
  ASSERT_TRUE(w2.ok());
  ASSERT_TRUE((*w2)->Append(std::string_view(data).substr(0, 3 << 20)).ok());
  // s3rver 3.7 answers AbortMultipartUpload with 405 (not implemented); an unfinished upload is
  // never published either way, and Abort reports the cleanup error for logging only.
  (void)(*w2)->Abort();
  EXPECT_FALSE(s->FileExists("big/aborted.sst").value());
  // So does a writer destroyed before Finish.
  {
    auto w3 = s->Create("big/dropped.sst");
    ASSERT_TRUE(w3.ok());
    ASSERT_TRUE((*w3)->Append(std::string_view(data).substr(0, 2 << 20)).ok());
  }
  EXPECT_FALSE(s->FileExists("big/dropped.sst").value());
}

TEST_F(S3StorageTest, ListingPagesWithContinuationTokens) {
  S3Options o;
  o.list_page_size = 3;
  auto s = Open(o);
  std::vector<std::string> want;
  for (int i = 0; i < 11; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "dir/%02d", i);
    want.push_back(name);
    ASSERT_TRUE(s->WriteFile(name, std::string(i, 'x')).ok());
  }
  ASSERT_TRUE(s->WriteFile("other", "y").ok());
  std::vector<std::string> got;
  Status walked = s->WalkDir("dir/", [&](std::string_view n, uint64_t size) {
    EXPECT_EQ(size, static_cast<uint64_t>(std::stoi(std::string(n.substr(4)))));
    got.emplace_back(n);
    return Status::OK();
  });
  ASSERT_TRUE(walked.ok()) << walked.ToString();
  EXPECT_EQ(got, want);
  size_t all = 0;
  ASSERT_TRUE(s->WalkDir("", [&](std::string_view, uint64_t) {
                 ++all;
                 return Status::OK();
               }).ok());
  EXPECT_EQ(all, 12u);
}

TEST_F(S3StorageTest, PermanentErrorsFailAtOnceWithoutSecrets) {
  S3Options o;
  o.retry_budget = std::chrono::seconds(20);
  auto s = Open(o);
  auto t0 = std::chrono::steady_clock::now();
  auto missing = s->ReadFile("no/such/object");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no/such/object"), std::string::npos);
  EXPECT_FALSE(s->FileExists("no/such/object").value());
  EXPECT_TRUE(s->DeleteFile("no/such/object").ok());

  // s3rver checks the access key id but not SigV4 signatures (those are checked against AWS's
  // published examples in aws_sigv4_test), so an unknown key id stands in for bad credentials.
  std::string bad_url = "s3://" + std::string(kBucket) + "/root?endpoint=" + server_->endpoint() +
                        "&access-key=UNKNOWN&secret-access-key=WRONG-TOPSECRET";
  auto bad = Open(o, bad_url);
  Status denied = bad->WriteFile("x", "y");
  EXPECT_FALSE(denied.ok());
  EXPECT_FALSE(denied.retryable()) << denied.ToString();
  EXPECT_EQ(denied.ToString().find("TOPSECRET"), std::string::npos) << denied.ToString();
  EXPECT_EQ(bad->Uri().find("TOPSECRET"), std::string::npos);

  auto nobucket = Open(o, server_->Url("no-such-bucket", "p"));
  Status nb = nobucket->WriteFile("x", "y");
  EXPECT_FALSE(nb.ok());
  EXPECT_FALSE(nb.retryable()) << nb.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(S3StorageTest, RetriesRideOutAServerRestart) {
  S3Options o;
  o.retry_budget = std::chrono::seconds(30);
  o.request_timeout = std::chrono::seconds(5);
  o.connect_timeout = std::chrono::seconds(1);
  auto s = Open(o);
  ASSERT_TRUE(s->WriteFile("survivor", "still here").ok());

  server_->Kill();
  auto read = std::async(std::launch::async, [&] { return s->ReadFile("survivor"); });
  // The call is retrying against a dead server; bring the server back on the same directory.
  EXPECT_EQ(read.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout);
  ASSERT_TRUE(server_->Start().ok()) << ReadLog();
  auto got = read.get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "still here");

  // With the server staying down, the call fails within its budget, as a retryable error.
  server_->Kill();
  S3Options short_budget = o;
  short_budget.retry_budget = std::chrono::seconds(2);
  auto s2 = Open(short_budget);
  auto t0 = std::chrono::steady_clock::now();
  Status st = s2->WriteFile("never", "x");
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(st.retryable()) << st.ToString();
  EXPECT_LT(took, std::chrono::seconds(8));
}

}  // namespace
}  // namespace brkv::storage
