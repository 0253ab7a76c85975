// BackupRequest parsing (ParseBackupRequest).
#include "backup/backup_task.h"

#include <gtest/gtest.h>

namespace brkv::backup {
namespace {

TEST(BackupTaskTest, ParsesRequests) {
  ::backup::BackupRequest req;
  req.set_cluster_id(7);
  req.set_start_key("a");
  req.set_end_key("z");
  req.set_end_version(100);
  req.set_rate_limit(1 << 20);
  req.set_concurrency(3);
  req.set_compression_type(::backup::ZSTD);
  req.set_compression_level(3);
  req.mutable_storage_backend()->mutable_local()->set_path("/tmp/b");
  auto t = ParseBackupRequest(req);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->ranges, (std::vector<RawRange>{{"a", "z"}}));
  EXPECT_EQ(t->end_version, 100u);
  EXPECT_EQ(t->compression, sst::CompressionType::kZstd);
  EXPECT_EQ(t->compression_level, 3);
  EXPECT_EQ(t->concurrency, 3u);
  EXPECT_EQ(t->backend, storage::StorageBackend(storage::LocalBackend{"/tmp/b"}));

  // Sub ranges replace [start_key, end_key).
  auto* r = req.add_sub_ranges();
  r->set_start_key("b");
  r->set_end_key("c");
  auto* g = req.add_sorted_sub_ranges_groups()->add_sub_ranges();
  g->set_start_key("d");
  t = ParseBackupRequest(req);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->ranges, (std::vector<RawRange>{{"b", "c"}, {"d", ""}}));

  auto refused = [&](const ::backup::BackupRequest& bad) { return !ParseBackupRequest(bad).ok(); };
  auto no_ts = req;
  no_ts.set_end_version(0);
  EXPECT_TRUE(refused(no_ts));
  auto inverted = req;
  inverted.set_start_version(200);
  EXPECT_TRUE(refused(inverted));
  auto file_mode = req;
  file_mode.set_mode(::backup::FILE);
  EXPECT_TRUE(refused(file_mode));
  auto no_storage = req;
  no_storage.clear_storage_backend();
  EXPECT_TRUE(refused(no_storage));
  auto raw = req;
  raw.set_is_raw_kv(true);
  raw.set_end_version(0);
  EXPECT_FALSE(refused(raw));
  raw.set_cf("lock");
  EXPECT_TRUE(refused(raw));
  raw.set_cf("default");
  raw.set_dst_api_version(kvrpcpb::V2);
  EXPECT_TRUE(refused(raw));
}

}  // namespace
}  // namespace brkv::backup
