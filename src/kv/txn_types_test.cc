#include "kv/txn_types.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "common/codec.h"

namespace brkv {
namespace {

std::string H(std::string_view spaced) {
  std::string hex;
  for (char c : spaced) {
    if (c != ' ') hex.push_back(c);
  }
  return *codec::FromHex(hex);
}

// formats.md 4.2 vectors, from BR's mock PITR data.
const std::string kPutValue =
    H("50 81 80 B0 C8 AA E5 D4 AF 06 76 0A 80 00 01 00 00 00 01 01 00 01");
const std::string kDeleteValue = H("44 81 80 D0 9F 8A E7 D4 AF 06");
const std::string kRowValue = H("80 00 01 00 00 00 01 01 00 01");

// ---------------------------------------------------------------------------------------------
// TSO (formats.md 4.4)

TEST(TsoTest, PublicExample) {
  constexpr uint64_t ts = 459177129704947714ULL;
  EXPECT_EQ(TsPhysical(ts), 1751621741123);
  EXPECT_EQ(TsLogical(ts), 2);
  EXPECT_EQ(ComposeTs(1751621741123, 2), ts);
  std::string desc;
  codec::EncodeUintDesc(&desc, ts);
  EXPECT_EQ(desc, H("F9 A0 AC D5 56 F3 FF FD"));
  // The Put vector's start_ts is one logical tick earlier.
  EXPECT_EQ(ComposeTs(1751621741123, 1), 459177129704947713ULL);
}

TEST(TsoTest, LogicalBits) {
  uint64_t ts = ComposeTs(123456789, (1 << kLogicalBits) - 1);
  EXPECT_EQ(TsPhysical(ts), 123456789);
  EXPECT_EQ(TsLogical(ts), (1 << kLogicalBits) - 1);
  EXPECT_EQ(TsPhysical(ts + 1), 123456790);
  EXPECT_EQ(TsLogical(ts + 1), 0);
}

// ---------------------------------------------------------------------------------------------
// WriteRecord (formats.md 4.2)

TEST(WriteRecordTest, PutVector) {
  auto w = WriteRecord::Decode(kPutValue);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->type, WriteType::kPut);
  EXPECT_EQ(w->start_ts, 459177129704947713ULL);
  ASSERT_TRUE(w->short_value.has_value());
  EXPECT_EQ(*w->short_value, kRowValue);
  EXPECT_FALSE(w->has_overlapped_rollback);
  EXPECT_FALSE(w->gc_fence.has_value());

  WriteRecord put;
  put.type = WriteType::kPut;
  put.start_ts = 459177129704947713ULL;
  put.short_value = kRowValue;
  EXPECT_EQ(put.Encode(), kPutValue);
}

TEST(WriteRecordTest, DeleteVector) {
  auto w = WriteRecord::Decode(kDeleteValue);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->type, WriteType::kDelete);
  EXPECT_EQ(w->start_ts, 459177189749030913ULL);
  EXPECT_FALSE(w->short_value.has_value());

  WriteRecord del{.type = WriteType::kDelete, .start_ts = 459177189749030913ULL};
  EXPECT_EQ(del.Encode(), kDeleteValue);
}

TEST(WriteRecordTest, AllFieldsRoundTripInTikvTagOrder) {
  WriteRecord w;
  w.type = WriteType::kRollback;
  w.start_ts = 42;
  w.short_value = std::string(kProtectedRollbackShortValue);
  w.has_overlapped_rollback = true;
  w.gc_fence = 0x0102030405060708ULL;
  w.last_change_ts = 7;
  w.versions_to_last_change = 300;
  w.txn_source = 1;
  std::string e = w.Encode();
  EXPECT_EQ(e, std::string("R\x2a") + "v\x01p" + "R" + "F" + H("01 02 03 04 05 06 07 08") + "l" +
                   H("00 00 00 00 00 00 00 07 AC 02") + "S\x01");
  auto d = WriteRecord::Decode(e);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, w);
}

TEST(WriteRecordTest, OptionalFieldsOmittedWhenUnset) {
  WriteRecord w{.type = WriteType::kLock, .start_ts = 1};
  EXPECT_EQ(w.Encode(), "L\x01");
  w.gc_fence = 0;  // a present-but-zero gc_fence is still written
  EXPECT_EQ(w.Encode(), std::string("L\x01" "F", 3) + std::string(8, '\0'));
  auto d = WriteRecord::Decode(w.Encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->gc_fence, std::optional<uint64_t>(0));
}

TEST(WriteRecordTest, EmptyAndMaxShortValues) {
  WriteRecord w{.type = WriteType::kPut, .start_ts = 9, .short_value = std::string()};
  EXPECT_EQ(w.Encode(), std::string("P\x09v\x00", 4));
  EXPECT_EQ(*WriteRecord::Decode(w.Encode()), w);
  w.short_value = std::string(kShortValueMaxLen, 'x');
  auto d = WriteRecord::Decode(w.Encode());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, w);
}

TEST(WriteRecordTest, TagsInAnyOrder) {
  std::string e = std::string("P\x05") + "R" + "F" + H("00 00 00 00 00 00 00 09") + "v\x02hi";
  auto d = WriteRecord::Decode(e);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->has_overlapped_rollback);
  EXPECT_EQ(d->gc_fence, std::optional<uint64_t>(9));
  EXPECT_EQ(d->short_value, std::optional<std::string>("hi"));
}

TEST(WriteRecordTest, StopsAtUnknownTag) {
  // A future tag 'X' with arbitrary bytes after it: fields before it survive, the rest is ignored.
  std::string e = kPutValue + "X" + H("FF FF 00 76 FF");
  auto d = WriteRecord::Decode(e);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->start_ts, 459177129704947713ULL);
  EXPECT_EQ(d->short_value, std::optional<std::string>(kRowValue));
  EXPECT_FALSE(d->has_overlapped_rollback);
  // Unknown tag directly after start_ts.
  auto d2 = WriteRecord::Decode(kDeleteValue + "Z");
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->type, WriteType::kDelete);
}

TEST(WriteRecordTest, MalformedIsCorruption) {
  const std::string bad[] = {
      "",                                              // empty
      "X\x01",                                         // bad type
      "P",                                             // no start_ts
      "P\x80",                                         // truncated start_ts
      "P\x01v",                                        // short value without length
      "P\x01v\x05" "abc",                              // short value truncated
      "P\x01" "F\x00\x00",                             // gc_fence truncated
      "P\x01l" + std::string(8, '\0'),                 // last_change missing versions
      "P\x01l\x00",                                    // last_change truncated
      "P\x01S",                                        // txn_source missing
      "P\x01S\x80",                                    // txn_source truncated
  };
  for (const std::string& v : bad) {
    EXPECT_EQ(WriteRecord::Decode(v).status().code(), Status::Code::kCorruption)
        << codec::ToHex(v);
  }
}

TEST(WriteRecordTest, EveryTruncationOfFullRecordIsSafe) {
  WriteRecord w{.type = WriteType::kPut,
                .start_ts = 459177129704947713ULL,
                .short_value = kRowValue,
                .has_overlapped_rollback = true,
                .gc_fence = 77,
                .last_change_ts = 5,
                .versions_to_last_change = 2,
                .txn_source = 3};
  std::string e = w.Encode();
  for (size_t n = 0; n < e.size(); ++n) {
    auto d = WriteRecord::Decode(e.substr(0, n));
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), Status::Code::kCorruption) << n;
    }
  }
}

TEST(WriteRecordTest, RandomMutationsNeverCrash) {
  std::mt19937_64 rng(31);
  std::string base = kPutValue + "RF" + std::string(8, '\x01') + "S\x05";
  for (int i = 0; i < 5000; ++i) {
    std::string v = base.substr(0, rng() % (base.size() + 1));
    for (int m = 0; m < 3 && !v.empty(); ++m) v[rng() % v.size()] = static_cast<char>(rng());
    auto d = WriteRecord::Decode(v);
    if (!d.ok()) {
      EXPECT_EQ(d.status().code(), Status::Code::kCorruption);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// LockRecord (formats.md 4.3)

TEST(LockRecordTest, MinimalLayout) {
  LockRecord l{.type = LockType::kPut, .primary = "k", .ts = 5, .ttl = 3000};
  // type, compact bytes (zig-zag length 1 -> 02), var-u64 ts, var-u64 ttl (3000 -> B8 17).
  EXPECT_EQ(l.Encode(), H("50 02 6B 05 B8 17"));
  auto d = LockRecord::Decode(l.Encode());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, l);
}

TEST(LockRecordTest, AllFieldsRoundTripInTikvTagOrder) {
  LockRecord l;
  l.type = LockType::kPessimistic;
  l.primary = "pk";
  l.ts = 459177129704947713ULL;
  l.ttl = 20000;
  l.short_value = "val";
  l.for_update_ts = 11;
  l.txn_size = 12;
  l.min_commit_ts = 13;
  l.use_async_commit = true;
  l.secondaries = {"s1", "", "s333"};
  l.rollback_ts = {21, 22};
  l.last_change_ts = 31;
  l.versions_to_last_change = 1;
  l.txn_source = 2;
  l.is_locked_with_conflict = true;
  l.generation = 41;
  std::string e = l.Encode();

  std::string want = "S";
  codec::EncodeCompactBytes(&want, "pk");
  codec::EncodeUvarint(&want, l.ts);
  codec::EncodeUvarint(&want, 20000);
  want += "v\x03val";
  want += "f";
  codec::EncodeUint(&want, 11);
  want += "t";
  codec::EncodeUint(&want, 12);
  want += "c";
  codec::EncodeUint(&want, 13);
  want += "a\x03";
  codec::EncodeCompactBytes(&want, "s1");
  codec::EncodeCompactBytes(&want, "");
  codec::EncodeCompactBytes(&want, "s333");
  want += "r\x02";
  codec::EncodeUint(&want, 21);
  codec::EncodeUint(&want, 22);
  want += "l";
  codec::EncodeUint(&want, 31);
  want += "\x01s\x02" "F" "g";
  codec::EncodeUint(&want, 41);
  EXPECT_EQ(codec::ToHex(e), codec::ToHex(want));

  auto d = LockRecord::Decode(e);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, l);
}

TEST(LockRecordTest, AsyncCommitWithNoSecondaries) {
  LockRecord l{.type = LockType::kLock, .primary = "p", .ts = 1, .ttl = 1};
  l.use_async_commit = true;
  auto d = LockRecord::Decode(l.Encode());
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->use_async_commit);
  EXPECT_TRUE(d->secondaries.empty());
}

TEST(LockRecordTest, StopsAtUnknownTag) {
  LockRecord l{.type = LockType::kDelete, .primary = "p", .ts = 7, .ttl = 100};
  l.for_update_ts = 8;
  std::string e = l.Encode() + "T" + H("01 02 FF");  // 'T' is reserved for shared locks
  auto d = LockRecord::Decode(e);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, l);
}

TEST(LockRecordTest, SharedLockNotSupported) {
  EXPECT_EQ(LockRecord::Decode(H("48 02 6B 05 B8 17")).status().code(),
            Status::Code::kNotSupported);
}

TEST(LockRecordTest, MalformedIsCorruption) {
  const std::string head = H("50 02 6B 05 B8 17");
  const std::string bad[] = {
      "",
      "X",
      "P",                                        // no primary
      H("50 01"),                                 // negative primary length
      H("50 08 6B"),                              // primary truncated
      H("50 02 6B"),                              // no ts
      H("50 02 6B 05"),                           // no ttl
      H("50 02 6B 05 B8"),                        // ttl truncated
      head + "v",                                 // short value without length
      head + "v\x04" "ab",                        // short value truncated
      head + "f\x00",                             // for_update_ts truncated
      head + "t",                                 // txn_size missing
      head + "c" + std::string(7, '\0'),          // min_commit_ts truncated
      head + "a",                                 // async commit without count
      head + "a\x02\x02x",                        // second secondary missing
      head + "a" + H("FF FF FF FF 0F"),           // huge count: must not allocate
      head + "r\x01\x00",                         // rollback ts truncated
      head + "r" + H("FF FF FF FF FF FF FF 7F"),  // huge count
      head + "l" + std::string(8, '\0'),          // last_change missing versions
      head + "s",                                 // txn_source missing
      head + "g\x01",                             // generation truncated
  };
  for (const std::string& v : bad) {
    EXPECT_EQ(LockRecord::Decode(v).status().code(), Status::Code::kCorruption)
        << codec::ToHex(v);
  }
}

TEST(LockRecordTest, RandomMutationsNeverCrash) {
  LockRecord l{.type = LockType::kPut, .primary = "primary-key", .ts = 99, .ttl = 3000};
  l.short_value = "value";
  l.min_commit_ts = 100;
  l.use_async_commit = true;
  l.secondaries = {"a", "bb"};
  l.rollback_ts = {1, 2, 3};
  std::string base = l.Encode();
  std::mt19937_64 rng(37);
  for (int i = 0; i < 5000; ++i) {
    std::string v = base.substr(0, rng() % (base.size() + 1));
    for (int m = 0; m < 3 && !v.empty(); ++m) v[rng() % v.size()] = static_cast<char>(rng());
    auto d = LockRecord::Decode(v);
    if (!d.ok()) {
      EXPECT_TRUE(d.status().code() == Status::Code::kCorruption ||
                  d.status().code() == Status::Code::kNotSupported);
    }
  }
}

}  // namespace
}  // namespace brkv
