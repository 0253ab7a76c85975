// The BackupRequest every store receives for one backup (formats.md 1.6), built from br's
// settings. The storage backend is sent with its credentials only when allowed
// (--send-credentials-to-tikv); the cipher key travels in cipher_info — the request is a
// secret-bearing message and must never be logged.
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <string>

#include "proto/brpb.pb.h"
#include "sst/compression.h"
#include "sst/crypter.h"
#include "storage/storage_backend.h"

namespace brkv::br {

struct BackupRequestParams {
  uint64_t cluster_id = 0;
  // Incremental lower bound (exclusive); 0 = full.
  uint64_t start_version = 0;
  // The backup ts.
  uint64_t end_version = 0;
  // Upload limit per node in MiB/s; 0 = unlimited.
  uint64_t ratelimit_mib = 0;
  uint32_t concurrency = 0;
  storage::StorageBackend backend;
  bool send_credentials = true;
  bool is_raw_kv = false;
  // Raw KV: the column family.
  std::string cf;
  sst::CompressionType compression = sst::CompressionType::kZstd;
  int compression_level = 0;
  sst::CipherInfo cipher;
  // Identifies the backup in node logs (the service safe point id).
  std::string unique_id;
};

// The request, ranges not set (BackupClient fills them in).
::backup::BackupRequest BuildBackupRequest(const BackupRequestParams& params);

}  // namespace brkv::br
