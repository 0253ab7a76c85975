#include "server/region.h"

#include <algorithm>

#include "common/codec.h"

namespace brkv::server {

bool KeyInRegion(const metapb::Region& region, std::string_view region_key) {
  if (region_key < std::string_view(region.start_key())) return false;
  return region.end_key().empty() || region_key < std::string_view(region.end_key());
}

bool EpochEqual(const metapb::RegionEpoch& a, const metapb::RegionEpoch& b) {
  return a.conf_ver() == b.conf_ver() && a.version() == b.version();
}

bool RangesOverlap(std::string_view lower, std::string_view upper, std::string_view start,
                   std::string_view end) {
  // [lower, upper) ∩ [start, end) ≠ ∅  ⇔  lower < end && start < upper (with +inf ends).
  const bool lower_before_end = end.empty() || lower < end;
  const bool start_before_upper = upper.empty() || start < upper;
  return lower_before_end && start_before_upper;
}

std::optional<KeyRange> ClipToRegion(const metapb::Region& region, std::string_view lower,
                                     std::string_view upper) {
  if (!RangesOverlap(lower, upper, region.start_key(), region.end_key())) return std::nullopt;
  KeyRange r;
  r.start = std::string(std::max(lower, std::string_view(region.start_key())));
  if (upper.empty()) {
    r.end = region.end_key();
  } else if (region.end_key().empty()) {
    r.end = std::string(upper);
  } else {
    r.end = std::string(std::min(upper, std::string_view(region.end_key())));
  }
  if (!r.end.empty() && r.start >= r.end) return std::nullopt;
  return r;
}

errorpb::Error RegionNotFoundError(uint64_t region_id) {
  errorpb::Error e;
  e.set_message("region " + std::to_string(region_id) + " not found on this store");
  e.mutable_region_not_found()->set_region_id(region_id);
  return e;
}

errorpb::Error NotLeaderError(uint64_t region_id, const metapb::Peer* leader) {
  errorpb::Error e;
  e.mutable_not_leader()->set_region_id(region_id);
  if (leader != nullptr && leader->id() != 0) {
    *e.mutable_not_leader()->mutable_leader() = *leader;
    e.set_message("region " + std::to_string(region_id) + " is led by store " +
                  std::to_string(leader->store_id()) + ", not this one");
  } else {
    e.set_message("region " + std::to_string(region_id) +
                  " has no leader on this store (leader unknown)");
  }
  return e;
}

errorpb::Error EpochNotMatchError(const metapb::RegionEpoch& requested,
                                  const std::vector<metapb::Region>& current_regions) {
  errorpb::Error e;
  std::string msg = "epoch not match: request has {conf_ver: " +
                    std::to_string(requested.conf_ver()) +
                    ", version: " + std::to_string(requested.version()) + "}";
  if (!current_regions.empty()) msg += ", current " + DescribeRegion(current_regions.front());
  e.set_message(msg);
  auto* enm = e.mutable_epoch_not_match();
  for (const auto& r : current_regions) *enm->add_current_regions() = r;
  return e;
}

errorpb::Error KeyNotInRegionError(std::string_view region_key, const metapb::Region& region) {
  errorpb::Error e;
  e.set_message("key " + codec::Escape(region_key) + " is not in " + DescribeRegion(region));
  auto* k = e.mutable_key_not_in_region();
  k->set_key(std::string(region_key));
  k->set_region_id(region.id());
  k->set_start_key(region.start_key());
  k->set_end_key(region.end_key());
  return e;
}

errorpb::Error ServerIsBusyError(std::string_view reason, uint64_t backoff_ms) {
  errorpb::Error e;
  e.set_message("server is busy: " + std::string(reason));
  auto* b = e.mutable_server_is_busy();
  b->set_reason(std::string(reason));
  b->set_backoff_ms(backoff_ms);
  return e;
}

Status RegionErrorStatus(const errorpb::Error& err) { return Status::RegionError(err.message()); }

Status FailWithRegionError(errorpb::Error err, errorpb::Error* out) {
  Status s = RegionErrorStatus(err);
  if (out != nullptr) *out = std::move(err);
  return s;
}

std::string DescribeRegion(const metapb::Region& region) {
  return "region " + std::to_string(region.id()) + " [" + codec::Escape(region.start_key()) +
         ", " + (region.end_key().empty() ? std::string("+inf") : codec::Escape(region.end_key())) +
         ") epoch {conf_ver: " + std::to_string(region.region_epoch().conf_ver()) +
         ", version: " + std::to_string(region.region_epoch().version()) + "}";
}

}  // namespace brkv::server
