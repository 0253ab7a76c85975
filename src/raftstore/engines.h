// Engines: the RocksDB instance a store keeps its data and Raft state in, with its column
// families. Owned by the caller (the kv-server's Engine); the raftstore only borrows it.
#pragma once

#include <rocksdb/db.h>

#include <string_view>

namespace brkv::raftstore {

struct Engines {
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* cf_default = nullptr;
  rocksdb::ColumnFamilyHandle* cf_write = nullptr;
  rocksdb::ColumnFamilyHandle* cf_lock = nullptr;
  rocksdb::ColumnFamilyHandle* cf_raft = nullptr;
  // Sync writes of Raft state (durability across kill -9). Default: true.
  bool sync = true;

  // The data CF named "default" / "write" / "lock" ("" means default); nullptr otherwise.
  rocksdb::ColumnFamilyHandle* DataCf(std::string_view name) const {
    if (name.empty() || name == "default") return cf_default;
    if (name == "write") return cf_write;
    if (name == "lock") return cf_lock;
    return nullptr;
  }
};

}  // namespace brkv::raftstore
