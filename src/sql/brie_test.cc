// From BACKUP / RESTORE statements to the br runners' configs, the destination shown to users
// and the time format of the result and SHOW BACKUPS columns.
#include "sql/brie.h"

#include <gtest/gtest.h>

#include "sql/parser.h"

namespace brkv::sql {
namespace {

BrieStmt ParseBrie(std::string_view q) {
  SqlResult<std::vector<ParsedStatement>> r = Parse(q);
  EXPECT_TRUE(r.ok()) << q << ": " << r.error().ToString();
  if (!r.ok() || r->size() != 1 || !std::holds_alternative<BrieStmt>(r->front().stmt)) {
    ADD_FAILURE() << q;
    return BrieStmt{};
  }
  return std::get<BrieStmt>(r->front().stmt);
}

TEST(BrieConfigTest, BackupScopesAndOptions) {
  auto one = BackupConfigFor(ParseBrie("BACKUP DATABASE shop TO 'local:///tmp/b'"), "pd:1", "");
  ASSERT_TRUE(one.ok()) << one.error().ToString();
  EXPECT_EQ(one->pd, "pd:1");
  EXPECT_EQ(one->storage_url, "local:///tmp/b");
  EXPECT_EQ(one->scope.kind, br::BackupKind::kDatabase);
  EXPECT_EQ(one->scope.db, "shop");
  EXPECT_EQ(one->concurrency, 4u);  // the runner's defaults stay
  EXPECT_TRUE(one->checksum);
  EXPECT_EQ(one->ratelimit_mib, 0u);

  auto many = BackupConfigFor(
      ParseBrie("BACKUP TABLE t, `o``dd`.u TO 'local:///tmp/b' RATE_LIMIT 3 MB/SECOND "
                "CONCURRENCY = 1 CHECKSUM = FALSE LAST_BACKUP = 100 COMPRESSION_TYPE 'lz4'"),
      "pd:1", "cur");
  ASSERT_TRUE(many.ok()) << many.error().ToString();
  EXPECT_EQ(many->scope.kind, br::BackupKind::kFull);
  EXPECT_EQ(many->scope.filters, (std::vector<std::string>{"`cur`.`t`", "`o``dd`.`u`"}));
  EXPECT_EQ(many->ratelimit_mib, 3u);
  EXPECT_EQ(many->concurrency, 1u);
  EXPECT_FALSE(many->checksum);
  EXPECT_EQ(many->last_backup_ts, "100");
  EXPECT_EQ(many->compression, sst::CompressionType::kLz4);

  auto table = BackupConfigFor(ParseBrie("BACKUP TABLE d.t TO 'local:///tmp/b' SNAPSHOT = 5"),
                               "pd:1", "");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->scope.kind, br::BackupKind::kTable);
  EXPECT_EQ(table->scope.table, "t");
  EXPECT_EQ(table->backup_ts, "5");

  // n unit AGO becomes a TSO that far in the past.
  auto ago = BackupConfigFor(ParseBrie("BACKUP DATABASE * TO 'local:///tmp/b' SNAPSHOT = 1 HOUR AGO"),
                             "pd:1", "");
  ASSERT_TRUE(ago.ok()) << ago.error().ToString();
  EXPECT_EQ(ago->scope.kind, br::BackupKind::kFull);
  EXPECT_TRUE(ago->scope.filters.empty());
  const uint64_t now_ms = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  const uint64_t ts_ms = std::stoull(ago->backup_ts) >> 18;
  EXPECT_NEAR(static_cast<double>(now_ms - ts_ms), 3600e3, 5e3);
}

TEST(BrieConfigTest, RestoreScopes) {
  auto all = RestoreConfigFor(ParseBrie("RESTORE DATABASE * FROM 'local:///tmp/b'"), "pd:2", "");
  ASSERT_TRUE(all.ok()) << all.error().ToString();
  EXPECT_EQ(all->scope.kind, br::RestoreKind::kFull);
  EXPECT_EQ(all->pd, "pd:2");
  auto dbs = RestoreConfigFor(
      ParseBrie("RESTORE DATABASE a, b FROM 'local:///tmp/b' RATE_LIMIT = 7 MB/SECOND"), "pd:2",
      "");
  ASSERT_TRUE(dbs.ok()) << dbs.error().ToString();
  EXPECT_EQ(dbs->scope.filters, (std::vector<std::string>{"`a`.*", "`b`.*"}));
  EXPECT_EQ(dbs->ratelimit_mib, 7u);
  auto table = RestoreConfigFor(ParseBrie("RESTORE TABLE t FROM 'local:///tmp/b'"), "pd:2", "d");
  ASSERT_TRUE(table.ok()) << table.error().ToString();
  EXPECT_EQ(table->scope.kind, br::RestoreKind::kTable);
  EXPECT_EQ(table->scope.db, "d");
}

TEST(BrieConfigTest, BadInputIsAMysqlError) {
  // An unqualified table without a current database.
  auto nodb = BackupConfigFor(ParseBrie("BACKUP TABLE t TO 'local:///tmp/b'"), "pd:1", "");
  ASSERT_FALSE(nodb.ok());
  EXPECT_EQ(nodb.error().code(), er::kNoDb);
  // A URL the storage layer refuses, checked before the job is queued.
  auto url = BackupConfigFor(ParseBrie("BACKUP DATABASE d TO 'nosuch://x'"), "pd:1", "");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.error().code(), er::kBackupFailed);
  EXPECT_EQ(url.error().message().rfind("Backup failed: ", 0), 0u) << url.error().message();
  auto rurl = RestoreConfigFor(ParseBrie("RESTORE DATABASE d FROM 'nosuch://x'"), "pd:1", "");
  ASSERT_FALSE(rurl.ok());
  EXPECT_EQ(rurl.error().code(), er::kRestoreFailed);
  auto codec = BackupConfigFor(
      ParseBrie("BACKUP DATABASE d TO 'local:///tmp/b' COMPRESSION_TYPE = 'gzip'"), "pd:1", "");
  ASSERT_FALSE(codec.ok());
  EXPECT_EQ(codec.error().code(), er::kBackupFailed);
  auto ts = BackupConfigFor(ParseBrie("BACKUP DATABASE d TO 'local:///tmp/b' SNAPSHOT = 'soon'"),
                            "pd:1", "");
  ASSERT_FALSE(ts.ok());
  EXPECT_EQ(ts.error().code(), er::kBackupFailed);
}

TEST(BrieConfigTest, DestinationAndTimes) {
  EXPECT_EQ(RedactedDestination("s3://bucket/p?access-key=AK&secret-access-key=SK"),
            "s3://bucket/p");
  EXPECT_EQ(RedactedDestination("local:///tmp/b"), "local:///tmp/b");
  EXPECT_EQ(FormatBrieTime({}), "0000-00-00 00:00:00");
  EXPECT_EQ(FormatBrieTime(std::chrono::system_clock::from_time_t(86400 + 3661)),
            "1970-01-02 01:01:01");
}

}  // namespace
}  // namespace brkv::sql
