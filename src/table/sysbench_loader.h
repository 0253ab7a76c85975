// LoadSysbench: `kvctl load sysbench` as a library call — sysbench's "prepare" step.
//
//   1. create database `db` if it does not exist; refuse (AlreadyExists, nothing written) if
//      any of sbtest1..N exists; create all N tables in ONE catalog transaction;
//   2. move each table's auto-id allocator past `rows` (ids 1..rows are written explicitly);
//   3. pre-split each table's record range into rows/rows_per_region + 1 pieces by handle and
//      its k_1 index range into as many pieces by k, and scatter the (still empty) regions
//      over all stores (presplit.h), so that every node holds part of every table;
//   4. load rows 1..rows of every table (sysbench_data.h) with `threads` workers, each batch
//      of `batch_rows` rows of one table being one transaction (Insert: a re-run over
//      existing rows fails instead of overwriting).
// A failure in step 4 stops all workers and is returned; committed batches stay.
// Thread-safety: thread-safe; starts and joins its own worker threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "client/cluster.h"
#include "common/status.h"
#include "table/presplit.h"

namespace brkv::table {

struct SysbenchOptions {
  // Database name. REQUIRES: non-empty.
  std::string db;
  // Number of tables sbtest1..sbtestN. Default: 1.
  int tables = 1;
  // Rows per table. Default: 10000.
  int64_t rows = 10000;
  // Parallel loading workers. Default: 4.
  int threads = 4;
  // Seed of the data generator. Default: 1.
  uint64_t seed = 1;
  // Rows per transaction. Default: 1000.
  int64_t batch_rows = 1000;
  // Rows per pre-split region piece. Default: 10000.
  int64_t rows_per_region = 10000;
};

struct SysbenchReport {
  uint64_t rows = 0;         // rows written (all tables)
  double load_seconds = 0;   // step 4
  double total_seconds = 0;  // steps 1-4
  ScatterReport scatter;     // summed over the tables
  double RowsPerSecond() const { return load_seconds > 0 ? rows / load_seconds : 0; }
};

// `progress` (optional) receives human-readable lines about the steps.
Result<SysbenchReport> LoadSysbench(client::Cluster* cluster, const SysbenchOptions& options,
                                    const std::function<void(std::string_view)>& progress = {});

}  // namespace brkv::table
