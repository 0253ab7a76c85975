#include "common/metrics.h"
#include "backup/backup_endpoint.h"

#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <system_error>
#include <thread>
#include <vector>

#include "backup/backup_scanner.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "common/rate_limiter.h"
#include "sst/backup_writer.h"

namespace brkv::backup {

namespace {

constexpr std::string_view kStagedSuffix = ".staging";
// Scanned bytes charged to the request's rate limiter at once.
constexpr uint64_t kScanChargeChunk = 256 << 10;

// Why a piece failed, with the detail BR acts on.
struct PieceFailure {
  std::optional<errorpb::Error> region_error;
  std::optional<kvrpcpb::LockInfo> lock;
};

// TiKV's backup metrics (components/backup/src/metrics.rs names).
metrics::Histogram& RequestDuration() {
  static auto& h = metrics::Default()
                       .Histogram("tikv_backup_request_duration_seconds",
                                  "Bucketed histogram of backup requests duration", {},
                                  metrics::ExponentialBuckets(0.01, 2, 16))
                       .With({});
  return h;
}
metrics::Family<metrics::Histogram>& RangeDuration() {
  static auto& f = metrics::Default().Histogram(
      "tikv_backup_range_duration_seconds", "Bucketed histogram of backup range duration",
      {"type"}, metrics::ExponentialBuckets(0.001, 2, 20));
  return f;
}
metrics::Family<metrics::Histogram>& RangeSize() {
  static auto& f = metrics::Default().Histogram(
      "tikv_backup_range_size_bytes", "Bucketed histogram of backup range size (one per file)",
      {"cf"}, metrics::ExponentialBuckets(32, 2, 24));
  return f;
}
metrics::Family<metrics::Counter>& BackupErrors() {
  static auto& f = metrics::Default().Counter("tikv_backup_error_counter",
                                              "Total number of backup errors", {"error"});
  return f;
}

void FillError(const Status& s, const PieceFailure& f, brpb::Error* e) {
  if (f.region_error) {
    e->set_msg(f.region_error->message());
    *e->mutable_region_error() = *f.region_error;
  } else if (f.lock) {
    e->set_msg(s.message());
    *e->mutable_kv_error()->mutable_locked() = *f.lock;
  } else {
    e->set_msg(s.ToString());
  }
}

std::string DescribePiece(const BackupPieceSpec& p) {
  return "region " + std::to_string(p.region.id()) + " range [" + codec::Escape(p.raw_start) +
         ", " + codec::Escape(p.raw_end) + ")";
}

// Removes staged files a crashed process left behind. Best effort.
void RemoveStaleStaged(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(kStagedSuffix)) std::filesystem::remove(entry.path(), ec);
  }
}

// Backup workers are CPU-bound background work next to the node's latency-sensitive request
// threads. Best effort: a refusal leaves the thread as it is.
void LowerWorkerPriority(const BackupEndpointOptions& o) {
#ifdef __linux__
  if (o.batch_scheduling) {
    sched_param param{};
    param.sched_priority = 0;
    (void)pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
  }
  if (o.worker_nice > 0) {
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), std::min(o.worker_nice, 19));
  }
#endif
}

}  // namespace

brpb::File ToProtoFile(const sst::BackupFileInfo& f) {
  brpb::File p;
  p.set_name(f.name);
  p.set_sha256(f.sha256);
  p.set_start_key(f.start_key);
  p.set_end_key(f.end_key);
  p.set_start_version(f.start_version);
  p.set_end_version(f.end_version);
  p.set_crc64xor(f.crc64xor);
  p.set_total_kvs(f.total_kvs);
  p.set_total_bytes(f.total_bytes);
  p.set_cf(f.cf);
  p.set_size(f.size);
  p.set_cipher_iv(f.cipher_iv);
  return p;
}

// The state of one request while its pieces run.
struct BackupEndpoint::Job {
  const BackupTask* task = nullptr;
  const ResponseSink* sink = nullptr;
  std::shared_ptr<storage::ExternalStorage> storage;
  // The request's rate_limit paces the scan and, separately, the upload (each at the rate).
  std::unique_ptr<RateLimiter> scan_limiter;
  std::unique_ptr<RateLimiter> upload_limiter;
  uint64_t store_id = 0;
  std::vector<BackupPieceSpec> pieces;

  std::atomic<bool> stop{false};
  std::atomic<size_t> next_piece{0};

  std::mutex sink_mu;
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t workers_done = 0;  // GUARDED_BY(done_mu)

  // Sends one response unless the job stopped; a failed send stops the job.
  bool Emit(brpb::BackupResponse* resp) {
    resp->set_api_version(kvrpcpb::V1);
    std::lock_guard<std::mutex> l(sink_mu);
    if (stop.load()) return false;
    if (!(*sink)(*resp)) {
      stop.store(true);
      return false;
    }
    return true;
  }
};

BackupEndpoint::BackupEndpoint(server::Engine* engine, server::RegionManager* regions,
                               BackupEndpointOptions options)
    : engine_(engine), regions_(regions), options_(std::move(options)) {}

BackupEndpoint::~BackupEndpoint() = default;

Result<std::unique_ptr<BackupEndpoint>> BackupEndpoint::Open(server::Engine* engine,
                                                             server::RegionManager* regions,
                                                             BackupEndpointOptions options) {
  if (engine == nullptr || regions == nullptr) {
    return Status::InvalidArgument("backup endpoint needs an engine and a region manager");
  }
  if (options.temp_dir.empty()) {
    return Status::InvalidArgument("backup endpoint needs a temp directory");
  }
  if (options.sst_max_size == 0) return Status::InvalidArgument("sst_max_size must be positive");
  if (options.default_concurrency == 0) options.default_concurrency = 1;
  if (options.max_concurrency == 0) options.max_concurrency = 1;
  if (options.max_scan_concurrency == 0) {
    options.max_scan_concurrency = std::clamp(std::thread::hardware_concurrency() / 2, 1u, 8u);
  }
  std::error_code ec;
  std::filesystem::create_directories(options.temp_dir, ec);
  if (ec) {
    return Status::IOError("cannot create backup temp directory " + options.temp_dir + ": " +
                           ec.message());
  }
  RemoveStaleStaged(options.temp_dir);
  std::unique_ptr<BackupAutoTuner> tuner;
  if (options.auto_tune) {
    AutoTuneOptions ao;
    ao.max_threads = options.max_scan_concurrency;
    ao.remain_cores = options.auto_tune_remain_cores;
    ao.interval = options.auto_tune_interval;
    ao.machine_wide = options.auto_tune_machine_wide;
    tuner = std::make_unique<BackupAutoTuner>(ao, NewProcCpuSampler());
    tuner->StartThread();
  }
  if (!options.storage_factory) {
    storage::StorageOptions so;
    so.default_timeout = options.storage_timeout;
    so.sync = options.storage_sync;
    options.storage_factory = [so](const storage::StorageBackend& backend)
        -> Result<std::shared_ptr<storage::ExternalStorage>> {
      ASSIGN_OR_RETURN(std::unique_ptr<storage::ExternalStorage> s,
                       storage::CreateStorage(backend, so));
      return std::shared_ptr<storage::ExternalStorage>(std::move(s));
    };
  }
  std::unique_ptr<BackupEndpoint> endpoint(
      new BackupEndpoint(engine, regions, std::move(options)));
  endpoint->tuner_ = std::move(tuner);
  return endpoint;
}

void BackupEndpoint::Backup(const brpb::BackupRequest& request, const ResponseSink& sink,
                            const CancelFn& cancelled) {
  auto task = ParseBackupRequest(request);
  if (!task.ok()) {
    LOG_WARN("backup request refused: {}", task.status().ToString());
    brpb::BackupResponse resp;
    resp.set_start_key(request.start_key());
    resp.set_end_key(request.end_key());
    resp.set_api_version(kvrpcpb::V1);
    resp.mutable_error()->set_msg("bad backup request: " + task.status().ToString());
    (void)sink(resp);
    return;
  }
  Backup(*task, sink, cancelled);
}

void BackupEndpoint::Backup(const BackupTask& task, const ResponseSink& sink,
                            const CancelFn& cancelled) {
  const auto request_start = std::chrono::steady_clock::now();
  struct ObserveOnExit {
    std::chrono::steady_clock::time_point start;
    ~ObserveOnExit() { RequestDuration().Observe(metrics::SecondsSince(start)); }
  } observe{request_start};
  Job job;
  job.task = &task;
  job.sink = &sink;
  // A request-level failure: one error response per requested range.
  auto fail_request = [&](const std::function<void(brpb::Error*)>& fill) {
    for (const RawRange& r : task.ranges) {
      brpb::BackupResponse resp;
      resp.set_start_key(r.start);
      resp.set_end_key(r.end);
      fill(resp.mutable_error());
      if (!job.Emit(&resp)) return;
    }
  };
  auto fail_with = [&](const Status& s) {
    LOG_WARN("backup request failed: {}", s.ToString());
    fail_request([&](brpb::Error* e) { e->set_msg(s.ToString()); });
  };

  if (Status s = ValidateBackupTask(task); !s.ok()) return fail_with(s);
  const std::optional<server::StoreIdent> ident = regions_->store_ident();
  if (task.cluster_id != 0 && ident && ident->cluster_id != 0 &&
      ident->cluster_id != task.cluster_id) {
    LOG_WARN("backup request for cluster {} refused by a store of cluster {}", task.cluster_id,
             ident->cluster_id);
    return fail_request([&](brpb::Error* e) {
      e->set_msg("backup request is for cluster " + std::to_string(task.cluster_id) +
                 " but this store belongs to cluster " + std::to_string(ident->cluster_id));
      e->mutable_cluster_id_error()->set_current(ident->cluster_id);
      e->mutable_cluster_id_error()->set_request(task.cluster_id);
    });
  }
  job.store_id = regions_->store_id();
  if (job.store_id == 0) {
    return fail_with(Status::Unavailable("store has no id yet (still joining the cluster)"));
  }
  auto storage = options_.storage_factory(task.backend);
  if (!storage.ok()) {
    return fail_with(storage.status().WithContext(
        "cannot open backup storage " + storage::FormatBackendUrl(task.backend)));
  }
  job.storage = std::move(storage).value();
  if (task.rate_limit > 0) {
    job.scan_limiter = std::make_unique<RateLimiter>(task.rate_limit);
    job.upload_limiter = std::make_unique<RateLimiter>(task.rate_limit);
  }

  job.pieces = PlanPieces(task.ranges, regions_->GetLedRegions(), task.is_raw_kv);
  const uint32_t wanted = task.concurrency > 0 ? task.concurrency : options_.default_concurrency;
  const size_t workers =
      std::min<size_t>(std::min(wanted, options_.max_concurrency), job.pieces.size());
  LOG_INFO("backup on store {}: {} {} ranges, {} pieces, versions ({}, {}], {} workers, to {}",
           job.store_id, task.ranges.size(), task.is_raw_kv ? "raw" : "txn", job.pieces.size(),
           task.start_version, task.end_version, workers, job.storage->Uri());
  if (workers == 0) return;

  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([this, &job] {
      LowerWorkerPriority(options_);
      const pid_t tid = ::gettid();
      if (tuner_) tuner_->RegisterWorker(tid);
      while (!job.stop.load()) {
        const size_t i = job.next_piece.fetch_add(1);
        if (i >= job.pieces.size()) break;
        if (!AcquireSlot(job)) break;
        RunPiece(&job, job.pieces[i]);
        ReleaseSlot();
      }
      if (tuner_) tuner_->UnregisterWorker(tid);
      std::lock_guard<std::mutex> l(job.done_mu);
      ++job.workers_done;
      job.done_cv.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> l(job.done_mu);
    while (job.workers_done < workers) {
      job.done_cv.wait_for(l, options_.cancel_poll_interval);
      if (cancelled && !job.stop.load() && cancelled()) {
        LOG_INFO("backup on store {} cancelled by the client", job.store_id);
        job.stop.store(true);
      }
    }
  }
  for (auto& t : threads) t.join();
  LOG_INFO("backup on store {} finished {} pieces{}", job.store_id, job.pieces.size(),
           job.stop.load() ? " (stopped early)" : "");
}

bool BackupEndpoint::AcquireSlot(const Job& job) {
  std::unique_lock<std::mutex> l(slots_mu_);
  while (running_pieces_ >= options_.max_concurrency) {
    if (job.stop.load()) return false;
    slots_cv_.wait_for(l, options_.cancel_poll_interval);
  }
  ++running_pieces_;
  return true;
}

void BackupEndpoint::ReleaseSlot() {
  std::lock_guard<std::mutex> l(slots_mu_);
  --running_pieces_;
  slots_cv_.notify_all();
}

bool BackupEndpoint::AcquireScanSlot(const Job& job) {
  std::unique_lock<std::mutex> l(slots_mu_);
  // Auto-tune may hold the scans below the configured maximum while the foreground is busy.
  auto limit = [this] {
    return tuner_ ? std::min(tuner_->threads(), options_.max_scan_concurrency)
                  : options_.max_scan_concurrency;
  };
  while (running_scans_ >= limit()) {
    if (job.stop.load()) return false;
    slots_cv_.wait_for(l, options_.cancel_poll_interval);
  }
  ++running_scans_;
  return true;
}

void BackupEndpoint::ReleaseScanSlot() {
  std::lock_guard<std::mutex> l(slots_mu_);
  --running_scans_;
  slots_cv_.notify_all();
}

void BackupEndpoint::RunPiece(Job* job, const BackupPieceSpec& spec) {
  const BackupTask& task = *job->task;
  std::string answered_until = spec.raw_start;  // raw key up to which responses were sent
  bool answered = false;
  PieceFailure failure;

  auto run = [&]() -> Status {
    FAIL_POINT("backup.before-scan");
    kvrpcpb::Context ctx;
    ctx.set_region_id(spec.region.id());
    *ctx.mutable_region_epoch() = spec.region.region_epoch();
    metapb::Region current;
    errorpb::Error region_error;
    // Only the leader backs a region up, and only once it has applied every write committed
    // before now (ReadIndex): the snapshot then holds everything the backup's ts must see.
    if (Status s = regions_->CheckRead(ctx, &current, &region_error); !s.ok()) {
      if (s.IsRegionError()) failure.region_error = region_error;
      return s;
    }
    server::SnapshotGuard snapshot(engine_);
    // The snapshot is only good if the region was still led here, unchanged, when it was taken.
    if (Status s = regions_->CheckContext(ctx, &current, &region_error); !s.ok()) {
      if (s.IsRegionError()) failure.region_error = region_error;
      return s;
    }
    if (!task.is_raw_kv) {
      kvrpcpb::LockInfo lock;
      Status s = FindBlockingLock(engine_, snapshot.get(), spec.region_start, spec.region_end,
                                  task.end_version, &lock);
      if (s.IsKeyLocked()) failure.lock = lock;
      RETURN_IF_ERROR(s);
    }

    sst::BackupWriterOptions wo;
    wo.store_id = job->store_id;
    wo.region_id = spec.region.id();
    wo.region_version = spec.region.region_epoch().version();
    wo.start_key = spec.raw_start;
    wo.end_key = spec.raw_end;
    wo.start_version = task.start_version;
    wo.end_version = task.end_version;
    wo.compression = task.compression;
    wo.compression_level = task.compression_level;
    if (wo.compression_level == 0 && task.compression == sst::CompressionType::kZstd) {
      wo.compression_level = options_.default_zstd_level;
    }
    wo.cipher = task.cipher;
    wo.sst_max_size = options_.sst_max_size;
    wo.temp_dir = options_.temp_dir;
    wo.rate_limiter = job->upload_limiter.get();
    wo.now_unix_millis = options_.now_unix_millis;
    wo.on_piece = [&](const sst::BackupPiece& piece) -> Status {
      brpb::BackupResponse resp;
      resp.set_start_key(piece.start_key);
      resp.set_end_key(piece.end_key);
      for (const auto& f : piece.files) {
        *resp.add_files() = ToProtoFile(f);
        RangeSize().With({f.cf}).Observe(static_cast<double>(f.size));
      }
      if (!job->Emit(&resp)) return Status::Aborted("backup cancelled");
      answered_until = piece.end_key;
      answered = true;
      return Status::OK();
    };
    ASSIGN_OR_RETURN(std::unique_ptr<sst::BackupWriter> writer,
                     sst::BackupWriter::Open(job->storage.get(), std::move(wo)));
    // The request's rate limit paces the node's scan (and the SST writing and compression it
    // drives) by the KV bytes it reads, and the writer's upload by the bytes it sends, each
    // against its own limiter: neither rate exceeds the limit. Charged in chunks: the limiter
    // takes a lock.
    RateLimiter* limiter = job->scan_limiter.get();
    uint64_t uncharged = 0;
    // Auto-tune's share of the time: the scan pauses after each chunk when the foreground needs
    // the core (auto_tune.h).
    DutyCycle duty(tuner_.get());
    uint64_t unpaced = 0;
    const bool pace = tuner_ != nullptr;
    auto sink = [&writer, limiter, &uncharged, &duty, &unpaced, pace](const sst::BackupKv& kv) {
      const uint64_t n = kv.key.size() + kv.value.size();
      if (limiter != nullptr) {
        uncharged += n;
        if (uncharged >= kScanChargeChunk) {
          limiter->Request(uncharged);
          uncharged = 0;
        }
      }
      if (pace) {
        unpaced += n;
        if (unpaced >= kScanChargeChunk) {
          duty.Pace();
          unpaced = 0;
        }
      }
      return writer->Add(kv);
    };
    ScanStats stats;
    if (!AcquireScanSlot(*job)) return Status::Aborted("backup cancelled");
    class ScanSlot {
     public:
      explicit ScanSlot(BackupEndpoint* e) : endpoint_(e) {}
      ~ScanSlot() { Release(); }
      void Release() {
        if (endpoint_ != nullptr) endpoint_->ReleaseScanSlot();
        endpoint_ = nullptr;
      }

     private:
      BackupEndpoint* endpoint_;
    } scan_slot(this);
    if (task.is_raw_kv) {
      RawScanOptions ro;
      ro.region_start = spec.region_start;
      ro.region_end = spec.region_end;
      ro.cancelled = &job->stop;
      RETURN_IF_ERROR(ScanRawForBackup(engine_, snapshot.get(), ro, sink, &stats));
    } else {
      TxnScanOptions to;
      to.region_start = spec.region_start;
      to.region_end = spec.region_end;
      to.start_version = task.start_version;
      to.end_version = task.end_version;
      to.cancelled = &job->stop;
      RETURN_IF_ERROR(ScanTxnForBackup(engine_, snapshot.get(), to, sink, &stats));
    }
    scan_slot.Release();  // finishing and uploading the last files is I/O, not CPU
    if (limiter != nullptr) limiter->Request(uncharged);
    FAIL_POINT("backup.piece-error");
    RETURN_IF_ERROR(writer->Finish().status());
    LOG_DEBUG("backed up {}: {} keys, {} kvs, {} files", DescribePiece(spec), stats.keys,
              stats.kvs, writer->files().size());
    return Status::OK();
  };

  const auto piece_start = std::chrono::steady_clock::now();
  Status s = run();
  RangeDuration().With({"range"}).Observe(metrics::SecondsSince(piece_start));
  if (job->stop.load()) return;  // cancelled: nobody is listening any more
  if (!s.ok()) {
    BackupErrors()
        .With({failure.region_error ? "region_error" : failure.lock ? "key_locked" : "other"})
        .Inc();
  }
  brpb::BackupResponse resp;
  if (s.ok()) {
    if (answered) return;
    // No data in the piece: still answer it, so BR records the range as done.
    resp.set_start_key(spec.raw_start);
    resp.set_end_key(spec.raw_end);
    job->Emit(&resp);
    return;
  }
  Status ctx = s.WithContext("backup " + DescribePiece(spec));
  if (failure.region_error || failure.lock) {
    LOG_INFO("{}", ctx.ToString());
  } else {
    LOG_WARN("{}", ctx.ToString());
  }
  resp.set_start_key(answered_until);
  resp.set_end_key(spec.raw_end);
  FillError(ctx, failure, resp.mutable_error());
  job->Emit(&resp);
}

}  // namespace brkv::backup
