// FileImporter: moves one group of backup data files into the target cluster (architecture.md
// "Restore flow" step 4; formats.md 2.2, 5.6).
//
// A group is the files of one backup piece — the default-CF and write-CF SSTs of the same key
// range, written next to each other in backupmeta. They are ingested together (one
// MultiIngest per region), so a row's write record never becomes visible before its value.
//
// For a group and each target region overlapping its rewritten range:
//   1. Download each file to every store holding a replica of the region, with SSTMeta{uuid
//      (the job's uuid_prefix, then random bytes: restore_staged.h), range =
//      the group's rewritten range clipped to the region and to the rule's new prefix (region
//      key space, end exclusive), cf from the file name, region id + epoch, the file's IV},
//      the object name, its sha256, the storage backend, the rewrite rule (EncodeKeyPrefix
//      form) and the cipher. The node checks the sha256, decrypts, rewrites and stages it.
//   2. MultiIngest the non-empty staged files at the same node with the same SSTMetas.
// Region errors (EpochNotMatch, NotLeader, RegionNotFound, KeyNotInRegion) update the region
// cache and the rest of the group's range is located again and retried, with backoff; so are
// retryable node errors (Busy, Unavailable, TimedOut). Any other failure of a file — missing,
// truncated, sha256 mismatch, wrong key prefix — fails the group with an error naming the
// file: a restore never reports success with a file left out (lessons.md 10).
// Files already staged for a region attempt that then fails are discarded at once (an ingest
// the node must refuse removes them), so failed attempts leave nothing in the node's import
// directory (lessons.md 17); what a discard cannot reach is removed by the restore's
// ClearFiles at the end of the run (restore_staged.h).
//
// Failpoints: "br.restore.after-download" (a region attempt's files are staged on every
// replica's store, before the MultiIngest; logged at debug level just before),
// "br.restore.before-discard" (an error there gives up discarding, as a node that stays busy
// would).
//
// Thread-safety: Import is thread-safe; groups are imported concurrently by the restore.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "br/restore_importer.h"
#include "br/rewrite_rules.h"
#include "client/region_cache.h"
#include "common/backoff.h"
#include "common/status.h"
#include "proto/brpb.pb.h"

namespace brkv::br {

// The files of one backup piece; all share start_key / end_key (raw, old key space).
struct RestoreFileGroup {
  std::vector<::backup::File> files;
  std::string start_key;
  std::string end_key;

  uint64_t total_kvs() const;
  uint64_t total_bytes() const;
  uint64_t size() const;
  // "name1, name2" for messages.
  std::string Names() const;
};

// Appends `file` to the group being built when it belongs to it (same raw range), else
// returns false. BR writes a piece's files next to each other, so grouping is streaming.
bool AddToGroup(RestoreFileGroup* group, const ::backup::File& file);

// What a group becomes in the target.
struct GroupTarget {
  // Raw-KV restore: no rewrite; keys live in the raw key space. Default: false.
  bool is_raw_kv = false;
  // Transactional restore: the table's rule for this group (RewriteRules::RuleForRange).
  RewriteRule rule;
  // Raw-KV restore: the user's range [raw_start, raw_end) (raw_end "" = no bound) clamps the
  // files' ranges.
  std::string raw_start;
  std::string raw_end;
};

// A range of the region key space; end "" = +infinity.
struct RegionKeyRange {
  std::string start;
  std::string end;
  bool Empty() const { return !end.empty() && start >= end; }
  bool operator==(const RegionKeyRange&) const = default;
};

// The region-key range the group's data occupies in the target: the rewritten file range,
// within [EncodeKeyPrefix(new prefix), PrefixNext(EncodeKeyPrefix(new prefix))) for a
// transactional group; within ['r' + raw_start, 'r' + raw_end) for raw KV.
RegionKeyRange TargetRegionRange(const RestoreFileGroup& group, const GroupTarget& target);

// `range` clipped to the region [region_start, region_end) (end "" = +infinity): the
// SSTMeta.range of a Download, [max(starts), min(ends)). nullopt when they do not overlap.
std::optional<RegionKeyRange> ClipToRegion(const RegionKeyRange& range,
                                           std::string_view region_start,
                                           std::string_view region_end);

// "default" or "write", from the object name as BR does (formats.md 2.3), else File.cf, else
// "default".
std::string CfOfFile(const ::backup::File& file);

struct FileImporterOptions {
  // The first bytes of every uuid (StagedUuidPrefix of the restore job), so that ClearFiles
  // finds the job's staged files. Default: none (all 16 bytes random).
  std::string uuid_prefix;
  // The backup's storage as sent to the nodes (credentials only if allowed).
  ::backup::StorageBackend backend;
  // The backup's cipher (key and method; each file carries its IV).
  ::backup::CipherInfo cipher;
  // Download limit in bytes/s shared by the restore's downloads on each node; 0 = none.
  uint64_t rate_limit = 0;
  // Deadline of one Download / one MultiIngest. Defaults: 10 min / 2 min.
  std::chrono::milliseconds download_timeout{10 * 60 * 1000};
  std::chrono::milliseconds ingest_timeout{2 * 60 * 1000};
  // Retries of one region attempt (region errors, busy or unreachable nodes): the budget is
  // the time allowed without progress. Default: 20 ms .. 2 s, 5 min.
  BackoffOptions retry{20, 2000, 5 * 60 * 1000, 0};
  // Retries of discarding staged files after a failed attempt (a busy node). Default:
  // 20 ms .. 500 ms, 3 s; after that the node's staged-file sweep removes them.
  BackoffOptions discard_retry{20, 500, 3000, 0};
};

// Per-group outcome, for progress and tests.
struct GroupImportStats {
  uint64_t regions = 0;  // region attempts that succeeded
  uint64_t ingested_ssts = 0;
  uint64_t retries = 0;  // attempts repeated after a retryable error
};

class FileImporter {
 public:
  // `regions` and `client` must outlive the importer.
  FileImporter(client::RegionCache* regions, ImporterClient* client, FileImporterOptions options);

  // Downloads and ingests the group into every region its target range overlaps; see the top
  // of the file. Errors name the group's files.
  Result<GroupImportStats> Import(const RestoreFileGroup& group, const GroupTarget& target);

 private:
  // One attempt at one region. On a region error the cache is updated and RegionError is
  // returned.
  Status ImportIntoRegion(const RestoreFileGroup& group, const GroupTarget& target,
                          const client::KeyLocation& loc, const RegionKeyRange& range,
                          GroupImportStats* stats);
  // Asks the store at `address` to drop the staged copies of `metas` (loc's region).
  void Discard(const std::string& address, const client::KeyLocation& loc,
               std::vector<import_sstpb::SSTMeta> metas);
  void OnRegionError(const client::KeyLocation& loc, const errorpb::Error& e);

  client::RegionCache* const regions_;
  ImporterClient* const client_;
  const FileImporterOptions options_;
};

}  // namespace brkv::br
