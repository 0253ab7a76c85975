// Object names and constants of the snapshot-backup layout (formats.md 5.2, 5.3).
//
// Layout under the backup root (all names relative to the storage root):
//   backup.lock                    written first; marks the path as taken by one job (never
//                                  deleted once data may be written; backup_lock.h)
//   backup.lock.intent.<owner>     short-lived, while a job claims the path
//   checkpoints/backup/...         the job's progress until it commits (backup_checkpoint.h)
//   {store}/..._{default|write}.sst  data files, uploaded by the nodes
//   backupmeta.datafile.%09d       v2 leaves (MetaFile.data_files)
//   backupmeta.schema.%09d         v2 leaves (MetaFile.schemas)
//   backupmeta.ddl.%09d            v2 leaves (MetaFile.ddls)
//   backupmeta                     root BackupMeta, written LAST: its presence is the commit
//                                  point, a path without it holds no usable backup
// The three leaf kinds share one sequence counter starting at 1, so leaf names are unique
// across kinds and record the order they were written in.
//
// Compatibility: these names and the version value are what TiDB BR writes and reads;
// changing any of them breaks reading BR backups (and BR reading ours).
// Thread-safety: constants and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace brkv::br {

inline constexpr std::string_view kMetaFileName = "backupmeta";
inline constexpr std::string_view kLockFileName = "backup.lock";
inline constexpr std::string_view kDataFileLeafPrefix = "backupmeta.datafile";
inline constexpr std::string_view kSchemaLeafPrefix = "backupmeta.schema";
inline constexpr std::string_view kDdlLeafPrefix = "backupmeta.ddl";

// BackupMeta.version values. Note that v2 is 1.
inline constexpr int32_t kMetaVersionV1 = 0;
inline constexpr int32_t kMetaVersionV2 = 1;

// Default size at which a leaf is cut: BR's 128 MiB.
inline constexpr uint64_t kDefaultLeafSizeLimit = uint64_t{128} << 20;

// Kinds of v2 leaf.
enum class LeafKind { kDataFile, kSchema, kDdl };

// "backupmeta.datafile" etc.
std::string_view LeafPrefix(LeafKind kind);
// "backupmeta.datafile.000000042" for (kDataFile, 42).
std::string LeafName(LeafKind kind, uint64_t seq);

}  // namespace brkv::br
