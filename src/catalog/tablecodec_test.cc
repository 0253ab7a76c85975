#include "catalog/tablecodec.h"

#include <gtest/gtest.h>

#include <limits>

#include "catalog/test_util.h"
#include "common/codec.h"

namespace brkv::catalog {
namespace {

using testing::B;
using testing::HexOf;
using testing::X;

// formats.md 3.1: number codecs (implemented in common/codec; the catalog depends on them).
TEST(FormatsVectors, Integers) {
  std::string s;
  codec::EncodeInt(&s, 0);
  EXPECT_EQ(HexOf(s), X("80 00 00 00 00 00 00 00"));
  s.clear();
  codec::EncodeInt(&s, 110);
  EXPECT_EQ(HexOf(s), X("80 00 00 00 00 00 00 6E"));
  s.clear();
  codec::EncodeInt(&s, -1);
  EXPECT_EQ(HexOf(s), X("7F FF FF FF FF FF FF FF"));
  s.clear();
  codec::EncodeInt(&s, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(HexOf(s), X("00 00 00 00 00 00 00 00"));
  s.clear();
  codec::EncodeFloat(&s, 1.0);
  EXPECT_EQ(HexOf(s), X("BF F0 00 00 00 00 00 00"));
  s.clear();
  codec::EncodeFloat(&s, -1.0);
  EXPECT_EQ(HexOf(s), X("40 0F FF FF FF FF FF FF"));
}

// formats.md 3.2: memcomparable bytes, TiKV's unit-test vectors.
TEST(FormatsVectors, MemcomparableBytes) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"", "00 00 00 00 00 00 00 00 F7"},
      {"00", "00 00 00 00 00 00 00 00 F8"},
      {"01 02 03", "01 02 03 00 00 00 00 00 FA"},
      {"01 02 03 00", "01 02 03 00 00 00 00 00 FB"},
      {"01 02 03 04 05 06 07", "01 02 03 04 05 06 07 00 FE"},
      {"00 00 00 00 00 00 00 00", "00 00 00 00 00 00 00 00 FF 00 00 00 00 00 00 00 00 F7"},
      {"01 02 03 04 05 06 07 08", "01 02 03 04 05 06 07 08 FF 00 00 00 00 00 00 00 00 F7"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(HexOf(codec::EncodeBytes(B(c.in))), X(c.out)) << c.in;
  }
  std::string d;
  codec::EncodeBytesDesc(&d, "");
  EXPECT_EQ(HexOf(d), X("FF FF FF FF FF FF FF FF 08"));
  d.clear();
  codec::EncodeBytesDesc(&d, B("01 02 03"));
  EXPECT_EQ(HexOf(d), X("FE FD FC FF FF FF FF FF 05"));
}

// formats.md 3.3: datum flag bytes.
TEST(FormatsVectors, DatumFlags) {
  EXPECT_EQ(kNilFlag, 0);
  EXPECT_EQ(kBytesFlag, 1);
  EXPECT_EQ(kCompactBytesFlag, 2);
  EXPECT_EQ(kIntFlag, 3);
  EXPECT_EQ(kUintFlag, 4);
  EXPECT_EQ(kFloatFlag, 5);
  EXPECT_EQ(kDecimalFlag, 6);
  EXPECT_EQ(kDurationFlag, 7);
  EXPECT_EQ(kVarintFlag, 8);
  EXPECT_EQ(kUvarintFlag, 9);
  EXPECT_EQ(kJsonFlag, 10);
  EXPECT_EQ(kMaxFlag, 250);
}

// formats.md 3.4 vectors (table 110, handle 1).
TEST(TableCodec, RecordKeyVectors) {
  EXPECT_EQ(HexOf(TablePrefix(110)), X("74 80 00 00 00 00 00 00 6E"));
  EXPECT_EQ(HexOf(RecordPrefix(110)), X("74 80 00 00 00 00 00 00 6E 5F 72"));
  const std::string key = RecordKey(110, 1);
  EXPECT_EQ(key.size(), kRecordKeyLen);
  EXPECT_EQ(HexOf(key), X("74 80 00 00 00 00 00 00 6E 5F 72 80 00 00 00 00 00 00 01"));
  EXPECT_EQ(HexOf(codec::EncodeBytes(key)),
            X("74 80 00 00 00 00 00 00 FF 6E 5F 72 80 00 00 00 00 FF 00 00 01 00 00 00 00 00 FA"));
  // Region boundary of table 110 in BR's mock PITR data.
  EXPECT_EQ(HexOf(codec::EncodeBytes(TablePrefix(110))),
            X("74 80 00 00 00 00 00 00 FF 6E 00 00 00 00 00 00 00 F8"));
}

TEST(TableCodec, NonUniqueIndexKeyVector) {
  const Datum v[] = {Datum::Int(5)};
  EXPECT_FALSE(IsDistinct(false, v));
  const std::string key = IndexKey(110, 1, v, /*distinct=*/false, /*handle=*/1);
  EXPECT_EQ(HexOf(key), X("74 80 00 00 00 00 00 00 6E 5F 69 80 00 00 00 00 00 00 01"
                          "03 80 00 00 00 00 00 00 05 03 80 00 00 00 00 00 00 01"));
  EXPECT_EQ(IndexValue(false, 1), "0");
  EXPECT_EQ(HexOf(IndexPrefix(110, 1)),
            X("74 80 00 00 00 00 00 00 6E 5F 69 80 00 00 00 00 00 00 01"));
}

TEST(TableCodec, UniqueIndexKeysAndValues) {
  const Datum v[] = {Datum::Bytes("ab"), Datum::Int(-2)};
  ASSERT_TRUE(IsDistinct(true, v));
  const std::string key = IndexKey(7, 2, v, true, 99);
  EXPECT_EQ(HexOf(key), HexOf(IndexPrefix(7, 2)) +
                            X("01 61 62 00 00 00 00 00 00 F9  03 7F FF FF FF FF FF FF FE"));
  // Distinct: the handle is the value, 8 bytes plain big-endian (no sign flip).
  EXPECT_EQ(HexOf(IndexValue(true, 99)), X("00 00 00 00 00 00 00 63"));
  EXPECT_EQ(HexOf(IndexValue(true, -1)), X("FF FF FF FF FF FF FF FF"));
  EXPECT_EQ(*DecodeIndexValueHandle(IndexValue(true, -1)), -1);
  EXPECT_EQ(*DecodeIndexValueHandle(IndexValue(true, 1234567)), 1234567);
  EXPECT_EQ(DecodeIndexValueHandle("0").status().code(), Status::Code::kCorruption);

  // A NULL makes a unique index non-distinct: the handle goes into the key, the value is "0".
  const Datum with_null[] = {Datum::Null(), Datum::Int(1)};
  EXPECT_FALSE(IsDistinct(true, with_null));
  EXPECT_EQ(HexOf(IndexKey(7, 2, with_null, false, 5)),
            HexOf(IndexPrefix(7, 2)) +
                X("00 03 80 00 00 00 00 00 00 01 03 80 00 00 00 00 00 00 05"));
}

TEST(TableCodec, KeyDatums) {
  std::string s;
  EncodeKeyDatum(&s, Datum::Null());
  EncodeKeyDatum(&s, Datum::Double(1.0));
  EncodeKeyDatum(&s, Datum::Bytes(""));
  EncodeKeyDatum(&s, Datum::Int(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(HexOf(s), X("00  05 BF F0 00 00 00 00 00 00  01 00 00 00 00 00 00 00 00 F7"
                        "03 FF FF FF FF FF FF FF FF"));
  std::string_view in = s;
  EXPECT_EQ(*DecodeKeyDatum(&in), Datum::Null());
  EXPECT_EQ(*DecodeKeyDatum(&in), Datum::Double(1.0));
  EXPECT_EQ(*DecodeKeyDatum(&in), Datum::Bytes(""));
  EXPECT_EQ(*DecodeKeyDatum(&in), Datum::Int(std::numeric_limits<int64_t>::max()));
  EXPECT_TRUE(in.empty());

  std::string_view bad = "\x04\x00";
  EXPECT_EQ(DecodeKeyDatum(&bad).status().code(), Status::Code::kCorruption);
  std::string_view truncated("\x03\x80\x00", 3);
  EXPECT_EQ(DecodeKeyDatum(&truncated).status().code(), Status::Code::kCorruption);
  std::string_view empty;
  EXPECT_FALSE(DecodeKeyDatum(&empty).ok());
}

TEST(TableCodec, KeyDatumsSortLikeValues) {
  auto enc = [](const Datum& d) {
    std::string s;
    EncodeKeyDatum(&s, d);
    return s;
  };
  EXPECT_LT(enc(Datum::Null()), enc(Datum::Int(std::numeric_limits<int64_t>::min())));
  EXPECT_LT(enc(Datum::Int(-5)), enc(Datum::Int(3)));
  EXPECT_LT(enc(Datum::Double(-2.5)), enc(Datum::Double(-1.0)));
  EXPECT_LT(enc(Datum::Double(-1.0)), enc(Datum::Double(0.5)));
  EXPECT_LT(enc(Datum::Bytes("ab")), enc(Datum::Bytes("abc")));
  EXPECT_LT(enc(Datum::Bytes("abcdefgh")), enc(Datum::Bytes("abcdefgha")));
}

TEST(TableCodec, DecodeKeys) {
  auto rk = DecodeRecordKey(RecordKey(110, -42));
  ASSERT_TRUE(rk.ok()) << rk.status().ToString();
  EXPECT_EQ(rk->table_id, 110);
  EXPECT_EQ(rk->handle, -42);
  EXPECT_EQ(DecodeRecordKey(RecordPrefix(110)).status().code(), Status::Code::kCorruption);
  EXPECT_FALSE(DecodeRecordKey(IndexPrefix(110, 1)).ok());

  const Datum v[] = {Datum::Int(5), Datum::Bytes("xyz")};
  auto ik = DecodeIndexKey(IndexKey(110, 3, v, false, 77), 2);
  ASSERT_TRUE(ik.ok()) << ik.status().ToString();
  EXPECT_EQ(ik->table_id, 110);
  EXPECT_EQ(ik->index_id, 3);
  ASSERT_EQ(ik->values.size(), 2u);
  EXPECT_EQ(ik->values[0], v[0]);
  EXPECT_EQ(ik->values[1], v[1]);
  EXPECT_TRUE(ik->has_handle);
  EXPECT_EQ(ik->handle, 77);
  auto uk = DecodeIndexKey(IndexKey(110, 3, v, true, 77), 2);
  ASSERT_TRUE(uk.ok());
  EXPECT_FALSE(uk->has_handle);
  EXPECT_FALSE(DecodeIndexKey(IndexKey(110, 3, v, true, 77) + "x", 2).ok());
  EXPECT_FALSE(DecodeIndexKey(RecordKey(110, 1), 1).ok());
  std::string no_sep = IndexKey(110, 3, v, true, 77);
  no_sep[9] = 'x';
  EXPECT_FALSE(DecodeIndexKey(no_sep, 2).ok());

  EXPECT_EQ(DecodeTableID(RecordKey(110, 1)), 110);
  EXPECT_EQ(DecodeTableID(IndexPrefix(7, 1)), 7);
  EXPECT_EQ(DecodeTableID(TablePrefix(123456789)), 123456789);
  EXPECT_EQ(DecodeTableID("t\x80"), 0);
  EXPECT_EQ(DecodeTableID("mDBs"), 0);
  EXPECT_EQ(DecodeTableID(""), 0);

  EXPECT_TRUE(IsRecordKey(RecordKey(1, 1)));
  EXPECT_FALSE(IsIndexKey(RecordKey(1, 1)));
  EXPECT_TRUE(IsIndexKey(IndexPrefix(1, 1)));
  EXPECT_FALSE(IsRecordKey(TablePrefix(1)));
}

TEST(TableCodec, Ranges) {
  KeyRange r = TableRecordRange(110);
  EXPECT_EQ(HexOf(r.start), X("74 80 00 00 00 00 00 00 6E 5F 72 00 00 00 00 00 00 00 00"));
  // Ends at t{id}_s + 8 zero bytes.
  EXPECT_EQ(HexOf(r.end), X("74 80 00 00 00 00 00 00 6E 5F 73 00 00 00 00 00 00 00 00"));
  EXPECT_LT(r.start, RecordKey(110, std::numeric_limits<int64_t>::min() + 1));
  EXPECT_LT(RecordKey(110, std::numeric_limits<int64_t>::max()), r.end);

  KeyRange i = IndexRange(110, 1);
  EXPECT_EQ(HexOf(i.start), HexOf(IndexPrefix(110, 1)) + "00");
  EXPECT_EQ(HexOf(i.end), HexOf(IndexPrefix(110, 1)) + "fb");
  const Datum v[] = {Datum::Bytes("\xff\xff")};
  const std::string k = IndexKey(110, 1, v, false, 1);
  EXPECT_LT(i.start, k);
  EXPECT_LT(k, i.end);

  KeyRange w = WholeTableRange(110);
  EXPECT_EQ(w.start, TablePrefix(110));
  EXPECT_EQ(w.end, TablePrefix(111));
  KeyRange w2 = WholeTableRange(255);
  EXPECT_EQ(w2.end, TablePrefix(256));
}

}  // namespace
}  // namespace brkv::catalog
