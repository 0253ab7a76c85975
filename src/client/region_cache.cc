#include "client/region_cache.h"

#include <algorithm>

#include "common/codec.h"
#include "common/logging.h"

namespace brkv::client {

namespace {

// True if a < b where an empty b means +infinity.
bool LessThanEnd(std::string_view a, std::string_view end) { return end.empty() || a < end; }

class PdRegionSource : public RegionSource {
 public:
  explicit PdRegionSource(PdClient* pd) : pd_(pd) {}
  Result<RegionInfo> GetRegion(const std::string& region_key) override {
    return pd_->GetRegion(region_key);
  }
  Result<std::vector<RegionInfo>> ScanRegions(const std::string& start, const std::string& end,
                                              int32_t limit) override {
    return pd_->ScanRegions(start, end, limit);
  }
  Result<std::string> GetStoreAddress(uint64_t store_id) override {
    ASSIGN_OR_RETURN(metapb::Store store, pd_->GetStore(store_id));
    if (store.address().empty()) {
      return Status::Unavailable("store " + std::to_string(store_id) + " has no address");
    }
    if (store.state() == metapb::Tombstone) {
      return Status::Unavailable("store " + std::to_string(store_id) + " is a tombstone");
    }
    return store.address();
  }

 private:
  PdClient* pd_;
};

// The peer to send to: the known leader, or the only peer of a one-replica region.
metapb::Peer PickLeader(const metapb::Region& region, const metapb::Peer& leader) {
  if (leader.store_id() != 0) return leader;
  if (region.peers_size() == 1) return region.peers(0);
  return metapb::Peer();
}

}  // namespace

std::unique_ptr<RegionSource> NewPdRegionSource(PdClient* pd) {
  return std::make_unique<PdRegionSource>(pd);
}

bool KeyLocation::Contains(std::string_view region_key) const {
  return region_key >= region.start_key() && LessThanEnd(region_key, region.end_key());
}

bool KeyLocation::ReachesEnd(std::string_view region_end) const {
  if (region.end_key().empty()) return true;
  if (region_end.empty()) return false;
  return region.end_key() >= region_end;
}

std::string KeyLocation::Describe() const {
  std::string s = "region " + std::to_string(region.id()) + " [" +
                  codec::Escape(region.start_key()) + ", " + codec::Escape(region.end_key()) +
                  ") epoch " + std::to_string(region.region_epoch().conf_ver()) + "/" +
                  std::to_string(region.region_epoch().version()) + " on store " +
                  std::to_string(leader.store_id());
  if (!address.empty()) s += " (" + address + ")";
  return s;
}

RegionCache::RegionCache(RegionSource* source) : source_(source) {}

const RegionCache::Entry* RegionCache::FindLocked(std::string_view key) const {
  auto it = by_start_.upper_bound(key);
  if (it == by_start_.begin()) return nullptr;
  --it;
  if (!LessThanEnd(key, it->second.region.end_key())) return nullptr;
  return &it->second;
}

void RegionCache::EraseLocked(uint64_t region_id) {
  auto it = start_of_id_.find(region_id);
  if (it == start_of_id_.end()) return;
  auto e = by_start_.find(it->second);
  if (e != by_start_.end() && e->second.region.id() == region_id) by_start_.erase(e);
  start_of_id_.erase(it);
}

void RegionCache::InsertLocked(const metapb::Region& region, const metapb::Peer& leader) {
  EraseLocked(region.id());
  // Drop every cached region overlapping [start, end): the new one is the current truth.
  const std::string& start = region.start_key();
  const std::string& end = region.end_key();
  auto it = by_start_.upper_bound(start);
  if (it != by_start_.begin()) {
    auto prev = std::prev(it);
    if (LessThanEnd(start, prev->second.region.end_key())) it = prev;
  }
  while (it != by_start_.end() && LessThanEnd(it->first, end)) {
    start_of_id_.erase(it->second.region.id());
    it = by_start_.erase(it);
  }
  by_start_.emplace(start, Entry{region, PickLeader(region, leader)});
  start_of_id_[region.id()] = start;
}

Result<std::string> RegionCache::StoreAddress(uint64_t store_id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = store_addr_.find(store_id);
    if (it != store_addr_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(std::string addr, source_->GetStoreAddress(store_id));
  std::lock_guard<std::mutex> lock(mu_);
  store_addr_[store_id] = addr;
  return addr;
}

Result<KeyLocation> RegionCache::ToLocation(const Entry& e) {
  KeyLocation loc;
  loc.region = e.region;
  loc.leader = e.leader;
  if (loc.leader.store_id() == 0) {
    Invalidate(e.region.id());
    return Status::RegionError("region " + std::to_string(e.region.id()) + " has no leader");
  }
  auto addr = StoreAddress(loc.leader.store_id());
  if (!addr.ok()) {
    // A store PD does not know (yet) is worth retrying: the node may be registering.
    Status s = addr.status();
    return s.WithContext("resolving store of " + loc.Describe()).WithRetryable(true);
  }
  loc.address = std::move(addr).value();
  return loc;
}

Result<KeyLocation> RegionCache::Locate(std::string_view region_key) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    const Entry* e = FindLocked(region_key);
    if (e != nullptr) {
      Entry copy = *e;
      lock.unlock();
      return ToLocation(copy);
    }
  }
  auto info = source_->GetRegion(std::string(region_key));
  if (!info.ok()) {
    Status s = info.status();
    if (s.IsNotFound()) {
      return Status::RegionError("no region for key " + codec::Escape(region_key) + ": " +
                                 s.message());
    }
    return s.WithContext("locating key " + codec::Escape(region_key));
  }
  if (region_key < info->region.start_key() ||
      !LessThanEnd(region_key, info->region.end_key())) {
    return Status::RegionError("PD answered region " + std::to_string(info->region.id()) +
                               " which does not contain key " + codec::Escape(region_key));
  }
  Entry e{info->region, PickLeader(info->region, info->leader)};
  {
    std::lock_guard<std::mutex> lock(mu_);
    InsertLocked(e.region, e.leader);
  }
  return ToLocation(e);
}

Status RegionCache::LoadRange(std::string_view start, std::string_view end) {
  constexpr int32_t kBatch = 128;
  std::string cur(start);
  while (true) {
    ASSIGN_OR_RETURN(std::vector<RegionInfo> infos,
                     source_->ScanRegions(cur, std::string(end), kBatch));
    if (infos.empty()) return Status::OK();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& info : infos) InsertLocked(info.region, info.leader);
    }
    const std::string& last_end = infos.back().region.end_key();
    if (last_end.empty() || !LessThanEnd(last_end, end) ||
        static_cast<int32_t>(infos.size()) < kBatch || last_end <= cur) {
      return Status::OK();
    }
    cur = last_end;
  }
}

Result<std::vector<KeyLocation>> RegionCache::LocateRange(std::string_view start,
                                                          std::string_view end) {
  std::vector<KeyLocation> out;
  std::string cur(start);
  bool loaded = false;
  while (true) {
    bool hit;
    {
      std::lock_guard<std::mutex> lock(mu_);
      hit = FindLocked(cur) != nullptr;
    }
    if (!hit && !loaded) {
      // One bulk load for the rest of the range; a failure falls back to single lookups.
      loaded = true;
      Status s = LoadRange(cur, end);
      if (!s.ok()) LOG_DEBUG("bulk region load failed: {}", s.ToString());
    }
    ASSIGN_OR_RETURN(KeyLocation loc, Locate(cur));
    bool done = loc.ReachesEnd(end);
    std::string next = loc.end_key();
    out.push_back(std::move(loc));
    if (done) return out;
    cur = std::move(next);
  }
}

Result<std::vector<RegionGroup>> RegionCache::GroupKeys(
    const std::vector<std::string>& region_keys) {
  std::vector<size_t> order(region_keys.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return region_keys[a] < region_keys[b]; });
  std::vector<RegionGroup> groups;
  for (size_t i : order) {
    const std::string& k = region_keys[i];
    if (groups.empty() || !groups.back().location.Contains(k)) {
      ASSIGN_OR_RETURN(KeyLocation loc, Locate(k));
      groups.push_back(RegionGroup{std::move(loc), {}});
    }
    groups.back().indexes.push_back(i);
  }
  // Restore input order within each group.
  for (auto& g : groups) std::sort(g.indexes.begin(), g.indexes.end());
  return groups;
}

void RegionCache::Invalidate(uint64_t region_id) {
  std::lock_guard<std::mutex> lock(mu_);
  EraseLocked(region_id);
}

void RegionCache::OnNotLeader(uint64_t region_id, const metapb::Peer& leader) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = start_of_id_.find(region_id);
  if (it == start_of_id_.end()) return;
  auto e = by_start_.find(it->second);
  if (e == by_start_.end()) return;
  for (const auto& p : e->second.region.peers()) {
    if (p.store_id() == leader.store_id() && p.id() == leader.id()) {
      if (e->second.leader.store_id() != leader.store_id()) {
        e->second.leader = leader;
        return;
      }
      break;  // the node names the peer we already used: our view is stale
    }
  }
  EraseLocked(region_id);
}

void RegionCache::OnEpochNotMatch(uint64_t stale_region_id, uint64_t store_id,
                                  const std::vector<metapb::Region>& current) {
  std::lock_guard<std::mutex> lock(mu_);
  EraseLocked(stale_region_id);
  for (const auto& r : current) {
    metapb::Peer leader;
    for (const auto& p : r.peers()) {
      if (p.store_id() == store_id) leader = p;
    }
    if (leader.store_id() == 0) continue;  // not served by that store: let PD tell us
    InsertLocked(r, leader);
  }
}

void RegionCache::InvalidateStore(uint64_t store_id) {
  std::lock_guard<std::mutex> lock(mu_);
  store_addr_.erase(store_id);
  for (auto it = by_start_.begin(); it != by_start_.end();) {
    if (it->second.leader.store_id() == store_id) {
      start_of_id_.erase(it->second.region.id());
      it = by_start_.erase(it);
    } else {
      ++it;
    }
  }
}

void RegionCache::Insert(const metapb::Region& region, const metapb::Peer& leader) {
  std::lock_guard<std::mutex> lock(mu_);
  InsertLocked(region, leader);
}

void RegionCache::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  by_start_.clear();
  start_of_id_.clear();
  store_addr_.clear();
}

size_t RegionCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return by_start_.size();
}

}  // namespace brkv::client
