// LocalStorage: an ExternalStorage over a directory of the local file system (local:// URLs).
//
// Object "a/b/c" is the file <root>/a/b/c; parent directories are created on write.
// Atomicity: a write goes to a hidden temp file in the target's directory
// (".<basename>.brkv-partial-<random>"), is fsync'ed, renamed over the target and the directory
// is fsync'ed; so a crash leaves the old object, the new object, or a stray temp file that
// WalkDir never lists and that a later writer of the same name does not trip over.
// Note (lessons.md 23): on a multi-node cluster a local path is each node's own disk; restore
// needs every file on every node (NFS or object storage).
// Thread-safety: thread-safe; writers and readers are single-threaded objects.
#pragma once

#include <memory>
#include <string>

#include "storage/external_storage.h"

namespace brkv::storage {

// The marker in temp-file names; WalkDir skips names containing it.
inline constexpr std::string_view kLocalPartialMarker = ".brkv-partial-";

// Creates a storage rooted at `root` (absolute or relative). The directory need not exist yet.
std::unique_ptr<ExternalStorage> NewLocalStorage(const std::string& root,
                                                 const StorageOptions& options = {});

}  // namespace brkv::storage
