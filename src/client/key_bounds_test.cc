#include "client/key_bounds.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::client {
namespace {

using namespace std::string_literals;

std::string RandomBytes(std::mt19937_64* rng, size_t max_len, int alphabet) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, alphabet - 1);
  std::string s(len(*rng), '\0');
  // A small alphabet around 0x00 and 0xFF hits padding and marker edge cases.
  static const unsigned char kBytes[] = {0x00, 0x01, 0x61, 0xF7, 0xF8, 0xFE, 0xFF, 0x7F};
  for (auto& c : s) c = static_cast<char>(kBytes[byte(*rng) % 8]);
  return s;
}

TEST(TxnLowerBound, EncodedKeysDecodeExactly) {
  for (std::string k : {std::string(""), std::string("a"), std::string("abcdefgh"),
                        std::string("abcdefghi"), std::string("t\x80\0\0\0\0\0\0\x05_r", 11),
                        std::string(16, '\0')}) {
    EXPECT_EQ(TxnLowerBound(codec::EncodeBytes(k)), k) << codec::Escape(k);
  }
}

// The defining property: Enc(k) >= B  <=>  k >= TxnLowerBound(B), for any boundary B.
TEST(TxnLowerBound, PropertyAgainstArbitraryBoundaries) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 20000; ++i) {
    std::string b = (i % 3 == 0) ? codec::EncodeBytes(RandomBytes(&rng, 20, 8))
                                 : RandomBytes(&rng, 30, 8);
    if (i % 5 == 0 && !b.empty()) b.resize(rng() % b.size());  // truncated encodings
    std::string lb = TxnLowerBound(b);
    for (int j = 0; j < 20; ++j) {
      std::string k = RandomBytes(&rng, 20, 8);
      bool enc_ge = codec::EncodeBytes(k) >= b;
      ASSERT_EQ(enc_ge, k >= lb) << "b=" << codec::ToHex(b) << " k=" << codec::ToHex(k)
                                 << " lb=" << codec::ToHex(lb);
    }
    // lb itself is the smallest such key.
    ASSERT_GE(codec::EncodeBytes(lb), b) << codec::ToHex(b);
  }
}

TEST(TxnRangeOfRegion, Basics) {
  auto r = TxnRangeOfRegion("", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start, "");
  EXPECT_EQ(r->end, "");
  r = TxnRangeOfRegion(codec::EncodeBytes("b"), codec::EncodeBytes("d"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start, "b");
  EXPECT_EQ(r->end, "d");
  // A region between two consecutive encodings holds no key.
  EXPECT_FALSE(TxnRangeOfRegion(codec::EncodeBytes("b") + "x", codec::EncodeBytes("b\0"s)));
  // Below the encoding of the empty key: no key at all.
  EXPECT_FALSE(TxnRangeOfRegion("", std::string(8, '\0')));
}

TEST(RawRangeOfRegion, MapsTheRawSpace) {
  auto r = RawRangeOfRegion("", "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start, "");
  EXPECT_EQ(r->end, "");
  r = RawRangeOfRegion("m", "rk");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start, "");
  EXPECT_EQ(r->end, "k");
  r = RawRangeOfRegion("rk", "t");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->start, "k");
  EXPECT_EQ(r->end, "");
  EXPECT_FALSE(RawRangeOfRegion("", "m"));
  EXPECT_FALSE(RawRangeOfRegion("", "r"));
  EXPECT_FALSE(RawRangeOfRegion("s", ""));
  EXPECT_FALSE(RawRangeOfRegion("t", "u"));
}

TEST(Intersect, InfiniteEnds) {
  auto r = Intersect({"a", ""}, {"c", "f"});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (KeyRange{"c", "f"}));
  r = Intersect({"a", "d"}, {"c", ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (KeyRange{"c", "d"}));
  EXPECT_FALSE(Intersect({"a", "c"}, {"c", ""}));
  r = Intersect({"", ""}, {"", ""});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (KeyRange{"", ""}));
}

}  // namespace
}  // namespace brkv::client
