// BackupTopology: where a backup's requests go — the stores to push the backup down to, and the
// current regions (with their leader's store) over a key range for the fine-grained phase.
// Production reads PD; unit tests use an in-memory fake.
//
// Keys given to Regions are in the REGION KEY SPACE (kv/keys.h): RegionBoundsOf converts a raw
// backup range (TiDB keys, or raw-KV user keys) into it.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "br/range_tree.h"
#include "common/status.h"
#include "proto/metapb.pb.h"

namespace brkv::client {
class PdClient;
}

namespace brkv::br {

struct StoreTarget {
  uint64_t id = 0;
  std::string address;
  // PD's view: no heartbeat within its down threshold (the push-down still tries it).
  bool down = false;
  // The store's build version (metapb.Store.version).
  std::string version;
};

struct RegionTarget {
  metapb::Region region;
  // The store of the region's leader, and its address ("" when PD knows no leader).
  uint64_t store_id = 0;
  std::string address;
};

class BackupTopology {
 public:
  virtual ~BackupTopology() = default;
  // Every store that is not a tombstone, in id order.
  virtual Result<std::vector<StoreTarget>> Stores() = 0;
  // The regions overlapping [region_start, region_end) (end "" = +inf), in key order.
  virtual Result<std::vector<RegionTarget>> Regions(const std::string& region_start,
                                                    const std::string& region_end) = 0;
};

// A topology read from PD (`pd` must outlive it). Store addresses are cached and refreshed when
// a region names a store the cache does not know.
std::unique_ptr<BackupTopology> NewPdBackupTopology(client::PdClient* pd);

// The region-key-space bounds of a raw backup range: EncodeBytes for TiDB keys ("" stays "" at
// both ends), 'r' + key for raw-KV user keys (an empty end becomes the end of the raw space).
KeyRange RegionBoundsOf(const KeyRange& raw, bool is_raw_kv);

}  // namespace brkv::br
