// S3Storage against a real S3 protocol server: s3rver (npm, installed by scripts/deps.sh into
// tests/storage_servers/node_modules). The server runs on 127.0.0.1 on a free port with a
// temporary directory; every test here skips (with the reason) only when node or s3rver is
// missing. BRKV_S3RVER may name the s3rver.js script to use.
#include "storage/s3_storage.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
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
#include <thread>
#include <vector>

#include "storage/external_storage.h"

#ifndef BRKV_SOURCE_DIR
#define BRKV_SOURCE_DIR "."
#endif

namespace brkv::storage {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const char kBucket[] = "brkv-test";
const char kKey[] = "S3RVER";  // s3rver's fixed credentials (both key id and secret)

std::string FindNode() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/node";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string FindS3rver() {
  if (const char* env = std::getenv("BRKV_S3RVER")) return env;
  std::string p =
      std::string(BRKV_SOURCE_DIR) + "/tests/storage_servers/node_modules/s3rver/bin/s3rver.js";
  return fs::exists(p) ? p : "";
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// One s3rver process serving `dir` on `port`.
class S3rverProcess {
 public:
  S3rverProcess(std::string node, std::string script, std::string dir, int port)
      : node_(std::move(node)), script_(std::move(script)), dir_(std::move(dir)), port_(port) {}
  ~S3rverProcess() { Stop(); }

  // Starts the server and waits until it accepts connections.
  bool Start() {
    std::string port = std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      std::string log = dir_ + ".log";
      FILE* f = std::freopen(log.c_str(), "a", stdout);
      (void)f;
      ::dup2(STDOUT_FILENO, STDERR_FILENO);
      // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
      // from its legacy provider.
      ::execl(node_.c_str(), node_.c_str(), "--openssl-legacy-provider", script_.c_str(), "-d",
              dir_.c_str(), "-a", "127.0.0.1", "-p", port.c_str(), "-s", "--configure-bucket",
              kBucket, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < until) {
      if (CanConnect(port_)) return true;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  // Kills the server at once (SIGKILL: no graceful shutdown, as in a crash).
  void Stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
  }

 private:
  std::string node_, script_, dir_;
  int port_;
  pid_t pid_ = -1;
};

class S3StorageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = FindNode();
    script_ = FindS3rver();
    if (node_.empty()) GTEST_SKIP() << "node is not installed (scripts/deps.sh installs it)";
    if (script_.empty()) {
      GTEST_SKIP() << "s3rver is not installed (run scripts/deps.sh: npm ci in "
                      "tests/storage_servers)";
    }
    const char* tmp = std::getenv("TMPDIR");
    dir_ = fs::path(tmp ? tmp : "/tmp") /
           ("brkv-s3rver-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(dir_);
    port_ = FreePort();
    server_ = std::make_unique<S3rverProcess>(node_, script_, dir_.string(), port_);
    ASSERT_TRUE(server_->Start()) << "s3rver did not start; log: " << ReadLog();
  }

  void TearDown() override {
    server_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
      fs::remove(dir_.string() + ".log", ec);
    }
  }

  std::string ReadLog() {
    std::ifstream f(dir_.string() + ".log");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }

  std::string Url(std::string_view prefix = "root") const {
    return "s3://" + std::string(kBucket) + "/" + std::string(prefix) +
           "?endpoint=http://127.0.0.1:" + std::to_string(port_) +
           "&force-path-style=true&access-key=" + kKey + "&secret-access-key=" + kKey;
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

  static std::string Pattern(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  }

  static inline int counter_ = 0;
  std::string node_, script_;
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<S3rverProcess> server_;
};

// The shared conformance suite, run in a child process of this binary with the s3rver URL in
// BRKV_STORAGE_TEST_URLS (the suite reads it when the binary starts).
TEST_F(S3StorageTest, ConformanceSuite) {
  std::string out = dir_.string() + ".conformance.txt";
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string url = Url("conf");
    ::setenv("BRKV_STORAGE_TEST_URLS", url.c_str(), 1);
    FILE* f = std::freopen(out.c_str(), "w", stdout);
    (void)f;
    ::dup2(STDOUT_FILENO, STDERR_FILENO);
    ::execl("/proc/self/exe", "brkv_storage_test",
            "--gtest_filter=Backends/StorageConformanceTest.*/env0", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int st = 0;
  ::waitpid(pid, &st, 0);
  std::ifstream f(out);
  std::stringstream ss;
  ss << f.rdbuf();
  std::error_code ec;
  fs::remove(out, ec);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << ss.str();
  EXPECT_NE(ss.str().find("[  PASSED  ] 15 tests"), std::string::npos) << ss.str();
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
  std::string bad_url = "s3://" + std::string(kBucket) +
                        "/root?endpoint=http://127.0.0.1:" + std::to_string(port_) +
                        "&access-key=UNKNOWN&secret-access-key=WRONG-TOPSECRET";
  auto bad = Open(o, bad_url);
  Status denied = bad->WriteFile("x", "y");
  EXPECT_FALSE(denied.ok());
  EXPECT_FALSE(denied.retryable()) << denied.ToString();
  EXPECT_EQ(denied.ToString().find("TOPSECRET"), std::string::npos) << denied.ToString();
  EXPECT_EQ(bad->Uri().find("TOPSECRET"), std::string::npos);

  auto nobucket =
      Open(o, "s3://no-such-bucket/p?endpoint=http://127.0.0.1:" + std::to_string(port_) +
                  "&access-key=S3RVER&secret-access-key=S3RVER");
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

  server_->Stop();
  auto read = std::async(std::launch::async, [&] { return s->ReadFile("survivor"); });
  // The call is retrying against a dead server; bring the server back on the same directory.
  EXPECT_EQ(read.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout);
  ASSERT_TRUE(server_->Start()) << ReadLog();
  auto got = read.get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "still here");

  // With the server staying down, the call fails within its budget, as a retryable error.
  server_->Stop();
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
