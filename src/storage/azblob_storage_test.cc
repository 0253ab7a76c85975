// AzblobStorage against azurite (Microsoft's Azure Blob emulator, npm, installed by
// scripts/deps.sh into tests/storage_servers/node_modules), which checks Shared Key
// signatures. The server runs on 127.0.0.1 with a temporary directory; every test skips (with
// the reason) only when node or azurite is missing.
#include "storage/azblob_storage.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "storage/aws_sigv4.h"
#include "storage/azure_shared_key.h"
#include "storage/external_storage.h"
#include "storage/storage_test_util.h"
#include "storage_servers/object_server.h"

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;
using testing::ObjectServerKind;
using testing::ObjectServerProcess;

const char kContainer[] = "brkv-test";

class AzblobStorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing = ObjectServerProcess::Missing(ObjectServerKind::kAzurite);
    if (!missing.empty()) GTEST_SKIP() << missing;
    dir_ = MakeTempDir("brkv-azurite");
    server_ = std::make_unique<ObjectServerProcess>(ObjectServerKind::kAzurite, dir_.string());
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    st = server_->CreateBucket(kContainer);
    ASSERT_TRUE(st.ok()) << st.ToString() << server_->Log();
  }

  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

  std::string Url(const std::string& prefix = "root") const {
    return server_->Url(kContainer, prefix);
  }

  std::unique_ptr<ExternalStorage> Open(AzblobOptions o = {}, const std::string& url = "") {
    auto b = ParseBackend(url.empty() ? Url() : url);
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    StorageOptions so;
    so.default_timeout = std::chrono::seconds(60);
    auto s = NewAzblobStorage(std::get<AzureBlobBackend>(*b), so, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // An account SAS for the blob service, computed here independently of the library: the
  // string to sign of version 2020-12-06 and later is account, permissions, services,
  // resource types, start, expiry, IP, protocol, version, encryption scope, each followed by
  // a newline; the signature is base64 HMAC-SHA256 with the decoded account key.
  std::string AccountSas(const std::string& permissions) const {
    std::time_t t = std::time(nullptr) + 3600;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char expiry[32];
    std::strftime(expiry, sizeof(expiry), "%Y-%m-%dT%H:%M:%SZ", &tm);
    const std::string version = "2021-08-06";
    std::string to_sign = server_->access_key() + "\n" + permissions + "\nb\nsco\n\n" + expiry +
                          "\n\nhttps,http\n" + version + "\n\n";
    std::string key;
    EXPECT_TRUE(Base64Decode(server_->secret_key(), &key));
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(to_sign.data()), to_sign.size(), md, &len);
    std::string sig(reinterpret_cast<const char*>(md), len);
    return "sv=" + version + "&ss=b&srt=sco&sp=" + permissions + "&se=" + UriEncode(expiry, false) +
           "&spr=https,http&sig=" + UriEncode(Base64Encode(sig), false);
  }

  std::string SasUrl(const std::string& sas) const {
    return "azblob://" + std::string(kContainer) + "/sas?endpoint=" + server_->endpoint() + "/" +
           server_->access_key() + "&sas-token=" + UriEncode(sas, false);
  }

  fs::path dir_;
  std::unique_ptr<ObjectServerProcess> server_;
};

TEST_F(AzblobStorageTest, ServerRestartsOnTheSamePortAndKeepsContainers) {
  uint16_t port = server_->port();
  EXPECT_NE(port, 0);
  server_->Kill();
  EXPECT_FALSE(server_->running());
  ASSERT_TRUE(server_->Start().ok()) << server_->Log();
  EXPECT_EQ(server_->port(), port);
  EXPECT_TRUE(server_->CreateBucket(kContainer).ok());
  server_->Stop();
  EXPECT_FALSE(server_->running());
}

// The shared conformance suite, in a child process of this binary (see storage_test_util.h).
// Azurite checks every Shared Key signature, so this is also the end-to-end proof of signing.
TEST_F(AzblobStorageTest, ConformanceSuite) {
  std::string out = RunConformanceSuite(Url("conf"), dir_.string());
  EXPECT_EQ(out, "") << out;
}

TEST_F(AzblobStorageTest, MultiBlockUploadOfSeveralMiB) {
  AzblobOptions o;
  o.block_size = 1 << 20;
  auto s = Open(o);
  const size_t kSize = 5 * (1 << 20) + 4321;
  std::string data = RandomBytes(kSize, 7);
  auto w = s->Create("big/multi block.sst");  // a space: the signed path is percent-encoded
  ASSERT_TRUE(w.ok());
  for (size_t off = 0; off < kSize; off += 300000) {
    ASSERT_TRUE((*w)->Append(std::string_view(data).substr(off, 300000)).ok());
  }
  // Blocks are uploaded but uncommitted: nothing is visible before Finish.
  EXPECT_FALSE(s->FileExists("big/multi block.sst").value());
  Status fin = (*w)->Finish();
  ASSERT_TRUE(fin.ok()) << fin.ToString();
  EXPECT_EQ((*w)->bytes_written(), kSize);

  auto whole = s->ReadFile("big/multi block.sst");
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_TRUE(*whole == data);
  auto r = s->Open("big/multi block.sst");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->size(), kSize);
  std::string chunk;
  ASSERT_TRUE((*r)->ReadAt((1 << 20) - 10, 20, &chunk).ok());  // across a block boundary
  EXPECT_EQ(chunk, data.substr((1 << 20) - 10, 20));
  ASSERT_TRUE((*r)->ReadAt(kSize - 5, 100, &chunk).ok());
  EXPECT_EQ(chunk, data.substr(kSize - 5));

  // Replacing the blob under an open reader: the reader's If-Match makes that Corruption.
  ASSERT_TRUE(s->WriteFile("big/multi block.sst", "short").ok());
  Status changed = (*r)->ReadAt(0, 10, &chunk);
  EXPECT_EQ(changed.code(), Status::Code::kCorruption) << changed.ToString();

  // Aborted and dropped writers commit nothing.
  auto w2 = s->Create("big/aborted.sst");
  ASSERT_TRUE(w2.ok());
  ASSERT_TRUE((*w2)->Append(std::string_view(data).substr(0, 3 << 20)).ok());
  EXPECT_TRUE((*w2)->Abort().ok());
  EXPECT_FALSE(s->FileExists("big/aborted.sst").value());
  {
    auto w3 = s->Create("big/dropped.sst");
    ASSERT_TRUE(w3.ok());
    ASSERT_TRUE((*w3)->Append(std::string_view(data).substr(0, 2 << 20)).ok());
  }
  EXPECT_FALSE(s->FileExists("big/dropped.sst").value());

  // Two interleaved writers of one name never mix blocks. Committing a block list discards
  // the blob's other uncommitted blocks (Azure semantics), so the second Finish fails with a
  // clear non-retryable error and the first writer's object stays whole.
  auto a = s->Create("big/race.sst");
  auto b = s->Create("big/race.sst");
  ASSERT_TRUE(a.ok() && b.ok());
  std::string da = RandomBytes(2 << 20, 1), db = RandomBytes(3 << 20, 2);
  ASSERT_TRUE((*a)->Append(da).ok());
  ASSERT_TRUE((*b)->Append(db).ok());
  ASSERT_TRUE((*a)->Finish().ok());
  Status second = (*b)->Finish();
  EXPECT_FALSE(second.ok());
  EXPECT_FALSE(second.retryable()) << second.ToString();
  EXPECT_NE(second.ToString().find("InvalidBlockList"), std::string::npos) << second.ToString();
  EXPECT_TRUE(s->ReadFile("big/race.sst").value() == da);
}

TEST_F(AzblobStorageTest, ListingPagesWithMarkers) {
  AzblobOptions o;
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

TEST_F(AzblobStorageTest, PermanentErrorsFailAtOnceWithoutSecrets) {
  AzblobOptions o;
  o.http.retry_budget = std::chrono::seconds(20);
  auto s = Open(o);
  auto t0 = std::chrono::steady_clock::now();
  auto missing = s->ReadFile("no/such/object");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound) << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("no/such/object"), std::string::npos);
  EXPECT_EQ(s->Open("no/such/object").status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(s->FileExists("no/such/object").value());
  EXPECT_TRUE(s->DeleteFile("no/such/object").ok());

  // A wrong key (valid base64, wrong bytes): azurite rejects the signature with 403.
  const std::string wrong_key = Base64Encode("WRONG-TOPSECRET-KEY-WRONG-TOPSECRET-KEY");
  std::string bad_url = "azblob://" + std::string(kContainer) +
                        "/root?endpoint=" + server_->endpoint() + "/" + server_->access_key() +
                        "&account-name=" + server_->access_key() +
                        "&account-key=" + UriEncode(wrong_key, false);
  auto bad = Open(o, bad_url);
  Status denied = bad->WriteFile("x", "y");
  EXPECT_FALSE(denied.ok());
  EXPECT_FALSE(denied.retryable()) << denied.ToString();
  EXPECT_NE(denied.ToString().find("403"), std::string::npos) << denied.ToString();
  EXPECT_NE(denied.ToString().find("azblob://brkv-test/root/x"), std::string::npos);
  EXPECT_EQ(denied.ToString().find(wrong_key), std::string::npos) << denied.ToString();
  EXPECT_EQ(bad->Uri().find(wrong_key), std::string::npos);
  EXPECT_EQ(Open(o)->Uri().find(server_->secret_key()), std::string::npos);
  Status denied_read = bad->ReadFile("x").status();
  EXPECT_FALSE(denied_read.retryable()) << denied_read.ToString();

  auto nocontainer = Open(o, server_->Url("no-such-container", "p"));
  Status nc = nocontainer->WriteFile("x", "y");
  EXPECT_FALSE(nc.ok());
  EXPECT_FALSE(nc.retryable()) << nc.ToString();
  EXPECT_NE(nc.ToString().find("ContainerNotFound"), std::string::npos) << nc.ToString();
  Status nc_list =
      nocontainer->WalkDir("", [](std::string_view, uint64_t) { return Status::OK(); });
  EXPECT_FALSE(nc_list.ok());
  EXPECT_FALSE(nc_list.retryable());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST_F(AzblobStorageTest, SasTokenAuth) {
  std::string sas = AccountSas("rwdlac");
  auto s = Open({}, SasUrl(sas));
  Status put = s->WriteFile("a/b", "via sas");
  ASSERT_TRUE(put.ok()) << put.ToString() << server_->Log();
  EXPECT_EQ(s->ReadFile("a/b").value(), "via sas");
  AzblobOptions o;
  o.block_size = 1 << 20;
  auto big = Open(o, SasUrl(sas));
  auto w = big->Create("a/blocks");
  ASSERT_TRUE(w.ok());
  std::string data = RandomBytes((2 << 20) + 5, 3);
  ASSERT_TRUE((*w)->Append(data).ok());
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_TRUE(big->ReadFile("a/blocks").value() == data);
  std::vector<std::string> names;
  ASSERT_TRUE(s->WalkDir("a/", [&](std::string_view n, uint64_t) {
                 names.emplace_back(n);
                 return Status::OK();
               }).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a/b", "a/blocks"}));
  EXPECT_EQ(s->Uri().find("sig="), std::string::npos) << s->Uri();

  // A read-only SAS cannot write: 403 at once, and the token stays out of the message.
  std::string ro = AccountSas("rl");
  auto ros = Open({}, SasUrl(ro));
  EXPECT_EQ(ros->ReadFile("a/b").value(), "via sas");
  Status denied = ros->WriteFile("a/c", "x");
  EXPECT_FALSE(denied.ok());
  EXPECT_FALSE(denied.retryable()) << denied.ToString();
  std::string sig = ro.substr(ro.find("sig=") + 4);
  EXPECT_EQ(denied.ToString().find(sig), std::string::npos) << denied.ToString();
  EXPECT_EQ(denied.ToString().find("sig="), std::string::npos) << denied.ToString();
}

TEST_F(AzblobStorageTest, RetriesRideOutAServerRestart) {
  AzblobOptions o;
  o.http.retry_budget = std::chrono::seconds(30);
  o.http.request_timeout = std::chrono::seconds(5);
  o.http.connect_timeout = std::chrono::seconds(1);
  auto s = Open(o);
  ASSERT_TRUE(s->WriteFile("survivor", "still here").ok());

  // Stop, not Kill: azurite saves its metadata (containers, blob index) on a clean shutdown
  // and only periodically otherwise.
  server_->Stop();
  auto read = std::async(std::launch::async, [&] { return s->ReadFile("survivor"); });
  // The call is retrying against a dead server; bring the server back on the same directory.
  EXPECT_EQ(read.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout);
  ASSERT_TRUE(server_->Start().ok()) << server_->Log();
  auto got = read.get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "still here");

  // With the server staying down, the call fails within its budget, as a retryable error.
  server_->Kill();
  AzblobOptions short_budget = o;
  short_budget.http.retry_budget = std::chrono::seconds(2);
  auto s2 = Open(short_budget);
  auto t0 = std::chrono::steady_clock::now();
  Status st = s2->WriteFile("never", "x");
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(st.retryable()) << st.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(8));
}

}  // namespace
}  // namespace brkv::storage
