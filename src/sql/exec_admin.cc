// ADMIN CHECKSUM TABLE, ADMIN CHECK TABLE, CREATE INDEX (with a backfill of existing rows)
// and TRUNCATE TABLE.
#include <map>

#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "sql/exec_internal.h"
#include "table/ddl.h"
#include "table/meta_mutator.h"
#include "table/table_checksum.h"
#include "table/txn_retry.h"

namespace brkv::sql {

namespace {

using catalog::Datum;
namespace my = catalog::mysql;

ColumnDef Col(const std::string& name, bool is_int) {
  ColumnDef c;
  c.name = c.org_name = name;
  if (is_int) {
    c.type = 8;
    c.charset = kCollationBinary;
    c.length = 22;
    c.flags = 128;
  } else {
    c.length = 512;
  }
  return c;
}

std::string Escape(std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

}  // namespace

SqlResult<ExecResult> StatementRunner::Admin(AdminStmt* s) {
  SQL_ASSIGN_OR_RETURN_STATUS(uint64_t ts, cluster_->GetTS());
  ExecResult res;
  if (s->kind == AdminStmt::Kind::kChecksumTable) {
    res.has_result_set = true;
    res.columns = {Col("Db_name", false), Col("Table_name", false),
                   Col("Checksum_crc64_xor", true), Col("Total_kvs", true),
                   Col("Total_bytes", true)};
    res.columns[2].flags |= my::kUnsignedFlag;
  }
  for (const TableName& tn : s->tables) {
    SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(tn));
  SQL_RETURN_IF_ERROR(RequireBaseTable(t));
    if (s->kind == AdminStmt::Kind::kChecksumTable) {
      SQL_ASSIGN_OR_RETURN_STATUS(Checksum c, table::ChecksumTable(cluster_, t.table, ts));
      res.rows.push_back({Datum::Bytes(t.db.name.O), Datum::Bytes(t.table.name.O),
                          Datum::Bytes(std::to_string(c.crc64xor)),  // unsigned 64-bit
                          Datum::Int(static_cast<int64_t>(c.total_kvs)),
                          Datum::Int(static_cast<int64_t>(c.total_bytes))});
      continue;
    }
    // ADMIN CHECK TABLE: every public index must hold exactly the entries the rows imply.
    const catalog::TableInfo& table = t.table;
    client::Snapshot snap = cluster_->GetSnapshot(ts);
    std::map<int64_t, std::map<std::string, std::string>> expected;  // index id -> entries
    std::vector<const catalog::IndexInfo*> indexes;
    for (const catalog::IndexInfo& idx : table.indices) {
      if (idx.state == catalog::kStatePublic) {
        indexes.push_back(&idx);
        expected[idx.id];
      }
    }
    if (indexes.empty()) continue;
    const catalog::KeyRange rows = catalog::TableRecordRange(table.id);
    Status decode_error;
    uint64_t row_count = 0;
    SQL_RETURN_IF_STATUS(snap.ScanEach(rows.start, rows.end, [&](const client::KvPair& kv) {
      Result<catalog::DecodedRecordKey> key = catalog::DecodeRecordKey(kv.key);
      Result<std::vector<Datum>> row = catalog::DecodeRow(table, kv.key, kv.value);
      if (!key.ok() || !row.ok()) {
        decode_error = key.ok() ? row.status() : key.status();
        return false;
      }
      Result<std::vector<catalog::IndexKV>> kvs = catalog::EncodeIndexKVs(table, *row, key->handle);
      if (!kvs.ok()) {
        decode_error = kvs.status();
        return false;
      }
      for (catalog::IndexKV& e : *kvs) {
        for (const catalog::IndexInfo* idx : indexes) {
          const std::string prefix = catalog::IndexPrefix(table.id, idx->id);
          if (e.key.compare(0, prefix.size(), prefix) == 0) {
            expected[idx->id][std::move(e.key)] = std::move(e.value);
            break;
          }
        }
      }
      ++row_count;
      return true;
    }));
    SQL_RETURN_IF_STATUS(decode_error);
    for (const catalog::IndexInfo* idx : indexes) {
      std::map<std::string, std::string>& want = expected[idx->id];
      const catalog::KeyRange r = catalog::IndexRange(table.id, idx->id);
      std::map<std::string, std::string> got;
      SQL_RETURN_IF_STATUS(snap.ScanEach(r.start, r.end, [&](const client::KvPair& kv) {
        got.emplace(kv.key, kv.value);
        return true;
      }));
      if (got.size() != row_count) {
        return SqlError(8003, "HY000",
                        "table count " + std::to_string(row_count) + " != index(" + idx->name.O +
                            ") count " + std::to_string(got.size()));
      }
      for (const auto& [key, value] : want) {
        auto it = got.find(key);
        if (it == got.end()) {
          return SqlError(8223, "HY000",
                          "data inconsistency in table: " + table.name.O + ", index: " +
                              idx->name.O + ", index-values:\"\" != record-values: key " +
                              Escape(key));
        }
        if (it->second != value) {
          return SqlError(8134, "HY000",
                          "data inconsistency in table: " + table.name.O + ", index: " +
                              idx->name.O + ", index-values:" + Escape(it->second) +
                              " != record-values:" + Escape(value));
        }
      }
      if (want.size() != got.size()) {
        return SqlError(8003, "HY000",
                        "table count " + std::to_string(row_count) + " != index(" + idx->name.O +
                            ") count " + std::to_string(got.size()));
      }
    }
  }
  return res;
}

SqlResult<ExecResult> StatementRunner::CreateIndex(const CreateIndexStmt& s) {
  SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s.table));
  SQL_RETURN_IF_ERROR(RequireBaseTable(t));
  const std::string name_l = LowerCase(s.index.name);
  if (s.index.primary || name_l == "primary") {
    return SqlError(er::kNotSupportedYet,
                    "This version of TiDB doesn't yet support 'adding a primary key'");
  }
  // 1. The index joins the catalog, public, in one catalog transaction.
  catalog::TableInfo info;
  auto add = [&](client::Txn* txn) -> Status {
    table::MetaMutator m(txn);
    ASSIGN_OR_RETURN(catalog::DBInfo db, m.reader()->GetDatabase(t.db.id));
    ASSIGN_OR_RETURN(info, m.reader()->FindTable(db, t.table.name.O));
    if (info.FindIndex(s.index.name)) {
      return Status::AlreadyExists("index exists");
    }
    catalog::IndexInfo idx;
    idx.id = info.max_idx_id + 1;
    idx.name = catalog::CIStr::From(s.index.name);
    idx.table_name = info.name;
    idx.unique = s.index.unique;
    for (const auto& [col_name, len] : s.index.columns) {
      const catalog::ColumnInfo* c = info.FindColumn(col_name);
      if (!c) return Status::NotFound(col_name);
      catalog::IndexColumn ic;
      ic.name = c->name;
      ic.offset = c->offset;
      ic.length = len;
      idx.columns.push_back(std::move(ic));
    }
    catalog::ColumnInfo& first = info.columns[idx.columns.front().offset];
    if (idx.unique && idx.columns.size() == 1) {
      first.type.flag |= my::kUniqueKeyFlag;
    } else if (!first.type.HasFlag(my::kPriKeyFlag) && !first.type.HasFlag(my::kUniqueKeyFlag)) {
      first.type.flag |= my::kMultipleKeyFlag;
    }
    info.indices.push_back(std::move(idx));
    info.max_idx_id += 1;
    info.update_timestamp = txn->start_ts();
    RETURN_IF_ERROR(catalog::CheckTableSupported(info));
    RETURN_IF_ERROR(m.PutTable(t.db.id, info));
    return m.BumpSchemaVersion().status();
  };
  Result<uint64_t> added = table::RunInTxn(cluster_, add);
  if (!added.ok()) {
    if (added.status().code() == Status::Code::kAlreadyExists) {
      return SqlError(1061, "42000", "Duplicate key name '" + s.index.name + "'");
    }
    if (added.status().IsNotFound()) {
      return SqlError(er::kBadField, "Unknown column '" + added.status().message() + "' in 'table'");
    }
    if (added.status().code() == Status::Code::kInvalidArgument) {
      return SqlError(er::kUnknown, "Invalid index: " + added.status().message());
    }
    return FromStatus(added.status());
  }
  const catalog::IndexInfo& idx = info.indices.back();
  // 2. Backfill: the entries of every row visible now, in batches.
  SQL_ASSIGN_OR_RETURN_STATUS(uint64_t ts, cluster_->GetTS());
  client::Snapshot snap = cluster_->GetSnapshot(ts);
  const std::string prefix = catalog::IndexPrefix(info.id, idx.id);
  std::vector<catalog::IndexKV> batch;
  Status error;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    auto body = [&](client::Txn* txn) -> Status {
      for (const catalog::IndexKV& e : batch) {
        const bool distinct = e.value.size() == 8;  // unique entries carry the handle
        RETURN_IF_ERROR(distinct ? txn->Insert(e.key, e.value) : txn->Set(e.key, e.value));
      }
      return Status::OK();
    };
    RETURN_IF_ERROR(table::RunInTxn(cluster_, body).status());
    batch.clear();
    return Status::OK();
  };
  const catalog::KeyRange rows = catalog::TableRecordRange(info.id);
  Status scan = snap.ScanEach(rows.start, rows.end, [&](const client::KvPair& kv) {
    Result<catalog::DecodedRecordKey> key = catalog::DecodeRecordKey(kv.key);
    Result<std::vector<Datum>> row = catalog::DecodeRow(info, kv.key, kv.value);
    if (!key.ok() || !row.ok()) {
      error = key.ok() ? row.status() : key.status();
      return false;
    }
    Result<std::vector<catalog::IndexKV>> kvs = catalog::EncodeIndexKVs(info, *row, key->handle);
    if (!kvs.ok()) {
      error = kvs.status();
      return false;
    }
    for (catalog::IndexKV& e : *kvs) {
      if (e.key.compare(0, prefix.size(), prefix) == 0) batch.push_back(std::move(e));
    }
    if (batch.size() >= 1024) {
      error = flush();
      if (!error.ok()) return false;
    }
    return true;
  });
  if (error.ok()) error = scan;
  if (error.ok()) error = flush();
  if (!error.ok()) {
    // Undo: the index leaves the catalog and its entries are removed.
    auto drop = [&](client::Txn* txn) -> Status {
      table::MetaMutator m(txn);
      ASSIGN_OR_RETURN(catalog::DBInfo db, m.reader()->GetDatabase(t.db.id));
      ASSIGN_OR_RETURN(catalog::TableInfo cur, m.reader()->FindTable(db, info.name.O));
      std::erase_if(cur.indices, [&](const catalog::IndexInfo& i) { return i.id == idx.id; });
      RETURN_IF_ERROR(m.PutTable(t.db.id, cur));
      return m.BumpSchemaVersion().status();
    };
    (void)table::RunInTxn(cluster_, drop);
    const catalog::KeyRange r = catalog::IndexRange(info.id, idx.id);
    (void)table::RunInTxn(cluster_, [&](client::Txn* txn) -> Status {
      ASSIGN_OR_RETURN(auto pairs, txn->Scan(r.start, r.end));
      for (const auto& kv : pairs) RETURN_IF_ERROR(txn->Delete(kv.key));
      return Status::OK();
    });
    if (error.code() == Status::Code::kAlreadyExists) {
      return SqlError(er::kDupEntry, "Duplicate entry for key '" + info.name.O + "." +
                                         idx.name.O + "' while adding the index");
    }
    return FromStatus(error);
  }
  return ExecResult{};
}

SqlResult<ExecResult> StatementRunner::Truncate(const TruncateStmt& s) {
  SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s.table));
  SQL_RETURN_IF_ERROR(RequireBaseTable(t));
  int64_t old_id = 0;
  auto body = [&](client::Txn* txn) -> Status {
    table::MetaMutator m(txn);
    ASSIGN_OR_RETURN(catalog::DBInfo db, m.reader()->GetDatabase(t.db.id));
    ASSIGN_OR_RETURN(catalog::TableInfo info, m.reader()->FindTable(db, t.table.name.O));
    old_id = info.id;
    RETURN_IF_ERROR(m.DeleteTable(db.id, info.id));
    ASSIGN_OR_RETURN(info.id, m.GenGlobalIDs(1));
    info.update_timestamp = txn->start_ts();
    RETURN_IF_ERROR(m.PutTable(db.id, info));
    return m.BumpSchemaVersion().status();
  };
  SQL_RETURN_IF_STATUS(table::RunInTxn(cluster_, body).status());
  SQL_RETURN_IF_STATUS(table::RemoveTableData(cluster_, old_id).status());
  return ExecResult{};
}

}  // namespace brkv::sql
