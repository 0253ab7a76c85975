#include "br/backup_lock.h"

#include <gtest/gtest.h>

#include "br/meta_names.h"
#include "storage/fault_injection_storage.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

class BackupLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = std::string("lock-test-") +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    storage::ResetMemStore(name_);
    storage_ = storage::NewMemStorage(name_, "backup/path");
  }
  void TearDown() override { storage::ResetMemStore(name_); }
  std::string name_;
  std::unique_ptr<storage::ExternalStorage> storage_;
};

TEST_F(BackupLockTest, EmptyPathIsLocked) {
  ASSERT_TRUE(CheckAndLock(storage_.get()).ok());
  auto content = storage_->ReadFile(kLockFileName);
  ASSERT_TRUE(content.ok());
  EXPECT_EQ(content->rfind("DO NOT DELETE\n", 0), 0u);
  EXPECT_NE(content->find("backup"), std::string::npos);
  EXPECT_EQ(content.value(), kLockFileContent);
}

TEST_F(BackupLockTest, LoneLockFileDoesNotBlock) {
  // A backup that failed before any data was written can be retried on the same path.
  ASSERT_TRUE(CheckAndLock(storage_.get()).ok());
  EXPECT_TRUE(CheckAndLock(storage_.get()).ok());
}

TEST_F(BackupLockTest, LockPlusSstFilesBlocks) {
  ASSERT_TRUE(CheckAndLock(storage_.get()).ok());
  ASSERT_TRUE(storage_->WriteFile("1/2_5_abc_1700000000000_write.sst", "sst").ok());
  Status s = CheckAndLock(storage_.get());
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists) << s.ToString();
  EXPECT_NE(s.message().find("1/2_5_abc_1700000000000_write.sst"), std::string::npos);
  EXPECT_NE(s.message().find("choose an empty path"), std::string::npos);
}

TEST_F(BackupLockTest, BackupmetaBlocks) {
  ASSERT_TRUE(storage_->WriteFile(kMetaFileName, "x").ok());
  Status s = CheckAndLock(storage_.get());
  EXPECT_EQ(s.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(s.message().find("backupmeta"), std::string::npos);
  // Nothing was written.
  EXPECT_FALSE(storage_->FileExists(kLockFileName).value());
}

TEST_F(BackupLockTest, SstWithoutLockDoesNotBlock) {
  ASSERT_TRUE(storage_->WriteFile("1_2_5_abc_write.sst", "sst").ok());
  EXPECT_TRUE(CheckAndLock(storage_.get()).ok());
  // ... but now lock + sst: the next backup is refused.
  EXPECT_EQ(CheckAndLock(storage_.get()).code(), Status::Code::kAlreadyExists);
}

TEST_F(BackupLockTest, OtherPathsAreIndependent) {
  auto other = storage::NewMemStorage(name_, "backup/other");
  ASSERT_TRUE(CheckAndLock(storage_.get()).ok());
  ASSERT_TRUE(storage_->WriteFile("1/x_write.sst", "sst").ok());
  EXPECT_TRUE(CheckAndLock(other.get()).ok());
}

TEST_F(BackupLockTest, StorageErrorsAreReturned) {
  storage::FaultInjectionStorage faulty(storage_.get());
  faulty.FailAfter(storage::FaultInjectionStorage::Op::kFileExists, 0,
                   Status::IOError("disk on fire"));
  Status s = CheckAndLock(&faulty);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_FALSE(storage_->FileExists(kLockFileName).value());
}

TEST_F(BackupLockTest, RetryableStorageErrorsAreRetried) {
  storage::FaultInjectionStorage faulty(storage_.get());
  faulty.FailAfter(storage::FaultInjectionStorage::Op::kWriteFile, 0,
                   Status::Unavailable("throttled"));
  MetaIoOptions io;
  io.retry.base_ms = 1;
  io.retry.budget_ms = 100;
  Status s = CheckAndLock(&faulty, io);
  EXPECT_FALSE(s.ok());
  EXPECT_GT(faulty.Calls(storage::FaultInjectionStorage::Op::kWriteFile), 1u);
}

}  // namespace
}  // namespace brkv::br
