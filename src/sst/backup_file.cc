#include "sst/backup_file.h"

#include "common/codec.h"
#include "common/sha256.h"

namespace brkv::sst {

FileNaming NamingForBackend(const storage::StorageBackend& backend) {
  if (std::holds_alternative<storage::LocalBackend>(backend) ||
      std::holds_alternative<storage::S3Backend>(backend) ||
      std::holds_alternative<storage::MemStoreBackend>(backend)) {
    return FileNaming::kStoreDir;
  }
  return FileNaming::kFlat;
}

std::string BackupFileNameStem(uint64_t store_id, uint64_t region_id, uint64_t region_version,
                               std::string_view raw_start_key, int64_t unix_millis,
                               FileNaming naming) {
  std::string out = std::to_string(store_id);
  out.push_back(naming == FileNaming::kFlat ? '_' : '/');
  out += std::to_string(region_id);
  out += '_';
  out += std::to_string(region_version);
  out += '_';
  out += codec::ToHex(Sha256(raw_start_key));
  out += '_';
  out += std::to_string(unix_millis);
  return out;
}

std::string BackupFileName(std::string_view stem, std::string_view cf) {
  std::string out(stem);
  out += '_';
  out += cf;
  out += ".sst";
  return out;
}

Result<std::string> CfFromFileName(std::string_view name) {
  if (name.find("default") != std::string_view::npos) return std::string("default");
  if (name.find("write") != std::string_view::npos) return std::string("write");
  return Status::InvalidArgument("cannot tell the column family of backup file \"" +
                                 std::string(name) + "\" (no \"default\" or \"write\" in it)");
}

}  // namespace brkv::sst
