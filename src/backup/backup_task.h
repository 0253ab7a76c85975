// BackupTask: one brpb.BackupRequest, checked and converted to C++ types (formats.md 1.6).
//
// What a node accepts:
//   - ranges: sub_ranges when non-empty, else [start_key, end_key) (raw keys; empty end =
//     +infinity). sorted_sub_ranges_groups are flattened into the ranges as well.
//   - transactional (is_raw_kv false): end_version > 0 and start_version <= end_version.
//   - raw KV: cf empty or "default" (the only raw CF a node keeps); dst_api_version V1.
//   - mode SCAN only (FILE, the coarse file-copy mode, is NotSupported).
//   - storage_backend set; cipher and compression valid.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backup/backup_range.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/compression.h"
#include "sst/crypter.h"
#include "storage/storage_backend.h"

namespace brkv::backup {

struct BackupTask {
  // 0 = not checked against the store's cluster.
  uint64_t cluster_id = 0;
  std::vector<RawRange> ranges{};
  uint64_t start_version = 0;
  uint64_t end_version = 0;
  // Throttle in bytes per second for the whole request, charged with the bytes scanned and
  // the bytes uploaded (backup_endpoint.h); 0 = unlimited.
  uint64_t rate_limit = 0;
  // Pieces backed up at once; 0 = the endpoint's default.
  uint32_t concurrency = 0;
  storage::StorageBackend backend{};
  bool is_raw_kv = false;
  // Raw KV: the CF named in the files ("default").
  std::string cf = "default";
  sst::CompressionType compression = sst::CompressionType::kUnknown;
  int compression_level = 0;
  sst::CipherInfo cipher{};
};

// Checks and converts a request (see the top of the file). InvalidArgument / NotSupported with
// one line naming the problem; secrets are never quoted.
Result<BackupTask> ParseBackupRequest(const ::backup::BackupRequest& req);

// Validates a task built in code (the checks ParseBackupRequest makes after conversion).
Status ValidateBackupTask(const BackupTask& task);

}  // namespace brkv::backup
