// Resumable `br backup` end to end, with real pd-server / kv-server / br processes:
//   - two backups started into one path at the same moment: exactly one runs, the other fails
//     at once naming backup.lock, and backupmeta belongs to the one that ran;
//   - br killed with SIGKILL after some ranges (failpoint br.backup.after-piece pauses it once
//     the first range is saved), during the fine-grained phase, and while writing backupmeta:
//     the rerun of the same command resumes at the same ts, backs up only what was missing
//     (files counted), and the backup equals an uninterrupted one at that ts and restores;
//   - a rerun with different options is refused before any work, saying what differs;
//   - a resume after the service safe point kept for it expired fails saying so;
//   - SIGTERM mid-backup exits within seconds with the resume line, and the rerun completes;
//     a second SIGINT while the progress is being saved exits at once.
// Every pause is a failpoint that sleeps; the test waits for an observable state (an object in
// the storage, a log line) with a deadline before it signals br.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "br/backup_checkpoint.h"
#include "br/meta_reader.h"
#include "client/cluster.h"
#include "harness/local_cluster.h"
#include "harness/test_env.h"
#include "storage/external_storage.h"
#include "table/sysbench_loader.h"
#include "tools/subprocess.h"

namespace brkv {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

constexpr char kDb[] = "sbtest";

struct Env {
  std::unique_ptr<itest::LocalCluster> cluster;
  std::unique_ptr<client::Cluster> client;
};

// A 3-node cluster with 2 sysbench tables split into several regions over every store.
Result<std::unique_ptr<Env>> StartEnv(const std::vector<std::string>& kv_env = {}) {
  auto env = std::make_unique<Env>();
  itest::LocalClusterOptions lo;
  lo.kv_count = 3;
  lo.kv_env = kv_env;
  ASSIGN_OR_RETURN(env->cluster, itest::LocalCluster::Start(lo));
  client::ClusterOptions co;
  co.pd_address = env->cluster->pd_address();
  ASSIGN_OR_RETURN(env->client, client::Cluster::Connect(co));
  table::SysbenchOptions so;
  so.db = kDb;
  so.tables = 2;
  so.rows = 2000;
  so.rows_per_region = 400;
  so.threads = 2;
  ASSIGN_OR_RETURN(table::SysbenchReport report, table::LoadSysbench(env->client.get(), so));
  (void)report;
  return env;
}

std::unique_ptr<tools::Subprocess> StartBr(const std::vector<std::string>& args,
                                           const std::string& out_prefix,
                                           const std::string& failpoints = "") {
  tools::SubprocessOptions so;
  so.argv = {itest::BinPath("br")};
  so.argv.insert(so.argv.end(), args.begin(), args.end());
  so.stdout_path = out_prefix + ".out";
  so.stderr_path = out_prefix + ".err";
  if (!failpoints.empty()) so.extra_env.push_back("BRKV_FAILPOINTS=" + failpoints);
  auto p = tools::Subprocess::Start(so);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : nullptr;
}

// Waits (bounded) until `ready` holds; false at the deadline.
template <typename Fn>
bool WaitFor(Fn&& ready, milliseconds timeout = seconds(60)) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return ready();
}

bool Exists(const std::string& path) { return fs::exists(path); }

bool AnyWithPrefix(const std::string& dir, const std::string& prefix) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.path().filename().string().rfind(prefix, 0) == 0) return true;
  }
  return false;
}

size_t CountSst(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.path().extension() == ".sst") ++n;
  }
  return n;
}

std::vector<std::string> NonEmptyLines(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& l : itest::Lines(text)) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

// The files and per-table checksums a committed backup lists.
struct Listed {
  std::vector<::backup::File> files;
  std::map<std::string, std::tuple<uint64_t, uint64_t, uint64_t>> tables;  // name → sums
  uint64_t end_version = 0;
};

Result<Listed> ReadListed(const std::string& dir) {
  ASSIGN_OR_RETURN(auto storage, storage::CreateStorageFromUrl("local://" + dir));
  ASSIGN_OR_RETURN(auto reader, br::MetaReader::Open(storage.get()));
  Listed out;
  out.end_version = reader->meta().end_version();
  RETURN_IF_ERROR(reader->ForEachDataFile([&](const ::backup::File& f) {
    out.files.push_back(f);
    return Status::OK();
  }));
  RETURN_IF_ERROR(reader->ForEachSchema([&](const ::backup::Schema& s) {
    out.tables[s.table()] = {s.crc64xor(), s.total_kvs(), s.total_bytes()};
    return Status::OK();
  }));
  return out;
}

// The finished ranges the checkpoint of `dir` holds, and their files.
size_t CheckpointFiles(const std::string& dir) {
  auto storage = storage::CreateStorageFromUrl("local://" + dir);
  if (!storage.ok()) return 0;
  auto loaded = br::LoadFinishedRanges(storage->get(), {});
  if (!loaded.ok()) return 0;
  size_t files = 0;
  for (const auto& r : loaded->ranges) files += static_cast<size_t>(r.files_size());
  return files;
}

// "this run backed up X ranges (F files, B bytes); R files reused" → {F, R}.
std::pair<uint64_t, uint64_t> RerunCounts(const std::string& log) {
  const std::string marker = "this run backed up ";
  const size_t at = log.rfind(marker);
  if (at == std::string::npos) return {~0ull, ~0ull};
  const size_t paren = log.find('(', at);
  const uint64_t files = std::stoull(log.substr(paren + 1));
  const size_t semi = log.find("; ", paren);
  const uint64_t reused = std::stoull(log.substr(semi + 2));
  return {files, reused};
}

class BackupResumeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto env = StartEnv();
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(env).value().release();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(env_, nullptr); }

  std::vector<std::string> BackupArgs(const std::string& sub, std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"backup",
                                  "db",
                                  "--db",
                                  kDb,
                                  "--pd",
                                  env_->cluster->pd_address(),
                                  "-s",
                                  "local://" + dir_.Sub(sub),
                                  "--log-file",
                                  dir_.Sub(sub + ".log"),
                                  "--checkpoint-interval",
                                  "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }

  // Runs br to completion.
  tools::ExitInfo RunBr(const std::vector<std::string>& args, const std::string& prefix,
                        const std::string& failpoints = "") {
    auto br = StartBr(args, prefix, failpoints);
    EXPECT_NE(br, nullptr);
    if (br == nullptr) return {};
    auto exit = br->Wait(seconds(180));
    EXPECT_TRUE(exit.ok());
    return exit.ok() ? *exit : tools::ExitInfo{};
  }

  // Starts a backup that pauses at `failpoints`, waits for `paused`, kills it with SIGKILL.
  template <typename Fn>
  void KillWhen(const std::string& sub, const std::string& failpoints, Fn&& paused) {
    auto br = StartBr(BackupArgs(sub), dir_.Sub(sub + "-killed"), failpoints);
    ASSERT_NE(br, nullptr);
    ASSERT_TRUE(WaitFor([&] { return paused() || !br->running(); }))
        << itest::ReadFile(dir_.Sub(sub + ".log"));
    ASSERT_TRUE(br->running()) << itest::ReadFile(dir_.Sub(sub + "-killed.err"))
                               << itest::ReadFile(dir_.Sub(sub + ".log"));
    const tools::ExitInfo killed = br->Kill();
    ASSERT_TRUE(killed.signaled);
    EXPECT_FALSE(Exists(dir_.Sub(sub + "/backupmeta")));
    EXPECT_TRUE(Exists(dir_.Sub(sub + "/backup.lock")));
    // The log holds everything up to the kill.
    EXPECT_NE(itest::ReadFile(dir_.Sub(sub + ".log")).find("backup ts"), std::string::npos);
  }

  // Reruns the same command, checks it resumed and completed, and compares the backup with an
  // uninterrupted one at the same ts. Returns the rerun's log.
  std::string RerunAndCompare(const std::string& sub, size_t expect_min_reused_files) {
    const size_t saved_files = CheckpointFiles(dir_.Sub(sub));
    EXPECT_GE(saved_files, expect_min_reused_files);
    const tools::ExitInfo exit = RunBr(BackupArgs(sub), dir_.Sub(sub + "-rerun"));
    const std::string log = itest::ReadFile(dir_.Sub(sub + ".log"));
    EXPECT_TRUE(exit.success()) << itest::ReadFile(dir_.Sub(sub + "-rerun.err")) << log;
    EXPECT_NE(log.find("resuming backup job"), std::string::npos);
    EXPECT_NE(itest::ReadFile(dir_.Sub(sub + "-rerun.out")).find("Database Backup success"),
              std::string::npos);
    auto resumed = ReadListed(dir_.Sub(sub));
    EXPECT_TRUE(resumed.ok()) << resumed.status().ToString();
    if (!resumed.ok()) return log;
    // Only what was missing was backed up: the files reused are exactly those saved.
    const auto [new_files, reused_files] = RerunCounts(log);
    EXPECT_EQ(reused_files, saved_files) << log;
    EXPECT_EQ(new_files + reused_files, resumed->files.size()) << log;
    // No file of the interrupted run is left over, none is missing.
    EXPECT_EQ(CountSst(dir_.Sub(sub)), resumed->files.size());
    // Nothing of the checkpoint remains once committed.
    EXPECT_FALSE(Exists(dir_.Sub(sub + "/checkpoints/backup/checkpoint.meta")));
    // The same content as an uninterrupted backup at the same ts.
    const std::string ref = sub + "-reference";
    const tools::ExitInfo ref_exit =
        RunBr(BackupArgs(ref, {"--backupts", std::to_string(resumed->end_version)}), dir_.Sub(ref));
    EXPECT_TRUE(ref_exit.success()) << itest::ReadFile(dir_.Sub(ref + ".err"));
    auto reference = ReadListed(dir_.Sub(ref));
    EXPECT_TRUE(reference.ok()) << reference.status().ToString();
    if (reference.ok()) {
      EXPECT_EQ(resumed->tables, reference->tables);
      uint64_t kvs_a = 0, kvs_b = 0;
      for (const auto& f : resumed->files) kvs_a += f.total_kvs();
      for (const auto& f : reference->files) kvs_b += f.total_kvs();
      EXPECT_EQ(kvs_a, kvs_b);
      EXPECT_EQ(kvs_a, 2u * 2000u * 2u);  // each row: a record key and a k index key
    }
    // Every file verifies.
    const tools::ExitInfo v = RunBr({"validate", "checksum", "-s", "local://" + dir_.Sub(sub),
                                     "--log-file", dir_.Sub(sub + "-validate.log")},
                                    dir_.Sub(sub + "-validate"));
    EXPECT_TRUE(v.success()) << itest::ReadFile(dir_.Sub(sub + "-validate.err"));
    return log;
  }

  static Env* env_;
  itest::TempDir dir_{"brkv-resume"};
};

Env* BackupResumeTest::env_ = nullptr;

TEST_F(BackupResumeTest, TwoBackupsIntoOnePathAtTheSameMomentExactlyOneRuns) {
  // Each range takes a moment, so both processes overlap for seconds.
  const std::string slow = "br.backup.after-piece=sleep(100)";
  auto a = StartBr(BackupArgs("same"), dir_.Sub("same-a"), slow);
  auto b = StartBr(BackupArgs("same"), dir_.Sub("same-b"), slow);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const auto start = Clock::now();
  std::optional<tools::ExitInfo> ea, eb;
  Clock::time_point first_exit{};
  ASSERT_TRUE(WaitFor(
      [&] {
        if (!ea) ea = a->Poll();
        if (!eb) eb = b->Poll();
        if ((ea || eb) && first_exit == Clock::time_point{}) first_exit = Clock::now();
        return ea.has_value() && eb.has_value();
      },
      seconds(180)));
  ASSERT_NE(ea->success(), eb->success())
      << "a: " << ea->ToString() << " " << itest::ReadFile(dir_.Sub("same-a.err"))
      << "\nb: " << eb->ToString() << " " << itest::ReadFile(dir_.Sub("same-b.err"));
  const bool a_won = ea->success();
  const std::string loser_err = itest::ReadFile(dir_.Sub(a_won ? "same-b.err" : "same-a.err"));
  const auto lines = NonEmptyLines(loser_err);
  ASSERT_EQ(lines.size(), 1u) << loser_err;
  EXPECT_EQ(lines[0].rfind("br: error:", 0), 0u);
  EXPECT_NE(lines[0].find("backup.lock"), std::string::npos) << lines[0];
  // The loser failed at once, long before the winner finished.
  EXPECT_LT(first_exit - start, seconds(15));
  // backupmeta belongs to the one that ran: the lock names its pid, the backup is complete.
  const std::string lock = itest::ReadFile(dir_.Sub("same/backup.lock"));
  const pid_t winner = a_won ? a->pid() : b->pid();
  EXPECT_NE(lock.find("pid: " + std::to_string(winner) + "\n"), std::string::npos) << lock;
  auto listed = ReadListed(dir_.Sub("same"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  uint64_t kvs = 0;
  for (const auto& f : listed->files) kvs += f.total_kvs();
  EXPECT_EQ(kvs, 2u * 2000u * 2u);
  EXPECT_NE(itest::ReadFile(dir_.Sub(a_won ? "same-a.out" : "same-b.out")).find("success"),
            std::string::npos);
  // A third run into the finished path is refused.
  const tools::ExitInfo again = RunBr(BackupArgs("same"), dir_.Sub("same-c"));
  EXPECT_FALSE(again.success());
  EXPECT_NE(itest::ReadFile(dir_.Sub("same-c.err")).find("backupmeta already exists"),
            std::string::npos);
}

TEST_F(BackupResumeTest, KilledAfterSomeRangesResumesAndRefusesOtherOptions) {
  // Pause for good once the first finished range is saved, then SIGKILL.
  KillWhen("some", "br.backup.after-piece=sleep(600000)",
           [&] { return Exists(dir_.Sub("some/checkpoints/backup/ranges.000000001")); });
  const std::string lock_before = itest::ReadFile(dir_.Sub("some/backup.lock"));
  const size_t saved_before = CheckpointFiles(dir_.Sub("some"));
  const size_t log_before = itest::ReadFile(dir_.Sub("some.log")).size();
  // Other options: refused before any work, saying what differs and how to start afresh.
  const tools::ExitInfo other =
      RunBr(BackupArgs("some", {"-f", "sbtest.sbtest1"}), dir_.Sub("some-other"));
  EXPECT_FALSE(other.success());
  const auto lines = NonEmptyLines(itest::ReadFile(dir_.Sub("some-other.err")));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("--filter: was '', now 'sbtest.sbtest1'"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("choose an empty path"), std::string::npos) << lines[0];
  // Nothing was done: the lock and the saved progress are untouched, and the refused run never
  // reached the cluster (no backup ts in its part of the log).
  EXPECT_EQ(itest::ReadFile(dir_.Sub("some/backup.lock")), lock_before);
  EXPECT_EQ(CheckpointFiles(dir_.Sub("some")), saved_before);
  EXPECT_EQ(itest::ReadFile(dir_.Sub("some.log")).substr(log_before).find("backup ts"),
            std::string::npos);
  // The same command resumes.
  const std::string log = RerunAndCompare("some", 1);
  EXPECT_NE(log.find("resume reuses"), std::string::npos);
}

TEST_F(BackupResumeTest, KilledWhileWritingBackupmetaResumesWithoutBackingUpAgain) {
  KillWhen("meta", "br.meta.before-write-backupmeta=sleep(600000)",
           [&] { return AnyWithPrefix(dir_.Sub("meta"), "backupmeta.schema."); });
  const std::string log = RerunAndCompare("meta", 1);
  // Every range was saved before the metadata phase: the rerun backed up nothing.
  EXPECT_EQ(RerunCounts(log).first, 0u) << log;
  EXPECT_NE(log.find("uncommitted backupmeta leaves"), std::string::npos);
}

TEST_F(BackupResumeTest, SigtermSavesProgressAndPrintsHowToResume) {
  auto br = StartBr(BackupArgs("term"), dir_.Sub("term-1"), "br.backup.after-piece=sleep(200)");
  ASSERT_NE(br, nullptr);
  ASSERT_TRUE(WaitFor([&] {
    return Exists(dir_.Sub("term/checkpoints/backup/ranges.000000001")) || !br->running();
  }));
  ASSERT_TRUE(br->running()) << itest::ReadFile(dir_.Sub("term-1.err"));
  const auto sent = Clock::now();
  ASSERT_TRUE(br->Signal(SIGTERM).ok());
  auto exit = br->Wait(seconds(30));
  ASSERT_TRUE(exit.ok());
  EXPECT_LT(Clock::now() - sent, seconds(10));
  EXPECT_FALSE(exit->signaled);
  EXPECT_NE(exit->code, 0);
  const auto lines = NonEmptyLines(itest::ReadFile(dir_.Sub("term-1.err")));
  ASSERT_EQ(lines.size(), 1u) << itest::ReadFile(dir_.Sub("term-1.err"));
  EXPECT_NE(lines[0].find("interrupted by SIGTERM"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("rerun the same command to resume"), std::string::npos) << lines[0];
  EXPECT_FALSE(Exists(dir_.Sub("term/backupmeta")));
  RerunAndCompare("term", 1);
}

TEST_F(BackupResumeTest, SecondInterruptExitsAtOnce) {
  auto br = StartBr(BackupArgs("twice"), dir_.Sub("twice-1"),
                    "br.backup.after-piece=sleep(200);br.backup.before-save-on-stop=sleep(600000)");
  ASSERT_NE(br, nullptr);
  ASSERT_TRUE(WaitFor([&] {
    return Exists(dir_.Sub("twice/checkpoints/backup/ranges.000000001")) || !br->running();
  }));
  ASSERT_TRUE(br->Signal(SIGINT).ok());
  // The first interrupt is being handled (paused while saving the progress) ...
  ASSERT_TRUE(WaitFor([&] {
    return itest::ReadFile(dir_.Sub("twice.log")).find("received signal") != std::string::npos;
  }));
  ASSERT_TRUE(br->running());
  // ... and the second one ends br at once.
  ASSERT_TRUE(br->Signal(SIGINT).ok());
  auto exit = br->Wait(seconds(10));
  ASSERT_TRUE(exit.ok());
  EXPECT_FALSE(exit->signaled);
  EXPECT_EQ(exit->code, 128 + SIGINT);
  EXPECT_NE(itest::ReadFile(dir_.Sub("twice-1.err")).find("second interrupt"), std::string::npos);
  // What was saved before still resumes.
  RerunAndCompare("twice", 1);
}

// Runs last in its suite: it moves the cluster's GC safe point forward for good.
TEST_F(BackupResumeTest, ResumeAfterTheGcTtlExpiredFailsClearly) {
  // A short TTL (kept 1 s after br stops) so the resume window passes within the test.
  const std::vector<std::string> ttl = {"--gcttl", "1", "--gcttl-resume", "1"};
  auto br =
      StartBr(BackupArgs("gc", ttl), dir_.Sub("gc-killed"), "br.backup.after-piece=sleep(600000)");
  ASSERT_NE(br, nullptr);
  ASSERT_TRUE(WaitFor([&] {
    return Exists(dir_.Sub("gc/checkpoints/backup/ranges.000000001")) || !br->running();
  }));
  ASSERT_TRUE(br->running()) << itest::ReadFile(dir_.Sub("gc-killed.err"));
  br->Kill();
  auto storage = storage::CreateStorageFromUrl("local://" + dir_.Sub("gc"));
  ASSERT_TRUE(storage.ok());
  auto cp = br::LoadCheckpointMeta(storage->get());
  ASSERT_TRUE(cp.ok() && cp->has_value());
  const uint64_t backup_ts = (*cp)->backup_ts;
  // GC may pass the backup ts once the service safe point expired.
  ASSERT_TRUE(WaitFor([&] {
    auto now = env_->client->GetTS();
    if (!now.ok()) return false;
    auto sp = env_->client->pd()->UpdateGCSafePoint(*now);
    return sp.ok() && *sp >= backup_ts;
  }));
  const tools::ExitInfo exit = RunBr(BackupArgs("gc", ttl), dir_.Sub("gc-rerun"));
  EXPECT_FALSE(exit.success());
  const auto lines = NonEmptyLines(itest::ReadFile(dir_.Sub("gc-rerun.err")));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("cannot resume the backup"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("--gcttl-resume"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find("start afresh in an empty path"), std::string::npos) << lines[0];
  EXPECT_FALSE(Exists(dir_.Sub("gc/backupmeta")));
}

// The fine-grained phase: every node fails its first piece once, so gaps are retried; br is
// killed when the first retry round starts.
TEST(BackupResumeFaultTest, KilledDuringTheFineGrainedPhaseResumes) {
  auto env = StartEnv({"BRKV_FAILPOINTS=backup.piece-error=1*return(injected piece error)"});
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  itest::TempDir dir("brkv-resume-fine");
  auto args = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> a = {"backup",
                                  "db",
                                  "--db",
                                  kDb,
                                  "--pd",
                                  (*env)->cluster->pd_address(),
                                  "-s",
                                  "local://" + dir.Sub("b"),
                                  "--log-file",
                                  dir.Sub("br.log"),
                                  "--checkpoint-interval",
                                  "0"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  };
  auto br = StartBr(args(), dir.Sub("killed"), "br.backup.before-fine-grained-round=sleep(600000)");
  ASSERT_NE(br, nullptr);
  ASSERT_TRUE(WaitFor([&] {
    return itest::ReadFile(dir.Sub("br.log")).find("fine-grained round") != std::string::npos ||
           !br->running();
  })) << itest::ReadFile(dir.Sub("br.log"));
  ASSERT_TRUE(br->running()) << itest::ReadFile(dir.Sub("killed.err"));
  br->Kill();
  const size_t saved = CheckpointFiles(dir.Sub("b"));
  EXPECT_GT(saved, 0u);
  auto rerun = StartBr(args(), dir.Sub("rerun"));
  ASSERT_NE(rerun, nullptr);
  auto exit = rerun->Wait(seconds(180));
  ASSERT_TRUE(exit.ok());
  const std::string log = itest::ReadFile(dir.Sub("br.log"));
  ASSERT_TRUE(exit->success()) << itest::ReadFile(dir.Sub("rerun.err")) << log;
  const auto [new_files, reused] = RerunCounts(log);
  EXPECT_EQ(reused, saved);
  auto listed = ReadListed(dir.Sub("b"));
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(new_files + reused, listed->files.size());
  uint64_t kvs = 0;
  for (const auto& f : listed->files) kvs += f.total_kvs();
  EXPECT_EQ(kvs, 2u * 2000u * 2u);
  EXPECT_EQ(CountSst(dir.Sub("b")), listed->files.size());
  // The backup restores exactly: br restore compares every table's checksum with the backup's.
  itest::LocalClusterOptions lo;
  lo.kv_count = 1;
  auto target = itest::LocalCluster::Start(lo);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  auto restore = StartBr({"restore", "db", "--db", kDb, "--pd", (*target)->pd_address(), "-s",
                          "local://" + dir.Sub("b"), "--log-file", dir.Sub("restore.log")},
                         dir.Sub("restore"));
  ASSERT_NE(restore, nullptr);
  auto rexit = restore->Wait(seconds(180));
  ASSERT_TRUE(rexit.ok());
  EXPECT_TRUE(rexit->success()) << itest::ReadFile(dir.Sub("restore.err"));
  EXPECT_NE(itest::ReadFile(dir.Sub("restore.out")).find("success"), std::string::npos);
}

}  // namespace
}  // namespace brkv
