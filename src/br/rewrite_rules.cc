#include "br/rewrite_rules.h"

#include <algorithm>

#include "catalog/tablecodec.h"
#include "common/codec.h"

namespace brkv::br {

namespace {

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

std::string TableName(const catalog::TableInfo& t) {
  return t.name.O.empty() ? "id " + std::to_string(t.id) : "'" + t.name.O + "'";
}

}  // namespace

Result<TableRewrite> BuildTableRewrite(const catalog::TableInfo& old_table,
                                       const catalog::TableInfo& new_table) {
  if (old_table.id <= 0 || new_table.id <= 0) {
    return Status::InvalidArgument("rewrite rule needs positive table ids (old " +
                                   std::to_string(old_table.id) + ", new " +
                                   std::to_string(new_table.id) + ")");
  }
  TableRewrite rw;
  rw.old_table_id = old_table.id;
  rw.new_table_id = new_table.id;
  rw.record = {catalog::RecordPrefix(old_table.id), catalog::RecordPrefix(new_table.id)};
  rw.table = {catalog::TablePrefix(old_table.id), catalog::TablePrefix(new_table.id)};
  for (const catalog::IndexInfo& old_idx : old_table.indices) {
    const catalog::IndexInfo* new_idx = new_table.FindIndex(old_idx.name.O);
    if (new_idx == nullptr) {
      return Status::InvalidArgument("index '" + old_idx.name.O + "' of backed-up table " +
                                     TableName(old_table) +
                                     " has no counterpart in the restored table");
    }
    TableRewrite::Index i;
    i.name = old_idx.name.L.empty() ? catalog::CIStr::From(old_idx.name.O).L : old_idx.name.L;
    i.old_id = old_idx.id;
    i.new_id = new_idx->id;
    i.rule = {catalog::IndexPrefix(old_table.id, old_idx.id),
              catalog::IndexPrefix(new_table.id, new_idx->id)};
    if (i.old_id != i.new_id) rw.same_index_ids = false;
    rw.indexes.push_back(std::move(i));
  }
  return rw;
}

Status RewriteRules::Add(TableRewrite table) {
  const int64_t id = table.old_table_id;
  if (!tables_.emplace(id, std::move(table)).second) {
    return Status::AlreadyExists("rewrite rules for backed-up table id " + std::to_string(id) +
                                 " added twice");
  }
  return Status::OK();
}

const TableRewrite* RewriteRules::Find(int64_t old_table_id) const {
  auto it = tables_.find(old_table_id);
  return it == tables_.end() ? nullptr : &it->second;
}

bool RangeWithinPrefix(std::string_view start, std::string_view end, std::string_view prefix) {
  if (prefix.empty()) return true;
  if (!StartsWith(start, prefix)) return false;
  if (end.empty()) return false;
  if (StartsWith(end, prefix)) return true;
  const std::string next = codec::PrefixNext(prefix);
  if (next.empty()) return true;
  if (end <= next) return true;
  // TiDB range ends such as PrefixNext(t{id}_r + EncodeInt(MaxInt64)) = t{id}_s + 8 zero bytes:
  // no key between PrefixNext(prefix) and such an end can exist in a table's key space.
  if (!StartsWith(end, next)) return false;
  return std::all_of(end.begin() + next.size(), end.end(), [](char c) { return c == '\0'; });
}

Result<RewriteRule> RewriteRules::RuleForRange(std::string_view start, std::string_view end) const {
  const int64_t old_id = catalog::DecodeTableID(start);
  if (old_id == 0) {
    return Status::InvalidArgument("data file range starting at " + codec::Escape(start) +
                                   " is not table data");
  }
  const TableRewrite* t = Find(old_id);
  if (t == nullptr) {
    return Status::NotFound("table id " + std::to_string(old_id) + " is not restored");
  }
  if (RangeWithinPrefix(start, end, t->record.old_prefix)) return t->record;
  for (const TableRewrite::Index& i : t->indexes) {
    if (RangeWithinPrefix(start, end, i.rule.old_prefix)) return i.rule;
  }
  if (t->same_index_ids && RangeWithinPrefix(start, end, t->table.old_prefix)) return t->table;
  return Status::InvalidArgument(
      "no rewrite rule of table id " + std::to_string(old_id) + " covers the data file range [" +
      codec::Escape(start) + ", " + codec::Escape(end) +
      ") (it spans the record and index data of a table whose index ids changed, or an "
      "index that is not in the table's schema)");
}

std::string RewriteRangeStart(std::string_view key, const RewriteRule& rule) {
  if (StartsWith(key, rule.old_prefix)) {
    return rule.new_prefix + std::string(key.substr(rule.old_prefix.size()));
  }
  if (key < rule.old_prefix) return rule.new_prefix;
  return codec::PrefixNext(rule.new_prefix);
}

std::string RewriteRangeEnd(std::string_view key, const RewriteRule& rule) {
  if (key.empty()) return codec::PrefixNext(rule.new_prefix);
  return RewriteRangeStart(key, rule);
}

import_sstpb::RewriteRule ToDownloadRule(const RewriteRule& rule) {
  import_sstpb::RewriteRule pb;
  pb.set_old_key_prefix(codec::EncodeKeyPrefix(rule.old_prefix));
  pb.set_new_key_prefix(codec::EncodeKeyPrefix(rule.new_prefix));
  return pb;
}

Result<std::vector<ChecksumRange>> ChecksumRanges(const TableRewrite& rewrite,
                                                  const catalog::TableInfo& new_table) {
  std::vector<ChecksumRange> out;
  const catalog::KeyRange rec = catalog::TableRecordRange(new_table.id);
  out.push_back(
      {client::KeyRange{rec.start, rec.end},
       client::ChecksumRewriteRule{rewrite.record.old_prefix, rewrite.record.new_prefix}});
  for (const catalog::IndexInfo& idx : new_table.indices) {
    if (idx.state != catalog::kStatePublic) continue;
    const TableRewrite::Index* rule = nullptr;
    for (const TableRewrite::Index& i : rewrite.indexes) {
      if (i.new_id == idx.id) rule = &i;
    }
    if (rule == nullptr) {
      return Status::InvalidArgument("index '" + idx.name.O + "' of restored table '" +
                                     new_table.name.O + "' is not in the backup");
    }
    const catalog::KeyRange r = catalog::IndexRange(new_table.id, idx.id);
    out.push_back({client::KeyRange{r.start, r.end},
                   client::ChecksumRewriteRule{rule->rule.old_prefix, rule->rule.new_prefix}});
  }
  return out;
}

}  // namespace brkv::br
