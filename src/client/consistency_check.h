// Replica consistency check of a region: do all its replicas hold the same data?
//
// The region's leader proposes a ComputeHash Raft command; every replica hashes the region's
// data when it applies it, so all hash the same log position (raftstore/consistency.h). The
// checker then asks each replica's store for its hash and compares. It is what TiKV's
// `tikv-ctl consistency-check` starts, with the answer brought back to the caller instead of a
// mismatching replica panicking.
//
// grpc++ stays out of this header (kvctl and br include it). Thread-safety: the function is
// thread-safe given thread-safe arguments.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/pd_client.h"
#include "client/store_client.h"
#include "common/status.h"
#include "proto/metapb.pb.h"

namespace brkv::client {

struct ReplicaHash {
  metapb::Peer peer;
  bool leader = false;
  bool answered = false;  // false: see `error`
  uint64_t hash = 0;
  uint64_t total_kvs = 0;
  uint64_t total_bytes = 0;
  std::string error;
};

struct RegionConsistency {
  metapb::Region region;  // as of the check
  uint64_t index = 0;     // the log index every replica hashed at
  std::vector<ReplicaHash> replicas;  // the leader first, then the region's other peers

  // Every replica answered.
  bool complete() const;
  // Every replica answered with the leader's hash.
  bool consistent() const;
  // One line: "region 12: 3 replicas agree (crc64 0x..., 1200 kvs)" or what differs / who did
  // not answer.
  std::string Describe() const;
};

struct ConsistencyCheckOptions {
  // Whole check, retries included (a leader change, a split, a replica that caught up by a
  // snapshot past the check and must be asked again). Default: 60 s.
  int64_t timeout_ms = 60000;
  // Longest to wait for one replica to apply the check. Default: 10 s.
  int64_t replica_wait_ms = 10000;
};

// Checks the region. OK with *out filled when every replica answered, whether or not they
// agree (look at out->consistent()); Unavailable with *out holding what was learned when some
// replica never answered within the timeout (down, or far behind); NotFound when PD does not
// know the region; other errors as the leader reported them.
Status CheckRegionConsistency(PdClient* pd, ChannelCache* channels, uint64_t region_id,
                              const ConsistencyCheckOptions& options, RegionConsistency* out);

}  // namespace brkv::client
