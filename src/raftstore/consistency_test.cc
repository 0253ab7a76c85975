// Consistency checks in process: every replica hashes the region at the ComputeHash entry's
// log index; equal data gives equal hashes, a replica whose data was changed behind Raft's back
// gives another, and writes after the check's entry are never in its hash.
#include "raftstore/consistency.h"

#include <gtest/gtest.h>

#include "raftstore/store_test_util.h"

namespace brkv::raftstore {
namespace {

using test::CountFiles;
using test::K;
using test::Ok;

using test::Cluster;
using namespace std::chrono_literals;

raft_cmdpb::RaftCmdRequest ComputeHashCmd(Cluster& c, uint64_t leader, const std::string& ctx) {
  raft_cmdpb::RaftCmdRequest req;
  req.mutable_header()->set_region_id(1);
  *req.mutable_header()->mutable_region_epoch() =
      c.Store(leader).GetPeer(1)->region.region_epoch();
  req.mutable_admin_request()->set_cmd_type(raft_cmdpb::ComputeHash);
  req.mutable_admin_request()->mutable_compute_hash()->set_context(ctx);
  return req;
}

RegionHash HashOn(Cluster& c, uint64_t store, const std::string& ctx) {
  auto h = c.Store(store).WaitRegionHash(1, ctx, 10s);
  EXPECT_TRUE(h.ok()) << "store " << store << ": " << h.status().ToString();
  return h.ok() ? *h : RegionHash{};
}

TEST(ConsistencyTest, ReplicasWithTheSameDataAgreeAndAChangedReplicaDoesNot) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v" + std::to_string(i))));

  ASSERT_TRUE(Ok(c.Call(ComputeHashCmd(c, leader, "first"), leader)));
  c.Tick(3);
  RegionHash want = HashOn(c, leader, "first");
  EXPECT_EQ(want.kvs, 50u);
  EXPECT_TRUE(want.error.empty()) << want.error;
  for (uint64_t s = 1; s <= 3; ++s) {
    RegionHash h = HashOn(c, s, "first");
    EXPECT_EQ(h.hash, want.hash) << "store " << s;
    EXPECT_EQ(h.index, want.index) << "store " << s;
    EXPECT_EQ(h.kvs, 50u) << "store " << s;
  }

  // A follower's value changed behind Raft's back (a lost or extra write): its hash differs.
  const uint64_t follower = leader == 3 ? 2 : 3;
  rocksdb::WriteBatch wb;
  wb.Put(c.Disk(follower).engines().cf_default, "z" + K(7), "tampered");
  c.Disk(follower).Write(&wb);
  ASSERT_TRUE(Ok(c.Call(ComputeHashCmd(c, leader, "second"), leader)));
  c.Tick(3);
  RegionHash again = HashOn(c, leader, "second");
  EXPECT_EQ(again.hash, want.hash) << "nothing changed on the leader";
  for (uint64_t s = 1; s <= 3; ++s) {
    RegionHash h = HashOn(c, s, "second");
    if (s == follower) {
      EXPECT_NE(h.hash, want.hash);
      EXPECT_EQ(h.kvs, 50u);
    } else {
      EXPECT_EQ(h.hash, want.hash) << "store " << s;
    }
  }
  // Another check id that no replica applied is not invented.
  EXPECT_TRUE(c.Store(leader).WaitRegionHash(1, "never", 50ms).status().code() == Status::Code::kTimedOut);
}

TEST(ConsistencyTest, AHashCoversExactlyTheEntriesBeforeIt) {
  Cluster c(3);
  c.Bootstrap({1, 2, 3});
  const uint64_t leader = c.WaitLeader(1);
  ASSERT_NE(leader, 0u);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Ok(c.Put(1, K(i), "v")));
  // The check and a later write are applied in the same turn: the hash must not see the write.
  bool hashed = false, written = false;
  c.Store(leader).Propose(ComputeHashCmd(c, leader, "mid-batch"),
                          [&](const raft_cmdpb::RaftCmdResponse& r) { hashed = Ok(r); });
  raft_cmdpb::RaftCmdRequest put;
  put.mutable_header()->set_region_id(1);
  *put.mutable_header()->mutable_region_epoch() = c.Store(leader).GetPeer(1)->region.region_epoch();
  auto* r = put.add_requests();
  r->set_cmd_type(raft_cmdpb::Put);
  r->mutable_put()->set_key(K(100));
  r->mutable_put()->set_value("after");
  c.Store(leader).Propose(put, [&](const raft_cmdpb::RaftCmdResponse& x) { written = Ok(x); });
  for (int i = 0; i < 100 && !(hashed && written); ++i) c.Tick();
  ASSERT_TRUE(hashed && written);
  for (uint64_t s = 1; s <= 3; ++s) {
    RegionHash h = HashOn(c, s, "mid-batch");
    EXPECT_EQ(h.kvs, 10u) << "store " << s;
  }
  // The same data hashed directly, without the later write, gives the same hash.
  RegionHash full = HashRegion(c.Disk(leader).engines(), c.Store(leader).GetPeer(1)->region,
                               nullptr);
  EXPECT_EQ(full.kvs, 11u);
  EXPECT_NE(full.hash, HashOn(c, leader, "mid-batch").hash);
}

TEST(ConsistencyTest, HashFramesKeysAndValues) {
  // "ab"+"c" and "a"+"bc" must not hash alike: lengths are part of the hash.
  test::TestDisk d1, d2;
  metapb::Region region;
  region.set_id(1);
  rocksdb::WriteBatch a, b;
  a.Put(d1.engines().cf_default, "zab", "c");
  b.Put(d2.engines().cf_default, "za", "bc");
  d1.Write(&a);
  d2.Write(&b);
  RegionHash h1 = HashRegion(d1.engines(), region, nullptr);
  RegionHash h2 = HashRegion(d2.engines(), region, nullptr);
  EXPECT_EQ(h1.kvs, 1u);
  EXPECT_EQ(h2.kvs, 1u);
  EXPECT_NE(h1.hash, h2.hash);
}

}  // namespace
}  // namespace brkv::raftstore
