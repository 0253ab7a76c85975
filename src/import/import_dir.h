// ImportDir: the node's directory of staged SSTs, <data-dir>/import (lessons.md 17).
//
// Layout:
//   <uuid>_<cf>.sst   a downloaded, rewritten SST waiting for Ingest. <uuid> is the canonical
//                     8-4-4-4-12 hex form of SSTMeta.uuid (16 bytes); <cf> is default/write.
//   .work-<n>/        a private working directory of one download in progress (the raw
//                     download and the SST being built); removed when the download ends.
// Anything else found in the directory is debris and is removed like a stale staged file.
//
// Nothing leaks: Open empties the directory (staged files of an earlier run cannot be
// ingested any more, their requests are gone); work directories are removed when their guard
// dies; Sweep removes every entry older than a TTL that no request is using; Clear removes the
// staged files of one restore job at once (their names share a prefix). A request marks a
// staged name as in use with a Claim: claimed names are skipped by Sweep and Clear, and a
// second claim of the same name fails with Busy, so a download and an ingest never race on one
// file.
//
// Thread-safety: thread-safe. Claims and work directories are single-owner, move-only values
// and must not outlive their ImportDir.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace brkv::import {

class ImportDir {
 public:
  // Exclusive use of one staged name. Releasing it (destruction) does not touch the file.
  class Claim {
   public:
    Claim(Claim&& o) noexcept;
    Claim& operator=(Claim&&) = delete;
    Claim(const Claim&) = delete;
    ~Claim();
    // The staged file's full path.
    const std::string& path() const { return path_; }
    // Removes the staged file if it exists (a missing file is fine).
    void RemoveFile() const;

   private:
    friend class ImportDir;
    Claim(ImportDir* dir, std::string name, std::string path)
        : dir_(dir), name_(std::move(name)), path_(std::move(path)) {}
    ImportDir* dir_;
    std::string name_;
    std::string path_;
  };

  // A private working directory, removed with its contents when the guard dies.
  class WorkDir {
   public:
    WorkDir(WorkDir&& o) noexcept;
    WorkDir& operator=(WorkDir&&) = delete;
    WorkDir(const WorkDir&) = delete;
    ~WorkDir();
    const std::string& path() const { return path_; }

   private:
    friend class ImportDir;
    WorkDir(ImportDir* dir, std::string name, std::string path)
        : dir_(dir), name_(std::move(name)), path_(std::move(path)) {}
    ImportDir* dir_;
    std::string name_;
    std::string path_;
  };

  // Creates `path` if missing and removes everything inside it; *removed (when non-null) gets
  // the number of entries removed. IOError naming the path when it cannot be created or
  // cleaned.
  static Result<std::unique_ptr<ImportDir>> Open(const std::string& path,
                                                 size_t* removed = nullptr);
  ~ImportDir();
  ImportDir(const ImportDir&) = delete;
  ImportDir& operator=(const ImportDir&) = delete;

  const std::string& path() const { return path_; }

  // "<uuid>_<cf>.sst". InvalidArgument unless uuid has 16 bytes and cf is default or write.
  static Result<std::string> StagedName(std::string_view uuid, std::string_view cf);
  // The canonical text form of a 16-byte uuid ("8-4-4-4-12" lower-case hex).
  static std::string UuidText(std::string_view uuid);

  // Claims the staged name of (uuid, cf). InvalidArgument as StagedName; Busy when another
  // request holds it.
  Result<Claim> ClaimStaged(std::string_view uuid, std::string_view cf);

  // Creates a fresh working directory. IOError if it cannot be created.
  Result<WorkDir> NewWorkDir();

  // Removes every entry whose last modification is at least `age` old and that no claim or
  // work-directory guard holds. Returns how many were removed. Failures to remove are logged
  // and retried by the next sweep.
  size_t Sweep(std::chrono::milliseconds age);

  // Removes every staged file whose name starts with `prefix` and that no claim holds (a
  // download or ingest of that name in flight keeps it), whatever its age. Returns how many
  // were removed; failures to remove are logged and left to the sweep. InvalidArgument unless
  // `prefix` is non-empty and only hex digits and '-' (upper-case digits match their
  // lower-case names): it can never be a path, reach a work directory or match everything.
  Result<size_t> Clear(std::string_view prefix);
  // OK when `prefix` is a valid Clear prefix (see Clear), else InvalidArgument naming it.
  static Status ValidateClearPrefix(std::string_view prefix);

  // The entry names currently in the directory, sorted (for tests and diagnostics).
  std::vector<std::string> List() const;

 private:
  explicit ImportDir(std::string path) : path_(std::move(path)) {}
  void Release(const std::string& name);

  const std::string path_;
  mutable std::mutex mu_;
  std::set<std::string> in_use_;  // GUARDED_BY(mu_)
  uint64_t next_work_ = 0;        // GUARDED_BY(mu_)
};

}  // namespace brkv::import
