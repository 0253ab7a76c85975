#include "server/txn_key_range.h"

#include <memory>

#include "common/codec.h"
#include "kv/keys.h"
#include "server/mvcc_reader.h"

namespace brkv::server {

RegionRange ClipRawRange(std::string_view raw_start, std::string_view raw_end,
                         std::string_view lower, std::string_view upper) {
  RegionRange r{std::string(lower), std::string(upper)};
  if (!raw_start.empty()) {
    std::string enc = keys::TxnRegionKey(raw_start);
    if (enc > r.lower) r.lower = std::move(enc);
  }
  if (!raw_end.empty()) {
    std::string enc = keys::TxnRegionKey(raw_end);
    if (r.upper.empty() || enc < r.upper) r.upper = std::move(enc);
  }
  return r;
}

Status ForEachLock(
    Engine* engine, const rocksdb::Snapshot* snapshot, std::string_view lower,
    std::string_view upper,
    const std::function<Status(const std::string& raw, const LockRecord& lock, bool* stop)>& fn) {
  std::string lo = DataLowerBound(lower);
  std::string hi = DataUpperBound(upper);
  rocksdb::Slice hi_slice(hi);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_upper_bound = &hi_slice;
  std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, engine->cf_lock()));
  for (it->Seek(lo); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    ASSIGN_OR_RETURN(std::string raw, keys::DecodeLockKey(key));
    auto lock = LockRecord::Decode(std::string_view(it->value().data(), it->value().size()));
    if (!lock.ok()) return lock.status().WithContext("lock record at " + codec::Escape(key));
    bool stop = false;
    RETURN_IF_ERROR(fn(raw, *lock, &stop));
    if (stop) return Status::OK();
  }
  return FromRocks(it->status());
}

}  // namespace brkv::server
