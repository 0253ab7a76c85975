#include "br/backup_lock.h"

#include <string>

#include "br/meta_names.h"
#include "common/backoff.h"
#include "common/failpoint.h"

namespace brkv::br {

const std::string_view kLockFileContent =
    "DO NOT DELETE\n"
    "This file marks the path as used by a backup; other backup jobs will refuse to write "
    "here.\n";

namespace {

storage::CallOptions CallOpts(const MetaIoOptions& io) {
  if (io.call_timeout.count() > 0) return storage::CallOptions::WithTimeout(io.call_timeout);
  return storage::CallOptions{};
}

// Runs `op` (returning Status) until it succeeds, fails for good, or the budget is spent.
template <typename Op>
Status Retry(const MetaIoOptions& io, Op&& op) {
  Backoffer bo(io.retry);
  while (true) {
    Status s = op();
    if (s.ok() || !s.retryable()) return s;
    RETURN_IF_ERROR(bo.Backoff(s));
  }
}

Result<bool> Exists(storage::ExternalStorage* storage, std::string_view name,
                    const MetaIoOptions& io) {
  bool exists = false;
  Status s = Retry(io, [&]() -> Status {
    auto r = storage->FileExists(name, CallOpts(io));
    if (!r.ok()) return r.status();
    exists = r.value();
    return Status::OK();
  });
  if (!s.ok()) return s.WithContext("check " + std::string(name));
  return exists;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Status CheckBackupPathIsFree(storage::ExternalStorage* storage, const MetaIoOptions& io) {
  ASSIGN_OR_RETURN(bool has_meta, Exists(storage, kMetaFileName, io));
  if (has_meta) {
    return Status::AlreadyExists("backupmeta already exists in " + storage->Uri() +
                                 ": the path holds a finished backup; choose an empty path");
  }
  ASSIGN_OR_RETURN(bool has_lock, Exists(storage, kLockFileName, io));
  if (!has_lock) return Status::OK();
  std::string sst;
  Status s = Retry(io, [&]() -> Status {
    sst.clear();
    Status walk = storage->WalkDir(
        "",
        [&sst](std::string_view name, uint64_t) {
          if (EndsWith(name, ".sst")) {
            sst = std::string(name);
            return Status::Aborted("found an SST");  // stops the walk
          }
          return Status::OK();
        },
        CallOpts(io));
    return sst.empty() ? walk : Status::OK();
  });
  RETURN_IF_ERROR(s.WithContext("list " + storage->Uri()));
  if (!sst.empty()) {
    return Status::AlreadyExists("backup.lock and SST files (such as " + sst + ") exist in " +
                                 storage->Uri() +
                                 ": another backup uses or used this path; choose an empty path");
  }
  return Status::OK();
}

Status CheckAndLock(storage::ExternalStorage* storage, const MetaIoOptions& io) {
  RETURN_IF_ERROR(CheckBackupPathIsFree(storage, io));
  FAIL_POINT("br.lock.before-write");
  return WriteObjectWithRetry(storage, kLockFileName, kLockFileContent, io);
}

}  // namespace brkv::br
