// MvccReader and MvccScanner: read-only views of the Percolator MVCC state kept in the node's
// Engine (formats.md 4): CF lock holds pending locks at 'z'+enc(k); CF write holds commit and
// rollback records at 'z'+enc(k)+desc(commit_ts); CF default holds values longer than
// kShortValueMaxLen at 'z'+enc(k)+desc(start_ts).
//
// Both read through a RocksDB snapshot when one is given, else the latest state (the write path
// uses the latest state because it runs under the region's write latch).
// Thread-safety: an instance is not thread-safe; distinct instances may be used concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include "common/status.h"
#include "kv/txn_types.h"
#include "proto/kvrpcpb.pb.h"
#include "server/engine.h"

namespace brkv::server {

// True if `lock` blocks a snapshot read at `ts`: a Put/Delete lock with lock.ts <= ts whose
// min_commit_ts does not already guarantee a commit after ts. Lock/Pessimistic locks never block.
bool LockBlocksRead(const LockRecord& lock, uint64_t ts);

// Fills the wire form of `lock` held on raw key `raw`.
void FillLockInfo(const LockRecord& lock, std::string_view raw, kvrpcpb::LockInfo* info);

// Data-key bounds of a region key range [lower, upper) (upper empty = +inf): 'z'+lower and
// 'z'+upper (or "{" , the first key after the data space).
std::string DataLowerBound(std::string_view lower);
std::string DataUpperBound(std::string_view upper);

// Moves `it` (over CF default or write) past every remaining version of the key whose data
// prefix ('z' + EncodeBytes(raw)) is `prefix`; a no-op if `it` is not on such a version.
void SkipMvccVersions(rocksdb::Iterator* it, std::string_view prefix);

// A write record together with the commit_ts it is stored at.
struct VersionedWrite {
  uint64_t commit_ts = 0;
  WriteRecord write;
};

// What CF write says about one transaction (start_ts) on one key.
struct TxnCommitRecord {
  enum class State { kNone, kCommitted, kRolledBack };
  State state = State::kNone;
  // kCommitted / kRolledBack by its own Rollback record: the record's commit_ts and the record.
  uint64_t commit_ts = 0;
  WriteRecord write;
  // kNone: another txn's commit record stored at commit_ts == start_ts (a rollback of this txn
  // must then set its overlapped-rollback flag instead of overwriting it).
  std::optional<WriteRecord> overlapped_write;
};

class MvccReader {
 public:
  // `snapshot` may be null (latest state). Both must outlive the reader.
  MvccReader(Engine* engine, const rocksdb::Snapshot* snapshot);

  // The lock on raw key `raw`, or nullopt. Corruption if the record does not parse.
  Result<std::optional<LockRecord>> LoadLock(std::string_view raw);

  // The newest write record of `raw` with commit_ts <= ts, of any type.
  Result<std::optional<VersionedWrite>> SeekWrite(std::string_view raw, uint64_t ts);

  // The newest Put or Delete of `raw` with commit_ts <= ts (Lock and Rollback skipped).
  Result<std::optional<VersionedWrite>> GetWrite(std::string_view raw, uint64_t ts);

  // The write record stored exactly at (raw, commit_ts), or nullopt.
  Result<std::optional<WriteRecord>> GetWriteAt(std::string_view raw, uint64_t commit_ts);

  // Whether txn `start_ts` committed or was rolled back on `raw` (TiKV's get_txn_commit_record):
  // looks at records with commit_ts >= start_ts for one whose start_ts matches, or an
  // overlapped-rollback flag at commit_ts == start_ts.
  Result<TxnCommitRecord> GetTxnCommitRecord(std::string_view raw, uint64_t start_ts);

  // The user value of a Put: its short value, or the CF default entry at its start_ts
  // (Corruption if that entry is missing).
  Result<std::string> LoadValue(std::string_view raw, const WriteRecord& put);

  // Snapshot point read at `ts`: the value, or nullopt when the key has no live value.
  // KeyLocked (with *lock filled when non-null) if a lock blocks the read.
  Result<std::optional<std::string>> Get(std::string_view raw, uint64_t ts,
                                         kvrpcpb::LockInfo* lock);

 private:
  rocksdb::ReadOptions ReadOpts() const;

  Engine* engine_;
  const rocksdb::Snapshot* snapshot_;
};

// Iterates the keys of a region key range [lower, upper) visible at `ts`, in key order
// (or reverse key order), one logical key per step.
class MvccScanner {
 public:
  struct Options {
    uint64_t ts = 0;
    // Skip loading values (long values are not read from CF default).
    bool key_only = false;
    // Iterate from the upper end down.
    bool reverse = false;
    // Report blocking locks (KeyLocked); when false, locks are ignored.
    bool check_locks = true;
  };

  // `snapshot` may be null (latest state). engine/snapshot must outlive the scanner.
  MvccScanner(Engine* engine, const rocksdb::Snapshot* snapshot, std::string_view lower,
              std::string_view upper, const Options& options);
  ~MvccScanner();
  MvccScanner(const MvccScanner&) = delete;
  MvccScanner& operator=(const MvccScanner&) = delete;

  // Advances to the next key with a visible Put. Returns true with *raw_key / *value set, or
  // false at the end. If a lock blocks the next key, returns KeyLocked with *raw_key and *lock
  // (when non-null) filled; the scanner has moved past that key, so Next() may be called again.
  // Other errors (Corruption, IOError) are terminal.
  Result<bool> Next(std::string* raw_key, std::string* value, kvrpcpb::LockInfo* lock);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace brkv::server
