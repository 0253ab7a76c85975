// Backup planning: ranges from tables (record + public indexes), scopes and -f filters,
// unknown names and empty results as errors, empty databases, incremental DDL entries.
#include "br/backup_plan.h"

#include <gtest/gtest.h>

#include <map>

#include "catalog/tablecodec.h"

namespace brkv::br {
namespace {

class FakeCatalog : public CatalogSource {
 public:
  catalog::DBInfo& AddDb(int64_t id, const std::string& name) {
    dbs_.push_back(catalog::MakeDBInfo(id, name));
    tables_[id];
    return dbs_.back();
  }
  catalog::TableInfo& AddTable(int64_t db_id, int64_t id, const std::string& name,
                               int indexes = 1) {
    catalog::TableInfo t;
    t.id = id;
    t.name = catalog::CIStr::From(name);
    for (int i = 1; i <= indexes; ++i) {
      catalog::IndexInfo idx;
      idx.id = i;
      idx.name = catalog::CIStr::From("k_" + std::to_string(i));
      t.indices.push_back(idx);
    }
    tables_[db_id].push_back(t);
    return tables_[db_id].back();
  }
  void DropTable(int64_t db_id, int64_t id) {
    auto& v = tables_[db_id];
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i].id == id) {
        v.erase(v.begin() + static_cast<long>(i));
        return;
      }
    }
  }

  Result<std::vector<catalog::DBInfo>> ListDatabases() override { return dbs_; }
  Result<std::vector<catalog::TableInfo>> ListTables(int64_t db_id) override {
    return tables_[db_id];
  }

 private:
  std::vector<catalog::DBInfo> dbs_;
  std::map<int64_t, std::vector<catalog::TableInfo>> tables_;
};

// sbtest (id 2): sbtest1 (10, one index), sbtest2 (11, two indexes, one not public);
// other (3): t (20); empty (4): no tables.
FakeCatalog SampleCatalog() {
  FakeCatalog c;
  c.AddDb(2, "sbtest");
  c.AddTable(2, 10, "sbtest1");
  auto& t2 = c.AddTable(2, 11, "sbtest2", 2);
  t2.indices[1].state = 3;  // write-only: not backed up, not checksummed
  c.AddDb(3, "Other");
  c.AddTable(3, 20, "t");
  c.AddDb(4, "empty");
  return c;
}

TEST(BackupPlanTest, FullBackupCoversEveryTableRecordAndPublicIndexRange) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->tables, 3u);
  EXPECT_EQ(plan->databases, 3u);  // sbtest, Other, and the empty database
  ASSERT_EQ(plan->schemas.size(), 4u);
  EXPECT_FALSE(plan->schemas[3].table.has_value());
  EXPECT_EQ(plan->schemas[3].db.name.O, "empty");
  std::vector<KeyRange> want = {catalog::IndexRange(10, 1), catalog::TableRecordRange(10),
                                catalog::IndexRange(11, 1), catalog::TableRecordRange(11),
                                catalog::IndexRange(20, 1), catalog::TableRecordRange(20)};
  std::sort(want.begin(), want.end(),
            [](const KeyRange& a, const KeyRange& b) { return a.start < b.start; });
  EXPECT_EQ(plan->ranges, want);
  EXPECT_EQ(plan->schemas[1].ranges.size(), 2u);  // sbtest2: record + the one public index
}

TEST(BackupPlanTest, FilterSelectsTablesAndLaterRulesWin) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.filters = {"*.*", "!sbtest.sbtest2"};
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->tables, 2u);
  for (const auto& s : plan->schemas) {
    if (s.table) {
      EXPECT_NE(s.table->name.O, "sbtest2");
    }
  }
}

TEST(BackupPlanTest, FilterMatchingNothingIsAnError) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.filters = {"nosuchdb.*"};
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(plan.status().IsNotFound());
  EXPECT_NE(plan.status().message().find("nosuchdb.*"), std::string::npos);
}

TEST(BackupPlanTest, DatabaseWhoseTablesAllMissTheFilterIsNotRecordedEmpty) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.filters = {"sbtest.nosuch"};
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_FALSE(plan.ok()) << "sbtest has tables; none match, so nothing is backed up";
}

TEST(BackupPlanTest, DatabaseScopeIsCaseInsensitiveAndUnknownDbIsNamed) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.kind = BackupKind::kDatabase;
  scope.db = "other";
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->tables, 1u);
  EXPECT_EQ(plan->ranges.size(), 2u);

  scope.db = "nope";
  plan = PlanTableBackup(&c, scope);
  ASSERT_FALSE(plan.ok());
  EXPECT_TRUE(plan.status().IsNotFound());
  EXPECT_NE(plan.status().message().find("unknown database 'nope'"), std::string::npos);
}

TEST(BackupPlanTest, EmptyDatabaseCanBeBackedUpAlone) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.kind = BackupKind::kDatabase;
  scope.db = "empty";
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->tables, 0u);
  EXPECT_EQ(plan->databases, 1u);
  EXPECT_TRUE(plan->ranges.empty());
}

TEST(BackupPlanTest, TableScopeAndUnknownTable) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.kind = BackupKind::kTable;
  scope.db = "SBTEST";
  scope.table = "SBTEST1";
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->schemas.size(), 1u);
  EXPECT_EQ(plan->schemas[0].table->id, 10);

  scope.table = "sbtest9";
  plan = PlanTableBackup(&c, scope);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("unknown table 'SBTEST.sbtest9'"), std::string::npos)
      << plan.status().message();

  scope.db = "nodb";
  plan = PlanTableBackup(&c, scope);
  ASSERT_FALSE(plan.ok());
  EXPECT_NE(plan.status().message().find("unknown database 'nodb'"), std::string::npos);
}

TEST(BackupPlanTest, CaseSensitiveMatching) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.kind = BackupKind::kDatabase;
  scope.db = "other";
  scope.case_sensitive = true;
  EXPECT_FALSE(PlanTableBackup(&c, scope).ok());
  scope.db = "Other";
  EXPECT_TRUE(PlanTableBackup(&c, scope).ok());
}

TEST(BackupPlanTest, FiltersNarrowADatabaseScope) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.kind = BackupKind::kDatabase;
  scope.db = "sbtest";
  scope.filters = {"*.sbtest2"};
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->tables, 1u);
  EXPECT_EQ(plan->schemas[0].table->name.O, "sbtest2");
}

TEST(BackupPlanTest, MalformedFilterIsInvalidArgument) {
  FakeCatalog c = SampleCatalog();
  BackupScope scope;
  scope.filters = {"no-dot-here"};
  auto plan = PlanTableBackup(&c, scope);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Status::Code::kInvalidArgument);
}

TEST(BackupPlanTest, RawPlanIsTheUserRange) {
  auto plan = PlanRawBackup("a", "z");
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->ranges.size(), 1u);
  EXPECT_EQ(plan->ranges[0], (KeyRange{"a", "z"}));
  EXPECT_TRUE(PlanRawBackup("a", "").ok());
  EXPECT_FALSE(PlanRawBackup("z", "a").ok());
  EXPECT_FALSE(PlanRawBackup("a", "a").ok());
}

TEST(BackupPlanTest, IncrementalDdlsRecordCreatedChangedAndDroppedObjects) {
  FakeCatalog before = SampleCatalog();
  // After: sbtest1 altered, sbtest3 created, Other.t dropped, newdb created.
  FakeCatalog after2;
  after2.AddDb(2, "sbtest");
  after2.AddTable(2, 10, "sbtest1").comment = "changed";
  auto& t2 = after2.AddTable(2, 11, "sbtest2", 2);
  t2.indices[1].state = 3;
  after2.AddTable(2, 12, "sbtest3");
  after2.AddDb(3, "Other");
  after2.AddDb(4, "empty");
  after2.AddDb(5, "newdb");

  BackupScope scope;
  auto plan = PlanTableBackup(&after2, scope);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  auto ddls = BuildIncrementalDdls(&before, *plan, 999);
  ASSERT_TRUE(ddls.ok()) << ddls.status().ToString();
  std::vector<std::string> changes;
  for (const std::string& d : *ddls) {
    auto j = catalog::Json::parse(d);
    changes.push_back(j["brkv_change"].get<std::string>() + ":" +
                      j["schema_name"].get<std::string>() + "." +
                      j["table_name"].get<std::string>());
    EXPECT_EQ(j["binlog"]["FinishedTS"].get<uint64_t>(), 999u);
    if (j["brkv_change"] == "create-table") {
      EXPECT_EQ(j["type"].get<int>(), 3);
      EXPECT_EQ(j["binlog"]["TableInfo"]["id"].get<int64_t>(), 12);
    }
  }
  // Databases first (Other still exists: it lost its table but was not dropped), then tables
  // by id.
  std::vector<std::string> want = {"create-database:newdb.", "alter-table:sbtest.sbtest1",
                                   "create-table:sbtest.sbtest3", "drop-table:Other.t"};
  std::sort(want.begin() + 1, want.end());
  std::vector<std::string> got = changes;
  ASSERT_EQ(got.size(), 4u) << ::testing::PrintToString(got);
  EXPECT_EQ(got[0], "create-database:newdb.");
  std::sort(got.begin() + 1, got.end());
  EXPECT_EQ(got, want);
}

TEST(BackupPlanTest, IncrementalDdlsAreEmptyWhenNothingChanged) {
  FakeCatalog before = SampleCatalog();
  FakeCatalog after = SampleCatalog();
  auto plan = PlanTableBackup(&after, BackupScope{});
  ASSERT_TRUE(plan.ok());
  auto ddls = BuildIncrementalDdls(&before, *plan, 5);
  ASSERT_TRUE(ddls.ok());
  EXPECT_TRUE(ddls->empty()) << ::testing::PrintToString(*ddls);
}

}  // namespace
}  // namespace brkv::br
