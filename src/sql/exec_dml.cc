// INSERT / REPLACE, UPDATE, DELETE.
#include <algorithm>
#include <set>

#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "sql/exec_internal.h"
#include "table/auto_id.h"
#include "table/table_writer.h"

namespace brkv::sql {

namespace {

using catalog::Datum;

// Casts a value for a column with MySQL's errors: 1048 for NULL into NOT NULL, else 1366
// naming the column for a value the column rejects.
SqlResult<Datum> CastFor(const catalog::ColumnInfo& col, const Datum& v, size_t row_number) {
  if (v.is_null() && col.IsNotNull()) {
    return SqlError(er::kBadNull, "Column '" + col.name.O + "' cannot be null");
  }
  Result<Datum> r = catalog::CastColumnValue(col, v);
  if (!r.ok()) {
    if (r.status().code() == Status::Code::kNotSupported) return FromStatus(r.status());
    return SqlError(1366, "HY000",
                    "Incorrect value for column '" + col.name.O + "' at row " +
                        std::to_string(row_number) + ": " + r.status().message());
  }
  return std::move(r).value();
}

int64_t MaxForColumn(const catalog::ColumnInfo& col) {
  switch (col.type.tp) {
    case catalog::mysql::kTypeTiny: return 127;
    case catalog::mysql::kTypeShort: return 32767;
    case catalog::mysql::kTypeInt24: return 8388607;
    case catalog::mysql::kTypeLong: return 2147483647;
    default: return INT64_MAX;
  }
}

SqlResult<std::vector<TableRow>> CollectRows(StatementRunner* r, const ResolvedTable& t,
                                             const Expr* where,
                                             std::vector<OrderItem>* order_by,
                                             const Expr* limit_expr) {
  int64_t limit = -1;
  if (limit_expr) {
    SQL_ASSIGN_OR_RETURN(Datum v, Eval(*limit_expr, r->Env()));
    Datum n = ToNumber(v);
    if (n.kind() != Datum::Kind::kInt64 || n.int_value() < 0) {
      return SqlError(1210, "HY000", "Incorrect arguments to LIMIT");
    }
    limit = n.int_value();
  }
  std::vector<TableRow> rows;
  const size_t scan_limit = (order_by->empty() && limit >= 0) ? static_cast<size_t>(limit) : 0;
  if (limit == 0) return rows;
  SQL_RETURN_IF_ERROR(r->FindRows(t, where, scan_limit, [&](TableRow&& row) {
    rows.push_back(std::move(row));
    return SqlError::OK();
  }));
  if (!order_by->empty()) {
    std::vector<std::vector<Datum>> keys;
    for (const TableRow& row : rows) {
      std::vector<Datum> k;
      for (OrderItem& o : *order_by) {
        SQL_ASSIGN_OR_RETURN(Datum v, Eval(*o.expr, r->Env(row.values)));
        k.push_back(std::move(v));
      }
      keys.push_back(std::move(k));
    }
    std::vector<size_t> idx(rows.size());
    for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      for (size_t i = 0; i < order_by->size(); ++i) {
        const Datum& x = keys[a][i];
        const Datum& y = keys[b][i];
        int c = (x.is_null() || y.is_null()) ? (x.is_null() == y.is_null() ? 0 : x.is_null() ? -1 : 1)
                                             : Compare(x, y);
        if (c != 0) return (*order_by)[i].desc ? c > 0 : c < 0;
      }
      return false;
    });
    std::vector<TableRow> sorted;
    for (size_t i : idx) sorted.push_back(std::move(rows[i]));
    rows = std::move(sorted);
    if (limit >= 0 && rows.size() > static_cast<size_t>(limit)) rows.resize(limit);
  }
  return rows;
}

}  // namespace

SqlResult<ExecResult> StatementRunner::Insert(InsertStmt* s) {
  SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s->table));
  SQL_RETURN_IF_ERROR(RequireBaseTable(t));
  const catalog::TableInfo& table = t.table;
  SQL_ASSIGN_OR_RETURN_STATUS(table::TableWriter writer, table::TableWriter::Make(table));
  const size_t ncols = table.columns.size();

  // Which column each value goes to.
  std::vector<int> target;
  if (s->columns.empty()) {
    for (size_t i = 0; i < ncols; ++i) target.push_back(static_cast<int>(i));
  } else {
    std::set<int> seen;
    for (const std::string& name : s->columns) {
      const catalog::ColumnInfo* c = table.FindColumn(name);
      if (!c) return SqlError(er::kBadField, "Unknown column '" + name + "' in 'field list'");
      if (!seen.insert(c->offset).second) {
        return SqlError(1110, "42000", "Column '" + c->name.O + "' specified twice");
      }
      target.push_back(c->offset);
    }
  }
  const catalog::ColumnInfo* pk = table.PkHandleColumn();
  const catalog::ColumnInfo* auto_col = nullptr;
  for (const catalog::ColumnInfo& c : table.columns) {
    if (c.IsAutoIncrement()) auto_col = &c;
  }

  // 1. Evaluate and cast every row; note which need an auto id.
  std::vector<std::vector<Datum>> rows;
  std::vector<size_t> need_auto;
  int64_t max_explicit = 0;
  for (size_t r = 0; r < s->rows.size(); ++r) {
    std::vector<ExprPtr>& values = s->rows[r];
    // VALUES () gives every column its default.
    if (!values.empty() && values.size() != target.size()) {
      return SqlError(er::kWrongValueCount,
                      "Column count doesn't match value count at row " + std::to_string(r + 1));
    }
    std::vector<Datum> row(ncols);
    std::vector<bool> given(ncols, false);
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i]->kind == Expr::Kind::kDefault) continue;
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*values[i], Env()));
      row[target[i]] = std::move(v);
      given[target[i]] = true;
    }
    bool auto_needed = false;
    for (size_t c = 0; c < ncols; ++c) {
      const catalog::ColumnInfo& col = table.columns[c];
      if (&col == auto_col) {
        Datum& v = row[c];
        if (!given[c] || v.is_null() ||
            (!session_->no_auto_value_on_zero() && ToNumber(v).kind() == Datum::Kind::kInt64 &&
             ToNumber(v).int_value() == 0)) {
          auto_needed = true;
          v = Datum::Int(0);  // placeholder until the ids are allocated
          continue;
        }
      } else if (!given[c]) {
        SQL_ASSIGN_OR_RETURN(row[c], ColumnDefault(col));
      }
      SQL_ASSIGN_OR_RETURN(row[c], CastFor(col, row[c], r + 1));
      if (&col == auto_col) max_explicit = std::max(max_explicit, row[c].int_value());
    }
    if (auto_needed) need_auto.push_back(r);
    rows.push_back(std::move(row));
  }

  // 2. Auto ids (dense: exactly as many as needed), implicit row ids, rebase past explicit ids.
  uint64_t first_auto = 0;
  table::AutoIDAllocator alloc(cluster_, t.db.id, table.id);
  if (!need_auto.empty()) {
    SQL_ASSIGN_OR_RETURN_STATUS(
        int64_t first,
        alloc.Alloc(static_cast<int64_t>(need_auto.size()), MaxForColumn(*auto_col)));
    for (size_t i = 0; i < need_auto.size(); ++i) {
      rows[need_auto[i]][auto_col->offset] = Datum::Int(first + static_cast<int64_t>(i));
    }
    first_auto = static_cast<uint64_t>(first);
  }
  if (auto_col && max_explicit > 0) SQL_RETURN_IF_STATUS(alloc.Rebase(max_explicit));
  std::vector<int64_t> row_ids(rows.size(), 0);
  if (!pk && !rows.empty()) {
    SQL_ASSIGN_OR_RETURN_STATUS(int64_t first, alloc.Alloc(static_cast<int64_t>(rows.size())));
    for (size_t i = 0; i < rows.size(); ++i) row_ids[i] = first + static_cast<int64_t>(i);
  }

  // 3. Encode, check unique keys (taken ones -> 1062, replaced, or skipped), write.
  std::vector<catalog::EncodedRow> encoded;
  std::vector<std::string> unique_keys;
  for (size_t i = 0; i < rows.size(); ++i) {
    SQL_ASSIGN_OR_RETURN_STATUS(catalog::EncodedRow e, writer.Encode(rows[i], row_ids[i]));
    for (const auto& u : writer.UniqueKeys(e)) unique_keys.push_back(u.key);
    encoded.push_back(std::move(e));
  }
  SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
  std::map<std::string, std::string> taken;
  if (!unique_keys.empty()) {
    SQL_ASSIGN_OR_RETURN_STATUS(taken, kv->BatchGet(unique_keys));
  }
  ExecResult res;
  size_t duplicates = 0;
  std::set<std::string> written;  // unique keys written by this statement
  std::set<int64_t> deleted;      // handles this statement already replaced
  for (size_t i = 0; i < encoded.size(); ++i) {
    const catalog::EncodedRow& e = encoded[i];
    bool skip = false;
    for (const auto& u : writer.UniqueKeys(e)) {
      const bool in_statement = written.count(u.key) > 0;
      auto it = taken.find(u.key);
      if (!in_statement && it == taken.end()) continue;
      if (s->ignore) {
        skip = true;
        ++duplicates;
        break;
      }
      if (!s->replace || in_statement) {
        return FromStatus(writer.DuplicateError(u, rows[i], e.handle));
      }
      // REPLACE: delete the row that holds the key.
      int64_t old_handle = 0;
      if (u.index == table::TableWriter::kRecord) {
        old_handle = e.handle;
      } else {
        SQL_ASSIGN_OR_RETURN_STATUS(old_handle, catalog::DecodeIndexValueHandle(it->second));
      }
      if (deleted.count(old_handle)) continue;
      const std::string old_key = catalog::RecordKey(table.id, old_handle);
      Result<std::string> old_value = kv->Get(old_key);
      if (!old_value.ok()) {
        if (old_value.status().IsNotFound()) continue;
        return FromStatus(old_value.status());
      }
      SQL_ASSIGN_OR_RETURN_STATUS(std::vector<Datum> old_row,
                                  catalog::DecodeRow(table, old_key, *old_value));
      SQL_RETURN_IF_STATUS(writer.AddDelete(write_txn_, old_handle, old_row));
      deleted.insert(old_handle);
      ++duplicates;
      ++res.affected_rows;
    }
    if (skip) continue;
    if (deleted.count(e.handle)) {
      // The record key was deleted above: write it as a plain put, entries as usual.
      SQL_RETURN_IF_STATUS(write_txn_->Set(e.key, e.value));
      for (size_t k = 0; k < e.index_kvs.size(); ++k) {
        SQL_RETURN_IF_STATUS(write_txn_->Set(e.index_kvs[k].key, e.index_kvs[k].value));
      }
    } else {
      SQL_RETURN_IF_STATUS(writer.AddInsert(write_txn_, e));
    }
    for (const auto& u : writer.UniqueKeys(e)) written.insert(u.key);
    ++res.affected_rows;
  }
  if (first_auto != 0) {
    session_->set_last_insert_id(first_auto);
    res.last_insert_id = first_auto;
  }
  if (s->rows.size() > 1) {
    res.info = "Records: " + std::to_string(s->rows.size()) +
               "  Duplicates: " + std::to_string(duplicates) + "  Warnings: 0";
  }
  return res;
}

SqlResult<ExecResult> StatementRunner::Update(UpdateStmt* s) {
  SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s->table));
  SQL_RETURN_IF_ERROR(RequireBaseTable(t));
  const catalog::TableInfo& table = t.table;
  SQL_ASSIGN_OR_RETURN_STATUS(table::TableWriter writer, table::TableWriter::Make(table));
  SQL_RETURN_IF_ERROR(BindColumns(s->where.get(), table, "", "where clause"));
  for (OrderItem& o : s->order_by) SQL_RETURN_IF_ERROR(BindColumns(o.expr.get(), table, "", "order clause"));
  std::vector<int> target;
  for (auto& [name, e] : s->sets) {
    const catalog::ColumnInfo* c = table.FindColumn(name);
    if (!c) return SqlError(er::kBadField, "Unknown column '" + name + "' in 'field list'");
    target.push_back(c->offset);
    SQL_RETURN_IF_ERROR(BindColumns(e.get(), table, "", "field list"));
  }
  SQL_ASSIGN_OR_RETURN(std::vector<TableRow> rows,
                       CollectRows(this, t, s->where.get(), &s->order_by, s->limit.get()));
  const catalog::ColumnInfo* pk = table.PkHandleColumn();
  ExecResult res;
  size_t matched = 0;
  for (TableRow& row : rows) {
    ++matched;
    std::vector<Datum> updated = row.values;
    for (size_t i = 0; i < target.size(); ++i) {
      const catalog::ColumnInfo& col = table.columns[target[i]];
      Datum v;
      if (s->sets[i].second->kind == Expr::Kind::kDefault) {
        SQL_ASSIGN_OR_RETURN(v, ColumnDefault(col));
      } else {
        SQL_ASSIGN_OR_RETURN(v, Eval(*s->sets[i].second, Env(updated)));
      }
      SQL_ASSIGN_OR_RETURN(updated[target[i]], CastFor(col, v, matched));
    }
    if (updated == row.values) continue;
    if (pk && !(updated[pk->offset] == row.values[pk->offset])) {
      // The handle changes: delete the old row, insert the new one.
      SQL_RETURN_IF_STATUS(writer.AddDelete(write_txn_, row.handle, row.values));
      SQL_ASSIGN_OR_RETURN_STATUS(catalog::EncodedRow e, writer.Encode(updated));
      SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
      Result<std::string> existing = kv->Get(e.key);
      if (existing.ok()) {
        return FromStatus(writer.DuplicateError({e.key, table::TableWriter::kRecord}, updated, e.handle));
      }
      SQL_RETURN_IF_STATUS(writer.AddInsert(write_txn_, e));
    } else {
      SQL_RETURN_IF_STATUS(writer.AddUpdate(write_txn_, row.handle, row.values, updated));
    }
    ++res.affected_rows;
  }
  res.info = "Rows matched: " + std::to_string(matched) +
             "  Changed: " + std::to_string(res.affected_rows) + "  Warnings: 0";
  return res;
}

SqlResult<ExecResult> StatementRunner::Delete(DeleteStmt* s) {
  SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(s->table));
  SQL_RETURN_IF_ERROR(RequireBaseTable(t));
  const catalog::TableInfo& table = t.table;
  SQL_ASSIGN_OR_RETURN_STATUS(table::TableWriter writer, table::TableWriter::Make(table));
  SQL_RETURN_IF_ERROR(BindColumns(s->where.get(), table, "", "where clause"));
  for (OrderItem& o : s->order_by) SQL_RETURN_IF_ERROR(BindColumns(o.expr.get(), table, "", "order clause"));
  SQL_ASSIGN_OR_RETURN(std::vector<TableRow> rows,
                       CollectRows(this, t, s->where.get(), &s->order_by, s->limit.get()));
  ExecResult res;
  for (const TableRow& row : rows) {
    SQL_RETURN_IF_STATUS(writer.AddDelete(write_txn_, row.handle, row.values));
    ++res.affected_rows;
  }
  return res;
}

}  // namespace brkv::sql
