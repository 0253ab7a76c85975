#include "catalog/row.h"

#include <gtest/gtest.h>

#include "catalog/column_spec.h"
#include "catalog/tablecodec.h"
#include "catalog/test_util.h"
#include "common/checksum.h"

namespace brkv::catalog {
namespace {

using testing::B;
using testing::HexOf;
using testing::X;

TableInfo MustParse(std::string_view spec, int64_t id = 110) {
  auto t = ParseColumnSpec("t", spec, [id] { return Result<int64_t>(id); });
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return t.ok() ? *t : TableInfo{};
}

const ColumnInfo& Col(const TableInfo& t, std::string_view name) {
  const ColumnInfo* c = t.FindColumn(name);
  EXPECT_NE(c, nullptr) << name;
  return *c;
}

void ExpectRejected(const ColumnInfo& col, std::optional<std::string_view> field) {
  auto d = ParseColumnValue(col, field);
  ASSERT_FALSE(d.ok()) << (field ? std::string(*field) : "NULL") << " -> " << d->DebugString();
  EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("'" + col.name.O + "'"), std::string::npos)
      << "error must name the column: " << d.status().message();
}

TEST(CsvDatum, Integers) {
  TableInfo t = MustParse("i int, b bigint not null");
  const ColumnInfo& i = Col(t, "i");
  const ColumnInfo& b = Col(t, "b");
  EXPECT_EQ(*ParseColumnValue(i, "2147483647"), Datum::Int(2147483647));
  EXPECT_EQ(*ParseColumnValue(i, "-2147483648"), Datum::Int(-2147483648LL));
  EXPECT_EQ(*ParseColumnValue(i, "+5"), Datum::Int(5));
  EXPECT_EQ(*ParseColumnValue(i, "007"), Datum::Int(7));
  EXPECT_TRUE(ParseColumnValue(i, std::nullopt)->is_null());
  EXPECT_EQ(*ParseColumnValue(b, "9223372036854775807"), Datum::Int(INT64_MAX));
  EXPECT_EQ(*ParseColumnValue(b, "-9223372036854775808"), Datum::Int(INT64_MIN));
  ExpectRejected(i, "2147483648");
  ExpectRejected(i, "-2147483649");
  ExpectRejected(b, "9223372036854775808");
  ExpectRejected(b, "-9223372036854775809");
  ExpectRejected(i, "");
  ExpectRejected(i, "abc");
  ExpectRejected(i, "1.5");
  ExpectRejected(i, " 1");
  ExpectRejected(i, "1 ");
  ExpectRejected(i, "0x10");
  ExpectRejected(i, "++1");
  ExpectRejected(b, std::nullopt);  // NOT NULL
  auto oor = ParseColumnValue(i, "99999999999");
  EXPECT_NE(oor.status().message().find("out of range"), std::string::npos);
}

TEST(CsvDatum, Doubles) {
  TableInfo t = MustParse("d double");
  const ColumnInfo& d = Col(t, "d");
  EXPECT_EQ(*ParseColumnValue(d, "1.5"), Datum::Double(1.5));
  EXPECT_EQ(*ParseColumnValue(d, "-2e3"), Datum::Double(-2000.0));
  EXPECT_EQ(*ParseColumnValue(d, "+.25"), Datum::Double(0.25));
  EXPECT_EQ(*ParseColumnValue(d, "7"), Datum::Double(7.0));
  EXPECT_EQ(*ParseColumnValue(d, "1e-400"), Datum::Double(0.0));  // underflow rounds to 0
  ExpectRejected(d, "1e400");
  ExpectRejected(d, "-1e309");
  ExpectRejected(d, "nan");
  ExpectRejected(d, "inf");
  ExpectRejected(d, "1.5x");
  ExpectRejected(d, "");
  ExpectRejected(d, "1,5");
  // Typed datums.
  EXPECT_EQ(*CastColumnValue(d, Datum::Int(3)), Datum::Double(3.0));
  EXPECT_EQ(*CastColumnValue(d, Datum::Double(-0.5)), Datum::Double(-0.5));
}

TEST(CsvDatum, Strings) {
  TableInfo t = MustParse("v varchar(3), c char(3), x text, b blob");
  const ColumnInfo& v = Col(t, "v");
  const ColumnInfo& c = Col(t, "c");
  EXPECT_EQ(*ParseColumnValue(v, "abc"), Datum::Bytes("abc"));
  EXPECT_EQ(*ParseColumnValue(v, ""), Datum::Bytes(""));
  EXPECT_EQ(*ParseColumnValue(v, "\xC3\xA4\xC3\xB6\xC3\xBC"), Datum::Bytes("\xC3\xA4\xC3\xB6\xC3\xBC"));
  EXPECT_EQ(*ParseColumnValue(v, "a  "), Datum::Bytes("a  "));  // VARCHAR keeps spaces
  ExpectRejected(v, "abcd");
  ExpectRejected(v, "\xC3\xA4\xC3\xB6\xC3\xBCx");
  ExpectRejected(v, "\xFF");                // not UTF-8
  ExpectRejected(v, "\xC0\x80");            // overlong
  ExpectRejected(v, "\xED\xA0\x80");        // surrogate
  ExpectRejected(v, "\xE2\x82");            // truncated sequence
  // CHAR drops trailing spaces (TiDB truncateTrailingSpaces), before the length check.
  EXPECT_EQ(*ParseColumnValue(c, "ab "), Datum::Bytes("ab"));
  EXPECT_EQ(*ParseColumnValue(c, "abc     "), Datum::Bytes("abc"));
  EXPECT_EQ(*ParseColumnValue(c, " a"), Datum::Bytes(" a"));
  ExpectRejected(c, "abcd");
  // TEXT is utf8mb4 up to 65535 bytes; BLOB takes any bytes up to 65535.
  EXPECT_TRUE(ParseColumnValue(Col(t, "x"), std::string(65535, 'x')).ok());
  ExpectRejected(Col(t, "x"), std::string(65536, 'x'));
  ExpectRejected(Col(t, "x"), "\xFF");
  EXPECT_EQ(*ParseColumnValue(Col(t, "b"), std::string_view("\xFF\x00", 2)),
            Datum::Bytes(std::string("\xFF\x00", 2)));
  ExpectRejected(Col(t, "b"), std::string(65536, 'b'));
  // Typed datums are formatted as text.
  EXPECT_EQ(*CastColumnValue(v, Datum::Int(12)), Datum::Bytes("12"));
  ExpectRejected(v, "1234");
}

TEST(CsvDatum, Format) {
  EXPECT_EQ(FormatColumnValue(Datum::Null()), std::nullopt);
  EXPECT_EQ(*FormatColumnValue(Datum::Int(-12)), "-12");
  EXPECT_EQ(*FormatColumnValue(Datum::Double(1.5)), "1.5");
  EXPECT_EQ(*FormatColumnValue(Datum::Double(0.1)), "0.1");
  EXPECT_EQ(*FormatColumnValue(Datum::Double(1e300)), "1e+300");
  EXPECT_EQ(*FormatColumnValue(Datum::Bytes("a,b")), "a,b");
  TableInfo t = MustParse("d double");
  for (double v : {0.1, 1.0 / 3, -2.5e-300, 123456789.125, 5e-324}) {
    auto back = ParseColumnValue(Col(t, "d"), *FormatColumnValue(Datum::Double(v)));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->double_value(), v);
  }
}

// BR's mock table 110 (one int column `id`, no primary key): a row with value 1 and row id 1
// is exactly the mock PITR put entry: record key t110_r1, value 80 00 01 00 00 00 01 01 00 01,
// and formats.md 5.4's checksum.
TEST(EncodeRow, BrMockRowAndChecksum) {
  TableInfo t = MustParse("id int", 110);
  const Datum row[] = {Datum::Int(1)};
  auto r = EncodeRow(t, row, /*row_id=*/1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->handle, 1);
  EXPECT_EQ(HexOf(r->key), X("74 80 00 00 00 00 00 00 6E 5F 72 80 00 00 00 00 00 00 01"));
  EXPECT_EQ(HexOf(r->value), X("80 00 01 00 00 00 01 01 00 01"));
  EXPECT_TRUE(r->index_kvs.empty());
  Checksum c;
  c.Update(r->key, r->value);
  EXPECT_EQ(c.crc64xor, 0x889D6AC1E70C6EE1ULL);
  EXPECT_EQ(c.total_bytes, 29u);
  EXPECT_EQ(c.total_kvs, 1u);
}

TEST(EncodeRow, SysbenchRow) {
  TableInfo t = MustParse(
      "id bigint primary key auto_increment, k int, c varchar(120), pad char(60), "
      "index k_1(k), unique index u(c)",
      110);
  const Datum row[] = {Datum::Int(7), Datum::Int(5), Datum::Bytes("cc"), Datum::Bytes("pad  ")};
  auto r = EncodeRow(t, row);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->handle, 7);
  EXPECT_EQ(r->key, RecordKey(110, 7));
  // The handle column is not stored; CHAR lost its trailing spaces.
  EXPECT_EQ(HexOf(r->value),
            X("80 00 03 00 00 00  02 03 04  01 00 03 00 06 00  05 63 63 70 61 64"));
  ASSERT_EQ(r->index_kvs.size(), 2u);
  // k_1: non-unique, handle in the key, value "0".
  EXPECT_EQ(HexOf(r->index_kvs[0].key),
            HexOf(IndexPrefix(110, 1)) + X("03 80 00 00 00 00 00 00 05 03 80 00 00 00 00 00 00 07"));
  EXPECT_EQ(r->index_kvs[0].value, "0");
  // u: unique and distinct, handle as the 8-byte value.
  EXPECT_EQ(HexOf(r->index_kvs[1].key),
            HexOf(IndexPrefix(110, 2)) + X("01 63 63 00 00 00 00 00 00 F9"));
  EXPECT_EQ(HexOf(r->index_kvs[1].value), X("00 00 00 00 00 00 00 07"));

  auto back = DecodeRowToFields(t, r->key, r->value);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->size(), 4u);
  EXPECT_EQ(*(*back)[0], "7");
  EXPECT_EQ(*(*back)[1], "5");
  EXPECT_EQ(*(*back)[2], "cc");
  EXPECT_EQ(*(*back)[3], "pad");
}

TEST(EncodeRow, NullsAreSkippedAndUniqueWithNullIsNotDistinct) {
  TableInfo t = MustParse("a int, b varchar(10), c double, unique index ub(b)", 9);
  const Datum row[] = {Datum::Int(1), Datum::Null(), Datum::Null()};
  auto r = EncodeRow(t, row, 42);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->key, RecordKey(9, 42));
  EXPECT_EQ(HexOf(r->value), X("80 00 01 00 00 00 01 01 00 01"));  // b, c not stored
  ASSERT_EQ(r->index_kvs.size(), 1u);
  EXPECT_EQ(HexOf(r->index_kvs[0].key),
            HexOf(IndexPrefix(9, 1)) + X("00 03 80 00 00 00 00 00 00 2A"));
  EXPECT_EQ(r->index_kvs[0].value, "0");
  auto d = DecodeRow(t, r->key, r->value);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*d)[0], Datum::Int(1));
  EXPECT_TRUE((*d)[1].is_null());
  EXPECT_TRUE((*d)[2].is_null());

  // All NULL: the empty row.
  const Datum nulls[] = {Datum::Null(), Datum::Null(), Datum::Null()};
  auto e = EncodeRow(t, nulls, 43);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(HexOf(e->value), X("80 00 00 00 00 00"));
  auto ed = DecodeRowToFields(t, e->key, e->value);
  ASSERT_TRUE(ed.ok());
  for (const auto& f : *ed) EXPECT_EQ(f, std::nullopt);
}

TEST(EncodeRow, RoundTripAllTypes) {
  TableInfo t = MustParse(
      "id bigint primary key, i int, d double, v varchar(20), c char(10), x text, b blob, "
      "index iv(i, v), unique index ud(d)",
      300);
  const std::vector<std::vector<std::optional<std::string>>> rows = {
      {"-5", "-2147483648", "-1.25e-7", "hello, world", "x", "long text\n", std::string("\0\xff", 2)},
      {"9223372036854775807", "2147483647", "0", "", "", "", ""},
      {"0", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
      {"1", "100000", "3.5", "\xE2\x82\xAC uro", "y z", std::string(70000 / 2, 't'),
       std::string(65535, '\x01')},
  };
  for (const auto& fields : rows) {
    std::vector<Datum> datums;
    for (size_t i = 0; i < fields.size(); ++i) {
      auto d = ParseColumnValue(t.columns[i], fields[i]);
      ASSERT_TRUE(d.ok()) << d.status().ToString();
      datums.push_back(*d);
    }
    auto r = EncodeRow(t, datums);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->index_kvs.size(), 2u);
    auto back = DecodeRowToFields(t, r->key, r->value);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(back->size(), fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i == 2 && fields[i]) {  // doubles come back in shortest form
        EXPECT_EQ(std::stod(*(*back)[i]), std::stod(*fields[i]));
      } else {
        EXPECT_EQ((*back)[i], fields[i]) << "column " << i;
      }
    }
    // Index keys decode back to the indexed values.
    auto ik = DecodeIndexKey(r->index_kvs[0].key, 2);
    ASSERT_TRUE(ik.ok()) << ik.status().ToString();
    EXPECT_EQ(ik->values[0], datums[1]);
    EXPECT_EQ(ik->values[1], datums[3]);
    EXPECT_TRUE(ik->has_handle);
    EXPECT_EQ(ik->handle, r->handle);
  }
}

TEST(EncodeRow, LargeRowUsesLargeForm) {
  TableInfo t = MustParse("a blob, b blob");
  const Datum row[] = {Datum::Bytes(std::string(40000, 'a')), Datum::Bytes(std::string(40000, 'b'))};
  auto r = EncodeRow(t, row, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(static_cast<uint8_t>(r->value[1]), kRowFlagLarge);
  auto d = DecodeRow(t, r->key, r->value);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)[0], row[0]);
  EXPECT_EQ((*d)[1], row[1]);
}

TEST(EncodeRow, PrefixIndexTruncates) {
  TableInfo t = MustParse("s varchar(20), b blob, index p(s(3)), index pb(b(2))", 5);
  const Datum row[] = {Datum::Bytes("\xC3\xA4\xC3\xB6\xC3\xBCxyz"), Datum::Bytes("\x01\x02\x03")};
  auto r = EncodeRow(t, row, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto k0 = DecodeIndexKey(r->index_kvs[0].key, 1);
  ASSERT_TRUE(k0.ok());
  EXPECT_EQ(k0->values[0], Datum::Bytes("\xC3\xA4\xC3\xB6\xC3\xBC"));  // 3 characters
  auto k1 = DecodeIndexKey(r->index_kvs[1].key, 1);
  ASSERT_TRUE(k1.ok());
  EXPECT_EQ(k1->values[0], Datum::Bytes("\x01\x02"));  // 2 bytes
}

TEST(EncodeRow, Errors) {
  TableInfo t = MustParse("id bigint primary key, v int not null");
  const Datum short_row[] = {Datum::Int(1)};
  EXPECT_EQ(EncodeRow(t, short_row).status().code(), Status::Code::kInvalidArgument);
  const Datum null_v[] = {Datum::Int(1), Datum::Null()};
  auto nv = EncodeRow(t, null_v);
  EXPECT_EQ(nv.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(nv.status().message().find("'v'"), std::string::npos);
  const Datum null_pk[] = {Datum::Null(), Datum::Int(1)};
  EXPECT_EQ(EncodeRow(t, null_pk).status().code(), Status::Code::kInvalidArgument);
  const Datum big[] = {Datum::Int(1), Datum::Int(int64_t{1} << 40)};
  EXPECT_EQ(EncodeRow(t, big).status().code(), Status::Code::kInvalidArgument);

  TableInfo common = t;
  common.is_common_handle = true;
  const Datum ok_row[] = {Datum::Int(1), Datum::Int(2)};
  EXPECT_EQ(EncodeRow(common, ok_row).status().code(), Status::Code::kNotSupported);
  TableInfo unsigned_col = t;
  unsigned_col.columns[1].type.flag |= mysql::kUnsignedFlag;
  EXPECT_EQ(EncodeRow(unsigned_col, ok_row).status().code(), Status::Code::kNotSupported);
  TableInfo decimal_col = t;
  decimal_col.columns[1].type.tp = 246;  // NEWDECIMAL
  EXPECT_EQ(EncodeRow(decimal_col, ok_row).status().code(), Status::Code::kNotSupported);
}

TEST(DecodeRow, Errors) {
  TableInfo t = MustParse("id bigint primary key, v int", 110);
  const Datum row[] = {Datum::Int(1), Datum::Int(2)};
  auto r = EncodeRow(t, row);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(DecodeRow(t, RecordKey(111, 1), r->value).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeRow(t, IndexPrefix(110, 1), r->value).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(DecodeRow(t, r->key, B("08 02 08 04")).status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(DecodeRow(t, r->key, "").status().code(), Status::Code::kNotSupported);
  EXPECT_EQ(DecodeRow(t, r->key, B("80 00 01 00 00 00 02 03 00 01 02 03")).status().code(),
            Status::Code::kCorruption);  // 3-byte int
}

TEST(DecodeRow, MissingColumnReadsOriginDefault) {
  TableInfo t = MustParse("id bigint primary key, a int, s varchar(5)", 110);
  t.columns[1].origin_default = "7";  // as TiDB records for ADD COLUMN ... DEFAULT 7
  t.columns[2].origin_default = "dflt";
  auto d = DecodeRow(t, RecordKey(110, 3), B("80 00 00 00 00 00"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ((*d)[0], Datum::Int(3));
  EXPECT_EQ((*d)[1], Datum::Int(7));
  EXPECT_EQ((*d)[2], Datum::Bytes("dflt"));
  // A NULL stored in the null section stays NULL even with a default.
  auto n = DecodeRow(t, RecordKey(110, 3), B("80 00 00 00 01 00 02"));
  ASSERT_TRUE(n.ok());
  EXPECT_TRUE((*n)[1].is_null());
  // With a default, an explicit NULL is stored (TiDB's CanSkip needs no default).
  t.columns[1].default_value = "7";
  const Datum row[] = {Datum::Int(3), Datum::Null(), Datum::Bytes("x")};
  auto r = EncodeRow(t, row);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(HexOf(r->value), X("80 00 01 00 01 00 03 02 01 00 78"));
}

}  // namespace
}  // namespace brkv::catalog
