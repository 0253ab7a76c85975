#include "client/region_request.h"

#include <gtest/gtest.h>

#include "client/fake_tikv.h"
#include "kv/keys.h"

namespace brkv::client {
namespace {

using testing::FakeTikv;

class RegionRequestTest : public ::testing::Test {
 protected:
  RegionRequestTest()
      : fake_(2), source_(&fake_), transport_(&fake_), cache_(&source_),
        sender_(&cache_, &transport_, 1000) {}

  BackoffOptions Fast(int64_t budget_ms = 2000) {
    BackoffOptions o;
    o.base_ms = 1;
    o.max_ms = 5;
    o.budget_ms = budget_ms;
    return o;
  }

  Status RawGet(std::string_view key, Backoffer* bo, kvrpcpb::RawGetResponse* resp) {
    kvrpcpb::RawGetRequest req;
    req.set_key(std::string(key));
    return sender_.SendByKey(bo, keys::RawRegionKey(key), &req, resp);
  }

  FakeTikv fake_;
  FakeTikv::Source source_;
  FakeTikv::Transport transport_;
  RegionCache cache_;
  RegionRequestSender sender_;
};

TEST_F(RegionRequestTest, FillsContext) {
  auto loc = cache_.Locate("rk");
  ASSERT_TRUE(loc.ok());
  kvrpcpb::Context ctx;
  RegionRequestSender::FillContext(*loc, &ctx);
  EXPECT_EQ(ctx.region_id(), loc->id());
  EXPECT_EQ(ctx.region_epoch().version(), loc->region.region_epoch().version());
  EXPECT_EQ(ctx.peer().store_id(), 1u);
}

TEST_F(RegionRequestTest, RetriesAfterSplitWithEpochNotMatch) {
  Backoffer bo(Fast());
  kvrpcpb::RawGetResponse resp;
  ASSERT_TRUE(RawGet("k", &bo, &resp).ok());  // warms the cache
  fake_.Split({"rm"}, /*pd_lags=*/true);      // PD does not know yet
  ASSERT_TRUE(RawGet("x", &bo, &resp).ok());
  EXPECT_TRUE(resp.not_found());
  EXPECT_EQ(fake_.Calls("RawGetRequest"), 3);  // warm-up, EpochNotMatch, success
  EXPECT_EQ(cache_.size(), 2u);                // learned from the node, not PD
}

TEST_F(RegionRequestTest, RetriesAfterRegionMovedToAnotherStore) {
  Backoffer bo(Fast());
  kvrpcpb::RawGetResponse resp;
  ASSERT_TRUE(RawGet("k", &bo, &resp).ok());
  fake_.Move(fake_.Regions()[0].id(), 2);
  ASSERT_TRUE(RawGet("k", &bo, &resp).ok());
  EXPECT_EQ(cache_.Locate("rk")->address, "store2");
}

TEST_F(RegionRequestTest, InjectedRegionErrorsAreRetried) {
  errorpb::Error busy;
  busy.mutable_server_is_busy()->set_reason("compaction");
  errorpb::Error stale;
  stale.mutable_stale_command();
  errorpb::Error nf;
  nf.mutable_region_not_found()->set_region_id(1);
  fake_.InjectRegionError("RawGetRequest", busy, 2);
  fake_.InjectRegionError("RawGetRequest", stale);
  fake_.InjectRegionError("RawGetRequest", nf);
  Backoffer bo(Fast());
  kvrpcpb::RawGetResponse resp;
  Status s = RawGet("k", &bo, &resp);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fake_.Calls("RawGetRequest"), 5);
  EXPECT_EQ(bo.attempts(), 4);
}

TEST_F(RegionRequestTest, UnreachableStoreResetsConnectionAndRetries) {
  fake_.InjectUnavailable(1, 2);
  Backoffer bo(Fast());
  kvrpcpb::RawGetResponse resp;
  Status s = RawGet("k", &bo, &resp);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(fake_.resets(), 2);
  EXPECT_GE(fake_.Calls("PdGetStore"), 2);  // the store's address is looked up again
}

TEST_F(RegionRequestTest, GivesUpAfterBudgetNamingTheRegion) {
  errorpb::Error nl;
  nl.mutable_not_leader()->set_region_id(1);
  fake_.InjectRegionError("RawGetRequest", nl, 1000000);
  Backoffer bo(Fast(100));
  kvrpcpb::RawGetResponse resp;
  Status s = RawGet("k", &bo, &resp);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Status::Code::kTimedOut);
  EXPECT_NE(s.message().find("not leader"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("region "), std::string::npos) << s.message();
}

TEST_F(RegionRequestTest, NonRetryableTransportErrorIsReturnedAtOnce) {
  fake_.before_call = [](const google::protobuf::Message&) {
    return Status::NotSupported("unimplemented");
  };
  Backoffer bo(Fast());
  kvrpcpb::RawGetResponse resp;
  Status s = RawGet("k", &bo, &resp);
  EXPECT_EQ(s.code(), Status::Code::kNotSupported);
  EXPECT_EQ(bo.attempts(), 0);
}

TEST(RetryWithBackoff, StopsOnSuccessOrPermanentError) {
  BackoffOptions o;
  o.base_ms = 1;
  o.max_ms = 2;
  o.budget_ms = 1000;
  Backoffer bo(o);
  int n = 0;
  Status s = RetryWithBackoff(&bo, [&]() {
    return ++n < 3 ? Status::Unavailable("x") : Status::OK();
  });
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(n, 3);
  n = 0;
  s = RetryWithBackoff(&bo, [&]() {
    ++n;
    return Status::Corruption("bad");
  });
  EXPECT_EQ(s.code(), Status::Code::kCorruption);
  EXPECT_EQ(n, 1);
}

}  // namespace
}  // namespace brkv::client
