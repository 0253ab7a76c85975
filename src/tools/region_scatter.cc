#include "tools/region_scatter.h"

#include <algorithm>
#include <map>
#include <set>
#include <thread>

namespace brkv::tools {

namespace {

using Clock = std::chrono::steady_clock;

// A region PD refused while not busy with it is asked this often before it counts as refused:
// the second ask covers a region whose operator ended between PD's refusal and our look.
constexpr int kAsksWhenNotBusy = 2;

// Why PD will not scatter the region now ("runs operator add-replica"), or "" when PD is not
// busy with it (or no longer knows it).
Result<std::string> BusyReason(client::PdClient* pd, uint64_t region_id) {
  auto op = pd->GetOperator(region_id);
  if (op.ok()) {
    if (op->status() == pdpb::RUNNING) return "runs operator " + op->desc();
  } else if (!op.status().IsNotFound()) {
    return op.status();
  }
  auto region = pd->GetRegionByID(region_id);
  if (!region.ok()) {
    if (region.status().IsNotFound()) return std::string();
    return region.status();
  }
  for (const auto& p : region->region.peers()) {
    if (p.role() == metapb::Learner) return std::string("has a learner catching up");
  }
  if (!region->pending_peers.empty()) return std::string("has a peer catching up");
  return std::string();
}

std::string Plural(size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// "waiting up to 58s for PD to finish with 2 regions before scattering them: region 7 runs
// operator add-replica, region 9 has a peer catching up"
std::string ProgressLine(const std::map<uint64_t, std::string>& busy, Clock::duration left) {
  const auto secs = std::chrono::ceil<std::chrono::seconds>(left).count();
  std::string line = "waiting up to " + std::to_string(secs) + "s for PD to finish with " +
                     Plural(busy.size(), "region", "regions") + " before scattering " +
                     (busy.size() == 1 ? "it" : "them") + ":";
  constexpr size_t kShown = 3;
  size_t shown = 0;
  for (const auto& [id, reason] : busy) {
    if (shown == kShown) {
      line += ", ...";
      break;
    }
    line += (shown++ == 0 ? " region " : ", region ") + std::to_string(id) + " " + reason;
  }
  return line;
}

// Polls PD until it is no longer busy with at least one region of *busy (those are removed),
// or the deadline passed.
Status WaitForOne(client::PdClient* pd, std::map<uint64_t, std::string>* busy,
                  Clock::time_point deadline, std::chrono::milliseconds poll) {
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(
        std::min<Clock::duration>(poll, deadline - Clock::now()));  // PD's operators take time
    bool settled = false;
    for (auto it = busy->begin(); it != busy->end();) {
      ASSIGN_OR_RETURN(std::string reason, BusyReason(pd, it->first));
      if (reason.empty()) {
        it = busy->erase(it);
        settled = true;
      } else {
        ++it;
      }
    }
    if (settled) return Status::OK();
  }
  return Status::OK();
}

}  // namespace

Result<ScatterOutcome> ScatterWhenReady(client::PdClient* pd,
                                        const std::vector<uint64_t>& region_ids,
                                        const ScatterWaitOptions& options) {
  ScatterOutcome out;
  std::vector<uint64_t> pending;
  std::set<uint64_t> seen;
  for (uint64_t id : region_ids) {
    if (id != 0 && seen.insert(id).second) pending.push_back(id);
  }
  const Clock::time_point deadline = Clock::now() + options.wait;
  std::map<uint64_t, int> asks_when_not_busy;
  std::string last_waited_for;
  while (!pending.empty()) {
    ASSIGN_OR_RETURN(std::vector<uint64_t> failed, pd->ScatterRegions(pending));
    const std::set<uint64_t> failed_set(failed.begin(), failed.end());
    std::vector<uint64_t> next;
    std::map<uint64_t, std::string> busy;
    for (uint64_t id : pending) {
      if (failed_set.count(id) == 0) {
        out.scattered.push_back(id);
        continue;
      }
      ASSIGN_OR_RETURN(std::string reason, BusyReason(pd, id));
      if (!reason.empty()) {
        busy[id] = reason;
        next.push_back(id);
      } else if (++asks_when_not_busy[id] < kAsksWhenNotBusy) {
        next.push_back(id);
      } else {
        out.refused.push_back(id);
      }
    }
    pending = std::move(next);
    if (busy.empty()) continue;  // only regions to ask once more
    const Clock::time_point now = Clock::now();
    if (now >= deadline) {
      // No more waiting: the busy regions stay busy, the others get their last ask.
      std::vector<uint64_t> again;
      for (uint64_t id : pending) {
        if (busy.count(id) > 0) {
          out.busy.push_back(id);
        } else {
          again.push_back(id);
        }
      }
      if (out.busy_reason.empty()) {
        out.busy_reason =
            "region " + std::to_string(busy.begin()->first) + " " + busy.begin()->second;
      }
      pending = std::move(again);
      continue;
    }
    // Report a change in what is waited for (not every round: only the seconds left change).
    std::string waited_for;
    for (const auto& [id, reason] : busy) waited_for += std::to_string(id) + reason + ";";
    if (options.progress && waited_for != last_waited_for) {
      options.progress(ProgressLine(busy, deadline - now));
    }
    last_waited_for = waited_for;
    RETURN_IF_ERROR(WaitForOne(pd, &busy, deadline, options.poll));
  }
  std::sort(out.scattered.begin(), out.scattered.end());
  std::sort(out.refused.begin(), out.refused.end());
  std::sort(out.busy.begin(), out.busy.end());
  return out;
}

}  // namespace brkv::tools
