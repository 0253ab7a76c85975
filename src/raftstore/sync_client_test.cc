// The synchronous adapter the kv-server's write and read paths use: a RocksDB write batch of
// data keys becomes one replicated command; proposals and reads wait with a deadline.
#include "raftstore/sync_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kv/keys.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::Cluster;

// Drives the in-process cluster on a thread, as a kv-server's raft loop and ticker would.
class Driver {
 public:
  explicit Driver(Cluster* c) : c_(c), t_([this] {
    int n = 0;
    while (!stop_) {
      if (++n % 10 == 0) {
        c_->Tick();
      } else {
        c_->Pump();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }) {}
  ~Driver() {
    stop_ = true;
    t_.join();
  }

 private:
  Cluster* c_;
  std::atomic<bool> stop_{false};
  std::thread t_;
};

TEST(SyncClientTest, WriteBatchBecomesOneReplicatedCommand) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  Engines e = c.Disk(l).engines();
  rocksdb::WriteBatch wb;
  wb.Put(e.cf_default, keys::DataKey("a"), "1");
  wb.Put(e.cf_write, keys::DataKey("b"), "2");
  wb.Delete(e.cf_lock, keys::DataKey("c"));
  wb.DeleteRange(e.cf_default, keys::DataKey("x"), std::string(1, keys::kDataPrefix + 1));
  auto cmd = BatchToCommand(e, 1, c.Store(l).GetPeer(1)->region.region_epoch(), wb);
  ASSERT_TRUE(cmd.ok()) << cmd.status().ToString();
  ASSERT_EQ(cmd->requests_size(), 4);
  EXPECT_EQ(cmd->requests(0).put().key(), "a");
  EXPECT_EQ(cmd->requests(1).put().cf(), "write");
  EXPECT_EQ(cmd->requests(2).delete_().cf(), "lock");
  EXPECT_EQ(cmd->requests(3).delete_range().end_key(), "");  // to the end of the region
  Driver d(&c);
  errorpb::Error err;
  ASSERT_TRUE(ProposeAndWait(&c.Store(l), *cmd, std::chrono::seconds(5), &err).ok())
      << err.message();
  metapb::Region region;
  ASSERT_TRUE(ReadIndexAndWait(&c.Store(l), 1, c.Store(l).GetPeer(1)->region.region_epoch(),
                               std::chrono::seconds(5), &err, &region)
                  .ok());
  EXPECT_EQ(region.id(), 1u);
}

TEST(SyncClientTest, BadBatchesAreRefused) {
  Cluster c(1);
  c.Bootstrap({1});
  Engines e = c.Disk(1).engines();
  metapb::RegionEpoch epoch;
  rocksdb::WriteBatch raw_key;
  raw_key.Put(e.cf_default, "no-prefix", "v");
  EXPECT_FALSE(BatchToCommand(e, 1, epoch, raw_key).ok());
  rocksdb::WriteBatch raft_cf;
  raft_cf.Put(e.cf_raft, keys::DataKey("a"), "v");
  EXPECT_FALSE(BatchToCommand(e, 1, epoch, raft_cf).ok());
  rocksdb::WriteBatch merge;
  merge.Merge(e.cf_default, keys::DataKey("a"), "v");
  EXPECT_FALSE(BatchToCommand(e, 1, epoch, merge).ok());
}

TEST(SyncClientTest, FollowerAnswersNotLeaderAndSilenceTimesOut) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  uint64_t l = c.WaitLeader(1);
  uint64_t f = l == 1 ? 2 : 1;
  Engines e = c.Disk(f).engines();
  rocksdb::WriteBatch wb;
  wb.Put(e.cf_default, keys::DataKey("a"), "1");
  auto cmd = BatchToCommand(e, 1, c.Store(f).GetPeer(1)->region.region_epoch(), wb);
  ASSERT_TRUE(cmd.ok());
  {
    Driver d(&c);
    errorpb::Error err;
    Status s = ProposeAndWait(&c.Store(f), *cmd, std::chrono::seconds(5), &err);
    EXPECT_TRUE(s.IsRegionError());
    EXPECT_TRUE(err.has_not_leader());
    EXPECT_EQ(err.not_leader().leader().store_id(), l);
  }
  // Nobody drives the stores: the wait ends at its deadline.
  errorpb::Error err;
  Status s = ProposeAndWait(&c.Store(l), *cmd, std::chrono::milliseconds(100), &err);
  EXPECT_EQ(s.code(), Status::Code::kTimedOut);
}

}  // namespace
}  // namespace brkv::raftstore
