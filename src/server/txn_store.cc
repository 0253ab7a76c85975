#include "server/txn_store.h"

#include <map>
#include <memory>
#include <string>

#include "common/codec.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/mvcc_reader.h"
#include "server/txn_actions.h"
#include "server/txn_key_range.h"

namespace brkv::server {

namespace {

// Appends a staged txn to the caller's batch, all or nothing.
Status AppendAll(Engine* engine, const MvccTxn& txn, rocksdb::WriteBatch* batch) {
  if (txn.empty()) return Status::OK();
  batch->SetSavePoint();
  Status s = txn.AppendTo(engine, batch);
  if (!s.ok()) {
    (void)batch->RollbackToSavePoint();
    return s;
  }
  (void)batch->PopSavePoint();
  return Status::OK();
}

}  // namespace

TxnStore::TxnStore(Engine* engine) : engine_(engine) {}

// ---------------------------------------------------------------------------------------------
// Reads

void TxnStore::Get(const kvrpcpb::GetRequest& req, kvrpcpb::GetResponse* resp) {
  SnapshotGuard snap(engine_);
  MvccReader reader(engine_, snap.get());
  kvrpcpb::LockInfo lock;
  auto v = reader.Get(req.key(), req.version(), &lock);
  if (!v.ok()) {
    if (v.status().IsKeyLocked()) {
      *resp->mutable_error()->mutable_locked() = lock;
    } else {
      resp->mutable_error()->set_abort(v.status().ToString());
    }
    return;
  }
  if (!v->has_value()) {
    resp->set_not_found(true);
    return;
  }
  resp->set_value(std::move(**v));
}

void TxnStore::BatchGet(const kvrpcpb::BatchGetRequest& req, kvrpcpb::BatchGetResponse* resp) {
  SnapshotGuard snap(engine_);
  MvccReader reader(engine_, snap.get());
  for (const std::string& key : req.keys()) {
    kvrpcpb::LockInfo lock;
    auto v = reader.Get(key, req.version(), &lock);
    if (!v.ok()) {
      if (!v.status().IsKeyLocked()) {
        resp->clear_pairs();
        resp->mutable_error()->set_abort(v.status().ToString());
        return;
      }
      kvrpcpb::KvPair* p = resp->add_pairs();
      p->set_key(key);
      *p->mutable_error()->mutable_locked() = lock;
      continue;
    }
    if (!v->has_value()) continue;
    kvrpcpb::KvPair* p = resp->add_pairs();
    p->set_key(key);
    p->set_value(std::move(**v));
  }
}

void TxnStore::Scan(const kvrpcpb::ScanRequest& req, std::string_view lower, std::string_view upper,
                    kvrpcpb::ScanResponse* resp) {
  // Reverse scans name their upper end in start_key and their lower end in end_key.
  const std::string& raw_lo = req.reverse() ? req.end_key() : req.start_key();
  const std::string& raw_hi = req.reverse() ? req.start_key() : req.end_key();
  RegionRange range = ClipRawRange(raw_lo, raw_hi, lower, upper);
  if (range.empty()) return;

  SnapshotGuard snap(engine_);
  MvccScanner::Options opts;
  opts.ts = req.version();
  opts.key_only = req.key_only();
  opts.reverse = req.reverse();
  MvccScanner scanner(engine_, snap.get(), range.lower, range.upper, opts);
  const uint32_t limit = req.limit();
  while (limit == 0 || static_cast<uint32_t>(resp->pairs_size()) < limit) {
    std::string key, value;
    kvrpcpb::LockInfo lock;
    auto r = scanner.Next(&key, &value, &lock);
    if (!r.ok()) {
      if (r.status().IsKeyLocked()) {
        kvrpcpb::KvPair* p = resp->add_pairs();
        p->set_key(std::move(key));
        *p->mutable_error()->mutable_locked() = std::move(lock);
        continue;
      }
      resp->clear_pairs();
      resp->mutable_error()->set_abort(r.status().ToString());
      return;
    }
    if (!*r) break;
    kvrpcpb::KvPair* p = resp->add_pairs();
    p->set_key(std::move(key));
    if (!req.key_only()) p->set_value(std::move(value));
  }
}

void TxnStore::ScanLock(const kvrpcpb::ScanLockRequest& req, std::string_view lower,
                        std::string_view upper, kvrpcpb::ScanLockResponse* resp) {
  RegionRange range = ClipRawRange(req.start_key(), req.end_key(), lower, upper);
  if (range.empty()) return;
  SnapshotGuard snap(engine_);
  Status s = ForEachLock(engine_, snap.get(), range.lower, range.upper,
                         [&](const std::string& raw, const LockRecord& lock, bool* stop) {
                           if (lock.ts > req.max_version()) return Status::OK();
                           FillLockInfo(lock, raw, resp->add_locks());
                           *stop = req.limit() != 0 &&
                                   static_cast<uint32_t>(resp->locks_size()) >= req.limit();
                           return Status::OK();
                         });
  if (!s.ok()) {
    resp->clear_locks();
    resp->mutable_error()->set_abort(s.ToString());
  }
}

Status TxnStore::Checksum(const brkvpb::ChecksumRequest& req, std::string_view lower,
                          std::string_view upper, brkv::Checksum* out, kvrpcpb::LockInfo* lock) {
  *out = brkv::Checksum();
  const bool has_rule = req.has_rule() && !req.rule().new_prefix().empty();
  const std::string& old_prefix = req.rule().old_prefix();
  const std::string& new_prefix = req.rule().new_prefix();

  std::vector<RegionRange> ranges;
  if (req.ranges_size() == 0) {
    ranges.push_back(RegionRange{std::string(lower), std::string(upper)});
  }
  for (const kvrpcpb::KeyRange& r : req.ranges()) {
    RegionRange clipped = ClipRawRange(r.start_key(), r.end_key(), lower, upper);
    if (!clipped.empty()) ranges.push_back(std::move(clipped));
  }

  SnapshotGuard snap(engine_);
  MvccScanner::Options opts;
  opts.ts = req.start_ts();
  brkv::Checksum sum;
  std::string hashed_key;
  // Reused across keys: a per-key string pair and LockInfo message cost more than the hash.
  std::string key, value;
  kvrpcpb::LockInfo li;
  for (const RegionRange& range : ranges) {
    MvccScanner scanner(engine_, snap.get(), range.lower, range.upper, opts);
    while (true) {
      auto r = scanner.Next(&key, &value, &li);
      if (!r.ok()) {
        if (r.status().IsKeyLocked() && lock != nullptr) *lock = std::move(li);
        return r.status();
      }
      if (!*r) break;
      if (!has_rule) {
        sum.Update(key, value);
        continue;
      }
      if (!std::string_view(key).starts_with(new_prefix)) {
        return Status::InvalidArgument("checksum: key " + codec::Escape(key) +
                                       " does not start with the rewrite rule's new prefix " +
                                       codec::Escape(new_prefix));
      }
      hashed_key.assign(old_prefix);
      hashed_key.append(key, new_prefix.size());
      sum.Update(hashed_key, value);
    }
  }
  *out = sum;
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Writes

void TxnStore::Prewrite(const kvrpcpb::PrewriteRequest& req, rocksdb::WriteBatch* batch,
                        kvrpcpb::PrewriteResponse* resp) {
  MvccReader reader(engine_, nullptr);
  MvccTxn txn;
  PrewriteProps props;
  props.primary = req.primary_lock();
  props.start_ts = req.start_version();
  props.lock_ttl = req.lock_ttl();
  props.txn_size = req.txn_size();
  props.min_commit_ts = req.min_commit_ts();
  for (const kvrpcpb::Mutation& m : req.mutations()) {
    kvrpcpb::KeyError err;
    Status s = PrewriteKey(reader, txn, props, m, &err);
    if (!s.ok()) {
      ToKeyError(s, &err);
      *resp->add_errors() = std::move(err);
    }
  }
  if (resp->errors_size() > 0) return;
  Status s = AppendAll(engine_, txn, batch);
  if (!s.ok()) resp->add_errors()->set_abort(s.ToString());
}

void TxnStore::Commit(const kvrpcpb::CommitRequest& req, rocksdb::WriteBatch* batch,
                      kvrpcpb::CommitResponse* resp) {
  if (req.commit_version() <= req.start_version()) {
    resp->mutable_error()->set_abort(
        "invalid commit_version " + std::to_string(req.commit_version()) +
        ": must be greater than start_version " + std::to_string(req.start_version()));
    return;
  }
  MvccReader reader(engine_, nullptr);
  MvccTxn txn;
  for (const std::string& key : req.keys()) {
    kvrpcpb::KeyError err;
    Status s = CommitKey(reader, txn, key, req.start_version(), req.commit_version(), &err);
    if (!s.ok()) {
      ToKeyError(s, &err);
      *resp->mutable_error() = std::move(err);
      return;
    }
  }
  Status s = AppendAll(engine_, txn, batch);
  if (!s.ok()) {
    resp->mutable_error()->set_abort(s.ToString());
    return;
  }
  resp->set_commit_version(req.commit_version());
}

void TxnStore::BatchRollback(const kvrpcpb::BatchRollbackRequest& req, rocksdb::WriteBatch* batch,
                             kvrpcpb::BatchRollbackResponse* resp) {
  MvccReader reader(engine_, nullptr);
  MvccTxn txn;
  for (const std::string& key : req.keys()) {
    kvrpcpb::KeyError err;
    Status s = CleanupKey(reader, txn, key, req.start_version(), /*protect=*/false, &err);
    if (!s.ok()) {
      ToKeyError(s, &err);
      *resp->mutable_error() = std::move(err);
      return;
    }
  }
  Status s = AppendAll(engine_, txn, batch);
  if (!s.ok()) resp->mutable_error()->set_abort(s.ToString());
}

void TxnStore::CheckTxnStatus(const kvrpcpb::CheckTxnStatusRequest& req, rocksdb::WriteBatch* batch,
                              kvrpcpb::CheckTxnStatusResponse* resp) {
  const std::string& primary = req.primary_key();
  const uint64_t start_ts = req.lock_ts();
  MvccReader reader(engine_, nullptr);
  MvccTxn txn;
  resp->set_action(kvrpcpb::NoAction);

  auto fail = [&](const Status& s) {
    resp->clear_lock_ttl();
    resp->clear_commit_version();
    resp->clear_lock_info();
    ToKeyError(s, resp->mutable_error());
  };

  auto lock = reader.LoadLock(primary);
  if (!lock.ok()) return fail(lock.status());
  if (lock->has_value() && (*lock)->ts == start_ts) {
    const LockRecord& l = **lock;
    const bool expired = req.current_ts() != 0 && TsPhysical(l.ts) + static_cast<int64_t>(l.ttl) <
                                                      TsPhysical(req.current_ts());
    if (!expired) {
      resp->set_lock_ttl(l.ttl == 0 ? 1 : l.ttl);  // non-zero means "alive"
      FillLockInfo(l, primary, resp->mutable_lock_info());
      return;
    }
    Status s = RollbackLock(reader, txn, primary, l, /*protect=*/l.for_update_ts != 0);
    if (!s.ok()) return fail(s);
    s = AppendAll(engine_, txn, batch);
    if (!s.ok()) return fail(s);
    resp->set_action(kvrpcpb::TTLExpireRollback);
    return;
  }

  auto rec = reader.GetTxnCommitRecord(primary, start_ts);
  if (!rec.ok()) return fail(rec.status());
  switch (rec->state) {
    case TxnCommitRecord::State::kCommitted:
      resp->set_commit_version(rec->commit_ts);
      return;
    case TxnCommitRecord::State::kRolledBack:
      return;
    case TxnCommitRecord::State::kNone:
      break;
  }
  if (!req.rollback_if_not_exist()) {
    auto* nf = resp->mutable_error()->mutable_txn_not_found();
    nf->set_start_ts(start_ts);
    nf->set_primary_key(primary);
    return;
  }
  // Never prewritten here (or its lock was lost): make sure it never can be, then report it
  // rolled back. Protected, so the record is not mistaken for a collapsible one.
  MakeRollback(txn, primary, start_ts, /*protect=*/true, rec->overlapped_write);
  Status s = AppendAll(engine_, txn, batch);
  if (!s.ok()) return fail(s);
  resp->set_action(kvrpcpb::LockNotExistRollback);
}

void TxnStore::ResolveLock(const kvrpcpb::ResolveLockRequest& req, std::string_view lower,
                           std::string_view upper, rocksdb::WriteBatch* batch,
                           kvrpcpb::ResolveLockResponse* resp) {
  // start_ts → commit_ts (0 = roll back).
  std::map<uint64_t, uint64_t> txns;
  if (req.txn_infos_size() > 0) {
    for (const kvrpcpb::TxnInfo& t : req.txn_infos()) txns[t.txn()] = t.status();
  } else {
    txns[req.start_version()] = req.commit_version();
  }
  for (const auto& [start_ts, commit_ts] : txns) {
    if (commit_ts != 0 && commit_ts <= start_ts) {
      resp->mutable_error()->set_abort("invalid commit_version " + std::to_string(commit_ts) +
                                       " for txn " + std::to_string(start_ts));
      return;
    }
  }

  MvccReader reader(engine_, nullptr);
  MvccTxn txn;
  auto resolve = [&](const std::string& raw, uint64_t start_ts, uint64_t commit_ts) {
    kvrpcpb::KeyError err;
    Status s = commit_ts != 0 ? CommitKey(reader, txn, raw, start_ts, commit_ts, &err)
                              : CleanupKey(reader, txn, raw, start_ts, /*protect=*/false, &err);
    if (!s.ok()) {
      ToKeyError(s, &err);
      *resp->mutable_error() = std::move(err);
    }
    return s;
  };

  if (req.keys_size() > 0 && req.txn_infos_size() == 0) {
    for (const std::string& key : req.keys()) {
      if (!resolve(key, req.start_version(), req.commit_version()).ok()) return;
    }
  } else {
    Status s = ForEachLock(engine_, nullptr, lower, upper,
                           [&](const std::string& raw, const LockRecord& lock, bool*) {
                             auto it = txns.find(lock.ts);
                             if (it == txns.end()) return Status::OK();
                             return resolve(raw, lock.ts, it->second);
                           });
    if (!s.ok()) {
      ToKeyError(s, resp->mutable_error());
      return;
    }
  }
  Status s = AppendAll(engine_, txn, batch);
  if (!s.ok()) resp->mutable_error()->set_abort(s.ToString());
}

}  // namespace brkv::server
