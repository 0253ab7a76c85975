#include "server/txn_actions.h"

#include <algorithm>
#include <limits>

#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::server {

namespace {

constexpr uint64_t kMaxTs = std::numeric_limits<uint64_t>::max();

std::string Ts(uint64_t ts) { return std::to_string(ts); }

WriteType WriteTypeOfLock(LockType t) {
  switch (t) {
    case LockType::kPut:
      return WriteType::kPut;
    case LockType::kDelete:
      return WriteType::kDelete;
    case LockType::kLock:
    case LockType::kPessimistic:
      return WriteType::kLock;  // a leftover pessimistic lock
  }
  return WriteType::kLock;
}

Status Locked(const LockRecord& lock, std::string_view raw, kvrpcpb::KeyError* err) {
  FillLockInfo(lock, raw, err->mutable_locked());
  return Status::KeyLocked("key " + codec::Escape(raw) + " is locked by txn " + Ts(lock.ts));
}

Status Abort(std::string msg, kvrpcpb::KeyError* err) {
  err->set_abort(msg);
  return Status::TxnAborted(msg);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// MvccTxn

void MvccTxn::PutLock(std::string_view raw, const LockRecord& lock) {
  ops_.push_back({Cf::kLock, false, keys::LockKey(raw), lock.Encode()});
}

void MvccTxn::UnlockKey(std::string_view raw) {
  ops_.push_back({Cf::kLock, true, keys::LockKey(raw), {}});
}

void MvccTxn::PutWrite(std::string_view raw, uint64_t commit_ts, const WriteRecord& write) {
  ops_.push_back({Cf::kWrite, false, keys::MvccKey(raw, commit_ts), write.Encode()});
}

void MvccTxn::PutValue(std::string_view raw, uint64_t start_ts, std::string_view value) {
  ops_.push_back({Cf::kDefault, false, keys::MvccKey(raw, start_ts), std::string(value)});
}

void MvccTxn::DeleteValue(std::string_view raw, uint64_t start_ts) {
  ops_.push_back({Cf::kDefault, true, keys::MvccKey(raw, start_ts), {}});
}

Status MvccTxn::AppendTo(Engine* engine, rocksdb::WriteBatch* batch) const {
  for (const Op& op : ops_) {
    rocksdb::ColumnFamilyHandle* cf = op.cf == Cf::kDefault ? engine->cf_default()
                                      : op.cf == Cf::kWrite ? engine->cf_write()
                                                            : engine->cf_lock();
    rocksdb::Status s = op.is_delete ? batch->Delete(cf, op.key) : batch->Put(cf, op.key, op.value);
    RETURN_IF_ERROR(FromRocks(s));
  }
  return Status::OK();
}

// ---------------------------------------------------------------------------------------------
// Actions

namespace {

// The checks of a prewrite on a key we hold no lock on.
Status CheckPrewriteConstraints(MvccReader& reader, const PrewriteProps& props,
                                const kvrpcpb::Mutation& m, kvrpcpb::KeyError* err) {
  const std::string& raw = m.key();
  // A rollback of this very txn (possibly as an overlapped-rollback flag) means a concurrent
  // resolver already decided this txn is dead: it must never take a lock again.
  ASSIGN_OR_RETURN(std::optional<WriteRecord> at_start, reader.GetWriteAt(raw, props.start_ts));
  if (at_start &&
      ((at_start->type == WriteType::kRollback && at_start->start_ts == props.start_ts) ||
       at_start->has_overlapped_rollback)) {
    return Abort("txn " + Ts(props.start_ts) + " already rolled back on key " + codec::Escape(raw),
                 err);
  }

  // Anything committed (or rolled back) after our snapshot: write conflict. A record at exactly
  // start_ts from another txn was visible to our snapshot, so it is no conflict (as TiKV).
  ASSIGN_OR_RETURN(std::optional<VersionedWrite> newest, reader.SeekWrite(raw, kMaxTs));
  if (newest && newest->commit_ts > props.start_ts) {
    auto* c = err->mutable_conflict();
    c->set_start_ts(props.start_ts);
    c->set_conflict_ts(newest->write.start_ts);
    c->set_key(raw);
    c->set_primary(props.primary);
    c->set_conflict_commit_ts(newest->commit_ts);
    return Status::WriteConflict("write conflict on key " + codec::Escape(raw) + ": committed at " +
                                 Ts(newest->commit_ts) + " after start_ts " + Ts(props.start_ts));
  }

  if (m.op() == kvrpcpb::Insert) {
    ASSIGN_OR_RETURN(std::optional<VersionedWrite> live, reader.GetWrite(raw, kMaxTs));
    if (live && live->write.type == WriteType::kPut) {
      err->mutable_already_exist()->set_key(raw);
      return Status::AlreadyExists("key " + codec::Escape(raw) + " already exists");
    }
  }
  return Status::OK();
}

}  // namespace

Status PrewriteKey(MvccReader& reader, MvccTxn& txn, const PrewriteProps& props,
                   const kvrpcpb::Mutation& m, kvrpcpb::KeyError* err) {
  const std::string& raw = m.key();
  LockType type;
  switch (m.op()) {
    case kvrpcpb::Put:
    case kvrpcpb::Insert:
      type = LockType::kPut;
      break;
    case kvrpcpb::Del:
      type = LockType::kDelete;
      break;
    case kvrpcpb::Lock:
      type = LockType::kLock;
      break;
    default:
      return Abort(
          "invalid prewrite op " + kvrpcpb::Op_Name(m.op()) + " on key " + codec::Escape(raw), err);
  }

  LockRecord l;
  l.type = type;
  l.primary = props.primary;
  l.ts = props.start_ts;
  l.ttl = props.lock_ttl;
  l.txn_size = props.txn_size;
  l.min_commit_ts = props.min_commit_ts;

  ASSIGN_OR_RETURN(std::optional<LockRecord> lock, reader.LoadLock(raw));
  if (lock) {
    if (lock->ts != props.start_ts) return Locked(*lock, raw, err);
    // Our own lock: a retried prewrite, nothing to do. A pessimistic lock of ours already
    // passed the conflict checks when it was taken; it becomes the real lock, keeping any
    // ttl / min_commit_ts pushed meanwhile.
    if (lock->type != LockType::kPessimistic) return Status::OK();
    l.ttl = std::max(l.ttl, lock->ttl);
    l.min_commit_ts = std::max(l.min_commit_ts, lock->min_commit_ts);
    l.for_update_ts = lock->for_update_ts;
  } else {
    RETURN_IF_ERROR(CheckPrewriteConstraints(reader, props, m, err));
  }

  if (type == LockType::kPut) {
    if (m.value().size() <= kShortValueMaxLen) {
      l.short_value = m.value();
    } else {
      txn.PutValue(raw, props.start_ts, m.value());
    }
  }
  txn.PutLock(raw, l);
  return Status::OK();
}

Status CommitKey(MvccReader& reader, MvccTxn& txn, std::string_view raw, uint64_t start_ts,
                 uint64_t commit_ts, kvrpcpb::KeyError* err) {
  ASSIGN_OR_RETURN(std::optional<LockRecord> lock, reader.LoadLock(raw));
  if (!lock || lock->ts != start_ts) {
    ASSIGN_OR_RETURN(TxnCommitRecord rec, reader.GetTxnCommitRecord(raw, start_ts));
    switch (rec.state) {
      case TxnCommitRecord::State::kCommitted:
        return Status::OK();  // a retried commit
      case TxnCommitRecord::State::kRolledBack:
        return Abort("txn " + Ts(start_ts) + " was rolled back on key " + codec::Escape(raw) +
                         "; cannot commit",
                     err);
      case TxnCommitRecord::State::kNone: {
        auto* nf = err->mutable_txn_not_found();
        nf->set_start_ts(start_ts);
        nf->set_primary_key(std::string(raw));
        return Status::NotFound("txn " + Ts(start_ts) + " has no lock on key " +
                                codec::Escape(raw));
      }
    }
  }
  if (commit_ts < lock->min_commit_ts) {
    return Abort("commit ts expired: commit_ts " + Ts(commit_ts) + " < min_commit_ts " +
                     Ts(lock->min_commit_ts) + " on key " + codec::Escape(raw),
                 err);
  }

  WriteRecord w;
  w.type = WriteTypeOfLock(lock->type);
  w.start_ts = start_ts;
  w.short_value = lock->short_value;
  // Another txn's rollback may sit exactly at our commit_ts; keep its meaning on our record.
  bool overlapped = std::find(lock->rollback_ts.begin(), lock->rollback_ts.end(), commit_ts) !=
                    lock->rollback_ts.end();
  if (!overlapped) {
    ASSIGN_OR_RETURN(std::optional<WriteRecord> existing, reader.GetWriteAt(raw, commit_ts));
    overlapped =
        existing && (existing->type == WriteType::kRollback || existing->has_overlapped_rollback);
  }
  w.has_overlapped_rollback = overlapped;
  txn.PutWrite(raw, commit_ts, w);
  txn.UnlockKey(raw);
  return Status::OK();
}

void MakeRollback(MvccTxn& txn, std::string_view raw, uint64_t start_ts, bool protect,
                  const std::optional<WriteRecord>& overlapped_write) {
  if (overlapped_write) {
    if (overlapped_write->has_overlapped_rollback) return;
    WriteRecord w = *overlapped_write;
    w.has_overlapped_rollback = true;
    txn.PutWrite(raw, start_ts, w);
    return;
  }
  WriteRecord w;
  w.type = WriteType::kRollback;
  w.start_ts = start_ts;
  if (protect) w.short_value = std::string(kProtectedRollbackShortValue);
  txn.PutWrite(raw, start_ts, w);
}

Status RollbackLock(MvccReader& reader, MvccTxn& txn, std::string_view raw, const LockRecord& lock,
                    bool protect) {
  ASSIGN_OR_RETURN(TxnCommitRecord rec, reader.GetTxnCommitRecord(raw, lock.ts));
  if (rec.state == TxnCommitRecord::State::kCommitted) {
    return Status::Corruption("key " + codec::Escape(raw) + " holds a lock of txn " + Ts(lock.ts) +
                              " that is already committed at " + Ts(rec.commit_ts));
  }
  if (lock.type == LockType::kPut && !lock.short_value) txn.DeleteValue(raw, lock.ts);
  if (rec.state == TxnCommitRecord::State::kNone) {
    MakeRollback(txn, raw, lock.ts, protect, rec.overlapped_write);
  }
  txn.UnlockKey(raw);
  return Status::OK();
}

Status CleanupKey(MvccReader& reader, MvccTxn& txn, std::string_view raw, uint64_t start_ts,
                  bool protect, kvrpcpb::KeyError* err) {
  ASSIGN_OR_RETURN(std::optional<LockRecord> lock, reader.LoadLock(raw));
  if (lock && lock->ts == start_ts) return RollbackLock(reader, txn, raw, *lock, protect);

  ASSIGN_OR_RETURN(TxnCommitRecord rec, reader.GetTxnCommitRecord(raw, start_ts));
  switch (rec.state) {
    case TxnCommitRecord::State::kCommitted:
      return Abort("txn " + Ts(start_ts) + " is already committed at " + Ts(rec.commit_ts) +
                       " on key " + codec::Escape(raw) + "; cannot roll back",
                   err);
    case TxnCommitRecord::State::kRolledBack:
      return Status::OK();
    case TxnCommitRecord::State::kNone:
      // No trace of the txn here: leave a rollback so a late prewrite of it fails.
      MakeRollback(txn, raw, start_ts, protect, rec.overlapped_write);
      return Status::OK();
  }
  return Status::OK();
}

void ToKeyError(const Status& s, kvrpcpb::KeyError* err) {
  if (err->has_locked() || err->has_conflict() || err->has_already_exist() ||
      err->has_txn_not_found() || !err->abort().empty() || !err->retryable().empty()) {
    return;
  }
  err->set_abort(s.ToString());
}

}  // namespace brkv::server
