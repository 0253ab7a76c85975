#include "pd/balance.h"

namespace brkv::pd {

namespace {

int64_t Count(const std::map<uint64_t, int64_t>& m, uint64_t store) {
  auto it = m.find(store);
  return it == m.end() ? 0 : it->second;
}

bool UsableStore(const std::vector<StoreView>& stores, uint64_t id) {
  const StoreView* s = FindStore(stores, id);
  return s != nullptr && Usable(*s);
}

struct RegionMove {
  metapb::Peer source;
  uint64_t target_store = 0;
};

// The replica on the most loaded usable store (highest id on ties) and the least loaded usable
// store without a replica (lowest id on ties), when moving pays off.
std::optional<RegionMove> PickRegionMove(const RegionView& r, const std::vector<StoreView>& stores,
                                         const StoreLoads& loads) {
  const metapb::Peer* source = nullptr;
  for (const auto& p : r.region.peers()) {
    if (p.role() == metapb::Learner || !UsableStore(stores, p.store_id())) continue;
    if (source == nullptr) {
      source = &p;
      continue;
    }
    int64_t a = Count(loads.regions, p.store_id()), b = Count(loads.regions, source->store_id());
    if (a > b || (a == b && p.store_id() > source->store_id())) source = &p;
  }
  const StoreView* target = nullptr;
  for (const auto& s : stores) {
    if (!Usable(s) || r.PeerOn(s.id) != nullptr) continue;
    if (target == nullptr || Count(loads.regions, s.id) < Count(loads.regions, target->id)) {
      target = &s;  // stores come by id, so ties keep the lowest id
    }
  }
  if (source == nullptr || target == nullptr) return std::nullopt;
  if (Count(loads.regions, source->store_id()) - Count(loads.regions, target->id) <
      kBalanceTolerance) {
    return std::nullopt;
  }
  return RegionMove{*source, target->id};
}

// Among `voters` on usable stores, the one whose store leads fewest; ties prefer
// `incumbent_store`, then the lowest store id. nullptr when none qualifies.
const metapb::Peer* FewestLeaders(const std::vector<metapb::Peer>& voters,
                                  const std::vector<StoreView>& stores, const StoreLoads& loads,
                                  uint64_t incumbent_store) {
  const metapb::Peer* best = nullptr;
  for (const auto& p : voters) {
    if (!UsableStore(stores, p.store_id())) continue;
    if (best == nullptr) {
      best = &p;
      continue;
    }
    int64_t a = Count(loads.leaders, p.store_id()), b = Count(loads.leaders, best->store_id());
    if (a < b) {
      best = &p;
    } else if (a == b && best->store_id() != incumbent_store &&
               (p.store_id() == incumbent_store || p.store_id() < best->store_id())) {
      best = &p;
    }
  }
  return best;
}

bool HasLearnerOrUnhealthy(const RegionView& r) {
  if (!r.down_peers.empty() || !r.pending_peers.empty()) return true;
  for (const auto& p : r.region.peers()) {
    if (p.role() == metapb::Learner) return true;
  }
  return false;
}

}  // namespace

StoreLoads StoreLoads::From(const std::vector<StoreView>& stores) {
  StoreLoads l;
  for (const auto& s : stores) {
    l.regions[s.id] = static_cast<int64_t>(s.region_count);
    l.leaders[s.id] = static_cast<int64_t>(s.leader_count);
  }
  return l;
}

void StoreLoads::AddInfluence(const Operator& op, uint64_t leader_store) {
  for (size_t i = op.current; i < op.steps.size(); ++i) {
    const OpStep& s = op.steps[i];
    switch (s.kind) {
      case StepKind::kAddLearner:
        regions[s.peer.store_id()]++;
        break;
      case StepKind::kRemovePeer:
        regions[s.peer.store_id()]--;
        break;
      case StepKind::kTransferLeader:
        leaders[leader_store]--;
        leaders[s.peer.store_id()]++;
        leader_store = s.peer.store_id();
        break;
      case StepKind::kPromoteLearner:
        break;
    }
  }
}

std::optional<Operator> BalanceLeader(const RegionView& r, const std::vector<StoreView>& stores,
                                      const StoreLoads& loads, int64_t now_ms) {
  const uint64_t source = r.leader.store_id();
  if (!UsableStore(stores, source)) return std::nullopt;
  std::vector<metapb::Peer> candidates;
  for (const auto& p : r.region.peers()) {
    if (p.role() == metapb::Learner || p.store_id() == source || r.Unhealthy(p.id())) continue;
    candidates.push_back(p);
  }
  const metapb::Peer* best = FewestLeaders(candidates, stores, loads, 0);
  if (best == nullptr) return std::nullopt;
  if (Count(loads.leaders, source) - Count(loads.leaders, best->store_id()) < kBalanceTolerance) {
    return std::nullopt;
  }
  Operator op = NewOperator(r, "balance-leader", kOpKindLeader, now_ms);
  op.steps.push_back({StepKind::kTransferLeader, *best});
  return op;
}

std::optional<Operator> BalanceRegion(const RegionView& r, const std::vector<StoreView>& stores,
                                      const StoreLoads& loads, uint32_t target_replicas,
                                      const std::function<uint64_t()>& alloc_id, int64_t now_ms) {
  if (HasLearnerOrUnhealthy(r)) return std::nullopt;
  if (static_cast<uint32_t>(r.region.peers_size()) != target_replicas) return std::nullopt;
  auto move = PickRegionMove(r, stores, loads);
  if (!move) return std::nullopt;
  // If the source leads, the remaining voter whose store leads fewest takes over.
  std::vector<metapb::Peer> others;
  for (const auto& p : r.region.peers()) {
    if (p.id() != move->source.id()) others.push_back(p);
  }
  const metapb::Peer* heir = FewestLeaders(others, stores, loads, 0);
  Operator op = NewOperator(r, "balance-region", kOpKindRegion, now_ms);
  AppendAddVoter(&op, alloc_id(), move->target_store);
  if (!AppendRemove(&op, r, move->source, stores, heir ? heir->store_id() : 0)) {
    return std::nullopt;
  }
  return op;
}

Result<std::optional<Operator>> PlanScatter(const RegionView& r,
                                            const std::vector<StoreView>& stores,
                                            const StoreLoads& loads,
                                            const std::function<uint64_t()>& alloc_id,
                                            int64_t now_ms) {
  if (HasLearnerOrUnhealthy(r)) {
    return Status::Unavailable("region " + std::to_string(r.region.id()) +
                               " has a learner or a down or pending peer; scatter it later");
  }
  Operator op = NewOperator(r, "scatter-region", kOpKindRegion, now_ms);
  const uint64_t leader_store = r.leader.store_id();
  std::vector<metapb::Peer> final_voters;
  auto move = PickRegionMove(r, stores, loads);
  for (const auto& p : r.region.peers()) {
    if (!move || p.id() != move->source.id()) final_voters.push_back(p);
  }
  if (move) {
    AppendAddVoter(&op, alloc_id(), move->target_store);
    final_voters.push_back(op.steps.back().peer);
  }
  const metapb::Peer* best = FewestLeaders(final_voters, stores, loads, leader_store);
  if (move && move->source.id() == r.leader.id()) {
    if (!AppendRemove(&op, r, move->source, stores, best ? best->store_id() : 0)) {
      return Status::Unavailable("region " + std::to_string(r.region.id()) +
                                 ": no healthy voter can take over from its leader");
    }
    return std::optional<Operator>(std::move(op));
  }
  if (move) op.steps.push_back({StepKind::kRemovePeer, move->source});
  if (best != nullptr && best->store_id() != leader_store &&
      Count(loads.leaders, leader_store) - Count(loads.leaders, best->store_id()) >=
          kBalanceTolerance) {
    op.steps.push_back({StepKind::kTransferLeader, *best});
  }
  if (op.steps.empty()) return std::optional<Operator>();
  return std::optional<Operator>(std::move(op));
}

}  // namespace brkv::pd
