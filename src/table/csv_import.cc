#include "table/csv_import.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "catalog/row.h"
#include "table/auto_id.h"
#include "table/csv.h"
#include "table/kv_reader.h"
#include "table/table_writer.h"
#include "table/txn_retry.h"

namespace brkv::table {

namespace {

using catalog::Datum;

std::string Line(int64_t line) { return "line " + std::to_string(line); }

// The parsed input: one datum per column per row, and where each row came from.
struct ParsedRows {
  std::vector<std::vector<Datum>> rows;
  std::vector<int64_t> lines;
  std::vector<size_t> need_auto;  // rows whose AUTO_INCREMENT value is to be allocated
  int64_t max_explicit_auto = 0;  // largest explicit AUTO_INCREMENT value
};

Result<ParsedRows> ParseAll(const catalog::TableInfo& table, std::string_view csv) {
  const int auto_col = [&] {
    for (const auto& c : table.columns) {
      if (c.IsAutoIncrement()) return c.offset;
    }
    return -1;
  }();
  ParsedRows out;
  CsvReader reader(csv);
  CsvRecord rec;
  while (true) {
    ASSIGN_OR_RETURN(bool more, reader.Next(&rec));
    if (!more) break;
    if (rec.fields.size() != table.columns.size()) {
      return Status::InvalidArgument(Line(rec.line) + ": expected " +
                                     std::to_string(table.columns.size()) + " fields, got " +
                                     std::to_string(rec.fields.size()));
    }
    std::vector<Datum> row;
    row.reserve(rec.fields.size());
    bool allocate = false;
    for (size_t i = 0; i < rec.fields.size(); ++i) {
      const catalog::ColumnInfo& col = table.columns[i];
      const CsvField& f = rec.fields[i];
      const bool is_auto = static_cast<int>(i) == auto_col;
      if (is_auto && !f) {  // MySQL: NULL (or 0) asks for the next value
        allocate = true;
        row.push_back(Datum::Null());  // filled in phase 2
        continue;
      }
      Result<Datum> d =
          catalog::ParseColumnValue(col, f ? std::optional<std::string_view>(*f) : std::nullopt);
      if (!d.ok()) return d.status().WithContext(Line(rec.line));
      if (is_auto && d->int_value() == 0) {
        allocate = true;
        row.push_back(Datum::Null());
        continue;
      }
      if (is_auto && d->int_value() > out.max_explicit_auto) {
        out.max_explicit_auto = d->int_value();
      }
      row.push_back(std::move(d).value());
    }
    if (allocate) out.need_auto.push_back(out.rows.size());
    out.rows.push_back(std::move(row));
    out.lines.push_back(rec.line);
  }
  return out;
}

}  // namespace

int64_t MaxIntColumnValue(const catalog::ColumnInfo& col) {
  namespace mysql = catalog::mysql;
  switch (col.type.tp) {
    case mysql::kTypeTiny:
      return 127;
    case mysql::kTypeShort:
      return 32767;
    case mysql::kTypeInt24:
      return 8388607;
    case mysql::kTypeLong:
      return std::numeric_limits<int32_t>::max();
    default:
      return std::numeric_limits<int64_t>::max();
  }
}

Result<ImportStats> ImportCsv(client::Cluster* cluster, const catalog::DBInfo& db,
                              const catalog::TableInfo& table, std::string_view csv,
                              const ImportOptions& options) {
  const size_t batch_rows = std::max<size_t>(1, options.batch_rows);
  ASSIGN_OR_RETURN(TableWriter writer, TableWriter::Make(table));
  const std::string where = "table '" + db.name.O + "." + table.name.O + "'";

  // Phase 1: parse and check everything.
  ASSIGN_OR_RETURN(ParsedRows in, ParseAll(table, csv));
  ImportStats stats;
  if (in.rows.empty()) return stats;

  // Phase 2: ids.
  AutoIDAllocator alloc(cluster, db.id, table.id);
  const catalog::ColumnInfo* auto_col = nullptr;
  for (const auto& c : table.columns) {
    if (c.IsAutoIncrement()) auto_col = &c;
  }
  if (auto_col != nullptr && in.max_explicit_auto > 0) {
    RETURN_IF_ERROR(alloc.Rebase(in.max_explicit_auto));
  }
  if (auto_col != nullptr && !in.need_auto.empty()) {
    const int64_t n = static_cast<int64_t>(in.need_auto.size());
    Result<int64_t> first = alloc.Alloc(n, MaxIntColumnValue(*auto_col));
    if (!first.ok()) return first.status().WithContext(where);
    for (int64_t i = 0; i < n; ++i) {
      in.rows[in.need_auto[i]][auto_col->offset] = Datum::Int(*first + i);
    }
  }
  std::vector<int64_t> row_ids(in.rows.size(), 0);
  if (table.PkHandleColumn() == nullptr) {
    Result<int64_t> first = alloc.Alloc(static_cast<int64_t>(in.rows.size()));
    if (!first.ok()) return first.status().WithContext(where);
    for (size_t i = 0; i < row_ids.size(); ++i) row_ids[i] = *first + static_cast<int64_t>(i);
  }

  // Phase 3: encode and check uniqueness, within the input and against the table.
  std::vector<catalog::EncodedRow> enc;
  enc.reserve(in.rows.size());
  std::unordered_map<std::string, size_t> seen;
  std::vector<std::string> probe_keys;
  std::vector<std::pair<size_t, TableWriter::UniqueKey>> probe_owner;
  for (size_t i = 0; i < in.rows.size(); ++i) {
    Result<catalog::EncodedRow> e = writer.Encode(in.rows[i], row_ids[i]);
    if (!e.ok()) return e.status().WithContext(Line(in.lines[i]));
    for (TableWriter::UniqueKey& uk : writer.UniqueKeys(*e)) {
      auto [it, inserted] = seen.emplace(uk.key, i);
      if (!inserted) {
        return writer.DuplicateError(uk, in.rows[i], e->handle)
            .WithContext(Line(in.lines[i]) + " (same as " + Line(in.lines[it->second]) + ")");
      }
      probe_keys.push_back(uk.key);
      probe_owner.emplace_back(i, std::move(uk));
    }
    enc.push_back(std::move(e).value());
  }
  {
    ASSIGN_OR_RETURN(uint64_t ts, cluster->GetTS());
    client::Snapshot snap = cluster->GetSnapshot(ts);
    constexpr size_t kProbeBatch = 2048;
    for (size_t off = 0; off < probe_keys.size(); off += kProbeBatch) {
      const size_t end = std::min(probe_keys.size(), off + kProbeBatch);
      std::vector<std::string> keys(probe_keys.begin() + off, probe_keys.begin() + end);
      ASSIGN_OR_RETURN(auto found, snap.BatchGet(keys));
      if (found.empty()) continue;
      for (size_t k = off; k < end; ++k) {
        if (found.count(probe_keys[k]) == 0) continue;
        const size_t r = probe_owner[k].first;
        return writer.DuplicateError(probe_owner[k].second, in.rows[r], enc[r].handle)
            .WithContext(Line(in.lines[r]));
      }
    }
  }

  // Phase 4: write in batches.
  for (size_t off = 0; off < enc.size(); off += batch_rows) {
    const size_t end = std::min(enc.size(), off + batch_rows);
    Result<uint64_t> committed = RunInTxn(cluster, [&](client::Txn* txn) -> Status {
      for (size_t i = off; i < end; ++i) RETURN_IF_ERROR(writer.AddInsert(txn, enc[i]));
      return Status::OK();
    });
    if (!committed.ok()) {
      Status s = committed.status();
      if (s.code() == Status::Code::kAlreadyExists) {
        // Name the row whose key a concurrent writer took.
        if (Result<uint64_t> ts = cluster->GetTS(); ts.ok()) {
          client::Snapshot snap = cluster->GetSnapshot(*ts);
          for (size_t i = off; i < end && s.code() == Status::Code::kAlreadyExists; ++i) {
            for (const auto& uk : writer.UniqueKeys(enc[i])) {
              if (snap.Get(uk.key).ok()) {
                s = writer.DuplicateError(uk, in.rows[i], enc[i].handle)
                        .WithContext(Line(in.lines[i]));
                break;
              }
            }
          }
        }
      }
      return s.WithContext("rows of lines " + std::to_string(in.lines[off]) + "-" +
                           std::to_string(in.lines[end - 1]) + " were not written (" +
                           std::to_string(stats.rows) + " rows committed before)");
    }
    stats.rows += end - off;
    stats.batches += 1;
  }
  return stats;
}

}  // namespace brkv::table
