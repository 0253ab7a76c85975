// TxnStore::Gc and TxnStore::HasData: MVCC garbage collection below a safe point and the
// emptiness check of a key range.
#include <memory>
#include <string>

#include "common/codec.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/mvcc_reader.h"
#include "server/txn_store.h"

namespace brkv::server {

namespace {

constexpr size_t kTsLen = 8;
// A batch is handed to `apply` once it holds this many deletions (checked between keys: one
// key's deletions always go out together, so a failure never exposes an older version that a
// dropped Delete used to hide).
constexpr size_t kGcBatchOps = 256;

std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

Status TxnStore::Gc(uint64_t safe_point, std::string_view lower, std::string_view upper,
                    const std::function<Status(rocksdb::WriteBatch*)>& apply, GcStats* stats) {
  GcStats local;
  GcStats* st = stats != nullptr ? stats : &local;
  *st = GcStats();

  SnapshotGuard snap(engine_);
  std::string lo = DataLowerBound(lower);
  std::string hi = DataUpperBound(upper);
  rocksdb::Slice hi_slice(hi);
  rocksdb::ReadOptions ro;
  ro.snapshot = snap.get();
  ro.iterate_upper_bound = &hi_slice;
  std::unique_ptr<rocksdb::Iterator> it(engine_->db()->NewIterator(ro, engine_->cf_write()));

  rocksdb::WriteBatch batch;
  size_t batch_ops = 0;
  auto flush = [&]() -> Status {
    if (batch_ops == 0) return Status::OK();
    Status s = apply(&batch);
    batch.Clear();
    batch_ops = 0;
    return s;
  };

  it->Seek(lo);
  while (it->Valid()) {
    if (it->key().size() <= 1 + kTsLen) {
      return Status::Corruption("gc: malformed CF write key " + codec::Escape(ToView(it->key())));
    }
    // One user key: its versions are prefix + desc(commit_ts), newest first.
    std::string prefix(ToView(it->key()).substr(0, it->key().size() - kTsLen));
    ++st->keys_scanned;
    std::string seek_to = prefix;
    codec::EncodeUintDesc(&seek_to, safe_point);
    if (ToView(it->key()) < std::string_view(seek_to)) it->Seek(seek_to);  // newer: all kept

    bool below_base = false;  // set once the newest Put/Delete <= safe_point has been seen
    for (; it->Valid(); it->Next()) {
      std::string_view k = ToView(it->key());
      if (k.size() != prefix.size() + kTsLen || !k.starts_with(prefix)) break;
      auto w = WriteRecord::Decode(ToView(it->value()));
      if (!w.ok()) return w.status().WithContext("gc: write record at " + codec::Escape(k));
      bool drop = true;
      if (!below_base) {
        switch (w->type) {
          case WriteType::kPut:
            drop = false;  // the version a read at safe_point sees
            below_base = true;
            break;
          case WriteType::kDelete:
            below_base = true;  // the key does not exist at safe_point: drop it and all below
            break;
          case WriteType::kLock:
          case WriteType::kRollback:
            break;
        }
      }
      if (!drop) continue;
      RETURN_IF_ERROR(FromRocks(batch.Delete(engine_->cf_write(), k)));
      ++batch_ops;
      ++st->versions_deleted;
      if (w->type == WriteType::kPut && !w->short_value) {
        std::string value_key = prefix;
        codec::EncodeUintDesc(&value_key, w->start_ts);
        RETURN_IF_ERROR(FromRocks(batch.Delete(engine_->cf_default(), value_key)));
        ++batch_ops;
      }
    }
    RETURN_IF_ERROR(FromRocks(it->status()));
    if (batch_ops >= kGcBatchOps) RETURN_IF_ERROR(flush());
  }
  RETURN_IF_ERROR(FromRocks(it->status()));
  return flush();
}

Result<bool> TxnStore::HasData(std::string_view lower, std::string_view upper) {
  std::string lo = DataLowerBound(lower);
  std::string hi = DataUpperBound(upper);
  rocksdb::Slice hi_slice(hi);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &hi_slice;
  for (rocksdb::ColumnFamilyHandle* cf :
       {engine_->cf_default(), engine_->cf_write(), engine_->cf_lock()}) {
    std::unique_ptr<rocksdb::Iterator> it(engine_->db()->NewIterator(ro, cf));
    it->Seek(lo);
    if (it->Valid()) return true;
    RETURN_IF_ERROR(FromRocks(it->status()));
  }
  return false;
}

}  // namespace brkv::server
