#include "tools/subprocess.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace brkv::tools {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::unique_ptr<Subprocess> Sh(const std::string& script, bool pipe = false) {
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", script};
  o.pipe_stdout = pipe;
  auto p = Subprocess::Start(o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : nullptr;
}

TEST(SubprocessTest, ReportsExitCode) {
  auto p = Sh("exit 3");
  auto e = p->Wait(seconds(10));
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->signaled);
  EXPECT_EQ(e->code, 3);
  EXPECT_FALSE(p->running());
  EXPECT_EQ(e->ToString(), "exit code 3");
}

TEST(SubprocessTest, MissingBinaryIsAnErrorAtStart) {
  SubprocessOptions o;
  o.argv = {"/nonexistent/definitely-not-here"};
  auto p = Subprocess::Start(o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("cannot execute"), std::string::npos);
}

TEST(SubprocessTest, UnwritableRedirectIsAnError) {
  SubprocessOptions o;
  o.argv = {"/bin/true"};
  o.stdout_path = "/nonexistent-dir/out.log";
  auto p = Subprocess::Start(o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("stdout"), std::string::npos);
}

TEST(SubprocessTest, WaitTimesOutThenStopEscalatesToKill) {
  // Ignores SIGTERM, so Stop must fall back to SIGKILL after the grace period.
  auto p = Sh("trap '' TERM; echo started; while :; do sleep 1; done", true);
  ASSERT_TRUE(p->ReadLine(std::chrono::steady_clock::now() + seconds(10)).ok());
  EXPECT_FALSE(p->Wait(milliseconds(50)).ok());
  auto e = p->Stop(milliseconds(200));
  EXPECT_TRUE(e.signaled);
  EXPECT_EQ(e.signal, SIGKILL);
}

TEST(SubprocessTest, StopUsesSigtermFirst) {
  auto p = Sh("echo ready; exec sleep 100", true);
  ASSERT_TRUE(p->ReadLine(std::chrono::steady_clock::now() + seconds(10)).ok());
  auto e = p->Stop(seconds(10));
  EXPECT_TRUE(e.signaled);
  EXPECT_EQ(e.signal, SIGTERM);
}

TEST(SubprocessTest, ReadsLinesFromPipeUntilEnd) {
  auto p = Sh("echo one; printf 'two\\nthree'", true);
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  EXPECT_EQ(*p->ReadLine(deadline), "one");
  EXPECT_EQ(*p->ReadLine(deadline), "two");
  EXPECT_EQ(*p->ReadLine(deadline), "three");
  auto end = p->ReadLine(deadline);
  EXPECT_TRUE(end.status().IsNotFound());
}

TEST(SubprocessTest, ReadLineHonoursDeadline) {
  auto p = Sh("exec sleep 100", true);
  auto start = std::chrono::steady_clock::now();
  auto r = p->ReadLine(start + milliseconds(100));
  EXPECT_EQ(r.status().code(), Status::Code::kTimedOut);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
}

TEST(SubprocessTest, RedirectsStdoutAndStderrToOneFile) {
  char tmpl[] = "/tmp/brkv-subprocess-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string log = std::string(tmpl) + "/out.log";
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "echo to-out; echo to-err 1>&2"};
  o.stdout_path = log;
  o.stderr_path = log;
  auto p = Subprocess::Start(o);
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->Wait(seconds(10)).ok());
  std::ifstream in(log);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "to-out\nto-err\n");
  unlink(log.c_str());
  rmdir(tmpl);
}

TEST(SubprocessTest, DestructorKillsRunningChild) {
  pid_t pid;
  {
    auto p = Sh("exec sleep 100");
    pid = p->pid();
  }
  EXPECT_NE(kill(pid, 0), 0) << "child " << pid << " outlived its Subprocess";
}

TEST(SubprocessTest, ExtraEnvironmentIsPassed) {
  SubprocessOptions o;
  o.argv = {"/bin/sh", "-c", "test \"$BRKV_SUBPROCESS_TEST\" = yes"};
  o.extra_env = {"BRKV_SUBPROCESS_TEST=yes"};
  auto p = Subprocess::Start(o);
  ASSERT_TRUE(p.ok());
  auto e = (*p)->Wait(seconds(10));
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->success());
}

}  // namespace
}  // namespace brkv::tools
