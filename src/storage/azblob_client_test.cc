// AzblobClient configuration (credentials precedence, endpoints) and AzblobStorage's handling
// of faults and of what it sends, against ScriptedHttpServer (tests/storage_servers): 5xx/429
// bursts, cut bodies, a server that never answers, 403/404, and the headers of each request.
#include "storage/azblob_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <set>
#include <string>

#include "common/failpoint.h"
#include "storage/azblob_storage.h"
#include "storage/azure_shared_key.h"
#include "storage_servers/scripted_http_server.h"

namespace brkv::storage {
namespace {

using testing::ScriptedHttpServer;
using testing::ScriptedResponse;

const char kKey[] = "VE9QU0VDUkVULWFjY291bnQta2V5";  // base64("TOPSECRET-account-key")

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

TEST(AzblobConfigTest, EndpointsAndCredentialPrecedence) {
  ScopedEnv e1("AZURE_STORAGE_ACCOUNT", "envacct"), e2("AZURE_STORAGE_KEY", "ZW52a2V5"),
      e3("AZURE_STORAGE_SAS_TOKEN", "sv=env&sig=envsig");
  AzureBlobBackend b;
  b.bucket = "c";
  // Only the environment: its account and key, the public endpoint.
  auto c = AzblobClient::MakeConfig(b, {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->account, "envacct");
  EXPECT_EQ(c->shared_key, "ZW52a2V5");
  EXPECT_EQ(c->scheme, "https");
  EXPECT_EQ(c->host, "envacct.blob.core.windows.net");
  EXPECT_EQ(c->base_path, "");
  // URL values win over the environment; a URL SAS wins over an environment key.
  b.account_name = "urlacct";
  b.access_sig = "?sv=url&sig=urlsig";
  c = AzblobClient::MakeConfig(b, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->account, "urlacct");
  EXPECT_TRUE(c->shared_key.empty());
  EXPECT_EQ(c->sas_token, "sv=url&sig=urlsig");
  b.shared_key = kKey;  // an explicit key wins over an explicit SAS
  b.endpoint = "http://127.0.0.1:80/devstoreaccount1/";
  c = AzblobClient::MakeConfig(b, {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->shared_key, kKey);
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->base_path, "/devstoreaccount1");
}

TEST(AzblobConfigTest, ClearErrorsWithoutSecrets) {
  ScopedEnv e1("AZURE_STORAGE_ACCOUNT", nullptr), e2("AZURE_STORAGE_KEY", nullptr),
      e3("AZURE_STORAGE_SAS_TOKEN", nullptr);
  AzureBlobBackend b;
  b.bucket = "c";
  EXPECT_EQ(AzblobClient::MakeConfig(b, {}).status().code(), Status::Code::kInvalidArgument);
  b.shared_key = "not base64 TOPSECRET!";
  b.account_name = "a";
  Status bad_key = AzblobClient::MakeConfig(b, {}).status();
  EXPECT_EQ(bad_key.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(bad_key.message().find("TOPSECRET"), std::string::npos) << bad_key.ToString();
  b.shared_key = kKey;
  b.account_name.clear();
  b.endpoint = "http://127.0.0.1:1";
  Status no_account = AzblobClient::MakeConfig(b, {}).status();
  EXPECT_NE(no_account.message().find("account-name"), std::string::npos);
  b.account_name = "a";
  b.endpoint = "ftp://x";
  EXPECT_EQ(AzblobClient::MakeConfig(b, {}).status().code(), Status::Code::kInvalidArgument);
  b.endpoint.clear();
  b.encryption_key = "c2hvcnQ=";  // not 32 bytes
  EXPECT_EQ(NewAzblobStorage(b, {}).status().code(), Status::Code::kInvalidArgument);
}

class AzblobFaultTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }

  std::unique_ptr<ExternalStorage> Open(AzureBlobBackend b = {}, AzblobOptions o = Fast()) {
    b.endpoint = server_.endpoint() + "/acct";
    b.bucket = "cont";
    b.prefix = "pre";
    if (b.access_sig.empty()) {
      b.account_name = "acct";
      b.shared_key = kKey;
    }
    auto s = NewAzblobStorage(b, {}, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  static AzblobOptions Fast() {
    AzblobOptions o;
    o.http.backoff_base = std::chrono::milliseconds(1);
    o.http.backoff_max = std::chrono::milliseconds(5);
    o.http.retry_budget = std::chrono::seconds(10);
    o.http.request_timeout = std::chrono::seconds(5);
    return o;
  }

  static ScriptedResponse Error(int status, const std::string& code) {
    ScriptedResponse r;
    r.status = status;
    r.headers = {{"x-ms-error-code", code}};
    r.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + code +
             "</Code><Message>Something went wrong.\nRequestId:1\nTime:2026</Message></Error>";
    return r;
  }

  ScriptedHttpServer server_;
};

TEST_F(AzblobFaultTest, TransientErrorsAreRetried) {
  server_.Push(Error(503, "ServerBusy"));
  server_.Push(Error(500, "InternalError"));
  server_.Push(Error(429, "TooManyRequests"));
  server_.Push(Error(400, "Md5Mismatch"));
  server_.Push({.status = 201});
  auto s = Open();
  Status st = s->WriteFile("a.sst", "data");
  ASSERT_TRUE(st.ok()) << st.ToString();
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  for (const auto& r : reqs) {
    EXPECT_EQ(r.method, "PUT");
    EXPECT_EQ(r.target, "/acct/cont/pre/a.sst");
    EXPECT_EQ(r.body, "data");
    EXPECT_EQ(r.headers.at("x-ms-blob-type"), "BlockBlob");
    EXPECT_EQ(r.headers.at("x-ms-version"), kAzureApiVersion);
    EXPECT_EQ(r.headers.at("authorization").rfind("SharedKey acct:", 0), 0u);
  }
}

TEST_F(AzblobFaultTest, InjectedTransportFailuresAreRetried) {
  failpoint::Enable("storage.http.request", "2*return(connection reset)");
  auto s = Open();
  Status st = s->WriteFile("fp", "x");
  failpoint::DisableAll();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(server_.requests().size(), 1u);
}

TEST_F(AzblobFaultTest, LargeWriteFileGoesUpInBlocks) {
  AzblobOptions o = Fast();
  o.block_size = 3;
  auto s = Open({}, o);
  server_.Push({.status = 201});
  server_.Push(Error(500, "InternalError"));  // only the failed block is sent again
  ASSERT_TRUE(s->WriteFile("w", "1234567").ok());
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].body, "123");
  EXPECT_EQ(reqs[1].body, "456");
  EXPECT_EQ(reqs[2].body, "456");
  EXPECT_EQ(reqs[3].body, "7");
  EXPECT_NE(reqs[4].target.find("comp=blocklist"), std::string::npos);
  ASSERT_TRUE(s->WriteFile("small", "123").ok());  // at the block size: one Put Blob
  EXPECT_EQ(server_.requests().back().target, "/acct/cont/pre/small");
}

TEST_F(AzblobFaultTest, ShortBodiesAreRetried) {
  server_.Push({.status = 200, .body = "0123", .announced_length = 10});
  server_.Push({.status = 200, .body = "0123456789"});
  auto s = Open();
  auto got = s->ReadFile("x");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "0123456789");
  EXPECT_EQ(server_.requests().size(), 2u);
}

TEST_F(AzblobFaultTest, PermanentErrorsFailAtOnce) {
  server_.Push(Error(403, "AuthenticationFailed"));
  auto s = Open();
  Status denied = s->WriteFile("x", "y");
  EXPECT_EQ(server_.requests().size(), 1u);
  EXPECT_FALSE(denied.retryable());
  EXPECT_EQ(denied.ToString(),
            "IOError: PUT azblob://cont/pre/x: HTTP 403 AuthenticationFailed (Something went "
            "wrong.): access denied; check account-name and account-key, or the sas-token's "
            "permissions and expiry");
  EXPECT_EQ(denied.ToString().find(kKey), std::string::npos);

  server_.Push(Error(404, "BlobNotFound"));
  EXPECT_EQ(s->ReadFile("gone").status().code(), Status::Code::kNotFound);
  server_.Push({.status = 404});  // HEAD 404: no body, no error code
  EXPECT_FALSE(s->FileExists("gone").value());
  server_.Push(Error(404, "ContainerNotFound"));
  Status nc = s->WriteFile("x", "y");
  EXPECT_EQ(nc.code(), Status::Code::kIOError);
  EXPECT_FALSE(nc.retryable());
  server_.Push(Error(404, "BlobNotFound"));
  EXPECT_TRUE(s->DeleteFile("gone").ok());
}

TEST_F(AzblobFaultTest, AHangingServerHitsTheDeadline) {
  server_.SetFallback([](const testing::RecordedRequest&) {
    ScriptedResponse r;
    r.hang = true;
    return r;
  });
  AzblobOptions o = Fast();
  o.http.request_timeout = std::chrono::milliseconds(200);
  o.http.retry_budget = std::chrono::seconds(1);
  auto s = Open({}, o);
  auto t0 = std::chrono::steady_clock::now();
  Status st = s->WriteFile("x", "y");
  EXPECT_EQ(st.code(), Status::Code::kTimedOut) << st.ToString();
  EXPECT_TRUE(st.retryable());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  EXPECT_GE(server_.requests().size(), 2u);  // it did retry

  // A call deadline shorter than the request timeout cuts the request.
  o.http.request_timeout = std::chrono::seconds(30);
  o.http.retry_budget = std::chrono::seconds(30);
  auto s2 = Open({}, o);
  t0 = std::chrono::steady_clock::now();
  auto read = s2->ReadFile("x", CallOptions::WithTimeout(std::chrono::milliseconds(300)));
  EXPECT_EQ(read.status().code(), Status::Code::kTimedOut) << read.status().ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
  server_.Stop();  // releases the hanging connection
}

TEST_F(AzblobFaultTest, BlocksTierEncryptionAndSas) {
  AzureBlobBackend b;
  b.storage_class = "Cool";
  b.encryption_scope = "scope1";
  AzblobOptions o = Fast();
  o.block_size = 4;
  auto s = Open(b, o);
  server_.Push({.status = 201});
  server_.Push(Error(503, "ServerBusy"));  // the second block is retried on its own
  server_.SetFallback([](const testing::RecordedRequest&) { return ScriptedResponse{201}; });
  auto w = s->Create("big");
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Append("aaaabbbbcc").ok());
  ASSERT_TRUE((*w)->Finish().ok());
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 5u);  // block 0, block 1 (503), block 1, block 2, block list
  std::set<std::string> ids;
  size_t id_len = 0;
  for (size_t i = 0; i < 4; ++i) {
    const auto& t = reqs[i].target;
    ASSERT_EQ(t.rfind("/acct/cont/pre/big?", 0), 0u) << t;
    size_t at = t.find("blockid=");
    ASSERT_NE(at, std::string::npos) << t;
    std::string id = t.substr(at + 8);
    id = id.substr(0, id.find('&'));
    if (id_len == 0) id_len = id.size();
    EXPECT_EQ(id.size(), id_len);  // Azure requires equal-length ids
    ids.insert(id);
    EXPECT_EQ(reqs[i].headers.at("x-ms-encryption-scope"), "scope1");
    EXPECT_EQ(reqs[i].headers.count("x-ms-access-tier"), 0u);
  }
  EXPECT_EQ(ids.size(), 3u);
  EXPECT_EQ(reqs[0].body, "aaaa");
  // echo -n aaaa | openssl dgst -md5 -binary | base64
  EXPECT_EQ(reqs[0].headers.at("content-md5"), "dLhzN0VCANTTP4DEZj3F5Q==");
  EXPECT_EQ(reqs[2].body, "bbbb");
  EXPECT_EQ(reqs[3].body, "cc");
  const auto& list = reqs[4];
  EXPECT_NE(list.target.find("comp=blocklist"), std::string::npos);
  EXPECT_EQ(list.headers.at("x-ms-access-tier"), "Cool");
  EXPECT_EQ(list.headers.at("x-ms-encryption-scope"), "scope1");
  EXPECT_EQ(list.headers.at("content-type"), "application/xml");
  EXPECT_EQ(std::count(list.body.begin(), list.body.end(), '<'), 2 + 2 * 3 + 1);

  // SAS: the token is appended to the query and nothing is signed.
  AzureBlobBackend sas;
  sas.access_sig = "sv=2021-08-06&sig=SECRETSIG%3D";
  sas.encryption_key = std::string(43, 'A') + "=";
  auto ss = Open(sas, Fast());
  ASSERT_TRUE(ss->ReadFile("r").ok());
  const testing::RecordedRequest get = server_.requests().back();
  EXPECT_EQ(get.target, "/acct/cont/pre/r?sv=2021-08-06&sig=SECRETSIG%3D");
  EXPECT_EQ(get.headers.count("authorization"), 0u);
  EXPECT_EQ(get.headers.at("x-ms-encryption-algorithm"), "AES256");
  EXPECT_EQ(get.headers.at("x-ms-encryption-key-sha256"),
            "Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU=");
  server_.Push(Error(403, "AuthorizationPermissionMismatch"));
  Status denied = ss->WriteFile("w", "x");
  EXPECT_EQ(denied.ToString().find("SECRETSIG"), std::string::npos) << denied.ToString();
}

TEST_F(AzblobFaultTest, ListingFollowsMarkers) {
  auto page = [](const std::string& blobs, const std::string& marker) {
    ScriptedResponse r;
    r.body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Blobs>" + blobs +
             "</Blobs><NextMarker>" + marker + "</NextMarker></EnumerationResults>";
    return r;
  };
  auto blob = [](const std::string& name, int size) {
    return "<Blob><Name>" + name + "</Name><Properties><Content-Length>" + std::to_string(size) +
           "</Content-Length><BlobType>BlockBlob</BlobType>" + "</Properties></Blob>";
  };
  server_.Push(page(blob("pre/a", 1) + blob("pre/b&amp;c", 2), "M1"));
  server_.Push(page(blob("pre/d", 3), ""));
  auto s = Open();
  std::vector<std::pair<std::string, uint64_t>> got;
  ASSERT_TRUE(s->WalkDir("", [&](std::string_view n, uint64_t size) {
                 got.emplace_back(n, size);
                 return Status::OK();
               }).ok());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{{"a", 1}, {"b&c", 2}, {"d", 3}}));
  auto reqs = server_.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_NE(reqs[0].target.find("comp=list"), std::string::npos);
  EXPECT_NE(reqs[0].target.find("prefix=pre%2F"), std::string::npos) << reqs[0].target;
  EXPECT_EQ(reqs[0].target.find("marker="), std::string::npos);
  EXPECT_NE(reqs[1].target.find("marker=M1"), std::string::npos);
}

}  // namespace
}  // namespace brkv::storage
