// backup.lock: claims a storage path for one backup (formats.md 5.2, lessons.md 24).
//
// A backup starts by calling CheckAndLock on its destination. The path is refused when it
// already holds a backup:
//   - `backupmeta` exists (a finished backup), or
//   - `backup.lock` exists together with `.sst` objects (a backup ran, or is running, here).
// A lone `backup.lock` with no SST files (a backup that failed before writing data) or SST
// files without a lock (very old BR layouts) do not block, as in BR. The lock object is
// deliberately never deleted: it keeps marking the path after the backup finishes.
//
// The check-then-write is not atomic on object stores; it guards against mistakes (reusing a
// path), not against two concurrent jobs racing within milliseconds.
// Thread-safety: stateless functions over a thread-safe ExternalStorage.
#pragma once

#include <string_view>

#include "br/meta_io.h"
#include "common/status.h"
#include "storage/external_storage.h"

namespace brkv::br {

// The text written to backup.lock ("DO NOT DELETE\n" and a line explaining why). Readers do
// not check it.
extern const std::string_view kLockFileContent;

// OK when the path may receive a new backup; AlreadyExists (naming the path and the reason,
// and saying to choose another path) when it holds one; storage errors otherwise.
Status CheckBackupPathIsFree(storage::ExternalStorage* storage, const MetaIoOptions& io = {});

// CheckBackupPathIsFree, then writes backup.lock. Failpoint "br.lock.before-write".
Status CheckAndLock(storage::ExternalStorage* storage, const MetaIoOptions& io = {});

}  // namespace brkv::br
