#include "table/ddl.h"

#include <memory>
#include <string>
#include <utility>

#include "catalog/column_spec.h"
#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "table/meta_mutator.h"
#include "table/txn_retry.h"

namespace brkv::table {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$';
}

}  // namespace

Status ValidateName(std::string_view what, std::string_view name) {
  if (name.empty()) return Status::InvalidArgument(std::string(what) + " name is empty");
  if (name.size() > 64) {
    return Status::InvalidArgument(std::string(what) + " name '" + std::string(name) +
                                   "' is longer than 64 characters");
  }
  for (char c : name) {
    if (!IsNameChar(c)) {
      return Status::InvalidArgument(std::string(what) + " name '" + std::string(name) +
                                     "' may only contain letters, digits, '_' and '$'");
    }
  }
  return Status::OK();
}

Result<catalog::DBInfo> CreateDatabase(client::Cluster* cluster, std::string_view name,
                                       bool if_not_exists) {
  RETURN_IF_ERROR(ValidateName("database", name));
  catalog::DBInfo result;
  auto body = [&](client::Txn* txn) -> Status {
    MetaMutator m(txn);
    Result<catalog::DBInfo> existing = m.reader()->FindDatabase(name);
    if (existing.ok()) {
      if (if_not_exists) {
        result = std::move(existing).value();
        return Status::OK();  // nothing written: the commit is a no-op
      }
      return Status::AlreadyExists("database '" + existing->name.O + "' already exists");
    }
    if (!existing.status().IsNotFound()) return existing.status();
    ASSIGN_OR_RETURN(int64_t id, m.GenGlobalIDs(1));
    result = catalog::MakeDBInfo(id, name);
    RETURN_IF_ERROR(m.PutDatabase(result));
    return m.BumpSchemaVersion().status();
  };
  RETURN_IF_ERROR(RunInTxn(cluster, body).status());
  return result;
}

Result<std::vector<catalog::TableInfo>> CreateTables(client::Cluster* cluster, std::string_view db,
                                                     const std::vector<TableSpec>& tables) {
  // Check names and specs up front so bad input fails before any RPC.
  for (size_t i = 0; i < tables.size(); ++i) {
    RETURN_IF_ERROR(ValidateName("table", tables[i].name));
    for (size_t j = 0; j < i; ++j) {
      if (catalog::CIStr::From(tables[j].name).L == catalog::CIStr::From(tables[i].name).L) {
        return Status::AlreadyExists("table '" + tables[i].name + "' is given twice");
      }
    }
    ASSIGN_OR_RETURN(catalog::TableInfo probe,
                     catalog::ParseColumnSpec(tables[i].name, tables[i].spec,
                                              [] { return Result<int64_t>(1); }));
    RETURN_IF_ERROR(catalog::CheckTableSupported(probe));
  }

  std::vector<catalog::TableInfo> result;
  auto body = [&](client::Txn* txn) -> Status {
    result.clear();
    MetaMutator m(txn);
    ASSIGN_OR_RETURN(catalog::DBInfo dbinfo, m.reader()->FindDatabase(db));
    ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> existing, m.reader()->ListTables(dbinfo.id));
    for (const TableSpec& t : tables) {
      const std::string l = catalog::CIStr::From(t.name).L;
      for (const catalog::TableInfo& e : existing) {
        if (e.name.L == l) {
          return Status::AlreadyExists("table '" + dbinfo.name.O + "." + e.name.O +
                                       "' already exists");
        }
      }
    }
    for (const TableSpec& t : tables) {
      ASSIGN_OR_RETURN(catalog::TableInfo info,
                       catalog::ParseColumnSpec(t.name, t.spec, [&] { return m.GenGlobalIDs(1); }));
      info.update_timestamp = txn->start_ts();
      RETURN_IF_ERROR(m.PutTable(dbinfo.id, info));
      result.push_back(std::move(info));
    }
    return m.BumpSchemaVersion().status();
  };
  RETURN_IF_ERROR(RunInTxn(cluster, body).status());
  return result;
}

Result<catalog::TableInfo> CreateTable(client::Cluster* cluster, std::string_view db,
                                       std::string_view table, std::string_view spec) {
  ASSIGN_OR_RETURN(auto created,
                   CreateTables(cluster, db, {TableSpec{std::string(table), std::string(spec)}}));
  return std::move(created.front());
}

Result<uint64_t> RemoveTableData(client::Cluster* cluster, int64_t table_id, size_t batch_keys) {
  if (batch_keys == 0) batch_keys = 1;
  const catalog::KeyRange r = catalog::WholeTableRange(table_id);
  ASSIGN_OR_RETURN(uint64_t ts, cluster->GetTS());
  client::Snapshot snap = cluster->GetSnapshot(ts);
  uint64_t deleted = 0;
  std::vector<std::string> batch;
  Status write_error;
  auto flush = [&]() -> Status {
    if (batch.empty()) return Status::OK();
    auto body = [&](client::Txn* txn) -> Status {
      for (const std::string& k : batch) RETURN_IF_ERROR(txn->Delete(k));
      return Status::OK();
    };
    RETURN_IF_ERROR(RunInTxn(cluster, body).status());
    deleted += batch.size();
    batch.clear();
    return Status::OK();
  };
  RETURN_IF_ERROR(snap.ScanEach(r.start, r.end, [&](const client::KvPair& kv) {
    batch.push_back(kv.key);
    if (batch.size() >= batch_keys) {
      write_error = flush();
      if (!write_error.ok()) return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(write_error);
  RETURN_IF_ERROR(flush());
  return deleted;
}

Result<DroppedTable> DropTable(client::Cluster* cluster, std::string_view db,
                               std::string_view table) {
  DroppedTable dropped;
  auto body = [&](client::Txn* txn) -> Status {
    MetaMutator m(txn);
    ASSIGN_OR_RETURN(dropped.db, m.reader()->FindDatabase(db));
    ASSIGN_OR_RETURN(dropped.table, m.reader()->FindTable(dropped.db, table));
    RETURN_IF_ERROR(m.DeleteTable(dropped.db.id, dropped.table.id));
    return m.BumpSchemaVersion().status();
  };
  RETURN_IF_ERROR(RunInTxn(cluster, body).status());
  Result<uint64_t> n = RemoveTableData(cluster, dropped.table.id);
  if (!n.ok()) {
    return n.status().WithContext("table '" + dropped.db.name.O + "." + dropped.table.name.O +
                                  "' was dropped from the catalog but deleting its data (id " +
                                  std::to_string(dropped.table.id) + ") failed");
  }
  return dropped;
}

Result<std::vector<DroppedTable>> DropDatabase(client::Cluster* cluster, std::string_view db) {
  std::vector<DroppedTable> dropped;
  auto body = [&](client::Txn* txn) -> Status {
    dropped.clear();
    MetaMutator m(txn);
    ASSIGN_OR_RETURN(catalog::DBInfo dbinfo, m.reader()->FindDatabase(db));
    ASSIGN_OR_RETURN(auto tables, m.reader()->ListTables(dbinfo.id));
    for (auto& t : tables) dropped.push_back(DroppedTable{dbinfo, std::move(t)});
    RETURN_IF_ERROR(m.DeleteDatabase(dbinfo.id));
    return m.BumpSchemaVersion().status();
  };
  RETURN_IF_ERROR(RunInTxn(cluster, body).status());
  for (const DroppedTable& d : dropped) {
    Result<uint64_t> n = RemoveTableData(cluster, d.table.id);
    if (!n.ok()) {
      return n.status().WithContext("database '" + d.db.name.O +
                                    "' was dropped from the catalog but deleting the data of "
                                    "table '" +
                                    d.table.name.O + "' (id " + std::to_string(d.table.id) +
                                    ") failed");
    }
  }
  return dropped;
}

}  // namespace brkv::table
