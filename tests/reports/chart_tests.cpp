// reports/chart: nice ticks (round steps, inside the range, never more than asked, for
// empty, negative and long ranges), tick labels in reports/text's units, the shape of a
// band and of a CDF, and what a chart draws (domains mapped onto the plot area, rules
// outside the domain left out, keys that hide their swatches from screen readers).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "reports/chart.hpp"

namespace firedrill::reports {
namespace {

void expect_ticks(const std::vector<double>& ticks, const std::vector<double>& expected) {
  ASSERT_EQ(ticks.size(), expected.size());
  for (std::size_t i = 0; i < ticks.size(); ++i) EXPECT_NEAR(ticks[i], expected[i], 1e-12) << i;
}

TEST(ChartTicks, DecimalRangesStepOneTwoFive) {
  expect_ticks(nice_ticks(0, 100, 5, Units::fraction), {0, 20, 40, 60, 80, 100});
  expect_ticks(nice_ticks(0, 1, 5, Units::fraction), {0, 0.2, 0.4, 0.6, 0.8, 1});
  expect_ticks(nice_ticks(0, 1, 4, Units::percent), {0, 0.5, 1});
  expect_ticks(nice_ticks(0.013, 0.071, 3, Units::fraction), {0.02, 0.04, 0.06});
  EXPECT_DOUBLE_EQ(nice_step(7000, 5, Units::fraction), 2000);
  EXPECT_DOUBLE_EQ(nice_step(7000, 7, Units::fraction), 1000);
}

TEST(ChartTicks, DurationsStepAsAClockReads) {
  expect_ticks(nice_ticks(0, 3600, 6, Units::seconds), {0, 600, 1200, 1800, 2400, 3000, 3600});
  EXPECT_DOUBLE_EQ(nice_step(330, 5, Units::seconds_short), 120);  // 66 s a tick: 2 m
  EXPECT_DOUBLE_EQ(nice_step(40, 5, Units::seconds), 10);
  EXPECT_DOUBLE_EQ(nice_step(10 * 86400, 5, Units::seconds), 2 * 86400);
  EXPECT_DOUBLE_EQ(nice_step(40 * 86400, 5, Units::seconds), 30 * 86400);
  // Beyond a year a tick: whole years.
  EXPECT_DOUBLE_EQ(nice_step(12 * 365 * 86400.0, 5, Units::seconds), 3 * 365 * 86400.0);
  // The same span in plain numbers steps 1-2-5.
  EXPECT_DOUBLE_EQ(nice_step(330, 5, Units::fraction), 100);
  // Below a second a tick, tenths and hundredths of a second.
  expect_ticks(nice_ticks(0, 2.2, 5, Units::seconds_short), {0, 0.5, 1, 1.5, 2});
  EXPECT_EQ(format_tick(0.5, Units::seconds_short), "0.5s");
}

TEST(ChartTicks, ZeroWidthInvertedAndNotFiniteRangesGiveOneTick) {
  expect_ticks(nice_ticks(5, 5, 5, Units::seconds), {5});
  expect_ticks(nice_ticks(0, 0, 5, Units::fraction), {0});
  expect_ticks(nice_ticks(9, 3, 5, Units::fraction), {9});
  EXPECT_EQ(nice_ticks(0, INFINITY, 5, Units::seconds).size(), 1u);
  EXPECT_EQ(nice_ticks(NAN, 3, 5, Units::seconds).size(), 1u);
  EXPECT_DOUBLE_EQ(nice_step(0, 5, Units::seconds), 1);
  EXPECT_DOUBLE_EQ(nice_step(-4, 5, Units::fraction), 1);
}

TEST(ChartTicks, NegativeRangesTickOnMultiplesOfTheStep) {
  expect_ticks(nice_ticks(-30, 10, 4, Units::fraction), {-30, -20, -10, 0, 10});
  expect_ticks(nice_ticks(-95, -5, 4, Units::seconds), {-90, -60, -30});
  expect_ticks(nice_ticks(-0.45, 0.05, 5, Units::fraction), {-0.4, -0.3, -0.2, -0.1, 0});
  // Zero is +0, so it never reads "-0".
  for (const double tick : nice_ticks(-1, 1, 4, Units::fraction)) {
    if (tick == 0) {
      EXPECT_FALSE(std::signbit(tick));
    }
  }
  EXPECT_EQ(format_tick(nice_ticks(-1, 1, 2, Units::percent)[1], Units::percent), "0%");
}

TEST(ChartTicks, AnyRangeGetsEvenRoundTicksInsideItAndNoMoreThanAsked) {
  std::mt19937_64 random(20261201);  // fixed seed: a failure reproduces
  std::uniform_real_distribution<double> exponent(-3, 8), unit(-1, 1);
  for (int trial = 0; trial < 2000; ++trial) {
    const double scale = std::pow(10.0, exponent(random));
    double lo = unit(random) * scale, hi = unit(random) * scale;
    if (lo > hi) std::swap(lo, hi);
    const double max_ticks = 2 + trial % 9;
    const Units units = trial % 2 ? Units::seconds : Units::fraction;
    const std::vector<double> ticks = nice_ticks(lo, hi, max_ticks, units);
    const double step = nice_step(hi - lo, max_ticks, units);
    SCOPED_TRACE(std::to_string(lo) + " .. " + std::to_string(hi));
    ASSERT_FALSE(ticks.empty());
    EXPECT_LE(static_cast<double>(ticks.size()), max_ticks + 1);
    const double slack = 1e-9 * step;
    if (std::floor(hi / step + 1e-9) < std::ceil(lo / step - 1e-9)) {
      // No multiple of the step lies in the range: its start is the one label.
      ASSERT_EQ(ticks.size(), 1u);
      EXPECT_EQ(ticks[0], lo);
      continue;
    }
    for (std::size_t i = 0; i < ticks.size(); ++i) {
      EXPECT_GE(ticks[i], lo - slack);
      EXPECT_LE(ticks[i], hi + slack);
      EXPECT_NEAR(std::remainder(ticks[i], step), 0, slack);
      if (i > 0) {
        EXPECT_NEAR(ticks[i] - ticks[i - 1], step, slack);
      }
    }
    // Round: a number's step is 1, 2 or 5 times a power of ten (a clock's are checked above).
    const double leading = step / std::pow(10.0, std::floor(std::log10(step)));
    EXPECT_TRUE(units == Units::seconds || std::abs(leading - std::round(leading)) < 1e-9)
        << "step " << step;
    if (units == Units::fraction) {
      EXPECT_TRUE(std::lround(leading) == 1 || std::lround(leading) == 2 ||
                  std::lround(leading) == 5 || std::lround(leading) == 10)
          << "step " << step;
    }
  }
}

TEST(ChartTicks, LabelsUseTheReportsUnits) {
  EXPECT_EQ(format_tick(450, Units::seconds_short), "7.5m");
  EXPECT_EQ(format_tick(45, Units::seconds_short), "45s");
  EXPECT_EQ(format_tick(90, Units::seconds), "1m 30s");
  EXPECT_EQ(format_tick(0, Units::seconds), "0");
  EXPECT_EQ(format_tick(0.25, Units::fraction), "0.25");
  EXPECT_EQ(format_tick(0.25, Units::percent), "25%");
}

TEST(ChartShapes, BandGoesAlongTheTopAndBackAlongTheBottom) {
  const std::vector<BandPoint> points = {{0, 10, 15}, {1, 12, 20}, {2, 11, 30}};
  const std::vector<Point> outline = band_outline(points);
  ASSERT_EQ(outline.size(), 2 * points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(outline[i].x, points[i].x);
    EXPECT_EQ(outline[i].y, points[i].hi);
    const BandPoint& back = points[points.size() - 1 - i];
    EXPECT_EQ(outline[points.size() + i].x, back.x);
    EXPECT_EQ(outline[points.size() + i].y, back.lo);
  }
  EXPECT_TRUE(band_outline({}).empty());
}

TEST(ChartShapes, CdfIsAMonotoneStaircaseFromZeroToOne) {
  const std::vector<double> samples = {30, 10, 20, 20, 50, 10, 20, 40};
  const std::vector<Point> points = cdf_points(samples);
  ASSERT_GE(points.size(), 2u);
  EXPECT_EQ(points.front().x, 10);
  EXPECT_EQ(points.front().y, 0);
  EXPECT_EQ(points.back().x, 50);
  EXPECT_DOUBLE_EQ(points.back().y, 1);
  for (std::size_t i = 1; i < points.size(); ++i) {
    EXPECT_GE(points[i].x, points[i - 1].x) << i;
    EXPECT_GE(points[i].y, points[i - 1].y) << i;
    // A staircase: each segment is horizontal or vertical.
    EXPECT_TRUE(points[i].x == points[i - 1].x || points[i].y == points[i - 1].y) << i;
  }
  // At each sample value the CDF reaches the share of samples at or below it.
  for (const double value : samples) {
    const double share =
        static_cast<double>(std::count_if(samples.begin(), samples.end(),
                                          [value](double s) { return s <= value; })) /
        static_cast<double>(samples.size());
    double reached = 0;
    for (const Point& point : points) {
      if (point.x == value) reached = std::max(reached, point.y);
    }
    EXPECT_DOUBLE_EQ(reached, share) << value;
  }
  EXPECT_TRUE(cdf_points({}).empty());
  const std::vector<Point> one = cdf_points({7});
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[1].x, 7);
  EXPECT_EQ(one[1].y, 1);
}

TEST(ChartDrawing, DomainsMapOntoThePlotArea) {
  Chart chart(600, 300, {70, 20, 30, 50}, "a chart");
  chart.set_x(-10, 10);
  chart.set_y(0, 200);
  EXPECT_DOUBLE_EQ(chart.x(-10), 70);
  EXPECT_DOUBLE_EQ(chart.x(10), 580);
  EXPECT_DOUBLE_EQ(chart.y(0), 250);  // up is up
  EXPECT_DOUBLE_EQ(chart.y(200), 30);
  EXPECT_DOUBLE_EQ(chart.y(100), 140);
  chart.set_x(5, 5);  // zero width: maps as if one wide, without dividing by zero
  EXPECT_DOUBLE_EQ(chart.x(5), 70);
  EXPECT_TRUE(std::isfinite(chart.x(6)));
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ChartDrawing, AxesSeriesAndRules) {
  Chart chart(400, 200, {50, 10, 30, 40}, "RTO <against> x");
  chart.set_x(0, 4);
  chart.set_y(0, 600);
  chart.y_axis(Units::seconds_short, 5, "RTO");
  chart.x_axis({{0, "5m", ""}, {4, "a very long v\xE2\x80\xA6", "a very long value"}});
  chart.band({{0, 100, 200}, {4, 300, 500}}, "series-1");
  chart.y_rule(300, "chart-objective", "objective 5m");
  chart.y_rule(601, "chart-objective", "outside");
  chart.x_rule(-1, "trend-test", "outside too");
  const std::string svg = chart.str();
  EXPECT_NE(svg.find("aria-label=\"RTO &lt;against&gt; x\""), std::string::npos);
  // 600 s in at most 5 intervals: 2-minute steps, six grid lines from 0s to 10m.
  EXPECT_EQ(count(svg, "class=\"chart-grid\""), 6u);
  EXPECT_NE(svg.find(">10m</text>"), std::string::npos);
  EXPECT_NE(svg.find(">a very long v\xE2\x80\xA6<title>a very long value</title></text>"),
            std::string::npos);
  // The band: four vertices, closed; top-left first. The plot spans x 50 to 390 and y 160
  // (0 s) up to 30 (600 s): 200 s is at y 160 - 130 / 3.
  EXPECT_NE(svg.find("d=\"M50 116.67L390 51.67L390 95L50 138.33Z\" class=\"chart-band series-1\""),
            std::string::npos);
  EXPECT_EQ(count(svg, "chart-objective"), 1u);
  EXPECT_EQ(svg.find("outside"), std::string::npos);
}

TEST(ChartDrawing, KeySwatchesAreHiddenFromScreenReaders) {
  const std::string html = chart_key_html({"a<b", "c"}, true, {{"chart-objective", "objective"}});
  EXPECT_EQ(count(html, "<li>"), 3u);
  EXPECT_EQ(count(html, "aria-hidden=\"true\""), 3u);
  EXPECT_EQ(html.find("role=\"img\""), std::string::npos);
  EXPECT_NE(html.find("a&lt;b</li>"), std::string::npos);
  EXPECT_NE(html.find("series-1 dash-1"), std::string::npos);
}

}  // namespace
}  // namespace firedrill::reports
