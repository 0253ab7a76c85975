#include "raft/sim/simulator.h"

#include <algorithm>
#include <functional>

namespace brkv::raft::sim {

namespace {

// Raft state of a freshly bootstrapped group starts at this index, as TiKV's regions do, so a
// node added later (empty log) always catches up through a snapshot.
constexpr uint64_t kInitIndex = 5;

std::string EncodeValues(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    out += v[i];
  }
  return out;
}

std::vector<std::string> DecodeValues(const std::string& s) {
  std::vector<std::string> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t p = s.find(',', start);
    out.push_back(s.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

// A node's disk. Like a raftstore, it makes a snapshot on demand from the state machine's
// applied state (so it always carries the current membership), and sometimes answers "being
// generated, ask again".
class SimStorage : public MemoryStorage {
 public:
  std::function<Result<eraftpb::Snapshot>()> generate;

  Result<eraftpb::Snapshot> Snapshot(uint64_t request_index) const override {
    if (generate) return generate();
    return MemoryStorage::Snapshot(request_index);
  }
};

}  // namespace

struct Simulator::Node {
  uint64_t id = 0;
  std::unique_ptr<SimStorage> disk;  // survives crashes
  std::unique_ptr<RawNode> raft;        // null while down
  bool removed = false;                 // applied its own removal: gone for good
  uint64_t down_until = 0;
  // Volatile state machine.
  std::vector<std::string> sm;
  uint64_t applied = 0;
  eraftpb::ConfState conf;
  // The state machine cannot apply (like a replica missing a file): committed entries wait in
  // `unapplied` until a requested snapshot replaces the state machine.
  bool stuck = false;
  std::vector<eraftpb::Entry> unapplied;
  // Reads granted by Raft, waiting for applied >= index: (index, ctx).
  std::vector<ReadState> granted_reads;
};

Simulator::Simulator(const SimOptions& o) : o_(o), rng_(o.seed * 0x2545F4914F6CDD1DULL + 1) {
  eraftpb::Snapshot boot;
  boot.mutable_metadata()->set_index(kInitIndex);
  boot.mutable_metadata()->set_term(kInitIndex);
  for (int i = 1; i <= o_.nodes; ++i) {
    boot.mutable_metadata()->mutable_conf_state()->add_voters(static_cast<uint64_t>(i));
  }
  for (int i = 1; i <= o_.nodes + o_.spares; ++i) {
    auto n = std::make_unique<Node>();
    n->id = static_cast<uint64_t>(i);
    n->disk = std::make_unique<SimStorage>();
    if (i <= o_.nodes) (void)n->disk->ApplySnapshot(boot);
    Node* np = n.get();
    n->disk->generate = [this, np]() -> Result<eraftpb::Snapshot> {
      auto stored = np->disk->MemoryStorage::Snapshot(0);
      if (!np->raft || np->applied <= stored->metadata().index()) return stored;
      if (faults_ && Chance(10)) return ErrSnapshotTemporarilyUnavailable();
      auto term = np->disk->Term(np->applied);
      if (!term.ok()) return stored;
      eraftpb::Snapshot snap;
      snap.mutable_metadata()->set_index(np->applied);
      snap.mutable_metadata()->set_term(*term);
      *snap.mutable_metadata()->mutable_conf_state() = np->conf;
      snap.set_data(EncodeValues(np->sm));
      return snap;
    };
    nodes_[n->id] = std::move(n);
  }
  for (int i = 1; i <= o_.nodes; ++i) StartNode(static_cast<uint64_t>(i));
}

Simulator::~Simulator() = default;

uint64_t Simulator::Rand(uint64_t n) {
  uint64_t z = SplitMix64(&rng_);
  return n == 0 ? 0 : z % n;
}

std::vector<uint64_t> Simulator::Ids() const {
  std::vector<uint64_t> ids;
  for (auto& [id, n] : nodes_) ids.push_back(id);
  return ids;
}

void Simulator::StartNode(uint64_t id) {
  Node& n = *nodes_.at(id);
  auto snap = n.disk->Snapshot(0);
  n.sm = DecodeValues(snap->data());
  n.applied = snap->metadata().index();
  n.conf = snap->metadata().conf_state();
  n.granted_reads.clear();
  Config c;
  c.id = id;
  c.election_tick = 10;
  c.heartbeat_tick = 2;
  c.max_inflight_msgs = 4;
  c.max_size_per_msg = 48;  // small, so long logs take several messages
  c.check_quorum = o_.check_quorum;
  c.pre_vote = o_.pre_vote;
  c.applied = n.applied;
  c.rand_seed = Rand(UINT64_MAX) | 1;
  auto r = RawNode::Create(c, n.disk.get());
  if (!r.ok()) {
    Fail("node " + std::to_string(id) + " failed to restart: " + r.status().ToString());
    return;
  }
  n.raft = std::move(*r);
}

void Simulator::Crash(uint64_t id) {
  Node& n = *nodes_.at(id);
  if (!n.raft) return;
  n.raft.reset();
  n.sm.clear();
  n.granted_reads.clear();
  n.stuck = false;  // restarted from disk, the state machine replays the log normally
  n.unapplied.clear();
  n.down_until = now_ + 50 + Rand(300);
  ++res_.crashes;
}

void Simulator::Fail(const std::string& what) {
  if (!res_.ok) return;
  res_.ok = false;
  res_.violation = "step " + std::to_string(now_) + ": " + what;
}

bool Simulator::Linked(uint64_t a, uint64_t b) const {
  if (side_.empty()) return true;
  auto sa = side_.find(a), sb = side_.find(b);
  int x = sa == side_.end() ? 0 : sa->second;
  int y = sb == side_.end() ? 0 : sb->second;
  return x == y;
}

std::optional<uint64_t> Simulator::AnyLeader() const {
  std::optional<uint64_t> out;
  uint64_t best_term = 0;
  for (auto& [id, n] : nodes_) {
    if (n->raft && n->raft->raft().state() == StateRole::kLeader &&
        n->raft->raft().term() >= best_term) {
      best_term = n->raft->raft().term();
      out = id;
    }
  }
  return out;
}

void Simulator::Send(const eraftpb::Message& m) {
  auto push = [&](uint64_t delay) { net_.push_back({now_ + delay, seq_++, m}); };
  if (!faults_) {
    push(1);
    return;
  }
  if (Chance(o_.drop_pct)) {
    if (m.msg_type() == eraftpb::MsgSnapshot) {
      Node& from = *nodes_.at(m.from());
      if (from.raft) from.raft->ReportSnapshot(m.to(), false);
    }
    return;
  }
  push(1 + Rand(static_cast<uint64_t>(o_.max_delay)));
  if (Chance(o_.dup_pct)) push(1 + Rand(static_cast<uint64_t>(o_.max_delay) * 2));
}

void Simulator::DeliverDue(bool all) {
  std::vector<InFlight> due, later;
  for (auto& f : net_) {
    (f.deliver_at <= now_ || all ? due : later).push_back(std::move(f));
  }
  net_ = std::move(later);
  std::sort(due.begin(), due.end(), [](const InFlight& a, const InFlight& b) {
    return a.deliver_at != b.deliver_at ? a.deliver_at < b.deliver_at : a.seq < b.seq;
  });
  for (auto& f : due) {
    const auto& m = f.m;
    auto it = nodes_.find(m.to());
    bool ok = it != nodes_.end() && it->second->raft && !it->second->removed &&
              Linked(m.from(), m.to());
    if (m.msg_type() == eraftpb::MsgSnapshot) {
      Node& from = *nodes_.at(m.from());
      if (ok) ++res_.snapshots_sent;
      if (from.raft) from.raft->ReportSnapshot(m.to(), ok);
    }
    if (!ok) continue;
    (void)it->second->raft->Step(m);
  }
}

void Simulator::ApplyEntry(Node& n, const eraftpb::Entry& e) {
  if (e.index() != n.applied + 1) {
    Fail("node " + std::to_string(n.id) + " applied index " + std::to_string(e.index()) +
         " after " + std::to_string(n.applied));
    return;
  }
  std::string data = e.entry_type() == eraftpb::EntryConfChange ? "cc:" + e.data() : e.data();
  auto it = applied_log_.find(e.index());
  if (it == applied_log_.end()) {
    applied_log_[e.index()] = {e.term(), data};
  } else if (it->second.first != e.term() || it->second.second != data) {
    Fail("state machine safety: node " + std::to_string(n.id) + " applied (" +
         std::to_string(e.term()) + ", '" + e.data() + "') at index " + std::to_string(e.index()) +
         " where another node applied (" + std::to_string(it->second.first) + ", '" +
         it->second.second + "')");
    return;
  }
  n.applied = e.index();
  if (e.entry_type() == eraftpb::EntryConfChange) {
    eraftpb::ConfChange cc;
    cc.ParseFromString(e.data());
    auto cs = n.raft->ApplyConfChange(cc);
    if (cs.ok()) n.conf = *cs;
    ++res_.conf_changes;
    if (cc.change_type() == eraftpb::RemoveNode && cc.node_id() == n.id) n.removed = true;
  } else if (!e.data().empty()) {
    n.sm.push_back(e.data());
    acked_.insert(e.data());
  }
}

void Simulator::InstallSnapshot(Node& n, const Ready& rd) {
  const auto& meta = rd.snapshot->metadata();
  const std::string id = std::to_string(n.id);
  if (rd.snapshot_keeps_log) {
    // Only the state machine is replaced: the log after the snapshot must survive.
    uint64_t last_before = n.disk->LastIndex();
    Status s = n.disk->ApplySnapshotKeepingLog(*rd.snapshot);
    if (!s.ok()) {
      Fail("node " + id + " could not keep its log under snapshot " + std::to_string(meta.index()) +
           ": " + s.ToString());
      return;
    }
    if (n.disk->LastIndex() != std::max(last_before, meta.index())) {
      Fail("node " + id + " lost log entries under snapshot " + std::to_string(meta.index()));
      return;
    }
    ++res_.snapshots_kept_log;
  } else {
    Status s = n.disk->ApplySnapshot(*rd.snapshot);
    if (!s.ok()) {
      Fail("node " + id + " could not persist snapshot " + std::to_string(meta.index()) + ": " +
           s.ToString());
      return;
    }
  }
  if (meta.index() < n.applied) {
    Fail("node " + id + " received snapshot " + std::to_string(meta.index()) +
         " older than its applied index " + std::to_string(n.applied));
    return;
  }
  // The snapshot's state must be exactly the agreed log's values up to its index.
  std::vector<std::string> want;
  for (auto& [idx, te] : applied_log_) {
    if (idx > meta.index()) break;
    if (te.second.rfind("cc:", 0) != 0 && !te.second.empty()) want.push_back(te.second);
  }
  auto got = DecodeValues(rd.snapshot->data());
  if (got != want) {
    Fail("node " + id + " received snapshot " + std::to_string(meta.index()) +
         " whose state differs from the agreed log");
    return;
  }
  n.sm = got;
  n.applied = meta.index();
  n.conf = meta.conf_state();
  n.stuck = false;
  // Entries handed out earlier but not applied: those the snapshot covers are skipped.
  std::vector<eraftpb::Entry> rest;
  for (auto& e : n.unapplied) {
    if (e.index() > meta.index()) rest.push_back(std::move(e));
  }
  n.unapplied = std::move(rest);
}

void Simulator::ApplyQueued(Node& n) {
  if (n.stuck) return;
  auto ents = std::move(n.unapplied);
  n.unapplied.clear();
  for (const auto& e : ents) {
    if (e.index() <= n.applied) continue;
    ApplyEntry(n, e);
    if (!res_.ok) return;
  }
}

void Simulator::ReleaseStuckWithUnappliedConfChanges() {
  // A stuck node may not campaign while it holds committed membership changes it has not
  // applied (the core's rule). If it is also the only node whose log can win an election, no
  // leader can ever send it the snapshot: the group waits for its state machine (in the
  // raftstore, for the missing file to be staged again). Model that file arriving; every other
  // stuck node must still catch up by snapshot.
  for (auto& [id, n] : nodes_) {
    if (!n->stuck) continue;
    bool cc = std::any_of(n->unapplied.begin(), n->unapplied.end(), [](const eraftpb::Entry& e) {
      return e.entry_type() == eraftpb::EntryConfChange;
    });
    if (!cc || !n->raft) continue;
    n->stuck = false;
    ++res_.stuck_released;
    ApplyQueued(*n);
    if (!res_.ok) return;
    n->raft->AdvanceApplyTo(n->applied);
    if (n->removed) n->raft.reset();
  }
}

void Simulator::RequestSnapshot() {
  auto ids = Ids();
  uint64_t id = ids[Rand(ids.size())];
  Node& n = *nodes_.at(id);
  if (!n.raft || n.removed || n.raft->raft().state() == StateRole::kLeader) return;
  if (Chance(50)) {
    // Some voter must stay able to apply, or no node could ever make the snapshot.
    bool healthy_voter = false;
    for (uint64_t v : n.raft->raft().prs().voters()) {
      auto it = nodes_.find(v);
      if (v != id && it != nodes_.end() && !it->second->stuck && !it->second->removed) {
        healthy_voter = true;
      }
    }
    if (!healthy_voter) return;
    n.stuck = true;  // it asks once it holds a committed entry it cannot apply (HandleReady)
    return;
  }
  if (n.raft->RequestSnapshot().ok()) ++res_.snapshot_requests;
}

void Simulator::HandleReady(uint64_t id, bool crash_before_persist) {
  Node& n = *nodes_.at(id);
  if (!n.raft || !n.raft->HasReady()) return;
  Ready rd = n.raft->GetReady();
  if (crash_before_persist) {
    Crash(id);
    return;
  }
  // 1. Persist atomically.
  if (rd.snapshot) {
    InstallSnapshot(n, rd);
    if (!res_.ok) return;
  }
  Status s = n.disk->Append(rd.entries);
  if (!s.ok()) {
    Fail("node " + std::to_string(id) + " append: " + s.ToString());
    return;
  }
  if (rd.hard_state) {
    const auto& hs = *rd.hard_state;
    if (hs.vote() != kNone) {
      auto key = std::make_pair(id, hs.term());
      auto it = vote_of_.find(key);
      if (it != vote_of_.end() && it->second != hs.vote()) {
        Fail("double vote: node " + std::to_string(id) + " voted for " +
             std::to_string(it->second) + " and " + std::to_string(hs.vote()) + " in term " +
             std::to_string(hs.term()));
      }
      vote_of_[key] = hs.vote();
    }
    if (hs.commit() < n.disk->hard_state().commit()) {
      Fail("node " + std::to_string(id) + " persisted a lower commit index");
    }
    n.disk->SetHardState(hs);
  }
  // A crash after persisting but before sending loses only messages.
  bool lose_messages = faults_ && o_.crashes && Chance(1) && Chance(20);
  if (lose_messages) {
    n.raft->AdvanceAppend(rd);  // state is durable; the crash below discards the rest
    Crash(id);
    return;
  }
  // 2. Send.
  for (const auto& m : rd.messages) Send(m);
  // 3. Apply (a stuck state machine queues; entries a snapshot covered are skipped).
  n.unapplied.insert(n.unapplied.end(), rd.committed_entries.begin(), rd.committed_entries.end());
  ApplyQueued(n);
  if (!res_.ok) return;
  for (const auto& rs : rd.read_states) n.granted_reads.push_back(rs);
  n.raft->AdvanceAppend(rd);
  n.raft->AdvanceApplyTo(n.applied);
  // A stuck node must not lead (it could not serve); it asks for a snapshot as a follower.
  if (n.stuck) {
    const Raft& r = n.raft->raft();
    if (r.state() == StateRole::kLeader) {
      // To the voter with the longest log: the transfer waits until it has all entries.
      uint64_t best = kNone, best_match = 0;
      for (uint64_t v : r.prs().voters()) {
        const Progress* pr = r.prs().Get(v);
        if (v != id && pr && pr->waiting_snapshot == kNone &&
            (best == kNone || pr->match > best_match)) {
          best = v;
          best_match = pr->match;
        }
      }
      if (best != kNone && r.lead_transferee() == kNone) n.raft->TransferLeader(best);
    } else if (r.pending_request_snapshot() == kNone && !n.unapplied.empty()) {
      // Stuck on a committed entry: the leader has it, so it can make a snapshot past it.
      if (n.raft->RequestSnapshot().ok()) ++res_.snapshot_requests;
    }
  }
  // 4. Serve reads that the state machine has caught up with.
  std::vector<ReadState> waiting;
  for (auto& rs : n.granted_reads) {
    if (n.applied < rs.index) {
      waiting.push_back(rs);
      continue;
    }
    // The read was issued after `required` values were applied somewhere (committed); a
    // linearizable read must see all of them.
    uint64_t required = std::stoull(rs.request_ctx.substr(rs.request_ctx.find(':') + 1));
    if (n.sm.size() < required) {
      Fail("stale read on node " + std::to_string(id) + ": saw " + std::to_string(n.sm.size()) +
           " values, " + std::to_string(required) + " were committed before the read began");
    }
    ++res_.reads_served;
  }
  n.granted_reads = std::move(waiting);
  if (n.removed) {
    n.raft.reset();  // a removed peer destroys itself
  }
}

void Simulator::TickAll() {
  for (auto& [id, n] : nodes_) {
    if (n->raft) n->raft->Tick();
  }
}

void Simulator::Propose() {
  auto ids = Ids();
  uint64_t id = ids[Rand(ids.size())];
  auto lid = AnyLeader();
  if (lid && Chance(70)) id = *lid;
  Node& n = *nodes_.at(id);
  if (!n.raft) return;
  (void)n.raft->Propose("v" + std::to_string(next_value_++));
}

void Simulator::Read() {
  auto ids = Ids();
  uint64_t id = ids[Rand(ids.size())];
  Node& n = *nodes_.at(id);
  if (!n.raft) return;
  uint64_t committed_values = 0;
  for (auto& [idx, te] : applied_log_) {
    if (te.second.rfind("cc:", 0) != 0 && !te.second.empty()) ++committed_values;
  }
  n.raft->ReadIndex("r" + std::to_string(next_read_++) + ":" + std::to_string(committed_values));
}

void Simulator::ChangeMembership() {
  auto lid = AnyLeader();
  if (!lid) return;
  Node& l = *nodes_.at(*lid);
  const auto& prs = l.raft->raft().prs();
  eraftpb::ConfChange cc;
  if (!prs.learners().empty()) {
    cc.set_change_type(eraftpb::AddNode);
    cc.set_node_id(*prs.learners().begin());
  } else {
    std::vector<uint64_t> fresh;
    for (auto& [id, n] : nodes_) {
      if (!n->raft && !n->removed && n->disk->LastIndex() == 0 && !prs.Contains(id)) {
        fresh.push_back(id);
      }
    }
    if (!fresh.empty() && Chance(50)) {
      uint64_t nid = fresh[Rand(fresh.size())];
      cc.set_change_type(eraftpb::AddLearnerNode);
      cc.set_node_id(nid);
      StartNode(nid);  // an empty node, waiting for a snapshot
    } else if (prs.voters().size() > 3) {
      std::vector<uint64_t> v(prs.voters().begin(), prs.voters().end());
      cc.set_change_type(eraftpb::RemoveNode);
      cc.set_node_id(v[Rand(v.size())]);
    } else {
      return;
    }
  }
  (void)l.raft->ProposeConfChange(cc);
}

void Simulator::Compact(uint64_t id) {
  Node& n = *nodes_.at(id);
  if (!n.raft || n.applied <= n.disk->FirstIndex()) return;
  auto snap = n.disk->CreateSnapshot(n.applied, &n.conf, EncodeValues(n.sm));
  if (!snap.ok()) return;
  (void)n.disk->Compact(n.applied);
}

void Simulator::Transfer() {
  auto lid = AnyLeader();
  if (!lid) return;
  auto ids = Ids();
  uint64_t to = ids[Rand(ids.size())];
  nodes_.at(*lid)->raft->TransferLeader(to);
}

void Simulator::Partition() {
  if (!side_.empty() || Chance(30)) {
    side_.clear();
    return;
  }
  for (auto id : Ids()) side_[id] = static_cast<int>(Rand(2));
}

void Simulator::Check() {
  for (auto& [id, n] : nodes_) {
    if (!n->raft) continue;
    const Raft& r = n->raft->raft();
    if (r.state() != StateRole::kLeader) continue;
    auto it = leader_of_term_.find(r.term());
    if (it == leader_of_term_.end()) {
      leader_of_term_[r.term()] = id;
      ++res_.leaders_elected;
    } else if (it->second != id) {
      Fail("election safety: nodes " + std::to_string(it->second) + " and " + std::to_string(id) +
           " both led term " + std::to_string(r.term()));
    }
  }
}

void Simulator::CheckLogMatching() {
  // Log matching over what the nodes persisted: if two logs have an entry with the same index
  // and term, all earlier entries they both hold are identical.
  auto ids = Ids();
  for (size_t a = 0; a < ids.size(); ++a) {
    for (size_t b = a + 1; b < ids.size(); ++b) {
      const MemoryStorage& x = *nodes_.at(ids[a])->disk;
      const MemoryStorage& y = *nodes_.at(ids[b])->disk;
      uint64_t lo = std::max(x.FirstIndex(), y.FirstIndex());
      uint64_t hi = std::min(x.LastIndex(), y.LastIndex());
      if (lo > hi) continue;
      auto xe = x.Entries(lo, hi + 1, UINT64_MAX);
      auto ye = y.Entries(lo, hi + 1, UINT64_MAX);
      if (!xe.ok() || !ye.ok()) continue;
      bool matched_above = false;
      for (size_t k = xe->size(); k-- > 0;) {
        const auto& ex = (*xe)[k];
        const auto& ey = (*ye)[k];
        bool same = ex.term() == ey.term() && ex.data() == ey.data() &&
                    ex.entry_type() == ey.entry_type();
        if (ex.term() == ey.term()) matched_above = true;
        if (matched_above && !same) {
          Fail("log matching: nodes " + std::to_string(ids[a]) + " and " + std::to_string(ids[b]) +
               " differ at index " + std::to_string(ex.index()) + " below a matching entry");
          return;
        }
      }
    }
  }
}

void Simulator::Step() {
  ++now_;
  // Nodes whose downtime is over come back.
  for (auto& [id, n] : nodes_) {
    if (!n->raft && !n->removed && n->down_until != 0 && n->down_until <= now_) {
      n->down_until = 0;
      StartNode(id);
    }
  }
  uint64_t roll = Rand(1000);
  auto ids = Ids();
  if (roll < 330) {
    DeliverDue(false);
  } else if (roll < 600) {
    uint64_t id = ids[Rand(ids.size())];
    bool crash = faults_ && o_.crashes && Rand(1000) < 2;
    HandleReady(id, crash);
  } else if (roll < 760) {
    TickAll();
  } else if (roll < 860) {
    Propose();
  } else if (roll < 900) {
    if (o_.reads) Read();
  } else if (roll < 920) {
    if (o_.compaction) Compact(ids[Rand(ids.size())]);
  } else if (roll < 921) {
    if (faults_ && o_.crashes) {
      uint64_t id = ids[Rand(ids.size())];
      Crash(id);
    }
  } else if (roll < 924) {
    if (faults_ && o_.partitions) Partition();
  } else if (roll < 928) {
    if (o_.transfers) Transfer();
  } else if (roll < 940) {
    if (o_.conf_changes) ChangeMembership();
  } else if (roll < 944) {
    if (faults_ && o_.snapshot_requests) RequestSnapshot();
  } else {
    DeliverDue(false);
  }
  Check();
  if (now_ % 100 == 0) CheckLogMatching();
}

bool Simulator::Converged() {
  auto lid = AnyLeader();
  if (!lid) return false;
  Node& l = *nodes_.at(*lid);
  const Raft& lr = l.raft->raft();
  if (lr.raft_log().committed() != lr.raft_log().LastIndex()) return false;
  if (lr.raft_log().TermOrZero(lr.raft_log().committed()) != lr.term()) return false;
  for (uint64_t id : lr.prs().voters()) {
    Node& n = *nodes_.at(id);
    if (!n.raft || n.applied != l.applied || n.applied != lr.raft_log().committed()) return false;
  }
  for (uint64_t id : lr.prs().learners()) {
    Node& n = *nodes_.at(id);
    if (!n.raft || n.applied != l.applied) return false;
  }
  return true;
}

SimResult Simulator::Run() {
  for (int i = 0; i < o_.steps && res_.ok; ++i) Step();
  // Heal: no more faults, everyone up, full connectivity; the cluster must converge.
  faults_ = false;
  side_.clear();
  for (auto& [id, n] : nodes_) {
    if (!n->raft && !n->removed && n->down_until != 0) {
      n->down_until = 0;
      StartNode(id);
    }
  }
  bool done = false;
  int proposed_final = 0;
  for (int i = 0; i < o_.converge_steps && res_.ok; ++i) {
    ++now_;
    if (i == o_.converge_steps / 2) ReleaseStuckWithUnappliedConfChanges();
    DeliverDue(true);
    for (auto id : Ids()) {
      while (res_.ok && nodes_.at(id)->raft && nodes_.at(id)->raft->HasReady()) {
        HandleReady(id, false);
      }
    }
    if (i % 3 == 0) TickAll();
    Check();
    if (!res_.ok) break;
    if (Converged()) {
      // One more write through the final leader proves the group is writable.
      if (proposed_final == 0) {
        auto lid = AnyLeader();
        if (nodes_.at(*lid)->raft->Propose("final").ok()) proposed_final = 1;
        continue;
      }
      done = true;
      break;
    }
  }
  CheckLogMatching();
  if (res_.ok && !done) {
    std::string state;
    for (auto& [id, n] : nodes_) {
      state += " [" + std::to_string(id);
      if (n->removed) state += " removed";
      if (!n->raft) {
        state += " down]";
        continue;
      }
      const Raft& r = n->raft->raft();
      state += std::string(" ") + RoleName(r.state()) + " term " + std::to_string(r.term()) +
               " lead " + std::to_string(r.lead()) + " applied " + std::to_string(n->applied) +
               " commit " + std::to_string(r.raft_log().committed()) + " last " +
               std::to_string(r.raft_log().LastIndex()) + " voters";
      for (auto v : r.prs().voters()) state += " " + std::to_string(v);
      state += " learners";
      for (auto v : r.prs().learners()) state += " " + std::to_string(v);
      state += "]";
    }
    Fail("liveness: the healed cluster did not converge:" + state);
  }
  if (res_.ok) {
    // Every member applied exactly the agreed log, including every acknowledged value.
    std::vector<std::string> want;
    for (auto& [idx, te] : applied_log_) {
      if (te.second.rfind("cc:", 0) != 0 && !te.second.empty()) want.push_back(te.second);
    }
    auto lid = AnyLeader();
    const Raft& lr = nodes_.at(*lid)->raft->raft();
    for (auto& [id, pr] : lr.prs().progress()) {
      Node& n = *nodes_.at(id);
      if (n.sm != want) {
        Fail("node " + std::to_string(id) + " ended with " + std::to_string(n.sm.size()) +
             " values, the agreed log has " + std::to_string(want.size()));
      }
    }
    for (const auto& v : acked_) {
      if (std::find(want.begin(), want.end(), v) == want.end()) {
        Fail("acknowledged value " + v + " was lost");
      }
    }
    res_.proposals_acked = acked_.size();
    res_.final_applied = nodes_.at(*lid)->applied;
  }
  return res_;
}

std::vector<std::string> RunSeeds(SimOptions o, uint64_t first, uint64_t count) {
  std::vector<std::string> failures;
  for (uint64_t s = first; s < first + count; ++s) {
    o.seed = s;
    Simulator sim(o);
    SimResult r = sim.Run();
    if (!r.ok) failures.push_back("seed " + std::to_string(s) + ": " + r.violation);
  }
  return failures;
}

}  // namespace brkv::raft::sim
