#include "client/consistency_check.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <random>

#include "common/backoff.h"
#include "common/logging.h"
#include "proto/consistencypb.grpc.pb.h"

namespace brkv::client {

namespace {

using Clock = std::chrono::steady_clock;

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A check id no other check of this or another process uses.
std::string NewCheckId() {
  static std::atomic<uint64_t> seq{0};
  std::random_device rd;
  uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  return "check-" + std::to_string(r) + "-" + std::to_string(seq.fetch_add(1));
}

template <typename Req, typename Resp, typename Fn>
Status Call(ChannelCache* channels, const std::string& address, Clock::time_point deadline,
            const char* method, const Req& req, Resp* resp, Fn fn) {
  auto stub = consistencypb::Consistency::NewStub(channels->Get(address));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + (deadline - Clock::now()));
  grpc::Status s = (stub.get()->*fn)(&ctx, req, resp);
  if (s.ok()) return Status::OK();
  if (s.error_code() == grpc::StatusCode::UNAVAILABLE) channels->Reset(address);
  return Status::Unavailable(std::string(method) + " to store " + address +
                             " failed: " + s.error_message());
}

std::string RegionErrorText(const errorpb::Error& e) {
  if (!e.message().empty()) return e.message();
  if (e.has_not_leader()) return "not leader";
  if (e.has_epoch_not_match()) return "epoch not match";
  if (e.has_region_not_found()) return "region not found";
  return "region error";
}

}  // namespace

bool RegionConsistency::complete() const {
  if (replicas.empty()) return false;
  for (const auto& r : replicas) {
    if (!r.answered) return false;
  }
  return true;
}

bool RegionConsistency::consistent() const {
  if (!complete()) return false;
  for (const auto& r : replicas) {
    if (r.hash != replicas.front().hash) return false;
  }
  return true;
}

std::string RegionConsistency::Describe() const {
  std::string s = "region " + std::to_string(region.id()) + ": ";
  if (consistent()) {
    return s + std::to_string(replicas.size()) + " replica" +
           (replicas.size() == 1 ? "" : "s") + " agree (crc64 " + Hex(replicas.front().hash) +
           ", " + std::to_string(replicas.front().total_kvs) + " kvs, index " +
           std::to_string(index) + ")";
  }
  s += complete() ? "replicas DIFFER at index " + std::to_string(index) + ":"
                  : "not every replica answered:";
  for (const auto& r : replicas) {
    s += " [store " + std::to_string(r.peer.store_id()) + (r.leader ? " leader" : "") + ": ";
    if (r.answered) {
      s += "crc64 " + Hex(r.hash) + ", " + std::to_string(r.total_kvs) + " kvs]";
    } else {
      s += r.error + "]";
    }
  }
  return s;
}

Status CheckRegionConsistency(PdClient* pd, ChannelCache* channels, uint64_t region_id,
                              const ConsistencyCheckOptions& options, RegionConsistency* out) {
  Backoffer bo(BackoffOptions{.base_ms = 100, .max_ms = 1000, .budget_ms = options.timeout_ms});
  Status last;
  for (;;) {
    *out = RegionConsistency();
    Status s = [&]() -> Status {
      ASSIGN_OR_RETURN(RegionInfo info, pd->GetRegionByID(region_id));
      if (info.leader.store_id() == 0) {
        return Status::Unavailable("region " + std::to_string(region_id) + " has no leader");
      }
      ASSIGN_OR_RETURN(metapb::Store leader_store, pd->GetStore(info.leader.store_id()));
      consistencypb::ComputeHashRequest creq;
      creq.set_region_id(region_id);
      creq.set_check_id(NewCheckId());
      consistencypb::ComputeHashResponse cresp;
      const auto call_deadline = std::min(bo.deadline(), Clock::now() + std::chrono::seconds(30));
      RETURN_IF_ERROR(Call(channels, leader_store.address(), call_deadline, "ComputeHash", creq,
                           &cresp, &consistencypb::Consistency::Stub::ComputeHash));
      if (cresp.has_region_error()) {
        return Status::Unavailable("region " + std::to_string(region_id) + " on store " +
                                   std::to_string(info.leader.store_id()) + ": " +
                                   RegionErrorText(cresp.region_error()));
      }
      if (!cresp.error().empty()) {
        return Status::Unavailable("region " + std::to_string(region_id) + " on store " +
                                   std::to_string(info.leader.store_id()) + ": " + cresp.error());
      }
      out->region = cresp.region();
      out->index = cresp.index();
      ReplicaHash lead;
      lead.peer = info.leader;
      lead.leader = true;
      lead.answered = true;
      lead.hash = cresp.hash();
      lead.total_kvs = cresp.total_kvs();
      lead.total_bytes = cresp.total_bytes();
      out->replicas.push_back(lead);
      for (const auto& peer : cresp.region().peers()) {
        if (peer.store_id() == info.leader.store_id()) continue;
        ReplicaHash rh;
        rh.peer = peer;
        auto store = pd->GetStore(peer.store_id());
        if (!store.ok()) {
          rh.error = store.status().message();
          out->replicas.push_back(rh);
          continue;
        }
        consistencypb::GetHashRequest greq;
        greq.set_region_id(region_id);
        greq.set_check_id(creq.check_id());
        // Never past the whole check's deadline: a store that is down costs at most that.
        const int64_t wait_ms =
            std::max<int64_t>(1, std::min(options.replica_wait_ms, bo.RemainingMs()));
        greq.set_wait_ms(static_cast<uint64_t>(wait_ms));
        consistencypb::GetHashResponse gresp;
        Status gs = Call(channels, store->address(),
                         Clock::now() + std::chrono::milliseconds(wait_ms + 2000), "GetHash",
                         greq, &gresp, &consistencypb::Consistency::Stub::GetHash);
        if (!gs.ok()) {
          rh.error = gs.message();
        } else if (gresp.has_region_error()) {
          rh.error = RegionErrorText(gresp.region_error());
        } else if (!gresp.error().empty()) {
          rh.error = gresp.error();
        } else if (gresp.index() != cresp.index()) {
          rh.error = "hashed at index " + std::to_string(gresp.index()) + ", the leader at " +
                     std::to_string(cresp.index());
        } else {
          rh.answered = true;
          rh.hash = gresp.hash();
          rh.total_kvs = gresp.total_kvs();
          rh.total_bytes = gresp.total_bytes();
        }
        out->replicas.push_back(rh);
      }
      if (!out->complete()) return Status::Unavailable(out->Describe());
      return Status::OK();
    }();
    if (s.ok()) return s;
    if (s.IsNotFound() || !s.retryable()) return s;
    last = s;
    Status b = bo.Backoff(s);
    if (!b.ok()) return Status::Unavailable(last.message());
  }
}

}  // namespace brkv::client
