#include "br/restore_schema.h"

#include <algorithm>
#include <map>

#include "catalog/tablecodec.h"
#include "common/codec.h"
#include "common/logging.h"
#include "kv/keys.h"
#include "table/auto_id.h"
#include "table/kv_reader.h"
#include "table/meta_mutator.h"
#include "table/meta_reader.h"
#include "table/txn_retry.h"

namespace brkv::br {

namespace {

std::string Lower(std::string_view s) { return catalog::CIStr::From(s).L; }

// Columns and indexes as JSON, to tell whether a definition changed.
bool SameDefinition(const catalog::TableInfo& a, const catalog::TableInfo& b) {
  const catalog::Json ja = catalog::ToJsonValue(a);
  const catalog::Json jb = catalog::ToJsonValue(b);
  return ja.value("cols", catalog::Json()) == jb.value("cols", catalog::Json()) &&
         ja.value("index_info", catalog::Json()) == jb.value("index_info", catalog::Json());
}

// The raw key a region boundary stands for (lower bound of the raw keys it covers); nullopt
// when the boundary is not a whole EncodeBytes output.
std::optional<std::string> RawOfRegionKey(const std::string& region_key) {
  if (region_key.empty()) return std::string();
  std::string_view in = region_key;
  auto raw = codec::DecodeBytes(&in);
  if (!raw.ok() || !in.empty()) return std::nullopt;
  return std::move(raw).value();
}

}  // namespace

bool TargetCatalog::HasTable(std::string_view db, std::string_view table) const {
  return tables.count({Lower(db), Lower(table)}) > 0;
}

Result<TargetCatalog> ReadTargetCatalog(client::Cluster* cluster) {
  ASSIGN_OR_RETURN(uint64_t ts, cluster->GetTS());
  table::SnapshotReader kv(cluster->GetSnapshot(ts));
  table::MetaReader meta(&kv);
  TargetCatalog out;
  ASSIGN_OR_RETURN(std::vector<catalog::DBInfo> dbs, meta.ListDatabases());
  for (const catalog::DBInfo& db : dbs) {
    ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> tables, meta.ListTables(db.id));
    for (const catalog::TableInfo& t : tables) out.tables.insert({db.name.L, t.name.L});
  }
  return out;
}

Status CheckTablesAbsent(const RestoreSchemas& schemas, const TargetCatalog& target,
                         bool incremental) {
  if (incremental) return Status::OK();
  const BackupTable* first = nullptr;
  size_t count = 0;
  for (const BackupTable& t : schemas.tables) {
    if (!target.HasTable(t.db.name.O, t.table.name.O)) continue;
    if (first == nullptr) first = &t;
    ++count;
  }
  if (first == nullptr) return Status::OK();
  std::string msg = "table already exists: " + first->Name();
  if (count > 1) msg += " (and " + std::to_string(count - 1) + " more)";
  msg +=
      "; restore refuses to merge into existing tables — drop them, or restore into another "
      "cluster";
  return Status::AlreadyExists(msg);
}

catalog::TableInfo NewTableInfo(const catalog::TableInfo& backup, int64_t new_id,
                                uint64_t update_ts) {
  catalog::TableInfo t = backup;
  t.id = new_id;
  t.state = catalog::kStatePublic;
  t.update_timestamp = update_ts;
  for (catalog::IndexInfo& i : t.indices) {
    if (i.table_name.O.empty()) i.table_name = t.name;
  }
  return t;
}

Result<CreateSchemasResult> CreateSchemas(client::Cluster* cluster, const RestoreSchemas& schemas,
                                          const CreateSchemasOptions& options) {
  CreateSchemasResult result;
  const size_t batch = std::max<size_t>(1, options.batch_size);
  // Target databases by lower-case name, filled by the first transaction.
  std::map<std::string, catalog::DBInfo> target_dbs;

  // Transaction 1: the databases (reused or created). Re-run safe: RunInTxn may call it again.
  ASSIGN_OR_RETURN(uint64_t db_commit, table::RunInTxn(cluster, [&](client::Txn* txn) -> Status {
                     target_dbs.clear();
                     result.databases_created = 0;
                     table::MetaMutator m(txn);
                     bool changed = false;
                     for (const catalog::DBInfo& db : schemas.databases) {
                       auto existing = m.reader()->FindDatabase(db.name.O);
                       if (existing.ok()) {
                         target_dbs.emplace(db.name.L, std::move(existing).value());
                         continue;
                       }
                       if (!existing.status().IsNotFound()) return existing.status();
                       ASSIGN_OR_RETURN(int64_t id, m.GenGlobalIDs(1));
                       catalog::DBInfo created = db;
                       created.id = id;
                       created.state = catalog::kStatePublic;
                       RETURN_IF_ERROR(m.PutDatabase(created));
                       target_dbs.emplace(db.name.L, std::move(created));
                       ++result.databases_created;
                       changed = true;
                     }
                     if (!changed) return Status::OK();
                     return m.BumpSchemaVersion().status();
                   }));
  (void)db_commit;
  for (const BackupTable& t : schemas.tables) {
    if (target_dbs.count(t.db.name.L) == 0) {
      return Status::Internal("restore: database " + t.db.name.O + " of table " + t.Name() +
                              " is missing from the backup's database list");
    }
  }

  // Tables, `batch` per transaction.
  for (size_t begin = 0; begin < schemas.tables.size(); begin += batch) {
    const size_t end = std::min(schemas.tables.size(), begin + batch);
    std::vector<RestoredTable> done;
    size_t created = 0;
    auto committed = table::RunInTxn(cluster, [&](client::Txn* txn) -> Status {
      done.clear();
      created = 0;
      table::MetaMutator m(txn);
      // The existing tables of each database of the batch, listed once per transaction (a
      // lookup per table would read the whole database's catalog each time).
      std::map<int64_t, std::map<std::string, catalog::TableInfo>> existing;
      for (size_t i = begin; i < end; ++i) {
        const catalog::DBInfo& db = target_dbs.at(schemas.tables[i].db.name.L);
        if (existing.count(db.id) > 0) continue;
        ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> tables, m.reader()->ListTables(db.id));
        auto& by_name = existing[db.id];
        for (catalog::TableInfo& t : tables) by_name.emplace(t.name.L, std::move(t));
      }
      size_t to_create = 0;
      for (size_t i = begin; i < end; ++i) {
        const BackupTable& src = schemas.tables[i];
        const catalog::DBInfo& db = target_dbs.at(src.db.name.L);
        if (existing[db.id].count(Lower(src.table.name.O)) == 0) {
          ++to_create;
        } else if (!options.incremental) {
          return Status::AlreadyExists("table already exists: " + src.Name());
        }
      }
      int64_t next_id = 0;
      if (to_create > 0) {
        ASSIGN_OR_RETURN(next_id, m.GenGlobalIDs(static_cast<int64_t>(to_create)));
      }
      bool changed = to_create > 0;
      for (size_t i = begin; i < end; ++i) {
        const BackupTable& src = schemas.tables[i];
        const catalog::DBInfo& db = target_dbs.at(src.db.name.L);
        RestoredTable rt;
        rt.source = src;
        rt.target_db = db;
        auto found = existing[db.id].find(Lower(src.table.name.O));
        if (found != existing[db.id].end()) {
          rt.existed = true;
          rt.target = found->second;
          if (!SameDefinition(rt.target, src.table)) {
            // The definition changed after the full backup: take the backup's (its DDL).
            catalog::TableInfo updated = NewTableInfo(src.table, rt.target.id, txn->start_ts());
            updated.revision = rt.target.revision + 1;
            RETURN_IF_ERROR(m.PutTable(db.id, updated));
            rt.target = std::move(updated);
            changed = true;
          }
          done.push_back(std::move(rt));
          continue;
        }
        rt.target = NewTableInfo(src.table, next_id++, txn->start_ts());
        RETURN_IF_ERROR(m.PutTable(db.id, rt.target));
        // Two tables of the batch with one name would be one table: refuse.
        if (!existing[db.id].emplace(Lower(src.table.name.O), rt.target).second) {
          return Status::Corruption("the backup holds table " + src.Name() + " twice");
        }
        ++created;
        done.push_back(std::move(rt));
      }
      if (!changed) return Status::OK();
      return m.BumpSchemaVersion().status();
    });
    if (!committed.ok()) {
      if (begin == 0) return committed.status();
      return committed.status().WithContext(std::to_string(result.tables_created) +
                                            " tables were created before this failure");
    }
    result.tables_created += created;
    for (RestoredTable& rt : done) result.tables.push_back(std::move(rt));
    LOG_INFO("restore: created tables {}..{} of {} ({} new)", begin + 1, end, schemas.tables.size(),
             created);
  }
  return result;
}

int64_t AutoIdRebaseTarget(int64_t auto_inc_id, int64_t max_handle) {
  return std::max<int64_t>({0, auto_inc_id, max_handle});
}

Result<int64_t> MaxHandle(client::Cluster* cluster, int64_t table_id, uint64_t ts) {
  const catalog::KeyRange rec = catalog::TableRecordRange(table_id);
  ASSIGN_OR_RETURN(
      std::vector<client::KeyLocation> locs,
      cluster->regions()->LocateRange(keys::TxnRegionKey(rec.start), keys::TxnRegionKey(rec.end)));
  client::Snapshot snap = cluster->GetSnapshot(ts);
  // Walk the regions from the last one back; the first that holds a row holds the largest.
  std::optional<std::string> upper = rec.end;
  for (auto it = locs.rbegin(); it != locs.rend(); ++it) {
    std::optional<std::string> lower = RawOfRegionKey(it->start_key());
    std::string start = rec.start;
    if (lower && *lower > start) start = *lower;
    std::string end = upper ? *upper : rec.end;
    if (end > rec.end) end = rec.end;
    std::string last;
    if (start < end) {
      RETURN_IF_ERROR(snap.ScanEach(start, end, [&](const client::KvPair& kv) {
        last = kv.key;
        return true;
      }));
    }
    if (!last.empty()) {
      auto decoded = catalog::DecodeRecordKey(last);
      return decoded.ok() ? decoded->handle : 0;
    }
    if (!lower) break;  // the scan above started at the record range's start: nothing left
    upper = lower;
  }
  return 0;
}

Result<int64_t> RebaseAutoId(client::Cluster* cluster, const RestoredTable& t, uint64_t ts) {
  int64_t max_handle = 0;
  if (!t.target.is_common_handle) {
    ASSIGN_OR_RETURN(max_handle, MaxHandle(cluster, t.target.id, ts));
  }
  const int64_t base = AutoIdRebaseTarget(t.source.table.auto_inc_id, max_handle);
  if (base > 0) {
    RETURN_IF_ERROR(
        table::AutoIDAllocator(cluster, t.target_db.id, t.target.id)
            .Rebase(base)
            .WithContext("rebase the auto id of " + t.target_db.name.O + "." + t.target.name.O));
  }
  return base;
}

}  // namespace brkv::br
