#include "backup/backup_task.h"

#include "kv/keys.h"
#include "sst/backend_proto.h"

namespace brkv::backup {

Result<BackupTask> ParseBackupRequest(const ::backup::BackupRequest& req) {
  BackupTask t;
  t.cluster_id = req.cluster_id();
  if (req.sub_ranges_size() > 0 || req.sorted_sub_ranges_groups_size() > 0) {
    for (const auto& r : req.sub_ranges()) t.ranges.push_back({r.start_key(), r.end_key()});
    for (const auto& g : req.sorted_sub_ranges_groups()) {
      for (const auto& r : g.sub_ranges()) t.ranges.push_back({r.start_key(), r.end_key()});
    }
  } else {
    t.ranges.push_back({req.start_key(), req.end_key()});
  }
  t.start_version = req.start_version();
  t.end_version = req.end_version();
  t.rate_limit = req.rate_limit();
  t.concurrency = req.concurrency();
  t.is_raw_kv = req.is_raw_kv();
  if (req.mode() != ::backup::SCAN) {
    return Status::NotSupported("backup mode FILE is not supported; use SCAN");
  }
  if (t.is_raw_kv) {
    if (!req.cf().empty() && req.cf() != keys::kCfDefault) {
      return Status::NotSupported("raw KV backup supports only column family \"default\", not \"" +
                                  req.cf() + "\"");
    }
    if (req.dst_api_version() != kvrpcpb::V1) {
      return Status::NotSupported("raw KV backup to API version " +
                                  std::to_string(static_cast<int>(req.dst_api_version())) +
                                  " is not supported; this cluster speaks API V1");
    }
  }
  t.cf = std::string(keys::kCfDefault);
  ASSIGN_OR_RETURN(t.backend, sst::BackendFromProto(req.storage_backend()));
  ASSIGN_OR_RETURN(t.compression,
                   sst::CompressionFromProto(static_cast<int>(req.compression_type())));
  t.compression_level = req.compression_level();
  ASSIGN_OR_RETURN(t.cipher, sst::CipherFromProto(req.cipher_info()));
  RETURN_IF_ERROR(ValidateBackupTask(t));
  return t;
}

Status ValidateBackupTask(const BackupTask& t) {
  if (!t.is_raw_kv) {
    if (t.end_version == 0) {
      return Status::InvalidArgument("backup request has no end_version (the backup ts)");
    }
    if (t.start_version > t.end_version) {
      return Status::InvalidArgument(
          "backup start_version " + std::to_string(t.start_version) +
          " is after end_version " + std::to_string(t.end_version));
    }
  }
  if (t.ranges.empty()) return Status::InvalidArgument("backup request has no ranges");
  for (const RawRange& r : t.ranges) {
    if (!r.end.empty() && r.start > r.end) {
      return Status::InvalidArgument("backup range has start key after end key");
    }
  }
  RETURN_IF_ERROR(sst::ValidateCipher(t.cipher));
  return sst::ToRocksCompression(t.compression).status();
}

}  // namespace brkv::backup
