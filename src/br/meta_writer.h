// MetaWriter: streams a backup's metadata into backupmeta v2 (formats.md 1.1-1.3, 5.3).
//
// Data files, schemas and DDL jobs are appended as the backup produces them. Each kind
// accumulates in its own leaf MetaFile; when a leaf's encoded items reach leaf_size_limit it
// is written as `backupmeta.<kind>.%09d` (one sequence counter shared by all kinds) and only
// its pointer (name, sha256 and size of the plaintext, IV) is kept. Memory is therefore bounded
// by about three leaves plus one pointer per leaf written — never by the number of files or
// tables (lessons.md 1). Finish writes the last leaves and then the root `backupmeta`, which
// is the commit point: a crash before it leaves a path with no usable backup, never a
// half-described one.
//
// With a cipher, leaves are AES-CTR encrypted with a fresh IV each (IV in the pointer) and the
// root is stored as 16-byte IV + ciphertext.
//
// Errors are sticky: after any failure every later call returns the first error and no
// `backupmeta` is written (so a broken metadata stream can never be committed).
// Retryable storage errors are retried per object within options.io.retry.
// Failpoints: "br.meta.before-write-leaf", "br.meta.before-write-backupmeta".
//
// Thread-safety: thread-safe (responses from several nodes may append concurrently).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "br/meta_io.h"
#include "br/meta_names.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/crypter.h"
#include "storage/external_storage.h"

namespace brkv::br {

struct MetaWriterOptions {
  // A leaf is written once its items' encoded size reaches this. Default: 128 MiB (BR's).
  uint64_t leaf_size_limit = kDefaultLeafSizeLimit;
  // Encryption of leaves and root. Default: plaintext.
  sst::CipherInfo cipher{};
  // Storage retries and timeouts.
  MetaIoOptions io{};
  // Called right before the root `backupmeta` is written; a non-OK result is returned by Finish
  // and nothing is committed (the backup checks it still holds backup.lock and that no other
  // `backupmeta` appeared, so the commit never overwrites one it did not expect).
  // Default: unset (no check).
  std::function<Status()> before_commit;
};

// Counters, for progress, summaries and tests.
struct MetaWriterStats {
  uint64_t data_files = 0;
  uint64_t schemas = 0;
  uint64_t ddls = 0;
  uint64_t leaves_written = 0;
  // Sum of File.size of the data files appended.
  uint64_t data_bytes = 0;
  // Bytes of leaves and root written.
  uint64_t meta_bytes = 0;
  // The most items (of all kinds) held in memory at once, and their encoded bytes.
  uint64_t peak_buffered_items = 0;
  uint64_t peak_buffered_bytes = 0;
};

class MetaWriter {
 public:
  // `storage` must outlive the writer. InvalidArgument for an unusable cipher (bad key
  // length, SM4) or a zero leaf_size_limit.
  static Result<std::unique_ptr<MetaWriter>> Open(storage::ExternalStorage* storage,
                                                  MetaWriterOptions options);
  ~MetaWriter();
  MetaWriter(const MetaWriter&) = delete;
  MetaWriter& operator=(const MetaWriter&) = delete;

  // Appends one batch of data files (typically a range's default + write pair). A batch is
  // never split across leaves, so pairs stay next to each other. May write a leaf.
  Status AppendDataFiles(std::span<const backup::File> files);
  // Appends schemas (a database has an empty `table`). May write a leaf.
  Status AppendSchemas(std::span<const backup::Schema> schemas);
  // Appends one DDL job as its JSON text. May write a leaf.
  Status AppendDdl(std::string_view job_json);

  // Writes the remaining leaves, then the root `backupmeta` built from `root`:
  // the caller sets cluster_id, cluster_version, start/end_version, br_version, is_raw_kv,
  // raw_ranges, api_version, new_collations_enabled, backup_result, policies, ...; the writer
  // sets version = 1 (v2), file_index / schema_index / ddl_indexes, ddls = "[]" when empty,
  // new_collations_enabled = "False" when empty, and backup_size (data files + metadata
  // objects + the root itself).
  // InvalidArgument if `root` carries v1 inline files or schemas. After Finish (successful or
  // not) the writer accepts nothing more.
  Status Finish(backup::BackupMeta root);

  MetaWriterStats stats() const;

 private:
  struct Leaf {
    backup::MetaFile items;
    uint64_t bytes = 0;   // encoded size of the items
    uint64_t count = 0;
    backup::MetaFile index;  // pointers to the leaves of this kind already written
  };

  MetaWriter(storage::ExternalStorage* storage, MetaWriterOptions options);
  Leaf& LeafFor(LeafKind kind);
  // After items were added to `kind`'s leaf: record peaks, write the leaf when full.
  Status AfterAppendLocked(LeafKind kind);
  Status FlushLeafLocked(LeafKind kind);
  Status CheckUsableLocked() const;

  storage::ExternalStorage* const storage_;
  const MetaWriterOptions options_;
  mutable std::mutex mu_;
  Leaf data_;                  // GUARDED_BY(mu_)
  Leaf schema_;                // GUARDED_BY(mu_)
  Leaf ddl_;                   // GUARDED_BY(mu_)
  uint64_t next_seq_ = 1;      // GUARDED_BY(mu_)
  Status error_;               // GUARDED_BY(mu_) sticky first error
  bool finished_ = false;      // GUARDED_BY(mu_)
  MetaWriterStats stats_;      // GUARDED_BY(mu_)
};

}  // namespace brkv::br
