// The offline checks of a backup configuration (what fails before anything is contacted) and
// the summary titles.
#include "br/backup_runner.h"

#include <gtest/gtest.h>

namespace brkv::br {
namespace {

BackupConfig Good() {
  BackupConfig c;
  c.pd = "127.0.0.1:2379";
  c.storage_url = "local:///tmp/brkv-runner-test";
  return c;
}

void ExpectInvalid(const BackupConfig& c, const std::string& must_contain) {
  Status s = ValidateBackupConfig(c);
  ASSERT_FALSE(s.ok()) << must_contain;
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find(must_contain), std::string::npos) << s.message();
}

TEST(BackupConfigTest, GoodConfigPasses) { EXPECT_TRUE(ValidateBackupConfig(Good()).ok()); }

TEST(BackupConfigTest, EachBadSettingNamesItsFlag) {
  BackupConfig c = Good();
  c.pd.clear();
  ExpectInvalid(c, "--pd");
  c = Good();
  c.storage_url.clear();
  ExpectInvalid(c, "--storage");
  c = Good();
  c.storage_url = "ftp://host/x";
  ExpectInvalid(c, "-s/--storage");
  c = Good();
  c.storage_url = "memstore://x";
  ExpectInvalid(c, "memstore");
  c = Good();
  c.cipher.method = sst::EncryptionMethod::kAes256Ctr;
  c.cipher.key = std::string(16, 'k');
  ExpectInvalid(c, "--crypter");
  c = Good();
  c.backup_ts = "yesterday-ish";
  ExpectInvalid(c, "--backupts");
  c = Good();
  c.last_backup_ts = "x";
  ExpectInvalid(c, "--lastbackupts");
  c = Good();
  c.gcttl_seconds = 0;
  ExpectInvalid(c, "--gcttl");
  c = Good();
  c.concurrency = 0;
  ExpectInvalid(c, "--concurrency");
  c = Good();
  c.compression_level = 99;
  ExpectInvalid(c, "--compression-level");
  c = Good();
  c.backup_timeout = std::chrono::milliseconds(0);
  ExpectInvalid(c, "--backup-timeout");
}

TEST(BackupConfigTest, RawRangeChecks) {
  BackupConfig c = Good();
  c.scope.kind = BackupKind::kRaw;
  c.raw_start = "b";
  c.raw_end = "a";
  ExpectInvalid(c, "--end must be after --start");
  c.raw_end = "";
  EXPECT_TRUE(ValidateBackupConfig(c).ok());
  c.raw_cf = "write";
  ExpectInvalid(c, "--cf");
  c.raw_cf = "default";
  c.last_backup_ts = "5";
  ExpectInvalid(c, "--lastbackupts");
}

TEST(BackupConfigTest, SecretsInTheUrlAreNotEchoed) {
  BackupConfig c = Good();
  c.storage_url = "s3://bucket/p?secret-access-key=TOPSECRET&bogus=1";
  Status s = ValidateBackupConfig(c);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().find("TOPSECRET"), std::string::npos) << s.message();
}

TEST(BackupConfigTest, Titles) {
  EXPECT_EQ(BackupTitle(BackupKind::kFull, false), "Full Backup");
  EXPECT_EQ(BackupTitle(BackupKind::kFull, true), "Incremental Backup");
  EXPECT_EQ(BackupTitle(BackupKind::kDatabase, false), "Database Backup");
  EXPECT_EQ(BackupTitle(BackupKind::kTable, true), "Incremental Table Backup");
  EXPECT_EQ(BackupTitle(BackupKind::kRaw, false), "Raw Backup");
}

}  // namespace
}  // namespace brkv::br
