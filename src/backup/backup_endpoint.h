// BackupEndpoint: the node side of `br backup` (TiKV's components/backup endpoint).
//
// One call of Backup() serves one BackupRequest:
//   1. Checks the request (backup_task.h), the cluster id and that the store has its id; opens
//      the request's external storage (with a per-call deadline, lessons.md 7).
//   2. Plans pieces: every requested range clipped to every region this store leads (today: every
//      region it hosts, one replica each), as listed at the start of the request.
//   3. Runs the pieces on up to `concurrency` threads (the request's, else the default; a
//      node-wide limit caps the pieces running across all requests). For each piece:
//        - takes a RocksDB snapshot, then re-checks that the region is still here with the
//          planned epoch — else the piece's response carries a region_error (NotLeader /
//          RegionNotFound / EpochNotMatch) and BR's fine-grained phase retries it;
//        - transactional: refuses the piece with error.kv_error.locked (and no files) when a
//          pending lock blocks a read at end_version (BR resolves the lock and retries);
//        - streams the MVCC scan (backup_scanner.h) into an sst::BackupWriter, which cuts files
//          at sst_max_size, compresses, encrypts, hashes and uploads them. The request's
//          rate_limit (bytes/s, shared by its pieces) caps both the KV bytes the scan reads
//          and the bytes uploaded, each on its own limiter, so it paces the whole backup work
//          of the node (capping the compressed upload alone never bound: the scan and
//          compression ran unpaced);
//        - responds once per finished writer piece (start/end raw keys + its files), or once with
//          no files for a piece without data, so the responses of a piece cover it exactly.
//   4. Every failure becomes a response error for the part of the piece not yet answered
//      (never a silent skip): region errors and locks as above, anything else as error.msg
//      (a storage failure names the object). A request-level failure (bad request, storage that
//      cannot be opened, wrong cluster) gets one error response per requested range.
// Cancellation: the caller's CancelFn is polled while pieces run; a cancelled job, or a sink
// that returns false (the client went away), stops: running scans abort between keys, staged
// files are removed, no piece starts, and no further response is sent.
//
// Failpoints: "backup.before-scan" (each piece, before its snapshot), "backup.piece-error"
// (each piece, after its scan and before its last files are uploaded); the writer adds
// "backup.before-upload" and "backup.upload-chunk".
// Thread-safety: thread-safe; concurrent Backup() calls share only the node-wide piece limit.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "backup/auto_tune.h"
#include "backup/backup_task.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "server/engine.h"
#include "server/region_manager.h"
#include "sst/backup_file.h"
#include "storage/external_storage.h"

namespace brkv::backup {

namespace brpb = ::backup;

struct BackupEndpointOptions {
  // REQUIRED: local directory for staged SSTs (created if missing; stale staged files left by
  // a crash are removed when the endpoint opens). A kv-server uses <data-dir>/backup-tmp.
  std::string temp_dir{};
  // Cut backup files when a piece's staged default + write SSTs reach this size.
  // Default: 144 MiB (TiKV's backup.sst-max-size).
  uint64_t sst_max_size = 144ull << 20;
  // zstd level of the backup SSTs when the request leaves the level to the node (0). With
  // zstd's own default (3) compression was the largest CPU cost of a backup; on 4 KiB SST
  // blocks level 1 is ~25% faster end to end for files within 0.1% of the size (SMALL bench
  // data: 96.68 vs 96.61 MB). Default: 1.
  int default_zstd_level = 1;
  // Pieces of one request run at once when the request says 0. Default: 4.
  uint32_t default_concurrency = 4;
  // Pieces running at once on this node, over all requests (and the cap of a request's own
  // concurrency). Default: 8.
  uint32_t max_concurrency = 8;
  // Of those, pieces in their scan at once (the scan drives SST building and compression, the
  // CPU-bound part); the rest of a piece — finishing, uploading and syncing its files — runs
  // outside this limit, so many small pieces still overlap their I/O. 0 = half the node's
  // hardware threads, at least 1 and at most 8 (TiKV's backup.num-threads). More scans than
  // that only take CPU from the node's online requests: on 2 cores, 4 scans per node cut a
  // concurrent workload to ~15% of its rate, 1 scan to ~40%, for about the same backup time.
  // Default: 0.
  uint32_t max_scan_concurrency = 0;
  // Backup workers run under SCHED_BATCH (Linux; the same share of the CPU, but the node's
  // request threads preempt them when they wake up). Default: true.
  bool batch_scheduling = true;
  // Niceness added to backup workers (0 = none, up to 19). Default: 0.
  int worker_nice = 0;
  // Auto-tune (auto_tune.h): scans at once and a lone scan's share of the time follow the CPU
  // the node's foreground leaves idle, measured every auto_tune_interval; auto_tune_remain_cores
  // are kept free on top (< 0: 20% of the cores). TiKV's backup.enable-auto-tune,
  // auto-tune-refresh-interval, auto-tune-remain-threads. Defaults: on, 1 s, 20%. The
  // foreground is the whole machine's CPU use but this node's backup (machine_wide, the
  // default) or this process's.
  bool auto_tune = true;
  std::chrono::milliseconds auto_tune_interval{1000};
  double auto_tune_remain_cores = -1;
  bool auto_tune_machine_wide = true;
  // Deadline of each object-store call (create/append/finish of an upload). Default: 5 min.
  std::chrono::milliseconds storage_timeout{5 * 60 * 1000};
  // Local storage: fsync uploads. Default: true. Tests may turn it off.
  bool storage_sync = true;
  // How often a running request checks its CancelFn. Default: 50 ms.
  std::chrono::milliseconds cancel_poll_interval{50};
  // Opens a request's storage. Default: storage::CreateStorage with the options above. Tests
  // inject fault-injecting storages here.
  std::function<Result<std::shared_ptr<storage::ExternalStorage>>(const storage::StorageBackend&)>
      storage_factory{};
  // Source of {unix_millis} in object names. Default: the system clock.
  std::function<int64_t()> now_unix_millis{};
};

class BackupEndpoint {
 public:
  // Called once per response, never concurrently; false means the client is gone (the job
  // stops).
  using ResponseSink = std::function<bool(const brpb::BackupResponse&)>;
  // Polled while a job runs; true stops it.
  using CancelFn = std::function<bool()>;

  // `engine` and `regions` must outlive the endpoint. InvalidArgument / IOError when the temp
  // directory cannot be created.
  static Result<std::unique_ptr<BackupEndpoint>> Open(server::Engine* engine,
                                                      server::RegionManager* regions,
                                                      BackupEndpointOptions options);
  ~BackupEndpoint();
  BackupEndpoint(const BackupEndpoint&) = delete;
  BackupEndpoint& operator=(const BackupEndpoint&) = delete;

  // Serves one request to the end (see the top of the file); returns when every piece has been
  // answered, or once the job stopped after a cancel.
  void Backup(const brpb::BackupRequest& request, const ResponseSink& sink,
              const CancelFn& cancelled = {});
  // The same for a request already converted (tests and in-process callers; allows
  // struct-only backends such as memstore).
  void Backup(const BackupTask& task, const ResponseSink& sink, const CancelFn& cancelled = {});

  const BackupEndpointOptions& options() const { return options_; }

 private:
  struct Job;
  BackupEndpoint(server::Engine* engine, server::RegionManager* regions,
                 BackupEndpointOptions options);
  void RunPiece(Job* job, const BackupPieceSpec& spec);
  bool AcquireSlot(const Job& job);
  void ReleaseSlot();
  bool AcquireScanSlot(const Job& job);
  void ReleaseScanSlot();

  server::Engine* const engine_;
  server::RegionManager* const regions_;
  BackupEndpointOptions options_;

  std::unique_ptr<BackupAutoTuner> tuner_;  // null when auto_tune is off
  std::mutex slots_mu_;
  std::condition_variable slots_cv_;
  uint32_t running_pieces_ = 0;  // GUARDED_BY(slots_mu_)
  uint32_t running_scans_ = 0;   // GUARDED_BY(slots_mu_)
};

// The brpb.File a node reports for one uploaded backup SST.
brpb::File ToProtoFile(const sst::BackupFileInfo& info);

}  // namespace brkv::backup
