// FaultInjectionStorage: wraps an ExternalStorage and fails chosen operations, for tests of
// the code above the storage (backup writer cleanup, restore retries, corrupted downloads).
//
// Each operation kind has a countdown: FailAfter(op, n, status) lets the next n calls of that
// kind through and fails every later one with `status` until Clear(op). Counts are per kind
// and per wrapper. CorruptReads flips one bit of every byte range a reader returns that covers
// offset `at` (simulates a bad object store or a bit flip in transit).
// Thread-safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

#include "storage/external_storage.h"

namespace brkv::storage {

class FaultInjectionStorage : public ExternalStorage {
 public:
  enum class Op {
    kWriteFile,
    kCreate,
    kAppend,  // ExternalWriter::Append
    kFinish,  // ExternalWriter::Finish
    kReadFile,
    kOpen,
    kReadAt,  // ExternalReader::ReadAt
    kFileExists,
    kDeleteFile,
    kWalkDir,
  };
  static constexpr int kNumOps = 10;

  // `base` must outlive this wrapper.
  explicit FaultInjectionStorage(ExternalStorage* base);

  void FailAfter(Op op, uint64_t n, Status status);
  void Clear(Op op);
  void ClearAll();
  // Flips the lowest bit of the byte at object offset `at` in every read (ReadFile/ReadAt).
  void CorruptReads(std::optional<uint64_t> at);
  // How many calls of `op` were made (failed or not).
  uint64_t Calls(Op op) const;

  // Returns OK, or the injected error for one more call of `op`.
  Status Tick(Op op);
  std::optional<uint64_t> corrupt_at() const;

  Status WriteFile(std::string_view name, std::string_view data,
                   const CallOptions& options = {}) override;
  Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                 const CallOptions& options = {}) override;
  Result<std::string> ReadFile(std::string_view name, const CallOptions& options = {}) override;
  Result<std::unique_ptr<ExternalReader>> Open(std::string_view name,
                                               const CallOptions& options = {}) override;
  Result<bool> FileExists(std::string_view name, const CallOptions& options = {}) override;
  Status DeleteFile(std::string_view name, const CallOptions& options = {}) override;
  Status WalkDir(std::string_view prefix, const WalkFn& fn,
                 const CallOptions& options = {}) override;
  std::string Uri() const override { return base_->Uri(); }
  const StorageBackend& backend() const override { return base_->backend(); }

 private:
  struct Rule {
    bool armed = false;
    uint64_t pass = 0;  // calls still let through
    Status status;
  };
  ExternalStorage* const base_;
  mutable std::mutex mu_;
  Rule rules_[kNumOps];                 // GUARDED_BY(mu_)
  uint64_t calls_[kNumOps] = {};        // GUARDED_BY(mu_)
  std::optional<uint64_t> corrupt_at_;  // GUARDED_BY(mu_)
};

}  // namespace brkv::storage
