// OperatorController: the operators PD runs, at most one per region, plus a bounded history of
// finished ones (PD's operator controller). Operators live in memory only: after a PD restart
// the checkers simply look at every region again.
//
// An operator leaves the running set when a heartbeat shows it finished, when it was cancelled
// (the region changed under it), when it timed out (on a heartbeat or in ExpireTimedOut) or when
// an admin operator replaced it; every such transition, and every Add, is logged at INFO.
// Thread-safety: not thread-safe; the owner (Coordinator) serialises access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pd/operator.h"

namespace brkv::pd {

class OperatorController {
 public:
  // `history_limit`: finished operators kept for Get / List (oldest dropped first).
  explicit OperatorController(size_t history_limit = 256) : history_limit_(history_limit) {}

  // Starts `op`. AlreadyExists when the region already runs one, unless `replace` is set: then
  // the running one ends as kReplaced. InvalidArgument for an operator without steps.
  Status Add(Operator op, int64_t now_ms, bool replace = false);

  // The heartbeat path: updates the region's running operator with the region as its leader
  // reports it (Operator::Update) and returns the command to send, if any. An operator that is
  // done leaves the running set here. Returns an empty response when nothing runs.
  pdpb::RegionHeartbeatResponse Dispatch(const metapb::Region& region, const metapb::Peer& leader,
                                         int64_t now_ms);

  // Ends every running operator past its deadline (no heartbeat needed). Returns how many.
  size_t ExpireTimedOut(int64_t now_ms);

  // Ends the region's running operator as kCancelled, logging `why`. No-op when none runs.
  void Cancel(uint64_t region_id, const std::string& why, int64_t now_ms);

  // The region's running operator, or nullptr.
  const Operator* Running(uint64_t region_id) const;
  // The running operator, else the newest finished one of the region.
  std::optional<Operator> Get(uint64_t region_id) const;
  // Running operators by region id, then finished ones newest first; `region_id` 0 = all.
  std::vector<Operator> List(uint64_t region_id = 0) const;
  // Running operators of one kind (kOpKind*).
  size_t RunningCount(const std::string& kind) const;
  const std::map<uint64_t, Operator>& running() const { return running_; }

 private:
  // Moves the running operator of `region_id` (already given its final status) to history.
  void Finish(std::map<uint64_t, Operator>::iterator it, int64_t now_ms);

  const size_t history_limit_;
  std::map<uint64_t, Operator> running_;  // region id -> operator
  std::deque<Operator> history_;          // oldest first
};

}  // namespace brkv::pd
