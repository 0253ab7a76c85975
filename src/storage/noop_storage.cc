#include "storage/noop_storage.h"

namespace brkv::storage {

namespace {

class NoopWriter : public ExternalWriter {
 public:
  explicit NoopWriter(Clock::time_point deadline) : deadline_(deadline) {}
  Status Append(std::string_view data) override {
    RETURN_IF_ERROR(CheckDeadline(deadline_, "noop://: write"));
    written_ += data.size();
    return Status::OK();
  }
  Status Finish() override { return CheckDeadline(deadline_, "noop://: finish"); }
  Status Abort() override { return Status::OK(); }
  uint64_t bytes_written() const override { return written_; }

 private:
  const Clock::time_point deadline_;
  uint64_t written_ = 0;
};

class NoopStorage : public ExternalStorage {
 public:
  explicit NoopStorage(const StorageOptions& options) : options_(options) {}

  Status WriteFile(std::string_view name, std::string_view, const CallOptions&) override {
    return ValidateObjectName(name);
  }
  Result<std::unique_ptr<ExternalWriter>> Create(std::string_view name,
                                                 const CallOptions& options) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    return std::unique_ptr<ExternalWriter>(
        std::make_unique<NoopWriter>(EffectiveDeadline(options, options_)));
  }
  Result<std::string> ReadFile(std::string_view name, const CallOptions&) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    return Missing(name);
  }
  Result<std::unique_ptr<ExternalReader>> Open(std::string_view name, const CallOptions&) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    return Missing(name);
  }
  Result<bool> FileExists(std::string_view name, const CallOptions&) override {
    RETURN_IF_ERROR(ValidateObjectName(name));
    return false;
  }
  Status DeleteFile(std::string_view name, const CallOptions&) override {
    return ValidateObjectName(name);
  }
  Status WalkDir(std::string_view prefix, const WalkFn&, const CallOptions&) override {
    return ValidateObjectPrefix(prefix);
  }
  std::string Uri() const override { return "noop://"; }
  const StorageBackend& backend() const override { return backend_; }

 private:
  static Status Missing(std::string_view name) {
    return Status::NotFound("noop://: \"" + std::string(name) +
                            "\" does not exist (the noop storage keeps nothing)");
  }
  const StorageOptions options_;
  const StorageBackend backend_ = NoopBackend{};
};

}  // namespace

std::unique_ptr<ExternalStorage> NewNoopStorage(const StorageOptions& options) {
  return std::make_unique<NoopStorage>(options);
}

}  // namespace brkv::storage
