#include "server/split_checker.h"

#include <gtest/gtest.h>

#include "common/codec.h"
#include "kv/keys.h"
#include "kv/txn_types.h"
#include "server/server_test_util.h"

namespace brkv::server {
namespace {

class SplitCheckerTest : public testing::EngineFixture {
 protected:
  // n keys "k0000".."k{n-1}", each with `versions` committed versions of a value_len value.
  void LoadMvcc(int n, int versions, size_t value_len) {
    rocksdb::WriteBatch wb;
    for (int i = 0; i < n; ++i) {
      char raw[16];
      snprintf(raw, sizeof(raw), "k%04d", i);
      for (int v = 1; v <= versions; ++v) {
        WriteRecord w;
        w.type = WriteType::kPut;
        w.start_ts = v * 10;
        ASSERT_TRUE(wb.Put(engine_->cf_write(), keys::MvccKey(raw, v * 10 + 1), w.Encode()).ok());
        ASSERT_TRUE(
            wb.Put(engine_->cf_default(), keys::MvccKey(raw, v * 10), std::string(value_len, 'x'))
                .ok());
      }
    }
    ASSERT_TRUE(engine_->Write(&wb).ok());
  }

  static metapb::Region Whole() {
    metapb::Region r;
    r.set_id(1);
    return r;
  }
};

TEST_F(SplitCheckerTest, SmallRegionIsNotSplit) {
  LoadMvcc(10, 2, 100);
  RegionSizeInfo info;
  auto keys = ComputeSplitKeys(engine_.get(), Whole(), 1 << 20, &info);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_TRUE(keys->empty());
  EXPECT_EQ(info.keys, 40u);
  EXPECT_GT(info.bytes, 2000u);
}

TEST_F(SplitCheckerTest, SplitsAtUserKeyBoundaries) {
  LoadMvcc(400, 3, 300);  // ~400 * 3 * 330 bytes ≈ 400 KB
  RegionSizeInfo info;
  const uint64_t split_size = 256 << 10;
  auto keys = ComputeSplitKeys(engine_.get(), Whole(), split_size, &info);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_GE(info.bytes, split_size);
  const size_t expect_parts = (info.bytes + split_size - 1) / split_size;
  ASSERT_EQ(keys->size(), expect_parts - 1);
  for (const auto& k : *keys) {
    // Every split key is exactly EncodeBytes(user key): no ts suffix.
    std::string_view in = k;
    auto raw = codec::DecodeBytes(&in);
    ASSERT_TRUE(raw.ok()) << codec::Escape(k);
    EXPECT_TRUE(in.empty()) << codec::Escape(k);
    EXPECT_EQ(raw->size(), 5u);
    EXPECT_EQ((*raw)[0], 'k');
  }
  // Roughly in the middle for two parts.
  if (keys->size() == 1) {
    std::string_view in = (*keys)[0];
    auto raw = codec::DecodeBytes(&in);
    const int idx = std::stoi(raw->substr(1));
    EXPECT_GT(idx, 150);
    EXPECT_LT(idx, 250);
  }
}

TEST_F(SplitCheckerTest, ManyPartsWhenFarAboveSplitSize) {
  LoadMvcc(1000, 1, 500);  // ≈ 1000 * 560 bytes
  RegionSizeInfo info;
  const uint64_t split_size = 64 << 10;
  auto keys = ComputeSplitKeys(engine_.get(), Whole(), split_size, &info);
  ASSERT_TRUE(keys.ok());
  EXPECT_GE(keys->size(), 7u);
  for (size_t i = 1; i < keys->size(); ++i) EXPECT_LT((*keys)[i - 1], (*keys)[i]);
}

TEST_F(SplitCheckerTest, OnlyCountsDataInsideTheRegion) {
  LoadMvcc(400, 3, 300);
  metapb::Region r;
  r.set_id(1);
  r.set_start_key(keys::TxnRegionKey("k0390"));
  r.set_end_key(keys::TxnRegionKey("k0395"));
  RegionSizeInfo info;
  auto keys = ComputeSplitKeys(engine_.get(), r, 64 << 10, &info);
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->empty());
  EXPECT_EQ(info.keys, 5u * 3 * 2);
}

TEST_F(SplitCheckerTest, RawKeysSplitToo) {
  rocksdb::WriteBatch wb;
  for (int i = 0; i < 500; ++i) {
    char k[16];
    snprintf(k, sizeof(k), "user%04d", i);
    ASSERT_TRUE(
        wb.Put(engine_->cf_default(), keys::DataKey(keys::RawRegionKey(k)), std::string(400, 'v'))
            .ok());
  }
  ASSERT_TRUE(engine_->Write(&wb).ok());
  auto keys = ComputeSplitKeys(engine_.get(), Whole(), 128 << 10, nullptr);
  ASSERT_TRUE(keys.ok());
  ASSERT_FALSE(keys->empty());
  for (const auto& k : *keys) {
    EXPECT_EQ(k.size(), 1u + 8u) << codec::Escape(k);  // 'r' + "userNNNN", nothing stripped
    EXPECT_EQ(k.substr(0, 5), "ruser");
  }
}

}  // namespace
}  // namespace brkv::server
