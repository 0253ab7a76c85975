// KeyRewriter: range un-rewrite, prefix and ts rewrite, ts window, raw KV mapping.
#include "import/key_rewriter.h"

#include <gtest/gtest.h>

#include "common/codec.h"
#include "kv/keys.h"
#include "kv/txn_types.h"

namespace brkv::import {
namespace {

std::string RecordPrefix(int64_t table) {
  std::string p = "t";
  codec::EncodeInt(&p, table);
  p += "_r";
  return p;
}
std::string RowKey(int64_t table, int64_t handle) {
  std::string k = RecordPrefix(table);
  codec::EncodeInt(&k, handle);
  return k;
}

using Action = KeyRewriter::Action;

struct Out {
  Action action = Action::kSkip;
  std::string key, value;
};

Out Map(const KeyRewriter& rw, std::string_view key, std::string_view value) {
  Out o;
  auto a = rw.Rewrite(key, value, &o.key, &o.value);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  if (a.ok()) o.action = *a;
  return o;
}

RewriteSpec Rule(int64_t from, int64_t to) {
  RewriteSpec s;
  s.old_prefix = codec::EncodeKeyPrefix(RecordPrefix(from));
  s.new_prefix = codec::EncodeKeyPrefix(RecordPrefix(to));
  return s;
}

TEST(EncodeKeyPrefixTest, MatchesFormatsVector) {
  // formats.md 2.3: t110_r → 74 80 00 00 00 00 00 00 FF 6E 5F 72
  EXPECT_EQ(codec::ToHex(codec::EncodeKeyPrefix(RecordPrefix(110))), "7480000000000000ff6e5f72");
}

TEST(KeyRewriterTest, RewritesPrefixAndKeepsTsAndValue) {
  auto rw = KeyRewriter::New(Rule(42, 99), "write", {});
  ASSERT_TRUE(rw.ok()) << rw.status().ToString();
  EXPECT_EQ(rw->seek_key(), "");
  EXPECT_FALSE(rw->range_is_empty());
  WriteRecord w{WriteType::kPut, 100, std::string("v")};
  Out o = Map(*rw, keys::MvccKey(RowKey(42, 7), 105), w.Encode());
  ASSERT_EQ(o.action, Action::kKeep);
  EXPECT_EQ(o.key, keys::MvccKey(RowKey(99, 7), 105));
  EXPECT_EQ(o.value, w.Encode());
  EXPECT_EQ(rw->RegionKeyOf(o.key), keys::TxnRegionKey(RowKey(99, 7)));
}

TEST(KeyRewriterTest, WrongPrefixIsAnError) {
  auto rw = KeyRewriter::New(Rule(43, 99), "write", {});
  ASSERT_TRUE(rw.ok());
  std::string k, v;
  auto a = rw->Rewrite(keys::MvccKey(RowKey(42, 7), 105), "P\x01", &k, &v);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(a.status().message().find("WrongKeyPrefix"), std::string::npos);
}

TEST(KeyRewriterTest, MalformedKeysAreCorruption) {
  auto rw = KeyRewriter::New(Rule(42, 99), "write", {});
  ASSERT_TRUE(rw.ok());
  std::string k, v;
  EXPECT_EQ(rw->Rewrite("zshort", "", &k, &v).status().code(), Status::Code::kCorruption);
  EXPECT_EQ(rw->Rewrite(std::string("x") + keys::MvccKey(RowKey(42, 1), 1).substr(1), "", &k, &v)
                .status()
                .code(),
            Status::Code::kCorruption);
}

TEST(KeyRewriterTest, NewTimestampRewritesKeyAndWriteRecordOnly) {
  RewriteSpec spec = Rule(42, 99);
  spec.new_ts = 777;
  WriteRecord w;
  w.type = WriteType::kPut;
  w.start_ts = 100;
  w.short_value = "abc";
  w.gc_fence = 5;
  w.txn_source = 9;
  {
    auto rw = KeyRewriter::New(spec, "write", {});
    ASSERT_TRUE(rw.ok());
    Out o = Map(*rw, keys::MvccKey(RowKey(42, 1), 105), w.Encode());
    ASSERT_EQ(o.action, Action::kKeep);
    EXPECT_EQ(o.key, keys::MvccKey(RowKey(99, 1), 777));
    auto d = WriteRecord::Decode(o.value);
    ASSERT_TRUE(d.ok());
    WriteRecord want = w;
    want.start_ts = 777;
    EXPECT_EQ(*d, want);  // every other field survives
  }
  {
    auto rw = KeyRewriter::New(spec, "default", {});
    ASSERT_TRUE(rw.ok());
    Out o = Map(*rw, keys::MvccKey(RowKey(42, 1), 100), "long value");
    ASSERT_EQ(o.action, Action::kKeep);
    EXPECT_EQ(o.key, keys::MvccKey(RowKey(99, 1), 777));
    EXPECT_EQ(o.value, "long value");  // default CF values are user values
  }
}

TEST(KeyRewriterTest, TsWindow) {
  RewriteSpec spec = Rule(42, 42);
  spec.ignore_before_ts = 100;
  spec.ignore_after_ts = 200;
  auto rw = KeyRewriter::New(spec, "default", {});
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 1), 99), "v").action, Action::kSkip);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 1), 100), "v").action, Action::kKeep);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 1), 200), "v").action, Action::kKeep);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 1), 201), "v").action, Action::kSkip);
}

TEST(KeyRewriterTest, RangeInsidePrefixIsUnRewritten) {
  RewriteSpec spec = Rule(42, 99);
  RegionRange range{keys::TxnRegionKey(RowKey(99, 10)), keys::TxnRegionKey(RowKey(99, 20)), true};
  auto rw = KeyRewriter::New(spec, "write", range);
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->seek_key(), keys::DataKey(keys::TxnRegionKey(RowKey(42, 10))));
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 9), 5), "P\x01").action, Action::kSkip);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 10), 5), "P\x01").action, Action::kKeep);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 20), 5), "P\x01").action, Action::kKeep);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 21), 5), "P\x01").action, Action::kStop);
  // Past the end, a key of another table stops the scan rather than failing it.
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(43, 1), 5), "P\x01").action, Action::kStop);

  range.end_inclusive = false;
  auto ex = KeyRewriter::New(spec, "write", range);
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(Map(*ex, keys::MvccKey(RowKey(42, 20), 5), "P\x01").action, Action::kStop);
}

TEST(KeyRewriterTest, BrStyleRangeStopsAtTheEndOfThePrefix) {
  RewriteSpec spec = Rule(42, 99);
  // BR: [new prefix, new prefix + ten 0xFF]
  RegionRange range{spec.new_prefix, spec.new_prefix + std::string(10, '\xff'), true};
  auto rw = KeyRewriter::New(spec, "write", range);
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->seek_key(), keys::DataKey(spec.old_prefix));
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, 1), 5), "P\x01").action, Action::kKeep);
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(42, INT64_MAX), 5), "P\x01").action, Action::kKeep);
  // The next table's keys sort after the prefix: the scan stops there.
  EXPECT_EQ(Map(*rw, keys::MvccKey(RowKey(43, 0), 5), "P\x01").action, Action::kStop);
  // Index keys of the table ("_i" < "_r") sort before it and are skipped by the seek.
  std::string index_key = "t";
  codec::EncodeInt(&index_key, 42);
  index_key += "_i";
  EXPECT_LT(keys::MvccKey(index_key, 5), rw->seek_key());
}

TEST(KeyRewriterTest, RangesOutsideThePrefix) {
  RewriteSpec spec = Rule(42, 99);
  // Entirely below / above the new prefix: nothing can be imported.
  EXPECT_TRUE(KeyRewriter::New(spec, "write", {"", keys::TxnRegionKey(RowKey(98, 1)), true})
                  ->range_is_empty());
  EXPECT_TRUE(KeyRewriter::New(spec, "write", {keys::TxnRegionKey(RowKey(100, 1)), "", true})
                  ->range_is_empty());
  // A region that starts below and ends above the prefix: no bound on the scan.
  auto rw = KeyRewriter::New(
      spec, "write",
      {keys::TxnRegionKey(RowKey(98, 1)), keys::TxnRegionKey(RowKey(100, 1)), false});
  ASSERT_TRUE(rw.ok());
  EXPECT_FALSE(rw->range_is_empty());
  EXPECT_EQ(rw->seek_key(), "");
  std::string k, v;
  // ... so a key with another prefix is seen and rejected.
  EXPECT_FALSE(rw->Rewrite(keys::MvccKey(RowKey(43, 1), 5), "P\x01", &k, &v).ok());
  // Exclusive end at the successor of the new prefix maps to the successor of the old one.
  auto succ = KeyRewriter::New(spec, "write", {"", codec::PrefixNext(spec.new_prefix), false});
  ASSERT_TRUE(succ.ok());
  EXPECT_EQ(Map(*succ, keys::MvccKey(RowKey(43, 1), 5), "P\x01").action, Action::kStop);
}

TEST(KeyRewriterTest, IndexPrefix) {
  auto index_prefix = [](int64_t t, int64_t i) {
    std::string p = "t";
    codec::EncodeInt(&p, t);
    p += "_i";
    codec::EncodeInt(&p, i);
    return p;
  };
  RewriteSpec spec;
  spec.old_prefix = codec::EncodeKeyPrefix(index_prefix(42, 1));
  spec.new_prefix = codec::EncodeKeyPrefix(index_prefix(99, 3));
  ASSERT_EQ(spec.old_prefix.size(), 21u);  // formats.md 2.3: 19 raw bytes → 21 encoded
  auto rw = KeyRewriter::New(spec, "write", {});
  ASSERT_TRUE(rw.ok());
  std::string old_key = index_prefix(42, 1) + "\x03value-datum";
  std::string new_key = index_prefix(99, 3) + "\x03value-datum";
  Out o = Map(*rw, keys::MvccKey(old_key, 10), "P\x01");
  ASSERT_EQ(o.action, Action::kKeep);
  EXPECT_EQ(o.key, keys::MvccKey(new_key, 10));
}

TEST(KeyRewriterTest, RawKvLandsInTheRawKeySpace) {
  RewriteSpec spec;
  spec.is_raw_kv = true;
  spec.old_prefix = "app1/";
  spec.new_prefix = "app2/";
  spec.new_ts = 5;  // no ts in raw keys: ignored
  RegionRange range{keys::RawRegionKey("app2/b"), keys::RawRegionKey("app2/d"), false};
  auto rw = KeyRewriter::New(spec, "default", range);
  ASSERT_TRUE(rw.ok());
  EXPECT_EQ(rw->seek_key(), "zapp1/b");
  EXPECT_EQ(Map(*rw, "zapp1/a", "1").action, Action::kSkip);
  Out o = Map(*rw, "zapp1/c", "3");
  ASSERT_EQ(o.action, Action::kKeep);
  EXPECT_EQ(o.key, keys::DataKey(keys::RawRegionKey("app2/c")));
  EXPECT_EQ(o.value, "3");
  EXPECT_EQ(rw->RegionKeyOf(o.key), "rapp2/c");
  EXPECT_EQ(Map(*rw, "zapp1/d", "4").action, Action::kStop);
  EXPECT_FALSE(KeyRewriter::New(spec, "write", {}).ok());
}

TEST(KeyRewriterTest, RejectsBadCfAndInvertedRange) {
  EXPECT_FALSE(KeyRewriter::New(Rule(1, 2), "lock", {}).ok());
  EXPECT_FALSE(KeyRewriter::New(Rule(1, 2), "write", {"b", "a", true}).ok());
  EXPECT_FALSE(KeyRewriter::New(Rule(1, 2), "write", {"a", "a", false}).ok());
  EXPECT_TRUE(KeyRewriter::New(Rule(1, 2), "write", {"a", "a", true}).ok());
}

}  // namespace
}  // namespace brkv::import
