// RunBackup: one whole `br backup full|db|table|raw` (architecture.md "Backup flow").
//
//   1. open the storage (-s URL) and claim it (backup_lock.h): a path that holds a backup, or
//      whose backup.lock names another job or a running one, is refused; the same command
//      rerun after an interrupted run claims it as a resume of that job;
//   2. connect to PD; backup ts = --backupts (never in the future) or a fresh TSO (a resume:
//      the job's ts from the checkpoint); fail fast when the GC safe point is past it (or past
//      --lastbackupts); hold a service safe point "br-<uuid>" at ts-1 (TTL --gcttl, refreshed
//      every TTL/5; a resume reuses the job's id) until the end;
//   3. read the catalog at the backup ts, apply --db/--table/-f, build the ranges (raw: the
//      user's range); incremental: also the catalog changes since --lastbackupts;
//   4. a resume reuses the ranges the checkpoint lists whose files still verify (sha256);
//      push the rest down to every store and retry the gaps region by region (BackupClient),
//      streaming the files into backupmeta leaves and the checkpoint (backup_checkpoint.h,
//      saved every checkpoint_interval) as they arrive;
//   5. full table backups with --checksum: each table's XOR/sum of file checksums must equal
//      the table checksum the nodes compute at the backup ts;
//   6. write schemas (with the table checksums from the files; zero for incremental), DDLs, and
//      the root `backupmeta` last — the commit point, after checking the lock is still ours;
//      then the checkpoint is deleted and the service safe point removed.
// Success means complete and verified; any failure returns one error saying what failed, on
// which object and what to do, and leaves no `backupmeta`. A failure before any range was
// sent releases the lock and the service safe point (the path is as before). A later failure,
// or an interrupt (config.interrupt: streams cancelled, checkpoint saved), keeps the lock, the
// checkpoint and the service safe point (for resume_gcttl_seconds) and says how to resume.
//
// Secrets (the crypter key, storage credentials) are never logged or put in an error: the
// storage is named by its redacted URL.
// Thread-safety: one RunBackup per BackupConfig; it uses threads internally.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "br/backup_plan.h"
#include "br/interrupt.h"
#include "br/parse_ts.h"
#include "br/progress.h"
#include "common/status.h"
#include "sst/compression.h"
#include "sst/crypter.h"
#include "storage/storage_backend.h"

namespace brkv::br {

struct BackupConfig {
  // REQUIRED: PD address "host:port".
  std::string pd;
  // REQUIRED: the storage URL (-s); may carry credentials (never logged).
  std::string storage_url;
  // What to back up. scope.kind kRaw uses raw_start/raw_end/raw_cf instead of the catalog.
  BackupScope scope;
  // Raw backups: the user-key range [raw_start, raw_end) (decoded bytes; raw_end empty = to the
  // end of the raw key space) and the CF. Default cf: "default".
  std::string raw_start;
  std::string raw_end;
  std::string raw_cf = "default";
  // --backupts: a TSO or a datetime (parse_ts.h); empty = a fresh TSO from PD.
  std::string backup_ts;
  // --lastbackupts: a TSO or datetime; empty = a full (non-incremental) backup.
  std::string last_backup_ts;
  ParseTsOptions ts_options;
  // SST compression. Default: zstd, level 0 (the codec's default).
  sst::CompressionType compression = sst::CompressionType::kZstd;
  int compression_level = 0;
  // Payload and metadata encryption. Default: plaintext.
  sst::CipherInfo cipher;
  // Upload limit per node in MiB/s. Default: 0 = unlimited.
  uint64_t ratelimit_mib = 0;
  // Pieces each node backs up at once. Default: 4.
  uint32_t concurrency = 4;
  // Compare each table's file checksums with the nodes' table checksum. Default: true.
  bool checksum = true;
  // Service safe point TTL in seconds. Default: 300.
  int64_t gcttl_seconds = 300;
  // Seconds the service safe point is kept after a run that stopped with progress saved, so a
  // resume finds the versions at the backup ts (--gcttl-resume). Default: 3600.
  int64_t resume_gcttl_seconds = 3600;
  // How often finished ranges are saved to the checkpoint; 0 = after every range (tests).
  // Default: 30 s.
  std::chrono::milliseconds checkpoint_interval{30000};
  // Stops the backup cleanly when triggered (SIGINT/SIGTERM). Default: none.
  Interrupt* interrupt = nullptr;
  // Refuse to start when a store is down. Default: true.
  bool check_requirements = true;
  // Send the storage credentials to the nodes. Default: true.
  bool send_credentials = true;
  // How long the fine-grained phase may retry gaps. Default: 5 min.
  std::chrono::milliseconds backup_timeout{5 * 60 * 1000};
  // A backup stream with no response for this long is cancelled (its ranges become gaps).
  // Default: 5 min.
  std::chrono::milliseconds stream_idle_timeout{5 * 60 * 1000};
  // Deadline of PD calls and of each storage call made by br itself. Default: 30 s / 60 s.
  int64_t pd_timeout_ms = 30000;
  std::chrono::milliseconds storage_timeout{60000};
  // Progress: a bar on a terminal, else a line every progress_interval, written to
  // progress_out. Default: plain lines on stdout every 10 s.
  bool progress_tty = false;
  std::chrono::milliseconds progress_interval{10000};
  std::FILE* progress_out = stdout;
  // Also told each phase's progress (progress.h ProgressCallback; may be called from the
  // runner's threads). progress_out = nullptr with this set reports progress only here.
  // Default: none.
  ProgressCallback on_progress;
};

struct BackupResult {
  BackupSummary summary;
  // A resumed job: ranges and files reused from the checkpoint (not backed up again).
  bool resumed = false;
  size_t reused_ranges = 0;
  uint64_t reused_files = 0;
  uint64_t backup_ts = 0;
  uint64_t cluster_id = 0;
  size_t tables = 0;
  size_t databases = 0;
};

// Checks everything that can be checked without the cluster: the storage URL parses, the
// cipher key has the method's length, the raw range is not empty, the timestamps parse, the
// numbers are in range. InvalidArgument naming the flag otherwise.
Status ValidateBackupConfig(const BackupConfig& config);

// The whole backup; see the top of the file.
Result<BackupResult> RunBackup(const BackupConfig& config);

// "Full Backup", "Database Backup", "Table Backup", "Raw Backup", and "Incremental Backup" /
// "Incremental Database Backup" / "Incremental Table Backup" when `incremental`.
std::string BackupTitle(BackupKind kind, bool incremental);

}  // namespace brkv::br
