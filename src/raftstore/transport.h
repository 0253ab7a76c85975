// Transport: how a store's Raft messages reach other stores. The store hands over every message
// of one loop turn together, so an implementation can batch per destination store (one
// BatchRaft stream per store). Delivery is best effort: Raft tolerates loss, duplication and
// reordering. Thread-safety: implementations must be callable from the store's raft thread.
#pragma once

#include <vector>

#include "proto/raft_serverpb.pb.h"

namespace brkv::raftstore {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends messages; each names its destination in to_peer.store_id.
  virtual void Send(std::vector<raft_serverpb::RaftMessage> msgs) = 0;
};

}  // namespace brkv::raftstore
