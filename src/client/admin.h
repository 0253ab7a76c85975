// Admin: cluster-wide region and checksum operations used by br, kvctl and tests.
//
// SplitRegions sends SplitRegion to the leader of each affected region (not PD); the node
// splits, reports to PD and answers with the new regions, which go into the region cache.
// ScatterRegions asks PD to spread regions over the stores. Checksum cuts the ranges at region
// boundaries, asks each region's leader for the MVCC checksum at ts (resolving locks and
// retrying region errors), and folds the partial results.
// Thread-safety: thread-safe; owned by Cluster.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "client/types.h"
#include "common/checksum.h"
#include "common/status.h"
#include "proto/metapb.pb.h"

namespace brkv::client {

class Cluster;

// The form of the keys given to SplitRegions.
enum class SplitKeyForm {
  kTxnRawKey,    // raw TiDB key (t…_r…); split at keys::TxnRegionKey(key)
  kRawKvKey,     // raw-KV user key; split at keys::RawRegionKey(key)
  kRegionKey,    // already in the region key space; used as is
};

// Checksum with keys rewritten: the data read under new_prefix is hashed as if its keys began
// with old_prefix (raw key prefixes), so a restored table can be compared with its backup.
struct ChecksumRewriteRule {
  std::string old_prefix;
  std::string new_prefix;
};

class Admin {
 public:
  explicit Admin(Cluster* cluster) : cluster_(cluster) {}

  // Splits the regions at the keys (any order; duplicates and keys that already are region
  // boundaries are skipped). Returns the regions that resulted from the splits, in key order
  // (empty if nothing needed splitting). Errors: the node's refusal (Internal), or the
  // retry budget spent on region errors.
  Result<std::vector<metapb::Region>> SplitRegions(const std::vector<std::string>& keys,
                                                   SplitKeyForm form);
  // Asks PD to scatter the regions. Returns the ids PD could not move (empty = all moved).
  // NotSupported when the cluster has no PD client.
  Result<std::vector<uint64_t>> ScatterRegions(const std::vector<uint64_t>& region_ids);
  // crc64xor / total_kvs / total_bytes of the transactional data visible at ts in the ranges
  // (raw TiDB keys, end "" = +inf; ranges may overlap only if the caller wants double counts).
  Result<brkv::Checksum> Checksum(const std::vector<KeyRange>& ranges, uint64_t ts,
                                  const std::optional<ChecksumRewriteRule>& rule = std::nullopt);

 private:
  Cluster* cluster_;
};

}  // namespace brkv::client
