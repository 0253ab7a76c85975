// --summary-json FILE: br's end-of-job summary as one JSON object, for automation. Written
// whether the job succeeded or failed, replacing FILE atomically (a temp file renamed over it),
// so a reader never sees half of it. Fields:
//   {"command": "Full Backup", "status": "success" | "failed", "error": "<one line>" (failed),
//    and on success the summary's numbers: "ranges", "files", "total_kvs", "total_bytes",
//    "data_size", "backup_ts", "take_ms", "average_speed_bytes_per_second" (backups also
//    "last_backup_ts"; restores "restore_ts", "databases", "tables", "checksum_verified",
//    "resumed", "reused_ranges")}
#pragma once

#include <string>

#include "br/progress.h"
#include "br/restore_runner.h"
#include "common/status.h"

namespace brkv::br {

// Writes the summary of a finished backup (`result` OK) or a failed one.
Status WriteBackupSummaryJson(const std::string& path, const std::string& title,
                              const Result<BackupSummary>& result);
Status WriteRestoreSummaryJson(const std::string& path, const std::string& title,
                               const Result<RestoreSummary>& result);

}  // namespace brkv::br
