#include "table/meta_mutator.h"

#include <string>
#include <vector>

#include "catalog/meta_keys.h"

namespace brkv::table {

namespace meta = catalog::meta;

Result<int64_t> MetaMutator::GenGlobalIDs(int64_t n) {
  if (n < 1) return Status::InvalidArgument("GenGlobalIDs needs n >= 1");
  ASSIGN_OR_RETURN(int64_t last, reader_.NextGlobalID());
  if (last > meta::kMaxGlobalID - n) {
    return Status::InvalidArgument("global id space exhausted (NextGlobalID " +
                                   std::to_string(last) + ")");
  }
  RETURN_IF_ERROR(txn_->Set(meta::NextGlobalIDKey(), meta::FormatInt(last + n)));
  return last + 1;
}

Result<int64_t> MetaMutator::BumpSchemaVersion() {
  ASSIGN_OR_RETURN(int64_t v, reader_.SchemaVersion());
  RETURN_IF_ERROR(txn_->Set(meta::SchemaVersionKey(), meta::FormatInt(v + 1)));
  return v + 1;
}

Status MetaMutator::PutDatabase(const catalog::DBInfo& db) {
  return txn_->Set(meta::DatabaseKey(db.id), catalog::ToJson(db));
}

Status MetaMutator::PutTable(int64_t db_id, const catalog::TableInfo& table) {
  return txn_->Set(meta::TableKey(db_id, table.id), catalog::ToJson(table));
}

Status MetaMutator::DeleteTable(int64_t db_id, int64_t table_id) {
  RETURN_IF_ERROR(txn_->Delete(meta::TableKey(db_id, table_id)));
  RETURN_IF_ERROR(txn_->Delete(meta::AutoTableIDKey(db_id, table_id)));
  return txn_->Delete(meta::AutoIncIDKey(db_id, table_id));
}

Status MetaMutator::DeleteDatabase(int64_t db_id) {
  const catalog::KeyRange r = meta::DatabaseHashRange(db_id);
  std::vector<std::string> keys;
  RETURN_IF_ERROR(kv_.ScanEach(r.start, r.end, [&](const client::KvPair& kv) {
    keys.push_back(kv.key);
    return true;
  }));
  for (const std::string& k : keys) RETURN_IF_ERROR(txn_->Delete(k));
  return txn_->Delete(meta::DatabaseKey(db_id));
}

Status MetaMutator::SetAutoTableID(int64_t db_id, int64_t table_id, int64_t base) {
  return txn_->Set(meta::AutoTableIDKey(db_id, table_id), meta::FormatInt(base));
}

}  // namespace brkv::table
