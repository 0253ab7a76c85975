#include "br/backup_runner.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>

#include "br/backup_checksum.h"
#include "br/backup_client.h"
#include "br/backup_lock.h"
#include "br/backup_request.h"
#include "br/meta_writer.h"
#include "br/safe_point_keeper.h"
#include "br/version.h"
#include "catalog/tablecodec.h"
#include "client/cluster.h"
#include "client/lock_resolver.h"
#include "common/checksum.h"
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
  ASSIGN_OR_RETURN(std::vector<pdpb::StoreInfo> stores, job->cluster->pd()->GetAllStores());
  std::vector<std::string> down;
  std::string version;
  for (const pdpb::StoreInfo& s : stores) {
    if (s.store().state() == metapb::Tombstone) continue;
    if (version.empty() || (!s.store().version().empty() && s.store().version() < version)) {
      version = s.store().version();
    }
    if (s.is_down() || s.store().state() != metapb::Up) {
      down.push_back(std::to_string(s.store().id()) + " (" + s.store().address() + ")");
    }
  }
  job->cluster_version = version;
  if (stores.empty()) return Status::Unavailable("PD lists no store; is the cluster running?");
  if (!down.empty() && job->config->check_requirements) {
    std::string list;
    for (const auto& d : down) list += (list.empty() ? "" : ", ") + d;
    return Status::Unavailable("store " + list +
                               " is down: the regions it leads cannot be backed up; bring it "
                               "back (kvctl stores shows the state) or pass "
                               "--check-requirements=false to try anyway");
  }
  return Status::OK();
}

Status ResolveTimestamps(BackupJob* job) {
  const BackupConfig& c = *job->config;
  client::PdClient* pd = job->cluster->pd();
  ASSIGN_OR_RETURN(uint64_t now_ts, pd->GetTS());
  if (c.backup_ts.empty()) {
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
  if (IsIncremental(c)) {
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
    return Status::InvalidArgument(
        "GC safe point " + std::to_string(gc_safe_point) + " is past the " +
        (job->last_backup_ts != 0 ? "--lastbackupts " : "backup ts ") + std::to_string(oldest) +
        ": versions at that ts may already be garbage-collected; take a full backup at a "
        "newer ts");
  }
  SafePointKeeperOptions ko;
  ko.service_id = NewBrServiceId();
  ko.safe_point = oldest - 1;
  ko.ttl_seconds = c.gcttl_seconds;
  ASSIGN_OR_RETURN(job->keeper, SafePointKeeper::Start(pd, ko));
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

Result<BackupResult> RunBackup(const BackupConfig& c) {
  RETURN_IF_ERROR(ValidateBackupConfig(c));
  BackupJob job;
  job.config = &c;
  job.start = Clock::now();
  const bool incremental = IsIncremental(c);
  const std::string title = BackupTitle(c.scope.kind, incremental);

  // 1. Storage: refuse a used path before touching the cluster.
  ASSIGN_OR_RETURN(job.backend, storage::ParseBackend(c.storage_url));
  storage::StorageOptions so;
  so.default_timeout = c.storage_timeout;
  ASSIGN_OR_RETURN(job.storage, storage::CreateStorage(job.backend, so));
  LOG_INFO("{}: to {}", title, job.storage->Uri());
  RETURN_IF_ERROR(CheckBackupPathIsFree(job.storage.get()));

  // 2. Cluster, timestamps, GC safe point.
  client::ClusterOptions co;
  co.pd_address = c.pd;
  co.rpc_timeout_ms = std::min<int64_t>(c.pd_timeout_ms, 10000);
  co.retry_budget_ms = c.pd_timeout_ms;
  auto cluster = client::Cluster::Connect(co);
  if (!cluster.ok()) {
    return cluster.status().WithContext("cannot reach PD at " + c.pd +
                                        "; check --pd and that the cluster is running");
  }
  job.cluster = std::move(cluster).value();
  RETURN_IF_ERROR(CheckStores(&job));
  RETURN_IF_ERROR(ResolveTimestamps(&job));
  LOG_INFO("{}: backup ts {}, last backup ts {}, service safe point {}", title, job.backup_ts,
           job.last_backup_ts, job.keeper->service_id());

  // 3. What to back up.
  RETURN_IF_ERROR(Plan(&job));
  LOG_INFO("{}: {} databases, {} tables, {} ranges, {} DDL entries", title, job.plan.databases,
           job.plan.tables, job.plan.ranges.size(), job.ddls.size());

  // 4. Claim the path, then back up the ranges, streaming files into the metadata.
  RETURN_IF_ERROR(CheckAndLock(job.storage.get()));
  MetaWriterOptions mo;
  mo.cipher = c.cipher;
  ASSIGN_OR_RETURN(std::unique_ptr<MetaWriter> meta, MetaWriter::Open(job.storage.get(), mo));

  std::map<int64_t, Checksum> table_sums;
  ProgressOptions po;
  po.title = title;
  po.unit = "ranges";
  po.total = job.plan.ranges.size();
  po.tty = c.progress_tty;
  po.interval = c.progress_interval;
  po.out = c.progress_out;
  auto progress = std::make_unique<Progress>(po);

  BackupClientOptions bco;
  bco.request = BuildRequest(job);
  bco.fine_grained_timeout = c.backup_timeout;
  BackupClientHooks hooks;
  hooks.on_piece = [&](const ::backup::BackupResponse& resp) -> Status {
    if (resp.files_size() == 0) return Status::OK();
    std::vector<::backup::File> files(resp.files().begin(), resp.files().end());
    for (const ::backup::File& f : files) {
      Checksum part;
      part.crc64xor = f.crc64xor();
      part.total_kvs = f.total_kvs();
      part.total_bytes = f.total_bytes();
      table_sums[catalog::DecodeTableID(f.start_key())].Merge(part);
    }
    return meta->AppendDataFiles(files);
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
  auto stats = client.BackupRanges(job.plan.ranges);
  progress->Finish();
  progress.reset();
  if (!stats.ok()) return stats.status();
  RETURN_IF_ERROR(job.keeper->status());

  // 5. Table checksums (full transactional backups).
  if (c.scope.kind != BackupKind::kRaw && !incremental && c.checksum) {
    RETURN_IF_ERROR(VerifyChecksums(&job, table_sums));
  } else {
    LOG_INFO("{}: table checksum skipped ({})", title,
             c.scope.kind == BackupKind::kRaw ? "raw backup"
             : incremental                    ? "incremental backup"
                                              : "--checksum=false");
  }

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
      RETURN_IF_ERROR(meta->AppendSchemas(schemas));
      schemas.clear();
    }
  }
  if (!schemas.empty()) RETURN_IF_ERROR(meta->AppendSchemas(schemas));
  for (const std::string& ddl : job.ddls) RETURN_IF_ERROR(meta->AppendDdl(ddl));

  BackupResult result;
  result.backup_ts = job.backup_ts;
  result.cluster_id = job.cluster->pd()->cluster_id();
  result.tables = job.plan.tables;
  result.databases = job.plan.databases;
  BackupSummary& sum = result.summary;
  sum.title = title;
  sum.ranges = stats->ranges;
  sum.files = stats->files;
  sum.total_kvs = stats->total_kvs;
  sum.total_bytes = stats->total_bytes;
  sum.data_size = stats->total_size;
  sum.backup_ts = job.backup_ts;
  sum.last_backup_ts = job.last_backup_ts;

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
  RETURN_IF_ERROR(job.keeper->status());
  RETURN_IF_ERROR(meta->Finish(std::move(root)));
  (void)job.keeper->Stop();
  sum.take = std::chrono::duration_cast<milliseconds>(Clock::now() - job.start);
  LOG_INFO("{}", FormatBackupSummary(sum));
  return result;
}

}  // namespace brkv::br
