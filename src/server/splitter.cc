#include "server/splitter.h"

#include <algorithm>

#include "common/logging.h"

namespace brkv::server {

Result<std::vector<metapb::Region>> RegionSplitter::Split(uint64_t region_id,
                                                          const metapb::RegionEpoch& epoch,
                                                          std::vector<std::string> split_keys,
                                                          errorpb::Error* err) {
  kvrpcpb::Context ctx;
  ctx.set_region_id(region_id);
  *ctx.mutable_region_epoch() = epoch;
  metapb::Region region;
  RETURN_IF_ERROR(regions_->CheckContext(ctx, &region, err));

  std::sort(split_keys.begin(), split_keys.end());
  split_keys.erase(std::unique(split_keys.begin(), split_keys.end()), split_keys.end());
  std::vector<std::string> keys;
  keys.reserve(split_keys.size());
  for (auto& k : split_keys) {
    RETURN_IF_ERROR(RegionManager::CheckKeyInRegion(region, k, err));
    if (k == region.start_key()) continue;  // already a boundary
    keys.push_back(std::move(k));
  }
  if (keys.empty()) return std::vector<metapb::Region>{region};

  if (pd_ == nullptr) return Status::Unavailable("split needs PD, and no PD client is set");
  auto ids = pd_->AskBatchSplit(region, static_cast<uint32_t>(keys.size()));
  if (!ids.ok()) return ids.status().WithContext("AskBatchSplit for region " +
                                                 std::to_string(region_id));
  ASSIGN_OR_RETURN(std::vector<metapb::Region> result,
                   regions_->ApplySplit(region_id, epoch, keys, *ids, err));

  Status reported = pd_->ReportBatchSplit(result);
  if (!reported.ok()) {
    LOG_WARN("ReportBatchSplit for region {} failed (heartbeats will catch up): {}", region_id,
             reported.ToString());
  }
  return result;
}

}  // namespace brkv::server
