#include "common/metrics.h"

#include <gtest/gtest.h>

namespace brkv::metrics {
namespace {

TEST(MetricsTest, RendersCountersGaugesAndHistogramsInTheTextFormat) {
  Registry r;
  r.Counter("x_requests_total", "Requests.", {"type"}).With({"get"}).Inc(3);
  r.Counter("x_requests_total", "Requests.", {"type"}).With({"put"}).Inc();
  r.Gauge("x_level", "A \"level\"\nwith a newline.", {}).With({}).Set(2.5);
  auto& h = r.Histogram("x_seconds", "Latency.", {}, {0.1, 1}).With({});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive
  h.Observe(0.5);
  h.Observe(7);
  EXPECT_EQ(r.Render(),
            "# HELP x_level A \"level\"\\nwith a newline.\n"
            "# TYPE x_level gauge\n"
            "x_level 2.5\n"
            "# HELP x_requests_total Requests.\n"
            "# TYPE x_requests_total counter\n"
            "x_requests_total{type=\"get\"} 3\n"
            "x_requests_total{type=\"put\"} 1\n"
            "# HELP x_seconds Latency.\n"
            "# TYPE x_seconds histogram\n"
            "x_seconds_bucket{le=\"0.1\"} 2\n"
            "x_seconds_bucket{le=\"1\"} 3\n"
            "x_seconds_bucket{le=\"+Inf\"} 4\n"
            "x_seconds_sum 7.65\n"
            "x_seconds_count 4\n");
}

TEST(MetricsTest, GaugeFuncsAreReadAtRenderTimeAndGoAwayWithTheirHandle) {
  Registry r;
  double v = 1;
  {
    CallbackHandle h = r.GaugeFunc("x_regions", "Regions.", {"type"}, {"leader"}, [&] { return v; });
    v = 4;
    EXPECT_NE(r.Render().find("x_regions{type=\"leader\"} 4\n"), std::string::npos);
  }
  EXPECT_EQ(r.Render().find("x_regions{"), std::string::npos);
}

TEST(MetricsTest, LabelValuesAndSpecialValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(FormatValue(0.1), "0.1");
  EXPECT_EQ(FormatValue(1e20), "1e+20");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
}

}  // namespace
}  // namespace brkv::metrics
