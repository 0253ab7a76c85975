#include "raft/read_only.h"

namespace brkv::raft {

void ReadOnly::AddRequest(uint64_t index, const eraftpb::Message& req, uint64_t self) {
  const std::string& ctx = req.entries(0).data();
  if (pending_.count(ctx)) return;
  ReadIndexStatus st;
  st.req = req;
  st.index = index;
  st.acks.insert(self);
  pending_.emplace(ctx, std::move(st));
  queue_.push_back(ctx);
}

size_t ReadOnly::RecvAck(uint64_t id, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return 0;
  it->second.acks.insert(id);
  return it->second.acks.size();
}

std::vector<ReadIndexStatus> ReadOnly::Advance(const std::string& ctx) {
  std::vector<ReadIndexStatus> out;
  if (!pending_.count(ctx)) return out;
  while (!queue_.empty()) {
    std::string c = queue_.front();
    queue_.pop_front();
    auto it = pending_.find(c);
    out.push_back(std::move(it->second));
    pending_.erase(it);
    if (c == ctx) break;
  }
  return out;
}

std::string ReadOnly::LastPendingRequestCtx() const {
  return queue_.empty() ? std::string() : queue_.back();
}

}  // namespace brkv::raft
