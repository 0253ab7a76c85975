// Sysbench loading and churn on the client's in-memory fake cluster (no PD: split, no scatter).
#include <gtest/gtest.h>

#include "client/fake_tikv.h"
#include "table/churn.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/sysbench_loader.h"
#include "table/table_checksum.h"
#include "table/table_reader.h"

namespace brkv::table {
namespace {

std::vector<Checksum> Sums(client::Cluster* c, const std::string& db) {
  const uint64_t ts = *c->GetTS();
  SnapshotReader kv(c->GetSnapshot(ts));
  MetaReader meta(&kv);
  std::vector<Checksum> out;
  auto tables = meta.ListTables(meta.FindDatabase(db)->id);
  for (const auto& t : *tables) {
    out.push_back(*ChecksumTable(c, t, ts));
  }
  return out;
}

SysbenchOptions Small(uint64_t seed) {
  SysbenchOptions o;
  o.db = "sb";
  o.tables = 2;
  o.rows = 300;
  o.threads = 3;
  o.seed = seed;
  o.batch_rows = 50;
  o.rows_per_region = 100;
  return o;
}

TEST(WorkloadTest, SysbenchLoadIsDeterministicPerSeed) {
  client::testing::FakeTikv f1, f2, f3;
  auto c1 = f1.NewCluster(), c2 = f2.NewCluster(), c3 = f3.NewCluster();
  auto r1 = LoadSysbench(c1.get(), Small(5));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->rows, 600u);
  ASSERT_TRUE(LoadSysbench(c2.get(), Small(5)).ok());
  ASSERT_TRUE(LoadSysbench(c3.get(), Small(6)).ok());
  auto s1 = Sums(c1.get(), "sb");
  ASSERT_EQ(s1.size(), 2u);
  EXPECT_EQ(s1[0].total_kvs, 600u);
  EXPECT_EQ(s1, Sums(c2.get(), "sb"));
  EXPECT_NE(s1, Sums(c3.get(), "sb"));

  // Loading again refuses (the tables exist) and changes nothing.
  auto again = LoadSysbench(c1.get(), Small(5));
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists) << again.status().ToString();
  EXPECT_EQ(Sums(c1.get(), "sb"), s1);
}

TEST(WorkloadTest, ChurnChangesDataAndKeepsIndexesConsistent) {
  client::testing::FakeTikv f;
  auto c = f.NewCluster();
  ASSERT_TRUE(LoadSysbench(c.get(), Small(1)).ok());
  const auto before = Sums(c.get(), "sb");
  auto r = RunChurn(c.get(), {.db = "sb", .ops = 120, .seed = 9});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->ops(), 120u);
  EXPECT_GT(r->inserts, 0u);
  EXPECT_GT(r->updates, 0u);
  EXPECT_GT(r->deletes, 0u);
  const auto after = Sums(c.get(), "sb");
  EXPECT_NE(after, before);

  // Every row has exactly one k_1 entry pointing at it, and nothing else is in the index.
  const uint64_t ts = *c->GetTS();
  SnapshotReader kv(c->GetSnapshot(ts));
  MetaReader meta(&kv);
  uint64_t rows_total = 0;
  auto tables = meta.ListTables(meta.FindDatabase("sb")->id);
  ASSERT_TRUE(tables.ok());
  for (const auto& t : *tables) {
    std::set<std::string> expected;
    uint64_t rows = 0;
    ASSERT_TRUE(TableReader(c.get(), t, ts)
                    .ScanRows([&](int64_t handle, std::span<const catalog::Datum> row) {
                      ++rows;
                      expected.insert(catalog::IndexKey(t.id, t.FindIndex("k_1")->id,
                                                        row.subspan(1, 1), false, handle));
                      return true;
                    })
                    .ok());
    std::set<std::string> actual;
    const auto ir = catalog::IndexRange(t.id, t.FindIndex("k_1")->id);
    ASSERT_TRUE(c->GetSnapshot(ts)
                    .ScanEach(ir.start, ir.end,
                              [&](const client::KvPair& kv) {
                                actual.insert(kv.key);
                                return true;
                              })
                    .ok());
    EXPECT_EQ(actual, expected) << t.name.O;
    rows_total += rows;
  }
  EXPECT_EQ(rows_total, 600u + r->inserts - r->deletes);

  // Same seed on the same data: same choices.
  client::testing::FakeTikv g;
  auto c2 = g.NewCluster();
  ASSERT_TRUE(LoadSysbench(c2.get(), Small(1)).ok());
  ASSERT_TRUE(RunChurn(c2.get(), {.db = "sb", .ops = 120, .seed = 9}).ok());
  EXPECT_EQ(Sums(c2.get(), "sb"), after);
}

TEST(WorkloadTest, ChurnNeedsSysbenchTables) {
  client::testing::FakeTikv f;
  auto c = f.NewCluster();
  EXPECT_EQ(RunChurn(c.get(), {.db = "none"}).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace brkv::table
