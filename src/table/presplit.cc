#include "table/presplit.h"

#include <algorithm>
#include <map>
#include <set>

#include "catalog/datum.h"
#include "kv/keys.h"

namespace brkv::table {

namespace {

std::vector<int64_t> EvenPoints(int64_t lo, int64_t hi, int pieces) {
  std::vector<int64_t> out;
  if (pieces < 2 || hi <= lo) return out;
  const long double span = static_cast<long double>(hi) - static_cast<long double>(lo) + 1;
  for (int i = 1; i < pieces; ++i) {
    const int64_t v = lo + static_cast<int64_t>(span * i / pieces);
    if (v > lo && v <= hi && (out.empty() || v > out.back())) out.push_back(v);
  }
  return out;
}

// The regions overlapping the ranges, with their leader store, keyed by region id.
Result<std::map<uint64_t, uint64_t>> RegionLeaders(client::Cluster* cluster,
                                                   const std::vector<catalog::KeyRange>& ranges) {
  std::map<uint64_t, uint64_t> out;
  for (const auto& r : ranges) {
    ASSIGN_OR_RETURN(auto regions, cluster->pd()->ScanRegions(keys::TxnRegionKey(r.start),
                                                              keys::TxnRegionKey(r.end)));
    for (const auto& ri : regions) out[ri.region.id()] = ri.leader.store_id();
  }
  return out;
}

}  // namespace

std::vector<std::string> HandleSplitKeys(int64_t table_id, int64_t lo, int64_t hi, int pieces) {
  std::vector<std::string> out;
  for (int64_t h : EvenPoints(lo, hi, pieces)) out.push_back(catalog::RecordKey(table_id, h));
  return out;
}

std::vector<std::string> IntIndexSplitKeys(int64_t table_id, int64_t index_id, int64_t lo,
                                           int64_t hi, int pieces) {
  std::vector<std::string> out;
  for (int64_t v : EvenPoints(lo, hi, pieces)) {
    std::string k = catalog::IndexPrefix(table_id, index_id);
    catalog::EncodeKeyDatum(&k, catalog::Datum::Int(v));
    out.push_back(std::move(k));
  }
  return out;
}

Result<ScatterReport> SplitAndScatter(client::Cluster* cluster, std::vector<std::string> split_keys,
                                      const std::vector<catalog::KeyRange>& ranges,
                                      const ScatterOptions& options) {
  for (const auto& r : ranges) {
    split_keys.push_back(r.start);
    split_keys.push_back(r.end);
  }
  std::sort(split_keys.begin(), split_keys.end());
  split_keys.erase(std::unique(split_keys.begin(), split_keys.end()), split_keys.end());
  ASSIGN_OR_RETURN(auto split,
                   cluster->admin()->SplitRegions(split_keys, client::SplitKeyForm::kTxnRawKey));
  (void)split;

  ScatterReport report;
  if (cluster->pd() == nullptr) return report;  // no PD (test clusters): nothing to scatter
  ASSIGN_OR_RETURN(auto stores, cluster->pd()->GetAllStores());
  std::set<uint64_t> serving;
  for (const auto& s : stores) {
    if (s.store().state() == metapb::Up && !s.is_down()) serving.insert(s.store().id());
  }
  report.stores = serving.size();

  for (int round = 0; round <= options.max_rounds; ++round) {
    ASSIGN_OR_RETURN(auto leaders, RegionLeaders(cluster, ranges));
    report.regions = leaders.size();
    std::map<uint64_t, std::vector<uint64_t>> by_store;
    for (uint64_t s : serving) by_store[s];
    for (const auto& [region, store] : leaders) by_store[store].push_back(region);
    report.stores_with_regions = 0;
    for (uint64_t s : serving) report.stores_with_regions += by_store[s].empty() ? 0 : 1;
    if (serving.size() < 2 || round == options.max_rounds) break;

    const size_t share = leaders.size() / serving.size();
    size_t short_stores = 0;
    for (uint64_t s : serving) short_stores += by_store[s].size() < share ? 1 : 0;
    if (short_stores == 0) break;
    // Scatter the excess of every store above its share (and everything on stores that do
    // not serve).
    std::vector<uint64_t> move;
    for (auto& [store, regions] : by_store) {
      const size_t keep = serving.count(store) ? share : 0;
      for (size_t i = keep; i < regions.size(); ++i) move.push_back(regions[i]);
    }
    if (move.empty()) break;
    ASSIGN_OR_RETURN(auto failed, cluster->admin()->ScatterRegions(move));
    report.failed += failed.size();
    report.moved += move.size() - failed.size();
    if (failed.size() == move.size()) break;  // nothing movable (the regions hold data)
  }
  return report;
}

}  // namespace brkv::table
