#include "pd/store_table.h"

namespace brkv::pd {

Result<metapb::Store> StoreTable::Put(const metapb::Store& store, int64_t now_ms) {
  if (store.id() == 0) return Status::InvalidArgument("store id is 0");
  if (store.address().empty()) {
    return Status::InvalidArgument("store " + std::to_string(store.id()) + " has no address");
  }
  auto it = stores_.find(store.id());
  if (it != stores_.end() && it->second.store.state() == metapb::Tombstone) {
    return Status::Aborted("store " + std::to_string(store.id()) + " is a tombstone");
  }
  for (const auto& [id, e] : stores_) {
    if (id != store.id() && e.store.state() != metapb::Tombstone &&
        e.store.address() == store.address()) {
      return Status::AlreadyExists("address " + store.address() + " is already used by store " +
                                   std::to_string(id));
    }
  }
  Entry& e = stores_[store.id()];
  bool offline = e.store.id() != 0 && e.store.state() == metapb::Offline;
  e.store = store;
  if (offline) e.store.set_state(metapb::Offline);
  e.store.set_last_heartbeat(now_ms * 1000000);
  e.last_seen_ms = now_ms;
  e.stats.set_store_id(store.id());
  return e.store;
}

void StoreTable::Load(const metapb::Store& store, int64_t now_ms) {
  Entry& e = stores_[store.id()];
  e.store = store;
  e.last_seen_ms = now_ms;
  e.stats.set_store_id(store.id());
}

Status StoreTable::Heartbeat(const pdpb::StoreStats& stats, int64_t now_ms) {
  auto it = stores_.find(stats.store_id());
  if (it == stores_.end()) {
    return Status::NotFound("store " + std::to_string(stats.store_id()) + " is not registered");
  }
  if (it->second.store.state() == metapb::Tombstone) {
    return Status::Aborted("store " + std::to_string(stats.store_id()) + " is a tombstone");
  }
  it->second.stats = stats;
  it->second.last_seen_ms = now_ms;
  it->second.store.set_last_heartbeat(now_ms * 1000000);
  return Status::OK();
}

const metapb::Store* StoreTable::Get(uint64_t id) const {
  auto it = stores_.find(id);
  return it == stores_.end() ? nullptr : &it->second.store;
}

bool StoreTable::IsDown(uint64_t id, int64_t now_ms) const {
  auto it = stores_.find(id);
  if (it == stores_.end()) return true;
  return now_ms - it->second.last_seen_ms > down_threshold_ms_;
}

int64_t StoreTable::SinceLastSeenMs(uint64_t id, int64_t now_ms) const {
  auto it = stores_.find(id);
  if (it == stores_.end()) return 0;
  return now_ms - it->second.last_seen_ms;
}

Result<metapb::Store> StoreTable::SetState(uint64_t id, metapb::StoreState state) {
  auto it = stores_.find(id);
  if (it == stores_.end()) return Status::NotFound("store " + std::to_string(id) + " not found");
  it->second.store.set_state(state);
  return it->second.store;
}

bool StoreTable::IsServing(uint64_t id, int64_t now_ms) const {
  auto it = stores_.find(id);
  if (it == stores_.end()) return false;
  return it->second.store.state() == metapb::Up && !IsDown(id, now_ms);
}

brkvpb::StoreInfo StoreTable::Info(uint64_t id, int64_t now_ms) const {
  brkvpb::StoreInfo info;
  auto it = stores_.find(id);
  if (it == stores_.end()) return info;
  *info.mutable_store() = it->second.store;
  info.set_is_down(IsDown(id, now_ms));
  info.set_used_size(it->second.stats.used_size());
  info.set_hosted_region_count(it->second.stats.region_count());
  return info;
}

std::vector<uint64_t> StoreTable::Ids() const {
  std::vector<uint64_t> out;
  out.reserve(stores_.size());
  for (const auto& [id, e] : stores_) out.push_back(id);
  return out;
}

}  // namespace brkv::pd
