// TxnStore: the Percolator transaction layer of kv-server (TiKV's storage/mvcc + txn actions)
// over the node's Engine. No regions, epochs, latches or RPC here: the service owns those and
// calls this API with keys already checked against the region.
//
// Key forms: requests carry raw TiDB keys (not encoded). `lower` / `upper` bounds are in the
// REGION KEY SPACE (EncodeBytes(raw key), no 'z', no ts; upper empty = +inf), already clipped to
// the region by the caller.
//
// Storage (formats.md 4): a prewrite writes a lock at 'z'+enc(k) in CF lock (values up to
// kShortValueMaxLen bytes inline as the lock's short value, longer ones in CF default at
// start_ts); a commit writes a write record at commit_ts in CF write and deletes the lock; a
// rollback writes a Rollback record at start_ts.
//
// Errors: transactional errors go into the response's KeyError fields (region_error is the
// caller's job); an engine error (IOError/Corruption) becomes KeyError.abort with the Status text.
// A write request that reports any KeyError appends nothing to the batch.
//
// Thread-safety: reads may run concurrently with anything. Writes REQUIRE that the caller holds
// the region's write latch for the request's keys/range, and applies the batch before releasing it.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include <rocksdb/write_batch.h>

#include "common/checksum.h"
#include "common/status.h"
#include "proto/brkvpb_debug.pb.h"
#include "proto/kvrpcpb.pb.h"
#include "server/engine.h"

namespace brkv::server {

class TxnStore {
 public:
  // `engine` must outlive the store.
  explicit TxnStore(Engine* engine);

  // ---- Reads: each takes its own RocksDB snapshot and never writes. ----

  // Snapshot read of req.key at req.version. A blocking lock (Put/Delete, lock.ts <= version)
  // → error.locked; absent/deleted → not_found.
  void Get(const kvrpcpb::GetRequest& req, kvrpcpb::GetResponse* resp);

  // Like Get for each key, in request order; absent keys are omitted from pairs; a locked key
  // gives a KvPair with error.locked (and its key).
  void BatchGet(const kvrpcpb::BatchGetRequest& req, kvrpcpb::BatchGetResponse* resp);

  // Scans [max(enc(start_key), lower), min(enc(end_key), upper)) at req.version (reverse: from
  // the top down, with start_key the exclusive upper end and end_key the inclusive lower end,
  // as TiKV). Up to req.limit results (0 = no limit). As in TiKV, a locked key is reported in
  // place as a KvPair carrying error.locked (counted against the limit) and the scan goes on;
  // callers must check every pair's error.
  void Scan(const kvrpcpb::ScanRequest& req, std::string_view lower, std::string_view upper,
            kvrpcpb::ScanResponse* resp);

  // Locks with lock.ts <= req.max_version in [max(enc(start_key), lower), min(enc(end_key),
  // upper)), in key order, up to req.limit (0 = no limit).
  void ScanLock(const kvrpcpb::ScanLockRequest& req, std::string_view lower, std::string_view upper,
                kvrpcpb::ScanLockResponse* resp);

  // ---- Writes: REQUIRE the region write latch. Append mutations to `batch` (only when the
  // response carries no error); the caller applies the batch through its Propose seam. ----

  // Percolator prewrite. Per mutation: a lock of another txn → errors[].locked; our own lock →
  // idempotent (our own pessimistic lock is turned into the real lock); a Rollback of
  // start_version on the key → errors[].abort ("already rolled back"); a write record (any type)
  // with commit_ts > start_version → errors[].conflict (as TiKV: a record at exactly
  // start_version was visible to the txn's snapshot); Insert over a live value →
  // errors[].already_exist. Every failing key gets one KeyError; with any error nothing is
  // written. Values longer than kShortValueMaxLen go to CF default at start_version.
  void Prewrite(const kvrpcpb::PrewriteRequest& req, rocksdb::WriteBatch* batch,
                kvrpcpb::PrewriteResponse* resp);

  // Commits req.keys of txn start_version at commit_version (> start_version, and >= the lock's
  // min_commit_ts). A key already committed by this txn is OK (idempotent); a key whose txn was
  // rolled back → error.abort; neither lock nor record → error.txn_not_found. On success
  // resp.commit_version = req.commit_version.
  void Commit(const kvrpcpb::CommitRequest& req, rocksdb::WriteBatch* batch,
              kvrpcpb::CommitResponse* resp);

  // Rolls back req.keys of txn start_version: removes its locks (and long values) and writes
  // Rollback records (also where no lock exists, so a late prewrite fails). Already rolled back
  // → no-op; a key committed by this txn → error.abort.
  void BatchRollback(const kvrpcpb::BatchRollbackRequest& req, rocksdb::WriteBatch* batch,
                     kvrpcpb::BatchRollbackResponse* resp);

  // Status of txn lock_ts, asked on its primary key:
  //   lock alive            → lock_ttl = ttl (at least 1), lock_info set, action NoAction;
  //   lock expired          → rolled back, action TTLExpireRollback, lock_ttl and
  //                           commit_version 0
  //                           (expired: TsPhysical(lock.ts) + ttl < TsPhysical(current_ts));
  //   committed             → commit_version;
  //   rolled back           → lock_ttl = commit_version = 0;
  //   nothing at all        → rollback_if_not_exist ? Rollback record + LockNotExistRollback
  //                                                 : error.txn_not_found.
  // min_commit_ts is never pushed (action MinCommitTSPushed is not used).
  void CheckTxnStatus(const kvrpcpb::CheckTxnStatusRequest& req, rocksdb::WriteBatch* batch,
                      kvrpcpb::CheckTxnStatusResponse* resp);

  // Commits (commit_version > 0) or rolls back (commit_version == 0) the locks of txn
  // start_version on req.keys, or, when keys is empty, on every lock of that txn in
  // [lower, upper). req.txn_infos (txn → commit ts, 0 = roll back), when present, resolves
  // every lock of those txns in [lower, upper) instead. A lock found committed/rolled back the
  // other way → error.abort.
  void ResolveLock(const kvrpcpb::ResolveLockRequest& req, std::string_view lower,
                   std::string_view upper, rocksdb::WriteBatch* batch,
                   kvrpcpb::ResolveLockResponse* resp);

  // ADMIN CHECKSUM (formats.md 5.4) over req.ranges (raw TiDB keys, end empty = +inf; no ranges
  // = all of [lower, upper)) intersected with [lower, upper), at req.start_ts: per visible Put,
  // CRC64(raw key ‖ value).
  // With req.rule (non-empty new_prefix), every key must start with new_prefix (else
  // InvalidArgument) and old_prefix ‖ rest is hashed; total_bytes counts the old prefix length.
  // On success *out holds the partial checksum of this region (to be merged by the caller).
  // KeyLocked (with *lock filled when non-null) if a lock <= start_ts blocks.
  Status Checksum(const brkvpb::ChecksumRequest& req, std::string_view lower,
                  std::string_view upper, brkv::Checksum* out, kvrpcpb::LockInfo* lock);

  // MVCC GC of [lower, upper) up to safe_point. Per key: keeps every record newer than
  // safe_point and the newest Put with commit_ts <= safe_point; drops older versions,
  // Rollback/Lock records <= safe_point, a newest Delete <= safe_point with everything below it,
  // and the CF default values of dropped Puts. Locks are never touched. Reads at ts >=
  // safe_point see the same data before and after. Deletions go out in bounded batches through
  // `apply` (the caller's Propose seam); the first failing apply stops GC and is returned (work
  // already applied stays applied — GC is idempotent, so a retry finishes it).
  struct GcStats {
    uint64_t keys_scanned = 0;      // distinct keys with at least one write record
    uint64_t versions_deleted = 0;  // CF write records deleted (CF default deletions not counted)
  };
  Status Gc(uint64_t safe_point, std::string_view lower, std::string_view upper,
            const std::function<Status(rocksdb::WriteBatch*)>& apply, GcStats* stats);

  // True if any key exists in CF default, write or lock within [lower, upper) (region key
  // space, upper empty = +inf). Used before moving a region away.
  Result<bool> HasData(std::string_view lower, std::string_view upper);

 private:
  Engine* engine_;
};

}  // namespace brkv::server
