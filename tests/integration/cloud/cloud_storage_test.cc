// End-to-end backup and restore through object storage on real protocol servers (issue 6):
// pd-server + kv-servers as processes, br and kvctl as commands, s3rver (S3, and GCS's
// S3-compatible XML API) and azurite (Azure Blob) from tests/storage_servers.
//   - full backup -> restore round trips through s3://, gcs:// and azblob://: the restored
//     tables' checksums equal the source's (total_kvs / total_bytes, and crc64xor computed
//     under the source's table id);
//   - s3rver SIGKILLed in the middle of the upload phase (after at least one SST object, before
//     backupmeta) and restarted on the same directory and port: the backup completes, validates
//     and restores to the source; the same for the restore download phase;
//   - s3rver killed and not restarted: the backup fails within a bounded, configured time with
//     one error line, and no backupmeta exists; so does a restore, leaving nothing staged;
//   - --send-credentials-to-tikv=false: nodes without credentials in their environment refuse
//     with "access denied" naming the variables (S3, Azure); nodes with AWS_* / GCS_HMAC_* /
//     AZURE_STORAGE_KEY in their environment back up and restore;
//   - --ratelimit paces node uploads and restore downloads;
//   - no secret (s3rver's and azurite's keys, a wrong secret, a crypter key) appears in any
//     log, stdout or stderr of br, of the nodes or of PD — nodes run at debug level to make
//     that harder.
// Windows are widened with node failpoints (backup.before-upload, restore.before-download
// sleep) and every kill waits for an observable event: a finished SST object in the server's
// data directory, or a download work directory on a node; a restart waits until a node logged
// a failed attempt against the dead server.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client/cluster.h"
#include "common/codec.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "storage_servers/object_server.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/sysbench_loader.h"
#include "table/table_checksum.h"
#include "tools/subprocess.h"

namespace brkv {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::ObjectServerKind;
using testing::ObjectServerProcess;
using Clock = std::chrono::steady_clock;

constexpr char kDb[] = "sbtest";
constexpr char kBucket[] = "brkv";
const std::vector<std::string> kTables = {"sbtest1", "sbtest2"};
// Raw KV for the rate-limit scenario: incompressible values under "rl/".
constexpr int kRawValues = 32;
constexpr size_t kRawValueSize = 64 << 10;  // 32 x 64 KiB = 2 MiB
// A wrong secret given to a failing backup; it must not show up anywhere either.
constexpr char kWrongSecret[] = "Wr0ngSecretKeyThatMustNeverBeLogged";
// The crypter key of the encrypted backup in the secret scenario.
constexpr char kCryptKey[] = "5ec7e7c0ffee0ddba115a1e5deadbeef";
// Each node's deadline for one object-store call of a backup upload (kv-server flag).
constexpr char kNodeStorageTimeout[] = "3s";
// Each node's limit for one restore download, retries included (kv-server flag).
constexpr char kNodeDownloadTimeout[] = "5s";
// The debug line the S3 client writes for each failed attempt it retries.
constexpr char kRetryLine[] = "failed, retrying";

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    ::brkv::Status _s = (expr);                             \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

struct Cluster {
  std::unique_ptr<itest::LocalCluster> procs;
  std::unique_ptr<client::Cluster> client;
};

Result<std::unique_ptr<Cluster>> StartCluster(const itest::LocalClusterOptions& lo) {
  auto c = std::make_unique<Cluster>();
  ASSIGN_OR_RETURN(c->procs, itest::LocalCluster::Start(lo));
  client::ClusterOptions co;
  co.pd_address = c->procs->pd_address();
  ASSIGN_OR_RETURN(c->client, client::Cluster::Connect(co));
  return c;
}

// Polls `cond` every 10 ms until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!cond()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

// Exactly one non-empty stderr line, "br: error: ...", and a non-zero exit.
void ExpectOneErrorLine(const itest::CommandResult& r, const std::string& must_contain) {
  EXPECT_FALSE(r.exit.success()) << "stdout: " << r.out;
  EXPECT_FALSE(r.exit.signaled) << r.exit.ToString();
  std::vector<std::string> lines;
  for (const auto& l : itest::Lines(r.err)) {
    if (!l.empty()) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 1u) << "stderr: " << r.err;
  EXPECT_EQ(lines[0].rfind("br: error:", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(must_contain), std::string::npos) << lines[0];
}

// "db.table" -> "total_kvs/total_bytes" from `kvctl checksum` output.
std::map<std::string, std::string> ChecksumNumbers(const std::string& out) {
  std::map<std::string, std::string> m;
  for (const auto& line : itest::Lines(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("db")) continue;
    m[j["db"].get<std::string>() + "." + j["table"].get<std::string>()] =
        std::to_string(j["total_kvs"].get<uint64_t>()) + "/" +
        std::to_string(j["total_bytes"].get<uint64_t>());
  }
  return m;
}

// Objects s3rver has finished storing under bucket/prefix (its file-system layout keeps an
// object's bytes in "<name>._S3rver_object" and writes "<name>._S3rver_metadata.json" once the
// PUT completed). Names are relative to the prefix.
std::vector<std::string> S3rverObjects(const std::string& data_dir, const std::string& prefix) {
  static const std::string kMeta = "._S3rver_metadata.json";
  std::vector<std::string> out;
  const fs::path root = fs::path(data_dir) / kBucket / prefix;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const std::string p = it->path().string();
    if (p.size() <= kMeta.size() || p.compare(p.size() - kMeta.size(), kMeta.size(), kMeta) != 0) {
      continue;
    }
    out.push_back(fs::relative(p.substr(0, p.size() - kMeta.size()), root).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

size_t CountSst(const std::vector<std::string>& names) {
  return std::count_if(names.begin(), names.end(),
                       [](const std::string& n) { return n.ends_with(".sst"); });
}

bool HasBackupMeta(const std::vector<std::string>& names) {
  return std::find(names.begin(), names.end(), "backupmeta") != names.end();
}

// Occurrences of `needle` in every *.log file under `dir`.
size_t CountInLogs(const std::string& dir, const std::string& needle) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".log") continue;
    const std::string text = itest::ReadFile(it->path().string());
    for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  }
  return n;
}

// A br run in the background, its output in files.
class BrJob {
 public:
  static Result<std::unique_ptr<BrJob>> Start(const std::vector<std::string>& argv,
                                              const std::string& dir) {
    static int seq = 0;
    auto job = std::unique_ptr<BrJob>(new BrJob());
    const std::string base = dir + "/brjob-" + std::to_string(++seq);
    job->out_path_ = base + ".stdout.log";
    job->err_path_ = base + ".stderr.log";
    tools::SubprocessOptions so;
    so.argv = argv;
    so.stdout_path = job->out_path_;
    so.stderr_path = job->err_path_;
    ASSIGN_OR_RETURN(job->proc_, tools::Subprocess::Start(so));
    job->start_ = Clock::now();
    return job;
  }
  // Waits for the end; TimedOut (and the job is killed) after `timeout`.
  Result<itest::CommandResult> Wait(milliseconds timeout) {
    auto e = proc_->Wait(timeout);
    if (!e.ok()) {
      proc_->Kill();
      return e.status().WithContext("br did not finish: " + itest::ReadFile(err_path_));
    }
    itest::CommandResult r;
    r.exit = *e;
    r.out = itest::ReadFile(out_path_);
    r.err = itest::ReadFile(err_path_);
    r.elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start_);
    return r;
  }
  bool running() { return proc_->running(); }

 private:
  BrJob() = default;
  std::unique_ptr<tools::Subprocess> proc_;
  std::string out_path_, err_path_;
  Clock::time_point start_;
};

class CloudStorageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // The nodes inherit this process's environment: credentials must come only from where a
    // scenario puts them.
    for (const char* v :
         {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "BRKV_FAILPOINTS"}) {
      ::unsetenv(v);
    }
    skip_ = new std::string(ObjectServerProcess::Missing(ObjectServerKind::kS3rver));
    if (!skip_->empty()) return;
    dir_ = new itest::TempDir("brkv-cloud");
    s3_ = new ObjectServerProcess(ObjectServerKind::kS3rver, dir_->Sub("s3rver"));
    ASSERT_OK(s3_->Start());
    ASSERT_OK(s3_->CreateBucket(kBucket));
    if (ObjectServerProcess::Missing(ObjectServerKind::kAzurite).empty()) {
      azurite_ = new ObjectServerProcess(ObjectServerKind::kAzurite, dir_->Sub("azurite"));
      ASSERT_OK(azurite_->Start());
      ASSERT_OK(azurite_->CreateBucket(kBucket));
    }

    // Source: 2 nodes without credentials in their environment; uploads slowed a little so a
    // kill lands inside the upload phase.
    itest::LocalClusterOptions so;
    so.kv_count = 2;
    so.kv_extra_args = {"--log-level", "debug", "--backup-storage-timeout", kNodeStorageTimeout};
    so.kv_env = {"BRKV_FAILPOINTS=backup.before-upload=sleep(300)"};
    auto src = StartCluster(so);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    source_ = src->release();
    table::SysbenchOptions sb;
    sb.db = kDb;
    sb.tables = static_cast<int>(kTables.size());
    sb.rows = 2000;
    sb.rows_per_region = 500;
    sb.threads = 2;
    auto loaded = table::LoadSysbench(source_->client.get(), sb);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    std::mt19937_64 rng(7);
    std::vector<client::KvPair> pairs;
    for (int i = 0; i < kRawValues; ++i) {
      std::string v(kRawValueSize, '\0');
      for (char& c : v) c = static_cast<char>(rng());
      char k[16];
      std::snprintf(k, sizeof(k), "rl/%04d", i);
      pairs.push_back({k, std::move(v)});
      if (pairs.size() == 8) {
        ASSERT_OK(source_->client->raw()->BatchPut(pairs));
        pairs.clear();
      }
    }
    sums_ = new std::map<std::string, std::string>(
        ChecksumNumbers(Kvctl(*source_, {"checksum", kDb}).out));
    ASSERT_EQ(sums_->size(), kTables.size());

    // Target: 1 node with S3, GCS (HMAC) and Azure credentials in its environment (for
    // --send-credentials-to-tikv=false); downloads slowed a little so a kill lands inside the
    // download phase.
    itest::LocalClusterOptions to;
    to.kv_count = 1;
    to.kv_extra_args = {"--log-level", "debug", "--import-download-timeout", kNodeDownloadTimeout};
    to.kv_env = {"AWS_ACCESS_KEY_ID=" + s3_->access_key(),
                 "AWS_SECRET_ACCESS_KEY=" + s3_->secret_key(),
                 "GCS_HMAC_ACCESS_ID=" + s3_->access_key(), "GCS_HMAC_SECRET=" + s3_->secret_key(),
                 "BRKV_FAILPOINTS=restore.before-download=sleep(200)"};
    if (azurite_ != nullptr) to.kv_env.push_back("AZURE_STORAGE_KEY=" + azurite_->secret_key());
    auto dst = StartCluster(to);
    ASSERT_TRUE(dst.ok()) << dst.status().ToString();
    target_ = dst->release();

    // One S3 backup most scenarios restore from.
    auto r = Br({"backup", "full", "--pd", source_->procs->pd_address(), "-s", BaseUrl()});
    ASSERT_TRUE(r.exit.success()) << r.err;
    ASSERT_NE(r.out.find("Full Backup success summary"), std::string::npos) << r.out;
  }

  static void TearDownTestSuite() {
    delete target_;
    target_ = nullptr;
    delete source_;
    source_ = nullptr;
    delete azurite_;
    azurite_ = nullptr;
    delete s3_;
    s3_ = nullptr;
    delete sums_;
    sums_ = nullptr;
    delete dir_;
    dir_ = nullptr;
    delete skip_;
    skip_ = nullptr;
  }

  void SetUp() override {
    if (skip_ != nullptr && !skip_->empty()) GTEST_SKIP() << *skip_;
    ASSERT_NE(target_, nullptr) << "suite setup failed";
    ASSERT_OK(s3_->Start());  // a scenario may have left it killed
  }

  static std::string BaseUrl() { return s3_->Url(kBucket, "base"); }

  // Runs br with a log file in the test directory.
  static itest::CommandResult Br(std::vector<std::string> args,
                                 milliseconds timeout = seconds(120)) {
    args.insert(args.begin(), itest::BinPath("br"));
    if (!(args.size() > 2 && args[1] == "validate" && args[2] == "decode")) {
      args.push_back("--log-file");
      args.push_back(dir_->Sub("br-" + std::to_string(++br_runs_) + ".log"));
    }
    auto r = itest::RunCommand(args, timeout, dir_->path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : itest::CommandResult{};
  }

  static std::vector<std::string> BrArgs(std::vector<std::string> args) {
    args.insert(args.begin(), itest::BinPath("br"));
    args.push_back("--log-file");
    args.push_back(dir_->Sub("br-" + std::to_string(++br_runs_) + ".log"));
    return args;
  }

  static itest::CommandResult Kvctl(const Cluster& c, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {itest::BinPath("kvctl"), "--pd", c.procs->pd_address()};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = itest::RunCommand(argv, seconds(120), dir_->path());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return {};
    EXPECT_TRUE(r->exit.success()) << "kvctl " << args[0] << ": " << r->err;
    return *r;
  }

  // Drops what an earlier scenario restored into the target.
  static void ResetTarget() {
    const auto dbs = itest::Lines(Kvctl(*target_, {"databases"}).out);
    if (std::find(dbs.begin(), dbs.end(), kDb) != dbs.end()) Kvctl(*target_, {"drop", kDb});
  }

  // Restores `url` into the (reset) target and checks it equals the source.
  static void RestoreAndExpectEqual(const std::string& url,
                                    const std::vector<std::string>& extra = {}) {
    ResetTarget();
    std::vector<std::string> args = {"restore", "full", "--pd", target_->procs->pd_address(),
                                     "-s",      url};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = Br(args);
    ASSERT_TRUE(r.exit.success()) << r.err << r.out;
    EXPECT_NE(r.out.find("Full Restore success summary"), std::string::npos) << r.out;
    ExpectTargetEqualsSource();
  }

  static void ExpectTargetEqualsSource() {
    EXPECT_EQ(ChecksumNumbers(Kvctl(*target_, {"checksum", kDb}).out), *sums_);
    for (const std::string& t : kTables) {
      auto src = FindTable(source_->client.get(), t);
      auto dst = FindTable(target_->client.get(), t);
      ASSERT_TRUE(src.ok() && dst.ok()) << t;
      auto src_ts = source_->client->GetTS();
      auto dst_ts = target_->client->GetTS();
      ASSERT_TRUE(src_ts.ok() && dst_ts.ok());
      auto want = table::ChecksumTable(source_->client.get(), *src, *src_ts);
      auto got = table::ChecksumTableAs(target_->client.get(), *src, dst->id, *dst_ts);
      ASSERT_TRUE(want.ok() && got.ok()) << t;
      EXPECT_EQ(got->crc64xor, want->crc64xor) << t;
      EXPECT_EQ(got->total_kvs, want->total_kvs) << t;
    }
    // Nothing staged is left on the node.
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(target_->procs->dir(), ec)) {
      if (e.path().parent_path().filename() == "import") ADD_FAILURE() << "left: " << e.path();
    }
  }

  static Result<catalog::TableInfo> FindTable(client::Cluster* c, const std::string& t) {
    ASSIGN_OR_RETURN(uint64_t ts, c->GetTS());
    table::SnapshotReader kv(c->GetSnapshot(ts));
    table::MetaReader meta(&kv);
    ASSIGN_OR_RETURN(catalog::DBInfo db, meta.FindDatabase(kDb));
    return meta.FindTable(db, t);
  }

  // Entries in the target node's import directory (a download in progress has a work dir).
  static bool TargetDownloading() {
    std::error_code ec;
    for (const auto& e : fs::recursive_directory_iterator(target_->procs->dir(), ec)) {
      if (e.path().parent_path().filename() == "import") return true;
    }
    return false;
  }

  static std::string* skip_;
  static itest::TempDir* dir_;
  static ObjectServerProcess* s3_;
  static ObjectServerProcess* azurite_;
  static Cluster* source_;
  static Cluster* target_;
  static std::map<std::string, std::string>* sums_;
  static int br_runs_;
};

std::string* CloudStorageTest::skip_ = nullptr;
itest::TempDir* CloudStorageTest::dir_ = nullptr;
ObjectServerProcess* CloudStorageTest::s3_ = nullptr;
ObjectServerProcess* CloudStorageTest::azurite_ = nullptr;
Cluster* CloudStorageTest::source_ = nullptr;
Cluster* CloudStorageTest::target_ = nullptr;
std::map<std::string, std::string>* CloudStorageTest::sums_ = nullptr;
int CloudStorageTest::br_runs_ = 0;

TEST_F(CloudStorageTest, S3RoundTripValidatesAndRestoresToTheSource) {
  auto v = Br({"validate", "checksum", "-s", BaseUrl()});
  EXPECT_TRUE(v.exit.success()) << v.err;
  const auto objects = S3rverObjects(dir_->Sub("s3rver"), "base");
  EXPECT_TRUE(HasBackupMeta(objects));
  EXPECT_GT(CountSst(objects), 0u);
  // backupmeta is the commit point: no object of the backup was stored after it.
  const fs::path root = fs::path(dir_->Sub("s3rver")) / kBucket / "base";
  auto stored_at = [&](const std::string& name) {
    return fs::last_write_time(root / (name + "._S3rver_object"));
  };
  const auto meta_time = stored_at("backupmeta");
  for (const std::string& name : objects) {
    EXPECT_LE(stored_at(name), meta_time) << name << " was stored after backupmeta";
  }
  RestoreAndExpectEqual(BaseUrl());
}

TEST_F(CloudStorageTest, GcsRoundTripOnTheS3CompatibleApi) {
  const std::string url = s3_->GcsUrl(kBucket, "gcs-full");
  auto b = Br({"backup", "full", "--pd", source_->procs->pd_address(), "-s", url});
  ASSERT_TRUE(b.exit.success()) << b.err;
  auto v = Br({"validate", "checksum", "-s", url});
  EXPECT_TRUE(v.exit.success()) << v.err;
  // The target node downloads with the HMAC key from its own environment.
  RestoreAndExpectEqual(url, {"--send-credentials-to-tikv=false"});
}

TEST_F(CloudStorageTest, BackupSurvivesAnS3RestartDuringUpload) {
  const std::string prefix = "kill-upload";
  const std::string url = s3_->Url(kBucket, prefix);
  const std::string data = dir_->Sub("s3rver");
  // One piece at a time per node: the upload phase lasts long enough to kill inside it.
  auto job = BrJob::Start(BrArgs({"backup", "full", "--pd", source_->procs->pd_address(), "-s", url,
                                  "--concurrency", "1"}),
                          dir_->path());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return CountSst(S3rverObjects(data, prefix)) > 0; }, seconds(60)))
      << "no SST object was uploaded";
  const size_t retries_before = CountInLogs(source_->procs->dir(), kRetryLine);
  s3_->Kill();
  const auto at_kill = S3rverObjects(data, prefix);
  ASSERT_FALSE(HasBackupMeta(at_kill)) << "killed too late: backupmeta already written";
  // A node met the dead server (its S3 client retries) before the server comes back.
  ASSERT_TRUE(WaitFor(
      [&] { return CountInLogs(source_->procs->dir(), kRetryLine) > retries_before; }, seconds(30)))
      << "no upload attempt failed while s3rver was down";
  ASSERT_OK(s3_->Start());
  auto r = (*job)->Wait(seconds(180));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->exit.success()) << r->err;
  const auto after = S3rverObjects(data, prefix);
  EXPECT_GT(CountSst(after), CountSst(at_kill)) << "nothing was uploaded after the restart";
  EXPECT_TRUE(HasBackupMeta(after));
  auto v = Br({"validate", "checksum", "-s", url});
  EXPECT_TRUE(v.exit.success()) << v.err;
  RestoreAndExpectEqual(url);
}

TEST_F(CloudStorageTest, RestoreSurvivesAnS3RestartDuringDownload) {
  ResetTarget();
  // One file group at a time: the download phase lasts long enough to kill inside it.
  auto job = BrJob::Start(BrArgs({"restore", "full", "--pd", target_->procs->pd_address(), "-s",
                                  BaseUrl(), "--concurrency", "1"}),
                          dir_->path());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitFor(TargetDownloading, seconds(60))) << "no download started";
  const size_t retries_before = CountInLogs(target_->procs->dir(), kRetryLine);
  s3_->Kill();
  ASSERT_TRUE((*job)->running()) << "restore ended before the kill";
  ASSERT_TRUE(WaitFor(
      [&] { return CountInLogs(target_->procs->dir(), kRetryLine) > retries_before; }, seconds(30)))
      << "no download attempt failed while s3rver was down";
  ASSERT_OK(s3_->Start());
  auto r = (*job)->Wait(seconds(180));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->exit.success()) << r->err;
  EXPECT_NE(r->out.find("Full Restore success summary"), std::string::npos) << r->out;
  ExpectTargetEqualsSource();
}

TEST_F(CloudStorageTest, BackupFailsInBoundedTimeWhenS3StaysDown) {
  const std::string prefix = "down";
  const std::string data = dir_->Sub("s3rver");
  auto job = BrJob::Start(BrArgs({"backup", "table", "--db", kDb, "--table", kTables[0], "--pd",
                                  source_->procs->pd_address(), "-s", s3_->Url(kBucket, prefix),
                                  "--backup-timeout", "10"}),
                          dir_->path());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitFor([&] { return CountSst(S3rverObjects(data, prefix)) > 0; }, seconds(60)))
      << "no SST object was uploaded";
  s3_->Kill();
  const auto killed_at = Clock::now();
  ASSERT_FALSE(HasBackupMeta(S3rverObjects(data, prefix)));
  auto r = (*job)->Wait(seconds(120));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto took = std::chrono::duration_cast<seconds>(Clock::now() - killed_at);
  // Bounded by configuration, far below the 5-minute defaults: the push-down ends once every
  // piece a node still had failed its upload (in waves of the node's backup workers, each
  // giving up after the node's --backup-storage-timeout of 3 s),
  // then the fine-grained phase retries for at most --backup-timeout (10 s) plus one backoff.
  EXPECT_LT(took.count(), 60) << r->err;
  // One line naming the cause: the node's upload to the storage failed.
  ExpectOneErrorLine(*r, "failed to back up");
  EXPECT_NE(r->err.find("upload backup file"), std::string::npos) << r->err;
  EXPECT_FALSE(HasBackupMeta(S3rverObjects(data, prefix)));
  // The server comes back: still no backupmeta, and a restore refuses the path.
  ASSERT_OK(s3_->Start());
  EXPECT_FALSE(HasBackupMeta(S3rverObjects(data, prefix)));
  ResetTarget();
  auto restore = Br(
      {"restore", "full", "--pd", target_->procs->pd_address(), "-s", s3_->Url(kBucket, prefix)});
  ExpectOneErrorLine(restore, "backupmeta");
}

TEST_F(CloudStorageTest, RestoreFailsInBoundedTimeWhenS3StaysDown) {
  ResetTarget();
  auto job = BrJob::Start(BrArgs({"restore", "full", "--pd", target_->procs->pd_address(), "-s",
                                  BaseUrl(), "--concurrency", "1", "--retry-budget", "5"}),
                          dir_->path());
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitFor(TargetDownloading, seconds(60))) << "no download started";
  s3_->Kill();
  const auto killed_at = Clock::now();
  auto r = (*job)->Wait(seconds(120));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto took = std::chrono::duration_cast<seconds>(Clock::now() - killed_at);
  // Bounded by the node's --import-download-timeout (5 s per attempt) and br's
  // --retry-budget (5 s without progress); far below the 10-minute / 5-minute defaults.
  EXPECT_LT(took.count(), 45) << r->err;
  ExpectOneErrorLine(*r, "restore of backup file");
  // The node drops what it was downloading: nothing is left staged.
  EXPECT_TRUE(WaitFor([] { return !TargetDownloading(); }, seconds(30)))
      << "staged files or work directories left in the node's import directory";
}

TEST_F(CloudStorageTest, SendCredentialsFalseMakesNodesUseTheirOwnEnvironment) {
  // The source nodes have no credentials in their environment.
  const std::string prefix = "nodecreds";
  auto denied = Br({"backup", "full", "--pd", source_->procs->pd_address(), "-s",
                    s3_->Url(kBucket, prefix), "--send-credentials-to-tikv=false"});
  ExpectOneErrorLine(denied, "access denied");
  EXPECT_NE(denied.err.find("AWS_ACCESS_KEY_ID"), std::string::npos) << denied.err;
  EXPECT_FALSE(HasBackupMeta(S3rverObjects(dir_->Sub("s3rver"), prefix)));

  // The target node has AWS_* in its environment: a restore and a backup without sending
  // credentials work.
  RestoreAndExpectEqual(BaseUrl(), {"--send-credentials-to-tikv=false"});
  const std::string url = s3_->Url(kBucket, "envcreds");
  auto b = Br({"backup", "db", "--db", kDb, "--pd", target_->procs->pd_address(), "-s", url,
               "--send-credentials-to-tikv=false"});
  ASSERT_TRUE(b.exit.success()) << b.err;
  auto v = Br({"validate", "checksum", "-s", url});
  EXPECT_TRUE(v.exit.success()) << v.err;
}

TEST_F(CloudStorageTest, RateLimitPacesNodeUploadsAndRestoreDownloads) {
  const std::vector<std::string> range = {"--start", codec::ToHex("rl/"), "--end",
                                          codec::ToHex("rl0")};
  const uint64_t bytes = static_cast<uint64_t>(kRawValues) * kRawValueSize;  // 2 MiB
  auto backup = [&](const std::string& prefix, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {
        "backup", "raw", "--pd", source_->procs->pd_address(), "-s", s3_->Url(kBucket, prefix)};
    args.insert(args.end(), range.begin(), range.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return Br(args);
  };
  auto limited = backup("rl-limited", {"--ratelimit", "1"});
  ASSERT_TRUE(limited.exit.success()) << limited.err;
  // 2 MiB of incompressible values through a 1 MiB/s bucket that starts empty: >= 2 s.
  EXPECT_GE(limited.elapsed.count(), 1900) << "uploads were not paced: " << limited.out;

  auto restore = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"restore", "raw",
                                     "--pd",    target_->procs->pd_address(),
                                     "-s",      s3_->Url(kBucket, "rl-limited")};
    args.insert(args.end(), range.begin(), range.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return Br(args);
  };
  auto rl = restore({"--ratelimit", "1"});
  ASSERT_TRUE(rl.exit.success()) << rl.err;
  EXPECT_GE(rl.elapsed.count(), 1900) << "downloads were not paced: " << rl.out;
  auto raw = target_->client->raw()->Scan("rl/", "rl0");
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  ASSERT_EQ(raw->size(), static_cast<size_t>(kRawValues));
  uint64_t got = 0;
  for (const auto& kv : *raw) got += kv.value.size();
  EXPECT_EQ(got, bytes);
}

TEST_F(CloudStorageTest, AzblobRoundTripOnAzurite) {
  if (azurite_ == nullptr) {
    GTEST_SKIP() << ObjectServerProcess::Missing(ObjectServerKind::kAzurite);
  }
  // The source nodes have no Azure key of their own.
  auto denied = Br({"backup", "full", "--pd", source_->procs->pd_address(), "-s",
                    azurite_->Url(kBucket, "az-denied"), "--send-credentials-to-tikv=false"});
  ExpectOneErrorLine(denied, "access denied");
  EXPECT_NE(denied.err.find("AZURE_STORAGE_KEY"), std::string::npos) << denied.err;

  const std::string url = azurite_->Url(kBucket, "az-full");
  auto b = Br({"backup", "full", "--pd", source_->procs->pd_address(), "-s", url});
  ASSERT_TRUE(b.exit.success()) << b.err;
  auto v = Br({"validate", "checksum", "-s", url});
  EXPECT_TRUE(v.exit.success()) << v.err;
  RestoreAndExpectEqual(url);
  // Again, the target node using the account key from its own environment.
  RestoreAndExpectEqual(url, {"--send-credentials-to-tikv=false"});
}

// Runs last (gtest keeps definition order): its grep also covers every earlier scenario's
// logs and outputs.
TEST_F(CloudStorageTest, NoSecretInAnyLogOrOutput) {
  std::vector<itest::CommandResult> runs;
  const std::string pd = source_->procs->pd_address();
  const std::string url = s3_->Url(kBucket, "secrets");
  runs.push_back(Br({"backup", "full", "--pd", pd, "-s", url}));
  EXPECT_TRUE(runs.back().exit.success()) << runs.back().err;
  runs.push_back(Br({"validate", "decode", "-s", url}));
  EXPECT_TRUE(runs.back().exit.success()) << runs.back().err;
  runs.push_back(Br({"validate", "checksum", "-s", url}));
  ResetTarget();
  runs.push_back(Br({"restore", "full", "--pd", target_->procs->pd_address(), "-s", url}));
  EXPECT_TRUE(runs.back().exit.success()) << runs.back().err;
  // Failing runs: an unknown key id with the real secret, a wrong secret, the real secret on a
  // flag CLI11 rejects (its message echoes the value).
  std::string bad_key = url;
  const std::string ak = "access-key=" + s3_->access_key();
  bad_key.replace(bad_key.find(ak), ak.size(), "access-key=NOSUCHKEYID");
  runs.push_back(Br({"backup", "full", "--pd", pd, "-s", bad_key}));
  EXPECT_FALSE(runs.back().exit.success());
  std::string wrong = s3_->Url(kBucket, "secrets-wrong");
  const std::string sk = "secret-access-key=" + s3_->secret_key();
  wrong.replace(wrong.find(sk), sk.size(), std::string("secret-access-key=") + kWrongSecret);
  wrong.replace(wrong.find(ak), ak.size(), "access-key=NOSUCHKEYID");
  runs.push_back(Br({"backup", "full", "--pd", pd, "-s", wrong}));
  EXPECT_FALSE(runs.back().exit.success());
  runs.push_back(Br({"backup", "full", "--pd", pd, "-s", url, "--ratelimit", url}));
  EXPECT_FALSE(runs.back().exit.success());
  runs.push_back(Br({"validate", "decode", "-s", wrong}));
  EXPECT_FALSE(runs.back().exit.success());
  if (azurite_ != nullptr) {
    runs.push_back(Br({"validate", "decode", "-s", azurite_->Url(kBucket, "az-missing")}));
  }
  // An encrypted backup: the crypter key travels to the nodes and must not be logged either.
  const std::string enc = s3_->Url(kBucket, "secrets-enc");
  runs.push_back(Br({"backup", "db", "--db", kDb, "--pd", pd, "-s", enc, "--crypter.method",
                     "aes128-ctr", "--crypter.key", kCryptKey}));
  EXPECT_TRUE(runs.back().exit.success()) << runs.back().err;
  runs.push_back(Br({"validate", "decode", "-s", enc, "--crypter.method", "aes128-ctr",
                     "--crypter.key", kCryptKey}));
  EXPECT_TRUE(runs.back().exit.success()) << runs.back().err;
  runs.push_back(Br({"validate", "checksum", "-s", enc, "--crypter.method", "aes128-ctr",
                     "--crypter.key", kCryptKey, "--ratelimit", kCryptKey}));
  EXPECT_FALSE(runs.back().exit.success());

  std::vector<std::string> secrets = {s3_->secret_key(), kWrongSecret, kCryptKey};
  if (azurite_ != nullptr) secrets.push_back(azurite_->secret_key());
  for (const std::string& secret : secrets) {
    ASSERT_GE(secret.size(), 6u) << "a secret this short cannot be grepped for";
    for (const auto& r : runs) {
      EXPECT_EQ(r.out.find(secret), std::string::npos) << "stdout has a secret: " << r.out;
      EXPECT_EQ(r.err.find(secret), std::string::npos) << "stderr has a secret: " << r.err;
    }
    // Every file br, the nodes and PD wrote: logs, captured stdout/stderr, RocksDB LOGs.
    for (const std::string& root : {dir_->path(), source_->procs->dir(), target_->procs->dir()}) {
      std::error_code ec;
      for (auto it = fs::recursive_directory_iterator(root, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::path& p = it->path();
        // The object servers' own directories hold their data and logs, not ours.
        if (p.string().rfind(dir_->Sub("s3rver"), 0) == 0 ||
            p.string().rfind(dir_->Sub("azurite"), 0) == 0) {
          continue;
        }
        if (!it->is_regular_file() || it->file_size() > (64u << 20)) continue;
        const std::string text = itest::ReadFile(p.string());
        EXPECT_EQ(text.find(secret), std::string::npos) << p << " contains a secret";
      }
    }
  }
}

}  // namespace
}  // namespace brkv
