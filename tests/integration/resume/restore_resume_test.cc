// Resumable `br restore` end to end, with real pd-server / kv-server / br processes: a backup of
// a 3-node source is restored into fresh 1-node targets and br is killed with SIGKILL
//   - right after the tables were created,
//   - half-way through the ingest (after the first file group was ingested and saved),
//   - during the table checksums (after one table's checksum was compared and saved),
// and stopped with SIGTERM mid-ingest (one line saying how to resume, exit within seconds);
// the rerun of the same command reuses the tables, ingests only what is missing, finishes with
// every table's checksum equal to the backup's, leaves no checkpoint and no staged file, and a
// row inserted afterwards gets a new id (no duplicate key). `--resume=false` after a killed run
// starts afresh (and so meets the tables the killed run created).
// Pauses are failpoints that sleep; the test waits for a log line before it kills br.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/cluster.h"
#include "client/txn.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "table/sysbench_loader.h"
#include "tools/subprocess.h"

namespace brkv {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kDb[] = "sbtest";
constexpr int kRows = 2000;

struct Cluster {
  std::unique_ptr<itest::LocalCluster> procs;
  std::unique_ptr<client::Cluster> client;
};

Result<Cluster> StartCluster(int kv_count) {
  itest::LocalClusterOptions lo;
  lo.kv_count = kv_count;
  Cluster c;
  ASSIGN_OR_RETURN(c.procs, itest::LocalCluster::Start(lo));
  client::ClusterOptions co;
  co.pd_address = c.procs->pd_address();
  ASSIGN_OR_RETURN(c.client, client::Cluster::Connect(co));
  return c;
}

template <typename Fn>
bool WaitFor(Fn&& ready, milliseconds timeout = seconds(90)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return ready();
}

std::vector<std::string> StagedFiles(const itest::LocalCluster& c) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(c.dir(), ec)) {
    if (e.path().parent_path().filename() == "import") out.push_back(e.path().string());
  }
  return out;
}

// Keys of every restore checkpoint in the cluster.
size_t CheckpointKeys(client::Cluster* c) {
  auto txn = c->Begin();
  if (!txn.ok()) return ~size_t{0};
  auto kvs = (*txn)->Scan("mBRKV/RestoreCheckpoint/", "mBRKV/RestoreCheckpoint0");
  (*txn)->Rollback();
  return kvs.ok() ? kvs->size() : ~size_t{0};
}

class RestoreResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new itest::TempDir("brkv-restore-resume");
    auto src = StartCluster(3);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    source_ = new Cluster(std::move(src).value());
    table::SysbenchOptions so;
    so.db = kDb;
    so.tables = 2;
    so.rows = kRows;
    so.rows_per_region = 400;
    so.threads = 2;
    auto loaded = table::LoadSysbench(source_->client.get(), so);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    auto r = itest::RunCommand(
        {itest::BinPath("br"), "backup", "db", "--db", kDb, "--pd", source_->procs->pd_address(),
         "-s", "local://" + dir_->Sub("backup"), "--log-file", dir_->Sub("backup.log")},
        seconds(180), dir_->path());
    ASSERT_TRUE(r.ok() && r->exit.success()) << (r.ok() ? r->err : r.status().ToString());
  }
  static void TearDownTestSuite() {
    delete source_;
    source_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(source_, nullptr);
    auto t = StartCluster(1);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    target_ = std::make_unique<Cluster>(std::move(t).value());
  }

  std::vector<std::string> RestoreArgs(const std::string& log,
                                       std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"restore",
                                  "db",
                                  "--db",
                                  kDb,
                                  "--pd",
                                  target_->procs->pd_address(),
                                  "-s",
                                  "local://" + dir_->Sub("backup"),
                                  "--log-file",
                                  log,
                                  "--checkpoint-interval",
                                  "0",
                                  "--concurrency",
                                  "1"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // Starts a restore paused by `failpoints`, waits for `line` in its log, kills it (SIGKILL).
  void KillAt(const std::string& name, const std::string& failpoints, const std::string& line) {
    const std::string log = dir_->Sub(name + "-killed.log");
    tools::SubprocessOptions so;
    so.argv = {itest::BinPath("br")};
    for (const auto& a : RestoreArgs(log)) so.argv.push_back(a);
    so.stdout_path = dir_->Sub(name + "-killed.out");
    so.stderr_path = dir_->Sub(name + "-killed.err");
    so.extra_env.push_back("BRKV_FAILPOINTS=" + failpoints);
    auto br = tools::Subprocess::Start(so);
    ASSERT_TRUE(br.ok()) << br.status().ToString();
    ASSERT_TRUE(WaitFor(
        [&] { return itest::ReadFile(log).find(line) != std::string::npos || !(*br)->running(); }));
    ASSERT_TRUE((*br)->running()) << itest::ReadFile(so.stderr_path) << itest::ReadFile(log);
    EXPECT_TRUE((*br)->Kill().signaled);
    EXPECT_GT(CheckpointKeys(target_->client.get()), 0u);
  }

  // Reruns the same command and checks the restore is complete and exact. Returns the log.
  std::string RerunAndCheck(const std::string& name) {
    const std::string log = dir_->Sub(name + "-rerun.log");
    std::vector<std::string> argv = {itest::BinPath("br")};
    for (const auto& a : RestoreArgs(log)) argv.push_back(a);
    auto r = itest::RunCommand(argv, seconds(180), dir_->path());
    EXPECT_TRUE(r.ok());
    if (!r.ok()) return "";
    const std::string text = itest::ReadFile(log);
    EXPECT_TRUE(r->exit.success()) << r->err << text;
    EXPECT_NE(text.find("resuming restore job"), std::string::npos) << text;
    // Every table's checksum was compared with the backup's (this run or the killed one).
    EXPECT_NE(r->out.find("Database Restore success summary"), std::string::npos) << r->out;
    // Row counts are exact and no checkpoint or staged file remains.
    for (const char* t : {"sbtest.sbtest1", "sbtest.sbtest2"}) {
      auto count = itest::RunCommand(
          {itest::BinPath("kvctl"), "--pd", target_->procs->pd_address(), "count", t}, seconds(60),
          dir_->path());
      EXPECT_TRUE(count.ok() && count->exit.success());
      if (count.ok()) {
        EXPECT_EQ(itest::Lines(count->out).at(0), std::to_string(kRows)) << t;
      }
    }
    EXPECT_EQ(CheckpointKeys(target_->client.get()), 0u);
    EXPECT_TRUE(WaitFor([&] { return StagedFiles(*target_->procs).empty(); }, seconds(30)))
        << ::testing::PrintToString(StagedFiles(*target_->procs));
    // A row inserted afterwards gets a new id: no duplicate key.
    const std::string csv = dir_->Sub(name + "-new.csv");
    EXPECT_TRUE(itest::WriteFile(csv, "0,7,\"c-new\",\"pad-new\"\n").ok());
    auto ins =
        itest::RunCommand({"/bin/sh", "-c",
                           itest::BinPath("kvctl") + " --pd " + target_->procs->pd_address() +
                               " insert sbtest.sbtest1 < " + csv},
                          seconds(60), dir_->path());
    EXPECT_TRUE(ins.ok() && ins->exit.success()) << (ins.ok() ? ins->err : "");
    auto count = itest::RunCommand(
        {itest::BinPath("kvctl"), "--pd", target_->procs->pd_address(), "count", "sbtest.sbtest1"},
        seconds(60), dir_->path());
    if (count.ok()) {
      EXPECT_EQ(itest::Lines(count->out).at(0), std::to_string(kRows + 1));
    }
    return text;
  }

  static itest::TempDir* dir_;
  static Cluster* source_;
  std::unique_ptr<Cluster> target_;
};

itest::TempDir* RestoreResumeTest::dir_ = nullptr;
Cluster* RestoreResumeTest::source_ = nullptr;

TEST_F(RestoreResumeTest, KilledAfterCreatingTablesReusesThem) {
  KillAt("tables", "br.restore.after-create-tables=sleep(600000)", "tables ready");
  const std::string log = RerunAndCheck("tables");
  EXPECT_NE(log.find("tables ready (0 created now)"), std::string::npos) << log;
}

TEST_F(RestoreResumeTest, KilledHalfWayThroughIngestIngestsOnlyWhatIsMissing) {
  KillAt("ingest", "br.restore.after-ingest=sleep(600000)", "saved 1 ingested groups");
  const std::string log = RerunAndCheck("ingest");
  EXPECT_NE(log.find("1 file groups were ingested by the interrupted run and skipped"),
            std::string::npos)
      << log;
}

TEST_F(RestoreResumeTest, KilledDuringChecksumComparesOnlyWhatIsLeft) {
  // The tables are checked in parallel: the first to start pauses, the other one is compared
  // and saved.
  KillAt("checksum", "br.restore.before-table-checksum=1*sleep(600000)",
         "0 ingested groups, 1 checksummed tables");
  RerunAndCheck("checksum");
}

TEST_F(RestoreResumeTest, SigtermStopsCleanlyAndTheRerunCompletes) {
  const std::string log = dir_->Sub("term-1.log");
  tools::SubprocessOptions so;
  so.argv = {itest::BinPath("br")};
  for (const auto& a : RestoreArgs(log)) so.argv.push_back(a);
  so.stdout_path = dir_->Sub("term-1.out");
  so.stderr_path = dir_->Sub("term-1.err");
  // Each ingested group takes a moment, so the restore is still running when it is stopped.
  so.extra_env.push_back("BRKV_FAILPOINTS=br.restore.after-ingest=sleep(200)");
  auto br = tools::Subprocess::Start(so);
  ASSERT_TRUE(br.ok()) << br.status().ToString();
  ASSERT_TRUE(WaitFor([&] {
    return itest::ReadFile(log).find("saved 1 ingested groups") != std::string::npos ||
           !(*br)->running();
  }));
  ASSERT_TRUE((*br)->running()) << itest::ReadFile(so.stderr_path);
  const auto sent = Clock::now();
  ASSERT_TRUE((*br)->Signal(SIGTERM).ok());
  auto exit = (*br)->Wait(seconds(30));
  ASSERT_TRUE(exit.ok());
  EXPECT_LT(Clock::now() - sent, seconds(10));
  EXPECT_FALSE(exit->signaled);
  EXPECT_NE(exit->code, 0);
  std::vector<std::string> lines;
  for (const auto& l : itest::Lines(itest::ReadFile(so.stderr_path))) {
    if (!l.empty()) lines.push_back(l);
  }
  ASSERT_EQ(lines.size(), 1u) << itest::ReadFile(so.stderr_path);
  EXPECT_NE(lines[0].find("interrupted by SIGTERM"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("rerun the same command to resume"), std::string::npos) << lines[0];
  EXPECT_GT(CheckpointKeys(target_->client.get()), 0u);
  RerunAndCheck("term");
}

TEST_F(RestoreResumeTest, ResumeFalseStartsAfresh) {
  KillAt("afresh", "br.restore.after-create-tables=sleep(600000)", "tables ready");
  const std::string log = dir_->Sub("afresh-rerun.log");
  std::vector<std::string> argv = {itest::BinPath("br")};
  for (const auto& a : RestoreArgs(log, {"--resume=false"})) argv.push_back(a);
  auto r = itest::RunCommand(argv, seconds(180), dir_->path());
  ASSERT_TRUE(r.ok());
  // Afresh means the checkpoint is gone, so the killed run's tables are now in the way.
  EXPECT_FALSE(r->exit.success());
  EXPECT_NE(r->err.find("table already exists"), std::string::npos) << r->err;
  EXPECT_EQ(CheckpointKeys(target_->client.get()), 0u);
}

}  // namespace
}  // namespace brkv
