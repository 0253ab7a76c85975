// BackupClient: backs up a set of key ranges on the storage nodes and makes sure every key of
// every range was answered (architecture.md "Backup flow" 4-5; BR's pkg/backup client).
//
// 1. Push-down: one Backup request carrying ALL ranges goes to every store at once; each store
//    answers (streaming) one response per finished piece of the regions it leads.
// 2. Every finished piece is recorded in a RangeTree. A piece that overlaps one already
//    recorded is a bug (its keys would be stored twice and break the table checksum), so the
//    backup fails loudly. A response for a range nobody asked for fails the same way.
// 3. Fine-grained phase: the gaps (pieces that came back with a region error or a lock, stores
//    that were down, streams that went idle or broke) are retried in rounds: for each gap the
//    current regions are read from PD and the gap is sent to the store leading them. Locks a
//    node met are resolved (hooks.resolve_lock) before the next round. Rounds that make no
//    progress back off (truncated exponential, jitter). When the gaps are still there at the
//    deadline the backup fails naming the missing ranges and the stores that should have
//    answered: a backup never reports success with a gap (lessons.md 5, 6).
// Errors that retrying cannot fix end the backup at once: a store of another cluster, a key
// error other than a lock, a store without the backup service, a hook's error, and a node
// failing the same range with a plain error `max_range_errors` times (for example it cannot
// write to the storage).
//
// Thread-safety: BackupRanges is called once; hooks are called serialised (never concurrently).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "br/backup_sender.h"
#include "br/backup_topology.h"
#include "br/range_tree.h"
#include "common/backoff.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "proto/kvrpcpb.pb.h"

namespace brkv::br {

struct BackupClientOptions {
  // The request each store receives: versions, storage backend, cipher, compression, rate
  // limit, concurrency, raw/cf, cluster id. The client fills in the ranges.
  ::backup::BackupRequest request;
  // How long the fine-grained phase may keep retrying gaps. Default: 5 min.
  std::chrono::milliseconds fine_grained_timeout{5 * 60 * 1000};
  // Deadline of one push-down stream. Default: 24 h (the idle timeout catches hangs).
  std::chrono::milliseconds stream_timeout{24 * 3600 * 1000};
  // Sleep between fine-grained rounds that made no progress. Default: 200 ms doubling to 3 s.
  int64_t backoff_base_ms = 200;
  int64_t backoff_max_ms = 3000;
  // A range a node fails with a plain error (no region error, no lock) this many times fails
  // the backup. Default: 3.
  int max_range_errors = 3;
};

struct BackupClientHooks {
  // Called once per finished piece, in arrival order: persist its files. Non-OK aborts.
  std::function<Status(const ::backup::BackupResponse&)> on_piece;
  // Resolves a lock a node met at the backup ts. OK: retry now; KeyLocked: its txn is alive,
  // back off; anything else fails the backup. Unset: locks are retried after a backoff.
  std::function<Status(const kvrpcpb::LockInfo&)> resolve_lock;
  // Called after each piece with (ranges fully backed up, ranges in total).
  std::function<void(size_t done, size_t total)> on_progress;
};

struct BackupClientStats {
  size_t ranges = 0;          // ranges asked for
  size_t pieces = 0;          // finished pieces recorded
  size_t files = 0;           // data files in them
  uint64_t total_kvs = 0;     // Σ File.total_kvs
  uint64_t total_bytes = 0;   // Σ File.total_bytes
  uint64_t total_size = 0;    // Σ File.size (bytes stored)
  size_t stores = 0;          // stores the push-down went to
  size_t failed_streams = 0;  // push-down and fine-grained streams that broke or went idle
  size_t fine_grained_rounds = 0;
  size_t region_errors = 0;
  size_t locks_met = 0;
};

class BackupClient {
 public:
  // `topology` and `sender` must outlive the client.
  BackupClient(BackupTopology* topology, BackupSender* sender, BackupClientOptions options,
               BackupClientHooks hooks);

  // Backs up `ranges` (raw keys; sorted by start, non-overlapping). OK only when every key of
  // every range was answered; see the top of the file for the failures.
  Result<BackupClientStats> BackupRanges(const std::vector<KeyRange>& ranges);

  // Stops the backup from any thread: no further round is scheduled, the streams in flight are
  // cancelled (BackupSender::CancelAll), and BackupRanges returns `reason` (the first fatal
  // error wins). Pieces already delivered to hooks.on_piece stay delivered.
  void Cancel(const Status& reason);

 private:
  struct StoreWork {
    StoreTarget store;
    std::vector<KeyRange> ranges;
  };

  // Sends each store its ranges in parallel and waits for every stream to end.
  void SendAll(const std::vector<StoreWork>& work, std::chrono::steady_clock::time_point deadline);
  Status OnResponse(const StoreTarget& store, const ::backup::BackupResponse& resp);
  // Records a fatal error (the first one wins).
  void Fail(const Status& s);
  Status fatal() const;
  void UpdateProgressLocked(const KeyRange& r);
  // Resolves the locks met so far. *alive is set when some lock's txn is still running.
  Status ResolvePendingLocks(bool* alive);
  // Groups the current gaps by the store leading their regions.
  Result<std::vector<StoreWork>> PlanRound(const std::vector<KeyRange>& gaps);
  Status MissingRangesError(const std::vector<KeyRange>& gaps,
                            const std::vector<StoreWork>& last_round) const;

  BackupTopology* const topology_;
  BackupSender* const sender_;
  const BackupClientOptions options_;
  const BackupClientHooks hooks_;

  mutable std::mutex mu_;
  std::vector<KeyRange> wanted_;                      // set once before any send
  RangeTree wanted_tree_;                             // merged wanted ranges, for sanity checks
  RangeTree done_;                                    // GUARDED_BY(mu_)
  std::vector<bool> wanted_done_;                     // GUARDED_BY(mu_)
  size_t wanted_done_count_ = 0;                      // GUARDED_BY(mu_)
  BackupClientStats stats_;                           // GUARDED_BY(mu_)
  Status fatal_;                                      // GUARDED_BY(mu_)
  std::vector<kvrpcpb::LockInfo> locks_;              // GUARDED_BY(mu_)
  std::map<std::string, int> range_errors_;           // GUARDED_BY(mu_) start key → plain errors
  std::map<uint64_t, std::string> last_store_error_;  // GUARDED_BY(mu_)
  // The last plain error a node reported for a range it could not back up (for example its
  // upload to the storage failed): the cause to name when gaps remain, even after the stream
  // itself was later cut by the deadline. Store id 0 = none.
  std::pair<uint64_t, std::string> last_range_error_;  // GUARDED_BY(mu_)
};

// "[start, end)" with keys escaped (\xNN) and "+inf" for an empty end, for messages.
std::string DescribeRange(const KeyRange& r);

}  // namespace brkv::br
