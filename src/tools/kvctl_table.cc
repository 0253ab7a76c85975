// kvctl create-database | create-table | insert | databases | tables | count | dump | drop |
// checksum: tables stored in the cluster under TiDB's meta keys and key layout.
#include "tools/kvctl_table.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/cluster.h"
#include "table/csv_import.h"
#include "table/ddl.h"
#include "table/kv_reader.h"
#include "table/meta_reader.h"
#include "table/table_checksum.h"
#include "table/table_reader.h"
#include "tools/kvctl_common.h"

namespace brkv::tools {
namespace {

struct TableFlags {
  std::string name;  // D, D.T
  std::string spec;
  size_t batch_rows = 1000;
};

struct QualifiedName {
  std::string db;
  std::string table;  // empty: the whole database
};

// "D" or "D.T". InvalidArgument when a table is required and missing, or the form is wrong.
Result<QualifiedName> SplitName(std::string_view text, bool table_required, bool table_allowed) {
  QualifiedName q;
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) {
    q.db = std::string(text);
  } else {
    q.db = std::string(text.substr(0, dot));
    q.table = std::string(text.substr(dot + 1));
    if (q.table.empty() || q.table.find('.') != std::string::npos) {
      return Status::InvalidArgument("'" + std::string(text) + "' is not DB or DB.TABLE");
    }
  }
  if (q.db.empty()) return Status::InvalidArgument("'" + std::string(text) + "' has no database");
  if (table_required && q.table.empty()) {
    return Status::InvalidArgument("expected DB.TABLE, got '" + std::string(text) + "'");
  }
  if (!table_allowed && !q.table.empty()) {
    return Status::InvalidArgument("expected a database name, got '" + std::string(text) + "'");
  }
  return q;
}

// A catalog reader at a fresh snapshot.
struct CatalogView {
  uint64_t ts = 0;
  std::unique_ptr<table::SnapshotReader> kv;
  std::unique_ptr<table::MetaReader> meta;
};

Result<CatalogView> OpenCatalog(client::Cluster* c) {
  CatalogView v;
  ASSIGN_OR_RETURN(v.ts, c->GetTS());
  v.kv = std::make_unique<table::SnapshotReader>(c->GetSnapshot(v.ts));
  v.meta = std::make_unique<table::MetaReader>(v.kv.get());
  return v;
}

Status RunCreateDatabase(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, false, false));
  RETURN_IF_ERROR(table::ValidateName("database", q.db));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(catalog::DBInfo db, table::CreateDatabase(c, q.db));
  std::fprintf(ctx->out(), "created database %s (id %lld)\n", db.name.O.c_str(),
               static_cast<long long>(db.id));
  return Status::OK();
}

Status RunCreateTable(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, true, true));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(catalog::TableInfo t, table::CreateTable(c, q.db, q.table, f.spec));
  std::fprintf(ctx->out(), "created table %s.%s (id %lld)\n", q.db.c_str(), t.name.O.c_str(),
               static_cast<long long>(t.id));
  return Status::OK();
}

Result<std::string> ReadAll(std::FILE* in) {
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), in)) > 0) data.append(buf, n);
  if (std::ferror(in)) return Status::IOError("cannot read standard input");
  return data;
}

Status RunInsert(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, true, true));
  if (f.batch_rows < 1) return Status::InvalidArgument("--batch must be at least 1");
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(CatalogView v, OpenCatalog(c));
  ASSIGN_OR_RETURN(catalog::DBInfo db, v.meta->FindDatabase(q.db));
  ASSIGN_OR_RETURN(catalog::TableInfo t, v.meta->FindTable(db, q.table));
  ASSIGN_OR_RETURN(std::string csv, ReadAll(stdin));
  ASSIGN_OR_RETURN(
      table::ImportStats st,
      table::ImportCsv(c, db, t, csv, table::ImportOptions{.batch_rows = f.batch_rows}));
  std::fprintf(ctx->out(), "inserted %llu rows into %s.%s (%llu transactions)\n",
               static_cast<unsigned long long>(st.rows), db.name.O.c_str(), t.name.O.c_str(),
               static_cast<unsigned long long>(st.batches));
  return Status::OK();
}

Status RunDatabases(KvctlContext* ctx) {
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(CatalogView v, OpenCatalog(c));
  ASSIGN_OR_RETURN(auto dbs, v.meta->ListDatabases());
  for (const auto& db : dbs) std::fprintf(ctx->out(), "%s\n", db.name.O.c_str());
  return Status::OK();
}

Status RunTables(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, false, false));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(CatalogView v, OpenCatalog(c));
  ASSIGN_OR_RETURN(catalog::DBInfo db, v.meta->FindDatabase(q.db));
  ASSIGN_OR_RETURN(auto tables, v.meta->ListTables(db.id));
  for (const auto& t : tables) std::fprintf(ctx->out(), "%s\n", t.name.O.c_str());
  return Status::OK();
}

Status RunCount(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, true, true));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(CatalogView v, OpenCatalog(c));
  ASSIGN_OR_RETURN(catalog::DBInfo db, v.meta->FindDatabase(q.db));
  ASSIGN_OR_RETURN(catalog::TableInfo t, v.meta->FindTable(db, q.table));
  ASSIGN_OR_RETURN(uint64_t n, table::TableReader(c, t, v.ts).CountRows());
  std::fprintf(ctx->out(), "%llu\n", static_cast<unsigned long long>(n));
  return Status::OK();
}

Status RunDump(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, true, true));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(CatalogView v, OpenCatalog(c));
  ASSIGN_OR_RETURN(catalog::DBInfo db, v.meta->FindDatabase(q.db));
  ASSIGN_OR_RETURN(catalog::TableInfo t, v.meta->FindTable(db, q.table));
  return table::TableReader(c, t, v.ts).DumpCsv([&](std::string_view chunk) -> Status {
    if (std::fwrite(chunk.data(), 1, chunk.size(), ctx->out()) != chunk.size()) {
      return Status::IOError("cannot write the dump to standard output");
    }
    return Status::OK();
  });
}

Status RunDrop(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, false, true));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  if (!q.table.empty()) {
    ASSIGN_OR_RETURN(table::DroppedTable d, table::DropTable(c, q.db, q.table));
    std::fprintf(ctx->out(), "dropped table %s.%s\n", d.db.name.O.c_str(), d.table.name.O.c_str());
    return Status::OK();
  }
  ASSIGN_OR_RETURN(auto dropped, table::DropDatabase(c, q.db));
  std::fprintf(ctx->out(), "dropped database %s (%zu tables)\n", q.db.c_str(), dropped.size());
  return Status::OK();
}

Status RunChecksum(KvctlContext* ctx, const TableFlags& f) {
  ASSIGN_OR_RETURN(QualifiedName q, SplitName(f.name, false, true));
  ASSIGN_OR_RETURN(client::Cluster * c, ctx->GetCluster());
  ASSIGN_OR_RETURN(CatalogView v, OpenCatalog(c));
  ASSIGN_OR_RETURN(catalog::DBInfo db, v.meta->FindDatabase(q.db));
  std::vector<catalog::TableInfo> tables;
  if (q.table.empty()) {
    ASSIGN_OR_RETURN(tables, v.meta->ListTables(db.id));
  } else {
    ASSIGN_OR_RETURN(catalog::TableInfo t, v.meta->FindTable(db, q.table));
    tables.push_back(std::move(t));
  }
  for (const auto& t : tables) {
    ASSIGN_OR_RETURN(Checksum sum, table::ChecksumTable(c, t, v.ts));
    table::TableChecksum tc{db.name.O, t.name.O, t.id, sum};
    std::fprintf(ctx->out(), "%s\n", table::ToJsonLine(tc).c_str());
  }
  return Status::OK();
}

}  // namespace

void AddTableCommands(CLI::App* app, KvctlContext* ctx) {
  auto f = std::make_shared<TableFlags>();
  auto act = [ctx, f](CLI::App* sub, Status (*fn)(KvctlContext*, const TableFlags&)) {
    sub->callback([ctx, f, fn] { ctx->set_action([ctx, f, fn] { return fn(ctx, *f); }); });
  };

  auto* cdb = app->add_subcommand(
      "create-database", "Create database DB (one catalog transaction; error if it exists)");
  cdb->add_option("db", f->name, "database name ([A-Za-z0-9_$], at most 64)")->required();
  act(cdb, RunCreateDatabase);

  auto* ct = app->add_subcommand(
      "create-table",
      "Create table DB.T from a column spec, e.g. \"id bigint primary key, k int, "
      "c varchar(120), index k(k)\". Types: bigint/int (signed), double, varchar(n)/char(n), "
      "blob/text; column options NOT NULL, PRIMARY KEY, UNIQUE, AUTO_INCREMENT; items "
      "[UNIQUE] INDEX name(cols), PRIMARY KEY(cols). An integer primary key is the row "
      "handle; otherwise rows get an implicit row id");
  ct->add_option("table", f->name, "DB.TABLE")->required();
  ct->add_option("spec", f->spec, "column spec")->required();
  act(ct, RunCreateTable);

  auto* ins = app->add_subcommand(
      "insert",
      "Insert CSV rows from standard input into DB.T. One record per line, fields in column "
      "order, no header; \"...\" quotes a field (\"\" is a quote), unquoted \\N is NULL; "
      "AUTO_INCREMENT given as \\N or 0 is allocated. Every row is parsed and checked "
      "(types, ranges, NOT NULL, duplicate keys against the table) before anything is "
      "written: such errors name the line and write nothing. Rows are then written in "
      "transactions of --batch rows: each committed batch is durable; a batch that fails to "
      "commit (e.g. a concurrent writer took a unique key) is not written, and the error says "
      "how many rows were committed before it");
  ins->add_option("table", f->name, "DB.TABLE")->required();
  ins->add_option("--batch", f->batch_rows, "rows per transaction")->default_val(1000);
  act(ins, RunInsert);

  auto* dbs = app->add_subcommand("databases", "List the databases, one per line");
  dbs->callback([ctx] { ctx->set_action([ctx] { return RunDatabases(ctx); }); });

  auto* tbs = app->add_subcommand("tables", "List the tables of DB, one per line");
  tbs->add_option("db", f->name, "database")->required();
  act(tbs, RunTables);

  auto* cnt = app->add_subcommand(
      "count", "Print the number of rows of DB.T (counted by the storage nodes)");
  cnt->add_option("table", f->name, "DB.TABLE")->required();
  act(cnt, RunCount);

  auto* dump = app->add_subcommand(
      "dump",
      "Print DB.T as CSV in handle order at one snapshot (the format insert reads; quoted "
      "where needed, \\N for NULL)");
  dump->add_option("table", f->name, "DB.TABLE")->required();
  act(dump, RunDump);

  auto* drop = app->add_subcommand(
      "drop",
      "Drop DB.T, or database DB with all its tables: the catalog entries go in one "
      "transaction, then the rows and index entries are deleted in batched transactions "
      "(table ids are never reused, so an interrupted drop leaves only unreachable keys)");
  drop->add_option("name", f->name, "DB or DB.TABLE")->required();
  act(drop, RunDrop);

  auto* cks = app->add_subcommand(
      "checksum",
      "Print one JSON object per table of DB (or for DB.T): {\"db\",\"table\",\"table_id\","
      "\"crc64xor\",\"total_kvs\",\"total_bytes\"}, computed by the storage nodes over the "
      "rows and every index at one snapshot ts (ADMIN CHECKSUM TABLE)");
  cks->add_option("name", f->name, "DB or DB.TABLE")->required();
  act(cks, RunChecksum);

  AddLoadCommands(app, ctx);
}

}  // namespace brkv::tools
