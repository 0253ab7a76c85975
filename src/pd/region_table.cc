#include "pd/region_table.h"

#include <algorithm>

namespace brkv::pd {

bool EpochChanged(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b) {
  return a.version() != b.version() || a.conf_ver() != b.conf_ver();
}

namespace {

// True when [s1, e1) and [s2, e2) intersect (empty end = +inf).
bool RangesOverlap(const std::string& s1, const std::string& e1, const std::string& s2,
                   const std::string& e2) {
  bool a_before_b_end = e2.empty() || s1 < e2;
  bool b_before_a_end = e1.empty() || s2 < e1;
  return a_before_b_end && b_before_a_end;
}

bool SameMeta(const pdpb::Region& a, const pdpb::Region& b) {
  return a.region().SerializeAsString() == b.region().SerializeAsString() &&
         a.leader().SerializeAsString() == b.leader().SerializeAsString();
}

}  // namespace

std::vector<uint64_t> RegionTable::Overlaps(const std::string& start, const std::string& end,
                                            uint64_t self_id) const {
  std::vector<uint64_t> out;
  // Begin at the region that may contain `start`, then walk while regions start before `end`.
  auto it = by_start_.upper_bound(start);
  if (it != by_start_.begin()) --it;
  for (; it != by_start_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    const pdpb::Region& r = by_id_.at(it->second);
    if (r.region().id() == self_id) continue;
    if (RangesOverlap(start, end, r.region().start_key(), r.region().end_key())) {
      out.push_back(it->second);
    }
  }
  return out;
}

Result<RegionTable::PutResult> RegionTable::Put(pdpb::Region item) {
  const metapb::Region& region = item.region();
  if (region.id() == 0) return Status::InvalidArgument("region id is 0");
  if (!region.end_key().empty() && region.start_key() >= region.end_key()) {
    return Status::InvalidArgument("region " + std::to_string(region.id()) +
                                   " has start key >= end key");
  }
  if (item.leader().id() == 0 && region.peers_size() > 0) {
    *item.mutable_leader() = region.peers(0);
  }
  const auto& epoch = region.region_epoch();
  PutResult result;

  auto origin = by_id_.find(region.id());
  if (origin != by_id_.end()) {
    const auto& old = origin->second.region().region_epoch();
    if (epoch.version() < old.version() || epoch.conf_ver() < old.conf_ver()) {
      return Status::Aborted("stale region " + std::to_string(region.id()) + ": epoch {conf_ver " +
                             std::to_string(epoch.conf_ver()) + ", version " +
                             std::to_string(epoch.version()) + "} is older than PD's {conf_ver " +
                             std::to_string(old.conf_ver()) + ", version " +
                             std::to_string(old.version()) + "}");
    }
  }
  std::vector<uint64_t> overlaps = Overlaps(region.start_key(), region.end_key(), region.id());
  for (uint64_t id : overlaps) {
    const auto& other = by_id_.at(id).region().region_epoch();
    if (epoch.version() < other.version()) {
      return Status::Aborted("stale region " + std::to_string(region.id()) + ": overlaps region " +
                             std::to_string(id) + " with newer version " +
                             std::to_string(other.version()));
    }
  }

  if (origin != by_id_.end()) {
    if (overlaps.empty() && SameMeta(origin->second, item)) result.meta_changed = false;
    Unindex(origin);
  }
  for (uint64_t id : overlaps) Remove(id);
  result.removed = std::move(overlaps);
  Index(std::move(item));
  return result;
}

uint64_t RegionTable::LeaderStoreOf(const pdpb::Region& r) {
  if (r.leader().store_id() != 0) return r.leader().store_id();
  return r.region().peers_size() > 0 ? r.region().peers(0).store_id() : 0;
}

void RegionTable::Index(pdpb::Region item) {
  uint64_t id = item.region().id();
  by_start_[item.region().start_key()] = id;
  uint64_t store = LeaderStoreOf(item);
  if (store != 0) leader_count_[store]++;
  for (const auto& p : item.region().peers()) peer_count_[p.store_id()]++;
  by_id_[id] = std::move(item);
}

void RegionTable::Unindex(std::unordered_map<uint64_t, pdpb::Region>::iterator it) {
  auto s = by_start_.find(it->second.region().start_key());
  if (s != by_start_.end() && s->second == it->first) by_start_.erase(s);
  uint64_t store = LeaderStoreOf(it->second);
  if (store != 0) {
    auto c = leader_count_.find(store);
    if (c != leader_count_.end() && --c->second == 0) leader_count_.erase(c);
  }
  for (const auto& p : it->second.region().peers()) {
    auto c = peer_count_.find(p.store_id());
    if (c != peer_count_.end() && --c->second == 0) peer_count_.erase(c);
  }
  by_id_.erase(it);
}

void RegionTable::Remove(uint64_t region_id) {
  auto it = by_id_.find(region_id);
  if (it != by_id_.end()) Unindex(it);
}

const pdpb::Region* RegionTable::GetByKey(const std::string& key) const {
  auto it = by_start_.upper_bound(key);
  if (it == by_start_.begin()) return nullptr;
  --it;
  const pdpb::Region& r = by_id_.at(it->second);
  const std::string& end = r.region().end_key();
  if (!end.empty() && key >= end) return nullptr;
  return &r;
}

const pdpb::Region* RegionTable::GetById(uint64_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

std::vector<pdpb::Region> RegionTable::Scan(const std::string& start, const std::string& end,
                                            int limit) const {
  std::vector<pdpb::Region> out;
  auto it = by_start_.upper_bound(start);
  if (it != by_start_.begin()) {
    auto prev = std::prev(it);
    const auto& r = by_id_.at(prev->second).region();
    if (r.end_key().empty() || r.end_key() > start) it = prev;
  }
  for (; it != by_start_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
    out.push_back(by_id_.at(it->second));
  }
  return out;
}

std::unordered_map<uint64_t, uint32_t> RegionTable::LeaderCountByStore() const {
  return leader_count_;
}

}  // namespace brkv::pd
