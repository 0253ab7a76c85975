#include "br/backup_request.h"

#include "br/backend_credentials.h"
#include "sst/backend_proto.h"

namespace brkv::br {

::backup::BackupRequest BuildBackupRequest(const BackupRequestParams& p) {
  constexpr uint64_t kMiB = 1ull << 20;
  ::backup::BackupRequest req;
  req.set_cluster_id(p.cluster_id);
  req.set_start_version(p.start_version);
  req.set_end_version(p.end_version);
  req.set_rate_limit(p.ratelimit_mib * kMiB);
  req.set_concurrency(p.concurrency);
  const storage::StorageBackend sent =
      p.send_credentials ? p.backend : WithoutCredentials(p.backend);
  *req.mutable_storage_backend() = brkv::sst::BackendToProto(sent);
  req.set_is_raw_kv(p.is_raw_kv);
  if (p.is_raw_kv) req.set_cf(p.cf);
  req.set_compression_type(static_cast<::backup::CompressionType>(p.compression));
  req.set_compression_level(p.compression_level);
  *req.mutable_cipher_info() = brkv::sst::CipherToProto(p.cipher);
  req.set_dst_api_version(kvrpcpb::V1);
  req.set_mode(::backup::SCAN);
  req.set_unique_id(p.unique_id);
  return req;
}

}  // namespace brkv::br
