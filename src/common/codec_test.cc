#include "common/codec.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace brkv::codec {
namespace {

// "74 80 00" -> bytes; spaces are ignored.
std::string H(std::string_view spaced) {
  std::string hex;
  for (char c : spaced) {
    if (c != ' ') hex.push_back(c);
  }
  auto r = FromHex(hex);
  EXPECT_TRUE(r.ok()) << spaced;
  return r.ok() ? *r : std::string();
}

std::string Int(int64_t v) {
  std::string s;
  EncodeInt(&s, v);
  return s;
}

std::string Flt(double v) {
  std::string s;
  EncodeFloat(&s, v);
  return s;
}

std::string RandomBytes(std::mt19937_64* rng, size_t max_len) {
  std::string s(static_cast<size_t>((*rng)() % (max_len + 1)), '\0');
  // A small alphabet makes shared prefixes, 0x00 and 0xFF (the interesting bytes) common.
  static constexpr char kAlphabet[] = {'\x00', '\x01', 'a', '\x7f', '\x80', '\xfe', '\xff'};
  for (char& c : s) c = kAlphabet[(*rng)() % sizeof(kAlphabet)];
  return s;
}

// ---------------------------------------------------------------------------------------------
// Integers and floats (formats.md 3.1)

TEST(CodecIntTest, PublicVectors) {
  EXPECT_EQ(Int(0), H("80 00 00 00 00 00 00 00"));
  EXPECT_EQ(Int(110), H("80 00 00 00 00 00 00 6E"));
  EXPECT_EQ(Int(-1), H("7F FF FF FF FF FF FF FF"));
  EXPECT_EQ(Int(std::numeric_limits<int64_t>::min()), H("00 00 00 00 00 00 00 00"));
  EXPECT_EQ(Int(std::numeric_limits<int64_t>::max()), H("FF FF FF FF FF FF FF FF"));
}

TEST(CodecIntTest, RoundTripAndOrder) {
  std::vector<int64_t> vals = {std::numeric_limits<int64_t>::min(), -1000000007, -256, -1, 0, 1,
                               255, 256, 1LL << 40, std::numeric_limits<int64_t>::max()};
  for (size_t i = 0; i < vals.size(); ++i) {
    std::string e = Int(vals[i]);
    std::string_view in = e;
    auto d = DecodeInt(&in);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, vals[i]);
    EXPECT_TRUE(in.empty());
    if (i > 0) {
      EXPECT_LT(Int(vals[i - 1]), e) << vals[i];
    }
  }
}

TEST(CodecIntTest, UintAndDesc) {
  std::string s;
  EncodeUint(&s, 0x0102030405060708ULL);
  EXPECT_EQ(s, H("01 02 03 04 05 06 07 08"));
  std::string d;
  EncodeUintDesc(&d, 459177129704947714ULL);  // formats.md 4.4
  EXPECT_EQ(d, H("F9 A0 AC D5 56 F3 FF FD"));
  std::string_view in = d;
  auto v = DecodeUintDesc(&in);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 459177129704947714ULL);
  // Descending: a larger ts sorts first.
  std::string a, b;
  EncodeUintDesc(&a, 100);
  EncodeUintDesc(&b, 101);
  EXPECT_LT(b, a);
  in = s;
  auto u = DecodeUint(&in);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(*u, 0x0102030405060708ULL);
}

TEST(CodecIntTest, TruncatedIsCorruption) {
  std::string e = Int(42);
  for (size_t n = 0; n < e.size(); ++n) {
    std::string_view in(e.data(), n);
    EXPECT_EQ(DecodeInt(&in).status().code(), Status::Code::kCorruption);
    in = std::string_view(e.data(), n);
    EXPECT_EQ(DecodeUint(&in).status().code(), Status::Code::kCorruption);
    in = std::string_view(e.data(), n);
    EXPECT_EQ(DecodeUintDesc(&in).status().code(), Status::Code::kCorruption);
    in = std::string_view(e.data(), n);
    EXPECT_EQ(DecodeFloat(&in).status().code(), Status::Code::kCorruption);
  }
}

TEST(CodecFloatTest, PublicVectors) {
  EXPECT_EQ(Flt(1.0), H("BF F0 00 00 00 00 00 00"));
  EXPECT_EQ(Flt(-1.0), H("40 0F FF FF FF FF FF FF"));
}

TEST(CodecFloatTest, RoundTripAndOrder) {
  std::vector<double> vals = {-std::numeric_limits<double>::infinity(),
                              -1e300,
                              -1.5,
                              -std::numeric_limits<double>::denorm_min(),
                              0.0,
                              std::numeric_limits<double>::denorm_min(),
                              1.0,
                              3.25,
                              1e300,
                              std::numeric_limits<double>::infinity()};
  for (size_t i = 0; i < vals.size(); ++i) {
    std::string e = Flt(vals[i]);
    std::string_view in = e;
    auto d = DecodeFloat(&in);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, vals[i]);
    if (i > 0) {
      EXPECT_LT(Flt(vals[i - 1]), e) << vals[i];
    }
  }
  std::string e = Flt(std::nan(""));
  std::string_view in = e;
  auto d = DecodeFloat(&in);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(std::isnan(*d));
}

// ---------------------------------------------------------------------------------------------
// Varints

TEST(CodecVarintTest, UvarintVectors) {
  struct Case {
    uint64_t v;
    const char* hex;
  } cases[] = {
      {0, "00"},
      {1, "01"},
      {127, "7F"},
      {128, "80 01"},
      {300, "AC 02"},
      {16384, "80 80 01"},
      // start_ts of the formats.md 4.2 Put vector.
      {459177129704947713ULL, "81 80 B0 C8 AA E5 D4 AF 06"},
      {std::numeric_limits<uint64_t>::max(), "FF FF FF FF FF FF FF FF FF 01"},
  };
  for (const Case& c : cases) {
    std::string e;
    EncodeUvarint(&e, c.v);
    EXPECT_EQ(e, H(c.hex)) << c.v;
    std::string_view in = e;
    auto d = DecodeUvarint(&in);
    ASSERT_TRUE(d.ok()) << c.v;
    EXPECT_EQ(*d, c.v);
    EXPECT_TRUE(in.empty());
  }
}

TEST(CodecVarintTest, ZigZagVectors) {
  struct Case {
    int64_t v;
    const char* hex;
  } cases[] = {
      {0, "00"},
      {-1, "01"},
      {1, "02"},
      {-2, "03"},
      {63, "7E"},
      {-64, "7F"},
      {64, "80 01"},
      {std::numeric_limits<int64_t>::max(), "FE FF FF FF FF FF FF FF FF 01"},
      {std::numeric_limits<int64_t>::min(), "FF FF FF FF FF FF FF FF FF 01"},
  };
  for (const Case& c : cases) {
    std::string e;
    EncodeVarint(&e, c.v);
    EXPECT_EQ(e, H(c.hex)) << c.v;
    std::string_view in = e;
    auto d = DecodeVarint(&in);
    ASSERT_TRUE(d.ok()) << c.v;
    EXPECT_EQ(*d, c.v);
  }
}

TEST(CodecVarintTest, MalformedIsCorruption) {
  const char* bad[] = {
      "",                                // empty
      "80",                              // continuation with no next byte
      "FF FF FF",                        // truncated
      "FF FF FF FF FF FF FF FF FF 02",   // 10th byte overflows 64 bits
      "FF FF FF FF FF FF FF FF FF 81 00",  // 11 bytes
  };
  for (const char* hex : bad) {
    std::string b = H(hex);
    std::string_view in = b;
    EXPECT_EQ(DecodeUvarint(&in).status().code(), Status::Code::kCorruption) << hex;
    in = b;
    EXPECT_EQ(DecodeVarint(&in).status().code(), Status::Code::kCorruption) << hex;
  }
}

TEST(CodecVarintTest, DecodeAdvancesCursor) {
  std::string e;
  EncodeUvarint(&e, 300);
  EncodeVarint(&e, -5);
  e.push_back('x');
  std::string_view in = e;
  EXPECT_EQ(*DecodeUvarint(&in), 300u);
  EXPECT_EQ(*DecodeVarint(&in), -5);
  EXPECT_EQ(in, "x");
}

// ---------------------------------------------------------------------------------------------
// Memcomparable bytes (formats.md 3.2)

TEST(CodecBytesTest, TikvAscendingVectors) {
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
    std::string raw = H(c.in);
    std::string enc = EncodeBytes(raw);
    EXPECT_EQ(enc, H(c.out)) << c.in;
    EXPECT_EQ(enc.size(), (raw.size() / 8 + 1) * 9);
    std::string appended = "pre";
    EncodeBytes(&appended, raw);
    EXPECT_EQ(appended, "pre" + enc);
    std::string_view in = enc;
    auto d = DecodeBytes(&in);
    ASSERT_TRUE(d.ok()) << c.in << ": " << d.status().ToString();
    EXPECT_EQ(*d, raw);
    EXPECT_TRUE(in.empty());
  }
}

TEST(CodecBytesTest, TikvDescendingVectors) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"", "FF FF FF FF FF FF FF FF 08"},
      {"01 02 03", "FE FD FC FF FF FF FF FF 05"},
  };
  for (const Case& c : cases) {
    std::string raw = H(c.in);
    std::string enc;
    EncodeBytesDesc(&enc, raw);
    EXPECT_EQ(enc, H(c.out)) << c.in;
    std::string_view in = enc;
    auto d = DecodeBytesDesc(&in);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(*d, raw);
    EXPECT_TRUE(in.empty());
  }
}

TEST(CodecBytesTest, TableKeyVectors) {
  // formats.md 3.4: raw record key of table 110, handle 1, and its encoding.
  std::string raw = "t" + Int(110) + "_r" + Int(1);
  EXPECT_EQ(raw, H("74 80 00 00 00 00 00 00 6E 5F 72 80 00 00 00 00 00 00 01"));
  EXPECT_EQ(EncodeBytes(raw),
            H("74 80 00 00 00 00 00 00 FF 6E 5F 72 80 00 00 00 00 FF 00 00 01 00 00 00 00 00 FA"));
  // enc(table prefix t110) is the region boundary of the table.
  EXPECT_EQ(EncodeBytes("t" + Int(110)),
            H("74 80 00 00 00 00 00 00 FF 6E 00 00 00 00 00 00 00 F8"));
}

TEST(CodecBytesTest, MetaKeyVectors) {
  // formats.md 3.6: 'm' + EncodeBytes(key) + EncodeUint(type) [+ EncodeBytes(field)].
  auto hash_key = [](std::string_view key, std::string_view field) {
    std::string s = "m";
    EncodeBytes(&s, key);
    EncodeUint(&s, 'h');
    EncodeBytes(&s, field);
    return s;
  };
  EXPECT_EQ(hash_key("DBs", "DB:2"),
            H("6D 44 42 73 00 00 00 00 00 FA 00 00 00 00 00 00 00 68 44 42 3A 32 00 00 00 00 FB"));
  EXPECT_EQ(hash_key("DB:2", "Table:110"),
            H("6D 44 42 3A 32 00 00 00 00 FB 00 00 00 00 00 00 00 68 54 61 62 6C 65 3A 31 31 FF "
              "30 00 00 00 00 00 00 00 F8"));
  std::string s = "m";
  EncodeBytes(&s, "NextGlobalID");
  EncodeUint(&s, 's');
  EXPECT_EQ(s, H("6D 4E 65 78 74 47 6C 6F 62 FF 61 6C 49 44 00 00 00 00 FB 00 00 00 00 00 00 00 "
                 "73"));
}

TEST(CodecBytesTest, RandomRoundTripAndOrder) {
  std::mt19937_64 rng(7);
  std::vector<std::string> raws;
  for (int i = 0; i < 400; ++i) raws.push_back(RandomBytes(&rng, 30));
  for (const std::string& r : raws) {
    std::string enc = EncodeBytes(r);
    std::string_view in = enc;
    auto d = DecodeBytes(&in);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, r);
    std::string desc;
    EncodeBytesDesc(&desc, r);
    in = desc;
    auto dd = DecodeBytesDesc(&in);
    ASSERT_TRUE(dd.ok());
    EXPECT_EQ(*dd, r);
  }
  for (size_t i = 0; i + 1 < raws.size(); ++i) {
    const std::string& a = raws[i];
    const std::string& b = raws[i + 1];
    std::string ea = EncodeBytes(a), eb = EncodeBytes(b);
    EXPECT_EQ(a < b, ea < eb);
    EXPECT_EQ(a == b, ea == eb);
    std::string da, db;
    EncodeBytesDesc(&da, a);
    EncodeBytesDesc(&db, b);
    EXPECT_EQ(a < b, da > db);
    // A key followed by more encoded data still sorts by the key (the encoding is prefix-free).
    if (a < b) {
      EXPECT_LT(ea + "\xff\xff", eb + std::string("\x00", 1));
    }
  }
}

TEST(CodecBytesTest, DecodeLeavesFollowingBytes) {
  std::string e = EncodeBytes("hello world");
  e.append("tail");
  std::string_view in = e;
  auto d = DecodeBytes(&in);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, "hello world");
  EXPECT_EQ(in, "tail");
}

TEST(CodecBytesTest, MalformedIsCorruption) {
  const char* bad[] = {
      "",                                                    // empty
      "00 00 00 00 00 00 00 00",                             // no marker
      "01 02 03 00 00 00 00 00 F6",                          // marker below 0xF7
      "01 02 03 00 00 00 00 01 FA",                          // non-zero pad byte
      "01 02 03 04 05 06 07 08 FF",                          // full group, then nothing
      "01 02 03 04 05 06 07 08 FF 00 00 00",                 // truncated second group
      "00 00 00 00 00 00 00 00 00",                          // marker 0x00
  };
  for (const char* hex : bad) {
    std::string b = H(hex);
    std::string_view in = b;
    EXPECT_EQ(DecodeBytes(&in).status().code(), Status::Code::kCorruption) << hex;
  }
  // Pad bytes of the descending form must be 0xFF.
  std::string d = H("FE FD FC FF FF FF FF FE 05");
  std::string_view in = d;
  EXPECT_EQ(DecodeBytesDesc(&in).status().code(), Status::Code::kCorruption);
  // An ascending encoding is not a valid descending one.
  std::string asc = EncodeBytes("abc");
  in = asc;
  EXPECT_FALSE(DecodeBytesDesc(&in).ok());
}

TEST(CodecBytesTest, EveryTruncationIsCorruption) {
  std::string e = EncodeBytes("0123456789abcdefXYZ");
  for (size_t n = 0; n < e.size(); ++n) {
    std::string_view in(e.data(), n);
    EXPECT_EQ(DecodeBytes(&in).status().code(), Status::Code::kCorruption) << n;
  }
}

TEST(CodecBytesTest, GarbageNeverCrashes) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 5000; ++i) {
    std::string s = RandomBytes(&rng, 40);
    std::string_view in = s;
    auto r = DecodeBytes(&in);
    if (r.ok()) {
      EXPECT_EQ(EncodeBytes(*r), s.substr(0, s.size() - in.size()));
    } else {
      EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
    }
    in = s;
    (void)DecodeBytesDesc(&in);
    in = s;
    (void)DecodeCompactBytes(&in);
    in = s;
    (void)DecodeUvarint(&in);
  }
}

// ---------------------------------------------------------------------------------------------
// Compact bytes

TEST(CodecCompactBytesTest, RoundTrip) {
  std::string e;
  EncodeCompactBytes(&e, "abc");
  EXPECT_EQ(e, H("06 61 62 63"));  // zig-zag length 3 -> 6
  EncodeCompactBytes(&e, "");
  std::string big(200, 'x');
  EncodeCompactBytes(&e, big);
  std::string_view in = e;
  EXPECT_EQ(*DecodeCompactBytes(&in), "abc");
  EXPECT_EQ(*DecodeCompactBytes(&in), "");
  EXPECT_EQ(*DecodeCompactBytes(&in), big);
  EXPECT_TRUE(in.empty());
}

TEST(CodecCompactBytesTest, MalformedIsCorruption) {
  const char* bad[] = {
      "",          // no length
      "01",        // length -1
      "08 61 62",  // length 4, only 2 bytes
      "80",        // truncated length varint
      "FE FF FF FF FF FF FF FF FF 01",  // huge length, no data
  };
  for (const char* hex : bad) {
    std::string b = H(hex);
    std::string_view in = b;
    EXPECT_EQ(DecodeCompactBytes(&in).status().code(), Status::Code::kCorruption) << hex;
  }
}

// ---------------------------------------------------------------------------------------------
// EncodeKeyPrefix and PrefixNext (formats.md 2.3, 3.4)

TEST(CodecKeyPrefixTest, PublicVectors) {
  std::string record_prefix = "t" + Int(110) + "_r";
  EXPECT_EQ(record_prefix.size(), 11u);
  EXPECT_EQ(EncodeKeyPrefix(record_prefix), H("74 80 00 00 00 00 00 00 FF 6E 5F 72"));
  std::string index_prefix = "t" + Int(110) + "_i" + Int(1);
  EXPECT_EQ(index_prefix.size(), 19u);
  EXPECT_EQ(EncodeKeyPrefix(index_prefix),
            H("74 80 00 00 00 00 00 00 FF 6E 5F 69 80 00 00 00 00 FF 00 00 01"));
}

TEST(CodecKeyPrefixTest, IsPrefixOfEveryEncodedExtension) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 300; ++i) {
    std::string p = RandomBytes(&rng, 20);
    std::string ep = EncodeKeyPrefix(p);
    EXPECT_EQ(ep.size(), p.size() / 8 * 9 + p.size() % 8);
    for (int j = 0; j < 5; ++j) {
      std::string k = p + RandomBytes(&rng, 12);
      std::string ek = EncodeBytes(k);
      EXPECT_EQ(ek.compare(0, ep.size(), ep), 0) << ToHex(p) << " / " << ToHex(k);
    }
  }
  EXPECT_EQ(EncodeKeyPrefix(""), "");
}

TEST(CodecPrefixNextTest, Cases) {
  EXPECT_EQ(PrefixNext("abc"), "abd");
  EXPECT_EQ(PrefixNext(std::string("a\xff", 2)), std::string("b\x00", 2));
  EXPECT_EQ(PrefixNext(std::string("\x01\xff\xff", 3)), std::string("\x02\x00\x00", 3));
  EXPECT_EQ(PrefixNext("\xff\xff"), "");
  EXPECT_EQ(PrefixNext(""), "");
  // formats.md 3.4: the record range of a table ends at t{id}_s + 8 zero bytes.
  std::string end = PrefixNext("t" + Int(110) + "_r" + Int(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(end, "t" + Int(110) + "_s" + std::string(8, '\0'));
}

TEST(CodecPrefixNextTest, BoundsEveryExtension) {
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    std::string p = RandomBytes(&rng, 6);
    std::string next = PrefixNext(p);
    std::string k = p + RandomBytes(&rng, 6);
    if (next.empty()) {
      EXPECT_TRUE(std::all_of(p.begin(), p.end(), [](char c) { return c == '\xff'; }));
    } else {
      EXPECT_LT(k, next);
      EXPECT_LT(p, next);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Hex and escaping

TEST(CodecHexTest, RoundTrip) {
  EXPECT_EQ(ToHex(std::string("\x00\x7f\x80\xff", 4)), "007f80ff");
  EXPECT_EQ(ToHex(""), "");
  EXPECT_EQ(*FromHex("007F80ff"), std::string("\x00\x7f\x80\xff", 4));
  EXPECT_EQ(*FromHex(""), "");
  std::mt19937_64 rng(9);
  for (int i = 0; i < 100; ++i) {
    std::string s = RandomBytes(&rng, 20);
    EXPECT_EQ(*FromHex(ToHex(s)), s);
  }
}

TEST(CodecHexTest, Invalid) {
  EXPECT_EQ(FromHex("abc").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(FromHex("zz").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(FromHex("0g").status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(FromHex(" 0").status().code(), Status::Code::kInvalidArgument);
}

TEST(CodecEscapeTest, Forms) {
  EXPECT_EQ(Escape("abc"), "abc");
  EXPECT_EQ(Escape(std::string("t\x80\x00\x01_r", 6)), "t\\x80\\x00\\x01_r");
  EXPECT_EQ(Escape("a\\b"), "a\\\\b");
  EXPECT_EQ(Escape("\n"), "\\x0a");
  EXPECT_EQ(*Unescape("t\\x80\\x00_r"), std::string("t\x80\x00_r", 5));
  EXPECT_EQ(*Unescape("\\\\\\n\\t\\r\\\"\\'"), "\\\n\t\r\"'");
  EXPECT_EQ(*Unescape("\\xFF\\xab"), "\xff\xab");
}

TEST(CodecEscapeTest, RoundTrip) {
  std::mt19937_64 rng(13);
  for (int i = 0; i < 300; ++i) {
    std::string s = RandomBytes(&rng, 30);
    s.push_back('\\');
    std::string e = Escape(s);
    for (char c : e) EXPECT_TRUE(c >= 0x20 && c < 0x7f);
    EXPECT_EQ(*Unescape(e), s);
  }
}

TEST(CodecEscapeTest, InvalidEscapes) {
  const char* bad[] = {"\\", "abc\\", "\\x", "\\x4", "\\xg0", "\\q", "\\x4\\"};
  for (const char* s : bad) {
    EXPECT_EQ(Unescape(s).status().code(), Status::Code::kInvalidArgument) << s;
  }
}

}  // namespace
}  // namespace brkv::codec
