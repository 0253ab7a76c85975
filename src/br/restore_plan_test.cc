// Restore planning from backup metadata alone: format compatibility, scopes and filters,
// empty databases, unknown names, unsupported tables, and the restore summary line.
#include "br/restore_plan.h"

#include <gtest/gtest.h>

#include "br/meta_writer.h"
#include "br/restore_runner.h"
#include "storage/mem_storage.h"

namespace brkv::br {
namespace {

::backup::BackupMeta GoodMeta() {
  ::backup::BackupMeta m;
  m.set_end_version(100);
  m.set_api_version(kvrpcpb::V1);
  m.set_mode(::backup::SCAN);
  return m;
}

TEST(RestorePlanTest, CompatibilityChecks) {
  EXPECT_TRUE(CheckBackupCompatible(GoodMeta(), RestoreKind::kFull).ok());
  auto m = GoodMeta();
  m.set_end_version(0);
  m.set_start_version(5);
  EXPECT_NE(CheckBackupCompatible(m, RestoreKind::kFull).message().find("log backup"),
            std::string::npos);
  m = GoodMeta();
  m.set_backup_schema_version(kMaxBackupSchemaVersion + 1);
  EXPECT_EQ(CheckBackupCompatible(m, RestoreKind::kFull).code(), Status::Code::kNotSupported);
  EXPECT_NE(CheckBackupCompatible(m, RestoreKind::kFull).message().find("incompatible"),
            std::string::npos);
  m = GoodMeta();
  m.set_mode(::backup::FILE);
  EXPECT_FALSE(CheckBackupCompatible(m, RestoreKind::kFull).ok());
  m = GoodMeta();
  m.set_api_version(kvrpcpb::V2);
  EXPECT_FALSE(CheckBackupCompatible(m, RestoreKind::kFull).ok());
  m = GoodMeta();
  m.set_is_raw_kv(true);
  EXPECT_FALSE(CheckBackupCompatible(m, RestoreKind::kTable).ok());
  EXPECT_TRUE(CheckBackupCompatible(m, RestoreKind::kRaw).ok());
  EXPECT_FALSE(CheckBackupCompatible(GoodMeta(), RestoreKind::kRaw).ok());
}

std::string DbJson(int64_t id, const std::string& name) {
  return R"({"id":)" + std::to_string(id) + R"(,"db_name":{"O":")" + name + R"(","L":")" +
         catalog::CIStr::From(name).L + R"("},"state":5})";
}

std::string TableJson(int64_t id, const std::string& name, const std::string& extra = "") {
  return R"({"id":)" + std::to_string(id) + R"(,"name":{"O":")" + name + R"(","L":")" +
         catalog::CIStr::From(name).L + R"("},"state":5)" + extra + "}";
}

// A backup with databases sb (t1, t2), other (x), empty (no tables).
std::unique_ptr<storage::ExternalStorage> WriteBackup(const std::string& store,
                                                      const std::string& extra_table = "") {
  storage::ResetMemStore(store);
  auto st = storage::NewMemStorage(store);
  auto w = MetaWriter::Open(st.get(), {});
  EXPECT_TRUE(w.ok());
  std::vector<::backup::Schema> schemas(4);
  schemas[0].set_db(DbJson(2, "sb"));
  schemas[0].set_table(TableJson(110, "t1"));
  schemas[0].set_total_kvs(10);
  schemas[1].set_db(DbJson(2, "sb"));
  schemas[1].set_table(TableJson(112, "T2"));
  schemas[2].set_db(DbJson(3, "other"));
  schemas[2].set_table(TableJson(120, "x", extra_table));
  schemas[3].set_db(DbJson(4, "empty"));
  EXPECT_TRUE((*w)->AppendSchemas(schemas).ok());
  EXPECT_TRUE((*w)->Finish(GoodMeta()).ok());
  return st;
}

Result<RestoreSchemas> Collect(storage::ExternalStorage* st, RestoreScope scope) {
  ASSIGN_OR_RETURN(auto reader, MetaReader::Open(st));
  return CollectSchemas(*reader, scope);
}

TEST(RestorePlanTest, FullScopeTakesEverythingIncludingEmptyDatabases) {
  auto st = WriteBackup("plan-full");
  auto s = Collect(st.get(), RestoreScope{});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->databases.size(), 3u);
  EXPECT_EQ(s->databases[2].name.O, "empty");
  ASSERT_EQ(s->tables.size(), 3u);
  EXPECT_EQ(s->tables[0].Name(), "sb.t1");
  EXPECT_EQ(s->tables[0].checksum.total_kvs, 10u);
  EXPECT_EQ(s->tables[1].table.id, 112);
}

TEST(RestorePlanTest, FiltersDbAndTableScopes) {
  auto st = WriteBackup("plan-scopes");
  RestoreScope f;
  f.filters = {"*.*", "!other.*"};
  auto s = Collect(st.get(), f);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->tables.size(), 2u);
  EXPECT_EQ(s->databases.size(), 2u);  // sb, empty

  RestoreScope db;
  db.kind = RestoreKind::kDatabase;
  db.db = "SB";
  s = Collect(st.get(), db);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->tables.size(), 2u);
  ASSERT_EQ(s->databases.size(), 1u);

  db.filters = {"sb.t2"};
  s = Collect(st.get(), db);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->tables.size(), 1u);
  EXPECT_EQ(s->tables[0].table.name.O, "T2");

  RestoreScope empty_db;
  empty_db.kind = RestoreKind::kDatabase;
  empty_db.db = "empty";
  s = Collect(st.get(), empty_db);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->databases.size(), 1u);
  EXPECT_TRUE(s->tables.empty());

  RestoreScope table;
  table.kind = RestoreKind::kTable;
  table.db = "sb";
  table.table = "t2";
  s = Collect(st.get(), table);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->tables.size(), 1u);
}

TEST(RestorePlanTest, UnknownNamesAreErrors) {
  auto st = WriteBackup("plan-unknown");
  RestoreScope db;
  db.kind = RestoreKind::kDatabase;
  db.db = "nope";
  auto s = Collect(st.get(), db);
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("database nope is not in the backup"), std::string::npos);

  RestoreScope table;
  table.kind = RestoreKind::kTable;
  table.db = "sb";
  table.table = "nope";
  s = Collect(st.get(), table);
  EXPECT_TRUE(s.status().IsNotFound());
  EXPECT_NE(s.status().message().find("sb.nope"), std::string::npos);

  RestoreScope f;
  f.filters = {"zzz.*"};
  EXPECT_TRUE(Collect(st.get(), f).status().IsNotFound());
  f.filters = {"[bad"};
  EXPECT_EQ(Collect(st.get(), f).status().code(), Status::Code::kInvalidArgument);
}

TEST(RestorePlanTest, EmptyBackupRestoresNothingButFiltersMustMatch) {
  storage::ResetMemStore("plan-empty");
  auto st = storage::NewMemStorage("plan-empty");
  auto w = MetaWriter::Open(st.get(), {});
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Finish(GoodMeta()).ok());
  auto s = Collect(st.get(), RestoreScope{});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->databases.empty() && s->tables.empty());
  RestoreScope f;
  f.filters = {"a.*"};
  EXPECT_TRUE(Collect(st.get(), f).status().IsNotFound());
  RestoreScope db;
  db.kind = RestoreKind::kDatabase;
  db.db = "a";
  EXPECT_TRUE(Collect(st.get(), db).status().IsNotFound());
}

TEST(RestorePlanTest, PartitionedTablesAreRefusedUnlessFilteredOut) {
  auto st = WriteBackup("plan-partition", R"(,"partition":{"type":1,"definitions":[]})");
  auto s = Collect(st.get(), RestoreScope{});
  EXPECT_EQ(s.status().code(), Status::Code::kNotSupported);
  EXPECT_NE(s.status().message().find("other.x"), std::string::npos);
  RestoreScope f;
  f.filters = {"*.*", "!other.x"};
  EXPECT_TRUE(Collect(st.get(), f).ok());
}

TEST(RestorePlanTest, SummaryLine) {
  RestoreSummary s;
  s.title = "Full Restore";
  s.ranges = 12;
  s.files = 24;
  s.total_kvs = 10000;
  s.total_bytes = 2000000;
  s.data_size = 500000;
  s.backup_ts = 7;
  s.restore_ts = 9;
  s.checksum_verified = true;
  s.take = std::chrono::milliseconds(2000);
  const std::string line = FormatRestoreSummary(s);
  EXPECT_EQ(line,
            "Full Restore success summary: total-ranges=12, ranges-succeed=12, ranges-failed=0, "
            "total-files=24, total-kvs=10000, total-bytes=2000000, "
            "restore-data-size(after-compressed)=0.50MB, backup-ts=7, restore-ts=9, "
            "total-take=2s, average-speed=1.00MB/s");
  EXPECT_EQ(RestoreTitle(RestoreKind::kFull, true), "Incremental Restore");
  EXPECT_EQ(RestoreTitle(RestoreKind::kTable, false), "Table Restore");
}

TEST(RestorePlanTest, ConfigValidation) {
  RestoreConfig c;
  c.pd = "127.0.0.1:1";
  c.storage_url = "local:///tmp/x";
  EXPECT_TRUE(ValidateRestoreConfig(c).ok());
  c.concurrency = 0;
  EXPECT_FALSE(ValidateRestoreConfig(c).ok());
  c.concurrency = 4;
  c.storage_url = "noop://";
  EXPECT_FALSE(ValidateRestoreConfig(c).ok());
  c.storage_url = "local:///tmp/x";
  c.raw_start = "a";
  EXPECT_FALSE(ValidateRestoreConfig(c).ok());  // --start without raw
  c.scope.kind = RestoreKind::kRaw;
  c.raw_end = "a";
  EXPECT_FALSE(ValidateRestoreConfig(c).ok());  // empty range
  c.raw_end = "b";
  EXPECT_TRUE(ValidateRestoreConfig(c).ok());
}

}  // namespace
}  // namespace brkv::br
