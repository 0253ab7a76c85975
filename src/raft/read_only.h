// ReadOnly: the leader's queue of linearizable read requests (ReadIndex). A request records the
// commit index when it arrived; it is answered once a quorum has acknowledged a heartbeat sent
// after it (proving this node was still leader), in arrival order. Thread-safety: none.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "raft/raft_types.h"

namespace brkv::raft {

// A read the application may serve once its applied index reaches `index`.
struct ReadState {
  uint64_t index = 0;
  std::string request_ctx;
};

struct ReadIndexStatus {
  eraftpb::Message req;  // the MsgReadIndex (from this node or a follower)
  uint64_t index = 0;
  std::set<uint64_t> acks;
};

class ReadOnly {
 public:
  // Queues a request keyed by its context (req.entries(0).data()); a duplicate is ignored.
  void AddRequest(uint64_t index, const eraftpb::Message& req, uint64_t self);
  // Records a heartbeat acknowledgement; returns the ack count for ctx (0 if unknown).
  size_t RecvAck(uint64_t id, const std::string& ctx);
  // Pops every request up to and including ctx.
  std::vector<ReadIndexStatus> Advance(const std::string& ctx);
  // The context of the newest pending request ("" if none).
  std::string LastPendingRequestCtx() const;
  size_t PendingCount() const { return queue_.size(); }
  void Reset() {
    pending_.clear();
    queue_.clear();
  }

 private:
  std::map<std::string, ReadIndexStatus> pending_;
  std::deque<std::string> queue_;
};

}  // namespace brkv::raft
