// Catalog changes (DDL) on a live cluster: create / drop databases and tables.
//
// Each change is ONE transaction that checks names against the catalog as of its start_ts,
// takes new ids from NextGlobalID, writes the DBInfo/TableInfo entries and bumps the schema
// version (see MetaMutator). Concurrent changes conflict on the schema version; the loser
// restarts (RunInTxn) and re-checks, so two racing "create t" never both succeed.
//
// Dropping is two steps: (1) one transaction removes the catalog entries (the table is gone
// for every reader from its commit ts on); (2) the table's keys — every key in
// [t{id}, t{id+1}), rows and index entries — are deleted with transactional deletes in
// batches. Ids are never reused, so if step 2 is interrupted the leftover keys belong to no
// table and stay invisible to count/dump/checksum; RemoveTableData can be re-run to clean them.
// Thread-safety: thread-safe (each call uses its own transactions).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/schema.h"
#include "client/cluster.h"
#include "common/status.h"

namespace brkv::table {

// InvalidArgument unless `name` is a usable identifier: 1..64 characters of [A-Za-z0-9_$].
// `what` ("database", "table") names it in the message.
Status ValidateName(std::string_view what, std::string_view name);

// Creates database `name`. AlreadyExists "database 'x' already exists" unless if_not_exists,
// in which case the existing database is returned.
Result<catalog::DBInfo> CreateDatabase(client::Cluster* cluster, std::string_view name,
                                       bool if_not_exists = false);

// Creates table db.table from a kvctl column spec (catalog/column_spec.h). Errors:
// InvalidArgument / NotSupported for the spec (before anything is written), NotFound for an
// unknown database, AlreadyExists for a duplicate table name.
Result<catalog::TableInfo> CreateTable(client::Cluster* cluster, std::string_view db,
                                       std::string_view table, std::string_view spec);

// One table of a CreateTables batch.
struct TableSpec {
  std::string name;
  std::string spec;  // kvctl column spec
};
// Creates several tables of one database in ONE transaction (all or none), with consecutive
// ids in the given order. Same errors as CreateTable; duplicate names within the batch are
// AlreadyExists too.
Result<std::vector<catalog::TableInfo>> CreateTables(client::Cluster* cluster, std::string_view db,
                                                     const std::vector<TableSpec>& tables);

// A table that was dropped: where it was and what it was.
struct DroppedTable {
  catalog::DBInfo db;
  catalog::TableInfo table;
};

// Drops db.table: catalog entry and auto-id fields in one transaction, then its data.
// NotFound for an unknown database or table.
Result<DroppedTable> DropTable(client::Cluster* cluster, std::string_view db,
                               std::string_view table);
// Drops a database and all its tables: every catalog entry in one transaction, then the data
// of each table. NotFound for an unknown database.
Result<std::vector<DroppedTable>> DropDatabase(client::Cluster* cluster, std::string_view db);

// Deletes every key of table `table_id` visible now ([t{id}, t{id+1})), in transactions of at
// most `batch_keys` deletes. Returns the number of keys deleted.
Result<uint64_t> RemoveTableData(client::Cluster* cluster, int64_t table_id,
                                 size_t batch_keys = 2048);

}  // namespace brkv::table
