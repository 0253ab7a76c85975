// RunRestore: one whole `br restore full|db|table|raw` (architecture.md "Restore flow").
//
//   1. open the storage (-s URL) and read `backupmeta` (decrypting with --crypter.*): no
//      backupmeta, a wrong or missing key, or an incompatible format is an error; check the
//      backup suits the command (raw vs tables), read the schemas in scope (--db/--table/-f;
//      an unknown name is an error) and walk the data files once to plan (every metadata leaf
//      is verified by sha256 as it is read, and every file range must have a rewrite rule);
//   2. connect to the target; refuse when a store is down (--check-requirements), when the
//      target's TSO is not past the backup ts, or when a table to restore already exists
//      ("table already exists: db.table"; an incremental backup, start_version > 0, expects
//      them). Up to here nothing was written to the target;
//   3. create the databases and tables with new ids (batched) and build the rewrite rules;
//   4. split the target's regions at every table boundary and every rewritten file boundary
//      and scatter the new empty regions over the stores;
//   5. download + ingest every file group into every region it overlaps (--concurrency groups
//      at once, --ratelimit per node), retrying region errors; any file error fails the
//      restore naming the file;
//   6. with --checksum (full backups), compare every restored table's checksum, computed by
//      the nodes with the rewrite rules at a fresh ts, with the backup's; rebase every
//      restored table's auto-id allocator; print the summary.
// Success means complete and verified. Secrets (crypter key, storage credentials) are never
// logged or put in an error.
//
// Resume (restore_checkpoint.h): before creating tables the job records, in the target, the
// tables it creates; then every ingested file group and every matching table checksum. A rerun
// of the same command (resume = true) reuses those tables (they do not count as "already
// exists"), ingests only the groups not recorded and compares only the checksums not yet
// compared; the allocators of every restored table are raised again (idempotent). A completed
// restore deletes its checkpoint; resume = false deletes it first and starts afresh. A failure
// or an interrupt (config.interrupt: no new group is started, the groups in flight finish)
// keeps the checkpoint and says how to resume.
//
// Staged files (restore_staged.h): every uuid the job downloads under starts with 4 bytes of
// the job's id, and br asks every serving store to remove the job's staged files (ImportSST
// ClearFiles) at the start of a resumed run (what a killed run left) and at the end of every
// run that got as far as the checkpoint, success, failure or interrupt. A store that cannot be
// asked is a warning, never a failure.
// Thread-safety: one RunRestore per RestoreConfig; it uses threads internally.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "br/interrupt.h"
#include "br/progress.h"
#include "br/restore_plan.h"
#include "common/status.h"
#include "sst/crypter.h"

namespace brkv::br {

struct RestoreConfig {
  // REQUIRED: PD address of the target "host:port".
  std::string pd;
  // REQUIRED: the storage URL (-s) of the backup; may carry credentials (never logged).
  std::string storage_url;
  // What to restore.
  RestoreScope scope;
  // Raw restores: the user-key range [raw_start, raw_end) (raw_end "" = no end).
  std::string raw_start;
  std::string raw_end;
  // The backup's cipher. Default: plaintext.
  sst::CipherInfo cipher;
  // Compare restored tables' checksums with the backup's. Default: true.
  bool checksum = true;
  // File groups downloaded and ingested at once. Default: 16.
  uint32_t concurrency = 16;
  // Download limit per node in MiB/s. Default: 0 = unlimited.
  uint64_t ratelimit_mib = 0;
  // Tables created per catalog transaction. Default: 128.
  uint32_t ddl_batch_size = 128;
  // Refuse to start when a store of the target is down. Default: true.
  bool check_requirements = true;
  // Send the storage credentials to the nodes. Default: true.
  bool send_credentials = true;
  // Deadline of PD calls and the retry budget of cluster calls. Default: 30 s.
  int64_t pd_timeout_ms = 30000;
  // Time limit of each storage call made by br itself. Default: 60 s.
  std::chrono::milliseconds storage_timeout{60000};
  // How long one file group may retry a region without progress. Default: 5 min.
  std::chrono::milliseconds retry_budget{5 * 60 * 1000};
  // Progress: a bar on a terminal, else a line every progress_interval. Default: plain lines
  // on stdout every 10 s.
  bool progress_tty = false;
  std::chrono::milliseconds progress_interval{10000};
  std::FILE* progress_out = stdout;
  // Also told each phase's progress (progress.h ProgressCallback; may be called from the
  // runner's threads). progress_out = nullptr with this set reports progress only here.
  // Default: none.
  ProgressCallback on_progress;
  // Continue the job's checkpoint in the target when there is one (--resume). Default: true.
  bool resume = true;
  // How often ingested groups and checked tables are saved; 0 = after each (tests).
  // Default: 5 s.
  std::chrono::milliseconds checkpoint_interval{5000};
  // Stops the restore cleanly when triggered (SIGINT/SIGTERM). Default: none.
  Interrupt* interrupt = nullptr;
};

struct RestoreSummary {
  // "Full Restore", "Database Restore", ...
  std::string title;
  uint64_t ranges = 0;  // file groups restored
  uint64_t files = 0;
  uint64_t total_kvs = 0;  // as recorded by the backup for the restored files
  uint64_t total_bytes = 0;
  uint64_t data_size = 0;  // stored (compressed) bytes of the restored files
  uint64_t databases = 0;
  uint64_t tables = 0;
  uint64_t split_regions = 0;
  uint64_t backup_ts = 0;
  uint64_t restore_ts = 0;  // ts of the verification (0 when not verified)
  bool checksum_verified = false;
  std::chrono::milliseconds take{0};
  // A resumed job: file groups found ingested by the interrupted run (not ingested again).
  bool resumed = false;
  uint64_t reused_ranges = 0;
};

// "Full Restore success summary: total-ranges=12, ranges-succeed=12, ranges-failed=0,
//  total-files=24, total-kvs=10000, total-bytes=2340000, restore-data-size(after-compressed)=…,
//  backup-ts=…, restore-ts=…, total-take=3.2s, average-speed=0.73MB/s" (one line; MB = 10^6
// bytes; speed = total bytes / total-take; restore-ts only when checksums were verified).
std::string FormatRestoreSummary(const RestoreSummary& s);

// Offline checks of the config (URL parses, cipher key length, numbers in range, raw range
// not empty). InvalidArgument naming the flag.
Status ValidateRestoreConfig(const RestoreConfig& config);

// The whole restore; see the top of the file.
Result<RestoreSummary> RunRestore(const RestoreConfig& config);

}  // namespace brkv::br
