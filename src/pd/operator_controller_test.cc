#include "pd/operator_controller.h"

#include <gtest/gtest.h>

#include "pd/operator_builder.h"
#include "pd/pd_test_util.h"

namespace brkv::pd {
namespace {

struct Region {
  metapb::Region region;
  metapb::Peer leader;
};

// Region 7 with voters (1 on store 1, 2 on store 2), led by peer 1.
Region TwoVoters() {
  Region r;
  r.region.set_id(7);
  r.region.mutable_region_epoch()->set_conf_ver(2);
  r.region.mutable_region_epoch()->set_version(1);
  for (uint64_t i = 1; i <= 2; ++i) {
    auto* p = r.region.add_peers();
    p->set_id(i);
    p->set_store_id(i);
  }
  r.leader = r.region.peers(0);
  return r;
}

Operator AddVoterOn3(const Region& r, int64_t now) {
  RegionView v{r.region, r.leader, {}, {}};
  Operator op = NewOperator(v, "add-replica", kOpKindReplica, now);
  AppendAddVoter(&op, 30, 3);
  return op;
}

TEST(OperatorControllerTest, DispatchWalksStepsUntilFinished) {
  OperatorController c;
  Region r = TwoVoters();
  ASSERT_TRUE(c.Add(AddVoterOn3(r, 0), 0).ok());
  ASSERT_NE(c.Running(7), nullptr);

  auto cmd = c.Dispatch(r.region, r.leader, 10);
  ASSERT_TRUE(cmd.has_change_peer());
  EXPECT_EQ(cmd.change_peer().change_type(), eraftpb::AddLearnerNode);
  EXPECT_EQ(cmd.change_peer().peer().store_id(), 3u);
  EXPECT_EQ(cmd.region_id(), 7u);
  // The same command again until a heartbeat shows it done.
  EXPECT_EQ(c.Dispatch(r.region, r.leader, 20).SerializeAsString(), cmd.SerializeAsString());
  ASSERT_TRUE(testing::ApplyHeartbeatCommand(cmd, &r.region, &r.leader));

  cmd = c.Dispatch(r.region, r.leader, 30);
  ASSERT_TRUE(cmd.has_change_peer());
  EXPECT_EQ(cmd.change_peer().change_type(), eraftpb::AddNode);
  ASSERT_TRUE(testing::ApplyHeartbeatCommand(cmd, &r.region, &r.leader));

  cmd = c.Dispatch(r.region, r.leader, 40);
  EXPECT_FALSE(cmd.has_change_peer());
  EXPECT_EQ(c.Running(7), nullptr);
  auto last = c.Get(7);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->status, OpStatus::kFinished);
  EXPECT_EQ(last->finished_ms, 40);
  EXPECT_EQ(last->current, 2u);
}

TEST(OperatorControllerTest, OneOperatorPerRegionUnlessReplaced) {
  OperatorController c;
  Region r = TwoVoters();
  ASSERT_TRUE(c.Add(AddVoterOn3(r, 0), 0).ok());
  EXPECT_EQ(c.Add(AddVoterOn3(r, 1), 1).code(), Status::Code::kAlreadyExists);
  Operator other = AddVoterOn3(r, 2);
  other.desc = "admin-add-peer";
  other.kind = kOpKindAdmin;
  ASSERT_TRUE(c.Add(other, 2, /*replace=*/true).ok());
  EXPECT_EQ(c.Running(7)->desc, "admin-add-peer");
  auto all = c.List();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].status, OpStatus::kRunning);
  EXPECT_EQ(all[1].status, OpStatus::kReplaced);
  EXPECT_EQ(c.RunningCount(kOpKindAdmin), 1u);
  EXPECT_EQ(c.RunningCount(kOpKindReplica), 0u);

  Operator empty;
  empty.region_id = 8;
  EXPECT_EQ(c.Add(empty, 3).code(), Status::Code::kInvalidArgument);
}

TEST(OperatorControllerTest, TimesOutWithAndWithoutHeartbeats) {
  OperatorController c;
  Region r = TwoVoters();
  Operator op = AddVoterOn3(r, 0);
  op.timeout_ms = 100;
  ASSERT_TRUE(c.Add(op, 0).ok());
  EXPECT_EQ(c.ExpireTimedOut(100), 0u);  // deadline not passed yet
  EXPECT_EQ(c.ExpireTimedOut(101), 1u);
  EXPECT_EQ(c.Get(7)->status, OpStatus::kTimedOut);

  // On a heartbeat past the deadline: no command, the operator ends.
  ASSERT_TRUE(c.Add(op, 200).ok());
  EXPECT_FALSE(c.Dispatch(r.region, r.leader, 301).has_change_peer());
  EXPECT_EQ(c.Running(7), nullptr);
  EXPECT_EQ(c.Get(7)->status, OpStatus::kTimedOut);
}

TEST(OperatorControllerTest, RegionChangedUnderTheOperatorCancelsIt) {
  OperatorController c;
  Region r = TwoVoters();
  ASSERT_TRUE(c.Add(AddVoterOn3(r, 0), 0).ok());
  r.region.mutable_region_epoch()->set_version(2);  // a split
  EXPECT_FALSE(c.Dispatch(r.region, r.leader, 1).has_change_peer());
  EXPECT_EQ(c.Get(7)->status, OpStatus::kCancelled);
}

TEST(OperatorControllerTest, StepTheNodeWouldRefuseForeverCancelsIt) {
  OperatorController c;
  Region r = TwoVoters();
  ASSERT_TRUE(c.Add(AddVoterOn3(r, 0), 0).ok());
  // Another learner of the region appeared on store 3 (an earlier operator, a split of a parent
  // that was adding one): the node refuses a second peer there, so the operator must go.
  auto* other = r.region.add_peers();
  other->set_id(45);
  other->set_store_id(3);
  other->set_role(metapb::Learner);
  r.region.mutable_region_epoch()->set_conf_ver(3);
  EXPECT_FALSE(c.Dispatch(r.region, r.leader, 1).has_change_peer());
  EXPECT_EQ(c.Get(7)->status, OpStatus::kCancelled);
}

TEST(OperatorControllerTest, HistoryIsBoundedAndNewestFirst) {
  OperatorController c(/*history_limit=*/2);
  Region r = TwoVoters();
  for (int i = 0; i < 3; ++i) {
    Operator op = AddVoterOn3(r, i);
    op.desc = "op" + std::to_string(i);
    op.timeout_ms = 0;
    ASSERT_TRUE(c.Add(op, i).ok());
    c.ExpireTimedOut(i + 1);
  }
  auto all = c.List(7);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].desc, "op2");
  EXPECT_EQ(all[1].desc, "op1");
  EXPECT_TRUE(c.List(99).empty());
  EXPECT_FALSE(c.Get(99).has_value());
}

}  // namespace
}  // namespace brkv::pd
