// kvctl load sysbench | churn: workload generators over sysbench-shaped tables.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "client/cluster.h"
#include "table/churn.h"
#include "table/sysbench_loader.h"
#include "tools/kvctl_common.h"
#include "tools/kvctl_table.h"

namespace brkv::tools {
namespace {

Status RunLoadSysbench(KvctlContext* ctx, const table::SysbenchOptions& o) {
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(table::SysbenchReport r, table::LoadSysbench(c, o, [ctx](std::string_view line) {
                     std::fprintf(ctx->out(), "%.*s\n", static_cast<int>(line.size()), line.data());
                     std::fflush(ctx->out());
                   }));
  std::fprintf(ctx->out(),
               "loaded %llu rows into %d tables in %.2f s (%.2f s total): %.0f rows/s\n",
               static_cast<unsigned long long>(r.rows), o.tables, r.load_seconds, r.total_seconds,
               r.RowsPerSecond());
  return Status::OK();
}

Status RunChurn(KvctlContext* ctx, const table::ChurnOptions& o) {
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(table::ChurnReport r, table::RunChurn(c, o));
  std::fprintf(ctx->out(),
               "churn: %llu ops (%llu inserts, %llu updates, %llu deletes) in %.2f s: "
               "%.0f ops/s\n",
               static_cast<unsigned long long>(r.ops()), static_cast<unsigned long long>(r.inserts),
               static_cast<unsigned long long>(r.updates),
               static_cast<unsigned long long>(r.deletes), r.seconds, r.OpsPerSecond());
  return Status::OK();
}

}  // namespace

void AddLoadCommands(CLI::App* app, KvctlContext* ctx) {
  auto* load = app->add_subcommand("load", "Load a generated data set");
  load->require_subcommand(1);
  auto so = std::make_shared<table::SysbenchOptions>();
  auto* sb = load->add_subcommand(
      "sysbench",
      "Create sysbench's tables sbtest1..N in DB (id INT AUTO_INCREMENT PRIMARY KEY, k INT "
      "with index k_1, c CHAR(120), pad CHAR(60)) and fill them with --rows rows each, "
      "generated from --seed like sysbench's prepare. Each table's record and index ranges "
      "are pre-split (rows/10000+1 pieces) and scattered over all stores before loading; "
      "--threads workers load batches of 1000 rows, one transaction each. Fails without "
      "writing if an sbtest table already exists");
  sb->add_option("--db", so->db, "database (created if missing)")->required();
  sb->add_option("--tables", so->tables, "number of tables")->default_val(1);
  sb->add_option("--rows", so->rows, "rows per table")->default_val(10000);
  sb->add_option("--threads", so->threads, "parallel loaders")->default_val(4);
  sb->add_option("--seed", so->seed, "data generator seed")->default_val(1);
  sb->callback([ctx, so] { ctx->set_action([ctx, so] { return RunLoadSysbench(ctx, *so); }); });

  auto co = std::make_shared<table::ChurnOptions>();
  auto* churn = app->add_subcommand(
      "churn",
      "Run --ops random committed inserts, updates (new k and c) and deletes over the sbtest "
      "tables of --db, one transaction each, chosen from --seed; prints ops/s at the end");
  churn->add_option("--db", co->db, "database with sbtest tables")->required();
  churn->add_option("--ops", co->ops, "number of operations")->default_val(1000);
  churn->add_option("--seed", co->seed, "seed of the random choices")->default_val(1);
  churn->callback([ctx, co] { ctx->set_action([ctx, co] { return RunChurn(ctx, *co); }); });
}

}  // namespace brkv::tools
