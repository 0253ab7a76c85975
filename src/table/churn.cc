#include "table/churn.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "table/auto_id.h"
#include "table/csv_import.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/sysbench_data.h"
#include "table/table_writer.h"
#include "table/txn_retry.h"

namespace brkv::table {

namespace {

using catalog::Datum;

// One sbtest table and what churn needs to write it.
struct ChurnTable {
  catalog::TableInfo info;
  std::optional<TableWriter> writer;
  std::optional<AutoIDAllocator> alloc;
  int k_offset = 0;
  int c_offset = 0;
  int pad_offset = 0;
  int64_t max_id = 0;   // column maximum of id
  int64_t next_id = 0;  // cached allocation [next_id, end_id)
  int64_t end_id = 0;
  int64_t known_max = 0;  // largest id allocated so far (victims are searched below it)
};

constexpr int64_t kIdCache = 100;

Result<std::vector<ChurnTable>> OpenTables(client::Cluster* cluster, const std::string& db_name) {
  ASSIGN_OR_RETURN(uint64_t ts, cluster->GetTS());
  SnapshotReader kv(cluster->GetSnapshot(ts));
  MetaReader meta(&kv);
  ASSIGN_OR_RETURN(catalog::DBInfo db, meta.FindDatabase(db_name));
  ASSIGN_OR_RETURN(auto tables, meta.ListTables(db.id));
  std::vector<ChurnTable> out;
  for (auto& t : tables) {
    if (t.name.L.rfind("sbtest", 0) != 0) continue;
    const catalog::ColumnInfo* id = t.PkHandleColumn();
    const catalog::ColumnInfo* k = t.FindColumn("k");
    const catalog::ColumnInfo* c = t.FindColumn("c");
    const catalog::ColumnInfo* pad = t.FindColumn("pad");
    if (id == nullptr || k == nullptr || c == nullptr || pad == nullptr || t.columns.size() != 4) {
      return Status::InvalidArgument("table '" + db.name.O + "." + t.name.O +
                                     "' does not have sysbench's columns (id, k, c, pad)");
    }
    ChurnTable ct;
    ct.k_offset = k->offset;
    ct.c_offset = c->offset;
    ct.pad_offset = pad->offset;
    ct.max_id = MaxIntColumnValue(*id);
    ct.alloc.emplace(cluster, db.id, t.id);
    ASSIGN_OR_RETURN(ct.known_max, meta.AutoTableID(db.id, t.id));
    ASSIGN_OR_RETURN(TableWriter w, TableWriter::Make(t));
    ct.writer.emplace(std::move(w));
    ct.info = std::move(t);
    out.push_back(std::move(ct));
  }
  if (out.empty()) {
    return Status::NotFound("database '" + db.name.O +
                            "' has no sbtest tables (run kvctl load sysbench first)");
  }
  return out;
}

// The first row at or after handle `from` (wrapping to the first row), read in `txn`.
// nullopt when the table is empty.
Result<std::optional<std::pair<int64_t, std::vector<Datum>>>> PickRow(client::Txn* txn,
                                                                      const ChurnTable& t,
                                                                      int64_t from) {
  const catalog::KeyRange r = catalog::TableRecordRange(t.info.id);
  ASSIGN_OR_RETURN(auto kvs, txn->Scan(catalog::RecordKey(t.info.id, from), r.end, 1));
  if (kvs.empty()) {
    ASSIGN_OR_RETURN(kvs, txn->Scan(r.start, r.end, 1));
  }
  if (kvs.empty()) return std::optional<std::pair<int64_t, std::vector<Datum>>>();
  ASSIGN_OR_RETURN(catalog::DecodedRecordKey key, catalog::DecodeRecordKey(kvs[0].key));
  ASSIGN_OR_RETURN(std::vector<Datum> row, catalog::DecodeRow(t.info, kvs[0].key, kvs[0].value));
  return std::optional<std::pair<int64_t, std::vector<Datum>>>(
      std::make_pair(key.handle, std::move(row)));
}

}  // namespace

Result<ChurnReport> RunChurn(client::Cluster* cluster, const ChurnOptions& options) {
  if (options.ops < 0) return Status::InvalidArgument("--ops must not be negative");
  ASSIGN_OR_RETURN(std::vector<ChurnTable> tables, OpenTables(cluster, options.db));
  SplitMix64 rng(options.seed);
  ChurnReport report;
  const auto t0 = std::chrono::steady_clock::now();

  for (int64_t op = 0; op < options.ops; ++op) {
    ChurnTable& t = tables[rng.Next() % tables.size()];
    int kind = static_cast<int>(rng.Next() % 3);  // 0 insert, 1 update, 2 delete
    // Draw everything the op may need now, so the choices depend only on the seed.
    const uint64_t pick = rng.Next();
    const int64_t new_k = rng.Uniform(1, std::max<int64_t>(t.known_max, 1));
    const std::string new_c = SysbenchDigits(&rng, 10);
    const std::string new_pad = SysbenchDigits(&rng, 5);

    if (kind != 0) {
      // Update/delete: find a victim.
      const int64_t base = t.known_max;
      const int64_t from = base > 0 ? 1 + static_cast<int64_t>(pick % base) : 1;
      bool done = false;
      Result<uint64_t> ok = RunInTxn(cluster, [&](client::Txn* txn) -> Status {
        done = false;
        ASSIGN_OR_RETURN(auto victim, PickRow(txn, t, from));
        if (!victim) return Status::OK();  // empty table: insert instead
        auto& [handle, row] = *victim;
        if (kind == 1) {
          std::vector<Datum> updated = row;
          updated[t.k_offset] = Datum::Int(new_k);
          updated[t.c_offset] = Datum::Bytes(new_c);
          RETURN_IF_ERROR(t.writer->AddUpdate(txn, handle, row, updated));
        } else {
          RETURN_IF_ERROR(t.writer->AddDelete(txn, handle, row));
        }
        done = true;
        return Status::OK();
      });
      if (!ok.ok()) return ok.status().WithContext("churn on " + t.info.name.O);
      if (done) {
        (kind == 1 ? report.updates : report.deletes) += 1;
        continue;
      }
      kind = 0;
    }

    // Insert.
    if (t.next_id >= t.end_id) {
      ASSIGN_OR_RETURN(int64_t first, t.alloc->Alloc(kIdCache, t.max_id));
      t.next_id = first;
      t.end_id = first + kIdCache;
      t.known_max = t.end_id - 1;
    }
    std::vector<Datum> row(4);
    row[t.writer->table().PkHandleColumn()->offset] = Datum::Int(t.next_id++);
    row[t.k_offset] = Datum::Int(new_k);
    row[t.c_offset] = Datum::Bytes(new_c);
    row[t.pad_offset] = Datum::Bytes(new_pad);
    ASSIGN_OR_RETURN(catalog::EncodedRow enc, t.writer->Encode(row));
    Result<uint64_t> ok = RunInTxn(
        cluster, [&](client::Txn* txn) -> Status { return t.writer->AddInsert(txn, enc); });
    if (!ok.ok()) return ok.status().WithContext("churn insert into " + t.info.name.O);
    report.inserts += 1;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace brkv::table
