#include "pd/safe_point.h"

#include <gtest/gtest.h>

#include "pd/pd_test_util.h"

namespace brkv::pd {
namespace {

class SafePointTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    sp_.reset();
    storage_.reset();
    auto s = PdStorage::Open(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    storage_ = std::move(*s);
    auto m = SafePointManager::Open(storage_.get(), &clock_);
    ASSERT_TRUE(m.ok());
    sp_ = std::move(*m);
  }

  testing::ScratchDir dir_;
  ManualClock clock_{1'700'000'000'000};
  std::unique_ptr<PdStorage> storage_;
  std::unique_ptr<SafePointManager> sp_;
};

TEST_F(SafePointTest, MinRuleAcrossServices) {
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br-1", 60, 500).value(), 500u);
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br-2", 60, 300).value(), 300u);
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br-3", 60, 900).value(), 300u);
  // Refresh br-2 higher: the min moves to br-1.
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br-2", 60, 700).value(), 500u);
  // Remove br-1 (ttl <= 0).
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br-1", 0, 0).value(), 700u);
  EXPECT_EQ(sp_->MinServiceSafePoint().value(), 700u);
}

TEST_F(SafePointTest, GcSafePointHeldBackByLiveServiceAndNeverBackwards) {
  ASSERT_EQ(sp_->UpdateServiceSafePoint("br", 60, 400).value(), 400u);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 400u);  // clamped by the service
  EXPECT_EQ(sp_->GcSafePoint(), 400u);
  EXPECT_EQ(sp_->UpdateGcSafePoint(100).value(), 400u);  // never backwards
  EXPECT_EQ(sp_->GcSafePoint(), 400u);
  // The service moves forward: GC may follow, but not past it.
  ASSERT_EQ(sp_->UpdateServiceSafePoint("br", 60, 800).value(), 800u);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 800u);
  // Service removed: GC advances fully.
  ASSERT_TRUE(sp_->UpdateServiceSafePoint("br", -1, 0).ok());
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 1000u);
}

TEST_F(SafePointTest, RefusesServiceSafePointBelowGcSafePoint) {
  ASSERT_EQ(sp_->UpdateGcSafePoint(1000).value(), 1000u);
  // Below the GC safe point: not stored; the reply tells where GC already is.
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br", 60, 999).value(), 1000u);
  EXPECT_FALSE(sp_->MinServiceSafePoint().has_value());
  EXPECT_EQ(sp_->UpdateGcSafePoint(5000).value(), 5000u);  // nothing holds it back
  // At or above: stored.
  EXPECT_EQ(sp_->UpdateServiceSafePoint("br", 60, 6000).value(), 6000u);
  EXPECT_EQ(sp_->UpdateGcSafePoint(9000).value(), 6000u);
}

TEST_F(SafePointTest, ExpiredServiceSafePointsAreIgnored) {
  ASSERT_TRUE(sp_->UpdateServiceSafePoint("short", 10, 100).ok());
  ASSERT_TRUE(sp_->UpdateServiceSafePoint("long", 100, 200).ok());
  EXPECT_EQ(sp_->MinServiceSafePoint().value(), 100u);
  clock_.Advance(9'999);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 100u);  // "short" still live
  clock_.Advance(1);                                       // "short" expires now
  EXPECT_EQ(sp_->MinServiceSafePoint().value(), 200u);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 200u);
  // Refreshing keeps a service alive.
  clock_.Advance(80'000);
  ASSERT_TRUE(sp_->UpdateServiceSafePoint("long", 100, 300).ok());
  clock_.Advance(80'000);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 300u);
  clock_.Advance(20'000);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 1000u);
}

TEST_F(SafePointTest, PersistedAcrossRestart) {
  ASSERT_TRUE(sp_->UpdateServiceSafePoint("br", 60, 400).ok());
  ASSERT_EQ(sp_->UpdateGcSafePoint(300).value(), 300u);
  Reopen();
  EXPECT_EQ(sp_->GcSafePoint(), 300u);
  EXPECT_EQ(sp_->MinServiceSafePoint().value(), 400u);
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 400u);
  // The TTL keeps counting across the restart.
  clock_.Advance(61'000);
  Reopen();
  EXPECT_FALSE(sp_->MinServiceSafePoint().has_value());
  EXPECT_EQ(sp_->UpdateGcSafePoint(1000).value(), 1000u);
}

TEST_F(SafePointTest, RejectsEmptyServiceId) {
  EXPECT_FALSE(sp_->UpdateServiceSafePoint("", 60, 1).ok());
}

}  // namespace
}  // namespace brkv::pd
