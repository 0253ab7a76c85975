// Backup scanners: read one piece of a region from an Engine snapshot and hand its KVs, in key
// order, to a sink (normally sst::BackupWriter::Add) — nothing is buffered, so memory does not
// grow with the size of the region.
//
// Transactional scan — TiKV's "latest entry" policy at end_version (formats.md 5.1):
//   full (start_version == 0): per key, the newest Put or Delete with commit_ts <= end_version
//     decides: a Put is emitted, a Delete means the key is absent and nothing is emitted. Lock
//     and Rollback records are stepped over; older versions are never emitted.
//   incremental (start_version > 0): per key, the newest Put or Delete with
//     start_version < commit_ts <= end_version is emitted (Lock/Rollback stepped over).
//   A Put yields its CF default KV first when the value is long (key 'z'+enc+desc(start_ts),
//   the stored value), then its CF write KV (key 'z'+enc+desc(commit_ts), the write record
//   bytes as stored — optional tags included). The checksum counts the logical KV once: on the
//   default KV when the value lives there, else on the write KV (formats.md 5.4). A Delete
//   (incremental only) is counted as (raw key, empty value), as TiKV's backup does.
//
// Locks: FindBlockingLock looks for a pending lock that blocks a read at end_version
// (server::LockBlocksRead: a Put/Delete lock with lock.ts <= end_version, unless its
// min_commit_ts is already past end_version). The endpoint runs it over the same snapshot
// before scanning, so a locked piece is refused before anything is written or uploaded.
//
// Raw KV scan: CF default keys 'z' + 'r' + user key become 'z' + user key in the SST — the API
// V1 key form BR's raw backups carry; the 'r' marks our raw-KV key space inside the node and
// is not part of the backup format — with the value as stored, counted as (user key, value).
//
// Cancellation: scanners poll `cancelled` between keys and stop with Aborted.
// Thread-safety: functions with no shared state; the engine and snapshot must outlive the call.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include <rocksdb/db.h>

#include "common/status.h"
#include "proto/kvrpcpb.pb.h"
#include "server/engine.h"
#include "sst/backup_writer.h"

namespace brkv::backup {

// Receives the KVs of a scan; a non-OK status stops the scan and is returned by it.
using BackupKvSink = std::function<Status(const sst::BackupKv&)>;

struct TxnScanOptions {
  // Region-key-space bounds of the piece; empty end = +infinity.
  std::string_view region_start{};
  std::string_view region_end{};
  // (start_version, end_version]; start_version 0 = full backup.
  uint64_t start_version = 0;
  uint64_t end_version = 0;
  // Polled between keys; may be null. Default: never cancelled.
  const std::atomic<bool>* cancelled = nullptr;
};

struct ScanStats {
  uint64_t keys = 0;            // logical keys emitted (Puts, and Deletes when incremental)
  uint64_t kvs = 0;             // KVs handed to the sink (write + default)
  uint64_t versions_read = 0;   // CF write records examined
};

// Scans CF write of the piece at the snapshot and feeds the sink (see the top of the file).
// Corruption for an undecodable key or record, or a Put whose CF default value is missing;
// IOError from RocksDB; Aborted when cancelled; whatever the sink returns.
Status ScanTxnForBackup(server::Engine* engine, const rocksdb::Snapshot* snapshot,
                        const TxnScanOptions& options, const BackupKvSink& sink,
                        ScanStats* stats = nullptr);

// The first lock (in key order) in CF lock of [region_start, region_end) that blocks a read at
// end_version: KeyLocked naming the key and txn, with *lock filled when non-null. OK when no
// lock blocks. Corruption for an undecodable lock.
Status FindBlockingLock(server::Engine* engine, const rocksdb::Snapshot* snapshot,
                        std::string_view region_start, std::string_view region_end,
                        uint64_t end_version, kvrpcpb::LockInfo* lock);

struct RawScanOptions {
  // Region-key-space bounds of the piece (inside ['r', 's')); empty end = +infinity.
  std::string_view region_start{};
  std::string_view region_end{};
  const std::atomic<bool>* cancelled = nullptr;
};

// Scans the raw KV pairs of the piece (CF default) and feeds them to the sink as
// sst::BackupCf::kDefault KVs (see the top of the file).
Status ScanRawForBackup(server::Engine* engine, const rocksdb::Snapshot* snapshot,
                        const RawScanOptions& options, const BackupKvSink& sink,
                        ScanStats* stats = nullptr);

}  // namespace brkv::backup
