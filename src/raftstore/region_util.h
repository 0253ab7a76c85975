// Region helpers for the raftstore: membership as a Raft ConfState, epoch checks by command
// kind (TiKV's table), data ranges, and errorpb builders. Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "proto/errorpb.pb.h"
#include "proto/metapb.pb.h"
#include "proto/raft_cmdpb.pb.h"
#include "raft/raft_types.h"

namespace brkv::raftstore {

eraftpb::ConfState ConfStateFromRegion(const metapb::Region& region);
const metapb::Peer* FindPeer(const metapb::Region& region, uint64_t peer_id);
const metapb::Peer* FindPeerOnStore(const metapb::Region& region, uint64_t store_id);
bool KeyInRegion(const metapb::Region& region, std::string_view key);

// Which parts of the epoch a command must match (TiKV's admin_cmd_epoch_lookup): data
// requests check version; ChangePeer checks conf_ver; BatchSplit checks both; TransferLeader
// and CompactLog check nothing.
struct EpochCheck {
  bool version = false;
  bool conf_ver = false;
};
EpochCheck EpochCheckFor(const raft_cmdpb::RaftCmdRequest& req);
// True when the request's epoch is current for the parts the command checks.
bool EpochMatches(const raft_cmdpb::RaftCmdRequest& req, const metapb::Region& region);

errorpb::Error NotLeaderErr(uint64_t region_id, const metapb::Peer* leader);
errorpb::Error RegionNotFoundErr(uint64_t region_id);
errorpb::Error EpochNotMatchErr(const metapb::Region& current);
errorpb::Error KeyNotInRegionErr(std::string_view key, const metapb::Region& region);
errorpb::Error StaleCommandErr(std::string_view why);
// Status::RegionError with the error's message.
Status ToStatus(const errorpb::Error& e);

}  // namespace brkv::raftstore
