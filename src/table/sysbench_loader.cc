#include "table/sysbench_loader.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>
#include <vector>

#include "table/auto_id.h"
#include "table/ddl.h"
#include "table/meta_reader.h"
#include "table/sysbench_data.h"
#include "table/table_ranges.h"
#include "table/table_writer.h"
#include "table/txn_retry.h"

namespace brkv::table {

namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

Status CheckOptions(const SysbenchOptions& o) {
  RETURN_IF_ERROR(ValidateName("database", o.db));
  if (o.tables < 1) return Status::InvalidArgument("--tables must be at least 1");
  if (o.rows < 0 || o.rows > std::numeric_limits<int32_t>::max()) {
    return Status::InvalidArgument("--rows must be in [0, 2147483647] (id is an INT)");
  }
  if (o.threads < 1) return Status::InvalidArgument("--threads must be at least 1");
  if (o.batch_rows < 1) return Status::InvalidArgument("batch size must be at least 1");
  if (o.rows_per_region < 1) return Status::InvalidArgument("rows per region must be >= 1");
  return Status::OK();
}

// One unit of loading work: rows [first, last] of one table.
struct Chunk {
  size_t table = 0;
  int64_t first = 0;
  int64_t last = 0;
};

}  // namespace

Result<SysbenchReport> LoadSysbench(client::Cluster* cluster, const SysbenchOptions& options,
                                    const std::function<void(std::string_view)>& progress) {
  RETURN_IF_ERROR(CheckOptions(options));
  auto say = [&](const std::string& line) {
    if (progress) progress(line);
  };
  const auto t0 = std::chrono::steady_clock::now();
  SysbenchReport report;

  // 1. Catalog.
  ASSIGN_OR_RETURN(catalog::DBInfo db, CreateDatabase(cluster, options.db, true));
  std::vector<TableSpec> specs;
  for (int i = 1; i <= options.tables; ++i) {
    specs.push_back(TableSpec{SysbenchTableName(i), kSysbenchTableSpec});
  }
  ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> tables, CreateTables(cluster, db.name.O, specs));
  say("created " + std::to_string(tables.size()) + " tables in database " + db.name.O);

  // 2-3. Allocators and region layout.
  const int pieces = static_cast<int>(options.rows / options.rows_per_region) + 1;
  std::vector<TableWriter> writers;
  for (const catalog::TableInfo& t : tables) {
    if (options.rows > 0) {
      RETURN_IF_ERROR(AutoIDAllocator(cluster, db.id, t.id).Rebase(options.rows));
    }
    const catalog::IndexInfo* k1 = t.FindIndex("k_1");
    if (k1 == nullptr) return Status::Internal("sysbench table without index k_1");
    std::vector<std::string> keys = HandleSplitKeys(t.id, 1, options.rows, pieces);
    for (auto& k : IntIndexSplitKeys(t.id, k1->id, 1, options.rows, pieces)) {
      keys.push_back(std::move(k));
    }
    Result<ScatterReport> sr = SplitAndScatter(cluster, keys, TableDataRanges(t));
    if (!sr.ok()) return sr.status().WithContext("pre-splitting table " + t.name.O);
    report.scatter.regions += sr->regions;
    report.scatter.moved += sr->moved;
    report.scatter.failed += sr->failed;
    report.scatter.stores = sr->stores;
    say("table " + t.name.O + ": " + std::to_string(sr->regions) + " regions on " +
        std::to_string(sr->stores_with_regions) + " of " + std::to_string(sr->stores) +
        " stores (" + std::to_string(sr->moved) + " scattered, " + std::to_string(sr->failed) +
        " refused)");
    ASSIGN_OR_RETURN(TableWriter w, TableWriter::Make(t));
    writers.push_back(std::move(w));
  }

  // 4. Parallel load.
  std::vector<Chunk> chunks;
  for (size_t t = 0; t < tables.size(); ++t) {
    for (int64_t first = 1; first <= options.rows; first += options.batch_rows) {
      chunks.push_back(Chunk{t, first, std::min(options.rows, first + options.batch_rows - 1)});
    }
  }
  // Interleave tables so that all of them (and so all stores) are loaded at once.
  std::stable_sort(chunks.begin(), chunks.end(),
                   [](const Chunk& a, const Chunk& b) { return a.first < b.first; });

  const auto t_load = std::chrono::steady_clock::now();
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> written{0};
  std::mutex mu;
  Status first_error;
  auto worker = [&] {
    while (!stop.load()) {
      const size_t i = next.fetch_add(1);
      if (i >= chunks.size()) return;
      const Chunk& c = chunks[i];
      const TableWriter& w = writers[c.table];
      const int table_no = static_cast<int>(c.table) + 1;
      std::vector<catalog::EncodedRow> rows;
      rows.reserve(static_cast<size_t>(c.last - c.first + 1));
      Status s;
      for (int64_t id = c.first; id <= c.last && s.ok(); ++id) {
        auto row = SysbenchRow(options.seed, table_no, id, options.rows);
        Result<catalog::EncodedRow> e = w.Encode(row);
        if (e.ok()) {
          rows.push_back(std::move(e).value());
        } else {
          s = e.status();
        }
      }
      if (s.ok()) {
        s = RunInTxn(cluster, [&](client::Txn* txn) -> Status {
              for (const auto& r : rows) RETURN_IF_ERROR(w.AddInsert(txn, r));
              return Status::OK();
            }).status();
      }
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) {
          first_error = s.WithContext("loading rows " + std::to_string(c.first) + "-" +
                                      std::to_string(c.last) + " of " + tables[c.table].name.O);
        }
        stop.store(true);
        return;
      }
      written.fetch_add(rows.size());
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < options.threads; ++i) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  RETURN_IF_ERROR(first_error);

  report.rows = written.load();
  report.load_seconds = SecondsSince(t_load);
  report.total_seconds = SecondsSince(t0);
  return report;
}

}  // namespace brkv::table
