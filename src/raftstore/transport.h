// Transport: how a store's Raft messages reach other stores. The store hands over every message
// of one loop turn together, so an implementation can batch per destination store (one
// BatchRaft stream per store). Delivery is best effort: Raft tolerates loss, duplication and
// reordering. Thread-safety: implementations must be callable from the store's raft thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "proto/raft_serverpb.pb.h"

namespace brkv::raftstore {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends messages; each names its destination in to_peer.store_id.
  virtual void Send(std::vector<raft_serverpb::RaftMessage> msgs) = 0;
  // A region snapshot: its MsgSnapshot and, in the order of the snapshot's meta.cf_files, the
  // paths of its CF files on this store ("" for a CF without a file).
  struct OutgoingSnapshot {
    raft_serverpb::RaftMessage msg;
    std::vector<std::string> files;
  };
  // Sends a snapshot with its files (tikvpb.Tikv/Snapshot) without blocking the caller, then
  // calls `done` once, from any thread: true when the receiving store has every file and the
  // message, false when it does not (Raft sends another snapshot later).
  virtual void SendSnapshot(OutgoingSnapshot snap, std::function<void(bool delivered)> done) = 0;
};

}  // namespace brkv::raftstore
