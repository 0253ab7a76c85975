// BackupWriter: the node-side writer of one backup range's SST files (TiKV's backup writer).
//
// The caller scans MVCC at the backup ts and feeds the KVs of one raw key range in key order.
// For every logical KV it adds the write-CF KV and, when the value is long, the default-CF KV,
// and says which of the two counts the logical KV in the checksum (formats.md 5.4: the default
// file if the value lives there, else the write file). The writer streams the KVs into
// `{…}_default.sst` / `{…}_write.sst` with rocksdb::SstFileWriter in a staging directory, cuts
// the range into pieces when the two staged SSTs together reach sst_max_size (only between
// different raw keys, so a key's write and default KVs stay in one piece), and for each
// finished SST: optionally encrypts it with a fresh random IV, hashes the uploaded bytes
// (sha256), uploads it through ExternalStorage's streaming writer (throttled by the rate
// limiter) and deletes the staged file. Pieces cover the range contiguously: a piece ends at
// the raw key that starts the next one; the first starts at options.start_key and the last
// ends at options.end_key.
//
// Raw-KV backups use the same writer: every KV goes to BackupCf::kDefault with raw_key = the
// user key and checksum_value = the value.
//
// Memory does not grow with the range: KVs go straight into the SST builder and uploads stream
// from the staged file in upload_chunk_size pieces.
//
// Cleanup: staged files are removed after each upload, on every error, and when a writer is
// destroyed unfinished. Objects already uploaded for earlier pieces stay in storage when a
// later piece fails (they are unreferenced until backupmeta names them; BR retries the range).
// Any error poisons the writer: later calls return the first error.
//
// Failpoints: "backup.before-upload" (before each object upload), "backup.upload-chunk"
// (before each streamed chunk).
// Thread-safety: not thread-safe; one writer per range task. Writers of different ranges may
// run concurrently (they share only the storage and the rate limiter, both thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/checksum.h"
#include "common/rate_limiter.h"
#include "common/status.h"
#include "sst/backup_file.h"
#include "sst/compression.h"
#include "sst/crypter.h"
#include "storage/external_storage.h"

namespace brkv::sst {

// Which SST a KV goes to.
enum class BackupCf { kDefault, kWrite };
std::string_view CfName(BackupCf cf);

// One KV handed to the writer.
struct BackupKv {
  BackupCf cf = BackupCf::kWrite;
  // The KV as stored in RocksDB: 'z' + enc(raw key) + desc(ts), and the stored value (the
  // write record, or the default-CF user value). Copied byte for byte into the SST.
  std::string_view key{};
  std::string_view value{};
  // The decoded raw key this KV belongs to. Must be non-decreasing across calls and inside
  // [start_key, end_key) of the writer.
  std::string_view raw_key{};
  // Set on exactly one KV of each logical KV: the user value to checksum, counted in this
  // KV's file as CRC64(raw_key ‖ *checksum_value), one KV, len(raw_key)+len(value) bytes.
  std::optional<std::string_view> checksum_value{};
};

// A finished piece of the range: its raw key range and its files (default first, then write;
// a CF with no KVs has no file).
struct BackupPiece {
  std::string start_key{};
  std::string end_key{};
  std::vector<BackupFileInfo> files{};
};

struct BackupWriterOptions {
  // Naming: the node, region and epoch version that produced the files. Default: 0.
  uint64_t store_id = 0;
  uint64_t region_id = 0;
  uint64_t region_version = 0;
  // The raw range [start_key, end_key) being backed up; empty end_key = unbounded.
  // Default: the whole key space.
  std::string start_key{};
  std::string end_key{};
  // Copied into every file (BackupRequest start/end version). Default: 0.
  uint64_t start_version = 0;
  uint64_t end_version = 0;
  // Whole-file compression and its level (0 = the codec's default). Default: kUnknown (LZ4).
  CompressionType compression = CompressionType::kUnknown;
  int compression_level = 0;
  // Encryption of the uploaded files. Default: plaintext.
  CipherInfo cipher{};
  // Cut a piece when the staged default + write SSTs reach this many bytes (approximate: the
  // builder's flushed size, so a piece can exceed it by about one data block per CF).
  // Default: 144 MiB (TiKV's backup.sst-max-size).
  uint64_t sst_max_size = 144ull << 20;
  // Object naming. Default: kAuto (from the storage's backend).
  FileNaming naming = FileNaming::kAuto;
  // REQUIRED: an existing local directory for staged SSTs (a node's import/backup temp dir).
  std::string temp_dir{};
  // Shared upload throttle (not owned; may be null). Default: unlimited.
  RateLimiter* rate_limiter = nullptr;
  // Deadline for each object upload. Default: none (the storage's default timeout applies).
  storage::CallOptions call_options{};
  // Bytes read from a staged file and sent per Append. Default: 1 MiB.
  size_t upload_chunk_size = 1 << 20;
  // Source of {unix_millis} in names. Default: null (the system clock).
  std::function<int64_t()> now_unix_millis{};
  // Called after each piece is uploaded (including the last one, from Finish), in order; a
  // non-OK return fails the writer with that status. Default: none.
  std::function<Status(const BackupPiece&)> on_piece{};
};

class BackupWriter {
 public:
  // Validates the options (temp_dir exists, cipher, compression support). `storage` is not
  // owned and must outlive the writer. Nothing is created until the first Add.
  static Result<std::unique_ptr<BackupWriter>> Open(storage::ExternalStorage* storage,
                                                    BackupWriterOptions options);
  // Removes any staged file of an unfinished writer.
  ~BackupWriter();
  BackupWriter(const BackupWriter&) = delete;
  BackupWriter& operator=(const BackupWriter&) = delete;

  // Adds one KV. May finish and upload the current piece first (when it is full and kv starts
  // a new raw key). InvalidArgument if raw keys go backwards or leave the range, or a CF's
  // keys are not strictly increasing.
  Status Add(const BackupKv& kv);

  // Uploads the last piece and returns every file of the range, in piece order (default
  // before write within a piece). An empty range gives no files. REQUIRES: called once.
  Result<std::vector<BackupFileInfo>> Finish();

  // Files uploaded so far (complete pieces only).
  const std::vector<BackupFileInfo>& files() const { return files_; }
  // The logical KVs added so far (sum over all files).
  const Checksum& checksum() const { return total_; }

 private:
  class CfWriter;
  BackupWriter(storage::ExternalStorage* storage, BackupWriterOptions options);
  Status AddImpl(const BackupKv& kv);
  Status FinishPiece(std::string_view end_key);
  Status UploadStaged(CfWriter* w, BackupFileInfo* info);
  Status Fail(Status s);
  void RemoveStaged();

  storage::ExternalStorage* const storage_;
  BackupWriterOptions options_;
  FileNaming naming_;
  std::unique_ptr<CfWriter> cfs_[2];  // indexed by BackupCf
  std::string piece_start_;
  std::string last_raw_key_;
  bool has_last_ = false;
  bool finished_ = false;
  uint64_t staged_seq_ = 0;
  Status error_;
  std::vector<BackupFileInfo> files_;
  Checksum total_;
};

}  // namespace brkv::sst
