#include "pd/replica_checker.h"

#include <algorithm>
#include <map>

namespace brkv::pd {

namespace {

bool Usable(const StoreView& s) { return s.up && !s.offline && !s.tombstone; }

// A store whose replicas must be replaced.
bool NeedsReplacing(const StoreView* s, const ReplicaConfig& cfg) {
  if (s == nullptr || s->tombstone || s->offline) return true;
  return !s->up && s->down_ms >= cfg.max_store_down_time_ms;
}

Operator NewOp(const RegionView& r, const std::string& desc, int64_t now_ms) {
  Operator op;
  op.region_id = r.region.id();
  op.desc = desc;
  op.start_conf_ver = r.region.region_epoch().conf_ver();
  op.start_version = r.region.region_epoch().version();
  op.created_ms = now_ms;
  return op;
}

// The usable store with no replica of the region and the fewest regions (lowest id on ties).
const StoreView* PickTarget(const RegionView& r, const std::vector<StoreView>& stores) {
  const StoreView* best = nullptr;
  for (const auto& s : stores) {
    if (!Usable(s)) continue;
    bool has = false;
    for (const auto& p : r.region.peers()) has = has || p.store_id() == s.id;
    if (has) continue;
    if (!best || s.region_count < best->region_count ||
        (s.region_count == best->region_count && s.id < best->id)) {
      best = &s;
    }
  }
  return best;
}

// A new voter on `target`: added as a learner (it catches up without counting toward the
// quorum), then promoted.
void AppendAddVoter(Operator* op, uint64_t peer_id, uint64_t target) {
  metapb::Peer np;
  np.set_id(peer_id);
  np.set_store_id(target);
  np.set_role(metapb::Learner);
  op->steps.push_back({StepKind::kAddLearner, np});
  np.set_role(metapb::Voter);
  op->steps.push_back({StepKind::kPromoteLearner, np});
}

// Removing `victim`: if it leads, hand leadership to a healthy voter first.
void AppendRemove(Operator* op, const RegionView& r, const metapb::Peer& victim,
                  const std::map<uint64_t, const StoreView*>& by_id, const ReplicaConfig& cfg) {
  if (victim.id() == r.leader.id()) {
    for (const auto& p : r.region.peers()) {
      if (p.id() == victim.id() || p.role() == metapb::Learner) continue;
      auto it = by_id.find(p.store_id());
      if (it != by_id.end() && Usable(*it->second)) {
        op->steps.push_back({StepKind::kTransferLeader, p});
        break;
      }
    }
  }
  op->steps.push_back({StepKind::kRemovePeer, victim});
}

}  // namespace

uint32_t TargetReplicas(const std::vector<StoreView>& stores, const ReplicaConfig& cfg) {
  uint32_t usable = 0;
  for (const auto& s : stores) usable += Usable(s) || (!s.up && !s.offline && !s.tombstone &&
                                                       s.down_ms < cfg.max_store_down_time_ms);
  return std::min(cfg.max_replicas, usable);
}

std::optional<Operator> CheckReplicas(const RegionView& r, const std::vector<StoreView>& stores,
                                      const ReplicaConfig& cfg,
                                      const std::function<uint64_t()>& alloc_id, int64_t now_ms) {
  std::map<uint64_t, const StoreView*> by_id;
  for (const auto& s : stores) by_id[s.id] = &s;
  auto store_of = [&](const metapb::Peer& p) -> const StoreView* {
    auto it = by_id.find(p.store_id());
    return it == by_id.end() ? nullptr : it->second;
  };
  std::vector<metapb::Peer> voters, learners;
  for (const auto& p : r.region.peers()) {
    (p.role() == metapb::Learner ? learners : voters).push_back(p);
  }
  // A learner left behind (an operator was interrupted): finish what it started.
  for (const auto& l : learners) {
    if (!NeedsReplacing(store_of(l), cfg)) {
      Operator op = NewOp(r, "promote-learner", now_ms);
      op.steps.push_back({StepKind::kPromoteLearner, l});
      return op;
    }
    Operator op = NewOp(r, "remove-down-learner", now_ms);
    op.steps.push_back({StepKind::kRemovePeer, l});
    return op;
  }
  // A voter on a store that is gone for good (or being deleted): replace it.
  for (const auto& v : voters) {
    if (!NeedsReplacing(store_of(v), cfg)) continue;
    const StoreView* target = PickTarget(r, stores);
    // Nowhere to put a new copy: keep the dead one (the region keeps its quorum, and the copy
    // is back in business if the store returns) rather than shrink the group.
    if (!target) continue;
    Operator op = NewOp(r, "replace-down-replica", now_ms);
    AppendAddVoter(&op, alloc_id(), target->id);
    AppendRemove(&op, r, v, by_id, cfg);
    return op;
  }
  uint32_t want = TargetReplicas(stores, cfg);
  if (voters.size() > cfg.max_replicas) {
    // Handled below.
  } else if (voters.size() < want) {
    const StoreView* target = PickTarget(r, stores);
    if (!target) return std::nullopt;
    Operator op = NewOp(r, "add-replica", now_ms);
    AppendAddVoter(&op, alloc_id(), target->id);
    return op;
  }
  if (voters.size() > cfg.max_replicas) {
    // Remove the replica on the most loaded store, preferring a store that is not up.
    const metapb::Peer* victim = nullptr;
    auto worse = [&](const metapb::Peer& a, const metapb::Peer& b) {
      const StoreView* sa = store_of(a);
      const StoreView* sb = store_of(b);
      bool ua = sa && Usable(*sa), ub = sb && Usable(*sb);
      if (ua != ub) return !ua;
      uint64_t ca = sa ? sa->region_count : 0, cb = sb ? sb->region_count : 0;
      if (ca != cb) return ca > cb;
      return a.id() > b.id();
    };
    for (const auto& v : voters) {
      if (!victim || worse(v, *victim)) victim = &v;
    }
    Operator op = NewOp(r, "remove-extra-replica", now_ms);
    AppendRemove(&op, r, *victim, by_id, cfg);
    return op;
  }
  return std::nullopt;
}

}  // namespace brkv::pd
