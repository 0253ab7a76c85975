#include "common/failpoint.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace brkv::failpoint {
namespace {

class FailPointTest : public ::testing::Test {
 protected:
  void SetUp() override { DisableAll(); }
  void TearDown() override { DisableAll(); }
};

Status GuardedStep(int* reached) {
  FAIL_POINT("test.before-step");
  ++*reached;
  return Status::OK();
}

TEST_F(FailPointTest, DisarmedIsOk) {
  EXPECT_TRUE(Eval("test.unknown").ok());
  EXPECT_EQ(Hits("test.unknown"), 0u);
}

TEST_F(FailPointTest, Return) {
  Enable("test.a", "return");
  Status s = Eval("test.a");
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_EQ(s.message(), "failpoint test.a");
  EXPECT_FALSE(Eval("test.a").ok());  // fires every time
  EXPECT_TRUE(Eval("test.b").ok());   // other names unaffected
  EXPECT_EQ(Hits("test.a"), 2u);
  Disable("test.a");
  EXPECT_TRUE(Eval("test.a").ok());
}

TEST_F(FailPointTest, ReturnWithMessage) {
  Enable("test.a", "return(disk full)");
  Status s = Eval("test.a");
  EXPECT_EQ(s.code(), Status::Code::kInternal);
  EXPECT_EQ(s.message(), "disk full");
}

TEST_F(FailPointTest, MacroReturnsFromEnclosingFunction) {
  int reached = 0;
  EXPECT_TRUE(GuardedStep(&reached).ok());
  EXPECT_EQ(reached, 1);
  Enable("test.before-step", "return");
  EXPECT_FALSE(GuardedStep(&reached).ok());
  EXPECT_EQ(reached, 1);
}

TEST_F(FailPointTest, CountedReturnFiresNTimes) {
  Enable("test.n", "2*return");
  EXPECT_FALSE(Eval("test.n").ok());
  EXPECT_FALSE(Eval("test.n").ok());
  EXPECT_TRUE(Eval("test.n").ok());
  EXPECT_TRUE(Eval("test.n").ok());
  EXPECT_EQ(Hits("test.n"), 2u);
  Enable("test.z", "0*return");
  EXPECT_TRUE(Eval("test.z").ok());
}

TEST_F(FailPointTest, Sleep) {
  Enable("test.slow", "sleep(60)");
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(Eval("test.slow").ok());
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  EXPECT_GE(ms, 60);
  EXPECT_EQ(Hits("test.slow"), 1u);
}

TEST_F(FailPointTest, OffDisarms) {
  Enable("test.a", "return");
  Enable("test.a", "off");
  EXPECT_TRUE(Eval("test.a").ok());
}

TEST_F(FailPointTest, ReEnableReplacesAction) {
  Enable("test.a", "return(first)");
  Enable("test.a", "return(second)");
  EXPECT_EQ(Eval("test.a").message(), "second");
}

TEST_F(FailPointTest, EnableFromSpec) {
  ASSERT_TRUE(EnableFromSpec("test.a=return; test.b=1*return(boom) ;test.c=sleep(1);;").ok());
  EXPECT_FALSE(Eval("test.a").ok());
  EXPECT_EQ(Eval("test.b").message(), "boom");
  EXPECT_TRUE(Eval("test.b").ok());
  EXPECT_TRUE(Eval("test.c").ok());
  EXPECT_EQ(Hits("test.c"), 1u);
  EXPECT_TRUE(EnableFromSpec("").ok());
}

TEST_F(FailPointTest, BadSpecArmsNothing) {
  const char* bad[] = {
      "test.a",                     // no '='
      "=return",                    // no name
      "test.a=explode",             // unknown action
      "test.a=sleep(abc)",          // bad duration
      "test.a=sleep",               // missing duration
      "test.a=sleep(-5)",           // negative duration
      "test.a=return(unclosed",     // unbalanced
      "test.a=x*return",            // bad count
      "test.a=-1*return",           // negative count
      "test.a=panic(now)",          // panic takes no argument
      "test.ok=return;test.a=zap",  // one bad item poisons the whole spec
  };
  for (const char* spec : bad) {
    Status s = EnableFromSpec(spec);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << spec;
    EXPECT_TRUE(Eval("test.a").ok()) << spec;
    EXPECT_TRUE(Eval("test.ok").ok()) << spec;
  }
}

TEST_F(FailPointTest, ScopedFailPoint) {
  {
    ScopedFailPoint fp("test.scoped", "return");
    EXPECT_FALSE(Eval("test.scoped").ok());
  }
  EXPECT_TRUE(Eval("test.scoped").ok());
}

TEST_F(FailPointTest, ConcurrentCountedFiresExactlyN) {
  Enable("test.race", "100*return");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&failures] {
      for (int i = 0; i < 50; ++i) {
        if (!Eval("test.race").ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 100);
  EXPECT_EQ(Hits("test.race"), 100u);
}

TEST_F(FailPointTest, DisableAllResetsHits) {
  Enable("test.a", "return");
  (void)Eval("test.a");
  DisableAll();
  EXPECT_EQ(Hits("test.a"), 0u);
  EXPECT_TRUE(Eval("test.a").ok());
}

TEST(FailPointDeathTest, Panic) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Enable("test.crash", "panic");
        (void)Eval("test.crash");
      },
      "failpoint test.crash: panic");
}

TEST(FailPointDeathTest, EnableWithTypoAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(Enable("test.typo", "retrun"), "unknown failpoint action");
}

// The environment variable is read once, at first use, so these run in a re-executed child
// ("threadsafe" death-test style) where nothing has touched the registry yet.
TEST(FailPointEnvTest, ArmsFromEnvironment) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("BRKV_FAILPOINTS", "env.a=return(from env);env.b=1*return", 1);
        bool ok = Eval("env.a").message() == "from env" && !Eval("env.b").ok() &&
                  Eval("env.b").ok();
        // Changing the variable later has no effect: it was read once.
        setenv("BRKV_FAILPOINTS", "env.c=return", 1);
        ok = ok && Eval("env.c").ok();
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST(FailPointEnvTest, MalformedEnvironmentIsIgnored) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("BRKV_FAILPOINTS", "env.a=return;env.b=bogus", 1);
        std::exit(Eval("env.a").ok() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "ignoring malformed BRKV_FAILPOINTS");
}

}  // namespace
}  // namespace brkv::failpoint
