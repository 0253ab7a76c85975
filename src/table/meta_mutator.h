// MetaMutator: catalog writes inside one transaction (TiDB's meta.Mutator). It buffers writes
// in the txn; nothing is visible until the caller commits, so a catalog change made of several
// writes (new ids, the entries, the schema version) is atomic.
//
// Every catalog change must call BumpSchemaVersion exactly once: besides telling readers that
// the catalog changed, the write to "SchemaVersionKey" makes any two concurrent catalog
// changes conflict, so one of them restarts and sees the other's result (e.g. a duplicate
// name). Global ids come from "NextGlobalID", which holds the highest id already used.
// Thread-safety: not thread-safe (one Txn); the Txn must outlive the mutator.
#pragma once

#include <cstdint>

#include "catalog/schema.h"
#include "client/txn.h"
#include "common/status.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"

namespace brkv::table {

class MetaMutator {
 public:
  explicit MetaMutator(client::Txn* txn) : txn_(txn), kv_(txn), reader_(&kv_) {}

  // Reads through the same transaction (its own writes included).
  MetaReader* reader() { return &reader_; }
  client::Txn* txn() { return txn_; }

  // Reserves n (>= 1) new global ids and returns the first; they are first..first+n-1.
  // InvalidArgument if the id space (catalog::meta::kMaxGlobalID) would be exceeded.
  Result<int64_t> GenGlobalIDs(int64_t n);
  // Increments the schema version and returns the new one.
  Result<int64_t> BumpSchemaVersion();

  // Creates or replaces the entry of a database / table.
  Status PutDatabase(const catalog::DBInfo& db);
  Status PutTable(int64_t db_id, const catalog::TableInfo& table);
  // Removes a table's entry and its auto-id fields (TID:, IID:).
  Status DeleteTable(int64_t db_id, int64_t table_id);
  // Removes a database's entry and every field of its hash (tables and auto-id fields).
  Status DeleteDatabase(int64_t db_id);
  // Sets a table's row-id / auto_increment base.
  Status SetAutoTableID(int64_t db_id, int64_t table_id, int64_t base);

 private:
  client::Txn* txn_;
  TxnReader kv_;
  MetaReader reader_;
};

}  // namespace brkv::table
