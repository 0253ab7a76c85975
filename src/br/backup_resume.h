// What a resumed backup does with what the interrupted run left in the storage
// (backup_checkpoint.h holds the saved progress; backup_runner.cc decides when to resume).
//
//   BackupFingerprint      the options that must be equal for a rerun to continue a job
//   VerifyReusedRanges     a saved range is reused only when every one of its files is still in
//                          the storage with the size and sha256 recorded; others are redone
//   DeleteStaleMetaLeaves  backupmeta.* leaves of the interrupted run (never committed)
//   DeleteOrphanFiles      SSTs uploaded by the interrupted run after its last checkpoint
//                          save, which the final backupmeta does not list
// Thread-safety: stateless functions over a thread-safe ExternalStorage.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "br/backup_runner.h"
#include "br/job_fingerprint.h"
#include "br/meta_io.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "storage/external_storage.h"

namespace brkv::br {

// kind, --db, --table, -f, --case-sensitive, raw --start/--end/--cf, --backupts (as given),
// --lastbackupts, --compression, --compression-level, --crypter.method and a digest of the key.
// Tuning flags (--concurrency, --ratelimit, timeouts, --checksum) may change between runs.
JobFingerprint BackupFingerprint(const BackupConfig& config);

struct ReusedRanges {
  std::vector<::backup::BackupResponse> kept;
  size_t dropped = 0;       // ranges with a missing or changed file (backed up again)
  uint64_t files = 0;       // files of `kept`
  uint64_t bytes_read = 0;  // bytes read to check the sha256s
};
// Checks every file of every saved range (`concurrency` files at once). Storage errors other
// than a missing object fail; a missing or mismatching file only drops its range.
Result<ReusedRanges> VerifyReusedRanges(storage::ExternalStorage* storage,
                                        std::vector<::backup::BackupResponse> saved,
                                        int concurrency);

// Deletes every `backupmeta.<kind>.<seq>` leaf. REQUIRES: no `backupmeta` root (the caller
// holds the lock of an uncommitted backup).
Status DeleteStaleMetaLeaves(storage::ExternalStorage* storage, const MetaIoOptions& io = {});

// Deletes every `.sst` object not named in `keep`; returns how many were deleted.
Result<size_t> DeleteOrphanFiles(storage::ExternalStorage* storage,
                                 const std::unordered_set<std::string>& keep,
                                 const MetaIoOptions& io = {});

}  // namespace brkv::br
