#include "br/backup_lock.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "br/meta_names.h"
#include "common/backoff.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"

namespace brkv::br {

const std::string_view kLockFileContent =
    "DO NOT DELETE\n"
    "This file marks the path as used by a backup; other backup jobs will refuse to write "
    "here.\n";

namespace {

constexpr std::string_view kIntentPrefix = "backup.lock.intent.";
constexpr std::string_view kOptionPrefix = "option.";

Result<bool> Exists(storage::ExternalStorage* storage, std::string_view name,
                    const MetaIoOptions& io) {
  bool exists = false;
  Status s = RetryMetaOp(io, [&]() -> Status {
    auto r = storage->FileExists(name, MetaCallOptions(io));
    if (!r.ok()) return r.status();
    exists = r.value();
    return Status::OK();
  });
  if (!s.ok()) return s.WithContext("check " + std::string(name));
  return exists;
}

// The lock's content, or nullopt-like empty optional when it does not exist.
Result<std::optional<std::string>> ReadLock(storage::ExternalStorage* storage,
                                            const MetaIoOptions& io) {
  auto r = ReadObjectWithRetry(storage, kLockFileName, io);
  if (r.ok()) return std::optional<std::string>(std::move(r).value());
  if (r.status().code() == Status::Code::kNotFound) return std::optional<std::string>();
  return r.status().WithContext("read " + std::string(kLockFileName));
}

Status DeleteWithRetry(storage::ExternalStorage* storage, std::string_view name,
                       const MetaIoOptions& io) {
  return RetryMetaOp(io, [&] { return storage->DeleteFile(name, MetaCallOptions(io)); });
}

int64_t NowUnix() { return static_cast<int64_t>(std::time(nullptr)); }

std::string FormatUnix(int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof(buf) - 1) != 0) return "unknown";
  return buf;
}

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); 0 when unreadable.
uint64_t ProcessStartTime(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return 0;
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 1));
  std::string field;
  // After ") " come fields 3..; the start time is field 22, the 20th of these.
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return 0;
  }
  return std::strtoull(field.c_str(), nullptr, 10);
}

std::string DescribeHolder(const LockHolder& h) {
  return "backup job " + h.job_id + " (pid " + std::to_string(h.pid) + " on host " + h.host +
         ", claimed " + FormatUnix(h.claimed_unix) + ")";
}

std::string IntentName(const LockHolder& me) { return std::string(kIntentPrefix) + me.owner; }

// Lists the intents other than `me`'s that are still live; deletes stale ones.
Result<size_t> CountOtherIntents(storage::ExternalStorage* storage, const LockHolder& me,
                                 const LockOptions& options) {
  std::vector<std::string> names;
  Status s = RetryMetaOp(options.io, [&]() -> Status {
    names.clear();
    return storage->WalkDir(
        kIntentPrefix,
        [&names](std::string_view name, uint64_t) {
          names.emplace_back(name);
          return Status::OK();
        },
        MetaCallOptions(options.io));
  });
  RETURN_IF_ERROR(s.WithContext("list " + std::string(kIntentPrefix) + "*"));
  size_t others = 0;
  for (const std::string& name : names) {
    if (name == IntentName(me)) continue;
    auto content = ReadObjectWithRetry(storage, name, options.io);
    if (!content.ok()) {
      if (content.status().code() == Status::Code::kNotFound) continue;  // withdrawn meanwhile
      return content.status();
    }
    auto holder = DecodeLock(*content);
    const bool stale = holder.ok() && !holder->owner.empty() &&
                       !(options.holder_alive ? options.holder_alive(*holder)
                                              : DefaultHolderAlive(*holder, options.stale_after));
    if (stale) {
      LOG_WARN("deleting the stale lock intent {} of a process that is gone", name);
      (void)DeleteWithRetry(storage, name, options.io);
      continue;
    }
    ++others;
  }
  return others;
}

void Jitter(int attempt) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  const int base = 20 + 10 * std::min(attempt, 18);
  std::uniform_int_distribution<int> dist(base / 2, base);
  std::this_thread::sleep_for(std::chrono::milliseconds(dist(rng)));
}

}  // namespace

std::string NewJobId() {
  std::random_device rd;
  std::string bytes(16, '\0');
  for (char& c : bytes) c = static_cast<char>(rd() & 0xFF);
  return codec::ToHex(bytes);
}

LockHolder ThisProcessHolder() {
  LockHolder h;
  h.job_id = NewJobId();
  h.owner = NewJobId();
  h.host = HostName();
  h.pid = static_cast<int64_t>(::getpid());
  h.pid_start = ProcessStartTime(h.pid);
  h.claimed_unix = NowUnix();
  h.heartbeat_unix = h.claimed_unix;
  return h;
}

std::string EncodeLock(const LockHolder& h) {
  std::string out(kLockFileContent);
  out += "job: " + h.job_id + "\n";
  out += "owner: " + h.owner + "\n";
  out += "host: " + h.host + "\n";
  out += "pid: " + std::to_string(h.pid) + "\n";
  out += "pid-start: " + std::to_string(h.pid_start) + "\n";
  out += "claimed: " + std::to_string(h.claimed_unix) + " (" + FormatUnix(h.claimed_unix) + ")\n";
  out += "heartbeat: " + std::to_string(h.heartbeat_unix) + "\n";
  JobFingerprint prefixed;
  for (const auto& [k, v] : h.fingerprint) prefixed.emplace_back(std::string(kOptionPrefix) + k, v);
  out += EncodeFingerprint(prefixed);
  return out;
}

Result<LockHolder> DecodeLock(std::string_view text) {
  LockHolder h;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    const size_t colon = line.find(": ");
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string value(line.substr(colon + 2));
    if (key == "job") {
      h.job_id = value;
    } else if (key == "owner") {
      h.owner = value;
    } else if (key == "host") {
      h.host = value;
    } else if (key == "pid") {
      h.pid = std::strtoll(value.c_str(), nullptr, 10);
    } else if (key == "pid-start") {
      h.pid_start = std::strtoull(value.c_str(), nullptr, 10);
    } else if (key == "claimed") {
      h.claimed_unix = std::strtoll(value.c_str(), nullptr, 10);
    } else if (key == "heartbeat") {
      h.heartbeat_unix = std::strtoll(value.c_str(), nullptr, 10);
    }
  }
  ASSIGN_OR_RETURN(h.fingerprint, DecodeFingerprint(text, kOptionPrefix));
  return h;
}

bool DefaultHolderAlive(const LockHolder& h, std::chrono::seconds stale_after) {
  if (h.host == HostName()) {
    if (h.pid <= 0) return false;
    if (::kill(static_cast<pid_t>(h.pid), 0) != 0 && errno != EPERM) return false;
    const uint64_t start = ProcessStartTime(h.pid);
    return h.pid_start == 0 || start == 0 || start == h.pid_start;
  }
  return NowUnix() - h.heartbeat_unix < stale_after.count();
}

Result<LockClaim> ClaimBackupLock(storage::ExternalStorage* storage, LockHolder* me,
                                  const LockOptions& options) {
  const MetaIoOptions& io = options.io;
  auto alive = [&options](const LockHolder& h) {
    return options.holder_alive ? options.holder_alive(h)
                                : DefaultHolderAlive(h, options.stale_after);
  };
  const std::string where = std::string(kLockFileName) + " in " + storage->Uri();
  for (int attempt = 0; attempt < options.max_attempts; ++attempt) {
    ASSIGN_OR_RETURN(bool has_meta, Exists(storage, kMetaFileName, io));
    if (has_meta) {
      return Status::AlreadyExists("backupmeta already exists in " + storage->Uri() +
                                   ": the path holds a finished backup; choose an empty path");
    }
    ASSIGN_OR_RETURN(std::optional<std::string> before, ReadLock(storage, io));
    LockClaim claim;
    if (before.has_value()) {
      ASSIGN_OR_RETURN(LockHolder prev, DecodeLock(*before));
      if (prev.job_id.empty()) {
        return Status::AlreadyExists(
            where +
            " was written by another backup (a tool or br version that does not record "
            "its job): the path is taken; choose an empty path");
      }
      const std::string diff = DescribeFingerprintDiff(prev.fingerprint, me->fingerprint);
      if (!diff.empty()) {
        return Status::AlreadyExists(
            where + " belongs to " + DescribeHolder(prev) + " with other options (" + diff +
            "): rerun that job's command to resume it, or choose an empty path to start afresh");
      }
      if (prev.owner == me->owner) return Status::Internal("lock already claimed by this run");
      if (alive(prev)) {
        return Status::AlreadyExists(where + " is held by " + DescribeHolder(prev) +
                                     ", which is still running: wait for it to finish, or "
                                     "choose another path");
      }
      claim.resumed = true;
      claim.previous = prev;
    }
    // Step 1: announce the claim under a name nobody else writes.
    me->heartbeat_unix = NowUnix();
    LockHolder intent = *me;
    if (claim.resumed) intent.job_id = claim.previous.job_id;
    RETURN_IF_ERROR(WriteObjectWithRetry(storage, IntentName(*me), EncodeLock(intent), io));
    FAIL_POINT("br.lock.after-intent");
    // Step 2: nobody else may be claiming at the same time.
    auto others = CountOtherIntents(storage, *me, options);
    if (!others.ok() || *others > 0) {
      (void)DeleteWithRetry(storage, IntentName(*me), io);
      if (!others.ok()) return others.status();
      LOG_INFO("another claim of {} is in progress; retrying", where);
      Jitter(attempt);
      continue;
    }
    // Step 3: the lock must be what the decision above was based on.
    auto now = ReadLock(storage, io);
    if (!now.ok() || *now != before) {
      (void)DeleteWithRetry(storage, IntentName(*me), io);
      if (!now.ok()) return now.status();
      continue;  // the next round reads the new lock and refuses or resumes
    }
    // Step 4: write the lock, withdraw the intent.
    if (claim.resumed) me->job_id = claim.previous.job_id;
    FAIL_POINT("br.lock.before-write");
    Status w = WriteObjectWithRetry(storage, kLockFileName, EncodeLock(*me), io);
    (void)DeleteWithRetry(storage, IntentName(*me), io);
    RETURN_IF_ERROR(w.WithContext("write " + where));
    return claim;
  }
  return Status::Aborted("could not claim " + where +
                         ": other br processes kept claiming the path at the same time");
}

Status VerifyBackupLockHeld(storage::ExternalStorage* storage, const LockHolder& me,
                            const MetaIoOptions& io) {
  ASSIGN_OR_RETURN(bool has_meta, Exists(storage, kMetaFileName, io));
  if (has_meta) {
    return Status::AlreadyExists("backupmeta appeared in " + storage->Uri() +
                                 " while this backup ran: another job wrote it; this backup is "
                                 "not committed");
  }
  ASSIGN_OR_RETURN(std::optional<std::string> content, ReadLock(storage, io));
  if (!content.has_value()) {
    return Status::AlreadyExists(std::string(kLockFileName) + " in " + storage->Uri() +
                                 " was removed while this backup ran; this backup is not "
                                 "committed");
  }
  ASSIGN_OR_RETURN(LockHolder holder, DecodeLock(*content));
  if (holder.owner != me.owner) {
    return Status::AlreadyExists(std::string(kLockFileName) + " in " + storage->Uri() +
                                 " now names " + DescribeHolder(holder) +
                                 ": another job took the path; this backup is not committed");
  }
  return Status::OK();
}

Status RefreshBackupLock(storage::ExternalStorage* storage, LockHolder* me,
                         const MetaIoOptions& io) {
  RETURN_IF_ERROR(VerifyBackupLockHeld(storage, *me, io));
  me->heartbeat_unix = NowUnix();
  return WriteObjectWithRetry(storage, kLockFileName, EncodeLock(*me), io);
}

Status ReleaseBackupLock(storage::ExternalStorage* storage, const LockHolder& me,
                         const MetaIoOptions& io) {
  ASSIGN_OR_RETURN(std::optional<std::string> content, ReadLock(storage, io));
  if (!content.has_value()) return Status::OK();
  ASSIGN_OR_RETURN(LockHolder holder, DecodeLock(*content));
  if (holder.owner != me.owner) return Status::OK();
  return DeleteWithRetry(storage, kLockFileName, io);
}

}  // namespace brkv::br
