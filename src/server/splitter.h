// RegionSplitter: carries out one region split end to end (TiKV's split flow, single replica).
//
//   1. normalise the keys against the current region (sort, dedupe, drop the region's own
//      start key; a key outside the region is KeyNotInRegion);
//   2. ask PD for the new region and peer ids (AskBatchSplit);
//   3. RegionManager::ApplySplit: epoch re-check, new states persisted in one batch under the
//      region's write latch;
//   4. ReportBatchSplit to PD (best effort: region heartbeats, triggered by the manager's change
//      listener, converge PD anyway).
// Thread-safety: thread-safe; concurrent splits of one region resolve by epoch (the loser gets
// EpochNotMatch).
#pragma once

#include <string>
#include <vector>

#include "client/pd_client.h"
#include "common/status.h"
#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"
#include "server/region_manager.h"

namespace brkv::server {

class RegionSplitter {
 public:
  // Both must outlive the splitter.
  RegionSplitter(RegionManager* regions, client::PdClient* pd) : regions_(regions), pd_(pd) {}

  // Splits region_id, whose epoch the caller believes is `epoch`, at `split_keys` (region key
  // space, any order). Returns all regions covering the old range afterwards, in key order
  // (just the region itself when no key is left after normalisation). Region errors as
  // RegionManager (with *err filled); Unavailable when PD cannot be reached.
  Result<std::vector<metapb::Region>> Split(uint64_t region_id, const metapb::RegionEpoch& epoch,
                                            std::vector<std::string> split_keys,
                                            errorpb::Error* err);

 private:
  RegionManager* const regions_;
  client::PdClient* const pd_;
};

}  // namespace brkv::server
