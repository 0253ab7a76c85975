#include "table/table_writer.h"

#include <utility>

#include "catalog/tablecodec.h"

namespace brkv::table {

TableWriter::TableWriter(catalog::TableInfo table) : table_(std::move(table)) {
  for (size_t i = 0; i < table_.indices.size(); ++i) {
    if (table_.indices[i].state == catalog::kStatePublic) public_.push_back(i);
  }
}

Result<TableWriter> TableWriter::Make(catalog::TableInfo table) {
  RETURN_IF_ERROR(catalog::CheckTableSupported(table));
  return TableWriter(std::move(table));
}

Result<catalog::EncodedRow> TableWriter::Encode(std::span<const catalog::Datum> row,
                                                int64_t row_id) const {
  return catalog::EncodeRow(table_, row, row_id);
}

std::vector<TableWriter::UniqueKey> TableWriter::UniqueKeys(const catalog::EncodedRow& row) const {
  std::vector<UniqueKey> out;
  out.push_back(UniqueKey{row.key, kRecord});
  for (size_t i = 0; i < row.index_kvs.size() && i < public_.size(); ++i) {
    const catalog::IndexInfo& idx = table_.indices[public_[i]];
    // A distinct entry (unique, no NULL) stores the handle in the value (8 bytes) and not in
    // the key; only those keys can collide between rows.
    if (idx.unique && row.index_kvs[i].value.size() == 8) {
      out.push_back(UniqueKey{row.index_kvs[i].key, i});
    }
  }
  return out;
}

Status TableWriter::AddInsert(client::Txn* txn, const catalog::EncodedRow& row) const {
  RETURN_IF_ERROR(txn->Insert(row.key, row.value));
  for (size_t i = 0; i < row.index_kvs.size(); ++i) {
    const catalog::IndexKV& kv = row.index_kvs[i];
    const bool unique =
        i < public_.size() && table_.indices[public_[i]].unique && kv.value.size() == 8;
    RETURN_IF_ERROR(unique ? txn->Insert(kv.key, kv.value) : txn->Set(kv.key, kv.value));
  }
  return Status::OK();
}

Status TableWriter::AddUpdate(client::Txn* txn, int64_t handle,
                              std::span<const catalog::Datum> old_row,
                              std::span<const catalog::Datum> new_row) const {
  ASSIGN_OR_RETURN(catalog::EncodedRow enc, catalog::EncodeRow(table_, new_row, handle));
  if (enc.handle != handle) {
    return Status::InvalidArgument("an update may not change the row handle");
  }
  ASSIGN_OR_RETURN(std::vector<catalog::IndexKV> old_kvs,
                   catalog::EncodeIndexKVs(table_, old_row, handle));
  RETURN_IF_ERROR(txn->Set(enc.key, enc.value));
  for (size_t i = 0; i < enc.index_kvs.size(); ++i) {
    const catalog::IndexKV& now = enc.index_kvs[i];
    if (i < old_kvs.size() && old_kvs[i].key == now.key) {
      if (old_kvs[i].value != now.value) RETURN_IF_ERROR(txn->Set(now.key, now.value));
      continue;
    }
    if (i < old_kvs.size()) RETURN_IF_ERROR(txn->Delete(old_kvs[i].key));
    const bool unique =
        i < public_.size() && table_.indices[public_[i]].unique && now.value.size() == 8;
    RETURN_IF_ERROR(unique ? txn->Insert(now.key, now.value) : txn->Set(now.key, now.value));
  }
  return Status::OK();
}

Status TableWriter::AddDelete(client::Txn* txn, int64_t handle,
                              std::span<const catalog::Datum> row) const {
  ASSIGN_OR_RETURN(std::vector<catalog::IndexKV> kvs, catalog::EncodeIndexKVs(table_, row, handle));
  RETURN_IF_ERROR(txn->Delete(catalog::RecordKey(table_.id, handle)));
  for (const catalog::IndexKV& kv : kvs) RETURN_IF_ERROR(txn->Delete(kv.key));
  return Status::OK();
}

Status TableWriter::DuplicateError(const UniqueKey& key, std::span<const catalog::Datum> datums,
                                   int64_t handle) const {
  std::string value;
  std::string name;
  if (key.index == kRecord) {
    value = std::to_string(handle);
    name = "PRIMARY";
  } else {
    const catalog::IndexInfo& idx = table_.indices[public_[key.index]];
    name = idx.name.O;
    for (size_t i = 0; i < idx.columns.size(); ++i) {
      if (i > 0) value += "-";
      const size_t off = static_cast<size_t>(idx.columns[i].offset);
      if (off < datums.size()) {
        value += catalog::FormatColumnValue(datums[off]).value_or("NULL");
      }
    }
  }
  return Status::AlreadyExists("duplicate entry '" + value + "' for key '" + table_.name.O + "." +
                               name + "'");
}

}  // namespace brkv::table
