#include "pd/tso.h"

#include <algorithm>

#include "common/failpoint.h"
#include "common/logging.h"

namespace brkv::pd {

Result<std::unique_ptr<TimestampOracle>> TimestampOracle::Open(PdStorage* storage, Clock* clock,
                                                               TsoOptions options) {
  if (options.save_window_ms <= 0) return Status::InvalidArgument("TSO save window must be > 0");
  std::unique_ptr<TimestampOracle> tso(new TimestampOracle(storage, clock, options));
  ASSIGN_OR_RETURN(std::optional<uint64_t> saved, storage->GetU64(keys::kTsoMax));
  int64_t saved_ms = saved ? static_cast<int64_t>(*saved) : 0;
  std::lock_guard<std::mutex> lock(tso->mu_);
  // Everything issued before had physical < saved_ms, so (saved_ms, 0) is above all of it.
  tso->physical_ = std::max(clock->NowMs(), saved_ms);
  tso->logical_ = 0;
  RETURN_IF_ERROR(tso->SaveWindowLocked(tso->physical_ + options.save_window_ms));
  LOG_INFO("TSO starts at physical {} ms (saved window end was {} ms)", tso->physical_, saved_ms);
  return tso;
}

Status TimestampOracle::SaveWindowLocked(int64_t end_ms) {
  FAIL_POINT("pd.tso.save-window");
  RETURN_IF_ERROR(storage_->PutU64(keys::kTsoMax, static_cast<uint64_t>(end_ms)));
  saved_end_ = end_ms;
  return Status::OK();
}

Result<uint64_t> TimestampOracle::GetTS(uint32_t count) {
  if (count == 0 || count > kMaxLogical) {
    return Status::InvalidArgument("TSO count must be in [1, " + std::to_string(kMaxLogical) +
                                   "], got " + std::to_string(count));
  }
  std::lock_guard<std::mutex> lock(mu_);
  int64_t physical = physical_;
  int64_t logical = logical_;
  int64_t now = clock_->NowMs();
  if (now > physical) {
    physical = now;
    logical = 0;
  }
  if (logical + static_cast<int64_t>(count) > static_cast<int64_t>(kMaxLogical)) {
    // Logical space of this millisecond is used up: borrow the next one.
    physical += 1;
    logical = 0;
  }
  if (physical >= saved_end_) {
    RETURN_IF_ERROR(SaveWindowLocked(physical + options_.save_window_ms)
                        .WithContext("TSO: cannot persist timestamp window"));
  }
  physical_ = physical;
  logical_ = logical + count;
  return ComposeTs(physical_, logical_);
}

}  // namespace brkv::pd
