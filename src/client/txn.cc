#include "client/txn.h"

#include "client/cluster.h"
#include "client/two_phase_committer.h"
#include "common/codec.h"

namespace brkv::client {

Txn::Txn(Cluster* cluster, uint64_t start_ts)
    : cluster_(cluster), start_ts_(start_ts), snapshot_(cluster, start_ts) {}

Status Txn::CheckOpen() const {
  if (done_) return Status::InvalidArgument("txn " + std::to_string(start_ts_) + " is finished");
  return Status::OK();
}

Status Txn::Set(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(CheckOpen());
  if (key.empty()) return Status::InvalidArgument("empty key");
  Mutation& m = mutations_[std::string(key)];
  // An Insert stays an Insert (the existence check still applies) with the new value.
  if (m.op != Mutation::Op::kInsert) m.op = Mutation::Op::kPut;
  m.value.assign(value);
  return Status::OK();
}

Status Txn::Delete(std::string_view key) {
  RETURN_IF_ERROR(CheckOpen());
  if (key.empty()) return Status::InvalidArgument("empty key");
  Mutation& m = mutations_[std::string(key)];
  m.op = Mutation::Op::kDelete;
  m.value.clear();
  return Status::OK();
}

Status Txn::Insert(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(CheckOpen());
  if (key.empty()) return Status::InvalidArgument("empty key");
  auto it = mutations_.find(key);
  if (it != mutations_.end()) {
    if (it->second.op != Mutation::Op::kDelete) {
      return Status::AlreadyExists("key " + codec::Escape(key) + " already written in this txn");
    }
    // Deleted earlier in this txn: the key does not exist at commit, so a plain Put is right.
    it->second.op = Mutation::Op::kPut;
    it->second.value.assign(value);
    return Status::OK();
  }
  mutations_.emplace(std::string(key), Mutation{Mutation::Op::kInsert, std::string(value)});
  return Status::OK();
}

Result<std::string> Txn::Get(std::string_view key) {
  auto it = mutations_.find(key);
  if (it != mutations_.end()) {
    if (it->second.op == Mutation::Op::kDelete) {
      return Status::NotFound("key " + codec::Escape(key) + " (deleted in this txn)");
    }
    return it->second.value;
  }
  return snapshot_.Get(key);
}

Result<std::map<std::string, std::string>> Txn::BatchGet(const std::vector<std::string>& keys) {
  std::map<std::string, std::string> out;
  std::vector<std::string> remote;
  for (const auto& k : keys) {
    auto it = mutations_.find(k);
    if (it == mutations_.end()) {
      remote.push_back(k);
    } else if (it->second.op != Mutation::Op::kDelete) {
      out[k] = it->second.value;
    }
  }
  if (!remote.empty()) {
    ASSIGN_OR_RETURN(auto got, snapshot_.BatchGet(remote));
    out.merge(got);
  }
  return out;
}

Result<std::vector<KvPair>> Txn::Scan(std::string_view start, std::string_view end,
                                      size_t limit) {
  std::vector<KvPair> out;
  auto full = [&]() { return limit != 0 && out.size() >= limit; };
  auto buf = mutations_.lower_bound(start);
  auto buf_end = end.empty() ? mutations_.end() : mutations_.lower_bound(end);
  // Emits buffered writes with keys below `bound` (all of them when bound is null).
  auto drain_buffer = [&](const std::string* bound) {
    while (buf != buf_end && !full() && (bound == nullptr || buf->first < *bound)) {
      if (buf->second.op != Mutation::Op::kDelete) out.push_back({buf->first, buf->second.value});
      ++buf;
    }
  };
  RETURN_IF_ERROR(snapshot_.ScanEach(
      start, end,
      [&](const KvPair& kv) {
        drain_buffer(&kv.key);
        if (full()) return false;
        if (buf != buf_end && buf->first == kv.key) {
          if (buf->second.op != Mutation::Op::kDelete) {
            out.push_back({buf->first, buf->second.value});
          }
          ++buf;
        } else {
          out.push_back(kv);
        }
        return !full();
      },
      limit > 0 && limit < 1024 ? static_cast<uint32_t>(limit) + 1 : 1024));
  drain_buffer(nullptr);
  return out;
}

Result<uint64_t> Txn::Commit() {
  RETURN_IF_ERROR(CheckOpen());
  done_ = true;
  std::vector<kvrpcpb::Mutation> muts;
  muts.reserve(mutations_.size());
  for (auto& [key, m] : mutations_) {
    kvrpcpb::Mutation pm;
    switch (m.op) {
      case Mutation::Op::kPut: pm.set_op(kvrpcpb::Put); break;
      case Mutation::Op::kDelete: pm.set_op(kvrpcpb::Del); break;
      case Mutation::Op::kInsert: pm.set_op(kvrpcpb::Insert); break;
    }
    pm.set_key(key);
    pm.set_value(std::move(m.value));
    muts.push_back(std::move(pm));
  }
  mutations_.clear();
  TwoPhaseCommitter committer(cluster_, start_ts_, std::move(muts));
  return committer.Execute();
}

void Txn::Rollback() {
  mutations_.clear();
  done_ = true;
}

}  // namespace brkv::client
