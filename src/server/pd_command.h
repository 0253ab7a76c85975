// PD's commands to a region's leader, carried in region heartbeat responses (PD's operators, one
// step at a time): add a peer or learner, promote a learner, remove a peer, transfer leadership.
// Each becomes a Raft admin command proposed to the region; PD sees its effect in a later
// heartbeat and sends the next step. A command for another region or an older epoch is
// dropped (PD will send it again if still wanted).
// Thread-safety: thread-safe (the RaftStore's inputs are).
#pragma once

#include <string>

#include "proto/metapb.pb.h"
#include "proto/pdpb.pb.h"

namespace brkv::raftstore {
class RaftStore;
}  // namespace brkv::raftstore

namespace brkv::server {

// "add learner peer 12 on store 3" etc.; empty when the response carries no command.
std::string DescribePdCommand(const pdpb::RegionHeartbeatResponse& resp);

// Proposes the command in `resp` (if any) to `region` — as this store's leader replica last
// reported it — and returns at once; the outcome is logged. False when there was nothing to do
// or the command does not apply to this region.
bool ExecutePdCommand(raftstore::RaftStore* store, const metapb::Region& region,
                      const pdpb::RegionHeartbeatResponse& resp);

}  // namespace brkv::server
