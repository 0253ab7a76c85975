#include "br/backup_runner.h"

#include <set>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <unordered_set>

#include "br/backup_checkpoint.h"
#include "br/backup_checksum.h"
#include "br/backup_client.h"
#include "br/backup_lock.h"
#include "br/backup_request.h"
#include "br/backup_resume.h"
#include "br/meta_writer.h"
#include "br/safe_point_keeper.h"
#include "br/version.h"
#include "catalog/tablecodec.h"
#include "client/cluster.h"
#include "client/lock_resolver.h"
#include "common/checksum.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "storage/external_storage.h"
#include "table/kv_reader.h"
#include "table/table_checksum.h"

namespace brkv::br {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Everything the backup holds until it ends; the safe point keeper is stopped (and the service
// safe point removed) on every path out of RunBackup.
struct BackupJob {
  const BackupConfig* config = nullptr;
  Clock::time_point start;
  storage::StorageBackend backend;
  std::unique_ptr<storage::ExternalStorage> storage;
  std::unique_ptr<client::Cluster> cluster;
  std::unique_ptr<SafePointKeeper> keeper;
  // The checkpoint of the job being resumed (nullopt: a new job).
  std::optional<BackupCheckpointMeta> checkpoint;
  uint64_t backup_ts = 0;
  uint64_t last_backup_ts = 0;
  BackupPlan plan;
  std::vector<std::string> ddls;
  std::string cluster_version;

  ~BackupJob() {
    if (keeper) (void)keeper->Stop();
  }
};

bool IsIncremental(const BackupConfig& c) { return !c.last_backup_ts.empty(); }

Status CheckStores(BackupJob* job) {
  client::PdClient* pd = job->cluster->pd();
  ASSIGN_OR_RETURN(std::vector<brkvpb::StoreInfo> stores, pd->GetAllStores());
  std::vector<std::string> down;
  std::set<uint64_t> down_ids;
  std::string version;
  for (const brkvpb::StoreInfo& s : stores) {
    if (s.store().state() == metapb::Tombstone) continue;
    if (version.empty() || (!s.store().version().empty() && s.store().version() < version)) {
      version = s.store().version();
    }
    if (s.is_down() || s.store().state() != metapb::Up) {
      down.push_back(std::to_string(s.store().id()) + " (" + s.store().address() + ")");
      down_ids.insert(s.store().id());
    }
  }
  job->cluster_version = version;
  if (stores.empty()) return Status::Unavailable("PD lists no store; is the cluster running?");
  if (down.empty() || !job->config->check_requirements) return Status::OK();
  std::string list;
  for (const auto& d : down) list += (list.empty() ? "" : ", ") + d;
  // A region whose voters are mostly on down stores has no quorum, so no leader to back it up;
  // with replicas elsewhere, a down store only moves leadership.
  ASSIGN_OR_RETURN(std::vector<client::RegionInfo> regions, pd->ScanRegions("", "", 0));
  for (const auto& r : regions) {
    int voters = 0, alive = 0;
    for (const auto& p : r.region.peers()) {
      if (p.role() == metapb::Learner) continue;
      ++voters;
      alive += down_ids.count(p.store_id()) == 0;
    }
    if (voters > 0 && alive * 2 <= voters) {
      return Status::Unavailable(
          "store " + list + " is down and region " + std::to_string(r.region.id()) + " has " +
          std::to_string(alive) + " of " + std::to_string(voters) +
          " replicas on live stores (no quorum): it cannot be backed up; bring the store back "
          "(kvctl stores shows the state) or pass --check-requirements=false to try anyway");
    }
  }
  LOG_WARN("store {} is down; every region still has a quorum, backing up from the live replicas",
           list);
  return Status::OK();
}

Status ResolveTimestamps(BackupJob* job) {
  const BackupConfig& c = *job->config;
  client::PdClient* pd = job->cluster->pd();
  ASSIGN_OR_RETURN(uint64_t now_ts, pd->GetTS());
  if (job->checkpoint.has_value()) {
    // A resume continues at the job's snapshot; the fingerprint already matched --backupts.
    const BackupCheckpointMeta& cp = *job->checkpoint;
    if (cp.cluster_id != 0 && cp.cluster_id != pd->cluster_id()) {
      return Status::InvalidArgument(
          "the saved progress in " + job->storage->Uri() + " belongs to cluster " +
          std::to_string(cp.cluster_id) + ", but PD at " + c.pd + " serves cluster " +
          std::to_string(pd->cluster_id()) + ": check --pd, or choose an empty path");
    }
    job->backup_ts = cp.backup_ts;
    job->last_backup_ts = cp.last_backup_ts;
  } else if (c.backup_ts.empty()) {
    job->backup_ts = now_ts;
  } else {
    ASSIGN_OR_RETURN(job->backup_ts, ParseTS(c.backup_ts, c.ts_options));
    if (job->backup_ts > now_ts) {
      return Status::InvalidArgument("--backupts " + c.backup_ts + " (" +
                                     std::to_string(job->backup_ts) +
                                     ") is in the future: PD's current TSO is " +
                                     std::to_string(now_ts) + "; give a past time or omit it");
    }
  }
  if (IsIncremental(c) && !job->checkpoint.has_value()) {
    ASSIGN_OR_RETURN(job->last_backup_ts, ParseTS(c.last_backup_ts, c.ts_options));
    if (job->last_backup_ts >= job->backup_ts) {
      return Status::InvalidArgument("--lastbackupts " + std::to_string(job->last_backup_ts) +
                                     " must be before the backup ts " +
                                     std::to_string(job->backup_ts));
    }
  }
  // The oldest version the backup reads: the snapshot, or the start of the incremental window
  // (its deletes must still be there).
  const uint64_t oldest = job->last_backup_ts != 0 ? job->last_backup_ts : job->backup_ts;
  ASSIGN_OR_RETURN(uint64_t gc_safe_point, pd->GetGCSafePoint());
  if (oldest <= gc_safe_point) {
    if (job->checkpoint.has_value()) {
      return Status::InvalidArgument(
          "cannot resume the backup in " + job->storage->Uri() + ": GC safe point " +
          std::to_string(gc_safe_point) + " is past its " +
          (job->last_backup_ts != 0 ? "--lastbackupts " : "backup ts ") + std::to_string(oldest) +
          " (the service safe point kept for the resume, --gcttl-resume " +
          std::to_string(job->checkpoint->resume_gcttl_seconds) +
          " s, expired); start afresh in an empty path");
    }
    return Status::InvalidArgument(
        "GC safe point " + std::to_string(gc_safe_point) + " is past the " +
        (job->last_backup_ts != 0 ? "--lastbackupts " : "backup ts ") + std::to_string(oldest) +
        ": versions at that ts may already be garbage-collected; take a full backup at a "
        "newer ts");
  }
  SafePointKeeperOptions ko;
  ko.service_id = job->checkpoint.has_value() && !job->checkpoint->service_id.empty()
                      ? job->checkpoint->service_id
                      : NewBrServiceId();
  ko.safe_point = oldest - 1;
  // The registration outlives a br that is killed outright by --gcttl-resume, so the job can
  // still be resumed; it is renewed every --gcttl/5 and removed when the backup ends cleanly.
  ko.ttl_seconds = std::max(c.gcttl_seconds, c.resume_gcttl_seconds);
  ko.interval = milliseconds(std::max<int64_t>(1000, c.gcttl_seconds * 1000 / 5));
  auto keeper = SafePointKeeper::Start(pd, ko);
  if (!keeper.ok() && job->checkpoint.has_value()) {
    return keeper.status().WithContext("cannot resume the backup in " + job->storage->Uri() +
                                       " (start afresh in an empty path)");
  }
  if (!keeper.ok()) return keeper.status();
  job->keeper = std::move(keeper).value();
  return Status::OK();
}

Status Plan(BackupJob* job) {
  const BackupConfig& c = *job->config;
  if (c.scope.kind == BackupKind::kRaw) {
    ASSIGN_OR_RETURN(job->plan, PlanRawBackup(c.raw_start, c.raw_end));
    return Status::OK();
  }
  table::SnapshotReader now_reader(job->cluster->GetSnapshot(job->backup_ts));
  auto now_catalog = NewMetaCatalogSource(&now_reader);
  auto plan = PlanTableBackup(now_catalog.get(), c.scope);
  if (!plan.ok()) return plan.status();
  job->plan = std::move(plan).value();
  if (job->last_backup_ts != 0) {
    table::SnapshotReader old_reader(job->cluster->GetSnapshot(job->last_backup_ts));
    auto old_catalog = NewMetaCatalogSource(&old_reader);
    auto ddls = BuildIncrementalDdls(old_catalog.get(), job->plan, job->backup_ts);
    if (!ddls.ok()) return ddls.status().WithContext("reading the catalog at --lastbackupts");
    job->ddls = std::move(ddls).value();
  }
  return Status::OK();
}

::backup::BackupRequest BuildRequest(const BackupJob& job) {
  const BackupConfig& c = *job.config;
  BackupRequestParams p;
  p.cluster_id = job.cluster->pd()->cluster_id();
  p.start_version = job.last_backup_ts;
  p.end_version = job.backup_ts;
  p.ratelimit_mib = c.ratelimit_mib;
  p.concurrency = c.concurrency;
  p.backend = job.backend;
  p.send_credentials = c.send_credentials;
  p.is_raw_kv = c.scope.kind == BackupKind::kRaw;
  p.cf = c.raw_cf;
  p.compression = c.compression;
  p.compression_level = c.compression_level;
  p.cipher = c.cipher;
  p.unique_id = job.keeper != nullptr ? job.keeper->service_id() : "br";
  return BuildBackupRequest(p);
}

std::string TableName(const PlannedSchema& s) {
  return s.db.name.O + "." + (s.table ? s.table->name.O : std::string());
}

// Compares each table's file checksums with what the nodes compute at the backup ts
// (backup_checksum.h; several tables at once).
Status VerifyChecksums(BackupJob* job, const std::map<int64_t, Checksum>& from_files) {
  const BackupConfig& c = *job->config;
  std::vector<TableChecksumCheck> checks;
  for (const PlannedSchema& s : job->plan.schemas) {
    if (!s.table || s.ranges.empty()) continue;
    TableChecksumCheck check;
    check.name = TableName(s);
    check.table = &*s.table;
    auto it = from_files.find(s.table->id);
    if (it != from_files.end()) check.from_files = it->second;
    checks.push_back(std::move(check));
  }
  ProgressOptions po;
  po.title = "Checksum";
  po.unit = "tables";
  po.total = checks.size();
  po.tty = c.progress_tty;
  po.interval = c.progress_interval;
  po.out = c.progress_out;
  po.on_update = c.on_progress;
  Progress progress(po);
  std::atomic<size_t> done{0};
  VerifyBackupChecksumsOptions vo;
  vo.concurrency = static_cast<int>(std::clamp<uint32_t>(c.concurrency * 2, 4, 16));
  vo.on_table_done = [&](const TableChecksumCheck& t, const Checksum& sum) {
    LOG_INFO("checksum of {} matches: crc64xor={} kvs={} bytes={}", t.name, sum.crc64xor,
             sum.total_kvs, sum.total_bytes);
    progress.Update(done.fetch_add(1) + 1);
  };
  RETURN_IF_ERROR(VerifyBackupChecksums(job->cluster.get(), checks, job->backup_ts, vo));
  progress.Finish();
  return Status::OK();
}

}  // namespace

std::string BackupTitle(BackupKind kind, bool incremental) {
  switch (kind) {
    case BackupKind::kFull:
      return incremental ? "Incremental Backup" : "Full Backup";
    case BackupKind::kDatabase:
      return incremental ? "Incremental Database Backup" : "Database Backup";
    case BackupKind::kTable:
      return incremental ? "Incremental Table Backup" : "Table Backup";
    case BackupKind::kRaw:
      return "Raw Backup";
  }
  return "Backup";
}

Status ValidateBackupConfig(const BackupConfig& c) {
  if (c.pd.empty()) return Status::InvalidArgument("--pd is required (PD address HOST:PORT)");
  if (c.storage_url.empty()) {
    return Status::InvalidArgument("-s/--storage is required (e.g. local:///data/backup1)");
  }
  {
    auto backend = storage::ParseBackend(c.storage_url);
    if (!backend.ok()) return backend.status().WithContext("-s/--storage");
    if (std::holds_alternative<storage::MemStoreBackend>(*backend)) {
      return Status::InvalidArgument(
          "-s/--storage: memstore:// lives inside one process and cannot be shared with the "
          "storage nodes; use local:// or an object store");
    }
  }
  if (Status s = sst::ValidateCipher(c.cipher); !s.ok()) return s.WithContext("--crypter");
  if (c.scope.kind == BackupKind::kRaw) {
    if (!c.raw_end.empty() && c.raw_end <= c.raw_start) {
      return Status::InvalidArgument("raw backup range is empty: --end must be after --start");
    }
    if (c.raw_cf != "default") {
      return Status::InvalidArgument("--cf " + c.raw_cf + ": raw KV lives in CF \"default\" only");
    }
    if (!c.last_backup_ts.empty()) {
      return Status::InvalidArgument("--lastbackupts: raw backups are always full");
    }
  }
  if (!c.backup_ts.empty()) {
    auto ts = ParseTS(c.backup_ts, c.ts_options);
    if (!ts.ok()) return ts.status().WithContext("--backupts");
  }
  if (!c.last_backup_ts.empty()) {
    auto ts = ParseTS(c.last_backup_ts, c.ts_options);
    if (!ts.ok()) return ts.status().WithContext("--lastbackupts");
    if (*ts == 0) return Status::InvalidArgument("--lastbackupts must be a positive TSO");
  }
  if (c.gcttl_seconds <= 0) {
    return Status::InvalidArgument("--gcttl must be a positive number of seconds");
  }
  if (c.resume_gcttl_seconds < 0) {
    return Status::InvalidArgument("--gcttl-resume must be 0 or a positive number of seconds");
  }
  if (c.checkpoint_interval.count() < 0) {
    return Status::InvalidArgument("--checkpoint-interval must not be negative");
  }
  if (c.concurrency == 0 || c.concurrency > 256) {
    return Status::InvalidArgument("--concurrency must be between 1 and 256");
  }
  if (c.compression_level < -131072 || c.compression_level > 22) {
    return Status::InvalidArgument("--compression-level " + std::to_string(c.compression_level) +
                                   " is out of range");
  }
  if (c.compression == sst::CompressionType::kUnknown) {
    return Status::InvalidArgument("--compression must be lz4, snappy or zstd");
  }
  if (c.backup_timeout.count() <= 0) {
    return Status::InvalidArgument("--backup-timeout must be positive");
  }
  if (c.stream_idle_timeout.count() <= 0) {
    return Status::InvalidArgument("--stream-idle-timeout must be positive");
  }
  return Status::OK();
}

namespace {

// What a run that stopped leaves behind, by how far it got (see the top of backup_runner.h).
struct StopPolicy {
  BackupJob* job = nullptr;
  LockHolder* holder = nullptr;
  CheckpointWriter* checkpoint = nullptr;
  // True once a range was sent to a node (or the job is a resume): from then on the lock,
  // the checkpoint and the service safe point stay for a resume.
  bool resumable = false;
};

// Cleans up after a failure and returns the error to report.
Status StopWith(const StopPolicy& p, Status error) {
  BackupJob& job = *p.job;
  const BackupConfig& c = *job.config;
  if (!p.resumable) {
    if (job.keeper) (void)job.keeper->Stop();
    if (job.storage) {
      (void)RemoveBackupCheckpoint(job.storage.get());
      Status r = ReleaseBackupLock(job.storage.get(), *p.holder);
      if (!r.ok()) LOG_WARN("cannot remove backup.lock: {}", r.ToString());
    }
    return error;
  }
  // Tests pause here to deliver a second signal while the progress is being saved.
  (void)failpoint::Eval("br.backup.before-save-on-stop");
  if (p.checkpoint != nullptr) {
    Status s = p.checkpoint->Close();
    if (!s.ok()) LOG_WARN("the last progress could not be saved: {}", s.ToString());
  }
  std::string kept;
  if (job.keeper) {
    if (c.resume_gcttl_seconds > 0 && job.keeper->StopAndKeep(c.resume_gcttl_seconds).ok()) {
      kept = "; GC keeps the backup ts for " + std::to_string(c.resume_gcttl_seconds) +
             " s, --gcttl-resume";
    } else {
      (void)job.keeper->Stop();
    }
  }
  const std::string saved = "progress saved in " + job.storage->Uri() + "/checkpoints" + kept;
  LOG_WARN("backup stopped: {}; {}; rerun the same command to resume", error.ToString(), saved);
  if (c.interrupt != nullptr && c.interrupt->requested()) {
    return Status::Aborted("interrupted by " + c.interrupt->SignalName() +
                           ": rerun the same command to resume (" + saved + ")");
  }
  return error.WithContext("backup stopped; rerun the same command to resume it (" + saved + ")");
}

// Stops with Aborted when the interrupt was requested.
Status CheckInterrupt(const BackupConfig& c) {
  if (c.interrupt != nullptr && c.interrupt->requested()) {
    return Status::Aborted("interrupted by " + c.interrupt->SignalName());
  }
  return Status::OK();
}

}  // namespace

Result<BackupResult> RunBackup(const BackupConfig& c) {
  RETURN_IF_ERROR(ValidateBackupConfig(c));
  BackupJob job;
  job.config = &c;
  job.start = Clock::now();
  const bool incremental = IsIncremental(c);
  const std::string title = BackupTitle(c.scope.kind, incremental);

  // 1. Storage: claim the path before touching the cluster.
  ASSIGN_OR_RETURN(job.backend, storage::ParseBackend(c.storage_url));
  storage::StorageOptions so;
  so.default_timeout = c.storage_timeout;
  ASSIGN_OR_RETURN(job.storage, storage::CreateStorage(job.backend, so));
  LOG_INFO("{}: to {}", title, job.storage->Uri());
  LockHolder holder = ThisProcessHolder();
  holder.fingerprint = BackupFingerprint(c);
  ASSIGN_OR_RETURN(LockClaim claim, ClaimBackupLock(job.storage.get(), &holder));
  StopPolicy stop;
  stop.job = &job;
  stop.holder = &holder;
  if (claim.resumed) {
    ASSIGN_OR_RETURN(job.checkpoint, LoadCheckpointMeta(job.storage.get()));
    if (job.checkpoint.has_value() && job.checkpoint->job_id != holder.job_id) {
      return Status::Corruption("the saved progress in " + job.storage->Uri() + " belongs to job " +
                                job.checkpoint->job_id + ", backup.lock to job " + holder.job_id +
                                "; the path was modified by hand: choose an empty path");
    }
    // A job that stopped before it saved its ts starts its work afresh under the same lock.
    stop.resumable = job.checkpoint.has_value();
    LOG_INFO("{}: resuming backup job {} (previous run: pid {} on {})", title, holder.job_id,
             claim.previous.pid, claim.previous.host);
  } else {
    LOG_INFO("{}: backup job {}", title, holder.job_id);
  }
  auto fail = [&stop](Status s) { return StopWith(stop, std::move(s)); };
  if (Status s = CheckInterrupt(c); !s.ok()) return fail(s);

  // 2. Cluster, timestamps, GC safe point.
  client::ClusterOptions co;
  co.pd_address = c.pd;
  co.rpc_timeout_ms = std::min<int64_t>(c.pd_timeout_ms, 10000);
  co.retry_budget_ms = c.pd_timeout_ms;
  auto cluster = client::Cluster::Connect(co);
  if (!cluster.ok()) {
    return fail(cluster.status().WithContext("cannot reach PD at " + c.pd +
                                             "; check --pd and that the cluster is running"));
  }
  job.cluster = std::move(cluster).value();
  if (Status s = CheckStores(&job); !s.ok()) return fail(s);
  if (Status s = ResolveTimestamps(&job); !s.ok()) return fail(s);
  LOG_INFO("{}: backup ts {}, last backup ts {}, service safe point {}", title, job.backup_ts,
           job.last_backup_ts, job.keeper->service_id());

  // 3. What to back up.
  if (Status s = Plan(&job); !s.ok()) return fail(s);
  LOG_INFO("{}: {} databases, {} tables, {} ranges, {} DDL entries", title, job.plan.databases,
           job.plan.tables, job.plan.ranges.size(), job.ddls.size());
  if (Status s = CheckInterrupt(c); !s.ok()) return fail(s);

  // 4. Progress: record the job (a new one), or take over what the interrupted run finished.
  if (!job.checkpoint.has_value()) {
    BackupCheckpointMeta cp;
    cp.job_id = holder.job_id;
    cp.backup_ts = job.backup_ts;
    cp.last_backup_ts = job.last_backup_ts;
    cp.cluster_id = job.cluster->pd()->cluster_id();
    cp.service_id = job.keeper->service_id();
    cp.resume_gcttl_seconds = c.resume_gcttl_seconds;
    cp.fingerprint = holder.fingerprint;
    if (Status s = SaveCheckpointMeta(job.storage.get(), cp); !s.ok()) return fail(s);
  }
  stop.resumable = true;
  MetaWriterOptions mo;
  mo.cipher = c.cipher;
  storage::ExternalStorage* storage = job.storage.get();
  mo.before_commit = [storage, &holder] { return VerifyBackupLockHeld(storage, holder); };
  auto meta_or = MetaWriter::Open(job.storage.get(), mo);
  if (!meta_or.ok()) return fail(meta_or.status());
  std::unique_ptr<MetaWriter> meta = std::move(meta_or).value();

  std::map<int64_t, Checksum> table_sums;
  auto add_sums = [&table_sums](const ::backup::BackupResponse& resp) {
    for (const ::backup::File& f : resp.files()) {
      Checksum part;
      part.crc64xor = f.crc64xor();
      part.total_kvs = f.total_kvs();
      part.total_bytes = f.total_bytes();
      table_sums[catalog::DecodeTableID(f.start_key())].Merge(part);
    }
  };
  BackupResult result;
  BackupClientStats reused_stats;
  std::unordered_set<std::string> file_names;
  std::vector<KeyRange> todo = job.plan.ranges;
  std::optional<LoadedRanges> loaded;
  if (claim.resumed) {
    auto l = LoadFinishedRanges(storage, c.cipher);
    if (!l.ok()) return fail(l.status());
    loaded = std::move(l).value();
  }
  // Started before the (possibly long) checks of a resume, so the lock's heartbeat keeps
  // being renewed.
  CheckpointWriterOptions cwo;
  cwo.cipher = c.cipher;
  cwo.interval =
      c.checkpoint_interval.count() > 0 ? c.checkpoint_interval : std::chrono::milliseconds(30000);
  cwo.first_seq = loaded.has_value() ? loaded->next_seq : 1;
  // A checkpoint save that fails is not fatal (its ranges are redone by a resume): retry it
  // briefly, so a storage outage does not hold up the backup's stop.
  cwo.io.retry.budget_ms = 5000;
  // ... and bound each call too: a storage that accepts connections but never answers (or a
  // pooled connection to a server that died) would otherwise hold the stop for the storage's
  // whole default timeout.
  cwo.io.call_timeout = std::chrono::milliseconds(10000);
  const MetaIoOptions refresh_io = cwo.io;
  cwo.after_flush = [storage, &holder, refresh_io] {
    return RefreshBackupLock(storage, &holder, refresh_io);
  };
  CheckpointWriter checkpoint(storage, cwo);
  stop.checkpoint = &checkpoint;
  const bool flush_each = c.checkpoint_interval.count() == 0;
  if (loaded.has_value()) {
    if (Status s = DeleteStaleMetaLeaves(storage); !s.ok()) return fail(s);
    auto reused = VerifyReusedRanges(storage, std::move(loaded->ranges),
                                     static_cast<int>(std::clamp<uint32_t>(c.concurrency, 2, 16)));
    if (!reused.ok()) return fail(reused.status());
    RangeTree done;
    for (const ::backup::BackupResponse& r : reused->kept) {
      // Saved ranges never overlap; one that does (a damaged checkpoint) is backed up again.
      if (!done.Insert(KeyRange{r.start_key(), r.end_key()}).ok()) continue;
      std::vector<::backup::File> files(r.files().begin(), r.files().end());
      if (!files.empty()) {
        if (Status s = meta->AppendDataFiles(files); !s.ok()) return fail(s);
      }
      add_sums(r);
      for (const ::backup::File& f : files) {
        file_names.insert(f.name());
        ++reused_stats.files;
        reused_stats.total_kvs += f.total_kvs();
        reused_stats.total_bytes += f.total_bytes();
        reused_stats.total_size += f.size();
      }
      ++result.reused_ranges;
    }
    todo = done.GetIncompleteRanges(job.plan.ranges);
    result.resumed = true;
    result.reused_files = reused_stats.files;
    LOG_INFO(
        "{}: resume reuses {} finished ranges ({} files, {} bytes; sha256 checked, {} "
        "ranges redone for a missing or changed file); {} ranges left to back up",
        title, result.reused_ranges, reused_stats.files, reused_stats.total_size, reused->dropped,
        todo.size());
  }
  ProgressOptions po;
  po.title = title;
  po.unit = "ranges";
  po.total = todo.size();
  po.tty = c.progress_tty;
  po.interval = c.progress_interval;
  po.out = c.progress_out;
  po.on_update = c.on_progress;
  auto progress = std::make_unique<Progress>(po);

  BackupClientOptions bco;
  bco.request = BuildRequest(job);
  bco.fine_grained_timeout = c.backup_timeout;
  BackupClientHooks hooks;
  hooks.on_piece = [&](const ::backup::BackupResponse& resp) -> Status {
    add_sums(resp);
    for (const ::backup::File& f : resp.files()) file_names.insert(f.name());
    if (resp.files_size() > 0) {
      std::vector<::backup::File> files(resp.files().begin(), resp.files().end());
      RETURN_IF_ERROR(meta->AppendDataFiles(files));
    }
    checkpoint.Add(resp);
    if (flush_each) RETURN_IF_ERROR(checkpoint.Flush());
    FAIL_POINT("br.backup.after-piece");
    return Status::OK();
  };
  const uint64_t backup_ts = job.backup_ts;
  client::Cluster* cl = job.cluster.get();
  hooks.resolve_lock = [cl, backup_ts](const kvrpcpb::LockInfo& lock) -> Status {
    Backoffer bo(cl->backoff_options());
    return cl->lock_resolver()->ResolveLocks(&bo, backup_ts, {lock});
  };
  Progress* progress_ptr = progress.get();
  hooks.on_progress = [progress_ptr](size_t done, size_t) { progress_ptr->Update(done); };

  GrpcBackupSenderOptions gso;
  gso.idle_timeout = c.stream_idle_timeout;
  auto sender = NewGrpcBackupSender(job.cluster->channels(), gso);
  auto topology = NewPdBackupTopology(job.cluster->pd());
  BackupClient client(topology.get(), sender.get(), bco, hooks);
  Result<BackupClientStats> stats = BackupClientStats{};
  {
    ScopedInterruptHook cancel(c.interrupt, [&client, &c] {
      client.Cancel(Status::Aborted("interrupted by " + c.interrupt->SignalName()));
    });
    stats = client.BackupRanges(todo);
  }
  progress->Finish();
  progress.reset();
  if (!stats.ok()) return fail(stats.status());
  if (Status s = job.keeper->status(); !s.ok()) return fail(s);
  // Every range is saved: a stop from here on redoes no range.
  if (Status s = checkpoint.Flush(); !s.ok()) LOG_WARN("{}", s.ToString());
  if (Status s = CheckInterrupt(c); !s.ok()) return fail(s);

  // 5. Table checksums (full transactional backups).
  if (c.scope.kind != BackupKind::kRaw && !incremental && c.checksum) {
    if (Status s = VerifyChecksums(&job, table_sums); !s.ok()) return fail(s);
  } else {
    LOG_INFO("{}: table checksum skipped ({})", title,
             c.scope.kind == BackupKind::kRaw ? "raw backup"
             : incremental                    ? "incremental backup"
                                              : "--checksum=false");
  }
  if (Status s = CheckInterrupt(c); !s.ok()) return fail(s);

  // 6. Schemas, DDLs, root backupmeta.
  std::vector<::backup::Schema> schemas;
  for (const PlannedSchema& s : job.plan.schemas) {
    ::backup::Schema pb;
    pb.set_db(catalog::ToJson(s.db));
    if (s.table) {
      pb.set_table(catalog::ToJson(*s.table));
      if (!incremental) {
        auto it = table_sums.find(s.table->id);
        if (it != table_sums.end()) {
          pb.set_crc64xor(it->second.crc64xor);
          pb.set_total_kvs(it->second.total_kvs);
          pb.set_total_bytes(it->second.total_bytes);
        }
      }
    }
    schemas.push_back(std::move(pb));
    if (schemas.size() >= 256) {
      if (Status st = meta->AppendSchemas(schemas); !st.ok()) return fail(st);
      schemas.clear();
    }
  }
  if (!schemas.empty()) {
    if (Status st = meta->AppendSchemas(schemas); !st.ok()) return fail(st);
  }
  for (const std::string& ddl : job.ddls) {
    if (Status st = meta->AppendDdl(ddl); !st.ok()) return fail(st);
  }
  if (claim.resumed) {
    // SSTs the interrupted run uploaded after its last save are not listed: remove them.
    auto orphans = DeleteOrphanFiles(storage, file_names);
    if (!orphans.ok()) return fail(orphans.status());
    if (*orphans > 0) {
      LOG_INFO("{}: deleted {} files of the interrupted run that no range uses", title, *orphans);
    }
  }

  result.backup_ts = job.backup_ts;
  result.cluster_id = job.cluster->pd()->cluster_id();
  result.tables = job.plan.tables;
  result.databases = job.plan.databases;
  BackupSummary& sum = result.summary;
  sum.title = title;
  sum.ranges = job.plan.ranges.size();
  sum.files = stats->files + reused_stats.files;
  sum.total_kvs = stats->total_kvs + reused_stats.total_kvs;
  sum.total_bytes = stats->total_bytes + reused_stats.total_bytes;
  sum.data_size = stats->total_size + reused_stats.total_size;
  sum.backup_ts = job.backup_ts;
  sum.last_backup_ts = job.last_backup_ts;
  if (claim.resumed) {
    LOG_INFO("{}: this run backed up {} ranges ({} files, {} bytes); {} files reused", title,
             stats->ranges, stats->files, stats->total_size, reused_stats.files);
  }

  ::backup::BackupMeta root;
  root.set_cluster_id(result.cluster_id);
  root.set_cluster_version(job.cluster_version);
  root.set_start_version(job.last_backup_ts);
  root.set_end_version(job.backup_ts);
  root.set_br_version(BrVersionInfo());
  root.set_is_raw_kv(c.scope.kind == BackupKind::kRaw);
  if (root.is_raw_kv()) {
    ::backup::RawRange* rr = root.add_raw_ranges();
    rr->set_start_key(c.raw_start);
    rr->set_end_key(c.raw_end);
    rr->set_cf(c.raw_cf);
  }
  root.set_api_version(kvrpcpb::V1);
  root.set_new_collations_enabled("False");
  root.set_mode(::backup::SCAN);
  sum.take = std::chrono::duration_cast<milliseconds>(Clock::now() - job.start);
  root.set_backup_result(FormatBackupSummary(sum));
  // The last check before the commit point: the versions read must still be protected.
  if (Status s = job.keeper->status(); !s.ok()) return fail(s);
  if (Status s = meta->Finish(std::move(root)); !s.ok()) return fail(s);
  // Committed: the progress is no longer needed, nor the service safe point.
  stop.checkpoint = nullptr;
  (void)checkpoint.Close();
  if (Status s = RemoveBackupCheckpoint(storage); !s.ok()) {
    LOG_WARN("{}: cannot delete the checkpoint objects (harmless): {}", title, s.ToString());
  }
  (void)job.keeper->Stop();
  sum.take = std::chrono::duration_cast<milliseconds>(Clock::now() - job.start);
  LOG_INFO("{}", FormatBackupSummary(sum));
  return result;
}

}  // namespace brkv::br
