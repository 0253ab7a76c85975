#include "storage_servers/object_server.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "storage/aws_sigv4.h"
#include "storage/azure_shared_key.h"

#ifndef BRKV_STORAGE_SERVERS_DIR
#define BRKV_STORAGE_SERVERS_DIR "tests/storage_servers"
#endif

namespace brkv::testing {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr char kS3rverKey[] = "S3RVER";  // s3rver's fixed key id and secret
// Azurite's well-known development storage account (published in Azurite's README).
constexpr char kAzuriteAccount[] = "devstoreaccount1";
constexpr char kAzuriteKey[] =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr char kAzureVersion[] = "2021-08-06";

std::string FindNode() {
  if (const char* env = std::getenv("BRKV_NODE")) return env;
  for (const char* dir : {"/usr/bin", "/usr/local/bin"}) {
    std::string p = std::string(dir) + "/node";
    if (::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string FindScript(ObjectServerKind kind) {
  const char* env = std::getenv(kind == ObjectServerKind::kS3rver ? "BRKV_S3RVER" : "BRKV_AZURITE");
  if (env != nullptr) return env;
  std::string p =
      std::string(BRKV_STORAGE_SERVERS_DIR) + (kind == ObjectServerKind::kS3rver
                                                   ? "/node_modules/s3rver/bin/s3rver.js"
                                                   : "/node_modules/azurite/dist/src/blob/main.js");
  return fs::exists(p) ? p : "";
}

const char* Name(ObjectServerKind kind) {
  return kind == ObjectServerKind::kS3rver ? "s3rver" : "azurite";
}

uint16_t FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  uint16_t port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool CanConnect(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// Percent-encodes a query value (account keys hold '+', '/' and '=').
std::string QueryValue(std::string_view v) { return storage::UriEncode(v, false); }

size_t CollectBody(char* p, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, size * n);
  return size * n;
}

// One PUT with `headers`; *status gets the HTTP status. Bounded to 10 s.
Status Put(const std::string& url, const storage::HeaderList& headers, long* status,
           std::string* body) {
  CURL* c = curl_easy_init();
  if (c == nullptr) return Status::Internal("curl_easy_init failed");
  curl_slist* list = nullptr;
  for (const auto& [k, v] : headers) list = curl_slist_append(list, (k + ": " + v).c_str());
  list = curl_slist_append(list, "Expect:");
  list = curl_slist_append(list, "Content-Type:");  // curl would add a form type
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, body);
  CURLcode rc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK)
    return Status::Unavailable(std::string("PUT failed: ") + curl_easy_strerror(rc));
  return Status::OK();
}

}  // namespace

std::string ObjectServerProcess::Missing(ObjectServerKind kind) {
  if (FindNode().empty()) return "node is not installed (run scripts/deps.sh)";
  if (FindScript(kind).empty()) {
    return std::string(Name(kind)) +
           " is not installed (run scripts/deps.sh, which runs npm ci in tests/storage_servers)";
  }
  return "";
}

ObjectServerProcess::ObjectServerProcess(ObjectServerKind kind, std::string data_dir)
    : kind_(kind), data_dir_(std::move(data_dir)) {
  const char* tmp = std::getenv("TMPDIR");
  std::string tmpl =
      std::string(tmp != nullptr ? tmp : "/tmp") + "/brkv-" + Name(kind) + "-log-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  int fd = ::mkstemp(buf.data());
  if (fd >= 0) {
    ::close(fd);
    log_path_ = buf.data();
  }
}

ObjectServerProcess::~ObjectServerProcess() {
  Stop();
  if (!log_path_.empty()) ::unlink(log_path_.c_str());
}

bool ObjectServerProcess::running() const { return pid_ > 0; }

std::string ObjectServerProcess::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

std::string ObjectServerProcess::Log() const {
  std::ifstream f(log_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

Status ObjectServerProcess::Start() {
  if (running()) return Status::OK();
  std::string missing = Missing(kind_);
  if (!missing.empty()) return Status::NotSupported(missing);
  std::error_code ec;
  fs::create_directories(data_dir_, ec);
  if (ec) {
    return Status::IOError("cannot create " + std::string(Name(kind_)) + " data dir " + data_dir_ +
                           ": " + ec.message());
  }
  if (port_ == 0) port_ = FreePort();
  if (port_ == 0) return Status::Unavailable("no free 127.0.0.1 port for the object server");

  std::string node = FindNode(), script = FindScript(kind_), port = std::to_string(port_);
  std::vector<std::string> args = {node};
  if (kind_ == ObjectServerKind::kS3rver) {
    // s3rver makes ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
    // from its legacy provider.
    args.insert(args.end(), {"--openssl-legacy-provider", script, "-d", data_dir_, "-a",
                             "127.0.0.1", "-p", port, "-s"});
  } else {
    args.insert(args.end(),
                {script, "--blobHost", "127.0.0.1", "--blobPort", port, "--location", data_dir_,
                 "--silent", "--disableTelemetry", "--disableProductStyleUrl"});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) return Status::Unavailable("fork failed starting " + std::string(Name(kind_)));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);  // the parent died before prctl
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::close(fd);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  auto until = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < until) {
    if (CanConnect(port_)) return Status::OK();
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::Unavailable(std::string(Name(kind_)) + " exited at start; log:\n" + Log());
    }
    // Polling a port that some other process opens; there is nothing to wait on instead.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return Status::Unavailable(std::string(Name(kind_)) + " did not answer on port " + port +
                             " within 30 s; log:\n" + Log());
}

void ObjectServerProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int st = 0;
  ::waitpid(pid_, &st, 0);
  pid_ = -1;
}

void ObjectServerProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  auto until = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < until) {
    int st = 0;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
}

std::string ObjectServerProcess::access_key() const {
  return kind_ == ObjectServerKind::kS3rver ? kS3rverKey : kAzuriteAccount;
}

std::string ObjectServerProcess::secret_key() const {
  return kind_ == ObjectServerKind::kS3rver ? kS3rverKey : kAzuriteKey;
}

Status ObjectServerProcess::CreateBucket(const std::string& name) {
  if (!running()) return Status::InvalidArgument("CreateBucket: the object server is not running");
  std::string host = "127.0.0.1:" + std::to_string(port_);
  storage::HeaderList headers;
  std::string url;
  if (kind_ == ObjectServerKind::kS3rver) {
    storage::SigV4Request req;
    req.method = "PUT";
    req.host = host;
    req.path = "/" + name;
    req.payload_sha256 = storage::Sha256Hex("");
    req.amz_date = storage::AmzDateNow();
    headers = storage::SignV4(req, {kS3rverKey, kS3rverKey, ""}).headers;
    url = "http://" + host + storage::UriEncode(req.path, true);
  } else {
    storage::AzureSignRequest req;
    req.method = "PUT";
    req.account = kAzuriteAccount;
    req.path = "/" + std::string(kAzuriteAccount) + "/" + storage::UriEncode(name, false);
    req.query = {{"restype", "container"}};
    req.headers = {{"x-ms-date", storage::HttpDateNow()},
                   {"x-ms-version", kAzureVersion},
                   {"Content-Length", "0"}};
    auto signed_req = storage::SignSharedKey(req, kAzuriteKey);
    if (!signed_req.ok()) return signed_req.status();
    headers = req.headers;
    headers.emplace_back("Authorization", signed_req->authorization);
    url = "http://" + host + req.path + "?restype=container";
  }
  long status = 0;
  std::string body;
  RETURN_IF_ERROR(Put(url, headers, &status, &body));
  if ((status >= 200 && status < 300) || status == 409) return Status::OK();
  return Status::IOError("creating " + std::string(Name(kind_)) + " bucket \"" + name +
                         "\" got HTTP " + std::to_string(status) + ": " + body);
}

std::string ObjectServerProcess::Url(const std::string& bucket, const std::string& prefix) const {
  std::string path = bucket + (prefix.empty() ? "" : "/" + prefix);
  if (kind_ == ObjectServerKind::kS3rver) {
    return "s3://" + path + "?endpoint=" + endpoint() +
           "&force-path-style=true&access-key=" + kS3rverKey + "&secret-access-key=" + kS3rverKey;
  }
  return "azblob://" + path + "?endpoint=" + endpoint() + "/" + kAzuriteAccount +
         "&account-name=" + kAzuriteAccount + "&account-key=" + QueryValue(kAzuriteKey);
}

std::string ObjectServerProcess::GcsUrl(const std::string& bucket,
                                        const std::string& prefix) const {
  std::string path = bucket + (prefix.empty() ? "" : "/" + prefix);
  return "gcs://" + path + "?endpoint=" + endpoint() + "&access-key=" + kS3rverKey +
         "&secret-access-key=" + kS3rverKey;
}

}  // namespace brkv::testing
