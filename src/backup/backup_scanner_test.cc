// The backup scan policy (full vs incremental, ts boundaries, Lock/Rollback/Delete records,
// long values), lock detection and the raw KV scan, against a real RocksDB.
#include "backup/backup_scanner.h"

#include <gtest/gtest.h>

#include "backup/backup_test_util.h"
#include "common/codec.h"
#include "kv/keys.h"

namespace brkv::backup {
namespace {

// What the sink saw, copied.
struct Seen {
  sst::BackupCf cf;
  std::string key, value, raw;
  std::optional<std::string> checksum_value;
};

class ScannerTest : public testing::NodeFixture {
 protected:
  std::vector<Seen> ScanTxn(uint64_t start_version, uint64_t end_version,
                            std::string_view region_start = "",
                            std::string_view region_end = "") {
    std::vector<Seen> out;
    TxnScanOptions o;
    o.region_start = region_start;
    o.region_end = region_end;
    o.start_version = start_version;
    o.end_version = end_version;
    server::SnapshotGuard snap(engine_.get());
    Status s = ScanTxnForBackup(engine_.get(), snap.get(), o, Collect(&out));
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  static BackupKvSink Collect(std::vector<Seen>* out) {
    return [out](const sst::BackupKv& kv) {
      std::optional<std::string> cv;
      if (kv.checksum_value) cv = std::string(*kv.checksum_value);
      out->push_back({kv.cf, std::string(kv.key), std::string(kv.value), std::string(kv.raw_key),
                      cv});
      return Status::OK();
    };
  }
  // "raw@commit_ts" for write KVs, "raw#start_ts" for default KVs.
  static std::vector<std::string> Describe(const std::vector<Seen>& seen) {
    std::vector<std::string> out;
    for (const Seen& s : seen) {
      auto d = keys::DecodeMvccKey(s.key);
      EXPECT_TRUE(d.ok());
      EXPECT_EQ(d->raw, s.raw);
      out.push_back(s.raw + (s.cf == sst::BackupCf::kWrite ? "@" : "#") + std::to_string(d->ts));
    }
    return out;
  }
  std::string Long(char c) { return std::string(300, c); }
};

using V = std::vector<std::string>;

TEST_F(ScannerTest, FullBackupTakesNewestPutOnly) {
  Put("a", "a10", 9, 10);
  Put("a", Long('A'), 19, 20);           // long value: default + write
  Put("b", "b10", 9, 10);
  Record("b", WriteType::kDelete, 19, 20);  // deleted at 20
  Put("c", "c10", 9, 10);
  Record("c", WriteType::kRollback, 22, 22);
  Record("c", WriteType::kLock, 23, 24);
  Put("d", "d30", 29, 30);                // after the backup ts

  EXPECT_EQ(Describe(ScanTxn(0, 25)), (V{"a#19", "a@20", "c@10"}));
  EXPECT_EQ(Describe(ScanTxn(0, 15)), (V{"a@10", "b@10", "c@10"}));
  EXPECT_EQ(Describe(ScanTxn(0, 9)), V{});
  // commit_ts == end_version is included.
  EXPECT_EQ(Describe(ScanTxn(0, 30)), (V{"a#19", "a@20", "c@10", "d@30"}));
  EXPECT_EQ(Describe(ScanTxn(0, 10)), (V{"a@10", "b@10", "c@10"}));
}

TEST_F(ScannerTest, KvBytesAndChecksumValues) {
  Put("a", "short", 9, 10);
  Put("b", Long('B'), 11, 12);
  auto seen = ScanTxn(0, 100);
  ASSERT_EQ(seen.size(), 3u);
  // Short value: the write KV carries it and counts it.
  EXPECT_EQ(seen[0].key, keys::MvccKey("a", 10));
  WriteRecord w;
  w.type = WriteType::kPut;
  w.start_ts = 9;
  w.short_value = "short";
  EXPECT_EQ(seen[0].value, w.Encode());
  EXPECT_EQ(seen[0].checksum_value, "short");
  // Long value: the default KV comes first and counts; the write KV does not.
  EXPECT_EQ(seen[1].cf, sst::BackupCf::kDefault);
  EXPECT_EQ(seen[1].key, keys::MvccKey("b", 11));
  EXPECT_EQ(seen[1].value, Long('B'));
  EXPECT_EQ(seen[1].checksum_value, Long('B'));
  EXPECT_EQ(seen[2].cf, sst::BackupCf::kWrite);
  EXPECT_EQ(seen[2].key, keys::MvccKey("b", 12));
  EXPECT_FALSE(seen[2].checksum_value.has_value());
}

TEST_F(ScannerTest, WriteRecordsAreCopiedByteForByte) {
  // Optional tags (gc_fence, last_change, txn_source) survive the backup unchanged.
  WriteRecord w;
  w.type = WriteType::kPut;
  w.start_ts = 9;
  w.short_value = "v";
  w.gc_fence = 77;
  w.last_change_ts = 5;
  w.versions_to_last_change = 2;
  w.txn_source = 3;
  Write(engine_->cf_write(), keys::MvccKey("k", 10), w.Encode());
  auto seen = ScanTxn(0, 10);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].value, w.Encode());
}

TEST_F(ScannerTest, IncrementalTakesNewestPutOrDeleteInWindow) {
  Put("a", "a20", 19, 20);                  // == start_version: excluded
  Put("b", "b21", 20, 21);                  // just inside
  Put("c", "c10", 9, 10);
  Record("c", WriteType::kDelete, 24, 25);  // delete inside the window
  Put("d", "d22", 21, 22);
  Put("d", "d28", 27, 28);                  // newest inside the window wins
  Record("e", WriteType::kRollback, 23, 23);  // rollback only: nothing
  Put("f", "f10", 9, 10);
  Record("f", WriteType::kLock, 25, 26);    // lock record only inside: nothing
  Put("g", "g31", 30, 31);                  // after the window
  Put("h", "h21", 20, 21);
  Record("h", WriteType::kRollback, 29, 29);  // rollback newer than the put: put still wins

  auto seen = ScanTxn(20, 30);
  EXPECT_EQ(Describe(seen), (V{"b@21", "c@25", "d@28", "h@21"}));
  // The delete is counted as (key, "") like TiKV's backup writer.
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1].checksum_value, "");
  EXPECT_EQ(seen[1].cf, sst::BackupCf::kWrite);

  // end_version boundary: commit_ts == end included.
  EXPECT_EQ(Describe(ScanTxn(20, 31)), (V{"b@21", "c@25", "d@28", "g@31", "h@21"}));
  // Empty window.
  EXPECT_EQ(Describe(ScanTxn(30, 30)), V{});
}

TEST_F(ScannerTest, RegionBoundsLimitTheScan) {
  for (std::string k : {"a", "b", "c", "d"}) Put(k, k, 9, 10);
  EXPECT_EQ(Describe(ScanTxn(0, 10, keys::TxnRegionKey("b"), keys::TxnRegionKey("d"))),
            (V{"b@10", "c@10"}));
  EXPECT_EQ(Describe(ScanTxn(0, 10, keys::TxnRegionKey("c"), "")), (V{"c@10", "d@10"}));
  // A bound that is not an encoding (a raw-KV region key) still splits exactly.
  EXPECT_EQ(Describe(ScanTxn(0, 10, "", "b")), (V{"a@10"}));
}

TEST_F(ScannerTest, MissingDefaultValueIsCorruption) {
  WriteRecord w;
  w.type = WriteType::kPut;
  w.start_ts = 9;  // no short value and no CF default entry
  Write(engine_->cf_write(), keys::MvccKey("k", 10), w.Encode());
  std::vector<Seen> out;
  TxnScanOptions o;
  o.end_version = 10;
  Status s = ScanTxnForBackup(engine_.get(), nullptr, o, Collect(&out));
  EXPECT_EQ(s.code(), Status::Code::kCorruption) << s.ToString();
}

TEST_F(ScannerTest, SinkErrorAndCancelStopTheScan) {
  for (std::string k : {"a", "b", "c"}) Put(k, k, 9, 10);
  TxnScanOptions o;
  o.end_version = 10;
  int calls = 0;
  Status s = ScanTxnForBackup(engine_.get(), nullptr, o, [&](const sst::BackupKv&) {
    ++calls;
    return Status::IOError("disk full");
  });
  EXPECT_EQ(s.code(), Status::Code::kIOError);
  EXPECT_EQ(calls, 1);

  std::atomic<bool> cancelled{true};
  o.cancelled = &cancelled;
  s = ScanTxnForBackup(engine_.get(), nullptr, o,
                       [](const sst::BackupKv&) { return Status::OK(); });
  EXPECT_EQ(s.code(), Status::Code::kAborted);
}

TEST_F(ScannerTest, BlockingLocks) {
  server::SnapshotGuard empty(engine_.get());
  Lock("b", LockType::kPut, 24);
  Lock("c", LockType::kLock, 10);                    // Lock-type locks never block
  Lock("d", LockType::kPessimistic, 10);             // nor pessimistic ones
  Lock("e", LockType::kDelete, 40);                  // newer than the backup ts
  Lock("f", LockType::kPut, 20, /*min_commit_ts=*/30);  // will commit after the backup ts
  kvrpcpb::LockInfo info;
  server::SnapshotGuard snap(engine_.get());
  Status s = FindBlockingLock(engine_.get(), snap.get(), "", "", 25, &info);
  ASSERT_TRUE(s.IsKeyLocked()) << s.ToString();
  EXPECT_EQ(info.key(), "b");
  EXPECT_EQ(info.lock_version(), 24u);
  EXPECT_EQ(info.primary_lock(), "b");
  // The ts boundary: lock.ts == end_version blocks, one below does not.
  EXPECT_TRUE(FindBlockingLock(engine_.get(), snap.get(), "", "", 24, nullptr).IsKeyLocked());
  EXPECT_TRUE(FindBlockingLock(engine_.get(), snap.get(), "", "", 23, nullptr).ok());
  // Outside the piece, or before the lock existed: no block.
  EXPECT_TRUE(
      FindBlockingLock(engine_.get(), snap.get(), keys::TxnRegionKey("c"), "", 25, nullptr).ok());
  EXPECT_TRUE(FindBlockingLock(engine_.get(), empty.get(), "", "", 25, nullptr).ok());
  // A Delete lock blocks once the backup ts reaches it.
  s = FindBlockingLock(engine_.get(), snap.get(), keys::TxnRegionKey("c"), "", 45, &info);
  ASSERT_TRUE(s.IsKeyLocked());
  EXPECT_EQ(info.key(), "e");
}

TEST_F(ScannerTest, RawScanDropsTheRawSpaceMarker) {
  RawPut("a", "1");
  RawPut("b", std::string(1000, 'x'));
  RawPut("c", "3");
  Put("txn", "v", 9, 10);  // transactional data is not part of a raw backup
  std::vector<Seen> out;
  RawScanOptions o;
  o.region_start = keys::RawRegionKey("");
  o.region_end = keys::RawRegionKey("c");
  server::SnapshotGuard snap(engine_.get());
  ASSERT_TRUE(ScanRawForBackup(engine_.get(), snap.get(), o, Collect(&out)).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].key, "za");
  EXPECT_EQ(out[0].raw, "a");
  EXPECT_EQ(out[0].value, "1");
  EXPECT_EQ(out[0].checksum_value, "1");
  EXPECT_EQ(out[0].cf, sst::BackupCf::kDefault);
  EXPECT_EQ(out[1].key, "zb");
  EXPECT_EQ(out[1].value.size(), 1000u);
}

}  // namespace
}  // namespace brkv::backup
