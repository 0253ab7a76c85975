// SstReader: the restore-side reader of one backup SST.
//
// Open downloads the object through ExternalStorage with ranged reads (never the whole object
// in memory), hashes the downloaded bytes and checks them against the sha256 recorded in
// backupmeta (mismatch → Corruption naming the object: a corrupt file must never restore
// "successfully", lessons.md 10), decrypts with the restore's cipher and the file's IV into a
// staged local SST, and opens it with rocksdb::SstFileReader (bytewise comparator). The KVs
// are then read with an SstIterator in key order. The staged file is removed when the reader
// is destroyed and on every error path of Open (lessons.md 17).
//
// An encrypted SST opened without its key (or with a wrong key) fails in Open with Corruption
// (the decrypted bytes are not a valid table).
// Failpoints: "restore.before-download", "restore.download-chunk".
// Thread-safety: an SstReader and each SstIterator are used by one thread at a time; readers of
// different files are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/rate_limiter.h"
#include "common/status.h"
#include "sst/backup_file.h"
#include "sst/crypter.h"
#include "sst/staging.h"
#include "storage/external_storage.h"

namespace rocksdb {
class Iterator;
class SstFileReader;
}  // namespace rocksdb

namespace brkv::sst {

// What the restore knows about the object (from backupmeta's File).
struct SstFileRef {
  std::string name{};       // object name relative to the storage root
  std::string sha256{};     // 32 raw bytes of the uploaded bytes
  std::string cipher_iv{};  // 16 bytes when the backup was encrypted
  uint64_t size = 0;        // plaintext size; 0 = unknown (not checked)

  static SstFileRef Of(const BackupFileInfo& f) {
    return SstFileRef{f.name, f.sha256, f.cipher_iv, f.size};
  }
};

struct SstReaderOptions {
  // REQUIRED: an existing local directory for the staged download.
  std::string temp_dir{};
  // The backup's cipher. Default: plaintext.
  CipherInfo cipher{};
  // Download throttle (not owned; may be null). Default: unlimited.
  RateLimiter* rate_limiter = nullptr;
  // Deadline for the download. Default: none (the storage's default timeout applies).
  storage::CallOptions call_options{};
  // Bytes per ranged read. Default: 1 MiB.
  size_t chunk_size = 1 << 20;
  // Refuse a file whose backupmeta entry has no sha256. Default: true.
  bool require_sha256 = true;
  // Verify every block checksum of the SST after opening it. Default: true.
  bool verify_block_checksums = true;
};

// Iterates the KVs of an open SstReader in key order. REQUIRES: the reader outlives it.
class SstIterator {
 public:
  ~SstIterator();
  void SeekToFirst();
  // Positions at the first key >= target.
  void Seek(std::string_view target);
  bool Valid() const;
  // REQUIRES: Valid().
  void Next();
  std::string_view key() const;
  std::string_view value() const;
  // Corruption/IOError met while iterating; OK at a clean end.
  Status status() const;

 private:
  friend class SstReader;
  explicit SstIterator(rocksdb::Iterator* it);
  std::unique_ptr<rocksdb::Iterator> it_;
};

class SstReader {
 public:
  // Downloads, verifies, decrypts and opens `file`. `storage` is used only during Open.
  // Errors: NotFound (no such object), Corruption (sha256 or size mismatch, or not a valid SST
  // after decryption; the message names the object), InvalidArgument (bad options/cipher/IV),
  // and the storage's errors (with the object name).
  static Result<std::unique_ptr<SstReader>> Open(storage::ExternalStorage* storage,
                                                 const SstFileRef& file,
                                                 const SstReaderOptions& options);
  ~SstReader();
  SstReader(const SstReader&) = delete;
  SstReader& operator=(const SstReader&) = delete;

  std::unique_ptr<SstIterator> NewIterator();
  // Number of KVs in the table (from its properties).
  uint64_t num_entries() const;
  // The staged, decrypted SST (valid while the reader lives).
  const std::string& local_path() const { return local_path_; }
  const std::string& name() const { return name_; }

 private:
  SstReader() = default;
  std::string name_;
  std::string local_path_;
  ScopedFile staged_;  // declared before reader_: the file is closed before it is unlinked
  std::unique_ptr<rocksdb::SstFileReader> reader_;
};

}  // namespace brkv::sst
