#include "br/backup_checkpoint.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "br/backup_resume.h"
#include "br/meta_names.h"
#include "common/failpoint.h"
#include "common/sha256.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

sst::CipherInfo Aes128() {
  sst::CipherInfo c;
  c.method = sst::EncryptionMethod::kAes128Ctr;
  c.key = std::string(16, 'k');
  return c;
}

::backup::BackupResponse Piece(const std::string& start, const std::string& end,
                               const std::string& file, const std::string& content = "") {
  ::backup::BackupResponse r;
  r.set_start_key(start);
  r.set_end_key(end);
  ::backup::File* f = r.add_files();
  f->set_name(file);
  f->set_start_key(start);
  f->set_end_key(end);
  f->set_total_kvs(3);
  f->set_sha256(Sha256(content));
  f->set_size(content.size());
  return r;
}

class BackupCheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = std::string("checkpoint-test-") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    storage::ResetMemStore(name_);
    storage_ = storage::NewMemStorage(name_, "backup");
  }
  void TearDown() override {
    failpoint::DisableAll();
    storage::ResetMemStore(name_);
  }
  std::string name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
};

TEST_F(BackupCheckpointTest, MetaRoundTrip) {
  BackupCheckpointMeta m;
  m.job_id = "abc";
  m.backup_ts = 42;
  m.last_backup_ts = 7;
  m.cluster_id = 9;
  m.service_id = "br-x";
  m.resume_gcttl_seconds = 3600;
  m.fingerprint = {{"kind", "full"}, {"--filter", "a.*"}};
  ASSERT_TRUE(SaveCheckpointMeta(storage_.get(), m).ok());
  auto loaded = LoadCheckpointMeta(storage_.get());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ((*loaded)->job_id, "abc");
  EXPECT_EQ((*loaded)->backup_ts, 42u);
  EXPECT_EQ((*loaded)->last_backup_ts, 7u);
  EXPECT_EQ((*loaded)->cluster_id, 9u);
  EXPECT_EQ((*loaded)->service_id, "br-x");
  EXPECT_EQ((*loaded)->resume_gcttl_seconds, 3600);
  EXPECT_EQ((*loaded)->fingerprint, m.fingerprint);
}

TEST_F(BackupCheckpointTest, NoCheckpointIsNotAnError) {
  auto loaded = LoadCheckpointMeta(storage_.get());
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->has_value());
  auto ranges = LoadFinishedRanges(storage_.get(), {});
  ASSERT_TRUE(ranges.ok());
  EXPECT_TRUE(ranges->ranges.empty());
  EXPECT_EQ(ranges->next_seq, 1u);
}

TEST_F(BackupCheckpointTest, WriterSavesOnFlushAndCloseAndResumesNumbering) {
  CheckpointWriterOptions o;
  o.cipher = Aes128();
  o.interval = std::chrono::hours(1);  // only explicit flushes
  {
    CheckpointWriter w(storage_.get(), o);
    w.Add(Piece("a", "b", "1/a.sst"));
    w.Add(Piece("b", "c", "1/b.sst"));
    ASSERT_TRUE(w.Flush().ok());
    w.Add(Piece("c", "d", "2/c.sst"));
    ASSERT_TRUE(w.Close().ok());
    EXPECT_EQ(w.ranges_saved(), 3u);
  }
  auto loaded = LoadFinishedRanges(storage_.get(), Aes128());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->ranges.size(), 3u);
  EXPECT_EQ(loaded->objects, 2u);
  EXPECT_EQ(loaded->next_seq, 3u);
  EXPECT_EQ(loaded->ranges[2].start_key(), "c");
  EXPECT_EQ(loaded->ranges[2].files(0).name(), "2/c.sst");
  // A second run continues the numbering.
  o.first_seq = loaded->next_seq;
  {
    CheckpointWriter w(storage_.get(), o);
    w.Add(Piece("d", "e", "3/d.sst"));
  }
  loaded = LoadFinishedRanges(storage_.get(), Aes128());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded->ranges.size(), 4u);
  EXPECT_EQ(loaded->objects, 3u);
  // The wrong key does not verify.
  sst::CipherInfo wrong = Aes128();
  wrong.key = std::string(16, 'x');
  auto bad = LoadFinishedRanges(storage_.get(), wrong);
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
  EXPECT_NE(bad.status().message().find("--crypter.key"), std::string::npos);
  // Removal leaves nothing under checkpoints/.
  ASSERT_TRUE(RemoveBackupCheckpoint(storage_.get()).ok());
  loaded = LoadFinishedRanges(storage_.get(), Aes128());
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(loaded->ranges.empty());
}

TEST_F(BackupCheckpointTest, PeriodicFlushRunsWithoutBeingAsked) {
  CheckpointWriterOptions o;
  o.interval = std::chrono::milliseconds(1);
  std::atomic<int> flushed{0};
  o.after_flush = [&flushed] {
    flushed.fetch_add(1);
    return Status::OK();
  };
  CheckpointWriter w(storage_.get(), o);
  w.Add(Piece("a", "b", "1/a.sst"));
  // Wait (bounded) for the thread to save it; no explicit Flush.
  for (int i = 0; i < 5000 && w.ranges_saved() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_EQ(w.ranges_saved(), 1u);
  EXPECT_TRUE(w.Close().ok());
}

TEST_F(BackupCheckpointTest, FailedFlushIsReported) {
  failpoint::ScopedFailPoint fp("br.checkpoint.before-flush", "return(storage gone)");
  CheckpointWriterOptions o;
  o.interval = std::chrono::hours(1);
  CheckpointWriter w(storage_.get(), o);
  w.Add(Piece("a", "b", "1/a.sst"));
  Status s = w.Flush();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("storage gone"), std::string::npos);
}

TEST_F(BackupCheckpointTest, ReuseKeepsOnlyRangesWhoseFilesVerify) {
  ASSERT_TRUE(storage_->WriteFile("1/a.sst", "AAAA").ok());
  ASSERT_TRUE(storage_->WriteFile("1/b.sst", "changed").ok());
  std::vector<::backup::BackupResponse> saved = {
      Piece("a", "b", "1/a.sst", "AAAA"),  // intact
      Piece("b", "c", "1/b.sst", "BBBB"),  // content differs
      Piece("c", "d", "1/c.sst", "CCCC"),  // missing
  };
  auto r = VerifyReusedRanges(storage_.get(), saved, 2);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->kept.size(), 1u);
  EXPECT_EQ(r->kept[0].start_key(), "a");
  EXPECT_EQ(r->dropped, 2u);
  EXPECT_EQ(r->files, 1u);
}

TEST_F(BackupCheckpointTest, StaleLeavesAndOrphansAreDeleted) {
  ASSERT_TRUE(storage_->WriteFile(LeafName(LeafKind::kDataFile, 1), "x").ok());
  ASSERT_TRUE(storage_->WriteFile(LeafName(LeafKind::kSchema, 2), "x").ok());
  ASSERT_TRUE(storage_->WriteFile("backup.lock", "x").ok());
  ASSERT_TRUE(storage_->WriteFile("1/keep.sst", "x").ok());
  ASSERT_TRUE(storage_->WriteFile("1/orphan.sst", "x").ok());
  ASSERT_TRUE(DeleteStaleMetaLeaves(storage_.get()).ok());
  EXPECT_FALSE(storage_->FileExists(LeafName(LeafKind::kDataFile, 1)).value());
  EXPECT_FALSE(storage_->FileExists(LeafName(LeafKind::kSchema, 2)).value());
  EXPECT_TRUE(storage_->FileExists("backup.lock").value());
  auto n = DeleteOrphanFiles(storage_.get(), {"1/keep.sst"});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1u);
  EXPECT_TRUE(storage_->FileExists("1/keep.sst").value());
  EXPECT_FALSE(storage_->FileExists("1/orphan.sst").value());
}

TEST(BackupFingerprintTest, DataOptionsCountTuningDoesNot) {
  BackupConfig a;
  a.scope.kind = BackupKind::kDatabase;
  a.scope.db = "sbtest";
  BackupConfig b = a;
  b.concurrency = 16;
  b.ratelimit_mib = 10;
  EXPECT_EQ(BackupFingerprint(a), BackupFingerprint(b));
  b.scope.filters = {"sbtest.t1"};
  EXPECT_NE(DescribeFingerprintDiff(BackupFingerprint(a), BackupFingerprint(b)).find("--filter"),
            std::string::npos);
  BackupConfig c = a;
  c.cipher = Aes128();
  const std::string diff = DescribeFingerprintDiff(BackupFingerprint(a), BackupFingerprint(c));
  EXPECT_NE(diff.find("--crypter.method"), std::string::npos);
  EXPECT_EQ(diff.find(std::string(16, 'k')), std::string::npos);  // never the key
}

}  // namespace
}  // namespace brkv::br
