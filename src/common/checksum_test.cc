#include "common/checksum.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "common/codec.h"
#include "common/crc64.h"

namespace brkv {
namespace {

std::string H(std::string_view spaced) {
  std::string hex;
  for (char c : spaced) {
    if (c != ' ') hex.push_back(c);
  }
  return *codec::FromHex(hex);
}

TEST(ChecksumTest, RowVector) {
  // formats.md 5.4: raw record key of table 110 / handle 1 with a one-column v2 row.
  Checksum c;
  c.Update(H("74 80 00 00 00 00 00 00 6E 5F 72 80 00 00 00 00 00 00 01"),
           H("80 00 01 00 00 00 01 01 00 01"));
  EXPECT_EQ(c.crc64xor, 0x889D6AC1E70C6EE1ULL);
  EXPECT_EQ(c.crc64xor, 9844141741539356385ULL);
  EXPECT_EQ(c.total_kvs, 1u);
  EXPECT_EQ(c.total_bytes, 29u);
}

TEST(ChecksumTest, MockPitrEntryVectors) {
  // formats.md 5.4: BR's mock PITR data hashes enc(key)+desc(ts) || write-CF value.
  std::string enc_key =
      H("74 80 00 00 00 00 00 00 FF 6E 5F 72 80 00 00 00 00 FF 00 00 01 00 00 00 00 00 FA");
  std::string put_key = enc_key + H("F9 A0 AC D5 56 F3 FF FD");
  std::string put_value = H("50 81 80 B0 C8 AA E5 D4 AF 06 76 0A 80 00 01 00 00 00 01 01 00 01");
  std::string del_key = enc_key + H("F9 A0 AC C7 5C 0B FF FD");
  std::string del_value = H("44 81 80 D0 9F 8A E7 D4 AF 06");

  Checksum put;
  put.Update(put_key, put_value);
  EXPECT_EQ(put.crc64xor, 17742263206069239029ULL);
  EXPECT_EQ(Crc64(put_key + put_value), 17742263206069239029ULL);

  Checksum del;
  del.Update(del_key, del_value);
  EXPECT_EQ(del.crc64xor, 10600011882420382856ULL);

  Checksum both = put;
  both.Merge(del);
  EXPECT_EQ(both.crc64xor, 17742263206069239029ULL ^ 10600011882420382856ULL);
  EXPECT_EQ(both.total_kvs, 2u);
  EXPECT_EQ(both.total_bytes, put_key.size() + put_value.size() + del_key.size() + del_value.size());
}

TEST(ChecksumTest, OrderIndependentAndMergeable) {
  std::mt19937_64 rng(42);
  std::vector<std::pair<std::string, std::string>> kvs;
  for (int i = 0; i < 200; ++i) {
    std::string k = "key" + std::to_string(rng() % 100000);
    std::string v(rng() % 300, static_cast<char>('a' + rng() % 26));
    kvs.emplace_back(k, v);
  }
  Checksum forward;
  for (const auto& [k, v] : kvs) forward.Update(k, v);

  std::shuffle(kvs.begin(), kvs.end(), rng);
  Checksum a, b;
  for (size_t i = 0; i < kvs.size(); ++i) (i % 3 == 0 ? a : b).Update(kvs[i].first, kvs[i].second);
  Checksum merged;
  merged.Merge(b);
  merged.Merge(a);
  EXPECT_EQ(merged, forward);
  EXPECT_EQ(forward.total_kvs, 200u);
}

TEST(ChecksumTest, KeyValueBoundaryIsNotSignificant) {
  // The per-KV digest covers key||value, so only the concatenation matters (as in TiKV).
  Checksum a, b;
  a.Update("ab", "c");
  b.Update("a", "bc");
  EXPECT_EQ(a, b);
  Checksum c;
  c.Update("ab", "d");
  EXPECT_NE(a.crc64xor, c.crc64xor);
}

TEST(ChecksumTest, EmptyIsIdentity) {
  Checksum zero;
  Checksum c;
  c.Update("k", "v");
  Checksum d = c;
  d.Merge(zero);
  EXPECT_EQ(c, d);
  EXPECT_EQ(zero.crc64xor, 0u);
}

}  // namespace
}  // namespace brkv
