// Backup checkpoint: the progress of one backup job, kept in the backup's own storage so a
// rerun of the same command continues where an interrupted run stopped (lessons.md 16; BR's
// checkpoint backup).
//
// Layout (names relative to the backup root; BR ignores the `checkpoints/` prefix):
//   checkpoints/backup/checkpoint.meta     the job: id, backup ts, last backup ts, cluster id,
//                                          service safe point id, option fingerprint (text)
//   checkpoints/backup/ranges.%09d         finished ranges saved by one flush: each a
//                                          BackupResponse (start_key, end_key, files with their
//                                          sha256 and checksums)
// A ranges object is [varint32 length, BackupResponse]* followed by the sha256 of everything
// before it, stored like a root backupmeta (formats.md 5.3): plain, or 16-byte IV + AES-CTR
// ciphertext with the backup's cipher, so the checkpoint reveals no more than the metadata.
// Objects are written whole (write-then-publish), so a crash leaves whole objects only; a
// ranges object that does not verify is Corruption (wrong --crypter.key, or damage).
//
// CheckpointWriter buffers finished ranges and writes them out every `interval` (a thread) and
// on Close, so at most `interval` of work is redone after a crash.
// Failpoint: "br.checkpoint.before-flush".
// Thread-safety: CheckpointWriter is thread-safe; the free functions are stateless.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "br/job_fingerprint.h"
#include "br/meta_io.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/crypter.h"
#include "storage/external_storage.h"

namespace brkv::br {

inline constexpr std::string_view kBackupCheckpointPrefix = "checkpoints/backup/";
inline constexpr std::string_view kBackupCheckpointMetaName = "checkpoints/backup/checkpoint.meta";

struct BackupCheckpointMeta {
  std::string job_id;
  uint64_t backup_ts = 0;
  uint64_t last_backup_ts = 0;
  uint64_t cluster_id = 0;
  // The service safe point that protects backup_ts (kept after an interrupted run).
  std::string service_id;
  // Seconds the service safe point is kept after the run stops (--gcttl-resume).
  int64_t resume_gcttl_seconds = 0;
  JobFingerprint fingerprint;
};

std::string EncodeCheckpointMeta(const BackupCheckpointMeta& m);
Result<BackupCheckpointMeta> DecodeCheckpointMeta(std::string_view text);

// The job's checkpoint meta, or nullopt when there is none.
Result<std::optional<BackupCheckpointMeta>> LoadCheckpointMeta(storage::ExternalStorage* storage,
                                                               const MetaIoOptions& io = {});
Status SaveCheckpointMeta(storage::ExternalStorage* storage, const BackupCheckpointMeta& m,
                          const MetaIoOptions& io = {});

struct LoadedRanges {
  // Every finished range saved, in save order.
  std::vector<::backup::BackupResponse> ranges;
  // The sequence number the next ranges object should use.
  uint64_t next_seq = 1;
  size_t objects = 0;
};
// Reads every ranges object. Corruption naming the object when one does not verify.
Result<LoadedRanges> LoadFinishedRanges(storage::ExternalStorage* storage,
                                        const sst::CipherInfo& cipher,
                                        const MetaIoOptions& io = {});

// Deletes every object under checkpoints/backup/ (after the backup committed).
Status RemoveBackupCheckpoint(storage::ExternalStorage* storage, const MetaIoOptions& io = {});

// Encodes/decodes one ranges object (exposed for tests).
Result<std::string> SealRanges(const sst::CipherInfo& cipher,
                               const std::vector<::backup::BackupResponse>& ranges);
Result<std::vector<::backup::BackupResponse>> OpenRanges(const sst::CipherInfo& cipher,
                                                         std::string_view name,
                                                         std::string_view stored);

struct CheckpointWriterOptions {
  sst::CipherInfo cipher{};
  // How often buffered ranges are written. Default: 30 s.
  std::chrono::milliseconds interval{30000};
  // Sequence number of the first object written (LoadedRanges::next_seq on a resume).
  uint64_t first_seq = 1;
  MetaIoOptions io{};
  // Called after every periodic flush (e.g. to refresh the lock's heartbeat); its error is
  // logged only. Default: unset.
  std::function<Status()> after_flush;
};

class CheckpointWriter {
 public:
  // Starts the flush thread. `storage` must outlive the writer.
  CheckpointWriter(storage::ExternalStorage* storage, CheckpointWriterOptions options);
  // Close()s (errors logged).
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // Buffers one finished range (errors are dropped: only its keys and files are kept).
  void Add(const ::backup::BackupResponse& finished);
  // Writes what is buffered now, as one object. The first error is sticky.
  Status Flush();
  // Stops the thread and flushes. Idempotent.
  Status Close();
  // Ranges written so far and objects written.
  uint64_t ranges_saved() const;

 private:
  Status FlushLocked(std::unique_lock<std::mutex>* lock);
  void Run();

  storage::ExternalStorage* const storage_;
  const CheckpointWriterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<::backup::BackupResponse> pending_;  // GUARDED_BY(mu_)
  uint64_t next_seq_;                              // GUARDED_BY(mu_)
  uint64_t saved_ = 0;                             // GUARDED_BY(mu_)
  bool flushing_ = false;                          // GUARDED_BY(mu_)
  bool stop_ = false;                              // GUARDED_BY(mu_)
  bool closed_ = false;                            // GUARDED_BY(mu_)
  Status error_;                                   // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace brkv::br
