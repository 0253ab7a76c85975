// StoreClient: the RPCs PD sends to kv-servers (tikvpb.Tikv SplitRegion / TransferOut /
// TransferIn), behind an interface so split/scatter logic can be tested with a fake.
//
// Every call has a deadline. Transport failures come back as Unavailable; a region error in the
// response as RegionError (with the EpochNotMatch regions, when the node sent them, in
// `current_regions`); any other error string as Aborted.
// Thread-safety: implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/kvrpcpb.pb.h"
#include "proto/metapb.pb.h"

namespace brkv::pd {

struct StoreCallError {
  Status status;
  // Regions from an EpochNotMatch region error, newest first as the node reported them.
  std::vector<metapb::Region> current_regions;
};

class StoreClient {
 public:
  virtual ~StoreClient() = default;
  // Splits the region in `ctx` at `split_keys` (sorted, inside the region). On success fills
  // `regions` with every resulting region in key order.
  virtual Status SplitRegion(const std::string& address, const kvrpcpb::Context& ctx,
                             const std::vector<std::string>& split_keys,
                             std::vector<metapb::Region>* regions,
                             std::vector<metapb::Region>* current_regions) = 0;
  // Asks the node to drop the (empty) region in `ctx`.
  virtual Status TransferOut(const std::string& address, const kvrpcpb::Context& ctx) = 0;
  // Asks the node to start serving `region`.
  virtual Status TransferIn(const std::string& address, const metapb::Region& region) = 0;
};

struct GrpcStoreClientOptions {
  // Deadline of one RPC. Default: 10 s.
  int64_t rpc_timeout_ms = 10000;
};

// The production StoreClient over gRPC; channels are cached per address.
std::unique_ptr<StoreClient> NewGrpcStoreClient(GrpcStoreClientOptions options = {});

}  // namespace brkv::pd
