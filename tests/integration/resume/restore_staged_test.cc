// Staged files of `br restore` on every node, with real pd-server / kv-server / br processes: a
// backup of a 1-node source is restored into fresh 3-node targets (every region on every node,
// so every node stages a copy of every file), and
//   - br is killed with SIGKILL after a region's files were downloaded to all three nodes and
//     before their ingest: the staged files are there, on every node; the rerun of the same
//     command clears them at its start (ImportSST ClearFiles with the job's uuid prefix),
//     completes with exact data, and when it exits no node holds a staged file;
//   - a restore fails non-retryably after the downloads, with the discard of the staged copies
//     failing too: when br exits, no node holds a staged file (its end-of-run ClearFiles).
// No wait for the nodes' staged-file sweep (10 minutes): the checks allow at most 2 s.
// Pauses are failpoints that sleep; the test waits for a log line before it kills br.
#include <gtest/gtest.h>

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
constexpr int kRows = 1000;
constexpr int kTargetNodes = 3;

struct Cluster {
  std::unique_ptr<itest::LocalCluster> procs;
  std::unique_ptr<client::Cluster> client;
};

// Fast Raft ticks and region heartbeats: PD replicates the target's first region to every
// node within a few seconds.
constexpr const char* kKvConfig =
    "[raftstore]\n"
    "raft-base-tick-interval = \"50ms\"\n"
    "[server]\n"
    "region-heartbeat-interval = \"1s\"\n";

Result<Cluster> StartCluster(int kv_count) {
  itest::LocalClusterOptions lo;
  lo.kv_count = kv_count;
  lo.kv_config_toml = kKvConfig;
  Cluster c;
  ASSIGN_OR_RETURN(c.procs, itest::LocalCluster::Start(lo));
  client::ClusterOptions co;
  co.pd_address = c.procs->pd_address();
  ASSIGN_OR_RETURN(c.client, client::Cluster::Connect(co));
  return c;
}

template <typename Fn>
bool WaitFor(Fn&& ready, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return ready();
}

// The staged SSTs in node i's import directory.
std::vector<std::string> StagedOn(const itest::LocalCluster& c, int i) {
  std::vector<std::string> out;
  std::error_code ec;
  const fs::path dir = fs::path(c.dir()) / ("kv-" + std::to_string(i)) / "import";
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".sst") out.push_back(it->path().string());
  }
  return out;
}

std::vector<std::string> StagedAnywhere(const itest::LocalCluster& c) {
  std::vector<std::string> out;
  for (int i = 0; i < c.kv_count(); ++i) {
    for (auto& f : StagedOn(c, i)) out.push_back(std::move(f));
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

class RestoreStagedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new itest::TempDir("brkv-restore-staged");
    auto src = StartCluster(1);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    source_ = new Cluster(std::move(src).value());
    table::SysbenchOptions so;
    so.db = kDb;
    so.tables = 1;
    so.rows = kRows;
    so.rows_per_region = 500;
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
    auto t = StartCluster(kTargetNodes);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    target_ = std::make_unique<Cluster>(std::move(t).value());
    // Every region on every node before the restore splits them: each node stages a copy.
    Status s = target_->procs->WaitReplicatedAndBalanced(seconds(60));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::vector<std::string> BrRestore(const std::string& log) {
    return {itest::BinPath("br"),
            "restore",
            "db",
            "--db",
            kDb,
            "--pd",
            target_->procs->pd_address(),
            "-s",
            "local://" + dir_->Sub("backup"),
            "--log-file",
            log,
            "--log-level",
            "debug",
            "--checkpoint-interval",
            "0",
            "--concurrency",
            "1"};
  }

  // Runs the restore with BRKV_FAILPOINTS=failpoints; returns its exit and output.
  Result<itest::CommandResult> RunRestore(const std::string& name, const std::string& failpoints) {
    tools::SubprocessOptions so;
    so.argv = BrRestore(dir_->Sub(name + ".log"));
    so.stdout_path = dir_->Sub(name + ".out");
    so.stderr_path = dir_->Sub(name + ".err");
    if (!failpoints.empty()) so.extra_env.push_back("BRKV_FAILPOINTS=" + failpoints);
    ASSIGN_OR_RETURN(auto br, tools::Subprocess::Start(so));
    ASSIGN_OR_RETURN(tools::ExitInfo exit, br->Wait(seconds(180)));
    itest::CommandResult r;
    r.exit = exit;
    r.out = itest::ReadFile(so.stdout_path);
    r.err = itest::ReadFile(so.stderr_path);
    return r;
  }

  // Every node's import directory is empty (at once, or within 2 s for the removal of
  // copies the followers ingest after br's last ingest returned).
  void ExpectNoStagedFile(const std::string& log) {
    EXPECT_TRUE(WaitFor([&] { return StagedAnywhere(*target_->procs).empty(); }, seconds(2)))
        << ::testing::PrintToString(StagedAnywhere(*target_->procs)) << itest::ReadFile(log);
  }

  void ExpectExactRows() {
    auto count = itest::RunCommand({itest::BinPath("kvctl"), "--pd", target_->procs->pd_address(),
                                    "count", std::string(kDb) + ".sbtest1"},
                                   seconds(60), dir_->path());
    ASSERT_TRUE(count.ok() && count->exit.success());
    EXPECT_EQ(itest::Lines(count->out).at(0), std::to_string(kRows));
  }

  static itest::TempDir* dir_;
  static Cluster* source_;
  std::unique_ptr<Cluster> target_;
};

itest::TempDir* RestoreStagedTest::dir_ = nullptr;
Cluster* RestoreStagedTest::source_ = nullptr;

TEST_F(RestoreStagedTest, KilledBetweenDownloadAndIngestRerunLeavesNoStagedFile) {
  const std::string killed_log = dir_->Sub("killed.log");
  tools::SubprocessOptions so;
  so.argv = BrRestore(killed_log);
  so.stdout_path = dir_->Sub("killed.out");
  so.stderr_path = dir_->Sub("killed.err");
  so.extra_env.push_back("BRKV_FAILPOINTS=br.restore.after-download=sleep(600000)");
  auto br = tools::Subprocess::Start(so);
  ASSERT_TRUE(br.ok()) << br.status().ToString();
  ASSERT_TRUE(WaitFor(
      [&] {
        return itest::ReadFile(killed_log).find("; ingesting") != std::string::npos ||
               !(*br)->running();
      },
      seconds(90)));
  ASSERT_TRUE((*br)->running()) << itest::ReadFile(so.stderr_path) << itest::ReadFile(killed_log);
  EXPECT_TRUE((*br)->Kill().signaled);
  // The region's files are staged on every node and nobody will ingest them.
  for (int i = 0; i < kTargetNodes; ++i) {
    EXPECT_FALSE(StagedOn(*target_->procs, i).empty()) << "node " << i;
  }
  EXPECT_GT(CheckpointKeys(target_->client.get()), 0u);

  const std::string log = dir_->Sub("rerun.log");
  auto r = RunRestore("rerun", "");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string text = itest::ReadFile(log);
  ASSERT_TRUE(r->exit.success()) << r->err << text;
  ExpectNoStagedFile(log);
  EXPECT_NE(text.find("resuming restore job"), std::string::npos) << text;
  EXPECT_NE(text.find("cleared staged files of the interrupted run"), std::string::npos) << text;
  EXPECT_NE(text.find("on 3 of 3 serving stores"), std::string::npos) << text;
  EXPECT_NE(text.find("cleared staged files of this run"), std::string::npos) << text;
  // Every table's checksum equals the backup's, and the rows are all there.
  EXPECT_NE(r->out.find("Database Restore success summary"), std::string::npos) << r->out;
  ExpectExactRows();
  EXPECT_EQ(CheckpointKeys(target_->client.get()), 0u);
}

TEST_F(RestoreStagedTest, FailedRestoreLeavesNoStagedFile) {
  // The ingest never comes (a non-retryable failure after the downloads) and the discard of
  // the staged copies fails too: only the end-of-run ClearFiles removes them.
  const std::string log = dir_->Sub("failed.log");
  auto r = RunRestore("failed",
                      "br.restore.after-download=return(injected ingest failure);"
                      "br.restore.before-discard=return");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string text = itest::ReadFile(log);
  EXPECT_FALSE(r->exit.success());
  EXPECT_NE(r->err.find("injected ingest failure"), std::string::npos) << r->err;
  ExpectNoStagedFile(log);
  EXPECT_NE(text.find("could not discard"), std::string::npos) << text;
  EXPECT_NE(text.find("cleared staged files of this run"), std::string::npos) << text;
}

}  // namespace
}  // namespace brkv
