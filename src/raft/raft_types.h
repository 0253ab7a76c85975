// Shared vocabulary of the Raft core: ids, roles, configuration, storage error codes.
//
// The core (src/raft/) is a pure state machine in the style of etcd raft: no I/O, no clock and
// no randomness except through its inputs (Tick, Step, Propose and a seeded Config::rand_seed),
// so a simulator can drive many nodes deterministically. Thread-safety: none; one thread owns a
// node.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "proto/eraftpb.pb.h"

namespace brkv::raft {

// Node (peer) id 0 means "nobody".
inline constexpr uint64_t kNone = 0;

enum class StateRole { kFollower, kCandidate, kLeader, kPreCandidate };
const char* RoleName(StateRole r);

struct Config {
  // This node's id. Must not be kNone.
  uint64_t id = kNone;
  // Ticks without hearing from a leader before a follower starts an election; the actual timeout
  // is drawn uniformly from [election_tick, 2 * election_tick). Must be > heartbeat_tick.
  // Default: 10.
  int election_tick = 10;
  // Ticks between leader heartbeats. Default: 1 (raftstore uses 2 with a shorter tick).
  int heartbeat_tick = 1;
  // Last applied index when restarting a node (entries up to it are not handed out again).
  // Default: 0.
  uint64_t applied = 0;
  // Upper bound on the byte size of entries in one MsgAppend (at least one entry is always
  // sent). Default: 1 MiB.
  uint64_t max_size_per_msg = 1 << 20;
  // Maximum in-flight MsgAppends to a follower in replicate state. Default: 256.
  int max_inflight_msgs = 256;
  // The leader steps down when it has not heard from a quorum within an election timeout, and a
  // node that heard from a leader within the minimum election timeout ignores vote requests
  // (a leader lease on votes). Default: true.
  bool check_quorum = true;
  // Campaign with a pre-vote round first, so a partitioned node rejoining does not inflate the
  // term and depose a healthy leader. Default: true.
  bool pre_vote = true;
  // Seed of the node's private random source (election timeout jitter). Default: the id.
  uint64_t rand_seed = 0;
  // Maximum byte size of committed entries handed out in one Ready. Default: unlimited.
  uint64_t max_committed_size_per_ready = UINT64_MAX;

  // Returns InvalidArgument naming the bad field.
  Status Validate() const;
};

// Status codes a Storage returns, and how the core reads them:
//  NotFound      - the requested index was compacted away (send a snapshot instead).
//  Unavailable   - the index is beyond the last index.
//  Busy          - a snapshot is being generated; ask again later.
inline Status ErrCompacted() { return Status::NotFound("raft: requested index is compacted"); }
inline Status ErrUnavailable() { return Status::Unavailable("raft: requested index is unavailable"); }
inline Status ErrSnapshotTemporarilyUnavailable() {
  return Status::Busy("raft: snapshot is temporarily unavailable");
}
inline bool IsCompacted(const Status& s) { return s.code() == Status::Code::kNotFound; }
inline bool IsSnapshotTemporarilyUnavailable(const Status& s) {
  return s.code() == Status::Code::kBusy;
}

// The next value of a splitmix64 sequence: deterministic for a given state on every platform
// (the core's and the simulator's only source of randomness).
inline uint64_t SplitMix64(uint64_t* state) {
  *state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = *state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Returns the byte size of an entry as counted against size limits.
inline uint64_t EntrySize(const eraftpb::Entry& e) { return e.ByteSizeLong(); }

// "MsgAppend 1->2 term 3 ..." for logs and test failures.
std::string DescribeMessage(const eraftpb::Message& m);

}  // namespace brkv::raft
