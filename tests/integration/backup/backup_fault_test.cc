// `br backup` under faults, each scenario on its own 3-node cluster whose nodes sleep before
// every backup piece (failpoint backup.before-scan=sleep):
//   - a region split forced during the backup still gives a complete, verified backup;
//   - with three replicas, a node killed (SIGKILL, not restarted) before or during the backup
//     still gives a complete backup (its regions are backed up from their new leaders);
//   - with one replica, a node killed during the backup gives a non-zero exit naming the
//     missing ranges, no backupmeta, and the way to resume.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backup/backup_itest_util.h"
#include "catalog/tablecodec.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "tools/subprocess.h"

namespace brkv {
namespace {

using backup_itest::BrPath;
using backup_itest::BrRunner;
using backup_itest::Exists;
using backup_itest::ExpectOneErrorLine;
using backup_itest::ReadBackup;
using backup_itest::SbTables;
using backup_itest::StartEnv;
using std::chrono::milliseconds;
using std::chrono::seconds;

// Starts br in the background, its stdout and stderr in <out_path>.out / .err.
std::unique_ptr<tools::Subprocess> StartBr(const std::vector<std::string>& args,
                                           const std::string& out_path) {
  tools::SubprocessOptions so;
  so.argv = {BrPath()};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.stdout_path = out_path + ".out";
  so.stderr_path = out_path + ".err";
  auto p = tools::Subprocess::Start(so);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : nullptr;
}

TEST(BackupFaultTest, RegionSplitDuringTheBackupStillCompletes) {
  auto env = StartEnv(1, 3000, 500, "backup.before-scan=sleep(700)");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  itest::TempDir dir("brkv-backup-split");
  auto tables = SbTables((*env)->client.get(), (*env)->client->GetTS().value());
  ASSERT_TRUE(tables.ok());
  const int64_t tid = tables->at(0).id;
  auto br = StartBr(
      {"backup", "full", "--pd", (*env)->cluster->pd_address(), "-s", "local://" + dir.Sub("b"),
       "--log-file", dir.Sub("br.log"), "--concurrency", "1", "--backup-timeout", "60"},
      dir.Sub("br"));
  ASSERT_NE(br, nullptr);
  // Split inside regions the nodes are about to back up (their snapshot comes after the sleep,
  // so the planned epoch is stale by then).
  std::this_thread::sleep_for(milliseconds(400));
  std::vector<std::string> keys;
  for (int h : {120, 370, 620, 1130, 1610, 2350, 2890}) keys.push_back(catalog::RecordKey(tid, h));
  auto split = (*env)->client->admin()->SplitRegions(keys, client::SplitKeyForm::kTxnRawKey);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  auto exit = br->Wait(seconds(120));
  ASSERT_TRUE(exit.ok());
  const std::string log = itest::ReadFile(dir.Sub("br.log"));
  ASSERT_TRUE(exit->success()) << itest::ReadFile(dir.Sub("br.err")) << log;
  EXPECT_NE(log.find("fine-grained round"), std::string::npos)
      << "the split should have sent some ranges to the fine-grained phase";
  EXPECT_NE(itest::ReadFile(dir.Sub("br.out")).find("Full Backup success summary"),
            std::string::npos);
  auto c = ReadBackup(dir.Sub("b"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->schemas.size(), 1u);
  EXPECT_EQ(c->schemas[0].total_kvs(), 6000u);
  BrRunner runner(dir.path());
  auto v = runner.Run({"validate", "checksum", "-s", "local://" + dir.Sub("b")});
  EXPECT_TRUE(v.exit.success()) << v.err;
}

// With three replicas a node's death only moves leadership: the fine-grained phase backs the
// node's regions up from their new leaders, whether the node died before the backup started or
// in the middle of it.
TEST(BackupFaultTest, NodeKilledBeforeOrDuringTheBackupStillGivesACompleteBackup) {
  auto env = StartEnv(1, 3000, 300, "backup.before-scan=sleep(300)");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  Status balanced = (*env)->cluster->WaitReplicatedAndBalanced(seconds(90));
  ASSERT_TRUE(balanced.ok()) << balanced.ToString();
  itest::TempDir dir("brkv-backup-kill");
  BrRunner runner(dir.path());

  // During: the backup runs (backup.lock written), then a node dies for good.
  auto br = StartBr({"backup", "full", "--pd", (*env)->cluster->pd_address(), "-s",
                     "local://" + dir.Sub("during"), "--log-file", dir.Sub("during.log"),
                     "--concurrency", "1", "--backup-timeout", "120"},
                    dir.Sub("br"));
  ASSERT_NE(br, nullptr);
  for (int i = 0; i < 200 && !Exists(dir.Sub("during/backup.lock")); ++i) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(Exists(dir.Sub("during/backup.lock")));
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_OK((*env)->cluster->KillKv(1));
  auto exit = br->Wait(seconds(180));
  ASSERT_TRUE(exit.ok());
  ASSERT_TRUE(exit->success()) << itest::ReadFile(dir.Sub("br.err"))
                               << itest::ReadFile(dir.Sub("during.log"));
  auto c = ReadBackup(dir.Sub("during"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->schemas.size(), 1u);
  EXPECT_EQ(c->schemas[0].total_kvs(), 6000u);
  auto v = runner.Run({"validate", "checksum", "-s", "local://" + dir.Sub("during")});
  EXPECT_TRUE(v.exit.success()) << v.err;

  // Before: the node is down when br starts; every region still has a quorum.
  auto before = runner.Run({"backup", "full", "--pd", (*env)->cluster->pd_address(), "-s",
                            "local://" + dir.Sub("before"), "--log-file", dir.Sub("before.log")});
  ASSERT_TRUE(before.exit.success()) << before.err << itest::ReadFile(dir.Sub("before.log"));
  auto c2 = ReadBackup(dir.Sub("before"));
  ASSERT_TRUE(c2.ok()) << c2.status().ToString();
  ASSERT_EQ(c2->schemas.size(), 1u);
  EXPECT_EQ(c2->schemas[0].total_kvs(), 6000u);
}

// With one replica per region a dead node's regions cannot be backed up: the backup fails in
// bounded time, writes no backupmeta and says how to resume.
TEST(BackupFaultTest, SingleReplicaNodeKilledDuringTheBackupFailsWithoutBackupmeta) {
  auto env = StartEnv(1, 3000, 300, "backup.before-scan=sleep(500)", /*max_replicas=*/1);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  itest::TempDir dir("brkv-backup-kill");
  const auto start = std::chrono::steady_clock::now();
  auto br = StartBr({"backup", "full", "--pd", (*env)->cluster->pd_address(), "-s",
                     "local://" + dir.Sub("b"), "--log-file", dir.Sub("br.log"), "--concurrency",
                     "1", "--backup-timeout", "5", "--stream-idle-timeout", "10"},
                    dir.Sub("br"));
  ASSERT_NE(br, nullptr);
  // Wait until the backup really runs (backup.lock written), then kill a node for good.
  for (int i = 0; i < 200 && !Exists(dir.Sub("b/backup.lock")); ++i) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_TRUE(Exists(dir.Sub("b/backup.lock")));
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_OK((*env)->cluster->KillKv(1));
  auto exit = br->Wait(seconds(120));
  ASSERT_TRUE(exit.ok());
  const std::string err = itest::ReadFile(dir.Sub("br.err"));
  EXPECT_FALSE(exit->success()) << err;
  EXPECT_FALSE(exit->signaled);
  EXPECT_FALSE(Exists(dir.Sub("b/backupmeta")));
  itest::CommandResult r;
  r.exit = *exit;
  r.err = err;
  ExpectOneErrorLine(r, "backup incomplete");
  EXPECT_NE(err.find("store"), std::string::npos) << err;
  // Ranges were sent, so the failure keeps the service safe point for a resume (--gcttl-resume)
  // and says how to resume.
  EXPECT_NE(itest::ReadFile(dir.Sub("br.log")).find("kept for"), std::string::npos);
  EXPECT_NE(err.find("rerun the same command to resume"), std::string::npos) << err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(90));
}

}  // namespace
}  // namespace brkv
