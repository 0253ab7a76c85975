// MetaReader: reads a backup's metadata — the root `backupmeta` and, for v2, its leaves —
// streaming leaf by leaf (formats.md 5.3).
//
// Open reads and decrypts the root only. The ForEach* calls then walk the v1 inline lists and
// the v2 leaves in the order they were written, holding one leaf in memory at a time, and call
// back once per item. Every leaf is checked against its pointer (plaintext size and sha256)
// before any of its items is handed out, so a corrupted leaf is reported (Corruption naming
// the leaf) instead of feeding partial metadata to a restore (lessons.md 10).
//
// Encryption: the configured cipher decides whether the root starts with an IV (the object has
// no marker). A wrong key shows up as a root that does not parse, and is reported as
// "cannot decrypt backupmeta: wrong --crypter.key?"; a leaf whose sha256 fails under a cipher
// is reported as corrupted "or --crypter.key is wrong".
//
// Thread-safety: const methods may run concurrently once Open returned.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "br/meta_decode.h"
#include "br/meta_io.h"
#include "br/meta_names.h"
#include "common/status.h"
#include "proto/brpb.pb.h"
#include "sst/crypter.h"
#include "storage/external_storage.h"

namespace brkv::br {

struct MetaReaderOptions {
  // The backup's cipher (--crypter.method / --crypter.key). Default: plaintext.
  sst::CipherInfo cipher{};
  // Storage retries and timeouts.
  MetaIoOptions io{};
};

// Counters, for tests and progress.
struct MetaReaderStats {
  uint64_t leaves_read = 0;
  // The most items one leaf held (what a walk keeps in memory at once).
  uint64_t peak_leaf_items = 0;
};

class MetaReader {
 public:
  // Reads `backupmeta` from `storage` (which must outlive the reader).
  // NotFound when there is no `backupmeta` (no finished backup at this path);
  // InvalidArgument "cannot decrypt backupmeta: wrong --crypter.key?" when a cipher is set and
  // the decrypted root does not parse, or for an unusable cipher; Corruption when a plaintext
  // root does not parse (the message suggests the backup may be encrypted) or has an unknown
  // metadata version.
  static Result<std::unique_ptr<MetaReader>> Open(storage::ExternalStorage* storage,
                                                  MetaReaderOptions options = {});

  // The root as stored (v2 indexes hold only leaf pointers; v1 holds inline lists).
  const backup::BackupMeta& meta() const { return meta_; }
  bool is_v2() const { return meta_.version() == kMetaVersionV2; }

  using DataFileFn = std::function<Status(const backup::File&)>;
  using SchemaFn = std::function<Status(const backup::Schema&)>;
  using DdlFn = std::function<Status(std::string_view job_json)>;
  using LeafFn = std::function<Status(const DecodedLeaf&)>;

  // Calls fn for every data file: v1 inline files first, then the v2 leaves in order.
  // The first non-OK status (from fn or from reading/verifying a leaf) stops the walk.
  Status ForEachDataFile(const DataFileFn& fn) const;
  // Same for schemas.
  Status ForEachSchema(const SchemaFn& fn) const;
  // Same for DDL jobs: the elements of the v1 JSON array `ddls`, then the v2 leaf entries.
  // Corruption if the v1 `ddls` is not a JSON array.
  Status ForEachDdl(const DdlFn& fn) const;
  // Calls fn for every verified v2 leaf of `kind` (for `br validate decode`).
  Status ForEachLeaf(LeafKind kind, const LeafFn& fn) const;

  // All data files grouped by the table id of their raw start key (DecodeTableID; 0 for
  // non-table keys such as raw KV), in backup order within each group. Loads every file
  // entry: use it where restore needs them all anyway.
  Result<std::map<int64_t, std::vector<backup::File>>> DataFilesByTable() const;

  MetaReaderStats stats() const;

 private:
  MetaReader(storage::ExternalStorage* storage, MetaReaderOptions options,
             backup::BackupMeta meta);
  const backup::MetaFile* IndexFor(LeafKind kind) const;
  // Walks the pointers of `index` (recursing into nested meta_files) and calls fn per leaf.
  Status WalkIndex(const backup::MetaFile& index, int depth,
                   const std::function<Status(const DecodedLeaf&)>& fn) const;
  Result<backup::MetaFile> ReadLeaf(const backup::File& pointer) const;

  storage::ExternalStorage* const storage_;
  const MetaReaderOptions options_;
  const backup::BackupMeta meta_;
  mutable std::mutex stats_mu_;
  mutable MetaReaderStats stats_;  // GUARDED_BY(stats_mu_)
};

}  // namespace brkv::br
