#include "br/backup_lock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "br/meta_names.h"
#include "common/failpoint.h"
#include "storage/fault_injection_storage.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

class BackupLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ =
        std::string("lock-test-") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
    storage::ResetMemStore(name_);
    storage_ = storage::NewMemStorage(name_, "backup/path");
  }
  void TearDown() override { storage::ResetMemStore(name_); }

  static LockHolder Holder(const std::string& db = "sbtest") {
    LockHolder h = ThisProcessHolder();
    h.fingerprint = {{"kind", "db"}, {"--db", db}};
    return h;
  }
  static LockOptions Alive(bool alive) {
    LockOptions o;
    o.holder_alive = [alive](const LockHolder&) { return alive; };
    return o;
  }

  std::string name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
};

TEST_F(BackupLockTest, EmptyPathIsClaimedWithTheJobIdentity) {
  LockHolder me = Holder();
  const std::string job = me.job_id;
  auto claim = ClaimBackupLock(storage_.get(), &me);
  ASSERT_TRUE(claim.ok()) << claim.status().ToString();
  EXPECT_FALSE(claim->resumed);
  EXPECT_EQ(me.job_id, job);
  auto content = storage_->ReadFile(kLockFileName);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(content->rfind(kLockFileContent, 0), 0u);
  auto decoded = DecodeLock(*content);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->job_id, job);
  EXPECT_EQ(decoded->owner, me.owner);
  EXPECT_EQ(decoded->pid, me.pid);
  EXPECT_EQ(decoded->fingerprint, me.fingerprint);
  // No intent object is left behind.
  size_t objects = 0;
  ASSERT_TRUE(storage_
                  ->WalkDir("",
                            [&](std::string_view, uint64_t) {
                              ++objects;
                              return Status::OK();
                            })
                  .ok());
  EXPECT_EQ(objects, 1u);
}

TEST_F(BackupLockTest, RunningJobExcludesEveryOtherWriterFromTheStart) {
  LockHolder first = Holder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &first).ok());
  // Same command, started while the first runs (no SST written yet): refused at once.
  LockHolder second = Holder();
  auto r = ClaimBackupLock(storage_.get(), &second, Alive(true));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kAlreadyExists);
  EXPECT_NE(r.status().message().find("backup.lock"), std::string::npos);
  EXPECT_NE(r.status().message().find("still running"), std::string::npos);
  EXPECT_NE(r.status().message().find(first.job_id), std::string::npos);
  // The default liveness check sees this very process holding it.
  LockHolder third = Holder();
  EXPECT_EQ(ClaimBackupLock(storage_.get(), &third).status().code(), Status::Code::kAlreadyExists);
  EXPECT_TRUE(VerifyBackupLockHeld(storage_.get(), first).ok());
}

TEST_F(BackupLockTest, DifferentOptionsAreRefusedSayingWhatDiffers) {
  LockHolder first = Holder("a");
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &first).ok());
  LockHolder other = Holder("b");
  auto r = ClaimBackupLock(storage_.get(), &other, Alive(false));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kAlreadyExists);
  EXPECT_NE(r.status().message().find("--db: was 'a', now 'b'"), std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("choose an empty path"), std::string::npos);
}

TEST_F(BackupLockTest, SameJobWithItsHolderGoneResumes) {
  LockHolder first = Holder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &first).ok());
  LockHolder again = Holder();
  ASSERT_NE(again.job_id, first.job_id);
  auto r = ClaimBackupLock(storage_.get(), &again, Alive(false));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->resumed);
  EXPECT_EQ(again.job_id, first.job_id);
  EXPECT_EQ(r->previous.owner, first.owner);
  // The old holder no longer holds it: its commit would be refused.
  EXPECT_EQ(VerifyBackupLockHeld(storage_.get(), first).code(), Status::Code::kAlreadyExists);
  EXPECT_TRUE(VerifyBackupLockHeld(storage_.get(), again).ok());
}

TEST_F(BackupLockTest, LockWithoutIdentityIsRefused) {
  ASSERT_TRUE(storage_->WriteFile(kLockFileName, kLockFileContent).ok());
  LockHolder me = Holder();
  Status s = ClaimBackupLock(storage_.get(), &me, Alive(false)).status();
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(s.message().find("backup.lock"), std::string::npos);
}

TEST_F(BackupLockTest, BackupmetaBlocks) {
  ASSERT_TRUE(storage_->WriteFile(kMetaFileName, "x").ok());
  LockHolder me = Holder();
  Status s = ClaimBackupLock(storage_.get(), &me).status();
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(s.message().find("backupmeta"), std::string::npos);
  EXPECT_FALSE(storage_->FileExists(kLockFileName).value());
}

TEST_F(BackupLockTest, CommitCheckRefusesAnUnexpectedBackupmeta) {
  LockHolder me = Holder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &me).ok());
  ASSERT_TRUE(storage_->WriteFile(kMetaFileName, "someone else's").ok());
  EXPECT_EQ(VerifyBackupLockHeld(storage_.get(), me).code(), Status::Code::kAlreadyExists);
}

TEST_F(BackupLockTest, ReleaseRemovesOnlyOwnLock) {
  LockHolder first = Holder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &first).ok());
  LockHolder other = Holder();
  EXPECT_TRUE(ReleaseBackupLock(storage_.get(), other).ok());
  EXPECT_TRUE(storage_->FileExists(kLockFileName).value());
  EXPECT_TRUE(ReleaseBackupLock(storage_.get(), first).ok());
  EXPECT_FALSE(storage_->FileExists(kLockFileName).value());
  // A corrected command may now use the path.
  LockHolder next = Holder("other");
  EXPECT_TRUE(ClaimBackupLock(storage_.get(), &next).ok());
}

TEST_F(BackupLockTest, RefreshKeepsOwnershipAndMovesTheHeartbeat) {
  LockHolder me = Holder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &me).ok());
  me.heartbeat_unix = 1;
  ASSERT_TRUE(RefreshBackupLock(storage_.get(), &me).ok());
  EXPECT_GT(me.heartbeat_unix, 1);
  auto decoded = DecodeLock(storage_->ReadFile(kLockFileName).value());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->heartbeat_unix, me.heartbeat_unix);
}

TEST_F(BackupLockTest, StaleIntentOfADeadClaimerIsIgnored) {
  LockHolder dead = Holder();
  dead.pid = 0;  // not a live process on this host
  ASSERT_TRUE(storage_->WriteFile("backup.lock.intent." + dead.owner, EncodeLock(dead)).ok());
  LockHolder me = Holder();
  ASSERT_TRUE(ClaimBackupLock(storage_.get(), &me).ok());
  EXPECT_FALSE(storage_->FileExists("backup.lock.intent." + dead.owner).value());
}

TEST_F(BackupLockTest, ConcurrentClaimsLetExactlyOneWriterIn) {
  // Widen the window between announcing and checking so the claims really overlap.
  failpoint::ScopedFailPoint fp("br.lock.after-intent", "sleep(5)");
  constexpr int kClaimers = 4;
  std::vector<LockHolder> holders;
  for (int i = 0; i < kClaimers; ++i) holders.push_back(Holder());
  std::vector<Status> results(kClaimers);
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClaimers; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kClaimers) std::this_thread::yield();
      results[i] = ClaimBackupLock(storage_.get(), &holders[i], Alive(true)).status();
    });
  }
  for (auto& t : threads) t.join();
  int winners = 0;
  for (int i = 0; i < kClaimers; ++i) {
    if (results[i].ok()) {
      ++winners;
      EXPECT_TRUE(VerifyBackupLockHeld(storage_.get(), holders[i]).ok());
    } else {
      EXPECT_EQ(results[i].code(), Status::Code::kAlreadyExists) << results[i].ToString();
      EXPECT_NE(results[i].message().find("backup.lock"), std::string::npos);
    }
  }
  EXPECT_EQ(winners, 1);
}

TEST_F(BackupLockTest, StorageErrorsAreReturned) {
  storage::FaultInjectionStorage faulty(storage_.get());
  faulty.FailAfter(storage::FaultInjectionStorage::Op::kFileExists, 0,
                   Status::IOError("disk on fire"));
  LockHolder me = Holder();
  Status s = ClaimBackupLock(&faulty, &me).status();
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_FALSE(storage_->FileExists(kLockFileName).value());
}

TEST(JobFingerprintTest, EncodeDecodeAndDiff) {
  JobFingerprint f = {{"kind", "full"}, {"--filter", "a.*,b\nc"}, {"--backupts", ""}};
  auto back = DecodeFingerprint(EncodeFingerprint(f));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, f);
  EXPECT_EQ(DescribeFingerprintDiff(f, f), "");
  JobFingerprint g = f;
  g[2].second = "42";
  EXPECT_EQ(DescribeFingerprintDiff(f, g), "--backupts: was '', now '42'");
  EXPECT_EQ(SecretDigest("").size(), 0u);
  EXPECT_EQ(SecretDigest("k").size(), 16u);
  EXPECT_NE(SecretDigest("k"), SecretDigest("l"));
}

}  // namespace
}  // namespace brkv::br
