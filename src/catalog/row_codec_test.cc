#include "catalog/row_codec.h"

#include <gtest/gtest.h>

#include <limits>

#include "catalog/test_util.h"
#include "catalog/tablecodec.h"
#include "common/checksum.h"

namespace brkv::catalog {
namespace {

using testing::B;
using testing::HexOf;
using testing::X;

std::string Encode(std::vector<RowColumn> cols) {
  Result<std::string> r = EncodeRowV2(cols);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::string();
}

// Decodes every cell with the kind chosen by `kind_of(id)`.
template <typename F>
std::vector<RowColumn> Decode(std::string_view value, F kind_of) {
  std::vector<RowColumn> out;
  auto cells = ParseRowV2(value);
  EXPECT_TRUE(cells.ok()) << cells.status().ToString();
  if (!cells.ok()) return out;
  for (const RowV2Cell& c : *cells) {
    if (c.is_null) {
      out.push_back({c.id, Datum::Null()});
      continue;
    }
    auto d = DecodeRowV2Value(c.data, kind_of(c.id));
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    out.push_back({c.id, d.ok() ? *d : Datum::Null()});
  }
  return out;
}

// formats.md 3.5: one column id 1, int value 1.
TEST(RowCodecV2, FormatsVector) {
  const std::string v = Encode({{1, Datum::Int(1)}});
  EXPECT_EQ(HexOf(v), X("80 00 01 00 00 00 01 01 00 01"));
}

// formats.md 5.4: CRC64 of the record key of table 110 / handle 1 and that row value.
TEST(RowCodecV2, ChecksumVector) {
  Checksum c;
  c.Update(RecordKey(110, 1), Encode({{1, Datum::Int(1)}}));
  EXPECT_EQ(c.crc64xor, 0x889D6AC1E70C6EE1ULL);
  EXPECT_EQ(c.crc64xor, 9844141741539356385ULL);
  EXPECT_EQ(c.total_kvs, 1u);
  EXPECT_EQ(c.total_bytes, 29u);
}

TEST(RowCodecV2, EmptyRow) {
  EXPECT_EQ(HexOf(Encode({})), X("80 00 00 00 00 00"));
  auto cells = ParseRowV2(B("80 00 00 00 00 00"));
  ASSERT_TRUE(cells.ok());
  EXPECT_TRUE(cells->empty());
}

TEST(RowCodecV2, IntWidths) {
  struct Case {
    int64_t v;
    const char* data;
  } cases[] = {
      {0, "00"},
      {127, "7F"},
      {-128, "80"},
      {128, "80 00"},
      {-129, "7F FF"},
      {32767, "FF 7F"},
      {32768, "00 80 00 00"},
      {-32769, "FF 7F FF FF"},
      {std::numeric_limits<int32_t>::max(), "FF FF FF 7F"},
      {int64_t{1} << 31, "00 00 00 80 00 00 00 00"},
      {std::numeric_limits<int64_t>::min(), "00 00 00 00 00 00 00 80"},
      {-1, "FF"},
  };
  for (const Case& c : cases) {
    const std::string data = B(c.data);
    const std::string v = Encode({{1, Datum::Int(c.v)}});
    // header 6 + id 1 + offset 2, then the data.
    EXPECT_EQ(HexOf(v), X("80 00 01 00 00 00 01") + HexOf(std::string(1, char(data.size()))) +
                            "00" + HexOf(data))
        << c.v;
    auto back = Decode(v, [](int64_t) { return RowValueKind::kInt; });
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].value, Datum::Int(c.v));
  }
  EXPECT_FALSE(DecodeRowV2Value(B("01 02 03"), RowValueKind::kInt).ok());
  EXPECT_FALSE(DecodeRowV2Value("", RowValueKind::kInt).ok());
}

// Floats are codec.EncodeFloat (8 bytes BE), as TiDB's rowcodec encodeValueDatum writes them.
TEST(RowCodecV2, DoubleEncoding) {
  const std::string v = Encode({{2, Datum::Double(1.0)}, {3, Datum::Double(-1.0)}});
  EXPECT_EQ(HexOf(v), X("80 00 02 00 00 00 02 03 08 00 10 00"
                        "BF F0 00 00 00 00 00 00 40 0F FF FF FF FF FF FF"));
  auto back = Decode(v, [](int64_t) { return RowValueKind::kDouble; });
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].value, Datum::Double(1.0));
  EXPECT_EQ(back[1].value, Datum::Double(-1.0));
  for (double d : {0.0, 3.25, -1e300, 5e-324, std::numeric_limits<double>::max()}) {
    auto r = Decode(Encode({{1, Datum::Double(d)}}), [](int64_t) { return RowValueKind::kDouble; });
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].value, Datum::Double(d));
  }
  EXPECT_FALSE(DecodeRowV2Value(B("01 02 03 04"), RowValueKind::kDouble).ok());
}

TEST(RowCodecV2, MixedWithNullsLayout) {
  // Ids sorted within each section; NULL ids after the not-null ids, without offsets.
  const std::string v = Encode({{5, Datum::Null()},
                                {3, Datum::Bytes("ab")},
                                {1, Datum::Int(1)},
                                {2, Datum::Null()},
                                {4, Datum::Bytes("")}});
  EXPECT_EQ(HexOf(v), X("80 00 03 00 02 00  01 03 04 02 05  01 00 03 00 03 00  01 61 62"));
  auto back = Decode(v, [](int64_t id) { return id == 1 ? RowValueKind::kInt : RowValueKind::kBytes; });
  ASSERT_EQ(back.size(), 5u);
  EXPECT_EQ(back[0].id, 1);
  EXPECT_EQ(back[0].value, Datum::Int(1));
  EXPECT_EQ(back[1].id, 3);
  EXPECT_EQ(back[1].value, Datum::Bytes("ab"));
  EXPECT_EQ(back[2].id, 4);
  EXPECT_EQ(back[2].value, Datum::Bytes(""));
  EXPECT_EQ(back[3].id, 2);
  EXPECT_TRUE(back[3].value.is_null());
  EXPECT_EQ(back[4].id, 5);
  EXPECT_TRUE(back[4].value.is_null());
}

TEST(RowCodecV2, AllNull) {
  const std::string v = Encode({{1, Datum::Null()}, {2, Datum::Null()}});
  EXPECT_EQ(HexOf(v), X("80 00 00 00 02 00 01 02"));
  auto back = Decode(v, [](int64_t) { return RowValueKind::kInt; });
  ASSERT_EQ(back.size(), 2u);
  EXPECT_TRUE(back[0].value.is_null());
  EXPECT_TRUE(back[1].value.is_null());
}

TEST(RowCodecV2, LargeByColumnId) {
  const std::string v = Encode({{300, Datum::Int(5)}, {1, Datum::Null()}});
  EXPECT_EQ(HexOf(v), X("80 01 01 00 01 00  2C 01 00 00 01 00 00 00  01 00 00 00  05"));
  auto back = Decode(v, [](int64_t) { return RowValueKind::kInt; });
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].id, 300);
  EXPECT_EQ(back[0].value, Datum::Int(5));
  EXPECT_EQ(back[1].id, 1);
  EXPECT_TRUE(back[1].value.is_null());
  // Column ids up to u32 max.
  const std::string big = Encode({{int64_t{0xFFFFFFFF}, Datum::Bytes("x")}});
  auto b2 = Decode(big, [](int64_t) { return RowValueKind::kBytes; });
  ASSERT_EQ(b2.size(), 1u);
  EXPECT_EQ(b2[0].id, int64_t{0xFFFFFFFF});
}

TEST(RowCodecV2, LargeByDataSize) {
  const std::string blob(70000, 'z');
  const std::string v = Encode({{1, Datum::Int(7)}, {2, Datum::Bytes(blob)}});
  ASSERT_GE(v.size(), 2u);
  EXPECT_EQ(static_cast<uint8_t>(v[1]), kRowFlagLarge);
  // header + 2 u32 ids + 2 u32 offsets + data
  EXPECT_EQ(v.size(), 6u + 8 + 8 + 1 + blob.size());
  EXPECT_EQ(HexOf(v.substr(0, 22)),
            X("80 01 02 00 00 00 01 00 00 00 02 00 00 00 01 00 00 00 71 11 01 00"));
  auto back = Decode(v, [](int64_t id) { return id == 1 ? RowValueKind::kInt : RowValueKind::kBytes; });
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].value, Datum::Int(7));
  EXPECT_EQ(back[1].value, Datum::Bytes(blob));
  // Exactly 65535 bytes of data still fits the small form.
  const std::string edge = Encode({{1, Datum::Bytes(std::string(65535, 'q'))}});
  EXPECT_EQ(static_cast<uint8_t>(edge[1]), 0);
}

TEST(RowCodecV2, EncodeErrors) {
  EXPECT_EQ(EncodeRowV2(std::vector<RowColumn>{{0, Datum::Int(1)}}).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_FALSE(EncodeRowV2(std::vector<RowColumn>{{-1, Datum::Int(1)}}).ok());
  EXPECT_FALSE(EncodeRowV2(std::vector<RowColumn>{{int64_t{1} << 32, Datum::Int(1)}}).ok());
  EXPECT_EQ(EncodeRowV2(std::vector<RowColumn>{{1, Datum::Int(1)}, {1, Datum::Null()}})
                .status()
                .code(),
            Status::Code::kInvalidArgument);
}

TEST(RowCodecV2, ParseErrors) {
  const std::string good = B("80 00 02 00 00 00 01 02 01 00 03 00 0A 61 62");
  ASSERT_TRUE(ParseRowV2(good).ok());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseRowV2(good.substr(0, n)).ok()) << "prefix " << n;
  }
  EXPECT_FALSE(ParseRowV2(good + "x").ok());                                   // trailing bytes
  EXPECT_FALSE(ParseRowV2(B("00 00 01 00 00 00 01 01 00 01")).ok());            // old format
  EXPECT_FALSE(ParseRowV2(B("80 00 02 00 00 00 01 02 02 00 01 00 0A 61")).ok());  // offsets
  EXPECT_FALSE(ParseRowV2(B("80 00 02 00 00 00 02 01 01 00 02 00 0A 0B")).ok());  // id order
}

TEST(RowCodecV2, ChecksumIsSkipped) {
  // flags 0x02, header version 1, CRC32 (value not verified here).
  const std::string value = B("80 02 01 00 00 00 01 01 00 01  01 AA BB CC DD");
  auto r = ParseRowV2(value);  // cells are views into `value`
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(HexOf((*r)[0].data), "01");
  // Extra checksum (header bit 0x08) adds 4 more bytes.
  EXPECT_TRUE(ParseRowV2(B("80 02 01 00 00 00 01 01 00 01  09 AA BB CC DD 11 22 33 44")).ok());
  EXPECT_FALSE(ParseRowV2(B("80 02 01 00 00 00 01 01 00 01  09 AA BB CC DD")).ok());
  EXPECT_FALSE(ParseRowV2(B("80 02 01 00 00 00 01 01 00 01  01 AA")).ok());
}

}  // namespace
}  // namespace brkv::catalog
