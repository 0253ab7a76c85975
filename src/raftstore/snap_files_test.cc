// Snapshot files: generation per CF from a RocksDB snapshot, the chunked receive with its size
// and checksum checks, ingest into another store, and the removal rules.
#include "raftstore/snap_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::TestDisk;

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Region [b, x) with keys in and around it in the default and write CFs (lock CF empty).
struct Fixture {
  TestDisk src, dst;
  metapb::Region region;
  SnapKey key{7, 6, 42};
  std::string gen_dir, rev_dir;

  Fixture() {
    region.set_id(7);
    region.set_start_key("b");
    region.set_end_key("x");
    Engines e = src.engines();
    rocksdb::WriteOptions wo;
    for (const char* k : {"a", "b", "c", "m", "w", "x", "z"}) {
      EXPECT_TRUE(e.db->Put(wo, e.cf_default, std::string("z") + k, std::string("val-") + k).ok());
    }
    EXPECT_TRUE(e.db->Put(wo, e.cf_write, "zc\x01", "commit").ok());
    gen_dir = src.path() + "/snap";
    rev_dir = dst.path() + "/snap";
  }

  raft_serverpb::SnapshotMeta Build() {
    Engines e = src.engines();
    const rocksdb::Snapshot* s = e.db->GetSnapshot();
    auto meta = BuildSnapshotFiles(e, s, region, key, gen_dir);
    e.db->ReleaseSnapshot(s);
    EXPECT_TRUE(meta.ok()) << meta.status().ToString();
    return meta.ok() ? *meta : raft_serverpb::SnapshotMeta();
  }

  // All the files' bytes back to back, as the sender streams them.
  std::string Stream(const raft_serverpb::SnapshotMeta& meta) {
    std::string all;
    for (const auto& p : SnapshotFilePaths(gen_dir, true, key, meta)) {
      if (!p.empty()) all += Slurp(p);
    }
    return all;
  }
};

TEST(SnapFilesTest, OneSstPerCfWithKeysOfTheRegionOnly) {
  Fixture f;
  auto meta = f.Build();
  ASSERT_EQ(meta.cf_files_size(), 3);
  EXPECT_EQ(meta.cf_files(0).cf(), "default");
  EXPECT_EQ(meta.cf_files(1).cf(), "lock");
  EXPECT_EQ(meta.cf_files(2).cf(), "write");
  EXPECT_GT(meta.cf_files(0).size(), 0u);
  EXPECT_EQ(meta.cf_files(1).size(), 0u);  // no keys: no file
  EXPECT_EQ(meta.cf_files(1).checksum(), 0u);
  EXPECT_GT(meta.cf_files(2).size(), 0u);
  uint64_t size = 0;
  uint32_t crc = 0;
  const std::string path = SnapFilePath(f.gen_dir, true, f.key, "default");
  EXPECT_EQ(path, f.gen_dir + "/gen_7_6_42_default.sst");
  ASSERT_TRUE(FileSizeAndCrc32(path, &size, &crc).ok());
  EXPECT_EQ(size, meta.cf_files(0).size());
  EXPECT_EQ(crc, meta.cf_files(0).checksum());
  EXPECT_EQ(CountFiles(f.gen_dir), 2u);  // no temporary file stays

  // Received in odd-sized chunks and ingested elsewhere: exactly the region's keys.
  const std::string all = f.Stream(meta);
  SnapshotReceiver rx(f.rev_dir, f.key, meta);
  for (size_t off = 0; off < all.size(); off += 1000) {
    ASSERT_TRUE(rx.Write(std::string_view(all).substr(off, 1000)).ok());
  }
  ASSERT_TRUE(rx.Finish().ok());
  EXPECT_EQ(rx.received(), all.size());
  ASSERT_TRUE(CheckReceivedFiles(f.rev_dir, f.key, meta).ok());
  Engines d = f.dst.engines();
  ASSERT_TRUE(IngestSnapshotFiles(d, f.rev_dir, f.key, meta).ok());
  std::map<std::string, std::string> want = {
      {"b", "val-b"}, {"c", "val-c"}, {"m", "val-m"}, {"w", "val-w"}};
  EXPECT_EQ(f.dst.Data(), want);
  auto all_cf = f.dst.AllData();
  EXPECT_EQ(all_cf.count({"write", "c\x01"}), 1u);
  // The received files stay until the caller records the install (a crash may need them).
  EXPECT_TRUE(CheckReceivedFiles(f.rev_dir, f.key, meta).ok());
  RemoveSnapshotFiles(f.rev_dir, "rev_", 7);
  EXPECT_EQ(CountFiles(f.rev_dir), 0u);
}

TEST(SnapFilesTest, CorruptTruncatedOrOverlongStreamsAreRefusedAndLeaveNothing) {
  Fixture f;
  auto meta = f.Build();
  const std::string all = f.Stream(meta);
  {
    std::string bad = all;
    bad[bad.size() / 2] ^= 0x5a;
    SnapshotReceiver rx(f.rev_dir, f.key, meta);
    Status s = rx.Write(bad);
    if (s.ok()) s = rx.Finish();
    ASSERT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_NE(s.message().find("checksum"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(CountFiles(f.rev_dir), 0u);
  {
    SnapshotReceiver rx(f.rev_dir, f.key, meta);
    ASSERT_TRUE(rx.Write(std::string_view(all).substr(0, all.size() - 10)).ok());
    Status s = rx.Finish();
    ASSERT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
    EXPECT_NE(s.message().find("received"), std::string::npos) << s.ToString();
  }
  EXPECT_EQ(CountFiles(f.rev_dir), 0u);
  {
    SnapshotReceiver rx(f.rev_dir, f.key, meta);
    Status s = rx.Write(all + "extra");
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << s.ToString();
  }
  EXPECT_EQ(CountFiles(f.rev_dir), 0u);
  EXPECT_TRUE(CheckReceivedFiles(f.rev_dir, f.key, meta).IsNotFound());
}

TEST(SnapFilesTest, RemovalKeepsOnlyWhatIsAsked) {
  Fixture f;
  f.Build();
  SnapKey newer = f.key;
  newer.index = 50;
  Engines e = f.src.engines();
  const rocksdb::Snapshot* s = e.db->GetSnapshot();
  ASSERT_TRUE(BuildSnapshotFiles(e, s, f.region, newer, f.gen_dir).ok());
  metapb::Region other = f.region;
  other.set_id(8);
  SnapKey okey{8, 6, 42};
  ASSERT_TRUE(BuildSnapshotFiles(e, s, other, okey, f.gen_dir).ok());
  e.db->ReleaseSnapshot(s);
  EXPECT_EQ(CountFiles(f.gen_dir), 6u);
  RemoveSnapshotFiles(f.gen_dir, "gen_", 7, newer.index);  // region 7's older snapshot goes
  EXPECT_FALSE(std::filesystem::exists(SnapFilePath(f.gen_dir, true, f.key, "default")));
  EXPECT_TRUE(std::filesystem::exists(SnapFilePath(f.gen_dir, true, newer, "default")));
  EXPECT_TRUE(std::filesystem::exists(SnapFilePath(f.gen_dir, true, okey, "default")));
  RemoveSnapshotFiles(f.gen_dir, "gen_", 7);
  EXPECT_EQ(CountFiles(f.gen_dir), 2u);  // region 8's
  RemoveSnapshotFilesExcept(f.gen_dir, {8});  // keeps received files only
  EXPECT_EQ(CountFiles(f.gen_dir), 0u);
}

}  // namespace
}  // namespace brkv::raftstore
