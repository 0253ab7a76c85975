#include "kv/keys.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "common/codec.h"

namespace brkv::keys {
namespace {

std::string H(std::string_view spaced) {
  std::string hex;
  for (char c : spaced) {
    if (c != ' ') hex.push_back(c);
  }
  return *codec::FromHex(hex);
}

// formats.md 3.4 / 4.4: table 110, handle 1, commit ts 459177129704947714.
const std::string kRawRecordKey = H("74 80 00 00 00 00 00 00 6E 5F 72 80 00 00 00 00 00 00 01");
const std::string kEncRecordKey =
    H("74 80 00 00 00 00 00 00 FF 6E 5F 72 80 00 00 00 00 FF 00 00 01 00 00 00 00 00 FA");
constexpr uint64_t kCommitTs = 459177129704947714ULL;
const std::string kDescTs = H("F9 A0 AC D5 56 F3 FF FD");

TEST(KeysTest, TxnRegionKeyVector) {
  EXPECT_EQ(TxnRegionKey(kRawRecordKey), kEncRecordKey);
  EXPECT_EQ(TxnRegionKey(H("74 80 00 00 00 00 00 00 6E")),
            H("74 80 00 00 00 00 00 00 FF 6E 00 00 00 00 00 00 00 F8"));
}

TEST(KeysTest, MvccKeyVector) {
  std::string k = MvccKey(kRawRecordKey, kCommitTs);
  EXPECT_EQ(k, "z" + kEncRecordKey + kDescTs);
  EXPECT_EQ(k.size(), 1 + 27 + 8u);
  auto d = DecodeMvccKey(k);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->raw, kRawRecordKey);
  EXPECT_EQ(d->ts, kCommitTs);
  EXPECT_EQ(MvccKeyToRegionKey(k), kEncRecordKey);
}

TEST(KeysTest, LockKey) {
  std::string k = LockKey(kRawRecordKey);
  EXPECT_EQ(k, "z" + kEncRecordKey);
  auto d = DecodeLockKey(k);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, kRawRecordKey);
}

TEST(KeysTest, DataAndRawKeys) {
  EXPECT_EQ(DataKey("abc"), "zabc");
  EXPECT_EQ(DataKey(""), "z");
  EXPECT_EQ(RawRegionKey("user"), "ruser");
  EXPECT_EQ(RawRegionKey(""), "r");
  EXPECT_EQ(RawRegionEndKey("user"), "ruser");
  EXPECT_EQ(RawRegionEndKey(""), "s");
  // The raw key space sits between meta 'm' and tables 't', and every raw region key is below
  // the raw end sentinel.
  EXPECT_LT(std::string("m\xff"), RawRegionKey(""));
  EXPECT_LT(RawRegionKey("\xff\xff\xff"), RawRegionEndKey(""));
  EXPECT_LT(RawRegionEndKey(""), TxnRegionKey("t"));
}

TEST(KeysTest, MvccOrderingNewestFirst) {
  // The same key: a larger ts sorts first.
  EXPECT_LT(MvccKey("k", 200), MvccKey("k", 100));
  EXPECT_LT(MvccKey("k", UINT64_MAX), MvccKey("k", 0));
  // Different keys: key order wins regardless of ts, even when one key prefixes the other.
  std::mt19937_64 rng(17);
  for (int i = 0; i < 500; ++i) {
    std::string a(rng() % 12, '\0'), b(rng() % 12, '\0');
    for (char& c : a) c = static_cast<char>("\x00\x01\xfe\xff"[rng() % 4]);
    for (char& c : b) c = static_cast<char>("\x00\x01\xfe\xff"[rng() % 4]);
    if (a == b) continue;
    uint64_t ta = rng(), tb = rng();
    EXPECT_EQ(a < b, MvccKey(a, ta) < MvccKey(b, tb)) << codec::ToHex(a) << " " << codec::ToHex(b);
    EXPECT_EQ(a < b, LockKey(a) < LockKey(b));
  }
}

TEST(KeysTest, VersionHelpersAgreeWithMvccKey) {
  const std::string prefix = DataKey(TxnRegionKey("row-7"));
  EXPECT_EQ(MvccKeyWithTs(prefix, 42), MvccKey("row-7", 42));
  EXPECT_EQ(MvccKeyTs(MvccKey("row-7", 42)), 42u);
  EXPECT_EQ(MvccKeyTs(MvccKey("row-7", UINT64_MAX)), UINT64_MAX);
  EXPECT_EQ(MvccKeyTs("short"), 0u);
  EXPECT_TRUE(IsMvccVersionOf(MvccKey("row-7", 1), prefix));
  // Another key that extends the raw key is not a version (prefix-free encoding).
  EXPECT_FALSE(IsMvccVersionOf(MvccKey("row-70", 1), prefix));
  EXPECT_FALSE(IsMvccVersionOf(MvccKey("row-6", 1), prefix));
  EXPECT_FALSE(IsMvccVersionOf(prefix, prefix));
}

TEST(KeysTest, RoundTripRandom) {
  std::mt19937_64 rng(23);
  for (int i = 0; i < 300; ++i) {
    std::string raw(rng() % 40, '\0');
    for (char& c : raw) c = static_cast<char>(rng());
    uint64_t ts = rng();
    auto d = DecodeMvccKey(MvccKey(raw, ts));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->raw, raw);
    EXPECT_EQ(d->ts, ts);
    auto l = DecodeLockKey(LockKey(raw));
    ASSERT_TRUE(l.ok());
    EXPECT_EQ(*l, raw);
  }
}

TEST(KeysTest, MalformedMvccKeys) {
  std::string good = MvccKey(kRawRecordKey, kCommitTs);
  const std::string bad[] = {
      "",
      "z",
      good.substr(1),                        // missing 'z'
      "x" + good.substr(1),                  // wrong prefix
      good.substr(0, good.size() - 1),       // truncated ts
      "z" + kEncRecordKey,                   // lock key, no ts
      "z" + kEncRecordKey + "x" + kDescTs,   // stray byte between key and ts
      "z" + H("01 02 03 00 00 00 00 01 FA") + kDescTs,  // bad padding
      "z" + H("01 02 03 00 00 00 00 00 F0") + kDescTs,  // bad marker
  };
  for (const std::string& k : bad) {
    EXPECT_EQ(DecodeMvccKey(k).status().code(), Status::Code::kCorruption) << codec::ToHex(k);
  }
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeMvccKey(good.substr(0, n)).ok()) << n;
  }
}

TEST(KeysTest, MalformedLockKeys) {
  std::string good = LockKey(kRawRecordKey);
  const std::string bad[] = {
      "", "z", good.substr(1), good + "x", good.substr(0, good.size() - 1),
      MvccKey(kRawRecordKey, 5),  // an MVCC key has 8 trailing ts bytes
  };
  for (const std::string& k : bad) {
    EXPECT_EQ(DecodeLockKey(k).status().code(), Status::Code::kCorruption) << codec::ToHex(k);
  }
}

TEST(KeysTest, GarbageNeverCrashes) {
  std::mt19937_64 rng(29);
  for (int i = 0; i < 3000; ++i) {
    std::string k(rng() % 48, '\0');
    for (char& c : k) c = static_cast<char>("z\x00\xff\xf7\xf8\x01"[rng() % 6]);
    (void)DecodeMvccKey(k);
    (void)DecodeLockKey(k);
  }
}

}  // namespace
}  // namespace brkv::keys
