// Catalog store and DDL on the client's in-memory fake cluster (client/fake_tikv.h).
#include "table/ddl.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "catalog/meta_keys.h"
#include "client/fake_tikv.h"
#include "table/auto_id.h"
#include "table/kv_reader.h"
#include "table/meta_mutator.h"
#include "table/meta_reader.h"
#include "table/txn_retry.h"

namespace brkv::table {
namespace {

namespace meta = catalog::meta;

class DdlTest : public ::testing::Test {
 protected:
  DdlTest() : cluster_(fake_.NewCluster()) {}

  // A reader at a fresh ts (kept alive with the reader).
  MetaReader* Meta(uint64_t ts = 0) {
    if (ts == 0) ts = *cluster_->GetTS();
    kv_ = std::make_unique<SnapshotReader>(cluster_->GetSnapshot(ts));
    meta_ = std::make_unique<MetaReader>(kv_.get());
    return meta_.get();
  }

  client::testing::FakeTikv fake_;
  std::unique_ptr<client::Cluster> cluster_;
  std::unique_ptr<SnapshotReader> kv_;
  std::unique_ptr<MetaReader> meta_;
};

TEST_F(DdlTest, FreshClusterHasAnEmptyCatalog) {
  EXPECT_EQ(*Meta()->SchemaVersion(), 0);
  EXPECT_EQ(*Meta()->NextGlobalID(), 0);
  EXPECT_TRUE(Meta()->ListDatabases()->empty());
  EXPECT_EQ(Meta()->FindDatabase("x").status().code(), Status::Code::kNotFound);
}

TEST_F(DdlTest, CreateWritesTiDBMetaKeysAndBumpsTheSchemaVersion) {
  auto db = CreateDatabase(cluster_.get(), "Shop");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  EXPECT_EQ(db->id, 1);
  EXPECT_EQ(db->name.L, "shop");
  EXPECT_EQ(*Meta()->SchemaVersion(), 1);

  auto t = CreateTable(cluster_.get(), "shop", "Items",
                       "id bigint primary key, k int, c varchar(120), index k(k)");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->id, 2);
  EXPECT_TRUE(t->pk_is_handle);
  EXPECT_GT(t->update_timestamp, 0u);
  EXPECT_EQ(*Meta()->SchemaVersion(), 2);
  EXPECT_EQ(*Meta()->NextGlobalID(), 2);

  // The raw meta keys hold TiDB's JSON and decimal ASCII.
  client::Snapshot snap = cluster_->GetSnapshot(*cluster_->GetTS());
  EXPECT_EQ(*snap.Get(meta::NextGlobalIDKey()), "2");
  EXPECT_EQ(*snap.Get(meta::SchemaVersionKey()), "2");
  auto dbjson = catalog::ParseDBInfo(*snap.Get(meta::DatabaseKey(1)));
  ASSERT_TRUE(dbjson.ok());
  EXPECT_EQ(dbjson->name.O, "Shop");
  auto tjson = catalog::ParseTableInfo(*snap.Get(meta::TableKey(1, 2)));
  ASSERT_TRUE(tjson.ok());
  EXPECT_EQ(tjson->name.O, "Items");
  EXPECT_EQ(tjson->indices.size(), 1u);

  // Lookups are case-insensitive.
  MetaReader* m = Meta();
  auto found = m->FindTable(*m->FindDatabase("SHOP"), "items");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, 2);
}

TEST_F(DdlTest, DuplicatesAndBadSpecsWriteNothing) {
  ASSERT_TRUE(CreateDatabase(cluster_.get(), "d").ok());
  ASSERT_TRUE(CreateTable(cluster_.get(), "d", "t", "a int").ok());
  const int64_t version = *Meta()->SchemaVersion();
  const int64_t next = *Meta()->NextGlobalID();

  EXPECT_EQ(CreateDatabase(cluster_.get(), "D").status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(CreateTable(cluster_.get(), "d", "T", "b int").status().code(),
            Status::Code::kAlreadyExists);
  EXPECT_EQ(CreateTable(cluster_.get(), "nodb", "t", "b int").status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(CreateTable(cluster_.get(), "d", "u", "b decimal").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(CreateTable(cluster_.get(), "d", "bad-name", "b int").status().code(),
            Status::Code::kInvalidArgument);
  // A batch with one existing name creates none of its tables.
  auto batch = CreateTables(cluster_.get(), "d", {{"x", "a int"}, {"t", "a int"}});
  EXPECT_EQ(batch.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(CreateTables(cluster_.get(), "d", {{"x", "a int"}, {"X", "a int"}}).status().code(),
            Status::Code::kAlreadyExists);

  EXPECT_EQ(*Meta()->SchemaVersion(), version);
  EXPECT_EQ(*Meta()->NextGlobalID(), next);
  EXPECT_EQ(Meta()->ListTables(1)->size(), 1u);
  // if_not_exists returns the existing database without a change.
  auto again = CreateDatabase(cluster_.get(), "d", true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->id, 1);
  EXPECT_EQ(*Meta()->SchemaVersion(), version);
}

TEST_F(DdlTest, ConcurrentCreatesOfOneNameHaveOneWinner) {
  ASSERT_TRUE(CreateDatabase(cluster_.get(), "d").ok());
  std::atomic<int> won{0}, exists{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto t = CreateTable(cluster_.get(), "d", "t", "a int");
      if (t.ok()) {
        ++won;
      } else if (t.status().code() == Status::Code::kAlreadyExists) {
        ++exists;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(exists.load(), 3);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(Meta()->ListTables(1)->size(), 1u);
}

TEST_F(DdlTest, CatalogReadsAtAnOlderTsSeeTheOlderCatalog) {
  ASSERT_TRUE(CreateDatabase(cluster_.get(), "d").ok());
  ASSERT_TRUE(CreateTable(cluster_.get(), "d", "t", "a int").ok());
  const uint64_t before_drop = *cluster_->GetTS();
  ASSERT_TRUE(DropTable(cluster_.get(), "d", "t").ok());
  MetaReader* now = Meta();
  EXPECT_EQ(now->FindTable(*now->FindDatabase("d"), "t").status().code(), Status::Code::kNotFound);
  MetaReader* old = Meta(before_drop);
  auto t = old->FindTable(*old->FindDatabase("d"), "t");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->name.O, "t");
}

TEST_F(DdlTest, DropRemovesEntriesAutoIdsAndData) {
  ASSERT_TRUE(CreateDatabase(cluster_.get(), "d").ok());
  auto t = CreateTable(cluster_.get(), "d", "t", "id bigint primary key, v int, index v(v)");
  ASSERT_TRUE(t.ok());
  auto u = CreateTable(cluster_.get(), "d", "u", "a int");
  ASSERT_TRUE(u.ok());
  AutoIDAllocator alloc(cluster_.get(), 1, t->id);
  ASSERT_TRUE(alloc.Alloc(10).ok());
  ASSERT_TRUE(RunInTxn(cluster_.get(), [&](client::Txn* txn) -> Status {
                for (int i = 0; i < 5; ++i) {
                  RETURN_IF_ERROR(txn->Set(catalog::RecordKey(t->id, i), "row"));
                  RETURN_IF_ERROR(txn->Set(catalog::IndexPrefix(t->id, 1) + char('a' + i), "0"));
                }
                return txn->Set(catalog::RecordKey(u->id, 1), "other");
              }).ok());

  const int64_t version = *Meta()->SchemaVersion();
  auto dropped = DropTable(cluster_.get(), "d", "t");
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(dropped->table.id, t->id);
  EXPECT_EQ(*Meta()->SchemaVersion(), version + 1);
  EXPECT_EQ(*Meta()->AutoTableID(1, t->id), 0);
  client::Snapshot snap = cluster_->GetSnapshot(*cluster_->GetTS());
  const auto whole = catalog::WholeTableRange(t->id);
  EXPECT_TRUE(snap.Scan(whole.start, whole.end)->empty());
  EXPECT_TRUE(snap.Get(catalog::RecordKey(u->id, 1)).ok()) << "other tables keep their rows";

  auto gone = DropDatabase(cluster_.get(), "d");
  ASSERT_TRUE(gone.ok());
  ASSERT_EQ(gone->size(), 1u);
  EXPECT_EQ((*gone)[0].table.name.O, "u");
  EXPECT_TRUE(Meta()->ListDatabases()->empty());
  const auto db_hash = meta::DatabaseHashRange(1);
  snap = cluster_->GetSnapshot(*cluster_->GetTS());
  EXPECT_TRUE(snap.Scan(db_hash.start, db_hash.end)->empty());
  EXPECT_FALSE(snap.Get(catalog::RecordKey(u->id, 1)).ok());
  EXPECT_EQ(DropTable(cluster_.get(), "d", "u").status().code(), Status::Code::kNotFound);
}

TEST_F(DdlTest, AutoIdsAreConsecutiveRebaseOnlyRaisesAndTheMaximumHolds) {
  AutoIDAllocator a(cluster_.get(), 1, 50);
  EXPECT_EQ(*a.Base(), 0);
  EXPECT_EQ(*a.Alloc(3), 1);
  EXPECT_EQ(*a.Alloc(2), 4);
  ASSERT_TRUE(a.Rebase(100).ok());
  ASSERT_TRUE(a.Rebase(20).ok());
  EXPECT_EQ(*a.Base(), 100);
  EXPECT_EQ(*a.Alloc(1), 101);
  EXPECT_EQ(a.Alloc(5, 103).status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(*a.Base(), 101);
}

TEST_F(DdlTest, RebaseAutoIDsRaisesManyTablesInOneTxnAndNeverLowers) {
  AutoIDAllocator a(cluster_.get(), 1, 60), b(cluster_.get(), 1, 61), c(cluster_.get(), 2, 62);
  ASSERT_TRUE(a.Rebase(500).ok());
  ASSERT_TRUE(RebaseAutoIDs(cluster_.get(), {{1, 60, 100}, {1, 61, 7}, {2, 62, 0}}).ok());
  EXPECT_EQ(*a.Base(), 500) << "a rebase never lowers the base";
  EXPECT_EQ(*b.Base(), 7);
  EXPECT_EQ(*c.Base(), 0);
  EXPECT_EQ(*b.Alloc(1), 8);
  EXPECT_TRUE(RebaseAutoIDs(cluster_.get(), {}).ok());
}

TEST_F(DdlTest, GlobalIdsComeFromNextGlobalIDInOneTxn) {
  Result<uint64_t> r = RunInTxn(cluster_.get(), [&](client::Txn* txn) -> Status {
    MetaMutator m(txn);
    EXPECT_EQ(*m.GenGlobalIDs(5), 1);
    EXPECT_EQ(*m.GenGlobalIDs(1), 6);
    EXPECT_EQ(m.GenGlobalIDs(0).status().code(), Status::Code::kInvalidArgument);
    return Status::OK();
  });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*Meta()->NextGlobalID(), 6);
}

}  // namespace
}  // namespace brkv::table
