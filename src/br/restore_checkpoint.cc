#include "br/restore_checkpoint.h"

#include <cstdio>

#include "catalog/schema.h"
#include "client/txn.h"
#include "common/codec.h"
#include "common/failpoint.h"
#include "common/logging.h"
#include "common/sha256.h"
#include "table/txn_retry.h"

namespace brkv::br {

namespace {

using catalog::Json;

std::string Prefix(std::string_view job) {
  return "mBRKV/RestoreCheckpoint/" + std::string(job) + "/";
}

// The first key after every key starting with `prefix` ('/' + 1 = '0').
std::string PrefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

std::string SeqName(std::string_view kind, uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%09llu", static_cast<unsigned long long>(seq));
  return std::string(kind) + "/" + buf;
}

Result<Json> ParseJson(std::string_view text, std::string_view key) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status::Corruption("restore checkpoint key " + std::string(key) + " is not JSON");
  }
  return j;
}

}  // namespace

std::string RestoreJobId(std::string_view storage_uri, uint64_t backup_cluster_id,
                         uint64_t backup_ts, std::string_view scope_text) {
  std::string in = "brkv-restore-job\n";
  in.append(storage_uri);
  in += "\n" + std::to_string(backup_cluster_id) + "\n" + std::to_string(backup_ts) + "\n";
  in.append(scope_text);
  return codec::ToHex(Sha256(in)).substr(0, 32);
}

Result<std::optional<RestoreCheckpoint>> LoadRestoreCheckpoint(client::Cluster* cluster,
                                                               std::string_view job) {
  const std::string prefix = Prefix(job);
  ASSIGN_OR_RETURN(auto txn, cluster->Begin());
  ASSIGN_OR_RETURN(std::vector<client::KvPair> kvs, txn->Scan(prefix, PrefixEnd(prefix)));
  txn->Rollback();
  if (kvs.empty()) return std::optional<RestoreCheckpoint>();
  RestoreCheckpoint cp;
  cp.job = std::string(job);
  bool has_meta = false;
  for (const client::KvPair& kv : kvs) {
    const std::string rest = kv.key.substr(prefix.size());
    ASSIGN_OR_RETURN(Json j, ParseJson(kv.value, kv.key));
    if (rest == "meta") {
      has_meta = true;
      cp.storage = j.value("storage", "");
      cp.backup_ts = j.value("backup_ts", uint64_t{0});
      if (j.contains("tables") && j["tables"].is_array()) {
        for (const Json& t : j["tables"]) {
          if (t.is_array() && t.size() == 2) {
            cp.tables.emplace_back(t[0].get<std::string>(), t[1].get<std::string>());
          }
        }
      }
      continue;
    }
    const size_t slash = rest.find('/');
    if (slash == std::string::npos || !j.is_array()) continue;
    const std::string kind = rest.substr(0, slash);
    const uint64_t seq = std::strtoull(rest.c_str() + slash + 1, nullptr, 10);
    cp.next_seq = std::max(cp.next_seq, seq + 1);
    for (const Json& item : j) {
      if (kind == "ingested" && item.is_string()) cp.ingested.insert(item.get<std::string>());
      if (kind == "checksummed" && item.is_number_integer()) {
        cp.checksummed.insert(item.get<int64_t>());
      }
    }
  }
  if (!has_meta) {
    return Status::Corruption("restore checkpoint " + std::string(job) +
                              " in the target has progress but no meta key; rerun with "
                              "--resume=false to start afresh");
  }
  return std::optional<RestoreCheckpoint>(std::move(cp));
}

Status SaveRestoreCheckpointMeta(client::Cluster* cluster, const RestoreCheckpoint& cp) {
  Json j = Json::object();
  j["job"] = cp.job;
  j["storage"] = cp.storage;
  j["backup_ts"] = cp.backup_ts;
  Json tables = Json::array();
  for (const auto& [db, t] : cp.tables) tables.push_back(Json::array({db, t}));
  j["tables"] = std::move(tables);
  const std::string key = Prefix(cp.job) + "meta";
  const std::string value = j.dump();
  auto r = table::RunInTxn(cluster, [&](client::Txn* txn) { return txn->Set(key, value); });
  if (!r.ok()) return r.status().WithContext("saving the restore checkpoint in the target");
  return Status::OK();
}

Status RemoveRestoreCheckpoint(client::Cluster* cluster, std::string_view job) {
  const std::string prefix = Prefix(job);
  auto r = table::RunInTxn(cluster, [&](client::Txn* txn) -> Status {
    ASSIGN_OR_RETURN(std::vector<client::KvPair> kvs, txn->Scan(prefix, PrefixEnd(prefix)));
    for (const client::KvPair& kv : kvs) RETURN_IF_ERROR(txn->Delete(kv.key));
    return Status::OK();
  });
  if (!r.ok()) return r.status().WithContext("removing the restore checkpoint in the target");
  return Status::OK();
}

RestoreProgressWriter::RestoreProgressWriter(client::Cluster* cluster, std::string job,
                                             uint64_t first_seq, std::chrono::milliseconds interval)
    : cluster_(cluster), job_(std::move(job)), interval_(interval), next_seq_(first_seq) {
  if (interval_.count() > 0) thread_ = std::thread([this] { Run(); });
}

RestoreProgressWriter::~RestoreProgressWriter() {
  Status s = Close();
  if (!s.ok()) LOG_WARN("restore checkpoint: {}", s.ToString());
}

void RestoreProgressWriter::AddIngested(std::string group_key) {
  std::lock_guard<std::mutex> l(mu_);
  ingested_.push_back(std::move(group_key));
}

void RestoreProgressWriter::AddChecksummed(int64_t source_table_id) {
  std::lock_guard<std::mutex> l(mu_);
  checksummed_.push_back(source_table_id);
}

Status RestoreProgressWriter::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<std::string> ingested;
  std::vector<int64_t> checksummed;
  uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!error_.ok()) return error_;
    if (ingested_.empty() && checksummed_.empty()) return Status::OK();
    ingested.swap(ingested_);
    checksummed.swap(checksummed_);
    seq = next_seq_++;
  }
  const std::string prefix = Prefix(job_);
  std::vector<std::pair<std::string, std::string>> writes;
  if (!ingested.empty()) {
    Json j = Json::array();
    for (const std::string& k : ingested) j.push_back(k);
    writes.emplace_back(prefix + SeqName("ingested", seq), j.dump());
  }
  if (!checksummed.empty()) {
    Json j = Json::array();
    for (int64_t id : checksummed) j.push_back(id);
    writes.emplace_back(prefix + SeqName("checksummed", seq), j.dump());
  }
  Status s = failpoint::Eval("br.restore.checkpoint.before-flush");
  if (s.ok()) {
    auto r = table::RunInTxn(cluster_, [&](client::Txn* txn) -> Status {
      for (const auto& [k, v] : writes) RETURN_IF_ERROR(txn->Set(k, v));
      return Status::OK();
    });
    s = r.status();
  }
  if (!s.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    if (error_.ok()) error_ = s.WithContext("saving the restore progress in the target");
    return error_;
  }
  LOG_INFO("restore checkpoint: saved {} ingested groups, {} checksummed tables", ingested.size(),
           checksummed.size());
  return Status::OK();
}

Status RestoreProgressWriter::Close() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (closed_) return error_;
    closed_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  return Flush();
}

void RestoreProgressWriter::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    cv_.wait_for(l, interval_, [this] { return stop_; });
    if (stop_) break;
    l.unlock();
    Status s = Flush();
    if (!s.ok()) LOG_WARN("{}", s.ToString());
    l.lock();
  }
}

}  // namespace brkv::br
