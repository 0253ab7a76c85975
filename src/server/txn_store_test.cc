#include "server/txn_store.h"

#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/checksum.h"
#include "common/crc64.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/mvcc_reader.h"
#include "server/txn_test_util.h"

namespace brkv::server {
namespace {

using kvrpcpb::Del;
using kvrpcpb::Insert;
using kvrpcpb::Lock;
using kvrpcpb::Put;
using testing::TxnStoreTest;

std::string Enc(const std::string& raw) { return keys::TxnRegionKey(raw); }

std::optional<WriteRecord> ReadWrite(Engine* e, const std::string& raw, uint64_t commit_ts) {
  auto v = e->Get(e->cf_write(), keys::MvccKey(raw, commit_ts));
  if (!v.ok()) return std::nullopt;
  auto w = WriteRecord::Decode(*v);
  if (!w.ok()) return std::nullopt;
  return *w;
}

// ---------------------------------------------------------------------------------------------
// Visibility

TEST_F(TxnStoreTest, VisibilityAcrossVersions) {
  const std::string long_v(1000, 'L');
  MustPut("k", "v1", 10, 11);
  MustPut("k", long_v, 20, 21);  // long value: CF default at start_ts 20
  MustDelete("k", 30, 31);
  MustPrewrite({Mut(Put, "k", "never")}, "k", 40);
  MustRollback({"k"}, 40);
  MustPrewrite({Mut(Lock, "k")}, "k", 50);  // a Lock record: invisible to reads
  MustCommit({"k"}, 50, 51);
  MustPut("k", "v6", 60, 61);

  EXPECT_EQ(GetValue("k", 5), "<none>");
  EXPECT_EQ(GetValue("k", 10), "<none>");
  EXPECT_EQ(GetValue("k", 11), "v1");
  EXPECT_EQ(GetValue("k", 20), "v1");  // txn 20 committed at 21: not visible at 20
  EXPECT_EQ(GetValue("k", 21), long_v);
  EXPECT_EQ(GetValue("k", 30), long_v);
  EXPECT_EQ(GetValue("k", 31), "<none>");
  EXPECT_EQ(GetValue("k", 45), "<none>");  // rollback skipped
  EXPECT_EQ(GetValue("k", 55), "<none>");  // Lock record skipped
  EXPECT_EQ(GetValue("k", 61), "v6");
  EXPECT_EQ(GetValue("k", UINT64_MAX), "v6");
  EXPECT_EQ(GetValue("other", 100), "<none>");

  // Long value lives in CF default, short ones inline.
  EXPECT_TRUE(Exists(engine_->cf_default(), keys::MvccKey("k", 20)));
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("k", 10)));
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("k", 60)));
}

TEST_F(TxnStoreTest, ShortValueBoundaryIs255Bytes) {
  const std::string v255(255, 'a'), v256(256, 'b');
  MustPut("a", v255, 10, 11);
  MustPut("b", v256, 10, 11);
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("a", 10)));
  EXPECT_TRUE(Exists(engine_->cf_default(), keys::MvccKey("b", 10)));
  auto wa = ReadWrite(engine_.get(), "a", 11);
  ASSERT_TRUE(wa.has_value());
  EXPECT_EQ(wa->short_value, v255);
  EXPECT_EQ(GetValue("a", 11), v255);
  EXPECT_EQ(GetValue("b", 11), v256);
}

TEST_F(TxnStoreTest, GetAndBatchGetReportLocks) {
  MustPut("a", "va", 10, 11);
  MustPut("b", "vb", 10, 11);
  MustPrewrite({Mut(Put, "b", "new")}, "b", 20, 1234);

  auto r = Get("b", 25);
  ASSERT_TRUE(r.has_error());
  ASSERT_TRUE(r.error().has_locked());
  EXPECT_EQ(r.error().locked().key(), "b");
  EXPECT_EQ(r.error().locked().primary_lock(), "b");
  EXPECT_EQ(r.error().locked().lock_version(), 20u);
  EXPECT_EQ(r.error().locked().lock_ttl(), 1234u);
  EXPECT_EQ(GetValue("b", 19), "vb");  // older snapshot is not blocked

  kvrpcpb::BatchGetRequest req;
  req.add_keys("a");
  req.add_keys("b");
  req.add_keys("missing");
  req.set_version(25);
  kvrpcpb::BatchGetResponse resp;
  store_->BatchGet(req, &resp);
  ASSERT_FALSE(resp.has_error());
  ASSERT_EQ(resp.pairs_size(), 2);
  EXPECT_EQ(resp.pairs(0).key(), "a");
  EXPECT_EQ(resp.pairs(0).value(), "va");
  EXPECT_FALSE(resp.pairs(0).has_error());
  EXPECT_EQ(resp.pairs(1).key(), "b");
  ASSERT_TRUE(resp.pairs(1).has_error());
  EXPECT_EQ(resp.pairs(1).error().locked().lock_version(), 20u);
}

// ---------------------------------------------------------------------------------------------
// Prewrite

TEST_F(TxnStoreTest, PrewriteWriteConflict) {
  MustPut("k", "v", 10, 20);
  auto r = Prewrite({Mut(Put, "k", "x")}, "k", 15);
  ASSERT_EQ(r.errors_size(), 1);
  ASSERT_TRUE(r.errors(0).has_conflict());
  const auto& c = r.errors(0).conflict();
  EXPECT_EQ(c.start_ts(), 15u);
  EXPECT_EQ(c.conflict_ts(), 10u);
  EXPECT_EQ(c.conflict_commit_ts(), 20u);
  EXPECT_EQ(c.key(), "k");
  EXPECT_EQ(c.primary(), "k");
  EXPECT_FALSE(IsLocked("k"));
  // A txn whose snapshot includes the commit (start_ts == commit_ts, or later) is fine.
  MustPrewrite({Mut(Put, "k", "x")}, "k", 20);
  MustRollback({"k"}, 20);
  MustPrewrite({Mut(Put, "k", "x")}, "k", 21);
}

TEST_F(TxnStoreTest, PrewriteConflictOnNewerRollbackOfAnotherTxn) {
  MustRollback({"k"}, 30);  // leaves a Rollback record at 30
  auto r = Prewrite({Mut(Put, "k", "x")}, "k", 25);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_TRUE(r.errors(0).has_conflict());
}

TEST_F(TxnStoreTest, PrewriteLockConflict) {
  MustPrewrite({Mut(Put, "k", "a")}, "p1", 10, 500);
  auto r = Prewrite({Mut(Put, "k", "b")}, "p2", 20);
  ASSERT_EQ(r.errors_size(), 1);
  ASSERT_TRUE(r.errors(0).has_locked());
  EXPECT_EQ(r.errors(0).locked().primary_lock(), "p1");
  EXPECT_EQ(r.errors(0).locked().lock_version(), 10u);
  EXPECT_EQ(r.errors(0).locked().lock_ttl(), 500u);
  EXPECT_EQ(r.errors(0).locked().key(), "k");
  // The older lock is intact.
  MustCommit({"k"}, 10, 11);
  EXPECT_EQ(GetValue("k", 11), "a");
}

TEST_F(TxnStoreTest, PrewriteInsertAlreadyExists) {
  MustPut("k", "v", 10, 11);
  auto r = Prewrite({Mut(Insert, "k", "x")}, "k", 20);
  ASSERT_EQ(r.errors_size(), 1);
  ASSERT_TRUE(r.errors(0).has_already_exist());
  EXPECT_EQ(r.errors(0).already_exist().key(), "k");

  // After a delete (and with Lock/Rollback records on top) the key is free again.
  MustDelete("k", 30, 31);
  MustPrewrite({Mut(Lock, "k")}, "k", 40);
  MustCommit({"k"}, 40, 41);
  MustRollback({"k"}, 45);
  MustPrewrite({Mut(Insert, "k", "x")}, "k", 50);
  MustCommit({"k"}, 50, 51);
  EXPECT_EQ(GetValue("k", 51), "x");
  // Insert of a never-written key.
  MustPrewrite({Mut(Insert, "fresh", "y")}, "fresh", 60);
}

TEST_F(TxnStoreTest, PrewriteAfterRollbackAborts) {
  MustPrewrite({Mut(Put, "k", "v")}, "k", 10);
  MustRollback({"k"}, 10);
  auto r = Prewrite({Mut(Put, "k", "v")}, "k", 10);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_FALSE(r.errors(0).abort().empty());
  EXPECT_NE(r.errors(0).abort().find("rolled back"), std::string::npos) << r.errors(0).abort();
  EXPECT_FALSE(IsLocked("k"));

  // Same when the rollback came first (the prewrite message arrived late).
  MustRollback({"late"}, 20);
  r = Prewrite({Mut(Put, "late", "v")}, "late", 20);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_FALSE(r.errors(0).abort().empty());
}

TEST_F(TxnStoreTest, PrewriteIsIdempotent) {
  const std::string long_v(400, 'z');
  MustPrewrite({Mut(Put, "a", "va"), Mut(Put, "b", long_v)}, "a", 10);
  auto lock_before = engine_->Get(engine_->cf_lock(), keys::LockKey("a"));
  ASSERT_TRUE(lock_before.ok());
  // Retry of the same request: no error, and a write conflict committed later would not matter.
  auto r = Prewrite({Mut(Put, "a", "va"), Mut(Put, "b", long_v)}, "a", 10);
  EXPECT_EQ(r.errors_size(), 0) << r.DebugString();
  EXPECT_EQ(*engine_->Get(engine_->cf_lock(), keys::LockKey("a")), *lock_before);
  MustCommit({"a", "b"}, 10, 12);
  EXPECT_EQ(GetValue("a", 12), "va");
  EXPECT_EQ(GetValue("b", 12), long_v);
}

TEST_F(TxnStoreTest, PrewriteErrorsWriteNothing) {
  MustPut("c", "old", 5, 30);
  auto r = Prewrite({Mut(Put, "a", "x"), Mut(Put, "b", std::string(300, 'b')), Mut(Put, "c", "y")},
                    "a", 20);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_TRUE(r.errors(0).has_conflict());
  EXPECT_FALSE(IsLocked("a"));
  EXPECT_FALSE(IsLocked("b"));
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("b", 20)));

  // Several failing keys are all reported.
  MustPrewrite({Mut(Put, "l1", "x"), Mut(Put, "l2", "x")}, "l1", 40);
  r = Prewrite({Mut(Put, "l1", "y"), Mut(Put, "ok", "y"), Mut(Put, "l2", "y")}, "l1", 50);
  ASSERT_EQ(r.errors_size(), 2);
  EXPECT_TRUE(r.errors(0).has_locked());
  EXPECT_TRUE(r.errors(1).has_locked());
  EXPECT_FALSE(IsLocked("ok"));
}

TEST_F(TxnStoreTest, PrewriteDeleteAndLockOps) {
  MustPut("d", "v", 10, 11);
  MustPrewrite({Mut(Del, "d"), Mut(Lock, "l")}, "d", 20);
  EXPECT_EQ(GetValue("d", 25), "<locked>");
  EXPECT_EQ(GetValue("l", 25), "<none>");  // Lock-type locks do not block reads
  MustCommit({"d", "l"}, 20, 21);
  EXPECT_EQ(GetValue("d", 21), "<none>");
  EXPECT_EQ(GetValue("d", 20), "v");
  auto wl = ReadWrite(engine_.get(), "l", 21);
  ASSERT_TRUE(wl.has_value());
  EXPECT_EQ(wl->type, WriteType::kLock);
}

TEST_F(TxnStoreTest, PrewriteTurnsOwnPessimisticLockIntoRealLock) {
  LockRecord pess;
  pess.type = LockType::kPessimistic;
  pess.primary = "k";
  pess.ts = 10;
  pess.ttl = 9000;
  pess.for_update_ts = 12;
  PutLockRecord("k", pess);
  MustPrewrite({Mut(Put, "k", "v")}, "k", 10, /*ttl=*/100);
  auto raw = engine_->Get(engine_->cf_lock(), keys::LockKey("k"));
  ASSERT_TRUE(raw.ok());
  auto lock = LockRecord::Decode(*raw);
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(lock->type, LockType::kPut);
  EXPECT_EQ(lock->ttl, 9000u);  // the larger ttl survives
  EXPECT_EQ(lock->short_value, "v");
  MustCommit({"k"}, 10, 15);
  EXPECT_EQ(GetValue("k", 15), "v");
}

// ---------------------------------------------------------------------------------------------
// Commit

TEST_F(TxnStoreTest, CommitWritesRecordAndIsIdempotent) {
  MustPrewrite({Mut(Put, "p", "vp"), Mut(Put, "s", std::string(300, 's'))}, "p", 10);
  auto r = Commit({"p", "s"}, 10, 15);
  ASSERT_FALSE(r.has_error()) << r.DebugString();
  EXPECT_EQ(r.commit_version(), 15u);
  EXPECT_FALSE(IsLocked("p"));
  EXPECT_FALSE(IsLocked("s"));
  auto w = ReadWrite(engine_.get(), "p", 15);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, WriteType::kPut);
  EXPECT_EQ(w->start_ts, 10u);
  EXPECT_EQ(w->short_value, "vp");
  // Retry (e.g. the response was lost): OK and nothing new written.
  kvrpcpb::CommitRequest req;
  req.add_keys("p");
  req.add_keys("s");
  req.set_start_version(10);
  req.set_commit_version(15);
  kvrpcpb::CommitResponse resp;
  rocksdb::WriteBatch b;
  store_->Commit(req, &b, &resp);
  EXPECT_FALSE(resp.has_error());
  EXPECT_EQ(b.Count(), 0u);
}

TEST_F(TxnStoreTest, CommitAfterRollbackFails) {
  MustPrewrite({Mut(Put, "k", "v")}, "k", 10);
  MustRollback({"k"}, 10);
  auto r = Commit({"k"}, 10, 15);
  ASSERT_TRUE(r.has_error());
  EXPECT_FALSE(r.error().abort().empty());
  EXPECT_EQ(GetValue("k", 20), "<none>");
}

TEST_F(TxnStoreTest, CommitWithoutLockIsTxnNotFound) {
  auto r = Commit({"k"}, 10, 15);
  ASSERT_TRUE(r.has_error());
  ASSERT_TRUE(r.error().has_txn_not_found());
  EXPECT_EQ(r.error().txn_not_found().start_ts(), 10u);
  // A lock of another txn does not count.
  MustPrewrite({Mut(Put, "k", "v")}, "k", 20);
  r = Commit({"k"}, 10, 25);
  ASSERT_TRUE(r.has_error());
  EXPECT_TRUE(r.error().has_txn_not_found());
  EXPECT_TRUE(IsLocked("k"));
}

TEST_F(TxnStoreTest, CommitRejectsBadCommitTs) {
  MustPrewrite({Mut(Put, "k", "v")}, "k", 10);
  EXPECT_TRUE(Commit({"k"}, 10, 10).has_error());
  EXPECT_TRUE(Commit({"k"}, 10, 9).has_error());
  EXPECT_TRUE(IsLocked("k"));
  // min_commit_ts from the prewrite is a floor.
  auto p = Prewrite({Mut(Put, "m", "v")}, "m", 20, 3000, /*min_commit_ts=*/30);
  ASSERT_EQ(p.errors_size(), 0);
  EXPECT_EQ(GetValue("m", 25), "<none>");  // cannot commit below 30, so a read at 25 is safe
  auto r = Commit({"m"}, 20, 29);
  ASSERT_TRUE(r.has_error());
  EXPECT_FALSE(r.error().abort().empty());
  MustCommit({"m"}, 20, 30);
  EXPECT_EQ(GetValue("m", 30), "v");
}

TEST_F(TxnStoreTest, CommitPartialFailureWritesNothing) {
  MustPrewrite({Mut(Put, "a", "v")}, "a", 10);
  auto r = Commit({"a", "b"}, 10, 15);  // b was never prewritten
  ASSERT_TRUE(r.has_error());
  EXPECT_TRUE(IsLocked("a"));
}

TEST_F(TxnStoreTest, CommitOverAnotherTxnsRollbackKeepsRollbackMeaning) {
  // Txn 20 is rolled back on k (record at ts 20); txn 10 then commits k at exactly ts 20.
  MustPrewrite({Mut(Put, "k", "v")}, "k", 10);
  {
    // Rolling back txn 20 on a key locked by txn 10 leaves a Rollback record at 20.
    MustRollback({"k"}, 20);
  }
  MustCommit({"k"}, 10, 20);
  auto w = ReadWrite(engine_.get(), "k", 20);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, WriteType::kPut);
  EXPECT_TRUE(w->has_overlapped_rollback);
  EXPECT_EQ(GetValue("k", 20), "v");
  // Txn 20 still cannot prewrite.
  auto r = Prewrite({Mut(Put, "k", "x")}, "k", 20);
  ASSERT_EQ(r.errors_size(), 1);
  EXPECT_FALSE(r.errors(0).abort().empty());
}

// ---------------------------------------------------------------------------------------------
// Rollback

TEST_F(TxnStoreTest, BatchRollbackRemovesLocksAndValues) {
  const std::string long_v(500, 'q');
  MustPrewrite({Mut(Put, "a", "va"), Mut(Put, "b", long_v)}, "a", 10);
  ASSERT_TRUE(Exists(engine_->cf_default(), keys::MvccKey("b", 10)));
  MustRollback({"a", "b"}, 10);
  EXPECT_FALSE(IsLocked("a"));
  EXPECT_FALSE(IsLocked("b"));
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("b", 10)));
  for (const char* k : {"a", "b"}) {
    auto w = ReadWrite(engine_.get(), k, 10);
    ASSERT_TRUE(w.has_value()) << k;
    EXPECT_EQ(w->type, WriteType::kRollback);
    EXPECT_EQ(w->start_ts, 10u);
  }
  // Idempotent.
  kvrpcpb::BatchRollbackRequest req;
  req.add_keys("a");
  req.set_start_version(10);
  kvrpcpb::BatchRollbackResponse resp;
  rocksdb::WriteBatch b;
  store_->BatchRollback(req, &b, &resp);
  EXPECT_FALSE(resp.has_error());
  EXPECT_EQ(b.Count(), 0u);
}

TEST_F(TxnStoreTest, RollbackOfCommittedKeyFails) {
  MustPut("k", "v", 10, 11);
  auto r = Rollback({"k"}, 10);
  ASSERT_TRUE(r.has_error());
  EXPECT_FALSE(r.error().abort().empty());
  EXPECT_EQ(GetValue("k", 11), "v");
}

TEST_F(TxnStoreTest, RollbackLeavesOtherTxnsLockAlone) {
  MustPrewrite({Mut(Put, "k", "v")}, "k", 10);
  MustRollback({"k"}, 5);
  EXPECT_TRUE(IsLocked("k"));
  MustCommit({"k"}, 10, 11);
  EXPECT_EQ(GetValue("k", 11), "v");
}

TEST_F(TxnStoreTest, RollbackOnOverlappingCommitSetsFlag) {
  // Txn 10 committed k at ts 20; now txn 20 is rolled back on k: the record at 20 is flagged.
  MustPut("k", "v", 10, 20);
  MustRollback({"k"}, 20);
  auto w = ReadWrite(engine_.get(), "k", 20);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, WriteType::kPut);
  EXPECT_EQ(w->start_ts, 10u);
  EXPECT_TRUE(w->has_overlapped_rollback);
  EXPECT_EQ(GetValue("k", 25), "v");
  MvccReader reader(engine_.get(), nullptr);
  auto rec = reader.GetTxnCommitRecord("k", 20);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->state, TxnCommitRecord::State::kRolledBack);
}

// ---------------------------------------------------------------------------------------------
// CheckTxnStatus

constexpr int64_t kPhys = 1'700'000'000'000;  // ms

TEST_F(TxnStoreTest, CheckTxnStatusAliveLock) {
  uint64_t start = ComposeTs(kPhys, 0);
  MustPrewrite({Mut(Put, "p", "v"), Mut(Put, "s", "v")}, "p", start, /*ttl=*/100);
  auto r = CheckTxnStatus("p", start, ComposeTs(kPhys + 100, 5), false);
  ASSERT_FALSE(r.has_error()) << r.DebugString();
  EXPECT_EQ(r.lock_ttl(), 100u);
  EXPECT_EQ(r.commit_version(), 0u);
  EXPECT_EQ(r.action(), kvrpcpb::NoAction);
  EXPECT_EQ(r.lock_info().lock_version(), start);
  EXPECT_EQ(r.lock_info().primary_lock(), "p");
  EXPECT_TRUE(IsLocked("p"));
}

TEST_F(TxnStoreTest, CheckTxnStatusTtlExpiryRollsBack) {
  uint64_t start = ComposeTs(kPhys, 0);
  const std::string long_v(300, 'x');
  MustPrewrite({Mut(Put, "p", long_v), Mut(Put, "s", "v")}, "p", start, /*ttl=*/100);
  auto r = CheckTxnStatus("p", start, ComposeTs(kPhys + 101, 0), false);
  ASSERT_FALSE(r.has_error()) << r.DebugString();
  EXPECT_EQ(r.action(), kvrpcpb::TTLExpireRollback);
  EXPECT_EQ(r.lock_ttl(), 0u);
  EXPECT_EQ(r.commit_version(), 0u);
  EXPECT_FALSE(IsLocked("p"));
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("p", start)));
  auto w = ReadWrite(engine_.get(), "p", start);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, WriteType::kRollback);
  // The committer now fails on the primary; the secondary resolves to a rollback.
  EXPECT_TRUE(Commit({"p"}, start, start + 10).has_error());
  auto again = CheckTxnStatus("p", start, ComposeTs(kPhys + 200, 0), false);
  EXPECT_FALSE(again.has_error());
  EXPECT_EQ(again.lock_ttl(), 0u);
  EXPECT_EQ(again.commit_version(), 0u);
  auto rl = ResolveLock(start, 0, {"s"});
  ASSERT_FALSE(rl.has_error()) << rl.DebugString();
  EXPECT_FALSE(IsLocked("s"));
  EXPECT_EQ(GetValue("s", start + 100), "<none>");
}

TEST_F(TxnStoreTest, CheckTxnStatusTtlBoundaryNotExpired) {
  uint64_t start = ComposeTs(kPhys, 7);
  MustPrewrite({Mut(Put, "p", "v")}, "p", start, /*ttl=*/100);
  auto r = CheckTxnStatus("p", start, ComposeTs(kPhys + 100, 0), false);
  EXPECT_EQ(r.lock_ttl(), 100u);
  EXPECT_TRUE(IsLocked("p"));
}

TEST_F(TxnStoreTest, CheckTxnStatusCommittedAndRolledBack) {
  MustPut("p", "v", 10, 15);
  auto r = CheckTxnStatus("p", 10, ComposeTs(kPhys, 0), false);
  ASSERT_FALSE(r.has_error());
  EXPECT_EQ(r.commit_version(), 15u);
  EXPECT_EQ(r.lock_ttl(), 0u);

  MustPrewrite({Mut(Put, "q", "v")}, "q", 20);
  MustRollback({"q"}, 20);
  r = CheckTxnStatus("q", 20, ComposeTs(kPhys, 0), true);
  ASSERT_FALSE(r.has_error());
  EXPECT_EQ(r.commit_version(), 0u);
  EXPECT_EQ(r.lock_ttl(), 0u);
  EXPECT_EQ(r.action(), kvrpcpb::NoAction);
}

TEST_F(TxnStoreTest, CheckTxnStatusNotExist) {
  auto r = CheckTxnStatus("p", 10, ComposeTs(kPhys, 0), /*rollback_if_not_exist=*/false);
  ASSERT_TRUE(r.has_error());
  ASSERT_TRUE(r.error().has_txn_not_found());
  EXPECT_EQ(r.error().txn_not_found().start_ts(), 10u);
  EXPECT_EQ(r.error().txn_not_found().primary_key(), "p");
  EXPECT_FALSE(ReadWrite(engine_.get(), "p", 10).has_value());

  r = CheckTxnStatus("p", 10, ComposeTs(kPhys, 0), /*rollback_if_not_exist=*/true);
  ASSERT_FALSE(r.has_error());
  EXPECT_EQ(r.action(), kvrpcpb::LockNotExistRollback);
  EXPECT_EQ(r.lock_ttl(), 0u);
  EXPECT_EQ(r.commit_version(), 0u);
  auto w = ReadWrite(engine_.get(), "p", 10);
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->type, WriteType::kRollback);
  // The late prewrite of that txn must now fail.
  auto p = Prewrite({Mut(Put, "p", "v")}, "p", 10);
  ASSERT_EQ(p.errors_size(), 1);
  // A lock of a different txn on the primary is "not exist" for this one.
  MustPrewrite({Mut(Put, "x", "v")}, "x", 30);
  r = CheckTxnStatus("x", 25, ComposeTs(kPhys, 0), false);
  EXPECT_TRUE(r.error().has_txn_not_found());
  EXPECT_TRUE(IsLocked("x"));
}

// ---------------------------------------------------------------------------------------------
// ResolveLock

TEST_F(TxnStoreTest, ResolveLockCommitsAllLocksOfTxnInRange) {
  MustPrewrite({Mut(Put, "a", "1"), Mut(Put, "b", std::string(300, '2')), Mut(Del, "c"),
                Mut(Put, "z", "out of range")},
               "a", 10);
  MustPrewrite({Mut(Put, "bb", "other txn")}, "bb", 12);
  auto r = ResolveLock(10, 20, {}, Enc("a"), Enc("d"));
  ASSERT_FALSE(r.has_error()) << r.DebugString();
  EXPECT_FALSE(IsLocked("a"));
  EXPECT_FALSE(IsLocked("b"));
  EXPECT_FALSE(IsLocked("c"));
  EXPECT_TRUE(IsLocked("bb"));
  EXPECT_TRUE(IsLocked("z"));
  EXPECT_EQ(GetValue("a", 20), "1");
  EXPECT_EQ(GetValue("b", 20), std::string(300, '2'));
  EXPECT_EQ(GetValue("c", 20), "<none>");
  auto wc = ReadWrite(engine_.get(), "c", 20);
  ASSERT_TRUE(wc.has_value());
  EXPECT_EQ(wc->type, WriteType::kDelete);
}

TEST_F(TxnStoreTest, ResolveLockRollsBackAndByKeys) {
  MustPrewrite({Mut(Put, "a", "1"), Mut(Put, "b", std::string(300, '2'))}, "a", 10);
  auto r = ResolveLock(10, 0);
  ASSERT_FALSE(r.has_error()) << r.DebugString();
  EXPECT_FALSE(IsLocked("a"));
  EXPECT_FALSE(IsLocked("b"));
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("b", 10)));
  EXPECT_EQ(ReadWrite(engine_.get(), "a", 10)->type, WriteType::kRollback);

  MustPrewrite({Mut(Put, "x", "1"), Mut(Put, "y", "2")}, "x", 30);
  r = ResolveLock(30, 35, {"y"});
  ASSERT_FALSE(r.has_error());
  EXPECT_TRUE(IsLocked("x"));
  EXPECT_FALSE(IsLocked("y"));
  EXPECT_EQ(GetValue("y", 35), "2");
  // Committing a key whose txn was rolled back is an error and writes nothing.
  r = ResolveLock(10, 40, {"a"});
  ASSERT_TRUE(r.has_error());
}

TEST_F(TxnStoreTest, ResolveLockWithTxnInfos) {
  MustPrewrite({Mut(Put, "a", "1")}, "a", 10);
  MustPrewrite({Mut(Put, "b", "2")}, "b", 11);
  MustPrewrite({Mut(Put, "c", "3")}, "c", 12);
  kvrpcpb::ResolveLockRequest req;
  auto* t1 = req.add_txn_infos();
  t1->set_txn(10);
  t1->set_status(15);
  auto* t2 = req.add_txn_infos();
  t2->set_txn(11);
  t2->set_status(0);
  kvrpcpb::ResolveLockResponse resp;
  rocksdb::WriteBatch b;
  store_->ResolveLock(req, "", "", &b, &resp);
  ASSERT_FALSE(resp.has_error()) << resp.DebugString();
  Apply(&b);
  EXPECT_EQ(GetValue("a", 20), "1");
  EXPECT_FALSE(IsLocked("b"));
  EXPECT_EQ(GetValue("b", 20), "<none>");
  EXPECT_TRUE(IsLocked("c"));
}

// ---------------------------------------------------------------------------------------------
// Scan / ScanLock

class TxnScanTest : public TxnStoreTest {
 protected:
  void SetUp() override {
    TxnStoreTest::SetUp();
    for (int i = 0; i < 10; ++i) {
      std::string k = "k" + std::to_string(i);
      MustPut(k, "v" + std::to_string(i), 10, 11);
    }
    MustDelete("k4", 12, 13);
    MustPut("k6", std::string(300, '6'), 14, 15);
    MustPrewrite({Mut(Put, "k5", "pending")}, "k5", 16, 999);
  }
  kvrpcpb::ScanResponse Scan(const std::string& start, const std::string& end, uint32_t limit,
                             uint64_t ts, bool key_only = false, bool reverse = false,
                             const std::string& lower = Enc("k2"),
                             const std::string& upper = Enc("k8")) {
    kvrpcpb::ScanRequest req;
    req.set_start_key(start);
    req.set_end_key(end);
    req.set_limit(limit);
    req.set_version(ts);
    req.set_key_only(key_only);
    req.set_reverse(reverse);
    kvrpcpb::ScanResponse resp;
    store_->Scan(req, lower, upper, &resp);
    EXPECT_FALSE(resp.has_error()) << resp.DebugString();
    return resp;
  }
  static std::string Render(const kvrpcpb::ScanResponse& r) {
    std::string s;
    for (const auto& p : r.pairs()) {
      if (!s.empty()) s += ",";
      s += p.key();
      if (p.has_error()) {
        s += "!";
      } else if (!p.value().empty()) {
        s += "=" + (p.value().size() > 10 ? std::to_string(p.value().size()) + "B" : p.value());
      }
    }
    return s;
  }
};

TEST_F(TxnScanTest, ScanClipsToRegionAndRequestBounds) {
  EXPECT_EQ(Render(Scan("", "", 0, 20)), "k2=v2,k3=v3,k5!,k6=300B,k7=v7");
  EXPECT_EQ(Render(Scan("k3", "k7", 0, 20)), "k3=v3,k5!,k6=300B");
  EXPECT_EQ(Render(Scan("k0", "k9", 0, 12)), "k2=v2,k3=v3,k4=v4,k5=v5,k6=v6,k7=v7");
  EXPECT_EQ(Render(Scan("", "", 0, 10)), "");
  // Unbounded region.
  EXPECT_EQ(Render(Scan("", "", 0, 20, false, false, "", "")),
            "k0=v0,k1=v1,k2=v2,k3=v3,k5!,k6=300B,k7=v7,k8=v8,k9=v9");
  // Empty intersection.
  EXPECT_EQ(Render(Scan("k9", "", 0, 20)), "");
}

TEST_F(TxnScanTest, ScanLockedPairCarriesLockInfo) {
  auto r = Scan("k5", "k6", 0, 20);
  ASSERT_EQ(r.pairs_size(), 1);
  ASSERT_TRUE(r.pairs(0).has_error());
  const auto& li = r.pairs(0).error().locked();
  EXPECT_EQ(li.key(), "k5");
  EXPECT_EQ(li.lock_version(), 16u);
  EXPECT_EQ(li.lock_ttl(), 999u);
  // Below the lock's ts the key reads normally.
  EXPECT_EQ(Render(Scan("k5", "k6", 0, 15)), "k5=v5");
}

TEST_F(TxnScanTest, ScanLimitKeyOnlyReverse) {
  EXPECT_EQ(Render(Scan("", "", 2, 20)), "k2=v2,k3=v3");
  EXPECT_EQ(Render(Scan("", "", 3, 20)), "k2=v2,k3=v3,k5!");  // locked pairs count
  EXPECT_EQ(Render(Scan("", "", 0, 20, /*key_only=*/true)), "k2,k3,k5!,k6,k7");
  auto key_only = Scan("", "", 0, 20, true);
  for (const auto& p : key_only.pairs()) EXPECT_TRUE(p.value().empty());
  // Reverse: start_key is the exclusive upper end, end_key the inclusive lower end.
  EXPECT_EQ(Render(Scan("", "", 0, 20, false, /*reverse=*/true)), "k7=v7,k6=300B,k5!,k3=v3,k2=v2");
  EXPECT_EQ(Render(Scan("k7", "k3", 0, 20, false, true)), "k6=300B,k5!,k3=v3");
  EXPECT_EQ(Render(Scan("k7", "k3", 2, 20, false, true)), "k6=300B,k5!");
}

TEST_F(TxnScanTest, ScanLockFiltersByVersionRangeAndLimit) {
  MustPrewrite({Mut(Put, "k3", "x"), Mut(Put, "k7", "x"), Mut(Put, "k9", "x")}, "k3", 30);
  auto scan_lock = [&](uint64_t max_version, const std::string& start, uint32_t limit) {
    kvrpcpb::ScanLockRequest req;
    req.set_max_version(max_version);
    req.set_start_key(start);
    req.set_limit(limit);
    kvrpcpb::ScanLockResponse resp;
    store_->ScanLock(req, Enc("k2"), Enc("k8"), &resp);
    EXPECT_FALSE(resp.has_error());
    std::string s;
    for (const auto& l : resp.locks()) s += l.key() + "@" + std::to_string(l.lock_version()) + " ";
    return s;
  };
  EXPECT_EQ(scan_lock(100, "", 0), "k3@30 k5@16 k7@30 ");
  EXPECT_EQ(scan_lock(20, "", 0), "k5@16 ");
  EXPECT_EQ(scan_lock(100, "k4", 0), "k5@16 k7@30 ");
  EXPECT_EQ(scan_lock(100, "", 2), "k3@30 k5@16 ");
}

// ---------------------------------------------------------------------------------------------
// Checksum

// A table-like key: prefix + 8-byte big-endian handle.
std::string RowKey(const std::string& prefix, int64_t h) {
  std::string k = prefix;
  for (int i = 7; i >= 0; --i)
    k.push_back(static_cast<char>((static_cast<uint64_t>(h) >> (8 * i)) & 0xFF));
  return k;
}

class TxnChecksumTest : public TxnStoreTest {
 protected:
  // Writes the same logical rows under `prefix`, with history around ts 100.
  void WriteTable(const std::string& prefix, uint64_t base) {
    for (int i = 0; i < 20; ++i) {
      std::string k = RowKey(prefix, i);
      MustPut(k, "old" + std::to_string(i), base + 1, base + 2);
      if (i % 3 == 0)
        MustPut(k, std::string(280 + i, static_cast<char>('a' + i)), base + 3, base + 4);
      if (i % 5 == 0) MustDelete(k, base + 5, base + 6);
      if (i % 7 == 0) MustPut(k, "after-snapshot", base + 200, base + 201);
    }
  }
  // The expected checksum at `ts`, straight from the definition (formats.md 5.4).
  brkv::Checksum ByHand(const std::string& prefix, const std::string& hashed_prefix) {
    brkv::Checksum c;
    for (int i = 0; i < 20; ++i) {
      if (i % 5 == 0) continue;  // deleted
      std::string v =
          i % 3 == 0 ? std::string(280 + i, static_cast<char>('a' + i)) : "old" + std::to_string(i);
      std::string key = RowKey(hashed_prefix, i);
      c.crc64xor ^= Crc64(key + v);
      c.total_kvs += 1;
      c.total_bytes += key.size() + v.size();
    }
    return c;
  }
  Status Sum(uint64_t ts, const std::string& start, const std::string& end,
             const std::string& old_prefix, const std::string& new_prefix, brkv::Checksum* out,
             const std::string& lower = "", const std::string& upper = "",
             kvrpcpb::LockInfo* lock = nullptr) {
    brkvpb::ChecksumRequest req;
    req.set_start_ts(ts);
    auto* r = req.add_ranges();
    r->set_start_key(start);
    r->set_end_key(end);
    if (!new_prefix.empty()) {
      req.mutable_rule()->set_old_prefix(old_prefix);
      req.mutable_rule()->set_new_prefix(new_prefix);
    }
    return store_->Checksum(req, lower, upper, out, lock);
  }
};

TEST_F(TxnChecksumTest, MatchesHandComputedChecksum) {
  WriteTable("t1_r", 100);
  WriteTable("t3_r", 100);  // a neighbour outside the range
  brkv::Checksum got;
  Status s = Sum(150, "t1_r", "t1_s", "", "", &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  brkv::Checksum want = ByHand("t1_r", "t1_r");
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.total_kvs, 16u);

  // Split across two "regions" and merged: same numbers.
  std::string mid = Enc(RowKey("t1_r", 9));
  brkv::Checksum left, right;
  ASSERT_TRUE(Sum(150, "t1_r", "t1_s", "", "", &left, "", mid).ok());
  ASSERT_TRUE(Sum(150, "t1_r", "t1_s", "", "", &right, mid, "").ok());
  EXPECT_GT(left.total_kvs, 0u);
  EXPECT_GT(right.total_kvs, 0u);
  left.Merge(right);
  EXPECT_EQ(left, want);

  // At an older ts the values differ.
  brkv::Checksum older;
  ASSERT_TRUE(Sum(102, "t1_r", "t1_s", "", "", &older).ok());
  EXPECT_EQ(older.total_kvs, 20u);
  EXPECT_NE(older.crc64xor, want.crc64xor);
}

TEST_F(TxnChecksumTest, RewriteRuleReproducesOriginalTable) {
  WriteTable("t1_r", 100);   // the backed-up table
  WriteTable("t42_r", 500);  // the restored copy, new id (longer prefix), other timestamps
  brkv::Checksum original, restored;
  ASSERT_TRUE(Sum(150, "t1_r", "t1_s", "", "", &original).ok());
  Status s = Sum(600, "t42_r", "t42_s", "t1_r", "t42_r", &restored);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(restored, original);
  // Without the rule the numbers differ (key bytes and lengths).
  brkv::Checksum plain;
  ASSERT_TRUE(Sum(600, "t42_r", "t42_s", "", "", &plain).ok());
  EXPECT_NE(plain.crc64xor, original.crc64xor);
  EXPECT_EQ(plain.total_bytes, original.total_bytes + plain.total_kvs);
}

TEST_F(TxnChecksumTest, RuleWithWrongPrefixIsRejected) {
  WriteTable("t1_r", 100);
  brkv::Checksum c;
  Status s = Sum(150, "t1_r", "t1_s", "t9_r", "t2_r", &c);
  EXPECT_EQ(s.code(), Status::Code::kInvalidArgument);
}

TEST_F(TxnChecksumTest, LockBlocksChecksum) {
  WriteTable("t1_r", 100);
  MustPrewrite({Mut(Put, RowKey("t1_r", 3), "x")}, RowKey("t1_r", 3), 140);
  brkv::Checksum c;
  kvrpcpb::LockInfo lock;
  Status s = Sum(150, "t1_r", "t1_s", "", "", &c, "", "", &lock);
  EXPECT_TRUE(s.IsKeyLocked()) << s.ToString();
  EXPECT_EQ(lock.lock_version(), 140u);
  EXPECT_EQ(lock.key(), RowKey("t1_r", 3));
  // A snapshot below the lock is unaffected.
  ASSERT_TRUE(Sum(139, "t1_r", "t1_s", "", "", &c).ok());
  EXPECT_EQ(c, ByHand("t1_r", "t1_r"));
}

// ---------------------------------------------------------------------------------------------
// GC

struct Written {
  uint64_t commit_ts;
  WriteType type;
  uint64_t start_ts;
  bool long_value;
};

class TxnGcTest : public TxnStoreTest {
 protected:
  // Random committed history over `nkeys` keys; returns every write record by key.
  std::map<std::string, std::vector<Written>> BuildHistory(int nkeys, int steps, uint64_t* max_ts) {
    std::mt19937_64 rng(7);
    std::map<std::string, std::vector<Written>> hist;
    uint64_t ts = 100;
    for (int s = 0; s < steps; ++s) {
      std::string k = "g" + std::to_string(rng() % nkeys);
      uint64_t start = ts++, commit = ts++;
      int kind = static_cast<int>(rng() % 10);
      if (kind < 5) {
        bool is_long = rng() % 3 == 0;
        std::string v = "v" + std::to_string(start) + (is_long ? std::string(300, 'L') : "");
        MustPut(k, v, start, commit);
        hist[k].push_back({commit, WriteType::kPut, start, is_long});
      } else if (kind < 7) {
        MustDelete(k, start, commit);
        hist[k].push_back({commit, WriteType::kDelete, start, false});
      } else if (kind < 8) {
        MustPrewrite({Mut(Lock, k)}, k, start);
        MustCommit({k}, start, commit);
        hist[k].push_back({commit, WriteType::kLock, start, false});
      } else {
        MustPrewrite({Mut(Put, k, std::string(400, 'r'))}, k, start);
        MustRollback({k}, start);
        hist[k].push_back({start, WriteType::kRollback, start, false});
      }
    }
    *max_ts = ts;
    return hist;
  }

  // Every key's value at each ts in `tss`, plus full scans.
  std::vector<std::string> Observe(const std::vector<std::string>& ks,
                                   const std::vector<uint64_t>& tss) {
    std::vector<std::string> out;
    for (uint64_t t : tss) {
      for (const auto& k : ks) out.push_back(k + "@" + std::to_string(t) + "=" + GetValue(k, t));
      kvrpcpb::ScanRequest req;
      req.set_version(t);
      kvrpcpb::ScanResponse resp;
      store_->Scan(req, "", "", &resp);
      std::string s;
      for (const auto& p : resp.pairs()) s += p.key() + ":" + p.value() + ";";
      out.push_back("scan@" + std::to_string(t) + "=" + s);
    }
    return out;
  }
};

TEST_F(TxnGcTest, KeepsWhatReadsAboveSafePointNeed) {
  uint64_t max_ts = 0;
  auto hist = BuildHistory(/*nkeys=*/30, /*steps=*/600, &max_ts);
  const uint64_t safe_point = 100 + (max_ts - 100) / 2;
  std::vector<std::string> ks;
  for (auto& [k, _] : hist) ks.push_back(k);
  std::vector<uint64_t> tss = {safe_point,       safe_point + 1, safe_point + 7,
                               safe_point + 100, max_ts - 3,     max_ts + 10};
  auto before = Observe(ks, tss);

  // Expected survivors per the GC rule.
  size_t want_writes = 0, want_defaults = 0;
  std::map<std::string, std::vector<uint64_t>> kept;
  for (auto& [k, versions] : hist) {
    auto sorted = versions;
    std::sort(sorted.begin(), sorted.end(),
              [](const Written& a, const Written& b) { return a.commit_ts > b.commit_ts; });
    bool base_seen = false;
    for (const Written& w : sorted) {
      bool keep;
      if (w.commit_ts > safe_point) {
        keep = true;
      } else if (base_seen) {
        keep = false;
      } else if (w.type == WriteType::kPut) {
        keep = true;
        base_seen = true;
      } else {
        keep = false;
        if (w.type == WriteType::kDelete) base_seen = true;
      }
      if (keep) {
        kept[k].push_back(w.commit_ts);
        ++want_writes;
        if (w.long_value) ++want_defaults;
      }
    }
  }
  ASSERT_LT(want_writes, CountCf(engine_->cf_write()));

  int applies = 0;
  TxnStore::GcStats stats;
  Status s = store_->Gc(
      safe_point, "", "",
      [&](rocksdb::WriteBatch* b) {
        ++applies;
        return engine_->Write(b);
      },
      &stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stats.keys_scanned, hist.size());
  EXPECT_EQ(CountCf(engine_->cf_write()), want_writes);
  EXPECT_EQ(CountCf(engine_->cf_default()), want_defaults);
  EXPECT_GE(applies, 1);
  size_t total_written = 0;
  for (auto& [_, v] : hist) total_written += v.size();
  EXPECT_EQ(stats.versions_deleted, total_written - want_writes);
  for (auto& [k, commits] : kept) {
    for (uint64_t c : commits)
      EXPECT_TRUE(ReadWrite(engine_.get(), k, c).has_value()) << k << "@" << c;
  }
  EXPECT_EQ(Observe(ks, tss), before);

  // A second pass finds nothing more to do.
  TxnStore::GcStats again;
  ASSERT_TRUE(
      store_
          ->Gc(
              safe_point, "", "", [&](rocksdb::WriteBatch* b) { return engine_->Write(b); }, &again)
          .ok());
  EXPECT_EQ(again.versions_deleted, 0u);
}

TEST_F(TxnGcTest, SimpleCasesAndRangeLimits) {
  MustPut("a", "a1", 10, 11);
  MustPut("a", "a2", 20, 21);
  MustPut("a", "a3", 40, 41);  // above the safe point
  MustPut("b", std::string(300, 'b'), 10, 11);
  MustDelete("b", 20, 21);
  MustPut("c", "c1", 10, 11);
  MustRollback({"c"}, 25);
  MustPrewrite({Mut(Lock, "c")}, "c", 26);
  MustCommit({"c"}, 26, 27);
  MustPut("z", "z1", 10, 11);  // outside the GC range
  MustPut("z", "z2", 20, 21);
  MustPrewrite({Mut(Put, "a", "pending")}, "a", 50);  // locks are left alone

  auto apply = [&](rocksdb::WriteBatch* b) { return engine_->Write(b); };
  TxnStore::GcStats st;
  ASSERT_TRUE(store_->Gc(30, "", Enc("y"), apply, &st).ok());
  EXPECT_EQ(st.keys_scanned, 3u);
  // a: 11 dropped, 21 kept (newest Put <= 30), 41 kept.
  EXPECT_FALSE(ReadWrite(engine_.get(), "a", 11).has_value());
  EXPECT_TRUE(ReadWrite(engine_.get(), "a", 21).has_value());
  EXPECT_TRUE(ReadWrite(engine_.get(), "a", 41).has_value());
  // b: Delete is newest <= 30: everything goes, long value too.
  EXPECT_FALSE(ReadWrite(engine_.get(), "b", 21).has_value());
  EXPECT_FALSE(ReadWrite(engine_.get(), "b", 11).has_value());
  EXPECT_FALSE(Exists(engine_->cf_default(), keys::MvccKey("b", 10)));
  // c: Rollback and Lock dropped, Put kept.
  EXPECT_FALSE(ReadWrite(engine_.get(), "c", 25).has_value());
  EXPECT_FALSE(ReadWrite(engine_.get(), "c", 27).has_value());
  EXPECT_TRUE(ReadWrite(engine_.get(), "c", 11).has_value());
  // z untouched.
  EXPECT_TRUE(ReadWrite(engine_.get(), "z", 11).has_value());
  EXPECT_EQ(st.versions_deleted, 5u);
  EXPECT_TRUE(IsLocked("a"));
  EXPECT_EQ(GetValue("a", 30), "a2");
  EXPECT_EQ(GetValue("c", 30), "c1");
  EXPECT_EQ(GetValue("b", 30), "<none>");
}

TEST_F(TxnGcTest, BatchesAndApplyFailure) {
  for (int i = 0; i < 300; ++i) {
    std::string k = "m" + std::to_string(i);
    MustPut(k, "1", 10, 11);
    MustPut(k, "2", 12, 13);
  }
  int calls = 0;
  Status s = store_->Gc(
      20, "", "",
      [&](rocksdb::WriteBatch*) {
        ++calls;
        return Status::IOError("propose failed");
      },
      nullptr);
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(calls, 1);

  calls = 0;
  TxnStore::GcStats st;
  s = store_->Gc(
      20, "", "",
      [&](rocksdb::WriteBatch* b) {
        ++calls;
        EXPECT_LE(b->Count(), 300u);
        return engine_->Write(b);
      },
      &st);
  ASSERT_TRUE(s.ok());
  EXPECT_GE(calls, 2);
  EXPECT_EQ(st.versions_deleted, 300u);
  EXPECT_EQ(CountCf(engine_->cf_write()), 300u);
}

// ---------------------------------------------------------------------------------------------
// HasData

TEST_F(TxnStoreTest, HasData) {
  auto has = [&](const std::string& lo, const std::string& hi) {
    auto r = store_->HasData(lo, hi);
    EXPECT_TRUE(r.ok());
    return r.ok() && *r;
  };
  EXPECT_FALSE(has("", ""));
  MustPrewrite({Mut(Put, "m", "v")}, "m", 10);  // lock only
  EXPECT_TRUE(has("", ""));
  EXPECT_TRUE(has(Enc("a"), Enc("n")));
  EXPECT_FALSE(has(Enc("n"), ""));
  EXPECT_FALSE(has(Enc("a"), Enc("m")));  // upper is exclusive
  MustCommit({"m"}, 10, 11);              // now write CF only
  EXPECT_TRUE(has(Enc("m"), Enc("m\x01")));
  EXPECT_FALSE(has(Enc("m\x01"), ""));
  // CF default only (e.g. a raw-KV key): 'z' + 'r' + user key.
  rocksdb::WriteBatch b;
  ASSERT_TRUE(b.Put(engine_->cf_default(), keys::DataKey(keys::RawRegionKey("user")), "v").ok());
  Apply(&b);
  EXPECT_TRUE(has(keys::RawRegionKey(""), keys::RawRegionEndKey("")));
  EXPECT_FALSE(has(keys::RawRegionKey("user\x01"), keys::RawRegionEndKey("")));
}

}  // namespace
}  // namespace brkv::server
