#include "pd/operator_controller.h"

#include "common/logging.h"

namespace brkv::pd {

Status OperatorController::Add(Operator op, int64_t now_ms, bool replace) {
  if (op.steps.empty()) {
    return Status::InvalidArgument("operator " + op.desc + " for region " +
                                   std::to_string(op.region_id) + " has no steps");
  }
  auto it = running_.find(op.region_id);
  if (it != running_.end()) {
    if (!replace) {
      return Status::AlreadyExists("region " + std::to_string(op.region_id) +
                                   " already runs operator " + it->second.ToString());
    }
    it->second.status = OpStatus::kReplaced;
    Finish(it, now_ms);
  }
  op.status = OpStatus::kRunning;
  op.finished_ms = 0;
  LOG_INFO("operator created ({}, timeout {} ms): {}", op.kind, op.timeout_ms, op.ToString());
  uint64_t id = op.region_id;
  running_.emplace(id, std::move(op));
  return Status::OK();
}

void OperatorController::Finish(std::map<uint64_t, Operator>::iterator it, int64_t now_ms) {
  Operator op = std::move(it->second);
  running_.erase(it);
  op.finished_ms = now_ms;
  LOG_INFO("operator {} after {} ms: {}", OpStatusName(op.status), now_ms - op.created_ms,
           op.ToString());
  history_.push_back(std::move(op));
  while (history_.size() > history_limit_) history_.pop_front();
}

pdpb::RegionHeartbeatResponse OperatorController::Dispatch(const metapb::Region& region,
                                                           const metapb::Peer& leader,
                                                           int64_t now_ms) {
  auto it = running_.find(region.id());
  if (it == running_.end()) return {};
  Operator& op = it->second;
  if (op.Update(region, leader, now_ms) != OpStatus::kRunning) {
    Finish(it, now_ms);
    return {};
  }
  return op.NextCommand(region, leader);
}

size_t OperatorController::ExpireTimedOut(int64_t now_ms) {
  size_t n = 0;
  for (auto it = running_.begin(); it != running_.end();) {
    auto next = std::next(it);
    if (it->second.Expired(now_ms)) {
      it->second.status = OpStatus::kTimedOut;
      Finish(it, now_ms);
      ++n;
    }
    it = next;
  }
  return n;
}

void OperatorController::Cancel(uint64_t region_id, const std::string& why, int64_t now_ms) {
  auto it = running_.find(region_id);
  if (it == running_.end()) return;
  LOG_INFO("region {}: cancelling operator {}: {}", region_id, it->second.desc, why);
  it->second.status = OpStatus::kCancelled;
  Finish(it, now_ms);
}

const Operator* OperatorController::Running(uint64_t region_id) const {
  auto it = running_.find(region_id);
  return it == running_.end() ? nullptr : &it->second;
}

std::optional<Operator> OperatorController::Get(uint64_t region_id) const {
  if (const Operator* op = Running(region_id)) return *op;
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (it->region_id == region_id) return *it;
  }
  return std::nullopt;
}

std::vector<Operator> OperatorController::List(uint64_t region_id) const {
  std::vector<Operator> out;
  for (const auto& [id, op] : running_) {
    if (region_id == 0 || id == region_id) out.push_back(op);
  }
  for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
    if (region_id == 0 || it->region_id == region_id) out.push_back(*it);
  }
  return out;
}

size_t OperatorController::RunningCount(const std::string& kind) const {
  size_t n = 0;
  for (const auto& [id, op] : running_) n += op.kind == kind;
  return n;
}

}  // namespace brkv::pd
