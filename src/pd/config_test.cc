#include "pd/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "pd/pd_test_util.h"

namespace brkv::pd {
namespace {

TEST(PdConfigTest, GoDurations) {
  EXPECT_EQ(ParseGoDurationMs("30m").value(), 30 * 60 * 1000);
  EXPECT_EQ(ParseGoDurationMs("5s").value(), 5000);
  EXPECT_EQ(ParseGoDurationMs("1h30m").value(), 90 * 60 * 1000);
  EXPECT_EQ(ParseGoDurationMs("30m0s").value(), 30 * 60 * 1000);  // as PD prints them
  EXPECT_EQ(ParseGoDurationMs("500ms").value(), 500);
  EXPECT_EQ(ParseGoDurationMs("90").value(), 90 * 1000);  // bare number: seconds
  for (const char* bad : {"", "m", "5x", "5 s", "-5s", "1.5h", "10s5"}) {
    auto r = ParseGoDurationMs(bad);
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(ParseGoDurationMs("99999999999999999h").ok());
}

TEST(PdConfigTest, DefaultsFollowPd) {
  PdConfig c;
  EXPECT_EQ(c.server.schedule.replication.max_replicas, 3u);
  EXPECT_EQ(c.server.schedule.replication.max_store_down_time_ms, 30 * 60 * 1000);
  EXPECT_EQ(c.server.store_down_ms, 10000);  // "down" comes long before repair
}

TEST(PdConfigTest, ParsesReplicationAndScheduleSections) {
  PdConfig c;
  Status s = ParsePdConfig(
      "data-dir = \"/tmp/pd\"\n"
      "addr = \"127.0.0.1:3379\"\n"
      "log-level = \"debug\"\n"
      "[replication]\n"
      "max-replicas = 5\n"
      "[schedule]\n"
      "max-store-down-time = \"1h\"\n"
      "leader-schedule-limit = 0\n"
      "region-schedule-limit = 8\n",
      "pd.toml", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.server.data_dir, "/tmp/pd");
  EXPECT_EQ(c.server.addr, "127.0.0.1:3379");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.server.schedule.replication.max_replicas, 5u);
  EXPECT_EQ(c.server.schedule.replication.max_store_down_time_ms, 3600 * 1000);
  EXPECT_EQ(c.server.schedule.leader_schedule_limit, 0u);
  EXPECT_EQ(c.server.schedule.region_schedule_limit, 8u);
}

TEST(PdConfigTest, RejectsUnknownKeysWrongTypesAndBadValuesNamingTheKey) {
  PdConfig c;
  auto msg = [&](const std::string& text) {
    Status s = ParsePdConfig(text, "pd.toml", &c);
    EXPECT_EQ(s.code(), Status::Code::kInvalidArgument) << text;
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
    return s.message();
  };
  EXPECT_NE(msg("max-replicas = 3\n").find("unknown config key \"max-replicas\""),
            std::string::npos);
  EXPECT_NE(msg("[replicaton]\nmax-replicas = 3\n").find("unknown config section [replicaton]"),
            std::string::npos);
  EXPECT_NE(msg("[replication]\nmax-replicas = \"three\"\n").find("wrong type"), std::string::npos);
  EXPECT_NE(msg("[replication]\nmax-replicas = 12\n").find("replication.max-replicas"),
            std::string::npos);
  EXPECT_NE(msg("[schedule]\nmax-store-down-time = \"soon\"\n").find("max-store-down-time"),
            std::string::npos);
  EXPECT_NE(msg("[schedule\n").find("malformed TOML"), std::string::npos);
  // Nothing was applied by the failed parses.
  EXPECT_EQ(c.server.schedule.replication.max_replicas, 3u);
}

TEST(PdConfigTest, FlagsOverrideTheFile) {
  testing::ScratchDir dir;
  const std::string path = dir.path() + "/pd.toml";
  {
    std::ofstream out(path);
    out << "data-dir = \"" << dir.path() << "/data\"\n"
        << "[replication]\nmax-replicas = 5\n"
        << "[schedule]\nmax-store-down-time = \"1h\"\n";
  }
  PdFlags flags;
  flags.config = path;
  auto c = BuildPdConfig(flags);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.schedule.replication.max_replicas, 5u);
  EXPECT_EQ(c->server.schedule.replication.max_store_down_time_ms, 3600 * 1000);

  flags.max_replicas = 1;
  flags.max_store_down_time = "5s";
  flags.data_dir = dir.path() + "/other";
  c = BuildPdConfig(flags);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.schedule.replication.max_replicas, 1u);
  EXPECT_EQ(c->server.schedule.replication.max_store_down_time_ms, 5000);
  EXPECT_EQ(c->server.data_dir, dir.path() + "/other");

  flags.max_store_down_time = "5";
  EXPECT_EQ(BuildPdConfig(flags)->server.schedule.replication.max_store_down_time_ms, 5000);
  flags.max_store_down_time = "five";
  auto bad = BuildPdConfig(flags);
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("--max-store-down-time"), std::string::npos);
  flags.max_store_down_time.reset();
  flags.max_replicas = 0;
  EXPECT_NE(BuildPdConfig(flags).status().message().find("max-replicas"), std::string::npos);
}

TEST(PdConfigTest, MissingDataDirOrFileIsOneClearError) {
  PdFlags none;
  auto c = BuildPdConfig(none);
  EXPECT_EQ(c.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find("--data-dir"), std::string::npos);
  PdFlags missing;
  missing.config = "/nonexistent/pd.toml";
  EXPECT_EQ(BuildPdConfig(missing).status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace brkv::pd
