#include "br/split_scatter.h"

#include <thread>

#include <algorithm>
#include <set>

#include "catalog/tablecodec.h"
#include "common/logging.h"
#include "kv/keys.h"

namespace brkv::br {

void SplitPlanner::AddTable(int64_t new_table_id) {
  AddKey(catalog::TablePrefix(new_table_id));
  AddKey(catalog::TablePrefix(new_table_id + 1));
}

void SplitPlanner::AddRange(std::string_view start, std::string_view end) {
  AddKey(start);
  AddKey(end);
}

void SplitPlanner::AddKey(std::string_view key) {
  if (!key.empty()) keys_.emplace_back(key);
}

std::vector<std::string> SplitPlanner::Keys() const {
  std::vector<std::string> out = keys_;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

namespace {

std::string RegionKeyOf(const std::string& key, client::SplitKeyForm form) {
  switch (form) {
    case client::SplitKeyForm::kTxnRawKey:
      return keys::TxnRegionKey(key);
    case client::SplitKeyForm::kRawKvKey:
      return keys::RawRegionKey(key);
    case client::SplitKeyForm::kRegionKey:
      return key;
  }
  return key;
}

// Waits until no scattered region runs a PD operator any more, or `wait` passed.
void WaitForScatter(client::Cluster* cluster, const std::set<uint64_t>& scattered,
                    const std::vector<uint64_t>& failed, std::chrono::milliseconds wait) {
  if (wait.count() <= 0 || cluster->pd() == nullptr) return;
  std::set<uint64_t> running(scattered.begin(), scattered.end());
  for (uint64_t id : failed) running.erase(id);
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + wait;
  while (!running.empty()) {
    for (auto it = running.begin(); it != running.end();) {
      auto op = cluster->pd()->GetOperator(*it);
      // No operator (single-peer regions move at once), or one that ended: done.
      if (!op.ok() || op->status() != pdpb::RUNNING) {
        it = running.erase(it);
      } else {
        ++it;
      }
    }
    if (running.empty()) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      LOG_WARN("restore scatter: {} regions still have PD operators running after {} ms (first: "
               "{}); the restore goes on",
               running.size(), wait.count(), *running.begin());
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // PD's operators take turns
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (took.count() > 0) LOG_INFO("restore scatter: PD's operators finished in {} ms", took.count());
}

}  // namespace

Result<SplitScatterReport> SplitAndScatter(client::Cluster* cluster,
                                           const std::vector<std::string>& keys,
                                           const SplitScatterOptions& options) {
  SplitScatterReport report;
  report.split_keys = keys.size();
  if (keys.empty()) return report;
  const size_t batch = std::max<size_t>(1, options.batch_keys);

  // The regions to scatter: those that START at one of our keys. The region left of the
  // first key keeps whatever it held before (other tables' data) and is not ours to move.
  std::set<std::string> our_starts;
  for (const std::string& k : keys) our_starts.insert(RegionKeyOf(k, options.form));
  std::set<uint64_t> to_scatter;
  for (size_t i = 0; i < keys.size(); i += batch) {
    std::vector<std::string> part(keys.begin() + i,
                                  keys.begin() + std::min(keys.size(), i + batch));
    auto regions = cluster->admin()->SplitRegions(part, options.form);
    if (!regions.ok()) {
      return regions.status().WithContext("split regions before restore (" +
                                          std::to_string(part.size()) + " keys)");
    }
    for (const metapb::Region& r : *regions) {
      if (our_starts.count(r.start_key()) > 0) to_scatter.insert(r.id());
    }
    report.new_regions += regions->size();
  }
  LOG_INFO("restore split: {} keys, {} regions from splits, {} to scatter", keys.size(),
           report.new_regions, to_scatter.size());

  std::vector<uint64_t> pending(to_scatter.begin(), to_scatter.end());
  Backoffer bo(options.scatter_backoff);
  for (int round = 0; !pending.empty(); ++round) {
    std::vector<uint64_t> failed;
    Status last;
    for (size_t i = 0; i < pending.size(); i += std::max<size_t>(1, options.scatter_batch)) {
      std::vector<uint64_t> part(
          pending.begin() + i,
          pending.begin() +
              std::min(pending.size(), i + std::max<size_t>(1, options.scatter_batch)));
      auto r = cluster->admin()->ScatterRegions(part);
      if (!r.ok()) {
        last = r.status();
        failed.insert(failed.end(), part.begin(), part.end());
        continue;
      }
      failed.insert(failed.end(), r->begin(), r->end());
      if (!r->empty()) last = Status::Busy(std::to_string(r->size()) + " regions not moved");
    }
    report.scattered += pending.size() - failed.size();
    pending = std::move(failed);
    if (pending.empty()) break;
    if (round + 1 >= options.scatter_rounds || !bo.Backoff(last).ok()) break;
    LOG_INFO("restore scatter: retrying {} regions PD could not move ({})", pending.size(),
             last.ToString());
  }
  if (!pending.empty()) {
    LOG_WARN(
        "restore scatter: {} regions stay where they are (first: {}); the restore goes on, "
        "the data may be unbalanced until PD moves them",
        pending.size(), pending.front());
  }
  report.scatter_failed = std::move(pending);
  WaitForScatter(cluster, to_scatter, report.scatter_failed, options.scatter_wait);
  return report;
}

}  // namespace brkv::br
