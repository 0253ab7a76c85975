#include "storage/fault_injection_storage.h"

#include <utility>

namespace brkv::storage {

namespace {

using Op = FaultInjectionStorage::Op;

void Corrupt(const FaultInjectionStorage* fis, uint64_t offset, std::string* data) {
  std::optional<uint64_t> at = fis->corrupt_at();
  if (at && *at >= offset && *at < offset + data->size()) {
    (*data)[static_cast<size_t>(*at - offset)] ^= 1;
  }
}

class FaultWriter : public ExternalWriter {
 public:
  FaultWriter(FaultInjectionStorage* fis, std::unique_ptr<ExternalWriter> base)
      : fis_(fis), base_(std::move(base)) {}
  Status Append(std::string_view data) override {
    RETURN_IF_ERROR(fis_->Tick(Op::kAppend));
    return base_->Append(data);
  }
  Status Finish() override {
    RETURN_IF_ERROR(fis_->Tick(Op::kFinish));
    return base_->Finish();
  }
  Status Abort() override { return base_->Abort(); }
  uint64_t bytes_written() const override { return base_->bytes_written(); }

 private:
  FaultInjectionStorage* const fis_;
  std::unique_ptr<ExternalWriter> base_;
};

class FaultReader : public ExternalReader {
 public:
  FaultReader(FaultInjectionStorage* fis, std::unique_ptr<ExternalReader> base)
      : fis_(fis), base_(std::move(base)) {}
  uint64_t size() const override { return base_->size(); }
  Status ReadAt(uint64_t offset, size_t n, std::string* out) override {
    out->clear();
    RETURN_IF_ERROR(fis_->Tick(Op::kReadAt));
    RETURN_IF_ERROR(base_->ReadAt(offset, n, out));
    Corrupt(fis_, offset, out);
    return Status::OK();
  }

 private:
  FaultInjectionStorage* const fis_;
  std::unique_ptr<ExternalReader> base_;
};

}  // namespace

FaultInjectionStorage::FaultInjectionStorage(ExternalStorage* base) : base_(base) {}

void FaultInjectionStorage::FailAfter(Op op, uint64_t n, Status status) {
  std::lock_guard<std::mutex> l(mu_);
  rules_[static_cast<int>(op)] = Rule{true, n, std::move(status)};
}

void FaultInjectionStorage::Clear(Op op) {
  std::lock_guard<std::mutex> l(mu_);
  rules_[static_cast<int>(op)] = Rule{};
}

void FaultInjectionStorage::ClearAll() {
  std::lock_guard<std::mutex> l(mu_);
  for (Rule& r : rules_) r = Rule{};
  corrupt_at_.reset();
}

void FaultInjectionStorage::CorruptReads(std::optional<uint64_t> at) {
  std::lock_guard<std::mutex> l(mu_);
  corrupt_at_ = at;
}

uint64_t FaultInjectionStorage::Calls(Op op) const {
  std::lock_guard<std::mutex> l(mu_);
  return calls_[static_cast<int>(op)];
}

std::optional<uint64_t> FaultInjectionStorage::corrupt_at() const {
  std::lock_guard<std::mutex> l(mu_);
  return corrupt_at_;
}

Status FaultInjectionStorage::Tick(Op op) {
  std::lock_guard<std::mutex> l(mu_);
  int i = static_cast<int>(op);
  ++calls_[i];
  Rule& r = rules_[i];
  if (!r.armed) return Status::OK();
  if (r.pass > 0) {
    --r.pass;
    return Status::OK();
  }
  return r.status;
}

Status FaultInjectionStorage::WriteFile(std::string_view name, std::string_view data,
                                        const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kWriteFile));
  return base_->WriteFile(name, data, options);
}

Result<std::unique_ptr<ExternalWriter>> FaultInjectionStorage::Create(std::string_view name,
                                                                      const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kCreate));
  ASSIGN_OR_RETURN(std::unique_ptr<ExternalWriter> w, base_->Create(name, options));
  return std::unique_ptr<ExternalWriter>(std::make_unique<FaultWriter>(this, std::move(w)));
}

Result<std::string> FaultInjectionStorage::ReadFile(std::string_view name,
                                                    const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kReadFile));
  ASSIGN_OR_RETURN(std::string data, base_->ReadFile(name, options));
  Corrupt(this, 0, &data);
  return data;
}

Result<std::unique_ptr<ExternalReader>> FaultInjectionStorage::Open(std::string_view name,
                                                                    const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kOpen));
  ASSIGN_OR_RETURN(std::unique_ptr<ExternalReader> r, base_->Open(name, options));
  return std::unique_ptr<ExternalReader>(std::make_unique<FaultReader>(this, std::move(r)));
}

Result<bool> FaultInjectionStorage::FileExists(std::string_view name, const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kFileExists));
  return base_->FileExists(name, options);
}

Status FaultInjectionStorage::DeleteFile(std::string_view name, const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kDeleteFile));
  return base_->DeleteFile(name, options);
}

Status FaultInjectionStorage::WalkDir(std::string_view prefix, const WalkFn& fn,
                                      const CallOptions& options) {
  RETURN_IF_ERROR(Tick(Op::kWalkDir));
  return base_->WalkDir(prefix, fn, options);
}

}  // namespace brkv::storage
