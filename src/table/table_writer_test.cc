#include "table/table_writer.h"

#include <gtest/gtest.h>

#include "catalog/column_spec.h"
#include "catalog/tablecodec.h"
#include "common/checksum.h"
#include "table/table_checksum.h"
#include "table/table_ranges.h"

namespace brkv::table {
namespace {

using catalog::Datum;

catalog::TableInfo Parse(std::string_view spec, int64_t id = 120) {
  auto t = catalog::ParseColumnSpec("t", spec, [id] { return Result<int64_t>(id); });
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : catalog::TableInfo{};
}

TEST(TableWriterTest, UniqueKeysAreRecordAndDistinctUniqueEntries) {
  auto t = Parse("id bigint primary key, u int, k int, unique index u(u), index k(k)");
  auto w = TableWriter::Make(t);
  ASSERT_TRUE(w.ok());
  std::vector<Datum> row = {Datum::Int(5), Datum::Int(7), Datum::Int(9)};
  auto enc = w->Encode(row);
  ASSERT_TRUE(enc.ok()) << enc.status().ToString();
  auto keys = w->UniqueKeys(*enc);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].index, TableWriter::kRecord);
  EXPECT_EQ(keys[0].key, catalog::RecordKey(120, 5));
  EXPECT_EQ(keys[1].index, 0u);
  EXPECT_EQ(keys[1].key, enc->index_kvs[0].key);

  // A NULL in a unique index is not distinct: the entry carries the handle, no conflict.
  std::vector<Datum> with_null = {Datum::Int(6), Datum::Null(), Datum::Int(9)};
  auto enc2 = w->Encode(with_null);
  ASSERT_TRUE(enc2.ok());
  EXPECT_EQ(w->UniqueKeys(*enc2).size(), 1u);
}

TEST(TableWriterTest, DuplicateErrorNamesValueAndKey) {
  auto t = Parse("id bigint primary key, a int, b varchar(10), unique index ab(a, b)");
  auto w = TableWriter::Make(t);
  ASSERT_TRUE(w.ok());
  std::vector<Datum> row = {Datum::Int(3), Datum::Int(1), Datum::Bytes("x")};
  auto enc = w->Encode(row);
  ASSERT_TRUE(enc.ok());
  auto keys = w->UniqueKeys(*enc);
  ASSERT_EQ(keys.size(), 2u);
  Status pk = w->DuplicateError(keys[0], row, enc->handle);
  EXPECT_EQ(pk.code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(pk.message(), "duplicate entry '3' for key 't.PRIMARY'");
  EXPECT_EQ(w->DuplicateError(keys[1], row, enc->handle).message(),
            "duplicate entry '1-x' for key 't.ab'");
}

TEST(TableWriterTest, ImplicitRowIdIsTheHandle) {
  auto t = Parse("a varchar(5), b double");
  auto w = TableWriter::Make(t);
  ASSERT_TRUE(w.ok());
  std::vector<Datum> row = {Datum::Bytes("hi"), Datum::Double(1.5)};
  auto enc = w->Encode(row, 77);
  ASSERT_TRUE(enc.ok());
  EXPECT_EQ(enc->handle, 77);
  EXPECT_EQ(enc->key, catalog::RecordKey(120, 77));
}

TEST(TableRangesTest, RecordRangeThenPublicIndexes) {
  auto t = Parse("id bigint primary key, k int, c int, index k(k), index c(c)");
  t.indices[1].state = 3;  // not public: not part of the data ranges
  auto ranges = TableDataRanges(t);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0], catalog::TableRecordRange(120));
  EXPECT_EQ(ranges[1], catalog::IndexRange(120, t.indices[0].id));
  auto cr = ToClientRanges(ranges);
  ASSERT_EQ(cr.size(), 2u);
  EXPECT_EQ(cr[1].start, ranges[1].start);
}

TEST(TableChecksumTest, JsonLineHasTheContractFieldsInOrder) {
  TableChecksum c{"db", "t", 120,
                  Checksum{.crc64xor = 18446744073709551615ull, .total_kvs = 2, .total_bytes = 58}};
  EXPECT_EQ(ToJsonLine(c),
            "{\"db\":\"db\",\"table\":\"t\",\"table_id\":120,\"crc64xor\":18446744073709551615,"
            "\"total_kvs\":2,\"total_bytes\":58}");
}

}  // namespace
}  // namespace brkv::table
