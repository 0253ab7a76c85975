// Region snapshot files, TiKV's layout: a snapshot of region R at (term T, index I) is one SST
// per data CF holding that CF's keys in the region's range, exactly as stored (data keys). The
// generating store writes them as <dir>/gen_R_T_I_<cf>.sst; they travel after the MsgSnapshot
// in tikvpb.Tikv/Snapshot chunks; the receiving store writes them as <dir>/rev_R_T_I_<cf>.sst,
// checking each file's size and CRC-32 against the snapshot's meta (raft_serverpb.SnapshotMeta),
// and ingests them when Raft hands it the snapshot. A CF without keys has no file (size 0).
//
// Thread-safety: the free functions are safe to call concurrently on different snapshots;
// SnapshotReceiver is used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "proto/raft_serverpb.pb.h"
#include "raftstore/engines.h"

namespace brkv::raftstore {

// The data CFs a snapshot carries, in the order of its cf_files.
inline constexpr std::string_view kSnapshotCfs[] = {"default", "lock", "write"};

// Identity of one snapshot of one region.
struct SnapKey {
  uint64_t region_id = 0;
  uint64_t term = 0;
  uint64_t index = 0;
};

// <dir>/gen_R_T_I_<cf>.sst (generated == true) or <dir>/rev_R_T_I_<cf>.sst.
std::string SnapFilePath(const std::string& dir, bool generated, const SnapKey& key,
                         std::string_view cf);

// Writes the region's data as of `snapshot` (a RocksDB snapshot of the store's engine) into gen
// files under `dir` and returns their meta (one SnapshotCFFile per CF in kSnapshotCfs order).
// Errors: scan or file-system failures (no partial file stays).
Result<raft_serverpb::SnapshotMeta> BuildSnapshotFiles(const Engines& e,
                                                       const rocksdb::Snapshot* snapshot,
                                                       const metapb::Region& region,
                                                       const SnapKey& key, const std::string& dir);

// The paths of a snapshot's files in cf_files order; "" for a CF without a file.
std::vector<std::string> SnapshotFilePaths(const std::string& dir, bool generated,
                                           const SnapKey& key,
                                           const raft_serverpb::SnapshotMeta& meta);

// Size and CRC-32 (IEEE) of a file. NotFound / IOError.
Status FileSizeAndCrc32(const std::string& path, uint64_t* size, uint32_t* crc);

// Receives a snapshot's files from the bytes that follow its message: Write each chunk as it
// arrives, then Finish. Each file is written under a temporary name and renamed into place once
// its size and checksum match the meta; a receiver destroyed before Finish succeeded removes
// what it wrote. Errors name the file and what did not match.
class SnapshotReceiver {
 public:
  SnapshotReceiver(std::string dir, const SnapKey& key, raft_serverpb::SnapshotMeta meta);
  ~SnapshotReceiver();
  SnapshotReceiver(const SnapshotReceiver&) = delete;
  SnapshotReceiver& operator=(const SnapshotReceiver&) = delete;

  // More bytes of the files, in order. InvalidArgument when they overrun the meta's sizes.
  Status Write(std::string_view data);
  // Every file complete and checked. Corruption when bytes are missing or a checksum differs.
  Status Finish();
  uint64_t received() const { return received_; }

 private:
  Status OpenNext();
  Status CloseCurrent();

  const std::string dir_;
  const SnapKey key_;
  const raft_serverpb::SnapshotMeta meta_;
  int file_ = -1;          // index into meta_.cf_files() being written (-1: none open)
  int fd_ = -1;
  std::string tmp_path_;  // temporary name of the file being written
  uint64_t file_written_ = 0;
  uint32_t crc_ = 0;
  uint64_t received_ = 0;
  std::vector<std::string> done_;  // final paths written so far
  bool finished_ = false;
};

// Checks that every file of the meta is in `dir` (received) with its size.
Status CheckReceivedFiles(const std::string& dir, const SnapKey& key,
                          const raft_serverpb::SnapshotMeta& meta);

// Ingests a received snapshot's files into their CFs (the caller removed the range's old data
// first). The rev files stay (a hard link is ingested) so a crash before the caller recorded
// the snapshot as applied can ingest them again.
Status IngestSnapshotFiles(const Engines& e, const std::string& dir, const SnapKey& key,
                           const raft_serverpb::SnapshotMeta& meta);

// Removes the region's files with the prefix ("gen_" or "rev_") of snapshots at an index below
// `below_index` (default: all of them), with their temporary and ingest links.
void RemoveSnapshotFiles(const std::string& dir, std::string_view prefix, uint64_t region_id,
                         uint64_t below_index = UINT64_MAX);
// Removes every snapshot file in `dir` except the received files of the regions listed.
void RemoveSnapshotFilesExcept(const std::string& dir, const std::vector<uint64_t>& keep_rev);

}  // namespace brkv::raftstore
