// Restore checkpoint: the progress of one restore job, kept in the TARGET cluster (as BR keeps
// its restore checkpoint in the target), so rerunning the same `br restore` continues where an
// interrupted run stopped: it reuses the tables it created, ingests only the file groups not
// yet ingested and skips the table checksums already compared (lessons.md 16).
//
// A job is identified by the backup (storage URL without secrets, cluster id, backup ts) and the
// restore's scope (RestoreJobId). Its progress lives in transactional keys
//   mBRKV/RestoreCheckpoint/<job>/meta              JSON: storage, backup ts, the (db, table)
//                                                   names the job creates
//   mBRKV/RestoreCheckpoint/<job>/ingested/%09d     JSON list of ingested group keys (the
//                                                   group's first file name)
//   mBRKV/RestoreCheckpoint/<job>/checksummed/%09d  JSON list of source table ids whose
//                                                   checksum matched
// outside the table key space (a backup of the target never contains them). A completed
// restore deletes them all.
//
// RestoreProgressWriter batches ingested groups and checksummed tables and writes them every
// `interval` (a thread), on Flush and on Close.
// Thread-safety: RestoreProgressWriter is thread-safe; the free functions are stateless.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>
#include <vector>

#include "client/cluster.h"
#include "common/status.h"

namespace brkv::br {

// A stable id (32 hex digits) of restoring `scope_text` (the scope flags, rendered by the
// caller) from the backup at `storage_uri` with cluster id and backup ts.
std::string RestoreJobId(std::string_view storage_uri, uint64_t backup_cluster_id,
                         uint64_t backup_ts, std::string_view scope_text);

struct RestoreCheckpoint {
  std::string job;
  std::string storage;  // redacted URI, for messages
  uint64_t backup_ts = 0;
  // Lower-case (db, table) names of the tables the job creates.
  std::vector<std::pair<std::string, std::string>> tables;
  std::unordered_set<std::string> ingested;
  std::set<int64_t> checksummed;
  // Sequence number for the next progress object.
  uint64_t next_seq = 1;
};

// The job's checkpoint, or nullopt when the target holds none.
Result<std::optional<RestoreCheckpoint>> LoadRestoreCheckpoint(client::Cluster* cluster,
                                                               std::string_view job);
// Writes the job's meta key (job, storage, backup ts, tables).
Status SaveRestoreCheckpointMeta(client::Cluster* cluster, const RestoreCheckpoint& cp);
// Deletes every key of the job. OK when there are none.
Status RemoveRestoreCheckpoint(client::Cluster* cluster, std::string_view job);

class RestoreProgressWriter {
 public:
  // Starts the flush thread; interval 0 = no thread (the caller flushes).
  RestoreProgressWriter(client::Cluster* cluster, std::string job, uint64_t first_seq,
                        std::chrono::milliseconds interval);
  ~RestoreProgressWriter();
  RestoreProgressWriter(const RestoreProgressWriter&) = delete;
  RestoreProgressWriter& operator=(const RestoreProgressWriter&) = delete;

  void AddIngested(std::string group_key);
  void AddChecksummed(int64_t source_table_id);
  // Writes what is buffered now. The first error is sticky.
  Status Flush();
  // Stops the thread and flushes. Idempotent.
  Status Close();

 private:
  void Run();

  client::Cluster* const cluster_;
  const std::string job_;
  const std::chrono::milliseconds interval_;
  std::mutex flush_mu_;  // one flush at a time, so objects are written in sequence order
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> ingested_;  // GUARDED_BY(mu_)
  std::vector<int64_t> checksummed_;   // GUARDED_BY(mu_)
  uint64_t next_seq_;                  // GUARDED_BY(mu_)
  bool stop_ = false;                  // GUARDED_BY(mu_)
  bool closed_ = false;                // GUARDED_BY(mu_)
  Status error_;                       // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace brkv::br
