#include "pd/coordinator.h"

#include "common/logging.h"

namespace brkv::pd {

namespace {

RegionView ViewOf(const pdpb::Region& item) {
  RegionView v;
  v.region = item.region();
  v.leader = item.leader();
  // As the region table does: a heartbeat without a leader means the first peer.
  if (v.leader.id() == 0 && v.region.peers_size() > 0) v.leader = v.region.peers(0);
  v.down_peers.assign(item.down_peers().begin(), item.down_peers().end());
  v.pending_peers.assign(item.pending_peers().begin(), item.pending_peers().end());
  return v;
}

bool OnlyLeaderSteps(const Operator& op) {
  for (const auto& s : op.steps) {
    if (s.kind != StepKind::kTransferLeader) return false;
  }
  return true;
}

// Why `s` cannot take a new replica or leadership; OK when it can.
Status CheckCanReceive(const StoreView& s) {
  const std::string name = "store " + std::to_string(s.id);
  if (s.tombstone) return Status::Unavailable(name + " is a tombstone");
  if (s.offline) return Status::Unavailable(name + " is offline (being deleted)");
  if (!s.up) {
    return Status::Unavailable(name + " is down (no heartbeat for " +
                               std::to_string(s.down_ms / 1000) + " s)");
  }
  return Status::OK();
}

// Why the running operator's next step cannot be carried out on its target store: the store
// must be able to receive when the step adds a learner there or hands it leadership.
Status CheckStepTarget(const Operator& op, const std::vector<StoreView>& stores) {
  if (op.current >= op.steps.size()) return Status::OK();
  const OpStep& step = op.steps[op.current];
  if (step.kind != StepKind::kAddLearner && step.kind != StepKind::kTransferLeader) {
    return Status::OK();
  }
  const StoreView* s = FindStore(stores, step.peer.store_id());
  if (s == nullptr) {
    return Status::NotFound("store " + std::to_string(step.peer.store_id()) + " not found");
  }
  Status st = CheckCanReceive(*s);
  if (!st.ok()) return Status::Unavailable("cannot " + step.ToString() + ": " + st.message());
  return Status::OK();
}

}  // namespace

Status ValidateScheduleOptions(const ScheduleOptions& o) {
  if (o.replication.max_replicas < 1 || o.replication.max_replicas > 9) {
    return Status::InvalidArgument("max-replicas must be between 1 and 9, got " +
                                   std::to_string(o.replication.max_replicas));
  }
  if (o.replication.max_store_down_time_ms <= 0) {
    return Status::InvalidArgument("max-store-down-time must be positive");
  }
  if (o.operator_timeout_ms <= 0 || o.leader_operator_timeout_ms <= 0) {
    return Status::InvalidArgument("operator timeouts must be positive");
  }
  return Status::OK();
}

Coordinator::Coordinator(Cluster* cluster, IdAllocator* ids, Clock* clock, ScheduleOptions options)
    : cluster_(cluster),
      ids_(ids),
      clock_(clock),
      options_(options),
      ops_(options.operator_history) {}

Status Coordinator::StartLocked(Operator op, bool alloc_failed, int64_t now_ms, bool replace) {
  if (alloc_failed) {
    LOG_WARN("operator {} for region {} dropped: no peer id could be allocated", op.desc,
             op.region_id);
    return Status::Unavailable("PD could not allocate a peer id");
  }
  op.timeout_ms =
      OnlyLeaderSteps(op) ? options_.leader_operator_timeout_ms : options_.operator_timeout_ms;
  return ops_.Add(std::move(op), now_ms, replace);
}

StoreLoads Coordinator::LoadsLocked(const std::vector<StoreView>& stores) const {
  StoreLoads loads = StoreLoads::From(stores);
  for (const auto& [id, op] : ops_.running()) {
    uint64_t leader_store = cluster_->LeaderStoreOf(id);
    if (leader_store != 0) loads.AddInfluence(op, leader_store);
  }
  return loads;
}

void Coordinator::TombstoneEmptyStoresLocked(const std::vector<StoreView>& stores) {
  for (const auto& s : stores) {
    if (!s.offline || s.tombstone || s.region_count > 0) continue;
    auto res = cluster_->SetStoreState(s.id, metapb::Tombstone);
    if (!res.ok()) {
      LOG_WARN("store {} holds no replica but cannot become a tombstone: {}", s.id,
               res.status().ToString());
    }
  }
}

pdpb::RegionHeartbeatResponse Coordinator::OnRegionHeartbeat(const pdpb::Region& item) {
  const int64_t now = clock_->NowMs();
  const RegionView view = ViewOf(item);
  const uint64_t id = view.region.id();
  std::lock_guard<std::mutex> lock(mu_);
  const bool had_operator = ops_.Running(id) != nullptr;
  const std::vector<StoreView> stores = cluster_->StoreViews();
  pdpb::RegionHeartbeatResponse resp = ops_.Dispatch(view.region, view.leader, now);
  if (const Operator* running = ops_.Running(id)) {
    // A step that sends leadership or a new replica to a store that can no longer take it
    // (down, offline, tombstone) would be retried until the operator's deadline and keep the
    // region from its replica repair meanwhile: give up on it now.
    Status target_ok = CheckStepTarget(*running, stores);
    if (target_ok.ok()) return resp;
    ops_.Cancel(id, target_ok.message(), now);
    resp = {};
  }

  // An operator that just ended may have moved the last replica off a store being deleted.
  if (had_operator) TombstoneEmptyStoresLocked(stores);

  bool alloc_failed = false;
  auto alloc = [&]() -> uint64_t {
    auto peer_id = ids_->Alloc();
    if (!peer_id.ok()) {
      alloc_failed = true;
      return 0;
    }
    return *peer_id;
  };
  std::optional<Operator> op = CheckReplicas(view, stores, options_.replication, alloc, now);
  if (!op && !alloc_failed) {
    const bool leader_room = ops_.RunningCount(kOpKindLeader) < options_.leader_schedule_limit;
    const bool region_room = ops_.RunningCount(kOpKindRegion) < options_.region_schedule_limit;
    if (leader_room || region_room) {
      const StoreLoads loads = LoadsLocked(stores);
      if (leader_room) op = BalanceLeader(view, stores, loads, now);
      if (!op && region_room) {
        op = BalanceRegion(view, stores, loads, pd::TargetReplicas(stores, options_.replication),
                           alloc, now);
      }
    }
  }
  if (!op) return resp;
  if (!StartLocked(std::move(*op), alloc_failed, now).ok()) return resp;
  return ops_.Dispatch(view.region, view.leader, now);
}

Result<Operator> Coordinator::AddAdminOperator(brkvpb::OperatorType type, uint64_t region_id,
                                               uint64_t store_id) {
  const int64_t now = clock_->NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(pdpb::Region item, cluster_->GetRegionById(region_id));
  const std::vector<StoreView> stores = cluster_->StoreViews();
  const StoreView* store = FindStore(stores, store_id);
  const std::string region_name = "region " + std::to_string(region_id);
  const std::string store_name = "store " + std::to_string(store_id);
  if (store == nullptr) return Status::NotFound(store_name + " not found");
  const RegionView view = ViewOf(item);
  const metapb::Peer* peer = view.PeerOn(store_id);

  Operator op;
  bool alloc_failed = false;
  switch (type) {
    case brkvpb::OPERATOR_TRANSFER_LEADER: {
      if (peer == nullptr) {
        return Status::InvalidArgument(region_name + " has no peer on " + store_name);
      }
      if (peer->role() == metapb::Learner) {
        return Status::InvalidArgument("the peer of " + region_name + " on " + store_name +
                                       " is a learner; only a voter can lead");
      }
      if (peer->id() == view.leader.id()) {
        return Status::AlreadyExists(store_name + " already leads " + region_name);
      }
      RETURN_IF_ERROR(CheckCanReceive(*store));
      op = NewOperator(view, "admin-transfer-leader", kOpKindAdmin, now);
      op.steps.push_back({StepKind::kTransferLeader, *peer});
      break;
    }
    case brkvpb::OPERATOR_ADD_PEER: {
      if (peer != nullptr) {
        return Status::AlreadyExists(region_name + " already has a peer on " + store_name);
      }
      RETURN_IF_ERROR(CheckCanReceive(*store));
      auto peer_id = ids_->Alloc();
      alloc_failed = !peer_id.ok();
      op = NewOperator(view, "admin-add-peer", kOpKindAdmin, now);
      AppendAddVoter(&op, alloc_failed ? 0 : *peer_id, store_id);
      break;
    }
    case brkvpb::OPERATOR_REMOVE_PEER: {
      if (peer == nullptr) {
        return Status::InvalidArgument(region_name + " has no peer on " + store_name);
      }
      int voters = 0;
      for (const auto& p : view.region.peers()) voters += p.role() != metapb::Learner;
      if (peer->role() != metapb::Learner && voters <= 1) {
        return Status::InvalidArgument("cannot remove the only voter of " + region_name);
      }
      op = NewOperator(view, "admin-remove-peer", kOpKindAdmin, now);
      if (!AppendRemove(&op, view, *peer, stores)) {
        return Status::Unavailable("the peer on " + store_name + " leads " + region_name +
                                   " and no other healthy voter on a usable store can take over");
      }
      break;
    }
    default:
      return Status::InvalidArgument("unknown operator type " + std::to_string(type));
  }
  bool replace = false;
  if (const Operator* running = ops_.Running(region_id)) {
    if (running->kind == kOpKindReplica || running->kind == kOpKindAdmin) {
      return Status::Aborted(region_name + " already runs operator " + running->desc +
                             "; wait for it to finish or time out");
    }
    replace = true;  // balance and scatter give way to a person
  }
  RETURN_IF_ERROR(StartLocked(op, alloc_failed, now, replace));
  return *ops_.Running(region_id);
}

std::vector<Status> Coordinator::ScatterRegions(const std::vector<uint64_t>& region_ids) {
  const int64_t now = clock_->NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<StoreView> stores = cluster_->StoreViews();
  StoreLoads loads = LoadsLocked(stores);
  std::vector<Status> out;
  out.reserve(region_ids.size());
  for (uint64_t id : region_ids) {
    auto item = cluster_->GetRegionById(id);
    if (!item.ok()) {
      out.push_back(item.status());
      continue;
    }
    if (const Operator* running = ops_.Running(id)) {
      out.push_back(Status::Aborted("region " + std::to_string(id) + " already runs operator " +
                                    running->desc));
      continue;
    }
    bool alloc_failed = false;
    auto alloc = [&]() -> uint64_t {
      auto peer_id = ids_->Alloc();
      if (!peer_id.ok()) {
        alloc_failed = true;
        return 0;
      }
      return *peer_id;
    };
    auto planned = PlanScatter(ViewOf(*item), stores, loads, alloc, now);
    if (!planned.ok() || !*planned) {
      if (planned.ok()) LOG_INFO("scatter region {}: already well placed", id);
      out.push_back(planned.status());
      continue;
    }
    Operator op = std::move(**planned);
    loads.AddInfluence(op, item->leader().store_id());
    out.push_back(StartLocked(std::move(op), alloc_failed, now));
  }
  return out;
}

Result<metapb::Store> Coordinator::DeleteStore(uint64_t store_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::vector<StoreView> stores = cluster_->StoreViews();
  const StoreView* s = FindStore(stores, store_id);
  const std::string name = "store " + std::to_string(store_id);
  if (s == nullptr) return Status::NotFound(name + " not found");
  if (s->tombstone) return Status::Aborted(name + " is already a tombstone");
  if (s->offline && s->region_count > 0) return cluster_->SetStoreState(store_id, metapb::Offline);
  if (s->region_count > 0) {
    uint32_t others = 0;
    for (const auto& o : stores) others += o.id != store_id && Usable(o);
    if (others < options_.replication.max_replicas) {
      return Status::Aborted("cannot delete " + name + ": its " + std::to_string(s->region_count) +
                             " replicas need other stores, and only " + std::to_string(others) +
                             " other usable stores remain for max-replicas " +
                             std::to_string(options_.replication.max_replicas) +
                             "; add a store first");
    }
  }
  ASSIGN_OR_RETURN(metapb::Store store, cluster_->SetStoreState(store_id, metapb::Offline));
  if (s->region_count == 0) {
    ASSIGN_OR_RETURN(store, cluster_->SetStoreState(store_id, metapb::Tombstone));
  } else {
    LOG_INFO("{} is being deleted: {} replicas to move", name, s->region_count);
  }
  return store;
}

void Coordinator::Tick() {
  const int64_t now = clock_->NowMs();
  std::lock_guard<std::mutex> lock(mu_);
  ops_.ExpireTimedOut(now);
  const std::vector<StoreView> stores = cluster_->StoreViews();
  TombstoneEmptyStoresLocked(stores);
  for (const auto& s : stores) {
    bool long_down =
        !s.tombstone && !s.up && s.down_ms >= options_.replication.max_store_down_time_ms;
    if (long_down && long_down_.insert(s.id).second) {
      LOG_WARN(
          "store {} has been down for {} s, past max-store-down-time ({} s): its replicas "
          "will be replaced on other stores",
          s.id, s.down_ms / 1000, options_.replication.max_store_down_time_ms / 1000);
    } else if (!long_down) {
      long_down_.erase(s.id);
    }
  }
}

std::optional<Operator> Coordinator::GetOperator(uint64_t region_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_.ExpireTimedOut(clock_->NowMs());
  return ops_.Get(region_id);
}

std::vector<Operator> Coordinator::ListOperators(uint64_t region_id) {
  std::lock_guard<std::mutex> lock(mu_);
  ops_.ExpireTimedOut(clock_->NowMs());
  return ops_.List(region_id);
}

uint32_t Coordinator::TargetReplicas() const {
  return pd::TargetReplicas(cluster_->StoreViews(), options_.replication);
}

}  // namespace brkv::pd
