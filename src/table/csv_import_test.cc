// CSV import, table reads and node-side checksums on the client's in-memory fake cluster.
#include "table/csv_import.h"

#include <gtest/gtest.h>

#include "client/fake_tikv.h"
#include "table/ddl.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/table_checksum.h"
#include "table/table_reader.h"

namespace brkv::table {
namespace {

class CsvImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = fake_.NewCluster();
    auto db = CreateDatabase(cluster_.get(), "d");
    ASSERT_TRUE(db.ok());
    db_ = *db;
  }

  catalog::TableInfo Create(const std::string& name, const std::string& spec) {
    auto t = CreateTable(cluster_.get(), "d", name, spec);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : catalog::TableInfo{};
  }

  std::string Dump(const catalog::TableInfo& t) {
    std::string out;
    Status s =
        TableReader(cluster_.get(), t, *cluster_->GetTS()).DumpCsv([&](std::string_view chunk) {
          out.append(chunk);
          return Status::OK();
        });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  uint64_t Count(const catalog::TableInfo& t) {
    return *TableReader(cluster_.get(), t, *cluster_->GetTS()).CountRows();
  }
  Checksum Sum(const catalog::TableInfo& t) {
    return *ChecksumTable(cluster_.get(), t, *cluster_->GetTS());
  }
  int64_t AutoBase(const catalog::TableInfo& t) {
    SnapshotReader kv(cluster_->GetSnapshot(*cluster_->GetTS()));
    return *MetaReader(&kv).AutoTableID(db_.id, t.id);
  }

  client::testing::FakeTikv fake_;
  std::unique_ptr<client::Cluster> cluster_;
  catalog::DBInfo db_;
};

TEST_F(CsvImportTest, RowsRoundTripInHandleOrderAcrossBatches) {
  auto t = Create("t", "id bigint primary key, k int, s varchar(20), d double, index k(k)");
  const std::string csv = "3,30,c,0.5\n1,10,\"a,1\",-2\n2,\\N,\\N,1e+300\n4,40,,0\n";
  auto st = ImportCsv(cluster_.get(), db_, t, csv, {.batch_rows = 3});
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->rows, 4u);
  EXPECT_EQ(st->batches, 2u);
  EXPECT_EQ(Dump(t), "1,10,\"a,1\",-2\n2,\\N,\\N,1e+300\n3,30,c,0.5\n4,40,,0\n");
  EXPECT_EQ(Count(t), 4u);
  Checksum c = Sum(t);
  EXPECT_EQ(c.total_kvs, 8u);  // 4 rows + 4 index entries (NULL included)

  // The dump reads back into another table with the same layout and checksum (as rewritten).
  auto u = Create("u", "id bigint primary key, k int, s varchar(20), d double, index k(k)");
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, u, Dump(t)).ok());
  EXPECT_EQ(Dump(u), Dump(t));
  const uint64_t ts = *cluster_->GetTS();
  EXPECT_EQ(*ChecksumTableAs(cluster_.get(), t, u.id, ts), *ChecksumTable(cluster_.get(), t, ts));
}

TEST_F(CsvImportTest, BadInputNamesTheLineAndWritesNothing) {
  auto t = Create("t", "id bigint primary key, k int not null, u varchar(5), unique index u(u)");
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, t, "1,1,a\n").ok());
  const Checksum before = Sum(t);
  struct Case {
    std::string csv;
    Status::Code code;
    std::vector<std::string> needles;
  };
  const std::vector<Case> cases = {
      {"2,2,b\n3,3\n", Status::Code::kInvalidArgument, {"line 2", "expected 3 fields"}},
      {"2,2,b\n3,3,\"c\n", Status::Code::kInvalidArgument, {"line 2", "not closed"}},
      {"2,2,b\n3,2147483648,c\n", Status::Code::kInvalidArgument, {"line 2", "column 'k'"}},
      {"2,\\N,b\n", Status::Code::kInvalidArgument, {"line 1", "column 'k'", "NULL"}},
      {"2,2,toolong\n", Status::Code::kInvalidArgument, {"line 1", "column 'u'"}},
      {"2,2,b\n2,3,c\n", Status::Code::kAlreadyExists, {"line 2", "'2'", "t.PRIMARY"}},
      {"2,2,b\n3,3,b\n", Status::Code::kAlreadyExists, {"line 2", "'b'", "t.u"}},
      {"2,2,b\n1,3,c\n", Status::Code::kAlreadyExists, {"line 2", "'1'", "PRIMARY"}},
      {"2,2,a\n", Status::Code::kAlreadyExists, {"line 1", "'a'", "t.u"}},
  };
  for (const Case& c : cases) {
    auto r = ImportCsv(cluster_.get(), db_, t, c.csv, {.batch_rows = 1});
    ASSERT_FALSE(r.ok()) << c.csv;
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    for (const auto& n : c.needles) {
      EXPECT_NE(r.status().message().find(n), std::string::npos) << r.status().ToString();
    }
  }
  EXPECT_EQ(Sum(t), before);
  EXPECT_EQ(Count(t), 1u);
  // NULLs in a unique index do not collide.
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, t, "5,5,\\N\n6,6,\\N\n").ok());
  EXPECT_EQ(Count(t), 3u);
}

TEST_F(CsvImportTest, AutoIncrementAndImplicitRowIdsComeFromTheAllocator) {
  auto t = Create("t", "id int primary key auto_increment, v varchar(5)");
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, t, "\\N,a\n7,b\n0,c\n").ok());
  EXPECT_EQ(Dump(t), "7,b\n8,a\n9,c\n");
  EXPECT_EQ(AutoBase(t), 9);
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, t, "\\N,d\n").ok());
  EXPECT_EQ(Dump(t), "7,b\n8,a\n9,c\n10,d\n");

  auto n = Create("n", "a varchar(5), b int, index b(b)");
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, n, "x,1\nx,1\n").ok());
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, n, "y,\\N\n").ok());
  EXPECT_EQ(Dump(n), "x,1\nx,1\ny,\\N\n");
  EXPECT_EQ(AutoBase(n), 3);
  EXPECT_EQ(Sum(n).total_kvs, 6u);

  // The column's range bounds the allocator.
  auto s = Create("s", "id int primary key auto_increment, v int");
  ASSERT_TRUE(ImportCsv(cluster_.get(), db_, s, "2147483646,1\n").ok());
  auto full = ImportCsv(cluster_.get(), db_, s, "\\N,2\n\\N,3\n");
  EXPECT_EQ(full.status().code(), Status::Code::kInvalidArgument) << full.status().ToString();
  EXPECT_EQ(Count(s), 1u);
}

TEST_F(CsvImportTest, EmptyInputWritesNothing) {
  auto t = Create("t", "a int");
  auto st = ImportCsv(cluster_.get(), db_, t, "");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->rows, 0u);
  EXPECT_EQ(AutoBase(t), 0);
}

}  // namespace
}  // namespace brkv::table
