// Progress formatting (bar, plain line, ETA, durations) and the backup summary line.
#include "br/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace brkv::br {
namespace {

using std::chrono::milliseconds;

TEST(ProgressTest, GoStyleDurations) {
  EXPECT_EQ(FormatDuration(milliseconds(0)), "0ms");
  EXPECT_EQ(FormatDuration(milliseconds(850)), "850ms");
  EXPECT_EQ(FormatDuration(milliseconds(1000)), "1s");
  EXPECT_EQ(FormatDuration(milliseconds(12345)), "12.345s");
  EXPECT_EQ(FormatDuration(milliseconds(12300)), "12.3s");
  EXPECT_EQ(FormatDuration(milliseconds(62300)), "1m2.3s");
  EXPECT_EQ(FormatDuration(milliseconds(7384000)), "2h3m4s");
  EXPECT_EQ(FormatDuration(milliseconds(3600000)), "1h0m0s");
}

TEST(ProgressTest, BarShowsPercentAndEta) {
  EXPECT_EQ(FormatProgressBar("Full Backup", 0, 4, milliseconds(1000), 8),
            "Full Backup <>-------> 0.00% ETA ?");
  EXPECT_EQ(FormatProgressBar("Full Backup", 1, 4, milliseconds(2000), 8),
            "Full Backup <==>-----> 25.00% ETA 6s");
  EXPECT_EQ(FormatProgressBar("Full Backup", 4, 4, milliseconds(2000), 8),
            "Full Backup <========> 100.00% ETA 0s");
  // Nothing to do is complete.
  EXPECT_EQ(FormatProgressBar("Checksum", 0, 0, milliseconds(5), 4),
            "Checksum <====> 100.00% ETA 0s");
}

TEST(ProgressTest, PlainLineNamesTheUnit) {
  EXPECT_EQ(FormatProgressLine("Full Backup", 12, 40, milliseconds(3200), "ranges"),
            "Full Backup progress: 12/40 ranges (30.00%), elapsed 3.2s, ETA 8s");
}

TEST(ProgressTest, PlainModeWritesAFinalLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressOptions o;
    o.title = "Table Backup";
    o.total = 3;
    o.interval = milliseconds(60000);
    o.out = f;
    Progress p(o);
    p.Update(1);
    p.Update(3);
    p.Update(2);  // never goes back
    EXPECT_EQ(p.done(), 3u);
    p.Finish();
    p.Finish();  // idempotent
  }
  std::rewind(f);
  char buf[512] = {};
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  std::string text(buf, n);
  EXPECT_EQ(text.find("Table Backup progress: 3/3 ranges (100.00%)"), 0u) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
}

TEST(ProgressTest, TtyModeRedrawsInPlace) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressOptions o;
    o.title = "Full Backup";
    o.total = 2;
    o.tty = true;
    o.out = f;
    Progress p(o);
    p.Update(1);
  }
  std::rewind(f);
  char buf[1024] = {};
  size_t n = std::fread(buf, 1, sizeof(buf) - 1, f);
  std::fclose(f);
  std::string text(buf, n);
  EXPECT_EQ(text[0], '\r') << text;
  EXPECT_NE(text.find("50.00%"), std::string::npos) << text;
  EXPECT_EQ(text.back(), '\n');
}

TEST(ProgressTest, CallbackSeesStartUpdatesAndFinishWithoutOutput) {
  std::vector<std::string> seen;
  ProgressOptions o;
  o.title = "Full Backup";
  o.total = 4;
  o.out = nullptr;  // nothing printed
  o.interval = milliseconds(1);
  o.on_update = [&seen](const std::string& title, uint64_t done, uint64_t total) {
    seen.push_back(title + " " + std::to_string(done) + "/" + std::to_string(total));
  };
  {
    Progress p(o);
    p.Update(1);
    p.Update(1);  // unchanged: not reported again
    p.Update(3);
    p.Finish();
    p.Update(4);  // after Finish: ignored
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"Full Backup 0/4", "Full Backup 1/4",
                                            "Full Backup 3/4", "Full Backup 3/4"}));
}

TEST(ProgressTest, SummaryLineIsBrLike) {
  BackupSummary s;
  s.title = "Full Backup";
  s.ranges = 12;
  s.files = 24;
  s.total_kvs = 10000;
  s.total_bytes = 2000000;
  s.data_size = 123456;
  s.backup_ts = 459177124841914369ull;
  s.take = milliseconds(2000);
  EXPECT_EQ(FormatBackupSummary(s),
            "Full Backup success summary: total ranges=12, total kvs=10000, total bytes=2000000, "
            "backup-ts=459177124841914369, total-take=2s, average-speed=1.00MB/s, "
            "backup-data-size(after-compressed)=123456, total files=24");
  s.title = "Incremental Backup";
  s.last_backup_ts = 7;
  EXPECT_NE(FormatBackupSummary(s).find("backup-ts=459177124841914369, last-backup-ts=7,"),
            std::string::npos);
}

}  // namespace
}  // namespace brkv::br
