#include "sql/wire.h"

#include <gtest/gtest.h>

namespace brkv::sql {
namespace {

TEST(WireTest, LenencIntBoundaries) {
  for (uint64_t v : {0ull, 250ull, 251ull, 0xFFFFull, 0x10000ull, 0xFFFFFFull, 0x1000000ull,
                     ~0ull}) {
    PacketWriter w;
    w.LenencInt(v);
    PacketReader r(w.data());
    std::optional<uint64_t> got = r.LenencInt();
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, v);
    EXPECT_TRUE(r.AtEnd());
  }
  PacketWriter w;
  w.LenencInt(250);
  EXPECT_EQ(w.data().size(), 1u);
  PacketWriter w2;
  w2.LenencInt(251);
  EXPECT_EQ(w2.data(), std::string("\xFC\xFB\x00", 3));
}

TEST(WireTest, NullMarkerAndTruncation) {
  PacketReader r(std::string_view("\xFB", 1));
  EXPECT_FALSE(r.LenencInt().has_value());
  EXPECT_TRUE(r.ok());

  PacketReader truncated(std::string_view("\xFC\x01", 2));
  truncated.LenencInt();
  EXPECT_FALSE(truncated.ok());

  PacketReader str(std::string_view("\x05" "abc", 4));  // says 5 bytes, has 3
  EXPECT_EQ(str.LenencStr(), "");
  EXPECT_FALSE(str.ok());

  PacketReader nul(std::string_view("abc", 3));  // no terminator
  nul.NulStr();
  EXPECT_FALSE(nul.ok());
}

TEST(WireTest, IntegersAreLittleEndian) {
  PacketWriter w;
  w.Int2(0x0102);
  w.Int3(0x030405);
  w.Int4(0x06070809);
  w.Int8(0x1011121314151617ull);
  EXPECT_EQ(w.data(), std::string("\x02\x01\x05\x04\x03\x09\x08\x07\x06"
                                  "\x17\x16\x15\x14\x13\x12\x11\x10"));
  PacketReader r(w.data());
  EXPECT_EQ(r.Int2(), 0x0102);
  EXPECT_EQ(r.Int3(), 0x030405u);
  EXPECT_EQ(r.Int4(), 0x06070809u);
  EXPECT_EQ(r.Int8(), 0x1011121314151617ull);
  EXPECT_TRUE(r.ok());
  r.Int1();
  EXPECT_FALSE(r.ok());
}

TEST(WireTest, FramingSplitsLargePayloads) {
  std::string out;
  uint8_t seq = 0;
  AppendPackets(&out, "hi", &seq);
  EXPECT_EQ(out, std::string("\x02\x00\x00\x00hi", 6));
  EXPECT_EQ(seq, 1);

  // Exactly 0xFFFFFF bytes: one full part and an empty one.
  out.clear();
  seq = 7;
  std::string big(kMaxPacketPart, 'x');
  AppendPackets(&out, big, &seq);
  ASSERT_EQ(out.size(), kMaxPacketPart + 8);
  EXPECT_EQ(static_cast<uint8_t>(out[3]), 7);
  EXPECT_EQ(out.substr(kMaxPacketPart + 4), std::string("\x00\x00\x00\x08", 4));
  EXPECT_EQ(seq, 9);
}

}  // namespace
}  // namespace brkv::sql
