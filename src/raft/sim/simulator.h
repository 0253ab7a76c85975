// Simulator: a seeded, deterministic cluster of Raft nodes in one thread, for proving the core's
// safety under faults (reference: FoundationDB-style simulation).
//
// Each node is a RawNode over a MemoryStorage that plays the node's disk: a node persists a
// Ready in one atomic step, and a crash loses everything not yet persisted (its unstable log,
// a Ready taken but not persisted, its volatile state machine). The network drops, duplicates,
// delays and reorders messages and can be partitioned. Everything random comes from the seed,
// so a failing seed replays exactly.
//
// After every step the simulator checks Raft's safety properties and records the first
// violation: election safety (one leader per term), no double vote in a term across crashes,
// state machine safety (every node applies the same entry at each index, and a snapshot carries
// exactly the agreed log's state at its index), durability of
// acknowledged proposals, linearizable ReadIndex reads, and (periodically) log matching. At the
// end it heals the cluster and checks liveness: a leader emerges and every node converges.
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "raft/memory_storage.h"
#include "raft/raw_node.h"

namespace brkv::raft::sim {

struct SimOptions {
  uint64_t seed = 1;
  // Initial voters 1..nodes; spare ids nodes+1..nodes+spares join through membership changes.
  int nodes = 3;
  int spares = 0;
  int steps = 3000;
  // Per-message fault probabilities (in percent) while faults are on.
  int drop_pct = 5;
  int dup_pct = 3;
  int max_delay = 8;  // steps a message may wait (reordering)
  bool crashes = true;
  bool partitions = true;
  bool compaction = true;
  bool transfers = true;
  bool reads = true;
  bool conf_changes = false;
  // A random follower asks the leader for a snapshot (RawNode::RequestSnapshot) at random
  // times; half of the time its state machine is also stuck (it applies nothing more until the
  // snapshot arrives, as a replica missing an SST to ingest).
  bool snapshot_requests = true;
  bool pre_vote = true;
  bool check_quorum = true;
  // Steps allowed for the healed cluster to converge at the end.
  int converge_steps = 4000;
};

struct SimResult {
  bool ok = true;
  std::string violation;  // the first broken property, with the step it broke at
  uint64_t proposals_acked = 0;
  uint64_t reads_served = 0;
  uint64_t crashes = 0;
  uint64_t snapshots_sent = 0;
  uint64_t snapshot_requests = 0;
  uint64_t snapshots_kept_log = 0;  // snapshots installed under a kept log (after a request)
  // Stuck nodes let go halfway through convergence because they held unapplied membership
  // changes (see Simulator::ReleaseStuckWithUnappliedConfChanges).
  uint64_t stuck_released = 0;
  uint64_t leaders_elected = 0;
  uint64_t conf_changes = 0;
  uint64_t final_applied = 0;
};

class Simulator {
 public:
  explicit Simulator(const SimOptions& o);
  ~Simulator();
  // Runs the whole simulation: faults for `steps`, then healing and convergence.
  SimResult Run();

 private:
  struct Node;
  struct InFlight {
    uint64_t deliver_at;
    uint64_t seq;
    eraftpb::Message m;
  };

  uint64_t Rand(uint64_t n);
  bool Chance(int pct) { return static_cast<int>(Rand(100)) < pct; }

  void StartNode(uint64_t id);
  void Crash(uint64_t id);
  void Step();
  void TickAll();
  void HandleReady(uint64_t id, bool crash_before_persist);
  void ApplyEntry(Node& n, const eraftpb::Entry& e);
  void InstallSnapshot(Node& n, const Ready& rd);
  void RequestSnapshot();
  void ApplyQueued(Node& n);
  void ReleaseStuckWithUnappliedConfChanges();
  void DeliverDue(bool all);
  void Send(const eraftpb::Message& m);
  void Propose();
  void Read();
  void ChangeMembership();
  void Compact(uint64_t id);
  void Transfer();
  void Partition();
  bool Linked(uint64_t a, uint64_t b) const;
  std::vector<uint64_t> Ids() const;
  std::optional<uint64_t> AnyLeader() const;

  void Check();
  void CheckLogMatching();
  void Fail(const std::string& what);
  bool Converged();

  SimOptions o_;
  uint64_t rng_;
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
  bool faults_ = true;
  std::map<uint64_t, std::unique_ptr<Node>> nodes_;
  std::vector<InFlight> net_;
  std::map<uint64_t, int> side_;  // partition: node -> side; empty = fully connected
  SimResult res_;

  // Global history for the checks.
  std::map<uint64_t, uint64_t> leader_of_term_;
  std::map<std::pair<uint64_t, uint64_t>, uint64_t> vote_of_;  // (node, term) -> vote
  std::map<uint64_t, std::pair<uint64_t, std::string>> applied_log_;  // index -> (term, data)
  std::set<std::string> acked_;  // proposals a leader applied (clients were told OK)
  uint64_t next_value_ = 0;
  uint64_t next_read_ = 0;
};

// Runs `o` for seeds [first, first + count); returns the failures ("seed N: ...").
std::vector<std::string> RunSeeds(SimOptions o, uint64_t first, uint64_t count);

}  // namespace brkv::raft::sim
