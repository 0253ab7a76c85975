#include "br/restore_runner.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_set>
#include <vector>

#include "br/meta_reader.h"
#include "br/progress.h"
#include "br/restore_checkpoint.h"
#include "br/restore_checksum.h"
#include "br/restore_files.h"
#include "br/restore_importer.h"
#include "br/restore_schema.h"
#include "br/restore_staged.h"
#include "br/rewrite_rules.h"
#include "br/split_scatter.h"
#include "catalog/tablecodec.h"
#include "client/cluster.h"
#include "client/parallel.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "storage/external_storage.h"

namespace brkv::br {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool IsRaw(const RestoreConfig& c) { return c.scope.kind == RestoreKind::kRaw; }

// Data of one table kept in one region before a restore splits between file groups (BR's
// --merge-region-size-bytes 96 MiB and --merge-region-key-count 960000 defaults).
constexpr uint64_t kMergeRegionBytes = 96ull << 20;
constexpr uint64_t kMergeRegionKvs = 960000;

// Everything one restore holds.
struct RestoreJob {
  const RestoreConfig* config = nullptr;
  Clock::time_point start;
  std::string title;
  storage::StorageBackend backend;
  std::unique_ptr<storage::ExternalStorage> storage;
  std::unique_ptr<MetaReader> reader;
  bool incremental = false;
  RestoreSchemas schemas;
  // Old table ids in scope.
  std::set<int64_t> table_ids;
  std::unique_ptr<client::Cluster> cluster;
  CreateSchemasResult created;
  RewriteRules rules;
  RestoreSummary summary;
  // Resume: the job's id, its checkpoint when one was found, and the progress writer (set
  // once the job's meta is saved).
  std::string job_id;
  std::optional<RestoreCheckpoint> checkpoint;
  std::unique_ptr<RestoreProgressWriter> progress;
  // The nodes' ImportSST service, and the first bytes of every uuid this job stages under
  // (restore_staged.h).
  std::unique_ptr<ImporterClient> importer_client;
  std::string uuid_prefix;
};

std::string GroupKey(const RestoreFileGroup& g) {
  return g.files.empty() ? std::string() : g.files.front().name();
}

std::string ScopeText(const RestoreConfig& c) {
  std::string s = std::to_string(static_cast<int>(c.scope.kind)) + "\n" + c.scope.db + "\n" +
                  c.scope.table + "\n" + (c.scope.case_sensitive ? "cs" : "ci") + "\n" +
                  codec::ToHex(c.raw_start) + "\n" + codec::ToHex(c.raw_end);
  for (const std::string& f : c.scope.filters) s += "\n" + f;
  return s;
}

Status CheckInterrupted(const RestoreConfig& c) {
  if (c.interrupt != nullptr && c.interrupt->requested()) {
    return Status::Aborted("interrupted by " + c.interrupt->SignalName());
  }
  return Status::OK();
}

// Walks the backup's data files in order and hands out the groups of the restore's scope.
// fn returning non-OK stops the walk with that status.
Status ForEachGroup(const RestoreJob& job,
                    const std::function<Status(RestoreFileGroup&&, const GroupTarget&)>& fn) {
  const RestoreConfig& c = *job.config;
  RestoreFileGroup group;
  auto flush = [&]() -> Status {
    if (group.files.empty()) return Status::OK();
    RestoreFileGroup g = std::move(group);
    group = RestoreFileGroup{};
    GroupTarget target;
    if (IsRaw(c)) {
      target.is_raw_kv = true;
      target.raw_start = c.raw_start;
      target.raw_end = c.raw_end;
      // Outside the user's range: not restored.
      const bool before = !c.raw_start.empty() && !g.end_key.empty() && g.end_key <= c.raw_start;
      const bool after = !c.raw_end.empty() && g.start_key >= c.raw_end;
      if (before || after) return Status::OK();
      return fn(std::move(g), target);
    }
    const int64_t table_id = catalog::DecodeTableID(g.start_key);
    if (job.table_ids.count(table_id) == 0) return Status::OK();
    ASSIGN_OR_RETURN(target.rule, job.rules.RuleForRange(g.start_key, g.end_key));
    return fn(std::move(g), target);
  };
  RETURN_IF_ERROR(job.reader->ForEachDataFile([&](const ::backup::File& f) -> Status {
    if (AddToGroup(&group, f)) return Status::OK();
    RETURN_IF_ERROR(flush());
    AddToGroup(&group, f);
    return Status::OK();
  }));
  return flush();
}

Status CheckStores(RestoreJob* job) {
  ASSIGN_OR_RETURN(std::vector<brkvpb::StoreInfo> stores, job->cluster->pd()->GetAllStores());
  std::vector<std::string> down;
  size_t up = 0;
  for (const brkvpb::StoreInfo& s : stores) {
    if (s.store().state() == metapb::Tombstone) continue;
    if (s.is_down() || s.store().state() != metapb::Up) {
      down.push_back(std::to_string(s.store().id()) + " (" + s.store().address() + ")");
    } else {
      ++up;
    }
  }
  if (up == 0) return Status::Unavailable("PD lists no serving store; is the cluster running?");
  if (!down.empty() && job->config->check_requirements) {
    std::string list;
    for (const auto& d : down) list += (list.empty() ? "" : ", ") + d;
    return Status::Unavailable("store " + list +
                               " of the target is down: regions it hosts cannot take restored "
                               "data; bring it back (kvctl stores shows the state) or pass "
                               "--check-requirements=false to try anyway");
  }
  return Status::OK();
}

// Step 1: metadata, scope, and a planning pass over the files (nothing is written).
Status ReadBackup(RestoreJob* job, uint64_t* groups_planned) {
  const RestoreConfig& c = *job->config;
  ASSIGN_OR_RETURN(job->backend, storage::ParseBackend(c.storage_url));
  storage::StorageOptions so;
  so.default_timeout = c.storage_timeout;
  ASSIGN_OR_RETURN(job->storage, storage::CreateStorage(job->backend, so));
  MetaReaderOptions mo;
  mo.cipher = c.cipher;
  mo.io.call_timeout = c.storage_timeout;
  ASSIGN_OR_RETURN(job->reader, MetaReader::Open(job->storage.get(), mo));
  const ::backup::BackupMeta& meta = job->reader->meta();
  RETURN_IF_ERROR(CheckBackupCompatible(meta, c.scope.kind));
  job->incremental = meta.start_version() > 0;
  job->title = RestoreTitle(c.scope.kind, job->incremental);
  job->summary.title = job->title;
  job->summary.backup_ts = meta.end_version();
  LOG_INFO("{}: from {}, backup ts {}, start version {}, cluster id {}", job->title,
           job->storage->Uri(), meta.end_version(), meta.start_version(), meta.cluster_id());

  if (!IsRaw(c)) {
    ASSIGN_OR_RETURN(job->schemas, CollectSchemas(*job->reader, c.scope));
    // Rules with new == old check that every file of the scope has a rule, before any write.
    for (const BackupTable& t : job->schemas.tables) {
      job->table_ids.insert(t.table.id);
      ASSIGN_OR_RETURN(TableRewrite probe, BuildTableRewrite(t.table, t.table));
      RETURN_IF_ERROR(job->rules.Add(std::move(probe)));
    }
    size_t ddls = 0;
    RETURN_IF_ERROR(job->reader->ForEachDdl([&](std::string_view) {
      ++ddls;
      return Status::OK();
    }));
    LOG_INFO("{}: {} databases, {} tables in scope, {} DDL entries", job->title,
             job->schemas.databases.size(), job->schemas.tables.size(), ddls);
  }
  uint64_t groups = 0;
  RETURN_IF_ERROR(ForEachGroup(*job, [&](RestoreFileGroup&& g, const GroupTarget&) {
    ++groups;
    (void)g;
    return Status::OK();
  }));
  *groups_planned = groups;
  job->rules = RewriteRules{};
  if (IsRaw(c) && groups == 0) {
    return Status::NotFound("raw restore: the backup holds no data file in the range [" +
                            codec::Escape(c.raw_start) + ", " + codec::Escape(c.raw_end) + ")");
  }
  return Status::OK();
}

// Step 2: the target, before anything is written.
Status CheckTarget(RestoreJob* job) {
  const RestoreConfig& c = *job->config;
  client::ClusterOptions co;
  co.pd_address = c.pd;
  co.rpc_timeout_ms = std::min<int64_t>(c.pd_timeout_ms, 10000);
  co.retry_budget_ms = c.pd_timeout_ms;
  auto cluster = client::Cluster::Connect(co);
  if (!cluster.ok()) {
    return cluster.status().WithContext("cannot reach PD at " + c.pd +
                                        "; check --pd and that the cluster is running");
  }
  job->cluster = std::move(cluster).value();
  RETURN_IF_ERROR(CheckStores(job));
  ASSIGN_OR_RETURN(uint64_t now, job->cluster->GetTS());
  if (now <= job->summary.backup_ts) {
    return Status::InvalidArgument(
        "the target cluster's timestamp " + std::to_string(now) + " is not past the backup ts " +
        std::to_string(job->summary.backup_ts) +
        ": restored versions would be invisible to its readers (is its clock behind?)");
  }
  job->job_id = RestoreJobId(job->storage->Uri(), job->reader->meta().cluster_id(),
                             job->summary.backup_ts, ScopeText(c));
  job->uuid_prefix = StagedUuidPrefix(job->job_id);
  job->importer_client = NewGrpcImporterClient(job->cluster->channels());
  if (!c.resume) {
    RETURN_IF_ERROR(RemoveRestoreCheckpoint(job->cluster.get(), job->job_id));
  } else {
    ASSIGN_OR_RETURN(job->checkpoint, LoadRestoreCheckpoint(job->cluster.get(), job->job_id));
    if (job->checkpoint.has_value()) {
      LOG_INFO(
          "{}: resuming restore job {}: {} tables created before, {} file groups ingested, "
          "{} table checksums compared",
          job->title, job->job_id, job->checkpoint->tables.size(), job->checkpoint->ingested.size(),
          job->checkpoint->checksummed.size());
      job->summary.resumed = true;
    }
  }
  if (!IsRaw(c)) {
    ASSIGN_OR_RETURN(TargetCatalog target, ReadTargetCatalog(job->cluster.get()));
    if (job->checkpoint.has_value()) {
      // The tables this job created are reused, not refused.
      for (const auto& name : job->checkpoint->tables) target.tables.erase(name);
    }
    RETURN_IF_ERROR(CheckTablesAbsent(job->schemas, target, job->incremental));
  }
  return Status::OK();
}

// Removes the job's staged files from every serving store of the target (restore_staged.h):
// `when` says which run's files, for the log. Never fails; a store that cannot be asked keeps
// them until its sweep.
void ClearStaged(RestoreJob* job, std::string_view when) {
  auto stores = job->cluster->pd()->GetAllStores();
  if (!stores.ok()) {
    LOG_WARN("{}: cannot list the stores to clear staged files ({}): {}", job->title, when,
             stores.status().ToString());
    return;
  }
  std::vector<std::string> addresses;
  for (const brkvpb::StoreInfo& st : *stores) {
    if (st.store().state() == metapb::Up && !st.is_down()) {
      addresses.push_back(st.store().address());
    }
  }
  const ClearStagedReport r =
      ClearStagedFiles(job->importer_client.get(), addresses, job->uuid_prefix);
  LOG_INFO("{}: cleared staged files {} (prefix {}) on {} of {} serving stores", job->title, when,
           StagedNamePrefix(job->uuid_prefix), r.stores - r.failed.size(), r.stores);
}

// Records the job in the target before anything is created (a new job), and starts the
// progress writer.
Status StartCheckpoint(RestoreJob* job) {
  const RestoreConfig& c = *job->config;
  uint64_t first_seq = 1;
  if (job->checkpoint.has_value()) {
    first_seq = job->checkpoint->next_seq;
  } else {
    RestoreCheckpoint cp;
    cp.job = job->job_id;
    cp.storage = job->storage->Uri();
    cp.backup_ts = job->summary.backup_ts;
    for (const BackupTable& t : job->schemas.tables) {
      cp.tables.emplace_back(t.db.name.L, t.table.name.L);
    }
    RETURN_IF_ERROR(SaveRestoreCheckpointMeta(job->cluster.get(), cp));
    job->checkpoint = std::move(cp);
  }
  job->progress = std::make_unique<RestoreProgressWriter>(job->cluster.get(), job->job_id,
                                                          first_seq, c.checkpoint_interval);
  return Status::OK();
}

// Step 3.
Status CreateTables(RestoreJob* job) {
  CreateSchemasOptions o;
  o.batch_size = job->config->ddl_batch_size;
  // A resumed job writes into the tables its interrupted run created.
  o.incremental = job->incremental || job->summary.resumed;
  ASSIGN_OR_RETURN(job->created, CreateSchemas(job->cluster.get(), job->schemas, o));
  for (const RestoredTable& t : job->created.tables) {
    ASSIGN_OR_RETURN(TableRewrite rw, BuildTableRewrite(t.source.table, t.target));
    LOG_INFO("{}: table {} id {} -> {}.{} id {}{}", job->title, t.source.Name(), t.source.table.id,
             t.target_db.name.O, t.target.name.O, t.target.id, t.existed ? " (existing)" : "");
    RETURN_IF_ERROR(job->rules.Add(std::move(rw)));
  }
  job->summary.databases = job->schemas.databases.size();
  job->summary.tables = job->created.tables.size();
  LOG_INFO("{}: {} tables ready ({} created now)", job->title, job->created.tables.size(),
           job->created.tables_created);
  FAIL_POINT("br.restore.after-create-tables");
  // The parsed definitions (with their JSON) are not read after this point: the created tables
  // carry what the rest of the restore needs.
  std::vector<BackupTable>().swap(job->schemas.tables);
  return Status::OK();
}

// Step 4.
Status SplitScatter(RestoreJob* job) {
  const RestoreConfig& c = *job->config;
  SplitPlanner planner;
  for (const RestoredTable& t : job->created.tables) planner.AddTable(t.target.id);
  // Transactional groups: split inside a table only between groups that together would pass
  // a region's worth of data (BR's merge of small file ranges, --merge-region-size-bytes and
  // --merge-region-key-count). A split at both ends of every group gave a 10-row table five
  // regions, and split + scatter of those dominated restores of many small tables.
  struct GroupSpan {
    std::string start;  // rewritten
    uint64_t bytes = 0;
    uint64_t kvs = 0;
  };
  std::vector<GroupSpan> spans;
  RETURN_IF_ERROR(ForEachGroup(*job, [&](RestoreFileGroup&& g, const GroupTarget& target) {
    if (target.is_raw_kv) {
      planner.AddKey(std::max(g.start_key, c.raw_start));
      if (g.end_key.empty()) {
        planner.AddKey(c.raw_end);
      } else {
        planner.AddKey(c.raw_end.empty() ? g.end_key : std::min(g.end_key, c.raw_end));
      }
    } else {
      spans.push_back(
          GroupSpan{RewriteRangeStart(g.start_key, target.rule), g.total_bytes(), g.total_kvs()});
    }
    return Status::OK();
  }));
  std::sort(spans.begin(), spans.end(),
            [](const GroupSpan& a, const GroupSpan& b) { return a.start < b.start; });
  int64_t table = 0;
  uint64_t bytes = 0, kvs = 0;
  for (const GroupSpan& s : spans) {
    const int64_t id = catalog::DecodeTableID(s.start);
    if (id != table) {  // a table boundary, split already
      table = id;
      bytes = kvs = 0;
    } else if (bytes + s.bytes > kMergeRegionBytes || kvs + s.kvs > kMergeRegionKvs) {
      planner.AddKey(s.start);
      bytes = kvs = 0;
    }
    bytes += s.bytes;
    kvs += s.kvs;
  }
  spans.clear();
  spans.shrink_to_fit();
  SplitScatterOptions so;
  so.form = IsRaw(c) ? client::SplitKeyForm::kRawKvKey : client::SplitKeyForm::kTxnRawKey;
  ASSIGN_OR_RETURN(SplitScatterReport report,
                   SplitAndScatter(job->cluster.get(), planner.Keys(), so));
  job->summary.split_regions = report.new_regions;
  LOG_INFO("{}: split at {} keys ({} regions), scattered {}, {} not moved", job->title,
           report.split_keys, report.new_regions, report.scattered, report.scatter_failed.size());
  FAIL_POINT("restore.after-split-scatter");
  return Status::OK();
}

// Step 5: a bounded pool of workers importing groups as the metadata walk hands them out.
Status ImportData(RestoreJob* job, uint64_t groups_planned) {
  const RestoreConfig& c = *job->config;
  FileImporterOptions fo;
  fo.uuid_prefix = job->uuid_prefix;
  fo.backend = DownloadBackendProto(job->backend, c.send_credentials);
  fo.cipher = DownloadCipherProto(c.cipher);
  fo.rate_limit = c.ratelimit_mib << 20;
  fo.retry.budget_ms = c.retry_budget.count();
  FileImporter importer(job->cluster->regions(), job->importer_client.get(), fo);

  ProgressOptions po;
  po.title = job->title;
  po.unit = "ranges";
  po.total = groups_planned;
  po.tty = c.progress_tty;
  po.interval = c.progress_interval;
  po.out = c.progress_out;
  po.on_update = c.on_progress;
  Progress progress(po);

  struct Task {
    RestoreFileGroup group;
    GroupTarget target;
  };
  std::mutex mu;
  std::condition_variable cv_push, cv_pop;
  std::deque<Task> queue;
  bool closed = false;
  Status first_error;
  std::atomic<bool> failed{false};
  uint64_t done = 0;
  const size_t workers = std::max<uint32_t>(1, c.concurrency);
  const size_t capacity = workers * 2;

  auto worker = [&]() {
    while (true) {
      Task task;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv_pop.wait(lock, [&] { return !queue.empty() || closed; });
        if (queue.empty()) return;
        task = std::move(queue.front());
        queue.pop_front();
        cv_push.notify_one();
      }
      // After a failure or an interrupt the queued groups are dropped, not imported.
      if (failed.load() || !CheckInterrupted(c).ok()) continue;
      auto r = importer.Import(task.group, task.target);
      Status recorded;
      if (r.ok()) {
        job->progress->AddIngested(GroupKey(task.group));
        if (c.checkpoint_interval.count() == 0) recorded = job->progress->Flush();
        if (recorded.ok()) recorded = failpoint::Eval("br.restore.after-ingest");
      }
      std::lock_guard<std::mutex> lock(mu);
      if (r.ok() && !recorded.ok()) r = recorded;
      if (!r.ok()) {
        if (first_error.ok()) first_error = r.status();
        failed.store(true);
        cv_push.notify_all();
        continue;
      }
      ++done;
      job->summary.ranges += 1;
      job->summary.files += task.group.files.size();
      job->summary.total_kvs += task.group.total_kvs();
      job->summary.total_bytes += task.group.total_bytes();
      job->summary.data_size += task.group.size();
      progress.Update(done);
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t i = 0; i < workers; ++i) threads.emplace_back(worker);

  const std::unordered_set<std::string>* ingested =
      job->summary.resumed ? &job->checkpoint->ingested : nullptr;
  uint64_t skipped = 0;
  Status walk = ForEachGroup(*job, [&](RestoreFileGroup&& g, const GroupTarget& t) -> Status {
    RETURN_IF_ERROR(CheckInterrupted(c));
    std::unique_lock<std::mutex> lock(mu);
    if (ingested != nullptr && ingested->count(GroupKey(g)) != 0) {
      ++skipped;
      ++done;
      progress.Update(done);
      return Status::OK();
    }
    cv_push.wait(lock, [&] { return queue.size() < capacity || failed.load(); });
    if (failed.load()) return Status::Aborted("restore stopped");
    queue.push_back(Task{std::move(g), t});
    cv_pop.notify_one();
    return Status::OK();
  });
  {
    std::lock_guard<std::mutex> lock(mu);
    closed = true;
  }
  cv_pop.notify_all();
  for (auto& t : threads) t.join();
  progress.Finish();
  if (!first_error.ok()) return first_error;
  RETURN_IF_ERROR(walk);
  RETURN_IF_ERROR(CheckInterrupted(c));
  job->summary.reused_ranges = skipped;
  if (job->summary.resumed) {
    LOG_INFO(
        "{}: {} file groups were ingested by the interrupted run and skipped; {} ingested "
        "now",
        job->title, skipped, done - skipped);
  }
  if (done != groups_planned) {
    return Status::Internal("restore imported " + std::to_string(done) + " of " +
                            std::to_string(groups_planned) +
                            " planned file groups: the backup metadata changed while it was "
                            "read?");
  }
  return Status::OK();
}

// Step 6: tables are independent, so their checksums and largest handles are read several at
// once, and the auto-id allocators are raised --ddl-batch-size tables per transaction.
Status VerifyAndRebase(RestoreJob* job) {
  const RestoreConfig& c = *job->config;
  if (IsRaw(c)) return Status::OK();
  ASSIGN_OR_RETURN(uint64_t ts, job->cluster->GetTS());
  const int table_concurrency = static_cast<int>(std::clamp<uint32_t>(c.concurrency * 2, 4, 16));
  const std::vector<RestoredTable>& tables = job->created.tables;
  if (c.checksum && !job->incremental) {
    ProgressOptions po;
    po.title = "Checksum";
    po.unit = "tables";
    po.total = tables.size();
    po.tty = c.progress_tty;
    po.interval = c.progress_interval;
    po.out = c.progress_out;
    po.on_update = c.on_progress;
    Progress progress(po);
    std::atomic<size_t> done{0};
    RETURN_IF_ERROR(client::ParallelFor(tables.size(), table_concurrency, [&](size_t i) -> Status {
      const RestoredTable& t = tables[i];
      RETURN_IF_ERROR(CheckInterrupted(c));
      if (job->checkpoint.has_value() &&
          job->checkpoint->checksummed.count(t.source.table.id) != 0) {
        progress.Update(done.fetch_add(1) + 1);
        return Status::OK();
      }
      RETURN_IF_ERROR(failpoint::Eval("br.restore.before-table-checksum"));
      const TableRewrite* rw = job->rules.Find(t.source.table.id);
      if (rw == nullptr) return Status::Internal("no rewrite rule for " + t.source.Name());
      auto got = RestoredTableChecksum(job->cluster.get(), *rw, t.target, ts);
      if (!got.ok()) {
        return got.status().WithContext("checksum of restored table " + t.source.Name());
      }
      RETURN_IF_ERROR(CompareTableChecksum(t.source, *got, ts));
      LOG_INFO("{}: checksum of {} matches the backup: crc64xor={} kvs={} bytes={}", job->title,
               t.source.Name(), got->crc64xor, got->total_kvs, got->total_bytes);
      job->progress->AddChecksummed(t.source.table.id);
      if (c.checkpoint_interval.count() == 0) RETURN_IF_ERROR(job->progress->Flush());
      progress.Update(done.fetch_add(1) + 1);
      return Status::OK();
    }));
    progress.Finish();
    job->summary.restore_ts = ts;
    job->summary.checksum_verified = true;
  } else {
    LOG_INFO(
        "{}: table checksum skipped ({})", job->title,
        job->incremental ? "an incremental backup records no table checksums" : "--checksum=false");
  }
  RebaseAutoIdsOptions ro;
  ro.concurrency = table_concurrency;
  ro.batch_size = c.ddl_batch_size;
  ro.on_rebased = [job](const RestoredTable& t, int64_t base) {
    LOG_INFO("{}: auto id of {}.{} rebased to >= {}", job->title, t.target_db.name.O,
             t.target.name.O, base);
  };
  return RebaseAutoIds(job->cluster.get(), tables, ts, ro);
}

std::string FormatMB(uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.2fMB", static_cast<double>(bytes) / 1e6);
  return buf;
}

}  // namespace

std::string FormatRestoreSummary(const RestoreSummary& s) {
  std::string out = s.title + " success summary: total-ranges=" + std::to_string(s.ranges) +
                    ", ranges-succeed=" + std::to_string(s.ranges) + ", ranges-failed=0" +
                    ", total-files=" + std::to_string(s.files) +
                    ", total-kvs=" + std::to_string(s.total_kvs) +
                    ", total-bytes=" + std::to_string(s.total_bytes) +
                    ", restore-data-size(after-compressed)=" + FormatMB(s.data_size) +
                    ", backup-ts=" + std::to_string(s.backup_ts);
  if (s.checksum_verified) out += ", restore-ts=" + std::to_string(s.restore_ts);
  out += ", total-take=" + FormatDuration(s.take);
  const double secs = std::max<double>(0.001, s.take.count() / 1000.0);
  char speed[64];
  std::snprintf(speed, sizeof(speed), "%.2fMB/s", static_cast<double>(s.total_bytes) / 1e6 / secs);
  out += ", average-speed=" + std::string(speed);
  return out;
}

Status ValidateRestoreConfig(const RestoreConfig& c) {
  if (c.pd.empty()) return Status::InvalidArgument("--pd is required (PD address HOST:PORT)");
  if (c.storage_url.empty()) {
    return Status::InvalidArgument("-s/--storage is required (e.g. local:///data/backup1)");
  }
  auto backend = storage::ParseBackend(c.storage_url);
  if (!backend.ok()) return backend.status().WithContext("-s/--storage");
  if (std::holds_alternative<storage::MemStoreBackend>(*backend)) {
    return Status::InvalidArgument(
        "-s/--storage: memstore:// lives inside one process and cannot be shared with the "
        "storage nodes; use local:// or an object store");
  }
  if (std::holds_alternative<storage::NoopBackend>(*backend)) {
    return Status::InvalidArgument("-s/--storage: noop:// holds no backup to restore");
  }
  if (Status s = sst::ValidateCipher(c.cipher); !s.ok()) return s.WithContext("--crypter");
  if (c.concurrency == 0 || c.concurrency > 1024) {
    return Status::InvalidArgument("--concurrency must be between 1 and 1024");
  }
  if (c.ddl_batch_size == 0) return Status::InvalidArgument("--ddl-batch-size must be positive");
  if (IsRaw(c)) {
    if (!c.raw_end.empty() && c.raw_end <= c.raw_start) {
      return Status::InvalidArgument("raw restore range is empty: --end must be after --start");
    }
  } else if (!c.raw_start.empty() || !c.raw_end.empty()) {
    return Status::InvalidArgument("--start/--end apply to br restore raw only");
  }
  if (c.retry_budget.count() <= 0) {
    return Status::InvalidArgument("the retry budget must be positive");
  }
  return Status::OK();
}

Result<RestoreSummary> RunRestore(const RestoreConfig& c) {
  RETURN_IF_ERROR(ValidateRestoreConfig(c));
  RestoreJob job;
  job.config = &c;
  job.start = Clock::now();

  uint64_t groups = 0;
  RETURN_IF_ERROR(ReadBackup(&job, &groups));
  RETURN_IF_ERROR(CheckTarget(&job));
  LOG_INFO("{}: target checked, {} file groups to restore", job.title, groups);
  // A killed run of this job may have left staged files on the nodes (downloaded, never
  // ingested): nothing of that run is in flight any more, so they go now.
  if (job.summary.resumed) ClearStaged(&job, "of the interrupted run");
  RETURN_IF_ERROR(CheckInterrupted(c));
  FAIL_POINT("restore.before-create-tables");
  RETURN_IF_ERROR(StartCheckpoint(&job));
  // From here the target holds the job's checkpoint: a stop keeps it for a resume. Every
  // download and ingest of this run has returned when a step returns, so whatever this run
  // staged and did not ingest is cleared at its end, success or not.
  auto stopped = [&job, &c](Status s) {
    Status saved = job.progress->Close();
    if (!saved.ok()) LOG_WARN("the last restore progress could not be saved: {}", saved.ToString());
    ClearStaged(&job, "of this run");
    LOG_WARN("{} stopped: {}; rerun the same command to resume", job.title, s.ToString());
    const std::string hint =
        "rerun the same command to resume (progress saved in the target cluster; "
        "--resume=false starts afresh)";
    if (c.interrupt != nullptr && c.interrupt->requested()) {
      return Status::Aborted("interrupted by " + c.interrupt->SignalName() + ": " + hint);
    }
    return s.WithContext("restore stopped; " + hint);
  };
  if (!IsRaw(c)) {
    if (Status s = CreateTables(&job); !s.ok()) return stopped(s);
  }
  if (Status s = SplitScatter(&job); !s.ok()) return stopped(s);
  if (Status s = ImportData(&job, groups); !s.ok()) return stopped(s);
  if (Status s = VerifyAndRebase(&job); !s.ok()) return stopped(s);
  // Complete: no checkpoint and no staged file stays behind.
  (void)job.progress->Close();
  ClearStaged(&job, "of this run");
  if (Status s = RemoveRestoreCheckpoint(job.cluster.get(), job.job_id); !s.ok()) {
    LOG_WARN(
        "{}: cannot delete the restore checkpoint (rerun with --resume=false to clear it): "
        "{}",
        job.title, s.ToString());
  }
  job.summary.take = std::chrono::duration_cast<milliseconds>(Clock::now() - job.start);
  LOG_INFO("{}", FormatRestoreSummary(job.summary));
  return job.summary;
}

}  // namespace brkv::br
