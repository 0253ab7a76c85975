#include "server/mvcc_reader.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/txn_test_util.h"

namespace brkv::server {
namespace {

using namespace std::string_literals;
using testing::EngineTest;

WriteRecord W(WriteType t, uint64_t start_ts, std::optional<std::string> sv = std::nullopt) {
  WriteRecord w;
  w.type = t;
  w.start_ts = start_ts;
  w.short_value = std::move(sv);
  return w;
}

LockRecord L(LockType t, const std::string& primary, uint64_t ts, uint64_t ttl = 100) {
  LockRecord l;
  l.type = t;
  l.primary = primary;
  l.ts = ts;
  l.ttl = ttl;
  return l;
}

std::string Enc(const std::string& raw) { return keys::TxnRegionKey(raw); }

class MvccReaderTest : public EngineTest {
 protected:
  // Scans [lower, upper) (region keys) and renders "k=v" / "k!" (locked) items.
  std::vector<std::string> ScanAll(const std::string& lower, const std::string& upper, uint64_t ts,
                                   bool reverse = false, bool key_only = false,
                                   bool check_locks = true) {
    MvccScanner::Options o;
    o.ts = ts;
    o.reverse = reverse;
    o.key_only = key_only;
    o.check_locks = check_locks;
    MvccScanner sc(engine_.get(), nullptr, lower, upper, o);
    std::vector<std::string> out;
    while (true) {
      std::string k, v;
      kvrpcpb::LockInfo li;
      auto r = sc.Next(&k, &v, &li);
      if (!r.ok()) {
        EXPECT_TRUE(r.status().IsKeyLocked()) << r.status().ToString();
        if (!r.status().IsKeyLocked()) break;
        EXPECT_EQ(li.key(), k);
        out.push_back(k + "!");
        continue;
      }
      if (!*r) break;
      out.push_back(k + "=" + v);
    }
    return out;
  }
};

TEST_F(MvccReaderTest, LoadLockRoundTrip) {
  MvccReader r(engine_.get(), nullptr);
  auto none = r.LoadLock("k");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  LockRecord l = L(LockType::kPut, "pk", 10, 3000);
  l.short_value = "v";
  l.min_commit_ts = 12;
  PutLockRecord("k", l);
  auto got = r.LoadLock("k");
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, l);
}

TEST_F(MvccReaderTest, SeekWriteAndGetWriteSkipLockAndRollback) {
  // commit_ts: 11 Put(10), 15 Rollback(15), 21 Lock(20), 26 Delete(25), 31 Put(30).
  PutWriteRecord("k", 11, W(WriteType::kPut, 10, "v10"));
  PutWriteRecord("k", 15, W(WriteType::kRollback, 15));
  PutWriteRecord("k", 21, W(WriteType::kLock, 20));
  PutWriteRecord("k", 26, W(WriteType::kDelete, 25));
  PutWriteRecord("k", 31, W(WriteType::kPut, 30, "v30"));
  PutWriteRecord("k0", 100, W(WriteType::kPut, 99, "other"));  // neighbours must not leak in
  PutWriteRecord("k1", 5, W(WriteType::kPut, 4, "other"));

  MvccReader r(engine_.get(), nullptr);
  auto sw = r.SeekWrite("k", 22);
  ASSERT_TRUE(sw.ok());
  ASSERT_TRUE(sw->has_value());
  EXPECT_EQ((*sw)->commit_ts, 21u);
  EXPECT_EQ((*sw)->write.type, WriteType::kLock);

  struct Case {
    uint64_t ts;
    std::optional<uint64_t> commit_ts;
    WriteType type;
  } cases[] = {
      {5, std::nullopt, WriteType::kPut}, {10, std::nullopt, WriteType::kPut},
      {11, 11, WriteType::kPut},          {15, 11, WriteType::kPut},
      {22, 11, WriteType::kPut},          {26, 26, WriteType::kDelete},
      {30, 26, WriteType::kDelete},       {31, 31, WriteType::kPut},
      {UINT64_MAX, 31, WriteType::kPut},
  };
  for (const Case& c : cases) {
    auto gw = r.GetWrite("k", c.ts);
    ASSERT_TRUE(gw.ok());
    ASSERT_EQ(gw->has_value(), c.commit_ts.has_value()) << "ts " << c.ts;
    if (!c.commit_ts) continue;
    EXPECT_EQ((*gw)->commit_ts, *c.commit_ts) << "ts " << c.ts;
    EXPECT_EQ((*gw)->write.type, c.type) << "ts " << c.ts;
  }
  auto at = r.GetWriteAt("k", 15);
  ASSERT_TRUE(at.ok());
  ASSERT_TRUE(at->has_value());
  EXPECT_EQ((*at)->type, WriteType::kRollback);
  auto missing = r.GetWriteAt("k", 16);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_F(MvccReaderTest, GetTxnCommitRecord) {
  PutWriteRecord("k", 12, W(WriteType::kPut, 10, "a"));
  PutWriteRecord("k", 20, W(WriteType::kRollback, 20));
  // Txn 30 committed at 35; another txn committed exactly at ts 40 (overlaps a start_ts 40).
  PutWriteRecord("k", 35, W(WriteType::kPut, 30, "b"));
  PutWriteRecord("k", 40, W(WriteType::kPut, 38, "c"));
  WriteRecord flagged = W(WriteType::kPut, 48, "d");
  flagged.has_overlapped_rollback = true;
  PutWriteRecord("k", 50, flagged);

  MvccReader r(engine_.get(), nullptr);
  using S = TxnCommitRecord::State;
  auto c10 = r.GetTxnCommitRecord("k", 10);
  ASSERT_TRUE(c10.ok());
  EXPECT_EQ(c10->state, S::kCommitted);
  EXPECT_EQ(c10->commit_ts, 12u);
  auto c20 = r.GetTxnCommitRecord("k", 20);
  ASSERT_TRUE(c20.ok());
  EXPECT_EQ(c20->state, S::kRolledBack);
  auto c30 = r.GetTxnCommitRecord("k", 30);
  ASSERT_TRUE(c30.ok());
  EXPECT_EQ(c30->state, S::kCommitted);
  EXPECT_EQ(c30->commit_ts, 35u);
  auto c40 = r.GetTxnCommitRecord("k", 40);
  ASSERT_TRUE(c40.ok());
  EXPECT_EQ(c40->state, S::kNone);
  ASSERT_TRUE(c40->overlapped_write.has_value());
  EXPECT_EQ(c40->overlapped_write->start_ts, 38u);
  auto c50 = r.GetTxnCommitRecord("k", 50);
  ASSERT_TRUE(c50.ok());
  EXPECT_EQ(c50->state, S::kRolledBack);
  auto c60 = r.GetTxnCommitRecord("k", 60);
  ASSERT_TRUE(c60.ok());
  EXPECT_EQ(c60->state, S::kNone);
  EXPECT_FALSE(c60->overlapped_write.has_value());
  auto other = r.GetTxnCommitRecord("nokey", 10);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->state, S::kNone);
}

TEST_F(MvccReaderTest, GetHonoursLocksAndLongValues) {
  std::string long_v(300, 'x');
  PutWriteRecord("k", 11, W(WriteType::kPut, 10));
  PutDefault("k", 10, long_v);
  MvccReader r(engine_.get(), nullptr);
  auto v = r.Get("k", 20, nullptr);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  ASSERT_TRUE(v->has_value());
  EXPECT_EQ(**v, long_v);

  // A Put lock at 15 blocks reads at >= 15 only.
  PutLockRecord("k", L(LockType::kPut, "pk", 15, 777));
  kvrpcpb::LockInfo li;
  auto blocked = r.Get("k", 15, &li);
  ASSERT_FALSE(blocked.ok());
  EXPECT_TRUE(blocked.status().IsKeyLocked());
  EXPECT_EQ(li.key(), "k");
  EXPECT_EQ(li.primary_lock(), "pk");
  EXPECT_EQ(li.lock_version(), 15u);
  EXPECT_EQ(li.lock_ttl(), 777u);
  EXPECT_EQ(li.lock_type(), kvrpcpb::Put);
  auto before = r.Get("k", 14, nullptr);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(**before, long_v);

  // Lock-type locks never block; a min_commit_ts above the read ts does not either.
  PutLockRecord("k", L(LockType::kLock, "pk", 15));
  EXPECT_TRUE(r.Get("k", 100, nullptr).ok());
  LockRecord pushed = L(LockType::kDelete, "pk", 15);
  pushed.min_commit_ts = 50;
  PutLockRecord("k", pushed);
  EXPECT_TRUE(r.Get("k", 49, nullptr).ok());
  EXPECT_TRUE(r.Get("k", 50, nullptr).status().IsKeyLocked());

  // A Put whose long value is missing is corruption, not "not found".
  PutWriteRecord("bad", 11, W(WriteType::kPut, 10));
  auto bad = r.Get("bad", 20, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kCorruption);
}

TEST_F(MvccReaderTest, ReaderUsesSnapshot) {
  PutWriteRecord("k", 11, W(WriteType::kPut, 10, "old"));
  SnapshotGuard snap(engine_.get());
  PutWriteRecord("k", 21, W(WriteType::kPut, 20, "new"));
  MvccReader at_snap(engine_.get(), snap.get());
  EXPECT_EQ(**at_snap.Get("k", 100, nullptr), "old");
  MvccReader latest(engine_.get(), nullptr);
  EXPECT_EQ(**latest.Get("k", 100, nullptr), "new");
}

TEST_F(MvccReaderTest, ScannerForwardReverseBoundsLocks) {
  PutWriteRecord("a", 11, W(WriteType::kPut, 10, "a1"));
  PutWriteRecord("b", 11, W(WriteType::kPut, 10, "b1"));
  PutWriteRecord("b", 21, W(WriteType::kDelete, 20));
  PutWriteRecord("c", 11, W(WriteType::kPut, 10, "c1"));
  PutWriteRecord("c", 25, W(WriteType::kRollback, 25));
  PutLockRecord("d", L(LockType::kPut, "d", 30));  // lock-only key
  PutWriteRecord("e", 15, W(WriteType::kPut, 14));
  PutDefault("e", 14, std::string(256, 'e'));
  PutLockRecord("e", L(LockType::kLock, "e", 16));  // never blocks
  PutWriteRecord("f", 11, W(WriteType::kPut, 10, "f1"));
  PutLockRecord("f", L(LockType::kDelete, "f", 12));

  const std::string e_val(256, 'e');
  EXPECT_EQ(ScanAll("", "", 30),
            (std::vector<std::string>{"a=a1", "c=c1", "d!", "e=" + e_val, "f!"}));
  EXPECT_EQ(ScanAll("", "", 19),
            (std::vector<std::string>{"a=a1", "b=b1", "c=c1", "e=" + e_val, "f!"}));
  EXPECT_EQ(ScanAll("", "", 11), (std::vector<std::string>{"a=a1", "b=b1", "c=c1", "f=f1"}));
  EXPECT_EQ(ScanAll("", "", 10), (std::vector<std::string>{}));
  EXPECT_EQ(ScanAll("", "", 30, /*reverse=*/true),
            (std::vector<std::string>{"f!", "e=" + e_val, "d!", "c=c1", "a=a1"}));
  EXPECT_EQ(ScanAll("", "", 19, /*reverse=*/true),
            (std::vector<std::string>{"f!", "e=" + e_val, "c=c1", "b=b1", "a=a1"}));
  // Bounds are region keys: [enc(b), enc(e)).
  EXPECT_EQ(ScanAll(Enc("b"), Enc("e"), 30), (std::vector<std::string>{"c=c1", "d!"}));
  EXPECT_EQ(ScanAll(Enc("b"), Enc("e"), 30, true), (std::vector<std::string>{"d!", "c=c1"}));
  EXPECT_EQ(ScanAll(Enc("b"), Enc("e"), 19), (std::vector<std::string>{"b=b1", "c=c1"}));
  EXPECT_EQ(ScanAll(Enc("e"), "", 19, true), (std::vector<std::string>{"f!", "e=" + e_val}));
  // Locks ignored when asked.
  EXPECT_EQ(ScanAll("", "", 30, false, false, /*check_locks=*/false),
            (std::vector<std::string>{"a=a1", "c=c1", "e=" + e_val, "f=f1"}));
  // key_only does not read CF default (so a missing long value is not even noticed).
  PutWriteRecord("g", 11, W(WriteType::kPut, 10));  // no default entry
  EXPECT_EQ(ScanAll(Enc("g"), "", 30, false, /*key_only=*/true), (std::vector<std::string>{"g="}));
}

TEST_F(MvccReaderTest, ScannerReportsCorruptLongValue) {
  PutWriteRecord("g", 11, W(WriteType::kPut, 10));  // no default entry
  MvccScanner::Options o;
  o.ts = 20;
  MvccScanner sc(engine_.get(), nullptr, "", "", o);
  std::string k, v;
  auto r = sc.Next(&k, &v, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
}

TEST_F(MvccReaderTest, LockBlocksReadRules) {
  LockRecord l = L(LockType::kPut, "p", 10);
  EXPECT_FALSE(LockBlocksRead(l, 9));
  EXPECT_TRUE(LockBlocksRead(l, 10));
  l.type = LockType::kPessimistic;
  EXPECT_FALSE(LockBlocksRead(l, 10));
  l.type = LockType::kDelete;
  l.min_commit_ts = 20;
  EXPECT_FALSE(LockBlocksRead(l, 19));
  EXPECT_TRUE(LockBlocksRead(l, 20));
}

// Random histories checked against a simple in-memory model, at many read timestamps, for Get
// and for forward and reverse scans over random bounds.
TEST_F(MvccReaderTest, RandomHistoriesMatchModel) {
  std::mt19937_64 rng(20240601);
  struct Version {
    uint64_t commit_ts;
    WriteType type;
    std::string value;
  };
  std::map<std::string, std::vector<Version>> model;  // key → versions
  std::map<std::string, LockRecord> locks;
  std::vector<std::string> key_space;
  for (int i = 0; i < 40; ++i) {
    // Mixed lengths, including multiples of 8 and binary bytes.
    std::string k = "t" + std::to_string(i * 7 % 40);
    if (i % 5 == 0) k += std::string(8, static_cast<char>(i));
    if (i % 7 == 0) k += "\xff\x00"s;
    key_space.push_back(k);
  }
  uint64_t ts = 100;
  for (int step = 0; step < 400; ++step) {
    const std::string& k = key_space[rng() % key_space.size()];
    uint64_t start = ts++;
    uint64_t commit = ts++;
    int kind = static_cast<int>(rng() % 10);
    WriteRecord w;
    w.start_ts = start;
    Version v{commit, WriteType::kPut, ""};
    if (kind < 5) {
      w.type = WriteType::kPut;
      v.value = "v" + std::to_string(start);
      if (rng() % 4 == 0) v.value.append(300, 'L');
      if (v.value.size() <= kShortValueMaxLen) {
        w.short_value = v.value;
      } else {
        PutDefault(k, start, v.value);
      }
    } else if (kind < 7) {
      w.type = WriteType::kDelete;
      v.type = WriteType::kDelete;
    } else if (kind < 8) {
      w.type = WriteType::kLock;
      v.type = WriteType::kLock;
    } else {
      w.type = WriteType::kRollback;
      v.type = WriteType::kRollback;
      commit = start;
      v.commit_ts = start;
    }
    PutWriteRecord(k, commit, w);
    model[k].push_back(v);
  }
  for (int i = 0; i < 6; ++i) {
    const std::string& k = key_space[rng() % key_space.size()];
    LockRecord l = L(i % 3 == 0 ? LockType::kLock : LockType::kPut, k, 100 + rng() % (ts - 100));
    PutLockRecord(k, l);
    locks[k] = l;
  }

  auto model_get = [&](const std::string& k, uint64_t at) -> std::optional<std::string> {
    auto it = model.find(k);
    if (it == model.end()) return std::nullopt;
    const Version* best = nullptr;
    for (const Version& v : it->second) {
      if (v.commit_ts > at) continue;
      if (v.type != WriteType::kPut && v.type != WriteType::kDelete) continue;
      if (best == nullptr || v.commit_ts > best->commit_ts) best = &v;
    }
    if (best == nullptr || best->type == WriteType::kDelete) return std::nullopt;
    return best->value;
  };
  auto model_scan = [&](const std::string& lo, const std::string& hi, uint64_t at, bool rev) {
    std::map<std::string, std::string> by_enc;  // enc(k) → rendered
    std::set<std::string> all;
    for (auto& [k, _] : model) all.insert(k);
    for (auto& [k, _] : locks) all.insert(k);
    for (const std::string& k : all) {
      std::string e = Enc(k);
      if (e < lo || (!hi.empty() && e >= hi)) continue;
      auto l = locks.find(k);
      if (l != locks.end() && LockBlocksRead(l->second, at)) {
        by_enc[e] = k + "!";
        continue;
      }
      auto v = model_get(k, at);
      if (v) by_enc[e] = k + "=" + *v;
    }
    std::vector<std::string> out;
    for (auto& [_, s] : by_enc) out.push_back(s);
    if (rev) std::reverse(out.begin(), out.end());
    return out;
  };

  MvccReader reader(engine_.get(), nullptr);
  for (int round = 0; round < 60; ++round) {
    uint64_t at = 90 + rng() % (ts - 80);
    for (const std::string& k : key_space) {
      auto got = reader.Get(k, at, nullptr);
      auto l = locks.find(k);
      if (l != locks.end() && LockBlocksRead(l->second, at)) {
        EXPECT_TRUE(got.status().IsKeyLocked());
        continue;
      }
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      EXPECT_EQ(*got, model_get(k, at)) << "key " << k << " ts " << at;
    }
    std::string lo = rng() % 3 == 0 ? "" : Enc(key_space[rng() % key_space.size()]);
    std::string hi = rng() % 3 == 0 ? "" : Enc(key_space[rng() % key_space.size()]);
    bool rev = rng() % 2 == 0;
    EXPECT_EQ(ScanAll(lo, hi, at, rev), model_scan(lo, hi, at, rev))
        << "round " << round << " ts " << at << " rev " << rev;
  }
}

}  // namespace
}  // namespace brkv::server
