#include "server/mvcc_reader.h"

#include <limits>

#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::server {

namespace {

constexpr uint64_t kMaxTs = std::numeric_limits<uint64_t>::max();
// Versions of one key stepped over with Next() before a Seek past them is cheaper.
constexpr int kMaxNextBeforeSeek = 8;

using keys::IsMvccVersionOf;
using keys::kMvccTsLen;
using keys::MvccKeyTs;
using keys::MvccKeyWithTs;

std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

Result<WriteRecord> DecodeWrite(std::string_view data_key, std::string_view value) {
  auto w = WriteRecord::Decode(value);
  if (!w.ok()) return w.status().WithContext("write record at " + codec::Escape(data_key));
  return w;
}

Result<LockRecord> DecodeLock(std::string_view data_key, std::string_view value) {
  auto l = LockRecord::Decode(value);
  if (!l.ok()) return l.status().WithContext("lock record at " + codec::Escape(data_key));
  return l;
}

// The raw key of a region key (EncodeBytes form).
Result<std::string> RegionKeyToRaw(std::string_view region_key) {
  std::string_view in = region_key;
  auto raw = codec::DecodeBytes(&in);
  if (!raw.ok() || !in.empty()) {
    return Status::Corruption("bad transactional key " + codec::Escape(region_key));
  }
  return raw;
}

Result<std::string> ReadDefault(Engine* engine, const rocksdb::ReadOptions& ro,
                                std::string_view data_prefix, uint64_t start_ts) {
  std::string key = MvccKeyWithTs(data_prefix, start_ts);
  std::string value;
  rocksdb::Status s = engine->db()->Get(ro, engine->cf_default(), key, &value);
  if (s.IsNotFound()) {
    return Status::Corruption("missing CF default value for " + codec::Escape(key));
  }
  if (!s.ok()) return FromRocks(s);
  return value;
}

kvrpcpb::Op LockTypeToOp(LockType t) {
  switch (t) {
    case LockType::kPut:
      return kvrpcpb::Put;
    case LockType::kDelete:
      return kvrpcpb::Del;
    case LockType::kLock:
    case LockType::kPessimistic:
      return kvrpcpb::Lock;
  }
  return kvrpcpb::Lock;
}

}  // namespace

void SkipMvccVersions(rocksdb::Iterator* it, std::string_view prefix) {
  // Most keys have one or a few versions: stepping with Next() is much cheaper than a Seek
  // (which re-positions every memtable and SST level iterator), so step a bounded number of
  // times first and only seek past keys with many versions (TiKV's SEEK_BOUND).
  for (int i = 0; i < kMaxNextBeforeSeek; ++i) {
    if (!it->Valid() || !IsMvccVersionOf(ToView(it->key()), prefix)) return;
    it->Next();
  }
  if (!it->Valid() || !IsMvccVersionOf(ToView(it->key()), prefix)) return;
  // The key's versions are prefix + 8 ts bytes <= prefix + FF*8; other keys are not
  // extensions of the prefix (memcomparable encodings are prefix-free).
  std::string past(prefix);
  past.append(kMvccTsLen + 1, '\xff');
  it->Seek(past);
}

bool LockBlocksRead(const LockRecord& lock, uint64_t ts) {
  if (lock.ts > ts) return false;
  if (lock.type != LockType::kPut && lock.type != LockType::kDelete) return false;
  // The owner can only commit at >= min_commit_ts (Commit enforces it), so a read below that
  // cannot miss the write.
  if (lock.min_commit_ts > ts) return false;
  return true;
}

void FillLockInfo(const LockRecord& lock, std::string_view raw, kvrpcpb::LockInfo* info) {
  info->set_primary_lock(lock.primary);
  info->set_lock_version(lock.ts);
  info->set_key(std::string(raw));
  info->set_lock_ttl(lock.ttl);
  info->set_txn_size(lock.txn_size);
  info->set_lock_type(LockTypeToOp(lock.type));
  info->set_min_commit_ts(lock.min_commit_ts);
}

std::string DataLowerBound(std::string_view lower) { return keys::DataKey(lower); }

std::string DataUpperBound(std::string_view upper) {
  if (upper.empty()) return std::string(1, static_cast<char>(keys::kDataPrefix + 1));
  return keys::DataKey(upper);
}

// ---------------------------------------------------------------------------------------------
// MvccReader

MvccReader::MvccReader(Engine* engine, const rocksdb::Snapshot* snapshot)
    : engine_(engine), snapshot_(snapshot) {}

rocksdb::ReadOptions MvccReader::ReadOpts() const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  return ro;
}

Result<std::optional<LockRecord>> MvccReader::LoadLock(std::string_view raw) {
  std::string key = keys::LockKey(raw);
  std::string value;
  rocksdb::Status s = engine_->db()->Get(ReadOpts(), engine_->cf_lock(), key, &value);
  if (s.IsNotFound()) return std::optional<LockRecord>();
  if (!s.ok()) return FromRocks(s);
  ASSIGN_OR_RETURN(LockRecord lock, DecodeLock(key, value));
  return std::optional<LockRecord>(std::move(lock));
}

Result<std::optional<VersionedWrite>> MvccReader::SeekWrite(std::string_view raw, uint64_t ts) {
  std::string prefix = keys::LockKey(raw);
  std::unique_ptr<rocksdb::Iterator> it(
      engine_->db()->NewIterator(ReadOpts(), engine_->cf_write()));
  it->Seek(MvccKeyWithTs(prefix, ts));
  if (!it->Valid()) {
    RETURN_IF_ERROR(FromRocks(it->status()));
    return std::optional<VersionedWrite>();
  }
  std::string_view k = ToView(it->key());
  if (!IsMvccVersionOf(k, prefix)) return std::optional<VersionedWrite>();
  VersionedWrite vw;
  vw.commit_ts = MvccKeyTs(k);
  ASSIGN_OR_RETURN(vw.write, DecodeWrite(k, ToView(it->value())));
  return std::optional<VersionedWrite>(std::move(vw));
}

Result<std::optional<VersionedWrite>> MvccReader::GetWrite(std::string_view raw, uint64_t ts) {
  std::string prefix = keys::LockKey(raw);
  std::unique_ptr<rocksdb::Iterator> it(
      engine_->db()->NewIterator(ReadOpts(), engine_->cf_write()));
  for (it->Seek(MvccKeyWithTs(prefix, ts)); it->Valid(); it->Next()) {
    std::string_view k = ToView(it->key());
    if (!IsMvccVersionOf(k, prefix)) break;
    ASSIGN_OR_RETURN(WriteRecord w, DecodeWrite(k, ToView(it->value())));
    if (w.type == WriteType::kPut || w.type == WriteType::kDelete) {
      return std::optional<VersionedWrite>(VersionedWrite{MvccKeyTs(k), std::move(w)});
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status()));
  return std::optional<VersionedWrite>();
}

Result<std::optional<WriteRecord>> MvccReader::GetWriteAt(std::string_view raw,
                                                          uint64_t commit_ts) {
  std::string key = keys::MvccKey(raw, commit_ts);
  std::string value;
  rocksdb::Status s = engine_->db()->Get(ReadOpts(), engine_->cf_write(), key, &value);
  if (s.IsNotFound()) return std::optional<WriteRecord>();
  if (!s.ok()) return FromRocks(s);
  ASSIGN_OR_RETURN(WriteRecord w, DecodeWrite(key, value));
  return std::optional<WriteRecord>(std::move(w));
}

Result<TxnCommitRecord> MvccReader::GetTxnCommitRecord(std::string_view raw, uint64_t start_ts) {
  std::string prefix = keys::LockKey(raw);
  std::unique_ptr<rocksdb::Iterator> it(
      engine_->db()->NewIterator(ReadOpts(), engine_->cf_write()));
  TxnCommitRecord rec;
  // Newest first; a commit of start_ts can only sit at commit_ts >= start_ts.
  for (it->Seek(MvccKeyWithTs(prefix, kMaxTs)); it->Valid(); it->Next()) {
    std::string_view k = ToView(it->key());
    if (!IsMvccVersionOf(k, prefix)) break;
    uint64_t commit_ts = MvccKeyTs(k);
    if (commit_ts < start_ts) break;
    ASSIGN_OR_RETURN(WriteRecord w, DecodeWrite(k, ToView(it->value())));
    if (w.start_ts == start_ts) {
      rec.state = w.type == WriteType::kRollback ? TxnCommitRecord::State::kRolledBack
                                                 : TxnCommitRecord::State::kCommitted;
      rec.commit_ts = commit_ts;
      rec.write = std::move(w);
      return rec;
    }
    if (commit_ts == start_ts) {
      if (w.has_overlapped_rollback) {
        rec.state = TxnCommitRecord::State::kRolledBack;
        rec.commit_ts = commit_ts;
        return rec;
      }
      rec.overlapped_write = std::move(w);
    }
  }
  RETURN_IF_ERROR(FromRocks(it->status()));
  return rec;
}

Result<std::string> MvccReader::LoadValue(std::string_view raw, const WriteRecord& put) {
  if (put.short_value) return *put.short_value;
  return ReadDefault(engine_, ReadOpts(), keys::LockKey(raw), put.start_ts);
}

Result<std::optional<std::string>> MvccReader::Get(std::string_view raw, uint64_t ts,
                                                   kvrpcpb::LockInfo* lock_info) {
  ASSIGN_OR_RETURN(std::optional<LockRecord> lock, LoadLock(raw));
  if (lock && LockBlocksRead(*lock, ts)) {
    if (lock_info != nullptr) FillLockInfo(*lock, raw, lock_info);
    return Status::KeyLocked("key " + codec::Escape(raw) + " is locked by txn " +
                             std::to_string(lock->ts));
  }
  ASSIGN_OR_RETURN(std::optional<VersionedWrite> w, GetWrite(raw, ts));
  if (!w || w->write.type != WriteType::kPut) return std::optional<std::string>();
  ASSIGN_OR_RETURN(std::string v, LoadValue(raw, w->write));
  return std::optional<std::string>(std::move(v));
}

// ---------------------------------------------------------------------------------------------
// MvccScanner

class MvccScanner::Impl {
 public:
  Impl(Engine* engine, const rocksdb::Snapshot* snapshot, std::string_view lower,
       std::string_view upper, const Options& options)
      : engine_(engine),
        options_(options),
        lower_(DataLowerBound(lower)),
        upper_(DataUpperBound(upper)),
        lower_slice_(lower_),
        upper_slice_(upper_) {
    ro_.snapshot = snapshot;
    ro_.iterate_lower_bound = &lower_slice_;
    ro_.iterate_upper_bound = &upper_slice_;
    write_it_.reset(engine_->db()->NewIterator(ro_, engine_->cf_write()));
    if (options_.check_locks) lock_it_.reset(engine_->db()->NewIterator(ro_, engine_->cf_lock()));
    // Point lookups in reverse mode (the main iterator walks versions oldest-first there).
    rocksdb::ReadOptions point_ro;
    point_ro.snapshot = snapshot;
    if (options_.reverse)
      point_it_.reset(engine_->db()->NewIterator(point_ro, engine_->cf_write()));
    if (options_.reverse) {
      write_it_->SeekToLast();
      if (lock_it_) lock_it_->SeekToLast();
    } else {
      write_it_->Seek(lower_);
      if (lock_it_) lock_it_->Seek(lower_);
    }
  }

  Result<bool> Next(std::string* raw_key, std::string* value, kvrpcpb::LockInfo* lock_info) {
    while (true) {
      RETURN_IF_ERROR(FromRocks(write_it_->status()));
      if (lock_it_) RETURN_IF_ERROR(FromRocks(lock_it_->status()));
      bool has_w = write_it_->Valid();
      bool has_l = lock_it_ && lock_it_->Valid();
      if (!has_w && !has_l) return false;

      // The region key (enc(k)) of each cursor; pick the next one in scan order.
      std::string_view wk = has_w ? keys::MvccKeyToRegionKey(ToView(write_it_->key())) : "";
      std::string_view lk = has_l ? ToView(lock_it_->key()).substr(1) : "";
      // cur_ and prefix_ are reused across keys: no allocation per key once they have grown.
      if (has_w && has_l) {
        bool write_first = options_.reverse ? wk >= lk : wk <= lk;
        cur_.assign(write_first ? wk : lk);
      } else {
        cur_.assign(has_w ? wk : lk);
      }
      const std::string& cur = cur_;
      bool at_w = has_w && wk == cur;
      bool at_l = has_l && lk == cur;
      prefix_.assign(1, keys::kDataPrefix);
      prefix_.append(cur);
      const std::string& prefix = prefix_;

      if (at_l) {
        std::string_view lkey = ToView(lock_it_->key());
        ASSIGN_OR_RETURN(LockRecord lock, DecodeLock(lkey, ToView(lock_it_->value())));
        Step(lock_it_.get());
        if (LockBlocksRead(lock, options_.ts)) {
          if (at_w) SkipVersions(prefix);
          ASSIGN_OR_RETURN(*raw_key, RegionKeyToRaw(cur));
          if (lock_info != nullptr) FillLockInfo(lock, *raw_key, lock_info);
          return Status::KeyLocked("key " + codec::Escape(*raw_key) + " is locked by txn " +
                                   std::to_string(lock.ts));
        }
      }
      if (!at_w) continue;

      std::optional<WriteRecord> put;
      if (options_.reverse) {
        ASSIGN_OR_RETURN(put, VisiblePut(point_it_.get(), prefix, /*positioned=*/false));
      } else {
        ASSIGN_OR_RETURN(put, VisiblePut(write_it_.get(), prefix, /*positioned=*/true));
      }
      SkipVersions(prefix);
      if (!put) continue;

      ASSIGN_OR_RETURN(*raw_key, RegionKeyToRaw(cur));
      value->clear();
      if (!options_.key_only) {
        if (put->short_value) {
          *value = std::move(*put->short_value);
        } else {
          ASSIGN_OR_RETURN(*value, ReadDefault(engine_, ro_, prefix, put->start_ts));
        }
      }
      return true;
    }
  }

 private:
  void Step(rocksdb::Iterator* it) {
    if (options_.reverse) {
      it->Prev();
    } else {
      it->Next();
    }
  }

  // The newest Put/Delete of the key with commit_ts <= ts; nullopt for none or a Delete.
  // positioned: `it` already sits on the key's newest version (forward scan).
  Result<std::optional<WriteRecord>> VisiblePut(rocksdb::Iterator* it, std::string_view prefix,
                                                bool positioned) {
    if (!positioned || MvccKeyTs(ToView(it->key())) > options_.ts) {
      it->Seek(MvccKeyWithTs(prefix, options_.ts));
    }
    for (; it->Valid(); it->Next()) {
      std::string_view k = ToView(it->key());
      if (!IsMvccVersionOf(k, prefix)) break;
      ASSIGN_OR_RETURN(WriteRecord w, DecodeWrite(k, ToView(it->value())));
      if (w.type == WriteType::kPut) return std::optional<WriteRecord>(std::move(w));
      if (w.type == WriteType::kDelete) break;
    }
    RETURN_IF_ERROR(FromRocks(it->status()));
    return std::optional<WriteRecord>();
  }

  // Moves the write cursor past every version of the key with data prefix `prefix`.
  void SkipVersions(const std::string& prefix) {
    if (options_.reverse) {
      // Every version of the key sorts after its bare prefix.
      write_it_->SeekForPrev(prefix);
      if (write_it_->Valid() && ToView(write_it_->key()) == prefix) write_it_->Prev();
    } else {
      SkipMvccVersions(write_it_.get(), prefix);
    }
  }

  Engine* engine_;
  Options options_;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  rocksdb::ReadOptions ro_;
  std::unique_ptr<rocksdb::Iterator> write_it_, lock_it_, point_it_;
  // The region key of the current step and its data prefix ('z' + region key).
  std::string cur_, prefix_;
};

MvccScanner::MvccScanner(Engine* engine, const rocksdb::Snapshot* snapshot, std::string_view lower,
                         std::string_view upper, const Options& options)
    : impl_(std::make_unique<Impl>(engine, snapshot, lower, upper, options)) {}

MvccScanner::~MvccScanner() = default;

Result<bool> MvccScanner::Next(std::string* raw_key, std::string* value, kvrpcpb::LockInfo* lock) {
  return impl_->Next(raw_key, value, lock);
}

}  // namespace brkv::server
