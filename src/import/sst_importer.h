// SstImporter: the node side of restore (TiKV's sst_importer; formats.md 2.2, 5.6;
// architecture.md "Restore flow" step 4).
//
// Download: fetch one backup SST from external storage (ranged reads under a deadline,
// throttled, sha256-checked, decrypted; sst::SstReader), rewrite its keys into the restore's
// key space (KeyRewriter: prefix, ts, ts window, range), and write the result as a staged SST
// <import-dir>/<uuid>_<cf>.sst with rocksdb::SstFileWriter. The reply is the real key range
// of the staged file (region key space, inclusive) or "empty" (nothing to ingest).
//
// Ingest: under the region's write latch, re-check the region epoch (RegionManager's
// ProposeIngest seam) and that every staged file's keys lie inside the region, then move the
// files into the engine with one atomic IngestExternalFiles over the CFs involved.
//
// Staged files never leak (lessons.md 17): a failed download leaves nothing behind (not even
// an older staged file of the same uuid); an ingest removes its files whatever the outcome;
// a background sweep removes staged files nobody ingested within staged_file_ttl; a restore
// removes its job's staged files at once with ClearFiles (ImportDir::Clear, through dir()); the
// import directory is emptied when the importer opens (node startup).
//
// Errors (Status codes; the service maps them to the wire):
//   RegionError      region errors, with the errorpb detail in *err (Ingest)
//   InvalidArgument  bad request; a key without the rule's old prefix ("WrongKeyPrefix")
//   Corruption       sha256 mismatch, truncated object, not an SST / wrong crypter key
//   NotFound         missing object; staged file not found at ingest
//   TimedOut / Unavailable (retryable)  storage deadline or outage
//   Busy             the same staged file is being worked on by another request, or
//                    max_concurrent_downloads downloads are running (retryable)
//   Aborted          the download was cancelled (see Download)
//   NotSupported     batch download (ssts map, sorted_rewrite_rules), Keyspace request type
// Every download error names the object.
//
// Failpoints: "import.download.before-stage" (after the SST is built, before it is renamed
// into place), "import.before-ingest" (under the latch, before IngestExternalFiles), plus the
// SstReader's "restore.before-download" / "restore.download-chunk".
//
// Thread-safety: thread-safe; downloads and ingests run concurrently (ingests of one region
// serialize on its latch).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/rate_limiter.h"
#include "common/status.h"
#include "import/import_dir.h"
#include "proto/errorpb.pb.h"
#include "proto/import_sstpb.pb.h"
#include "proto/kvrpcpb.pb.h"
#include "server/region_manager.h"
#include "storage/external_storage.h"

namespace brkv::import {

// The raftstore's view of an import directory: where the staged copy of an SST named by an
// IngestSST command is (the file Download wrote for that uuid and CF), NotFound when this store
// has none. For RegionRaftOptions::sst_locator.
std::function<Result<std::string>(const import_sstpb::SSTMeta&)> StagedSstLocator(
    std::string import_dir);

using StorageFactory = std::function<Result<std::unique_ptr<storage::ExternalStorage>>(
    const storage::StorageBackend&, const storage::StorageOptions&)>;

struct SstImporterOptions {
  // REQUIRED: the import directory, normally <data-dir>/import (on the engine's file system,
  // so that ingest can move files by hard link).
  std::string import_dir{};
  // Staged files not ingested within this time are removed by the sweep. Default: 10 min.
  std::chrono::milliseconds staged_file_ttl{std::chrono::minutes(10)};
  // How often the background sweep runs; 0 = no background sweep (tests call Sweep).
  // Default: 1 min.
  std::chrono::milliseconds sweep_interval{std::chrono::minutes(1)};
  // Longest a download may take: its deadline is the caller's, capped at this long from the
  // start. The deadline bounds every storage call of the download (open, each ranged read)
  // and the rewrite. Default: 10 min.
  std::chrono::milliseconds download_timeout{std::chrono::minutes(10)};
  // Downloads running at once; more are refused with Busy (retryable) so that long downloads
  // cannot take every RPC thread of the node. 0 = no limit. Default: 4.
  int max_concurrent_downloads = 4;
  // Bytes per ranged read. Default: 1 MiB.
  size_t read_chunk_size = 1 << 20;
  // Builds the storage of a request's backend. Default: storage::CreateStorage.
  StorageFactory storage_factory{};
};

// What a download produced.
struct DownloadResult {
  // Nothing of the file fell into the range: no staged file, do not ingest.
  bool is_empty = true;
  // Region keys (no 'z', no ts) of the first and last KV of the staged file, both inclusive.
  std::string start_key{};
  std::string end_key{};
  uint64_t kvs = 0;
  // Size of the staged file in bytes.
  uint64_t length = 0;
};

class SstImporter {
 public:
  // Opens (creates and empties) the import directory and starts the sweep. `regions` (and
  // its engine) must outlive the importer.
  static Result<std::unique_ptr<SstImporter>> Open(SstImporterOptions options,
                                                   server::RegionManager* regions);
  // Stops the sweep. Staged files stay until the next Open empties the directory.
  ~SstImporter();
  SstImporter(const SstImporter&) = delete;
  SstImporter& operator=(const SstImporter&) = delete;

  // Downloads, rewrites and stages req.sst (see the top of the file). `deadline` bounds the
  // whole download (capped at options.download_timeout from now). `cancelled`, when set, is polled
  // before every storage read and every few thousand KVs; once it returns true the download
  // stops with Aborted (the RPC was cancelled or the server is shutting down).
  Result<DownloadResult> Download(
      const import_sstpb::DownloadRequest& req,
      storage::Clock::time_point deadline = storage::Clock::time_point::max(),
      const std::function<bool()>& cancelled = nullptr);

  // Ingests the staged files of `metas` into the region named by `ctx` (one atomic ingest).
  // Every meta must name ctx's region (or region 0) and, when it carries an epoch, the
  // current one. Region errors fill *err (when non-null): RegionNotFound, NotLeader,
  // EpochNotMatch, KeyNotInRegion, StoreNotMatch. The staged files are removed in every case
  // except Busy (they belong to the request that holds them).
  Status Ingest(const kvrpcpb::Context& ctx, const std::vector<import_sstpb::SSTMeta>& metas,
                errorpb::Error* err);

  // Runs one sweep now with the configured TTL (or `age` when given); returns the number of
  // entries removed.
  size_t Sweep();
  size_t Sweep(std::chrono::milliseconds age);

  ImportDir* dir() { return dir_.get(); }

 private:
  Status IngestImpl(const kvrpcpb::Context& ctx, const std::vector<import_sstpb::SSTMeta>& metas,
                    errorpb::Error* err);
  SstImporter(SstImporterOptions options, server::RegionManager* regions,
              std::unique_ptr<ImportDir> dir);
  Result<DownloadResult> DownloadImpl(const import_sstpb::DownloadRequest& req,
                                      storage::Clock::time_point deadline,
                                      const std::function<bool()>& cancelled,
                                      const ImportDir::Claim& claim);
  RateLimiter* LimiterFor(uint64_t bytes_per_sec);
  void SweepLoop();

  const SstImporterOptions options_;
  server::RegionManager* const regions_;
  std::unique_ptr<ImportDir> dir_;

  std::atomic<int> downloads_running_{0};
  std::mutex limiter_mu_;
  std::map<uint64_t, std::unique_ptr<RateLimiter>> limiters_;  // GUARDED_BY(limiter_mu_)

  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;  // GUARDED_BY(sweep_mu_)
  std::thread sweeper_;
};

}  // namespace brkv::import
