// Test harness for the Raft core: a few RawNodes over MemoryStorage, joined by a synchronous
// in-memory network that can cut links and drop message types. Each node's Readies are handled
// the way an application must (persist, then send, then apply, then advance). Test-only.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "raft/memory_storage.h"
#include "raft/raw_node.h"

namespace brkv::raft::test {

inline Config TestConfig(uint64_t id, int election = 10, int heartbeat = 1) {
  Config c;
  c.id = id;
  c.election_tick = election;
  c.heartbeat_tick = heartbeat;
  c.max_inflight_msgs = 256;
  c.rand_seed = id * 7919;
  return c;
}

struct TestNode {
  std::unique_ptr<MemoryStorage> storage;
  std::unique_ptr<RawNode> node;
  std::vector<eraftpb::Entry> applied;  // normal entries with data, in apply order
  eraftpb::ConfState conf_state;
  uint64_t applied_index = 0;
  // A stuck state machine applies nothing: committed entries wait in `unapplied` (as a
  // raftstore replica missing an SST to ingest) until a snapshot replaces the state machine.
  bool stuck = false;
  std::vector<eraftpb::Entry> unapplied;

  Raft& raft() { return node->raft(); }
};

class Network {
 public:
  // Nodes 1..n, all voters, each with the given config tweak applied.
  explicit Network(int n, std::function<void(Config&)> tweak = nullptr) {
    std::vector<uint64_t> ids;
    for (int i = 1; i <= n; ++i) ids.push_back(static_cast<uint64_t>(i));
    for (uint64_t id : ids) AddNode(id, ids, tweak);
  }

  // Adds a node with its own storage; `voters` is its initial membership (empty: a new node
  // that learns membership from the leader).
  void AddNode(uint64_t id, const std::vector<uint64_t>& voters,
               std::function<void(Config&)> tweak = nullptr) {
    TestNode tn;
    tn.storage = std::make_unique<MemoryStorage>(MemoryStorage::WithVoters(voters));
    tn.conf_state = tn.storage->InitialState()->conf_state;
    Config c = TestConfig(id);
    if (tweak) tweak(c);
    auto n = RawNode::Create(c, tn.storage.get());
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    tn.node = std::move(*n);
    tn.applied_index = tn.node->raft().raft_log().applied();
    nodes_[id] = std::move(tn);
  }

  TestNode& Node(uint64_t id) { return nodes_.at(id); }
  Raft& R(uint64_t id) { return nodes_.at(id).raft(); }
  std::map<uint64_t, TestNode>& nodes() { return nodes_; }

  void Cut(uint64_t a, uint64_t b) {
    cut_.insert({a, b});
    cut_.insert({b, a});
  }
  void Isolate(uint64_t id) {
    for (auto& [o, _] : nodes_) {
      if (o != id) Cut(id, o);
    }
  }
  void Recover() {
    cut_.clear();
    drop_types_.clear();
  }
  void DropType(eraftpb::MessageType t) { drop_types_.insert(t); }
  // Every message that passes the network, in order, for assertions.
  std::vector<eraftpb::Message>& log() { return log_; }

  // Handles Readies and delivers messages until nothing moves.
  void Stabilize(int max_rounds = 1000) {
    for (int round = 0; round < max_rounds; ++round) {
      std::vector<eraftpb::Message> out;
      bool any = false;
      for (auto& [id, tn] : nodes_) {
        while (tn.node->HasReady()) {
          any = true;
          HandleReady(tn, &out);
        }
      }
      if (out.empty() && !any) return;
      for (auto& m : out) Deliver(m);
    }
    ADD_FAILURE() << "network did not stabilize";
  }

  // Sends one message into the network and stabilizes.
  void Send(const eraftpb::Message& m) {
    Deliver(m);
    Stabilize();
  }

  void Campaign(uint64_t id) {
    Node(id).node->Campaign();
    Stabilize();
  }

  Status Propose(uint64_t id, const std::string& data) {
    Status s = Node(id).node->Propose(data);
    Stabilize();
    return s;
  }

  void TickAll(int n) {
    for (int i = 0; i < n; ++i) {
      for (auto& [id, tn] : nodes_) tn.node->Tick();
      Stabilize();
    }
  }

  std::vector<std::string> AppliedData(uint64_t id) {
    std::vector<std::string> out;
    for (auto& e : Node(id).applied) out.push_back(e.data());
    return out;
  }

 private:
  void HandleReady(TestNode& tn, std::vector<eraftpb::Message>* out) {
    Ready rd = tn.node->GetReady();
    if (rd.snapshot) {
      const auto& meta = rd.snapshot->metadata();
      if (rd.snapshot_keeps_log) {
        EXPECT_TRUE(tn.storage->ApplySnapshotKeepingLog(*rd.snapshot).ok());
      } else {
        EXPECT_TRUE(tn.storage->ApplySnapshot(*rd.snapshot).ok());
      }
      tn.conf_state = meta.conf_state();
      tn.applied_index = meta.index();
      tn.stuck = false;
      // Entries handed out before but covered by the snapshot are skipped.
      std::erase_if(tn.unapplied,
                    [&](const eraftpb::Entry& e) { return e.index() <= meta.index(); });
    }
    EXPECT_TRUE(tn.storage->Append(rd.entries).ok());
    if (rd.hard_state) tn.storage->SetHardState(*rd.hard_state);
    for (auto& m : rd.messages) out->push_back(m);
    tn.unapplied.insert(tn.unapplied.end(), rd.committed_entries.begin(),
                        rd.committed_entries.end());
    if (!tn.stuck) {
      for (const auto& e : tn.unapplied) {
        if (e.index() <= tn.applied_index) continue;
        if (e.entry_type() == eraftpb::EntryConfChange) {
          eraftpb::ConfChange cc;
          cc.ParseFromString(e.data());
          auto cs = tn.node->ApplyConfChange(cc);
          if (cs.ok()) tn.conf_state = *cs;
        } else if (!e.data().empty()) {
          tn.applied.push_back(e);
        }
        tn.applied_index = e.index();
      }
      tn.unapplied.clear();
    }
    tn.node->AdvanceAppend(rd);
    tn.node->AdvanceApplyTo(tn.applied_index);
  }

  void Deliver(const eraftpb::Message& m) {
    if (cut_.count({m.from(), m.to()}) || drop_types_.count(m.msg_type())) return;
    auto it = nodes_.find(m.to());
    if (it == nodes_.end()) return;
    log_.push_back(m);
    (void)it->second.node->Step(m);
  }

  std::map<uint64_t, TestNode> nodes_;
  std::set<std::pair<uint64_t, uint64_t>> cut_;
  std::set<eraftpb::MessageType> drop_types_;
  std::vector<eraftpb::Message> log_;
};

}  // namespace brkv::raft::test
