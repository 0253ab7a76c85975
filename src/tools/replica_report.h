// How kvctl reports replication health: per region, its peers (with what is wrong with each)
// and how many of its voters are healthy compared with PD's target replica count; and the
// "N regions under-replicated (target R replicas)" summary line.
//
// A voter counts as healthy when its store is known, not a tombstone and not down, and the
// leader reports it neither down nor pending (still catching up). A voter on an Offline store
// (kvctl store delete) still counts: it serves until PD has replaced it.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "client/pd_client.h"
#include "proto/pdpb.pb.h"

namespace brkv::tools {

struct RegionReplicas {
  uint32_t voters = 0;
  uint32_t healthy_voters = 0;
  // Store ids of the peers, each marked when it is not a healthy voter:
  // "1,2,4(learner),3(down)". Marks: learner, down, pending, offline, tombstone, unknown-store.
  std::string peers;
  // healthy_voters < target.
  bool under_replicated = false;
};

// `stores` by id, as GetAllStores returns them.
RegionReplicas DescribeReplicas(const client::RegionInfo& region,
                                const std::map<uint64_t, brkvpb::StoreInfo>& stores,
                                uint32_t target_replicas);

// "N regions under-replicated (target R replicas)".
std::string UnderReplicatedSummary(size_t under, uint32_t target_replicas);

}  // namespace brkv::tools
