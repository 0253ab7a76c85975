// backup.lock: claims a storage path for one backup job (formats.md 5.2, lessons.md 24).
//
// A backup claims its destination before it contacts the cluster. From the moment
// `backup.lock` exists it excludes every other writer:
//   - `backupmeta` exists: the path holds a finished backup; refused.
//   - `backup.lock` exists without a job identity (another tool, an older br): refused.
//   - `backup.lock` names a job with different options (JobFingerprint): refused, saying which
//     options differ.
//   - `backup.lock` names the same job but its holder is alive (LockOptions::holder_alive; by
//     default: the same host and that process still running, or on another host a heartbeat
//     younger than LockOptions::stale_after): refused, naming the holder.
//   - otherwise (same options, holder gone) the claim is a resume: the job id is kept and the
//     lock is rewritten with the new holder.
//
// The claim is safe against concurrent claimers on any storage with read-after-write and
// list-after-write consistency (local files, S3, Azure Blob, GCS), without conditional writes:
//   1. write the intent object `backup.lock.intent.<owner>` (a name nobody else writes);
//   2. list `backup.lock.intent.`; if another live intent exists, delete ours, back off and
//      start again (so two claimers never both proceed: each saw the other or came second);
//   3. re-read `backup.lock`; if it changed since the decision above, start again;
//   4. write `backup.lock`, then delete our intent.
// Stale intents (their holder dead or older than stale_after) are deleted when found.
//
// The lock object is never deleted once data may have been written: it keeps marking the path
// after the backup finishes. ReleaseBackupLock removes it for a job that failed before any data
// was written, so a corrected command can use the path.
// Failpoints: "br.lock.before-write", "br.lock.after-intent".
// Thread-safety: stateless functions over a thread-safe ExternalStorage.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "br/job_fingerprint.h"
#include "br/meta_io.h"
#include "common/status.h"
#include "storage/external_storage.h"

namespace brkv::br {

// First lines of backup.lock ("DO NOT DELETE\n" and a line explaining why); the holder's
// identity follows as "name: value" lines. BR does not read the content.
extern const std::string_view kLockFileContent;

// Who holds (or wants) the lock.
struct LockHolder {
  // The backup job: stays the same across resumes. Empty in a lock without identity.
  std::string job_id;
  // This process's claim: new for every run.
  std::string owner;
  std::string host;
  int64_t pid = 0;
  // Start time of the process (clock ticks since boot, /proc/<pid>/stat field 22): tells a
  // live holder from a reused pid.
  uint64_t pid_start = 0;
  // Unix seconds when the holder claimed the lock and when it last proved it was alive.
  int64_t claimed_unix = 0;
  int64_t heartbeat_unix = 0;
  // The options the job was started with.
  JobFingerprint fingerprint;
};

// A holder describing this process: a fresh job id and owner, host name, pid, pid start time,
// the current time; the caller sets the fingerprint.
LockHolder ThisProcessHolder();
// A fresh random id (32 hex digits).
std::string NewJobId();

std::string EncodeLock(const LockHolder& h);
// Parses a lock; a lock without identity lines (BR's, older br's) gives an empty job_id.
Result<LockHolder> DecodeLock(std::string_view text);

// Whether `h`, read from an existing lock, still runs. Default: the same host → the process
// `pid` exists with start time `pid_start`; another host → heartbeat younger than stale_after.
bool DefaultHolderAlive(const LockHolder& h, std::chrono::seconds stale_after);

struct LockOptions {
  MetaIoOptions io{};
  // A lock held from another host whose heartbeat is older than this is treated as dead.
  // Default: 5 min (the holder refreshes it at least every 30 s).
  std::chrono::seconds stale_after{300};
  // Unset: DefaultHolderAlive.
  std::function<bool(const LockHolder&)> holder_alive;
  // Claim attempts when other claimers race (each backs off 20-200 ms with jitter).
  // Default: 30.
  int max_attempts = 30;
};

struct LockClaim {
  // True when the lock named this job already (same options, holder gone): a resume.
  bool resumed = false;
  // The holder the lock named before (resume only).
  LockHolder previous;
};

// Claims the path for `me` (see the top of the file). On a resume, me->job_id is set to the
// job's id. AlreadyExists naming backup.lock (and the reason) when the path is taken; storage
// errors otherwise; Aborted when racing claimers did not settle within max_attempts.
Result<LockClaim> ClaimBackupLock(storage::ExternalStorage* storage, LockHolder* me,
                                  const LockOptions& options = {});

// OK when `backup.lock` still names `me` (same owner) and `backupmeta` does not exist: the
// check right before the commit of `backupmeta`. AlreadyExists otherwise (someone else took the
// path, or a backupmeta appeared).
Status VerifyBackupLockHeld(storage::ExternalStorage* storage, const LockHolder& me,
                            const MetaIoOptions& io = {});

// Rewrites the lock with a fresh heartbeat, after VerifyBackupLockHeld.
Status RefreshBackupLock(storage::ExternalStorage* storage, LockHolder* me,
                         const MetaIoOptions& io = {});

// Deletes `backup.lock` if it still names `me` (a job that failed before writing data).
Status ReleaseBackupLock(storage::ExternalStorage* storage, const LockHolder& me,
                         const MetaIoOptions& io = {});

}  // namespace brkv::br
