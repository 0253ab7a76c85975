// Region snapshots between stores in process: a lagging replica gets the leader's SST files
// (copied through the receiver's checks, as over tikvpb.Tikv/Snapshot) and no file stays
// afterwards; a store that stops between the durable Raft state and the ingest finishes the
// install from the kept files when it restarts.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/failpoint.h"
#include "raftstore/store.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::Cluster;

TEST(SnapshotTest, LaggingReplicaInstallsTheLeadersSstFilesAndNoFileStays) {
  Cluster c(3, /*gc_limit=*/20);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t lag = l == 3 ? 2 : 3;
  c.Isolate(lag);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v" + std::to_string(i))));
  ASSERT_GT(c.Store(l).GetPeer(1)->first_index, c.Store(lag).GetPeer(1)->last_index + 1);
  c.Heal();
  c.Tick(20);
  EXPECT_GE(c.snapshots_delivered, 1u);
  EXPECT_GE(c.Store(lag).stats().snapshots_installed, 1u);
  EXPECT_EQ(c.Disk(lag).AllData(), c.Disk(l).AllData());
  EXPECT_EQ(c.Disk(lag).Data().size(), 100u);
  // The leader's generated files went once delivered; the receiver's once installed.
  for (uint64_t s = 1; s <= 3; ++s) EXPECT_EQ(CountFiles(c.Store(s).snap_dir()), 0u) << s;
  // And the replica goes on from there.
  ASSERT_TRUE(Ok(c.Put(1, "after", "snapshot")));
  c.Tick(3);
  EXPECT_EQ(c.Disk(lag).Data().size(), 101u);
}

TEST(SnapshotTest, RestartBetweenRaftStateAndIngestFinishesTheInstall) {
  Cluster c(3, /*gc_limit=*/20);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t lag = l == 3 ? 2 : 3;
  c.Isolate(lag);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));
  {
    failpoint::ScopedFailPoint fp("raftstore::before_snapshot_ingest", "return");
    c.Heal();
    for (int i = 0; i < 40 && failpoint::Hits("raftstore::before_snapshot_ingest") == 0; ++i) {
      c.Tick();
    }
    ASSERT_EQ(failpoint::Hits("raftstore::before_snapshot_ingest"), 1u);
  }
  // "Crashed" with the snapshot's Raft state durable and its data not ingested yet.
  EXPECT_LT(c.Disk(lag).Data().size(), 100u);
  EXPECT_GT(CountFiles(c.Store(lag).snap_dir()), 0u);
  c.RestartStore(lag);
  EXPECT_EQ(c.Disk(lag).Data().size(), 100u);  // installed at Open, before any apply
  EXPECT_EQ(CountFiles(c.Store(lag).snap_dir()), 0u);
  c.Tick(10);
  ASSERT_TRUE(Ok(c.Put(1, "after", "restart")));
  c.Tick(3);
  EXPECT_EQ(c.Disk(lag).AllData(), c.Disk(l).AllData());
}

}  // namespace
}  // namespace brkv::raftstore
