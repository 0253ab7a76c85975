// A replica removed while cut off, whose region then left every store it knows: the stores that
// destroyed their replicas tell it it is gone when it speaks to them (it knows no replica that
// still exists), and it destroys itself instead of campaigning forever.
#include <gtest/gtest.h>

#include "raftstore/store.h"
#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::Cluster;

TEST(TombstoneTest, RemovedReplicaWhoseRegionLeftItsStoresIsToldByTheirTombstones) {
  Cluster c(5);
  c.Bootstrap({1, 2, 3});
  const uint64_t l = c.WaitLeader(1);
  const uint64_t victim = l == 3 ? 2 : 3;
  const uint64_t other = 6 - l - victim;  // the third original store
  ASSERT_TRUE(Ok(c.Put(1, "a", "1")));
  c.Isolate(victim);
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::AddNode, 4, 4)));
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::AddNode, 5, 5)));
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::RemoveNode, victim, victim)));
  // Move the leader to store 4, then remove the two other original replicas.
  raft_cmdpb::AdminRequest t;
  t.set_cmd_type(raft_cmdpb::TransferLeader);
  t.mutable_transfer_leader()->mutable_peer()->set_id(4);
  t.mutable_transfer_leader()->mutable_peer()->set_store_id(4);
  (void)c.Admin(1, t);
  for (int i = 0; i < 100 && c.LeaderStore(1) != 4; ++i) c.Tick();
  ASSERT_EQ(c.LeaderStore(1), 4u);
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::RemoveNode, l, l)));
  ASSERT_TRUE(Ok(c.ChangePeer(1, eraftpb::RemoveNode, other, other)));
  c.Tick(10);
  ASSERT_FALSE(c.Store(l).GetPeer(1));
  ASSERT_FALSE(c.Store(other).GetPeer(1));
  ASSERT_TRUE(c.Store(victim).GetPeer(1));  // it never heard of any of it
  c.Heal();
  c.Tick(60);  // its (pre-)votes reach stores l and other, whose tombstones answer
  EXPECT_FALSE(c.Store(victim).GetPeer(1));
  EXPECT_TRUE(c.Disk(victim).Data().empty());
  ASSERT_TRUE(Ok(c.Put(1, "b", "2")));
}

}  // namespace
}  // namespace brkv::raftstore
