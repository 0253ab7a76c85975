#include "pd/operator_builder.h"

namespace brkv::pd {

bool RegionView::Unhealthy(uint64_t peer_id) const {
  for (const auto& d : down_peers) {
    if (d.peer().id() == peer_id) return true;
  }
  for (const auto& p : pending_peers) {
    if (p.id() == peer_id) return true;
  }
  return false;
}

const metapb::Peer* RegionView::PeerOn(uint64_t store_id) const {
  for (const auto& p : region.peers()) {
    if (p.store_id() == store_id) return &p;
  }
  return nullptr;
}

const StoreView* FindStore(const std::vector<StoreView>& stores, uint64_t id) {
  for (const auto& s : stores) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Operator NewOperator(const RegionView& r, std::string desc, std::string kind, int64_t now_ms) {
  Operator op;
  op.region_id = r.region.id();
  op.desc = std::move(desc);
  op.kind = std::move(kind);
  op.start_conf_ver = r.region.region_epoch().conf_ver();
  op.start_version = r.region.region_epoch().version();
  op.created_ms = now_ms;
  return op;
}

void AppendAddVoter(Operator* op, uint64_t peer_id, uint64_t store_id) {
  metapb::Peer np;
  np.set_id(peer_id);
  np.set_store_id(store_id);
  np.set_role(metapb::Learner);
  op->steps.push_back({StepKind::kAddLearner, np});
  np.set_role(metapb::Voter);
  op->steps.push_back({StepKind::kPromoteLearner, np});
}

bool AppendRemove(Operator* op, const RegionView& r, const metapb::Peer& victim,
                  const std::vector<StoreView>& stores, uint64_t preferred_leader_store) {
  if (victim.id() != r.leader.id()) {
    op->steps.push_back({StepKind::kRemovePeer, victim});
    return true;
  }
  // Voters the operator itself adds (promoted earlier in its steps) may lead too.
  std::vector<metapb::Peer> voters;
  for (const auto& p : r.region.peers()) {
    if (p.role() != metapb::Learner) voters.push_back(p);
  }
  for (const auto& s : op->steps) {
    if (s.kind == StepKind::kPromoteLearner) voters.push_back(s.peer);
  }
  const metapb::Peer* heir = nullptr;
  for (const auto& p : voters) {
    if (p.id() == victim.id() || r.Unhealthy(p.id())) continue;
    const StoreView* s = FindStore(stores, p.store_id());
    if (s == nullptr || !Usable(*s)) continue;
    if (heir == nullptr || p.store_id() == preferred_leader_store) heir = &p;
  }
  if (heir == nullptr) return false;
  op->steps.push_back({StepKind::kTransferLeader, *heir});
  op->steps.push_back({StepKind::kRemovePeer, victim});
  return true;
}

}  // namespace brkv::pd
