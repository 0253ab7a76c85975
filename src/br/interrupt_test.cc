#include "br/interrupt.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <string>

namespace brkv::br {
namespace {

TEST(InterruptTest, CallbacksRunOnceOnTheFirstTrigger) {
  Interrupt in;
  int calls = 0;
  const uint64_t id = in.Subscribe([&calls] { ++calls; });
  EXPECT_FALSE(in.requested());
  in.Trigger(SIGTERM);
  EXPECT_TRUE(in.requested());
  EXPECT_EQ(in.SignalName(), "SIGTERM");
  in.Trigger(SIGINT);  // the first signal wins; callbacks do not run again
  EXPECT_EQ(in.signo(), SIGTERM);
  EXPECT_EQ(calls, 1);
  in.Unsubscribe(id);
}

TEST(InterruptTest, LateSubscriberRunsAtOnceAndUnsubscribedDoesNot) {
  Interrupt in;
  int early = 0;
  {
    ScopedInterruptHook hook(&in, [&early] { ++early; });
  }
  in.Trigger(SIGINT);
  EXPECT_EQ(early, 0);
  int late = 0;
  ScopedInterruptHook hook(&in, [&late] { ++late; });
  EXPECT_EQ(late, 1);
  EXPECT_EQ(in.SignalName(), "SIGINT");
}

TEST(InterruptTest, CancelNamesItsReasonAndRunsCallbacksOnce) {
  Interrupt in;
  std::string seen;
  ScopedInterruptHook hook(&in, [&] { seen = "interrupted by " + in.SignalName(); });
  in.Cancel("KILL QUERY");
  EXPECT_TRUE(in.requested());
  EXPECT_EQ(in.signo(), Interrupt::kCancelled);
  EXPECT_EQ(seen, "interrupted by KILL QUERY");
  in.Cancel("again");
  in.Trigger(SIGINT);
  EXPECT_EQ(in.SignalName(), "KILL QUERY");
}

TEST(InterruptTest, NullInterruptHookIsANoop) {
  ScopedInterruptHook hook(nullptr, [] {});
}

}  // namespace
}  // namespace brkv::br
