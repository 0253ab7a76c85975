#include "br/summary_json.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>

namespace brkv::br {

namespace {

Status WriteAtomically(const std::string& path, const nlohmann::json& j) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) return Status::IOError("cannot write --summary-json file " + tmp);
    f << j.dump(2) << "\n";
    f.flush();
    if (!f) return Status::IOError("cannot write --summary-json file " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot rename " + tmp + " to " + path);
  }
  return Status::OK();
}

// The fields backup and restore summaries share.
template <typename Summary>
void FillCommon(const Summary& s, nlohmann::json* j) {
  (*j)["command"] = s.title;
  (*j)["status"] = "success";
  (*j)["ranges"] = s.ranges;
  (*j)["files"] = s.files;
  (*j)["total_kvs"] = s.total_kvs;
  (*j)["total_bytes"] = s.total_bytes;
  (*j)["data_size"] = s.data_size;
  (*j)["backup_ts"] = s.backup_ts;
  (*j)["take_ms"] = s.take.count();
  (*j)["average_speed_bytes_per_second"] =
      static_cast<double>(s.total_bytes) / std::max(0.001, s.take.count() / 1000.0);
}

}  // namespace

Status WriteBackupSummaryJson(const std::string& path, const std::string& title,
                              const Result<BackupSummary>& result) {
  nlohmann::json j;
  j["command"] = title;
  if (!result.ok()) {
    j["status"] = "failed";
    j["error"] = result.status().ToString();
    return WriteAtomically(path, j);
  }
  FillCommon(*result, &j);
  j["last_backup_ts"] = result->last_backup_ts;
  return WriteAtomically(path, j);
}

Status WriteRestoreSummaryJson(const std::string& path, const std::string& title,
                               const Result<RestoreSummary>& result) {
  nlohmann::json j;
  j["command"] = title;
  if (!result.ok()) {
    j["status"] = "failed";
    j["error"] = result.status().ToString();
    return WriteAtomically(path, j);
  }
  const RestoreSummary& s = *result;
  FillCommon(s, &j);
  j["databases"] = s.databases;
  j["tables"] = s.tables;
  j["restore_ts"] = s.restore_ts;
  j["checksum_verified"] = s.checksum_verified;
  j["resumed"] = s.resumed;
  j["reused_ranges"] = s.reused_ranges;
  return WriteAtomically(path, j);
}

}  // namespace brkv::br
