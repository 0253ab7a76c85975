// BackupFileInfo (one uploaded backup SST, the brpb.File fields a node reports) and the
// object naming of backup SSTs (formats.md 1.2, 5.2).
//
// Names, current form:
//   store directory (local, S3):  {store_id}/{region_id}_{version}_{keyhash}_{millis}_{cf}.sst
//   flat (GCS, Azure, others):    {store_id}_{region_id}_{version}_{keyhash}_{millis}_{cf}.sst
// keyhash = lower-case hex sha256 of the piece's raw start key. BR infers the CF of a file from
// its name, so names always contain "default" or "write".
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/storage_backend.h"

namespace brkv::sst {

struct BackupFileInfo {
  std::string name{};       // object name relative to the backup root
  std::string cf{};         // "default" or "write"
  std::string sha256{};     // 32 raw bytes, over the uploaded (possibly encrypted) bytes
  std::string start_key{};  // raw, inclusive
  std::string end_key{};    // raw, exclusive; empty = unbounded
  uint64_t crc64xor = 0;    // over the logical KVs counted in this file (formats.md 5.4)
  uint64_t total_kvs = 0;
  uint64_t total_bytes = 0;
  uint64_t size = 0;        // plaintext SST size (AES-CTR keeps the length)
  std::string cipher_iv{};  // 16 bytes, random per file (also for plaintext, as TiKV does)
  uint64_t start_version = 0;
  uint64_t end_version = 0;

  bool operator==(const BackupFileInfo&) const = default;
};

enum class FileNaming {
  kAuto,      // kStoreDir for local, S3 and memstore backends, kFlat for the others
  kStoreDir,  // "{store_id}/{region_id}_…"
  kFlat,      // "{store_id}_{region_id}_…"
};

// kStoreDir or kFlat for a backend (never kAuto).
FileNaming NamingForBackend(const storage::StorageBackend& backend);

// The name without the "_{cf}.sst" suffix. REQUIRES: naming != kAuto.
std::string BackupFileNameStem(uint64_t store_id, uint64_t region_id, uint64_t region_version,
                               std::string_view raw_start_key, int64_t unix_millis,
                               FileNaming naming);
// stem + "_" + cf + ".sst".
std::string BackupFileName(std::string_view stem, std::string_view cf);

// The CF a backup SST holds, inferred from its name as BR does: "default" or "write".
// InvalidArgument if the name contains neither.
Result<std::string> CfFromFileName(std::string_view name);

}  // namespace brkv::sst
