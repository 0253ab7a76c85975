#include "server/config.h"

#include <fstream>

#include <gtest/gtest.h>

#include "server/server_test_util.h"

namespace brkv::server {
namespace {

TEST(ConfigTest, SizesAndDurations) {
  EXPECT_EQ(*ParseSize("64KiB"), 64u << 10);
  EXPECT_EQ(*ParseSize("96MiB"), 96u << 20);
  EXPECT_EQ(*ParseSize("96MB"), 96u << 20);
  EXPECT_EQ(*ParseSize("1 GiB"), 1ull << 30);
  EXPECT_EQ(*ParseSize("123"), 123u);
  EXPECT_FALSE(ParseSize("12 parsecs").ok());
  EXPECT_FALSE(ParseSize("MiB").ok());
  EXPECT_EQ(*ParseDurationMs("1s"), 1000);
  EXPECT_EQ(*ParseDurationMs("250ms"), 250);
  EXPECT_EQ(*ParseDurationMs("2m"), 120000);
  EXPECT_FALSE(ParseDurationMs("1d").ok());
}

TEST(ConfigTest, ParsesAllSections) {
  ServerConfig c;
  Status s = ParseServerConfig(R"(
addr = "127.0.0.1:20161"
pd = "127.0.0.1:3000"
data-dir = "/tmp/x"
log-level = "debug"
[server]
grpc-concurrency = 4
store-heartbeat-interval = "500ms"
[storage]
sync-write = false
block-cache-size = "16MiB"
[coprocessor]
region-split-size = "64KiB"
split-check-interval = 200
[gc]
poll-interval = "1s"
)",
                               "test.toml", &c);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(c.addr, "127.0.0.1:20161");
  EXPECT_EQ(c.pd, "127.0.0.1:3000");
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.grpc_concurrency, 4);
  EXPECT_EQ(c.store_heartbeat_interval_ms, 500);
  EXPECT_FALSE(c.sync_write);
  EXPECT_EQ(c.block_cache_size, 16u << 20);
  EXPECT_EQ(c.region_split_size, 64u << 10);
  EXPECT_EQ(c.split_check_interval_ms, 200);
  EXPECT_EQ(c.gc_poll_interval_ms, 1000);
  EXPECT_TRUE(ValidateServerConfig(c).ok());
}

TEST(ConfigTest, RejectsUnknownKeysBadTypesAndSyntax) {
  ServerConfig c;
  Status s = ParseServerConfig("adress = \"x:1\"\n", "f.toml", &c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown config key \"adress\""), std::string::npos) << s.message();

  s = ParseServerConfig("[coprocessor]\nregion-split = 1\n", "f.toml", &c);
  EXPECT_NE(s.message().find("coprocessor.region-split"), std::string::npos) << s.message();

  s = ParseServerConfig("[raft-engine]\nx = 1\n", "f.toml", &c);
  EXPECT_NE(s.message().find("unknown config section [raft-engine]"), std::string::npos)
      << s.message();
  s = ParseServerConfig("[raftstore]\nx = 1\n", "f.toml", &c);
  EXPECT_NE(s.message().find("unknown config key \"raftstore.x\""), std::string::npos)
      << s.message();

  s = ParseServerConfig("[storage]\nsync-write = \"yes\"\n", "f.toml", &c);
  EXPECT_NE(s.message().find("wrong type"), std::string::npos) << s.message();

  s = ParseServerConfig("addr = \n", "f.toml", &c);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("malformed TOML"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find('\n'), std::string::npos) << s.message();
}

TEST(ConfigTest, FlagsOverrideFileAndValidation) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/kv.toml";
  {
    std::ofstream out(path);
    out << "addr = \"127.0.0.1:1\"\npd = \"127.0.0.1:2\"\ndata-dir = \"/from/file\"\n"
        << "[coprocessor]\nregion-split-size = \"64KiB\"\n";
  }
  ServerFlags flags;
  flags.config = path;
  flags.pd = "127.0.0.1:9";
  auto c = BuildServerConfig(flags);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->addr, "127.0.0.1:1");
  EXPECT_EQ(c->pd, "127.0.0.1:9");
  EXPECT_EQ(c->data_dir, "/from/file");
  EXPECT_EQ(c->region_split_size, 64u << 10);

  ServerFlags missing;
  missing.config = dir.path() + "/nope.toml";
  auto bad = BuildServerConfig(missing);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot read config file"), std::string::npos);

  ServerFlags no_dir;
  auto nd = BuildServerConfig(no_dir);
  ASSERT_FALSE(nd.ok());
  EXPECT_NE(nd.status().message().find("--data-dir"), std::string::npos);

  ServerFlags bad_level;
  bad_level.data_dir = "/x";
  bad_level.log_level = "loud";
  EXPECT_FALSE(BuildServerConfig(bad_level).ok());
}

}  // namespace
}  // namespace brkv::server
