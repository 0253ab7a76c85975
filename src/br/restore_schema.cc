#include "br/restore_schema.h"

#include <algorithm>
#include <map>

#include "catalog/tablecodec.h"
#include "client/parallel.h"
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

// MaxHandle reads up to this many rows in one scan before it binary-searches instead.
constexpr size_t kMaxHandleScanRows = 256;

std::string Lower(std::string_view s) { return catalog::CIStr::From(s).L; }

// Drops the JSON each level of a TableInfo keeps from parsing (schema.h: it lets ToJson keep
// unknown fields). A restored table's definitions are written once, when it is created; after
// that only the modelled fields are read (ids, names, indexes, handle kind), and the copies of
// `raw` were most of a restore's memory with many tables.
void DropRawJson(catalog::TableInfo* t) {
  t->raw = catalog::Json();
  for (catalog::ColumnInfo& c : t->columns) {
    c.raw = catalog::Json();
    c.type.raw = catalog::Json();
  }
  for (catalog::IndexInfo& i : t->indices) {
    i.raw = catalog::Json();
    for (catalog::IndexColumn& ic : i.columns) ic.raw = catalog::Json();
  }
}

// Columns and indexes as JSON, to tell whether a definition changed.
bool SameDefinition(const catalog::TableInfo& a, const catalog::TableInfo& b) {
  const catalog::Json ja = catalog::ToJsonValue(a);
  const catalog::Json jb = catalog::ToJsonValue(b);
  return ja.value("cols", catalog::Json()) == jb.value("cols", catalog::Json()) &&
         ja.value("index_info", catalog::Json()) == jb.value("index_info", catalog::Json());
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

  // Tables, `batch` per transaction. Name checks need each database's table list, and listing
  // (decoding every TableInfo) in every transaction made the creation quadratic in the number
  // of tables. The lists are kept across batches for as long as the schema version is the one
  // our own last batch committed: every catalog change bumps it, and our bump conflicts with
  // any concurrent one, so an unchanged version proves nobody else touched the catalog.
  struct KnownTables {
    std::map<std::string, catalog::TableInfo> listed;  // lower-case name -> table
    std::set<std::string> ours;                        // created by earlier batches
  };
  std::map<int64_t, KnownTables> known;
  int64_t known_version = -1;
  for (size_t begin = 0; begin < schemas.tables.size(); begin += batch) {
    const size_t end = std::min(schemas.tables.size(), begin + batch);
    std::vector<RestoredTable> done;
    std::map<int64_t, std::set<std::string>> added;
    size_t created = 0;
    int64_t bumped = -1;
    auto committed = table::RunInTxn(cluster, [&](client::Txn* txn) -> Status {
      done.clear();
      added.clear();
      created = 0;
      bumped = -1;
      table::MetaMutator m(txn);
      ASSIGN_OR_RETURN(const int64_t version, m.reader()->SchemaVersion());
      if (version != known_version) {
        known.clear();
        known_version = version;
      }
      for (size_t i = begin; i < end; ++i) {
        const catalog::DBInfo& db = target_dbs.at(schemas.tables[i].db.name.L);
        if (known.count(db.id) > 0) continue;
        ASSIGN_OR_RETURN(std::vector<catalog::TableInfo> tables, m.reader()->ListTables(db.id));
        auto& by_name = known[db.id].listed;
        for (catalog::TableInfo& t : tables) by_name.emplace(t.name.L, std::move(t));
      }
      size_t to_create = 0;
      for (size_t i = begin; i < end; ++i) {
        const BackupTable& src = schemas.tables[i];
        const KnownTables& k = known.at(target_dbs.at(src.db.name.L).id);
        const std::string name = Lower(src.table.name.O);
        if (k.ours.count(name) > 0) {
          return Status::Corruption("the backup holds table " + src.Name() + " twice");
        }
        if (k.listed.count(name) == 0) {
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
        const std::string name = Lower(src.table.name.O);
        const KnownTables& k = known.at(db.id);
        RestoredTable rt;
        rt.source = src;
        rt.target_db = db;
        auto found = k.listed.find(name);
        if (found != k.listed.end()) {
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
        // Two tables of the batch with one name would be one table: refuse.
        if (!added[db.id].insert(name).second) {
          return Status::Corruption("the backup holds table " + src.Name() + " twice");
        }
        rt.target = NewTableInfo(src.table, next_id++, txn->start_ts());
        RETURN_IF_ERROR(m.PutTable(db.id, rt.target));
        ++created;
        done.push_back(std::move(rt));
      }
      if (!changed) return Status::OK();
      ASSIGN_OR_RETURN(bumped, m.BumpSchemaVersion());
      return Status::OK();
    });
    if (!committed.ok()) {
      if (begin == 0) return committed.status();
      return committed.status().WithContext(std::to_string(result.tables_created) +
                                            " tables were created before this failure");
    }
    if (bumped >= 0) {
      // Our own change: the lists stay valid once they include what this batch created.
      known_version = bumped;
      for (auto& [db_id, names] : added) known[db_id].ours.merge(names);
    }
    // Incremental updates of existing definitions replaced `listed` entries: re-list next time.
    for (const RestoredTable& rt : done) {
      if (rt.existed) {
        known_version = -1;
        break;
      }
    }
    result.tables_created += created;
    for (RestoredTable& rt : done) {
      DropRawJson(&rt.source.table);
      DropRawJson(&rt.target);
      result.tables.push_back(std::move(rt));
    }
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
  client::Snapshot snap = cluster->GetSnapshot(ts);
  // Small tables (the common case when a backup holds many tables): one scan sees every row.
  ASSIGN_OR_RETURN(std::vector<client::KvPair> head,
                   snap.Scan(rec.start, rec.end, kMaxHandleScanRows));
  if (head.empty()) return 0;
  auto last = catalog::DecodeRecordKey(head.back().key);
  if (!last.ok()) return 0;
  if (head.size() < kMaxHandleScanRows) return last->handle;
  // Larger tables: binary search on the handle instead of reading every row. Record keys sort
  // by handle, so "is there a row at or after handle h" is one 1-row scan (a seek on the node);
  // lo always is a handle that exists, and a hit moves lo to the row found (>= mid).
  __int128 lo = last->handle;
  __int128 hi = INT64_MAX;
  while (lo < hi) {
    const __int128 mid = lo + (hi - lo + 1) / 2;
    ASSIGN_OR_RETURN(std::vector<client::KvPair> probe,
                     snap.Scan(catalog::RecordKey(table_id, static_cast<int64_t>(mid)), rec.end, 1));
    if (probe.empty()) {
      hi = mid - 1;
      continue;
    }
    auto found = catalog::DecodeRecordKey(probe.front().key);
    if (!found.ok()) return 0;  // not an int-handle table after all
    lo = found->handle;
  }
  return static_cast<int64_t>(lo);
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

Status RebaseAutoIds(client::Cluster* cluster, const std::vector<RestoredTable>& tables,
                     uint64_t ts, const RebaseAutoIdsOptions& options) {
  // Targets first (reads only, several tables at once), then the allocators in batches.
  std::vector<table::AutoIDRebase> rebases(tables.size());
  RETURN_IF_ERROR(client::ParallelFor(
      tables.size(), std::max(1, options.concurrency), [&](size_t i) -> Status {
        const RestoredTable& t = tables[i];
        int64_t max_handle = 0;
        if (!t.target.is_common_handle) {
          auto h = MaxHandle(cluster, t.target.id, ts);
          if (!h.ok()) {
            return h.status().WithContext("largest handle of " + t.target_db.name.O + "." +
                                          t.target.name.O);
          }
          max_handle = *h;
        }
        rebases[i] = table::AutoIDRebase{t.target_db.id, t.target.id,
                                         AutoIdRebaseTarget(t.source.table.auto_inc_id, max_handle)};
        return Status::OK();
      }));
  std::vector<table::AutoIDRebase> needed;
  for (const table::AutoIDRebase& r : rebases) {
    if (r.base > 0) needed.push_back(r);
  }
  const size_t batch = std::max<size_t>(1, options.batch_size);
  for (size_t begin = 0; begin < needed.size(); begin += batch) {
    const size_t end = std::min(needed.size(), begin + batch);
    std::vector<table::AutoIDRebase> part(needed.begin() + begin, needed.begin() + end);
    Status s = table::RebaseAutoIDs(cluster, part);
    if (!s.ok()) {
      return s.WithContext("rebase the auto ids of " + std::to_string(part.size()) +
                           " restored tables (" + std::to_string(begin) + " done before)");
    }
  }
  if (options.on_rebased) {
    for (size_t i = 0; i < tables.size(); ++i) options.on_rebased(tables[i], rebases[i].base);
  }
  return Status::OK();
}

}  // namespace brkv::br
