// Rewrite rules of a restore: how the keys of a backed-up table are moved under the id of the
// table the restore created for it (formats.md 2.3; BR's restore rewrite rules).
//
// A restored table gets a new table id, so every key of the backup moves:
//   record data   t{old}_r…          → t{new}_r…           (the "data rule", 11-byte prefixes)
//   each index    t{old}_i{oldIdx}…  → t{new}_i{newIdx}…   (indexes matched by NAME, 19 bytes)
//   whole table   t{old}…            → t{new}…             (9 bytes; only usable when every
//                                                           index keeps its id)
// Every rule maps a prefix to a prefix of the same length, so key order is kept.
//
// Key forms: the rules here hold RAW TiDB key prefixes. Download wants them in EncodeKeyPrefix
// form (ToDownloadRule) because TiKV matches them bytewise against encoded keys; the checksum
// wants the raw prefixes (ChecksumRanges). Data file ranges (backup::File start/end) are raw
// keys of the OLD table.
//
// Thread-safety: values; RewriteRules is immutable once built (const methods are safe to
// share).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/schema.h"
#include "client/admin.h"
#include "client/types.h"
#include "common/status.h"
#include "proto/import_sstpb.pb.h"

namespace brkv::br {

// old_prefix → new_prefix on raw keys. REQUIRES (for key order): equal lengths.
struct RewriteRule {
  std::string old_prefix;
  std::string new_prefix;
  bool operator==(const RewriteRule&) const = default;
};

// Everything one restored table needs.
struct TableRewrite {
  struct Index {
    std::string name;  // lower-case name (the match key)
    int64_t old_id = 0;
    int64_t new_id = 0;
    RewriteRule rule;  // t{old}_i{old_id} → t{new}_i{new_id}
  };

  int64_t old_table_id = 0;
  int64_t new_table_id = 0;
  RewriteRule record;  // t{old}_r → t{new}_r
  RewriteRule table;   // t{old} → t{new}
  std::vector<Index> indexes;
  // Every index keeps its id, so `table` rewrites index keys correctly too.
  bool same_index_ids = true;
};

// Builds the rules moving `old_table` (from the backup) onto `new_table` (in the target).
// Indexes are matched by name (case-insensitive). InvalidArgument naming the index when an
// index of the backup has no counterpart in the new table.
Result<TableRewrite> BuildTableRewrite(const catalog::TableInfo& old_table,
                                       const catalog::TableInfo& new_table);

// The rules of every table of one restore, by old table id.
class RewriteRules {
 public:
  // AlreadyExists when a rule for the same old table id was added before.
  Status Add(TableRewrite table);
  // nullptr when the table is not restored.
  const TableRewrite* Find(int64_t old_table_id) const;
  size_t size() const { return tables_.size(); }
  const std::map<int64_t, TableRewrite>& tables() const { return tables_; }

  // The rule for a backup file holding the raw key range [start, end) of an old table: the
  // record or index rule whose prefix holds the range, else the table rule when the range
  // spans several prefixes of one table (and indexes keep their ids).
  // NotFound when the range's table is not restored; InvalidArgument when no single rule
  // covers the range.
  Result<RewriteRule> RuleForRange(std::string_view start, std::string_view end) const;

 private:
  std::map<int64_t, TableRewrite> tables_;
};

// True when [start, end) lies within the keys that start with `prefix` (an end equal to
// PrefixNext(prefix), possibly followed by zero bytes as TiDB's range ends are, counts as
// inside). end "" = +infinity, never inside a non-empty prefix.
bool RangeWithinPrefix(std::string_view start, std::string_view end, std::string_view prefix);

// A raw key moved by `rule`. Keys below every key of the old prefix map to new_prefix, keys
// above it (and "" when is_end) to PrefixNext(new_prefix): the result bounds the same part of
// the prefix in the new key space.
std::string RewriteRangeStart(std::string_view key, const RewriteRule& rule);
std::string RewriteRangeEnd(std::string_view key, const RewriteRule& rule);

// The rule as Download (Legacy request type) wants it: both prefixes in EncodeKeyPrefix form.
import_sstpb::RewriteRule ToDownloadRule(const RewriteRule& rule);

// One range of a restored table's checksum and the rule that makes it comparable with the
// backup's: the record range with the data rule, each index range with its index rule (raw
// prefixes, formats.md 5.4). Ranges are those of `new_table` (table_ranges.h).
struct ChecksumRange {
  client::KeyRange range;
  client::ChecksumRewriteRule rule;
};
// InvalidArgument when a public index of new_table has no rule (it was not in the backup).
Result<std::vector<ChecksumRange>> ChecksumRanges(const TableRewrite& rewrite,
                                                  const catalog::TableInfo& new_table);

}  // namespace brkv::br
