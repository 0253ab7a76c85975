#include "pd/replica_checker.h"

#include <algorithm>

namespace brkv::pd {

namespace {

// A store whose replicas must be replaced.
bool NeedsReplacing(const StoreView* s, const ReplicaConfig& cfg) {
  if (s == nullptr || s->tombstone || s->offline) return true;
  return !s->up && s->down_ms >= cfg.max_store_down_time_ms;
}

// The usable store with no replica of the region and the fewest regions (lowest id on ties).
const StoreView* PickTarget(const RegionView& r, const std::vector<StoreView>& stores) {
  const StoreView* best = nullptr;
  for (const auto& s : stores) {
    if (!Usable(s) || r.PeerOn(s.id) != nullptr) continue;
    if (!best || s.region_count < best->region_count ||
        (s.region_count == best->region_count && s.id < best->id)) {
      best = &s;
    }
  }
  return best;
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
  auto store_of = [&](const metapb::Peer& p) { return FindStore(stores, p.store_id()); };
  std::vector<metapb::Peer> voters, learners;
  for (const auto& p : r.region.peers()) {
    (p.role() == metapb::Learner ? learners : voters).push_back(p);
  }
  // A learner left behind (an operator was interrupted): finish what it started.
  for (const auto& l : learners) {
    if (!NeedsReplacing(store_of(l), cfg)) {
      Operator op = NewOperator(r, "promote-learner", kOpKindReplica, now_ms);
      op.steps.push_back({StepKind::kPromoteLearner, l});
      return op;
    }
    Operator op = NewOperator(r, "remove-down-learner", kOpKindReplica, now_ms);
    op.steps.push_back({StepKind::kRemovePeer, l});
    return op;
  }
  // A voter on a store that is gone for good (or being deleted): replace it.
  for (const auto& v : voters) {
    const StoreView* from = store_of(v);
    if (!NeedsReplacing(from, cfg)) continue;
    const StoreView* target = PickTarget(r, stores);
    // Nowhere to put a new copy: keep the dead one (the region keeps its quorum, and the copy
    // is back in business if the store returns) rather than shrink the group.
    if (!target) continue;
    bool offline = from != nullptr && from->offline && !from->tombstone;
    Operator op = NewOperator(r, offline ? "replace-offline-replica" : "replace-down-replica",
                              kOpKindReplica, now_ms);
    AppendAddVoter(&op, alloc_id(), target->id);
    // The new voter may take over leadership from a leader on an offline store.
    if (!AppendRemove(&op, r, v, stores, target->id)) continue;
    return op;
  }
  uint32_t want = TargetReplicas(stores, cfg);
  if (voters.size() > cfg.max_replicas) {
    // Handled below.
  } else if (voters.size() < want) {
    const StoreView* target = PickTarget(r, stores);
    if (!target) return std::nullopt;
    Operator op = NewOperator(r, "add-replica", kOpKindReplica, now_ms);
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
    Operator op = NewOperator(r, "remove-extra-replica", kOpKindReplica, now_ms);
    if (!AppendRemove(&op, r, *victim, stores)) return std::nullopt;
    return op;
  }
  return std::nullopt;
}

}  // namespace brkv::pd
