#include "sql/binary_protocol.h"

#include <gtest/gtest.h>

#include <cstring>

#include "sql/wire.h"

namespace brkv::sql {
namespace {

using catalog::Datum;

std::string ExecuteBody(uint32_t id, const std::string& nulls, bool bind,
                        const std::vector<std::pair<uint8_t, uint8_t>>& types,
                        const std::string& values) {
  PacketWriter w;
  w.Int4(id);
  w.Int1(0);
  w.Int4(1);
  w.Raw(nulls);
  w.Int1(bind ? 1 : 0);
  if (bind) {
    for (auto [t, f] : types) {
      w.Int1(t);
      w.Int1(f);
    }
  }
  w.Raw(values);
  return w.Take();
}

TEST(BinaryProtocolTest, ParsesParametersAndKeepsTypes) {
  PacketWriter v;
  v.Int4(static_cast<uint32_t>(-7));  // LONG
  v.LenencStr("abc");                 // STRING
  double d = 2.5;
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  v.Int8(bits);  // DOUBLE
  std::vector<ParamType> types;
  // Parameter 3 (index 3) is NULL: bit 3 of the bitmap.
  Result<ExecuteRequest> r = ParseExecute(
      ExecuteBody(9, std::string(1, '\x08'), true, {{3, 0}, {254, 0}, {5, 0}, {8, 0}}, v.data()),
      4, &types);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->stmt_id, 9u);
  ASSERT_EQ(r->params.size(), 4u);
  EXPECT_EQ(r->params[0], Datum::Int(-7));
  EXPECT_EQ(r->params[1], Datum::Bytes("abc"));
  EXPECT_EQ(r->params[2], Datum::Double(2.5));
  EXPECT_TRUE(r->params[3].is_null());
  ASSERT_EQ(types.size(), 4u);

  // A later execute without new types reuses the saved ones.
  PacketWriter v2;
  v2.Int4(5);
  v2.LenencStr("x");
  v2.Int8(bits);
  v2.Int8(12);
  Result<ExecuteRequest> again = ParseExecute(ExecuteBody(9, std::string(1, '\0'), false, {}, v2.data()), 4, &types);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->params[0], Datum::Int(5));
  EXPECT_EQ(again->params[3], Datum::Int(12));

  // No saved types and none sent: refused.
  std::vector<ParamType> none;
  EXPECT_FALSE(ParseExecute(ExecuteBody(9, std::string(1, '\0'), false, {}, v2.data()), 4, &none).ok());
  // Truncated values: refused.
  EXPECT_FALSE(ParseExecute(ExecuteBody(9, std::string(1, '\0'), true, {{8, 0}}, "\x01"), 1, &types).ok());
  EXPECT_FALSE(PeekStatementId("\x01").ok());
}

TEST(BinaryProtocolTest, UnsignedAndDatetimeParameters) {
  PacketWriter v;
  v.Int8(~0ull);
  v.Int1(7);
  v.Int2(2024);
  v.Int1(2);
  v.Int1(29);
  v.Int1(13);
  v.Int1(5);
  v.Int1(9);
  std::vector<ParamType> types;
  Result<ExecuteRequest> r =
      ParseExecute(ExecuteBody(1, std::string(1, '\0'), true, {{8, 0x80}, {12, 0}}, v.data()), 2,
                   &types);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->params[0].kind(), Datum::Kind::kDouble);
  EXPECT_EQ(r->params[1], Datum::Bytes("2024-02-29 13:05:09"));
}

TEST(BinaryProtocolTest, BinaryRows) {
  std::vector<ColumnDef> cols(4);
  cols[0].type = 3;    // LONG
  cols[1].type = 253;  // VAR_STRING
  cols[2].type = 8;    // LONGLONG
  cols[3].type = 5;    // DOUBLE
  std::string row = BuildBinaryRow(cols, std::vector<Datum>{Datum::Int(42), Datum::Bytes("hi"),
                                                            Datum(), Datum::Double(1.5)});
  PacketReader r(row);
  EXPECT_EQ(r.Int1(), 0x00);
  // NULL bitmap: (4 + 9) / 8 = 1 byte, offset 2: column 2 -> bit 4.
  EXPECT_EQ(r.Int1(), 0x10);
  EXPECT_EQ(r.Int4(), 42u);
  EXPECT_EQ(r.LenencStr(), "hi");
  uint64_t bits = r.Int8();
  double d;
  std::memcpy(&d, &bits, 8);
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(r.ok());
  EXPECT_TRUE(r.AtEnd());

  std::string ok = BuildPrepareOk(3, 1, 2);
  EXPECT_EQ(ok, std::string("\x00\x03\x00\x00\x00\x01\x00\x02\x00\x00\x00\x00", 12));
}

}  // namespace
}  // namespace brkv::sql
