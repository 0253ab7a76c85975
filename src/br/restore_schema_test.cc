// Restoring the catalog on the client's in-memory fake cluster: the table-exists check, new
// ids in batches, reused databases, empty databases and tables, incremental restores into
// existing tables, the auto-id rebase, and the restored-table checksum with rewrite rules.
#include "br/restore_schema.h"

#include <gtest/gtest.h>

#include "br/restore_checksum.h"
#include "catalog/column_spec.h"
#include "catalog/tablecodec.h"
#include "client/fake_tikv.h"
#include "kv/keys.h"
#include "table/auto_id.h"
#include "table/ddl.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"

namespace brkv::br {
namespace {

constexpr char kSpec[] = "id bigint primary key, k int, c varchar(20), index k_1(k)";

BackupTable MakeBackupTable(const std::string& db, int64_t db_id, const std::string& name,
                            int64_t id) {
  BackupTable t;
  t.db = catalog::MakeDBInfo(db_id, db);
  auto info = catalog::ParseColumnSpec(name, kSpec, [id] { return Result<int64_t>(id); });
  EXPECT_TRUE(info.ok()) << info.status().ToString();
  t.table = *info;
  return t;
}

RestoreSchemas TwoTables() {
  RestoreSchemas s;
  s.databases.push_back(catalog::MakeDBInfo(2, "sb"));
  s.databases.push_back(catalog::MakeDBInfo(9, "empty_db"));
  s.tables.push_back(MakeBackupTable("sb", 2, "t1", 110));
  s.tables.push_back(MakeBackupTable("sb", 2, "t2", 112));
  return s;
}

std::vector<catalog::TableInfo> TablesOf(client::Cluster* c, const std::string& db) {
  auto ts = c->GetTS();
  table::SnapshotReader kv(c->GetSnapshot(*ts));
  table::MetaReader meta(&kv);
  auto d = meta.FindDatabase(db);
  if (!d.ok()) return {};
  return *meta.ListTables(d->id);
}

TEST(RestoreSchemaTest, TablesAbsentCheck) {
  const RestoreSchemas s = TwoTables();
  TargetCatalog target;
  EXPECT_TRUE(CheckTablesAbsent(s, target, false).ok());
  target.tables.insert({"sb", "t2"});
  target.tables.insert({"other", "t1"});
  Status st = CheckTablesAbsent(s, target, false);
  EXPECT_EQ(st.code(), Status::Code::kAlreadyExists);
  EXPECT_NE(st.message().find("table already exists: sb.t2"), std::string::npos);
  target.tables.insert({"sb", "t1"});
  st = CheckTablesAbsent(s, target, false);
  EXPECT_NE(st.message().find("table already exists: sb.t1 (and 1 more)"), std::string::npos);
  // Names compare case-insensitively.
  TargetCatalog upper;
  upper.tables.insert({"sb", "t1"});
  RestoreSchemas mixed;
  mixed.tables.push_back(MakeBackupTable("SB", 2, "T1", 110));
  EXPECT_FALSE(CheckTablesAbsent(mixed, upper, false).ok());
  // An incremental restore writes into existing tables.
  EXPECT_TRUE(CheckTablesAbsent(s, target, true).ok());
}

TEST(RestoreSchemaTest, NewTableInfoKeepsTheDefinitionUnderTheNewId) {
  const BackupTable b = MakeBackupTable("sb", 2, "t1", 110);
  catalog::TableInfo t = NewTableInfo(b.table, 777, 42);
  EXPECT_EQ(t.id, 777);
  EXPECT_EQ(t.update_timestamp, 42u);
  EXPECT_EQ(t.name.O, "t1");
  ASSERT_EQ(t.indices.size(), 1u);
  EXPECT_EQ(t.indices[0].id, b.table.indices[0].id);
  EXPECT_EQ(t.columns.size(), b.table.columns.size());
  EXPECT_TRUE(t.pk_is_handle);
}

TEST(RestoreSchemaTest, AutoIdRebaseTarget) {
  EXPECT_EQ(AutoIdRebaseTarget(0, 0), 0);
  EXPECT_EQ(AutoIdRebaseTarget(5000, 10), 5000);
  EXPECT_EQ(AutoIdRebaseTarget(0, 10000), 10000);
  EXPECT_EQ(AutoIdRebaseTarget(-3, -7), 0);
}

TEST(RestoreSchemaTest, CreatesDatabasesAndTablesWithNewIdsInBatches) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  // The target already has a database "sb" with another table, and used ids.
  ASSERT_TRUE(table::CreateDatabase(cluster.get(), "sb").ok());
  ASSERT_TRUE(table::CreateTable(cluster.get(), "sb", "other", "id bigint primary key").ok());

  CreateSchemasOptions o;
  o.batch_size = 1;
  auto r = CreateSchemas(cluster.get(), TwoTables(), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->databases_created, 1u);  // empty_db; sb is reused
  EXPECT_EQ(r->tables_created, 2u);
  ASSERT_EQ(r->tables.size(), 2u);
  std::set<int64_t> ids;
  for (const RestoredTable& t : r->tables) {
    EXPECT_FALSE(t.existed);
    EXPECT_NE(t.target.id, t.source.table.id);
    EXPECT_EQ(t.target.name.O, t.source.table.name.O);
    EXPECT_EQ(t.target_db.name.O, "sb");
    ids.insert(t.target.id);
  }
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(TablesOf(cluster.get(), "sb").size(), 3u);
  EXPECT_TRUE(TablesOf(cluster.get(), "empty_db").empty());
  auto ts = cluster->GetTS();
  table::SnapshotReader kv(cluster->GetSnapshot(*ts));
  table::MetaReader meta(&kv);
  EXPECT_TRUE(meta.FindDatabase("empty_db").ok());

  // Again: every table exists now.
  auto again = CreateSchemas(cluster.get(), TwoTables(), o);
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists);
  EXPECT_NE(again.status().message().find("table already exists: sb.t1"), std::string::npos);
  auto target = ReadTargetCatalog(cluster.get());
  ASSERT_TRUE(target.ok());
  EXPECT_FALSE(CheckTablesAbsent(TwoTables(), *target, false).ok());
}

TEST(RestoreSchemaTest, IncrementalRestoreReusesExistingTablesAndTakesNewDefinitions) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  auto first = CreateSchemas(cluster.get(), TwoTables());
  ASSERT_TRUE(first.ok());

  RestoreSchemas inc = TwoTables();
  // t2 gained an index after the full backup; t3 is new.
  catalog::IndexInfo extra = inc.tables[1].table.indices[0];
  extra.id = 2;
  extra.name = catalog::CIStr::From("c_2");
  inc.tables[1].table.indices.push_back(extra);
  inc.tables.push_back(MakeBackupTable("sb", 2, "t3", 120));
  CreateSchemasOptions o;
  o.incremental = true;
  auto r = CreateSchemas(cluster.get(), inc, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->tables.size(), 3u);
  EXPECT_TRUE(r->tables[0].existed);
  EXPECT_EQ(r->tables[0].target.id, first->tables[0].target.id);
  EXPECT_TRUE(r->tables[1].existed);
  EXPECT_EQ(r->tables[1].target.id, first->tables[1].target.id);
  EXPECT_EQ(r->tables[1].target.indices.size(), 2u);
  EXPECT_FALSE(r->tables[2].existed);
  EXPECT_EQ(r->tables_created, 1u);
  for (const auto& t : TablesOf(cluster.get(), "sb")) {
    if (t.name.O == "t2") {
      EXPECT_EQ(t.indices.size(), 2u);
    }
  }
}

TEST(RestoreSchemaTest, MaxHandleAndRebase) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  auto r = CreateSchemas(cluster.get(), TwoTables());
  ASSERT_TRUE(r.ok());
  const RestoredTable& t = r->tables[0];
  const int64_t id = t.target.id;
  // Rows spread over several regions; the largest handle sits before an empty last region.
  fake.Split({keys::TxnRegionKey(catalog::RecordKey(id, 50)),
              keys::TxnRegionKey(catalog::RecordKey(id, 5000)),
              keys::TxnRegionKey(catalog::TablePrefix(id + 1))});
  for (int64_t h : {1, 7, 49, 60, 777, 4999}) {
    fake.PutCommitted(catalog::RecordKey(id, h), "v", 10, 11);
  }
  fake.PutCommitted(catalog::IndexPrefix(id, 1) + "zzz", "0", 10, 11);  // not a row
  auto ts = cluster->GetTS();
  auto max = MaxHandle(cluster.get(), id, *ts);
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(*max, 4999);
  auto none = MaxHandle(cluster.get(), r->tables[1].target.id, *ts);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);

  auto base = RebaseAutoId(cluster.get(), t, *ts);
  ASSERT_TRUE(base.ok()) << base.status().ToString();
  EXPECT_EQ(*base, 4999);
  table::AutoIDAllocator alloc(cluster.get(), t.target_db.id, id);
  auto next = alloc.Alloc(1);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 5000);
}

TEST(RestoreSchemaTest, MaxHandleOfALargeTableWithoutReadingEveryRow) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  auto r = CreateSchemas(cluster.get(), TwoTables());
  ASSERT_TRUE(r.ok());
  const int64_t id = r->tables[0].target.id;
  const int64_t other = r->tables[1].target.id;
  fake.Split({keys::TxnRegionKey(catalog::RecordKey(id, 100)),
              keys::TxnRegionKey(catalog::RecordKey(id, int64_t{1} << 35))});
  // More rows than one scan reads, negative handles included, and a far outlier.
  for (int64_t h = -300; h < 400; ++h) fake.PutCommitted(catalog::RecordKey(id, h), "v", 10, 11);
  fake.PutCommitted(catalog::RecordKey(id, (int64_t{1} << 40) + 3), "v", 10, 11);
  // Only negative handles, more than one scan reads.
  for (int64_t h = -1000; h < -500; ++h) {
    fake.PutCommitted(catalog::RecordKey(other, h), "v", 10, 11);
  }
  auto ts = cluster->GetTS();
  auto max = MaxHandle(cluster.get(), id, *ts);
  ASSERT_TRUE(max.ok()) << max.status().ToString();
  EXPECT_EQ(*max, (int64_t{1} << 40) + 3);
  auto neg = MaxHandle(cluster.get(), other, *ts);
  ASSERT_TRUE(neg.ok()) << neg.status().ToString();
  EXPECT_EQ(*neg, -501);
  // A row at the largest handle there is.
  fake.PutCommitted(catalog::RecordKey(id, INT64_MAX), "v", 12, 13);
  auto top = MaxHandle(cluster.get(), id, *cluster->GetTS());
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(*top, INT64_MAX);

  // The batched rebase: both allocators in one call; a negative maximum leaves the base alone.
  RebaseAutoIdsOptions o;
  o.batch_size = 1;
  std::vector<int64_t> seen;
  o.on_rebased = [&](const RestoredTable&, int64_t base) { seen.push_back(base); };
  ASSERT_TRUE(RebaseAutoIds(cluster.get(), r->tables, *cluster->GetTS(), o).ok());
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], INT64_MAX);
  EXPECT_EQ(seen[1], 0);
  EXPECT_EQ(*table::AutoIDAllocator(cluster.get(), r->tables[0].target_db.id, id).Base(),
            INT64_MAX);
  EXPECT_EQ(*table::AutoIDAllocator(cluster.get(), r->tables[1].target_db.id, other).Base(), 0);
}

TEST(RestoreSchemaTest, RestoredChecksumEqualsTheBackupsWithRewriteRules) {
  client::testing::FakeTikv fake(1);
  auto cluster = fake.NewCluster();
  auto r = CreateSchemas(cluster.get(), TwoTables());
  ASSERT_TRUE(r.ok());
  const RestoredTable& t = r->tables[0];
  const int64_t old_id = t.source.table.id;
  const int64_t new_id = t.target.id;
  const int64_t idx = t.target.indices[0].id;
  // What the backup recorded for rows under the old id ...
  BackupTable source = t.source;
  for (int64_t h = 1; h <= 20; ++h) {
    const std::string v = "row" + std::to_string(h);
    source.checksum.Update(catalog::RecordKey(old_id, h), v);
    source.checksum.Update(catalog::IndexPrefix(old_id, idx) + std::to_string(h), "0");
    // ... and the same rows restored under the new id.
    fake.PutCommitted(catalog::RecordKey(new_id, h), v, 10, 11);
    fake.PutCommitted(catalog::IndexPrefix(new_id, idx) + std::to_string(h), "0", 10, 11);
  }
  auto rw = BuildTableRewrite(t.source.table, t.target);
  ASSERT_TRUE(rw.ok());
  auto ts = cluster->GetTS();
  auto got = RestoredTableChecksum(cluster.get(), *rw, t.target, *ts);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->total_kvs, 40u);
  EXPECT_TRUE(CompareTableChecksum(source, *got, *ts).ok());
  // One row more than the backup: a mismatch naming the table.
  fake.PutCommitted(catalog::RecordKey(new_id, 99), "extra", 12, 13);
  auto ts2 = cluster->GetTS();
  auto more = RestoredTableChecksum(cluster.get(), *rw, t.target, *ts2);
  ASSERT_TRUE(more.ok());
  Status st = CompareTableChecksum(source, *more, *ts2);
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_NE(st.message().find("ChecksumMismatch"), std::string::npos);
  EXPECT_NE(st.message().find("sb.t1"), std::string::npos);
}

}  // namespace
}  // namespace brkv::br
