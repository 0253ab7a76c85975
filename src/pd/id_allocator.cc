#include "pd/id_allocator.h"

#include <algorithm>

#include "common/failpoint.h"

namespace brkv::pd {

Result<std::unique_ptr<IdAllocator>> IdAllocator::Open(PdStorage* storage,
                                                       IdAllocatorOptions options) {
  if (options.batch == 0) return Status::InvalidArgument("id batch must be > 0");
  std::unique_ptr<IdAllocator> alloc(new IdAllocator(storage, options));
  ASSIGN_OR_RETURN(std::optional<uint64_t> end, storage->GetU64(keys::kIdEnd));
  alloc->end_ = end.value_or(0);
  alloc->last_ = alloc->end_;
  return alloc;
}

Status IdAllocator::EnsureLocked(uint64_t last_needed) {
  if (last_needed <= end_) return Status::OK();
  FAIL_POINT("pd.id.save-batch");
  uint64_t new_end = std::max(last_needed, end_ + options_.batch);
  RETURN_IF_ERROR(storage_->PutU64(keys::kIdEnd, new_end).WithContext("persist id batch"));
  end_ = new_end;
  return Status::OK();
}

Result<uint64_t> IdAllocator::Alloc() { return AllocN(1); }

Result<uint64_t> IdAllocator::AllocN(uint64_t n) {
  if (n == 0) return Status::InvalidArgument("AllocN: n must be > 0");
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(EnsureLocked(last_ + n));
  uint64_t first = last_ + 1;
  last_ += n;
  return first;
}

Status IdAllocator::Rebase(uint64_t used) {
  std::lock_guard<std::mutex> lock(mu_);
  if (used <= last_) return Status::OK();
  RETURN_IF_ERROR(EnsureLocked(used));
  last_ = used;
  return Status::OK();
}

}  // namespace brkv::pd
