#include "server/node.h"

#include "raftstore/store.h"
#include "server/pd_command.h"

#include <sys/statvfs.h>

#include <chrono>

#include "common/failpoint.h"
#include "common/logging.h"
#include "kv/keys.h"

namespace brkv::server {

namespace {

using Clock = std::chrono::steady_clock;

bool IsBootstrapRegion(const metapb::Region& r) {
  return r.start_key().empty() && r.end_key().empty() && r.region_epoch().version() == 1 &&
         r.region_epoch().conf_ver() == 1;
}

}  // namespace

void ApproximateRegionSize(Engine* engine, const metapb::Region& region, uint64_t* bytes,
                           uint64_t* keys) {
  const std::string lower = keys::DataKey(region.start_key());
  const std::string upper = region.end_key().empty()
                                ? std::string(1, static_cast<char>(keys::kDataPrefix + 1))
                                : keys::DataKey(region.end_key());
  rocksdb::Range range(lower, upper);
  rocksdb::SizeApproximationOptions opts;
  opts.include_memtables = true;
  opts.include_files = true;
  uint64_t total = 0;
  uint64_t entries = 0;
  for (auto* cf : {engine->cf_default(), engine->cf_write(), engine->cf_lock()}) {
    uint64_t size = 0;
    if (engine->db()->GetApproximateSizes(opts, cf, &range, 1, &size).ok()) total += size;
    uint64_t mem_count = 0;
    uint64_t mem_size = 0;
    engine->db()->GetApproximateMemTableStats(cf, range, &mem_count, &mem_size);
    entries += mem_count;
  }
  *bytes = total;
  // Files carry no cheap per-range key count; assume ~64 bytes per entry for the file part.
  *keys = entries + (total > 0 ? total / 64 : 0);
}

Result<std::unique_ptr<Node>> Node::Join(const NodeOptions& options, RegionManager* regions,
                                         Engine* engine) {
  std::unique_ptr<Node> node(new Node(options, regions, engine));
  node->start_time_s_ = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  node->size_fn_ = [engine](const metapb::Region& r, uint64_t* b, uint64_t* k) {
    ApproximateRegionSize(engine, r, b, k);
  };

  // First contact: keep trying for the whole connect timeout (PD may still be starting).
  client::PdClientOptions probe_opts;
  probe_opts.address = options.pd_address;
  probe_opts.rpc_timeout_ms = std::min<int64_t>(options.pd_rpc_timeout_ms, 2000);
  probe_opts.retry_budget_ms = options.pd_connect_timeout_ms;
  auto probe = client::PdClient::Connect(probe_opts);
  if (!probe.ok()) {
    if (probe.status().code() == Status::Code::kInvalidArgument) return probe.status();
    return Status::Unavailable("cannot reach PD at " + options.pd_address + " within " +
                               std::to_string(options.pd_connect_timeout_ms / 1000) +
                               " s: " + probe.status().message());
  }

  client::PdClientOptions opts;
  opts.address = options.pd_address;
  opts.rpc_timeout_ms = options.pd_rpc_timeout_ms;
  opts.retry_budget_ms = options.pd_retry_budget_ms;
  ASSIGN_OR_RETURN(node->pd_, client::PdClient::Connect(opts));
  RETURN_IF_ERROR(node->Register());
  return node;
}

Node::~Node() { Stop(); }

uint64_t Node::cluster_id() const { return pd_->cluster_id(); }

metapb::Store Node::StoreMeta() const {
  metapb::Store store;
  store.set_id(store_id_);
  store.set_address(options_.advertise_address);
  store.set_state(metapb::Up);
  store.set_version(options_.version);
  store.set_start_timestamp(start_time_s_);
  store.set_deploy_path(options_.data_dir);
  return store;
}

Status Node::Register() {
  const uint64_t cluster = pd_->cluster_id();
  auto ident = regions_->store_ident();
  if (ident) {
    if (ident->cluster_id != 0 && cluster != 0 && ident->cluster_id != cluster) {
      return Status::InvalidArgument(
          "data directory " + options_.data_dir + " belongs to cluster " +
          std::to_string(ident->cluster_id) + " but PD at " + options_.pd_address +
          " serves cluster " + std::to_string(cluster) +
          "; use an empty data directory or the right PD");
    }
    store_id_ = ident->store_id;
  } else {
    auto id = pd_->AllocID();
    if (!id.ok()) return id.status().WithContext("allocate store id");
    store_id_ = *id;
    RETURN_IF_ERROR(regions_->SaveStoreIdent(StoreIdent{store_id_, cluster}));
    LOG_INFO("new store: id {} in cluster {}", store_id_, cluster);
  }

  auto bootstrapped = pd_->IsBootstrapped();
  if (!bootstrapped.ok()) return bootstrapped.status().WithContext("ask PD whether bootstrapped");
  if (!*bootstrapped) {
    RETURN_IF_ERROR(BootstrapCluster(store_id_));
  } else {
    // A bootstrap region left behind by a crash before PD's Bootstrap, after another store
    // bootstrapped the cluster, is not PD's: drop it (it is necessarily empty).
    auto hosted = regions_->GetAllRegions();
    if (hosted.size() == 1 && IsBootstrapRegion(hosted[0])) {
      auto at_pd = pd_->GetRegionByID(hosted[0].id());
      if (!at_pd.ok() && at_pd.status().IsNotFound()) {
        LOG_INFO("dropping unused bootstrap region {}", hosted[0].id());
        Status s = regions_->RemoveRegionIfEmpty(hosted[0].id(), nullptr, nullptr);
        if (!s.ok()) LOG_WARN("cannot drop bootstrap region: {}", s.ToString());
      }
    }
  }

  Status put = pd_->PutStore(StoreMeta());
  if (put.code() == Status::Code::kAlreadyExists) return AddressTakenError(put);
  if (!put.ok()) return put.WithContext("register store " + std::to_string(store_id_) + " at PD");
  LOG_INFO("store {} registered at PD {} as {} (cluster {}, {} regions)", store_id_,
           options_.pd_address, options_.advertise_address, cluster, regions_->RegionCount());
  return Status::OK();
}

Status Node::AddressTakenError(const Status& put) const {
  // As TiKV: a node whose data directory was lost (wiped, new disk) gets a new store id, and
  // PD refuses it the address the old store still holds. Joining under the old address before
  // the old store is gone would leave PD routing the old store's replicas to an empty node.
  uint64_t owner = 0;
  auto stores = pd_->GetAllStores();
  if (stores.ok()) {
    for (const auto& s : *stores) {
      if (s.store().id() != store_id_ && s.store().address() == options_.advertise_address &&
          s.store().state() != metapb::Tombstone) {
        owner = s.store().id();
      }
    }
  }
  const std::string old_store = owner ? "store " + std::to_string(owner) : "another store";
  const std::string old_id = owner ? std::to_string(owner) : std::string("ID");
  std::string msg = "cannot register store " + std::to_string(store_id_) + ": address ";
  msg += options_.advertise_address + " still belongs to " + old_store + " at PD (";
  msg += put.message() + "). If data directory " + options_.data_dir;
  msg += " was wiped or replaced, that store's data is gone: delete it (kvctl store delete ";
  msg += old_id + "), wait until kvctl stores shows it Tombstone, then start this node again; ";
  msg += "otherwise start this node with its original data directory";
  return Status::AlreadyExists(msg);
}

Status Node::BootstrapCluster(uint64_t store_id) {
  auto hosted = regions_->GetAllRegions();
  metapb::Region first;
  if (hosted.size() == 1 && IsBootstrapRegion(hosted[0])) {
    first = hosted[0];  // finishing an interrupted bootstrap
  } else if (hosted.empty()) {
    auto region_id = pd_->AllocID();
    if (!region_id.ok()) return region_id.status().WithContext("allocate first region id");
    auto peer_id = pd_->AllocID();
    if (!peer_id.ok()) return peer_id.status().WithContext("allocate first peer id");
    first.set_id(*region_id);
    first.mutable_region_epoch()->set_conf_ver(1);
    first.mutable_region_epoch()->set_version(1);
    metapb::Peer* peer = first.add_peers();
    peer->set_id(*peer_id);
    peer->set_store_id(store_id);
    // Persist locally first so that a crash before PD answers is finished on restart.
    RETURN_IF_ERROR(regions_->AddRegion(first));
  } else {
    return Status::InvalidArgument(
        "PD at " + options_.pd_address + " is not bootstrapped but data directory " +
        options_.data_dir + " already hosts " + std::to_string(hosted.size()) +
        " regions; was PD's data directory replaced?");
  }

  FAIL_POINT("kv.bootstrap.before-pd");
  Status s = pd_->Bootstrap(StoreMeta(), first);
  if (s.code() == Status::Code::kAlreadyExists) {
    LOG_INFO("another store bootstrapped the cluster first; joining it");
    Status r = regions_->RemoveRegionIfEmpty(first.id(), nullptr, nullptr);
    if (!r.ok()) return r.WithContext("drop the unused bootstrap region");
    return Status::OK();
  }
  if (!s.ok()) return s.WithContext("bootstrap cluster");
  LOG_INFO("bootstrapped the cluster with {}", DescribeRegion(first));
  return Status::OK();
}

void Node::SetRegionSizeFn(RegionSizeFn fn) {
  std::lock_guard<std::mutex> l(mu_);
  size_fn_ = std::move(fn);
}

void Node::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Node::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Node::RegionsChanged(const std::vector<metapb::Region>& regions, bool removed) {
  if (removed) return;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (const auto& r : regions) dirty_regions_.insert(r.id());
  }
  cv_.notify_all();
}

void Node::StoreHeartbeat() {
  pdpb::StoreStats stats;
  stats.set_store_id(store_id_);
  struct statvfs fs {};
  if (statvfs(options_.data_dir.c_str(), &fs) == 0) {
    stats.set_capacity(static_cast<uint64_t>(fs.f_blocks) * fs.f_frsize);
    stats.set_available(static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize);
  }
  stats.set_region_count(static_cast<uint32_t>(regions_->RegionCount()));
  metapb::Region all;  // ["", "") covers every region's data
  uint64_t bytes = 0;
  uint64_t keys = 0;
  ApproximateRegionSize(engine_, all, &bytes, &keys);
  stats.set_used_size(bytes);
  Status s = pd_->StoreHeartbeat(stats);
  if (!s.ok()) LOG_DEBUG("store heartbeat: {}", s.ToString());
}

void Node::RegionHeartbeat(const metapb::Region& region) {
  raftstore::RaftStore* rs = regions_->raft();
  if (rs == nullptr) return;
  auto peer = rs->GetPeer(region.id());
  if (!peer || !peer->initialized || peer->role != raft::StateRole::kLeader) return;
  client::RegionInfo info;
  info.region = peer->region;
  for (const auto& p : peer->region.peers()) {
    if (p.id() == peer->peer_id) info.leader = p;
  }
  for (const auto& [p, ticks] : peer->down_peers) {
    pdpb::PeerStats ps;
    *ps.mutable_peer() = p;
    ps.set_down_seconds(ticks * static_cast<uint64_t>(options_.raft_tick_ms) / 1000);
    info.down_peers.push_back(std::move(ps));
  }
  info.pending_peers = peer->pending_peers;
  RegionSizeFn fn;
  {
    std::lock_guard<std::mutex> l(mu_);
    fn = size_fn_;
  }
  if (fn) fn(info.region, &info.approximate_size, &info.approximate_keys);
  auto resp = pd_->RegionHeartbeat(info);
  if (!resp.ok()) {
    LOG_DEBUG("region {} heartbeat: {}", region.id(), resp.status().ToString());
    return;
  }
  // PD's next operator step for this region, if any.
  ExecutePdCommand(rs, info.region, *resp);
}

void Node::StoreHeartbeatIfDue() {
  const int64_t now = Clock::now().time_since_epoch().count();
  int64_t due = next_store_heartbeat_ns_.load();
  if (now < due) return;
  const int64_t next =
      now + std::chrono::duration_cast<Clock::duration>(
                std::chrono::milliseconds(options_.store_heartbeat_ms))
                .count();
  // One caller sends it when two threads find it due at once.
  if (!next_store_heartbeat_ns_.compare_exchange_strong(due, next)) return;
  StoreHeartbeat();
}

void Node::HeartbeatAllRegions() {
  // Only a region's leader reports it (PD takes the sender as the leader).
  for (const auto& r : regions_->GetLedRegions()) {
    RegionHeartbeat(r);
    StoreHeartbeatIfDue();
  }
}

std::optional<metapb::Region> Node::LedRegion(uint64_t region_id) const {
  raftstore::RaftStore* rs = regions_->raft();
  if (rs == nullptr) return std::nullopt;
  auto p = rs->GetPeer(region_id);
  if (!p || !p->initialized || p->role != raft::StateRole::kLeader) return std::nullopt;
  return p->region;
}

void Node::Loop() {
  auto next_regions = Clock::now();
  auto next_leader_poll = Clock::now();
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    const auto now = Clock::now();
    l.unlock();
    StoreHeartbeatIfDue();
    l.lock();
    if (now >= next_regions) {
      dirty_regions_.clear();
      l.unlock();
      HeartbeatAllRegions();
      l.lock();
      next_regions = Clock::now() + std::chrono::milliseconds(options_.region_heartbeat_ms);
    }
    if (!dirty_regions_.empty()) {
      std::set<uint64_t> dirty;
      dirty.swap(dirty_regions_);
      l.unlock();
      for (uint64_t id : dirty) {
        if (auto r = LedRegion(id)) RegionHeartbeat(*r);
        StoreHeartbeatIfDue();
      }
      l.lock();
      continue;
    }
    if (stop_) break;
    if (Clock::now() >= next_leader_poll) {
      // Regions this store just started leading are reported at once, so that PD and clients
      // learn the new leader in a fraction of a second instead of a heartbeat interval.
      l.unlock();
      std::set<uint64_t> led;
      for (const auto& r : regions_->GetLedRegions()) led.insert(r.id());
      l.lock();
      for (uint64_t id : led) {
        if (!led_.count(id)) dirty_regions_.insert(id);
      }
      led_ = std::move(led);
      next_leader_poll = Clock::now() + std::chrono::milliseconds(kLeaderPollMs);
      if (!dirty_regions_.empty()) continue;
    }
    const auto next_store = Clock::time_point(Clock::duration(next_store_heartbeat_ns_.load()));
    cv_.wait_until(l, std::min({next_store, next_regions, next_leader_poll}),
                   [this] { return stop_ || !dirty_regions_.empty(); });
  }
}

}  // namespace brkv::server
