// Test helpers for the MVCC/transaction tests: a fresh Engine in a temp dir, and shorthands that
// run TxnStore write requests and apply their batches. Test-only (included by *_test.cc).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rocksdb/write_batch.h>

#include "common/codec.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "proto/kvrpcpb.pb.h"
#include "server/engine.h"
#include "server/txn_store.h"

namespace brkv::server::testing {

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp != nullptr ? tmp : "/tmp") + "/brkv_txn_test_XXXXXX";
    char* d = mkdtemp(tmpl.data());
    ASSERT_NE(d, nullptr);
    dir_ = d;
    EngineOptions opts;
    opts.path = dir_;
    opts.block_cache_bytes = 8ull << 20;
    opts.sync_writes = false;
    auto e = Engine::Open(opts);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    engine_ = std::move(e).value();
  }

  void TearDown() override {
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void Apply(rocksdb::WriteBatch* b) {
    if (b->Count() == 0) return;
    Status s = engine_->Write(b);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Direct record writers (bypass the transaction logic).
  void PutWriteRecord(const std::string& raw, uint64_t commit_ts, const WriteRecord& w) {
    rocksdb::WriteBatch b;
    ASSERT_TRUE(b.Put(engine_->cf_write(), keys::MvccKey(raw, commit_ts), w.Encode()).ok());
    Apply(&b);
  }
  void PutLockRecord(const std::string& raw, const LockRecord& l) {
    rocksdb::WriteBatch b;
    ASSERT_TRUE(b.Put(engine_->cf_lock(), keys::LockKey(raw), l.Encode()).ok());
    Apply(&b);
  }
  void PutDefault(const std::string& raw, uint64_t start_ts, const std::string& v) {
    rocksdb::WriteBatch b;
    ASSERT_TRUE(b.Put(engine_->cf_default(), keys::MvccKey(raw, start_ts), v).ok());
    Apply(&b);
  }
  // Counts the entries of one CF.
  size_t CountCf(rocksdb::ColumnFamilyHandle* cf) {
    std::unique_ptr<rocksdb::Iterator> it(engine_->db()->NewIterator({}, cf));
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    return n;
  }
  bool Exists(rocksdb::ColumnFamilyHandle* cf, const std::string& key) {
    std::string v;
    return engine_->db()->Get({}, cf, key, &v).ok();
  }

  std::string dir_;
  std::unique_ptr<Engine> engine_;
};

// Shorthands over TxnStore; each write applies its batch.
class TxnStoreTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    store_ = std::make_unique<TxnStore>(engine_.get());
  }
  void TearDown() override {
    store_.reset();
    EngineTest::TearDown();
  }

  static kvrpcpb::Mutation Mut(kvrpcpb::Op op, const std::string& k, const std::string& v = "") {
    kvrpcpb::Mutation m;
    m.set_op(op);
    m.set_key(k);
    m.set_value(v);
    return m;
  }

  kvrpcpb::PrewriteResponse Prewrite(const std::vector<kvrpcpb::Mutation>& muts,
                                     const std::string& primary, uint64_t start_ts,
                                     uint64_t ttl = 3000, uint64_t min_commit_ts = 0) {
    kvrpcpb::PrewriteRequest req;
    for (const auto& m : muts) *req.add_mutations() = m;
    req.set_primary_lock(primary);
    req.set_start_version(start_ts);
    req.set_lock_ttl(ttl);
    req.set_min_commit_ts(min_commit_ts);
    kvrpcpb::PrewriteResponse resp;
    rocksdb::WriteBatch b;
    store_->Prewrite(req, &b, &resp);
    if (resp.errors_size() > 0) {
      EXPECT_EQ(b.Count(), 0u);
    }
    Apply(&b);
    return resp;
  }

  kvrpcpb::CommitResponse Commit(const std::vector<std::string>& ks, uint64_t start_ts,
                                 uint64_t commit_ts) {
    kvrpcpb::CommitRequest req;
    for (const auto& k : ks) req.add_keys(k);
    req.set_start_version(start_ts);
    req.set_commit_version(commit_ts);
    kvrpcpb::CommitResponse resp;
    rocksdb::WriteBatch b;
    store_->Commit(req, &b, &resp);
    if (resp.has_error()) {
      EXPECT_EQ(b.Count(), 0u);
    }
    Apply(&b);
    return resp;
  }

  kvrpcpb::BatchRollbackResponse Rollback(const std::vector<std::string>& ks, uint64_t start_ts) {
    kvrpcpb::BatchRollbackRequest req;
    for (const auto& k : ks) req.add_keys(k);
    req.set_start_version(start_ts);
    kvrpcpb::BatchRollbackResponse resp;
    rocksdb::WriteBatch b;
    store_->BatchRollback(req, &b, &resp);
    if (resp.has_error()) {
      EXPECT_EQ(b.Count(), 0u);
    }
    Apply(&b);
    return resp;
  }

  kvrpcpb::CheckTxnStatusResponse CheckTxnStatus(const std::string& primary, uint64_t lock_ts,
                                                 uint64_t current_ts, bool rollback_if_not_exist) {
    kvrpcpb::CheckTxnStatusRequest req;
    req.set_primary_key(primary);
    req.set_lock_ts(lock_ts);
    req.set_caller_start_ts(current_ts);
    req.set_current_ts(current_ts);
    req.set_rollback_if_not_exist(rollback_if_not_exist);
    kvrpcpb::CheckTxnStatusResponse resp;
    rocksdb::WriteBatch b;
    store_->CheckTxnStatus(req, &b, &resp);
    Apply(&b);
    return resp;
  }

  kvrpcpb::ResolveLockResponse ResolveLock(uint64_t start_ts, uint64_t commit_ts,
                                           const std::vector<std::string>& ks = {},
                                           const std::string& lower = "",
                                           const std::string& upper = "") {
    kvrpcpb::ResolveLockRequest req;
    req.set_start_version(start_ts);
    req.set_commit_version(commit_ts);
    for (const auto& k : ks) req.add_keys(k);
    kvrpcpb::ResolveLockResponse resp;
    rocksdb::WriteBatch b;
    store_->ResolveLock(req, lower, upper, &b, &resp);
    if (resp.has_error()) {
      EXPECT_EQ(b.Count(), 0u);
    }
    Apply(&b);
    return resp;
  }

  void MustPrewrite(const std::vector<kvrpcpb::Mutation>& muts, const std::string& primary,
                    uint64_t start_ts, uint64_t ttl = 3000) {
    auto r = Prewrite(muts, primary, start_ts, ttl);
    ASSERT_EQ(r.errors_size(), 0) << r.DebugString();
  }
  void MustCommit(const std::vector<std::string>& ks, uint64_t start_ts, uint64_t commit_ts) {
    auto r = Commit(ks, start_ts, commit_ts);
    ASSERT_FALSE(r.has_error()) << r.DebugString();
  }
  void MustPut(const std::string& k, const std::string& v, uint64_t start_ts, uint64_t commit_ts) {
    MustPrewrite({Mut(kvrpcpb::Put, k, v)}, k, start_ts);
    MustCommit({k}, start_ts, commit_ts);
  }
  void MustDelete(const std::string& k, uint64_t start_ts, uint64_t commit_ts) {
    MustPrewrite({Mut(kvrpcpb::Del, k)}, k, start_ts);
    MustCommit({k}, start_ts, commit_ts);
  }
  void MustRollback(const std::vector<std::string>& ks, uint64_t start_ts) {
    auto r = Rollback(ks, start_ts);
    ASSERT_FALSE(r.has_error()) << r.DebugString();
  }

  kvrpcpb::GetResponse Get(const std::string& k, uint64_t ts) {
    kvrpcpb::GetRequest req;
    req.set_key(k);
    req.set_version(ts);
    kvrpcpb::GetResponse resp;
    store_->Get(req, &resp);
    return resp;
  }
  // "<none>" when not found, "<locked>" when locked, "<error>" otherwise, else the value.
  std::string GetValue(const std::string& k, uint64_t ts) {
    auto r = Get(k, ts);
    if (r.has_error()) return r.error().has_locked() ? "<locked>" : "<error>";
    if (r.not_found()) return "<none>";
    return r.value();
  }
  bool IsLocked(const std::string& k) {
    return engine_->Get(engine_->cf_lock(), keys::LockKey(k)).ok();
  }

  std::unique_ptr<TxnStore> store_;
};

}  // namespace brkv::server::testing
