// Engine: the node's RocksDB with column families default, write, lock and raft.
//
// Every write goes through Write() with sync=true, so an acknowledged write survives kill -9.
// Region-level writes must go through RegionManager's Propose seam (see region_manager.h) which
// calls Write(); only node-local bookkeeping calls Write() directly.
// Thread-safety: thread-safe (RocksDB is).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "common/status.h"

namespace brkv::server {

struct EngineOptions {
  // Directory of the RocksDB instance; created if missing.
  std::string path;
  // RocksDB block cache size. Default: 64 MiB.
  size_t block_cache_bytes = 64ull << 20;
  // Sync the WAL on every write. Default: true (durability across kill -9).
  bool sync_writes = true;
};

class Engine {
 public:
  static Result<std::unique_ptr<Engine>> Open(const EngineOptions& options);
  ~Engine();

  rocksdb::DB* db() { return db_.get(); }
  bool sync_writes() const { return options_.sync_writes; }
  rocksdb::ColumnFamilyHandle* cf_default() { return cfs_[0]; }
  rocksdb::ColumnFamilyHandle* cf_write() { return cfs_[1]; }
  rocksdb::ColumnFamilyHandle* cf_lock() { return cfs_[2]; }
  rocksdb::ColumnFamilyHandle* cf_raft() { return cfs_[3]; }
  // "default" / "write" / "lock" / "raft"; nullptr for an unknown name.
  rocksdb::ColumnFamilyHandle* cf(std::string_view name);

  // Applies the batch atomically (and durably when sync_writes).
  Status Write(rocksdb::WriteBatch* batch);
  // Point read of the latest value (no snapshot). NotFound when absent.
  Result<std::string> Get(rocksdb::ColumnFamilyHandle* cf, std::string_view key);

  // A consistent read view; release with ReleaseSnapshot or use SnapshotGuard.
  const rocksdb::Snapshot* GetSnapshot() { return db_->GetSnapshot(); }
  void ReleaseSnapshot(const rocksdb::Snapshot* s) { db_->ReleaseSnapshot(s); }

 private:
  Engine() = default;
  EngineOptions options_;
  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* cfs_[4] = {};
};

// RAII holder of an engine snapshot.
class SnapshotGuard {
 public:
  explicit SnapshotGuard(Engine* e) : e_(e), s_(e->GetSnapshot()) {}
  ~SnapshotGuard() { e_->ReleaseSnapshot(s_); }
  SnapshotGuard(const SnapshotGuard&) = delete;
  SnapshotGuard& operator=(const SnapshotGuard&) = delete;
  const rocksdb::Snapshot* get() const { return s_; }

 private:
  Engine* e_;
  const rocksdb::Snapshot* s_;
};

// Converts a rocksdb::Status into ours (IOError/Corruption/NotFound/...).
Status FromRocks(const rocksdb::Status& s);

}  // namespace brkv::server
