// SafePointKeeper against a fake PD: registration, refusal when GC passed, periodic refresh,
// loss detected by a refresh, removal on Stop.
#include "br/safe_point_keeper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

namespace brkv::br {
namespace {

using std::chrono::milliseconds;

// A PD holding one GC safe point and a table of service safe points.
struct FakePd {
  std::mutex mu;
  uint64_t gc_safe_point = 100;
  std::map<std::string, uint64_t> services;
  std::vector<int64_t> ttls;
  bool unreachable = false;

  Result<uint64_t> Update(const std::string& id, int64_t ttl, uint64_t sp) {
    std::lock_guard<std::mutex> l(mu);
    ttls.push_back(ttl);
    if (unreachable) return Status::Unavailable("pd down");
    if (ttl <= 0) {
      services.erase(id);
    } else if (sp >= gc_safe_point) {
      services[id] = sp;
    }
    uint64_t min = gc_safe_point;
    bool any = false;
    for (auto& [k, v] : services) {
      if (!any || v < min) min = v;
      any = true;
    }
    return any ? min : gc_safe_point;
  }
  SafePointKeeper::UpdateFn Fn() {
    return [this](const std::string& id, int64_t ttl, uint64_t sp) { return Update(id, ttl, sp); };
  }
};

TEST(SafePointKeeperTest, RegistersRefreshesAndRemoves) {
  FakePd pd;
  SafePointKeeperOptions o;
  o.service_id = "br-test";
  o.safe_point = 500;
  o.ttl_seconds = 300;
  o.interval = milliseconds(20);
  auto k = SafePointKeeper::Start(pd.Fn(), o);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  {
    std::lock_guard<std::mutex> l(pd.mu);
    EXPECT_EQ(pd.services.at("br-test"), 500u);
  }
  std::this_thread::sleep_for(milliseconds(150));
  EXPECT_GE((*k)->refreshes(), 2u);
  EXPECT_TRUE((*k)->status().ok());
  EXPECT_TRUE((*k)->Stop().ok());
  EXPECT_TRUE((*k)->Stop().ok());  // idempotent
  std::lock_guard<std::mutex> l(pd.mu);
  EXPECT_EQ(pd.services.count("br-test"), 0u);
  EXPECT_EQ(pd.ttls.back(), 0);
  EXPECT_EQ(pd.ttls.front(), 300);
}

TEST(SafePointKeeperTest, RefusesWhenGcAlreadyPassed) {
  FakePd pd;
  pd.gc_safe_point = 1000;
  SafePointKeeperOptions o;
  o.service_id = "br-late";
  o.safe_point = 500;
  auto k = SafePointKeeper::Start(pd.Fn(), o);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(k.status().message().find("GC safe point 1000"), std::string::npos)
      << k.status().message();
}

TEST(SafePointKeeperTest, RefreshThatFindsTheSafePointPassedReportsIt) {
  FakePd pd;
  SafePointKeeperOptions o;
  o.service_id = "br-lost";
  o.safe_point = 500;
  o.interval = milliseconds(10);
  auto k = SafePointKeeper::Start(pd.Fn(), o);
  ASSERT_TRUE(k.ok());
  {
    // GC ran past us (e.g. the keeper could not refresh in time and the TTL expired).
    std::lock_guard<std::mutex> l(pd.mu);
    pd.services.clear();
    pd.gc_safe_point = 800;
  }
  for (int i = 0; i < 100 && (*k)->status().ok(); ++i)
    std::this_thread::sleep_for(milliseconds(10));
  EXPECT_FALSE((*k)->status().ok());
}

TEST(SafePointKeeperTest, UnreachablePdOnRefreshIsRetriedNotFatal) {
  FakePd pd;
  SafePointKeeperOptions o;
  o.service_id = "br-flaky";
  o.safe_point = 500;
  o.interval = milliseconds(10);
  auto k = SafePointKeeper::Start(pd.Fn(), o);
  ASSERT_TRUE(k.ok());
  {
    std::lock_guard<std::mutex> l(pd.mu);
    pd.unreachable = true;
  }
  std::this_thread::sleep_for(milliseconds(60));
  EXPECT_TRUE((*k)->status().ok());
  {
    std::lock_guard<std::mutex> l(pd.mu);
    pd.unreachable = false;
  }
  EXPECT_TRUE((*k)->Stop().ok());
}

TEST(SafePointKeeperTest, BadOptions) {
  FakePd pd;
  SafePointKeeperOptions o;
  o.safe_point = 1;
  EXPECT_FALSE(SafePointKeeper::Start(pd.Fn(), o).ok());  // no id
  o.service_id = "x";
  o.ttl_seconds = 0;
  EXPECT_FALSE(SafePointKeeper::Start(pd.Fn(), o).ok());
}

TEST(SafePointKeeperTest, ServiceIdsAreUniqueAndBrPrefixed) {
  std::string a = NewBrServiceId(), b = NewBrServiceId();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.rfind("br-", 0), 0u);
  EXPECT_EQ(a.size(), 3u + 32u);
}

}  // namespace
}  // namespace brkv::br
