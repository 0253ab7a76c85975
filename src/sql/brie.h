// BrieQueue: runs the BACKUP and RESTORE statements of one sql-server ("BRIE" in TiDB) with
// the br library's RunBackup / RunRestore (the code behind the `br` CLI) in the server's
// process, one job at a time, and lists the jobs for SHOW BACKUPS / SHOW RESTORES.
//
// A statement blocks its connection until its job ends. Jobs start in the order they were
// issued; a job waiting for the one before it is listed with State "Wait". Each job has its own
// br::Interrupt: Cancel (KILL [TIDB] QUERY / KILL CONNECTION of its connection, or the server
// stopping) stops a waiting job at once and a running one through the runner's clean stop (no
// backupmeta is written; the runner keeps its checkpoint, so the same statement resumes it).
// Finished jobs stay listed for `keep_finished`.
//
// Thread-safety: thread-safe; Run is called concurrently by connection threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "br/backup_runner.h"
#include "br/restore_runner.h"
#include "sql/ast.h"
#include "sql/executor.h"
#include "sql/session.h"

namespace brkv::sql {

struct BrieQueueOptions {
  // PD of the cluster the server fronts (the backup source / restore target). Required.
  std::string pd_address;
  // How long finished jobs stay in SHOW BACKUPS / SHOW RESTORES. Default: 30 min (TiDB's).
  std::chrono::seconds keep_finished{30 * 60};
};

// One row of SHOW BACKUPS / SHOW RESTORES.
struct BrieJobView {
  BrieStmt::Kind kind = BrieStmt::Kind::kBackup;
  std::string destination;
  std::string state;
  double progress = 0;  // percent of the current phase
  std::chrono::system_clock::time_point queue_time;
  std::chrono::system_clock::time_point execution_time;  // epoch: not started
  std::chrono::system_clock::time_point finish_time;     // epoch: not finished
  uint32_t connection_id = 0;
  std::string message;  // the error of a failed job; empty otherwise
};

// The job's storage URL as shown to users: without its query string, which may hold
// credentials (s3 keys, SAS tokens).
std::string RedactedDestination(const std::string& url);

// "YYYY-MM-DD HH:MM:SS" in UTC (the server's time zone, as NOW()); the zero date for the epoch.
std::string FormatBrieTime(std::chrono::system_clock::time_point t);

// The BackupConfig / RestoreConfig a statement asks for (progress and interrupt unset).
// `current_db` names the database of unqualified tables. SqlError 1046 for an unqualified
// table without a current database, 8124 / 8125 for an option value the runner refuses.
SqlResult<br::BackupConfig> BackupConfigFor(const BrieStmt& s, const std::string& pd,
                                            const std::string& current_db);
SqlResult<br::RestoreConfig> RestoreConfigFor(const BrieStmt& s, const std::string& pd,
                                              const std::string& current_db);

class BrieQueue {
 public:
  explicit BrieQueue(BrieQueueOptions options);
  ~BrieQueue();  // CancelAll()s; REQUIRES: no Run in progress once it returns
  BrieQueue(const BrieQueue&) = delete;
  BrieQueue& operator=(const BrieQueue&) = delete;

  // Runs the statement for `session` once the jobs before it ended. Success: TiDB's one-row
  // result (BACKUP: Destination, Size, BackupTS, Queue Time, Execution Time; RESTORE: the same
  // with Cluster TS after BackupTS). Errors: 8124 "Backup failed: …" / 8125 "Restore failed:
  // …" with the runner's message; 1317 when cancelled (waiting or running).
  SqlResult<ExecResult> Run(const BrieStmt& stmt, Session* session);

  // The jobs of `kind`: running, waiting and recently finished, in the order they were issued.
  std::vector<BrieJobView> List(BrieStmt::Kind kind);

  // Cancels the job of connection `connection_id` (waiting or running). True if it had one.
  bool Cancel(uint32_t connection_id, const std::string& reason);
  // Cancels every job and refuses new ones (the server is stopping).
  void CancelAll();

 private:
  struct Job;
  void PurgeLocked();

  const BrieQueueOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_id_ = 1;                  // GUARDED_BY(mu_)
  std::list<std::shared_ptr<Job>> jobs_;  // GUARDED_BY(mu_); waiting, running, finished
  std::deque<uint64_t> waiting_;          // GUARDED_BY(mu_); ids in start order
  bool running_ = false;                  // GUARDED_BY(mu_)
  bool stopped_ = false;                  // GUARDED_BY(mu_)
};

}  // namespace brkv::sql
