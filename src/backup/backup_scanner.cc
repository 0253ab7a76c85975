#include "backup/backup_scanner.h"

#include <memory>
#include <string>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include "common/codec.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/mvcc_reader.h"

namespace brkv::backup {

namespace {

using keys::IsMvccVersionOf;
using keys::kMvccTsLen;
using keys::MvccKeyTs;
using keys::MvccKeyWithTs;

constexpr size_t kMinEncodedLen = 9;  // one memcomparable group

std::string_view ToView(const rocksdb::Slice& s) { return {s.data(), s.size()}; }

bool Cancelled(const std::atomic<bool>* cancelled) {
  return cancelled != nullptr && cancelled->load(std::memory_order_relaxed);
}

Status CancelledStatus() { return Status::Aborted("backup cancelled"); }

bool BelowEnd(std::string_view region_key, std::string_view region_end) {
  return region_end.empty() || region_key < region_end;
}

Result<std::string> DecodeRegionKey(std::string_view region_key, std::string_view data_key) {
  std::string_view in = region_key;
  auto raw = codec::DecodeBytes(&in);
  if (!raw.ok() || !in.empty()) {
    return Status::Corruption("undecodable transactional key " + codec::Escape(data_key));
  }
  return raw;
}

// Read options for a backup scan: the snapshot, and no block-cache pollution by a one-off scan
// of the whole piece (the online workload keeps its cache, lessons.md 19).
rocksdb::ReadOptions BackupReadOptions(const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.fill_cache = false;
  return ro;
}

}  // namespace

Status ScanTxnForBackup(server::Engine* engine, const rocksdb::Snapshot* snapshot,
                        const TxnScanOptions& options, const BackupKvSink& sink,
                        ScanStats* stats) {
  if (options.end_version == 0) {
    return Status::InvalidArgument("transactional backup needs end_version > 0");
  }
  if (options.start_version > options.end_version) {
    return Status::InvalidArgument("backup start_version " +
                                   std::to_string(options.start_version) +
                                   " is after end_version " + std::to_string(options.end_version));
  }
  const bool incremental = options.start_version > 0;
  ScanStats local;
  ScanStats& st = stats != nullptr ? *stats : local;

  const std::string lower = server::DataLowerBound(options.region_start);
  const std::string upper = server::DataUpperBound(options.region_end);
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro = BackupReadOptions(snapshot);
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  const rocksdb::ReadOptions point_ro = BackupReadOptions(snapshot);
  std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, engine->cf_write()));

  std::string prefix;
  std::string default_value;
  it->Seek(lower);
  while (it->Valid()) {
    if (Cancelled(options.cancelled)) return CancelledStatus();
    std::string_view k = ToView(it->key());
    if (k.size() < 1 + kMinEncodedLen + kMvccTsLen || k[0] != keys::kDataPrefix) {
      return Status::Corruption("not an MVCC key in CF write: " + codec::Escape(k));
    }
    std::string_view region_key = k.substr(1, k.size() - 1 - kMvccTsLen);
    prefix.assign(k.substr(0, k.size() - kMvccTsLen));
    // The data-key bounds can admit a version whose region key lies just outside the piece
    // when a bound is not itself a valid encoding; the region key decides.
    if (region_key < options.region_start) {
      server::SkipMvccVersions(it.get(), prefix);
      continue;
    }
    if (!BelowEnd(region_key, options.region_end)) break;
    if (MvccKeyTs(k) > options.end_version) {
      // Newer than the backup: jump to the key's newest version <= end_version (or the next key).
      it->Seek(MvccKeyWithTs(prefix, options.end_version));
      continue;
    }
    ASSIGN_OR_RETURN(const std::string raw, DecodeRegionKey(region_key, k));

    for (; it->Valid(); it->Next()) {
      k = ToView(it->key());
      if (!IsMvccVersionOf(k, prefix)) break;
      const uint64_t commit_ts = MvccKeyTs(k);
      if (incremental && commit_ts <= options.start_version) break;
      ++st.versions_read;
      std::string_view v = ToView(it->value());
      auto decoded = WriteRecord::Decode(v);
      if (!decoded.ok()) {
        return decoded.status().WithContext("write record at " + codec::Escape(k));
      }
      const WriteRecord& w = *decoded;
      if (w.type == WriteType::kLock || w.type == WriteType::kRollback) continue;
      if (w.type == WriteType::kDelete) {
        if (incremental) {
          // TiKV's backup counts a Delete as (key, empty value).
          RETURN_IF_ERROR(
              sink(sst::BackupKv{sst::BackupCf::kWrite, k, v, raw, std::string_view()}));
          ++st.keys;
          ++st.kvs;
        }
        break;
      }
      // A Put.
      if (w.short_value) {
        const std::string_view short_value(*w.short_value);
        RETURN_IF_ERROR(sink(sst::BackupKv{sst::BackupCf::kWrite, k, v, raw, short_value}));
        ++st.kvs;
      } else {
        const std::string default_key = MvccKeyWithTs(prefix, w.start_ts);
        rocksdb::Status s =
            engine->db()->Get(point_ro, engine->cf_default(), default_key, &default_value);
        if (s.IsNotFound()) {
          return Status::Corruption("missing CF default value " + codec::Escape(default_key) +
                                    " of the write record at " + codec::Escape(k));
        }
        RETURN_IF_ERROR(server::FromRocks(s));
        RETURN_IF_ERROR(sink(sst::BackupKv{sst::BackupCf::kDefault, default_key, default_value,
                                           raw, std::string_view(default_value)}));
        RETURN_IF_ERROR(sink(sst::BackupKv{sst::BackupCf::kWrite, k, v, raw, std::nullopt}));
        st.kvs += 2;
      }
      ++st.keys;
      break;
    }
    server::SkipMvccVersions(it.get(), prefix);
  }
  return server::FromRocks(it->status());
}

Status FindBlockingLock(server::Engine* engine, const rocksdb::Snapshot* snapshot,
                        std::string_view region_start, std::string_view region_end,
                        uint64_t end_version, kvrpcpb::LockInfo* lock_info) {
  const std::string lower = server::DataLowerBound(region_start);
  const std::string upper = server::DataUpperBound(region_end);
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro = BackupReadOptions(snapshot);
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, engine->cf_lock()));
  for (it->Seek(lower); it->Valid(); it->Next()) {
    std::string_view k = ToView(it->key());
    if (k.empty() || k[0] != keys::kDataPrefix) {
      return Status::Corruption("not a lock key in CF lock: " + codec::Escape(k));
    }
    std::string_view region_key = k.substr(1);
    if (region_key < region_start) continue;
    if (!BelowEnd(region_key, region_end)) break;
    auto lock = LockRecord::Decode(ToView(it->value()));
    if (!lock.ok()) return lock.status().WithContext("lock record at " + codec::Escape(k));
    if (!server::LockBlocksRead(*lock, end_version)) continue;
    ASSIGN_OR_RETURN(const std::string raw, DecodeRegionKey(region_key, k));
    if (lock_info != nullptr) server::FillLockInfo(*lock, raw, lock_info);
    return Status::KeyLocked("key " + codec::Escape(raw) + " is locked by txn " +
                             std::to_string(lock->ts) + " (backup ts " +
                             std::to_string(end_version) + ")");
  }
  return server::FromRocks(it->status());
}

Status ScanRawForBackup(server::Engine* engine, const rocksdb::Snapshot* snapshot,
                        const RawScanOptions& options, const BackupKvSink& sink,
                        ScanStats* stats) {
  ScanStats local;
  ScanStats& st = stats != nullptr ? *stats : local;
  const std::string lower = server::DataLowerBound(options.region_start);
  const std::string upper = server::DataUpperBound(options.region_end);
  const rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro = BackupReadOptions(snapshot);
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(engine->db()->NewIterator(ro, engine->cf_default()));
  std::string sst_key;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    if (Cancelled(options.cancelled)) return CancelledStatus();
    std::string_view k = ToView(it->key());
    // 'z' + 'r' + user key. The 'r' only marks the node's raw-KV key space; BR's raw backup
    // files carry the API V1 form 'z' + user key, so it is dropped here.
    if (k.size() < 2 || k[0] != keys::kDataPrefix || k[1] != keys::kRawPrefix) {
      return Status::Corruption("not a raw KV key: " + codec::Escape(k));
    }
    std::string_view user_key = k.substr(2);
    std::string_view v = ToView(it->value());
    sst_key.assign(1, keys::kDataPrefix);
    sst_key.append(user_key);
    RETURN_IF_ERROR(sink(sst::BackupKv{sst::BackupCf::kDefault, sst_key, v, user_key, v}));
    ++st.keys;
    ++st.kvs;
  }
  return server::FromRocks(it->status());
}

}  // namespace brkv::backup
