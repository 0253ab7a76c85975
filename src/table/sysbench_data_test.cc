#include "table/sysbench_data.h"

#include <gtest/gtest.h>

#include "catalog/column_spec.h"
#include "catalog/row.h"

namespace brkv::table {
namespace {

TEST(SysbenchDataTest, RowsHaveSysbenchShape) {
  for (int64_t id : {1, 2, 500, 1000}) {
    auto row = SysbenchRow(7, 3, id, 1000);
    ASSERT_EQ(row.size(), 4u);
    EXPECT_EQ(row[0].int_value(), id);
    EXPECT_GE(row[1].int_value(), 1);
    EXPECT_LE(row[1].int_value(), 1000);
    const std::string& c = row[2].bytes();
    const std::string& pad = row[3].bytes();
    EXPECT_EQ(c.size(), 119u);   // 10 groups of 11 digits
    EXPECT_EQ(pad.size(), 59u);  // 5 groups
    for (size_t i = 0; i < c.size(); ++i) {
      if (i % 12 == 11) {
        EXPECT_EQ(c[i], '-');
      } else {
        EXPECT_TRUE(c[i] >= '0' && c[i] <= '9');
      }
    }
  }
}

TEST(SysbenchDataTest, DeterministicPerCoordinates) {
  EXPECT_EQ(SysbenchRow(1, 1, 42, 100), SysbenchRow(1, 1, 42, 100));
  EXPECT_NE(SysbenchRow(1, 1, 42, 100), SysbenchRow(2, 1, 42, 100));
  EXPECT_NE(SysbenchRow(1, 1, 42, 100), SysbenchRow(1, 2, 42, 100));
  EXPECT_NE(SysbenchRow(1, 1, 42, 100)[2], SysbenchRow(1, 1, 43, 100)[2]);
}

TEST(SysbenchDataTest, SpecParsesAndRowsEncode) {
  auto t =
      catalog::ParseColumnSpec("sbtest1", kSysbenchTableSpec, [] { return Result<int64_t>(100); });
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_TRUE(t->pk_is_handle);
  ASSERT_NE(t->FindIndex("k_1"), nullptr);
  ASSERT_NE(t->PkHandleColumn(), nullptr);
  EXPECT_TRUE(t->PkHandleColumn()->IsAutoIncrement());
  auto row = SysbenchRow(1, 1, 5, 10);
  auto enc = catalog::EncodeRow(*t, row);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  EXPECT_EQ(enc->handle, 5);
  EXPECT_EQ(enc->index_kvs.size(), 1u);
}

TEST(SysbenchDataTest, UniformStaysInRange) {
  SplitMix64 rng(3);
  for (int i = 0; i < 1000; ++i) {
    int64_t v = rng.Uniform(1, 3);
    EXPECT_GE(v, 1);
    EXPECT_LE(v, 3);
  }
  EXPECT_EQ(SysbenchTableName(4), "sbtest4");
}

}  // namespace
}  // namespace brkv::table
