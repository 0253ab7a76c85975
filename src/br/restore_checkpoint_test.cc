#include "br/restore_checkpoint.h"

#include <gtest/gtest.h>

namespace brkv::br {
namespace {

TEST(RestoreCheckpointTest, JobIdNamesTheBackupAndTheScope) {
  const std::string a = RestoreJobId("local:///b", 1, 100, "db\nsbtest");
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, RestoreJobId("local:///b", 1, 100, "db\nsbtest"));
  EXPECT_NE(a, RestoreJobId("local:///c", 1, 100, "db\nsbtest"));
  EXPECT_NE(a, RestoreJobId("local:///b", 2, 100, "db\nsbtest"));
  EXPECT_NE(a, RestoreJobId("local:///b", 1, 101, "db\nsbtest"));
  EXPECT_NE(a, RestoreJobId("local:///b", 1, 100, "db\nother"));
}

}  // namespace
}  // namespace brkv::br
