// TableWriter: the KV writes that make up row inserts, updates and deletes of one table,
// buffered into a caller's transaction, laid out as TiDB's AddRecord / UpdateRecord /
// RemoveRecord write them for int-handle tables (catalog/row.h): the record key with a row v2
// value, plus one entry per public index.
//
// Uniqueness: the record key and the entries of unique indexes (without NULLs) are written
// with Txn::Insert, so the commit fails with AlreadyExists when the handle or unique value is
// already taken — by committed data or by an earlier write of the same transaction. Non-unique
// entries carry the handle in the key and are plain Sets. UniqueKeys + DuplicateError let a
// caller find and name a taken key ("duplicate entry 'v' for key 't.name'").
// Thread-safety: immutable after construction; the methods are as thread-safe as the Txn.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "catalog/datum.h"
#include "catalog/row.h"
#include "catalog/schema.h"
#include "client/txn.h"
#include "common/status.h"
#include "table/kv_reader.h"

namespace brkv::table {

class TableWriter {
 public:
  // InvalidArgument / NotSupported if rows of `table` cannot be encoded
  // (catalog::CheckTableSupported).
  static Result<TableWriter> Make(catalog::TableInfo table);

  const catalog::TableInfo& table() const { return table_; }

  // Casts and encodes one row (one datum per column, in column order). The handle is the
  // integer primary key when the table has one, else `row_id`.
  Result<catalog::EncodedRow> Encode(std::span<const catalog::Datum> row, int64_t row_id = 0) const;

  // Buffers the writes of a new row: Insert for the record key and unique entries, Set for
  // the others. AlreadyExists at once if this txn already wrote one of those keys.
  Status AddInsert(client::Txn* txn, const catalog::EncodedRow& row) const;
  // Buffers an update of the row with this handle from `old_row` to `new_row` (both already
  // cast, e.g. from DecodeRow): the record is overwritten, index entries whose key changed are
  // deleted and re-added (Insert when unique). The handle does not change.
  Status AddUpdate(client::Txn* txn, int64_t handle, std::span<const catalog::Datum> old_row,
                   std::span<const catalog::Datum> new_row) const;
  // Buffers the deletion of the row (its record key and its index entries).
  Status AddDelete(client::Txn* txn, int64_t handle, std::span<const catalog::Datum> row) const;

  // A key that must not exist yet: the record key (index == kRecord) or the entry of a
  // unique index without NULLs (index = position in EncodedRow::index_kvs).
  static constexpr size_t kRecord = static_cast<size_t>(-1);
  struct UniqueKey {
    std::string key;
    size_t index = kRecord;
  };
  // The keys of `row` that AddInsert writes with Insert.
  std::vector<UniqueKey> UniqueKeys(const catalog::EncodedRow& row) const;
  // AlreadyExists "duplicate entry 'v' for key 't.name'" for a taken unique key of a row
  // (`datums` one per column, as given to Encode).
  Status DuplicateError(const UniqueKey& key, std::span<const catalog::Datum> datums,
                        int64_t handle) const;

 private:
  explicit TableWriter(catalog::TableInfo table);

  catalog::TableInfo table_;
  // Positions in table_.indices of the public indexes, in order (= EncodedRow::index_kvs).
  std::vector<size_t> public_;
};

}  // namespace brkv::table
