// Staged local files of the backup writer and the SST reader (internal to src/sst).
//
// Staged files live in a caller-given temp directory under unique names, and are removed on
// success and on every error path (lessons.md 17): ScopedFile unlinks its path when destroyed
// unless released.
// Thread-safety: NewStagingPath is thread-safe; a ScopedFile is a single-owner value.
#pragma once

#include <string>
#include <string_view>

#include <rocksdb/status.h>

#include "common/status.h"

namespace brkv::sst {

// "<dir>/<tag>-<pid>-<seq><suffix>", unique within the process and across processes.
std::string NewStagingPath(std::string_view dir, std::string_view tag, std::string_view suffix);

// InvalidArgument unless `dir` is an existing directory.
Status CheckTempDir(std::string_view dir);

// Converts a RocksDB status, prefixing `context`.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

// Unlinks a path on destruction (missing files are fine).
class ScopedFile {
 public:
  ScopedFile() = default;
  explicit ScopedFile(std::string path) : path_(std::move(path)) {}
  ~ScopedFile() { Remove(); }
  ScopedFile(ScopedFile&& o) noexcept : path_(std::move(o.path_)) { o.path_.clear(); }
  ScopedFile& operator=(ScopedFile&& o) noexcept;
  ScopedFile(const ScopedFile&) = delete;
  ScopedFile& operator=(const ScopedFile&) = delete;

  const std::string& path() const { return path_; }
  bool empty() const { return path_.empty(); }
  // Removes the file now.
  void Remove();

 private:
  std::string path_;
};

}  // namespace brkv::sst
