// Rewrite rules: table/record/index prefixes, EncodeKeyPrefix form (formats.md 2.3 vectors),
// choosing the rule of a file range, range bounds in the new key space, checksum rules.
#include "br/rewrite_rules.h"

#include <gtest/gtest.h>

#include "catalog/tablecodec.h"
#include "common/codec.h"

namespace brkv::br {
namespace {

std::string Hex(std::string_view s) { return codec::ToHex(s); }

catalog::TableInfo Table(int64_t id, std::vector<std::pair<std::string, int64_t>> indexes) {
  catalog::TableInfo t;
  t.id = id;
  t.name = catalog::CIStr::From("t" + std::to_string(id));
  for (auto& [name, idx_id] : indexes) {
    catalog::IndexInfo i;
    i.id = idx_id;
    i.name = catalog::CIStr::From(name);
    t.indices.push_back(i);
  }
  return t;
}

TEST(RewriteRulesTest, EncodeKeyPrefixVectorsFromFormats) {
  // formats.md 2.3: table 110, index 1.
  const RewriteRule data{catalog::RecordPrefix(110), catalog::RecordPrefix(110)};
  EXPECT_EQ(Hex(ToDownloadRule(data).old_key_prefix()), "7480000000000000ff6e5f72");
  const RewriteRule idx{catalog::IndexPrefix(110, 1), catalog::IndexPrefix(110, 1)};
  EXPECT_EQ(Hex(ToDownloadRule(idx).new_key_prefix()),
            "7480000000000000ff6e5f698000000000ff000001");
}

TEST(RewriteRulesTest, DownloadRulePrefixesAreBytePrefixesOfEncodedKeys) {
  const RewriteRule r{catalog::RecordPrefix(110), catalog::RecordPrefix(4242)};
  const auto pb = ToDownloadRule(r);
  const std::string old_key = codec::EncodeBytes(catalog::RecordKey(110, 77));
  const std::string new_key = codec::EncodeBytes(catalog::RecordKey(4242, 77));
  EXPECT_EQ(old_key.substr(0, pb.old_key_prefix().size()), pb.old_key_prefix());
  EXPECT_EQ(new_key.substr(0, pb.new_key_prefix().size()), pb.new_key_prefix());
  // Replacing the prefix bytewise gives exactly the encoding of the rewritten key.
  EXPECT_EQ(pb.new_key_prefix() + old_key.substr(pb.old_key_prefix().size()), new_key);
  EXPECT_EQ(pb.old_key_prefix().size(), pb.new_key_prefix().size());
}

TEST(RewriteRulesTest, BuildMatchesIndexesByName) {
  const auto old_t = Table(110, {{"k_1", 1}, {"PRIMARY_c", 2}});
  const auto new_t = Table(500, {{"primary_C", 7}, {"K_1", 1}});
  auto rw = BuildTableRewrite(old_t, new_t);
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  EXPECT_EQ(rw->record.old_prefix, catalog::RecordPrefix(110));
  EXPECT_EQ(rw->record.new_prefix, catalog::RecordPrefix(500));
  EXPECT_EQ(rw->table.old_prefix, catalog::TablePrefix(110));
  EXPECT_EQ(rw->table.new_prefix, catalog::TablePrefix(500));
  ASSERT_EQ(rw->indexes.size(), 2u);
  EXPECT_EQ(rw->indexes[0].rule.old_prefix, catalog::IndexPrefix(110, 1));
  EXPECT_EQ(rw->indexes[0].rule.new_prefix, catalog::IndexPrefix(500, 1));
  EXPECT_EQ(rw->indexes[1].old_id, 2);
  EXPECT_EQ(rw->indexes[1].new_id, 7);
  EXPECT_EQ(rw->indexes[1].rule.new_prefix, catalog::IndexPrefix(500, 7));
  EXPECT_FALSE(rw->same_index_ids);

  auto missing = BuildTableRewrite(old_t, Table(500, {{"k_1", 1}}));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("PRIMARY_c"), std::string::npos);
}

TEST(RewriteRulesTest, RuleForRangePicksRecordIndexOrTableRule) {
  RewriteRules rules;
  auto rw = BuildTableRewrite(Table(110, {{"k_1", 1}}), Table(500, {{"k_1", 1}}));
  ASSERT_TRUE(rw.ok());
  ASSERT_TRUE(rules.Add(*rw).ok());
  EXPECT_FALSE(rules.Add(*rw).ok());

  // A whole record range, as BR backs it up: ends at t110_s + 8 zero bytes.
  const catalog::KeyRange rec = catalog::TableRecordRange(110);
  auto r = rules.RuleForRange(rec.start, rec.end);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, rw->record);
  // A region-sized piece of it.
  r = rules.RuleForRange(catalog::RecordKey(110, 100), catalog::RecordKey(110, 200));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, rw->record);
  // An index range.
  const catalog::KeyRange idx = catalog::IndexRange(110, 1);
  r = rules.RuleForRange(idx.start, idx.end);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, rw->indexes[0].rule);
  // Old BR whole-table ranges span index and record keys: the table rule (ids kept).
  const catalog::KeyRange whole = catalog::WholeTableRange(110);
  r = rules.RuleForRange(whole.start, whole.end);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, rw->table);
  // A table that is not restored.
  r = rules.RuleForRange(catalog::RecordKey(111, 1), catalog::RecordKey(111, 2));
  EXPECT_TRUE(r.status().IsNotFound());
  // Not table data.
  EXPECT_FALSE(rules.RuleForRange("m-meta", "m-metb").ok());
}

TEST(RewriteRulesTest, RuleForRangeRefusesSpanningRangeWhenIndexIdsChange) {
  RewriteRules rules;
  auto rw = BuildTableRewrite(Table(110, {{"k_1", 1}}), Table(500, {{"k_1", 3}}));
  ASSERT_TRUE(rw.ok());
  ASSERT_TRUE(rules.Add(*rw).ok());
  const catalog::KeyRange whole = catalog::WholeTableRange(110);
  auto r = rules.RuleForRange(whole.start, whole.end);
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
}

TEST(RewriteRulesTest, RangeWithinPrefix) {
  const std::string p = catalog::RecordPrefix(7);
  EXPECT_TRUE(RangeWithinPrefix(p, codec::PrefixNext(p), p));
  EXPECT_TRUE(RangeWithinPrefix(p + "a", p + "b", p));
  EXPECT_TRUE(RangeWithinPrefix(p + "a", codec::PrefixNext(p) + std::string(8, '\0'), p));
  EXPECT_FALSE(RangeWithinPrefix(p + "a", codec::PrefixNext(p) + "x", p));
  EXPECT_FALSE(RangeWithinPrefix(p + "a", "", p));
  EXPECT_FALSE(RangeWithinPrefix(catalog::TablePrefix(7), p + "b", p));
}

TEST(RewriteRulesTest, RewriteRangeBounds) {
  const RewriteRule r{catalog::RecordPrefix(110), catalog::RecordPrefix(500)};
  EXPECT_EQ(RewriteRangeStart(catalog::RecordKey(110, 5), r), catalog::RecordKey(500, 5));
  EXPECT_EQ(RewriteRangeEnd(catalog::RecordKey(110, 9), r), catalog::RecordKey(500, 9));
  // Below / above / unbounded.
  EXPECT_EQ(RewriteRangeStart(catalog::TablePrefix(110), r), catalog::RecordPrefix(500));
  EXPECT_EQ(RewriteRangeEnd(catalog::TableRecordRange(110).end, r),
            codec::PrefixNext(catalog::RecordPrefix(500)));
  EXPECT_EQ(RewriteRangeEnd("", r), codec::PrefixNext(catalog::RecordPrefix(500)));
}

TEST(RewriteRulesTest, ChecksumRangesUseRawPrefixesPerRange) {
  auto old_t = Table(110, {{"k_1", 1}, {"c_2", 2}});
  auto new_t = Table(500, {{"k_1", 1}, {"c_2", 2}});
  new_t.indices[1].state = 3;  // not public: not checksummed
  auto rw = BuildTableRewrite(old_t, new_t);
  ASSERT_TRUE(rw.ok());
  auto ranges = ChecksumRanges(*rw, new_t);
  ASSERT_TRUE(ranges.ok());
  ASSERT_EQ(ranges->size(), 2u);
  EXPECT_EQ((*ranges)[0].range.start, catalog::TableRecordRange(500).start);
  EXPECT_EQ((*ranges)[0].rule.old_prefix, catalog::RecordPrefix(110));
  EXPECT_EQ((*ranges)[0].rule.new_prefix, catalog::RecordPrefix(500));
  EXPECT_EQ((*ranges)[1].range.start, catalog::IndexRange(500, 1).start);
  EXPECT_EQ((*ranges)[1].rule.old_prefix, catalog::IndexPrefix(110, 1));

  auto extra = Table(500, {{"k_1", 1}, {"c_2", 2}, {"new_idx", 9}});
  EXPECT_FALSE(ChecksumRanges(*rw, extra).ok());
}

}  // namespace
}  // namespace brkv::br
