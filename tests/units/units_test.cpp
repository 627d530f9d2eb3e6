// Every unit and distribution form of the scenario format parses to the right SI value and
// prints back to text that parses to exactly the same value.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "engine/json_reader.hpp"
#include "engine/units.hpp"

namespace firedrill {
namespace {

struct Case {
  const char* text;
  double value;
};

TEST(Duration, EveryUnit) {
  const Case cases[] = {{"500ms", 0.5},    {"45s", 45},       {"15m", 900},  {"2h", 7200},
                        {"1d", 86400},     {"1w", 604800},    {"90", 90},    {"1.5h", 5400},
                        {"250us", 250e-6}, {"10ns", 10e-9},   {"2min", 120}, {"0", 0},
                        {"1h30m", 5400},   {"2d12h", 216000}, {"1m30s", 90}, {"1e3s", 1000},
                        {"-5s", -5}};
  for (const Case& c : cases) {
    const auto parsed = parse_duration_s(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*parsed, c.value) << c.text;
    EXPECT_EQ(parse_duration_s(format_duration(*parsed)), *parsed) << c.text;
  }
}

TEST(Duration, CanonicalText) {
  EXPECT_EQ(format_duration(0.5), "500ms");
  EXPECT_EQ(format_duration(45), "45s");
  EXPECT_EQ(format_duration(900), "15m");
  EXPECT_EQ(format_duration(7200), "2h");
  EXPECT_EQ(format_duration(86400), "1d");
  EXPECT_EQ(format_duration(5400), "1h30m");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(1.25), "1250ms");
}

TEST(Duration, RejectsBadText) {
  for (const char* text : {"", "s", "5 s", " 5s", "5s ", "5sec", "5S", "fast", "1h30", "30m1h",
                           "5m5m", "nan", "inf", "1e999", "--5s", "5.s.", "0x10", "5e", "1h-30m"}) {
    EXPECT_FALSE(parse_duration_s(text).has_value()) << "'" << text << "'";
  }
}

TEST(Size, EveryUnit) {
  const double ki = 1024;
  const Case cases[] = {{"12B", 12},
                        {"4kB", 4e3},
                        {"4KB", 4e3},
                        {"500MB", 500e6},
                        {"2GB", 2e9},
                        {"3TB", 3e12},
                        {"1PB", 1e15},
                        {"4KiB", 4 * ki},
                        {"8MiB", 8 * ki * ki},
                        {"60GiB", 60 * ki * ki * ki},
                        {"2TiB", 2 * ki * ki * ki * ki},
                        {"1PiB", ki * ki * ki * ki * ki},
                        {"1.5GiB", 1.5 * ki * ki * ki},
                        {"1000", 1000}};
  for (const Case& c : cases) {
    const auto parsed = parse_size_B(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*parsed, c.value) << c.text;
    EXPECT_EQ(parse_size_B(format_size(*parsed)), *parsed) << c.text;
  }
  EXPECT_EQ(format_size(60 * ki * ki * ki), "60GiB");
  EXPECT_EQ(format_size(500e6), "500MB");
}

TEST(Size, RejectsBadText) {
  for (const char* text : {"", "GiB", "4 GiB", "4gib", "4Gb", "4G", "lots", "1e999B"}) {
    EXPECT_FALSE(parse_size_B(text).has_value()) << "'" << text << "'";
  }
}

TEST(Rate, EveryUnit) {
  const double ki = 1024;
  const Case cases[] = {{"1Gbps", 125e6},
                        {"100MBps", 100e6},
                        {"200Mbps", 25e6},
                        {"8bps", 1},
                        {"1kbps", 125},
                        {"1Kbps", 125},
                        {"1Tbps", 125e9},
                        {"5Bps", 5},
                        {"3kBps", 3e3},
                        {"3KBps", 3e3},
                        {"2GBps", 2e9},
                        {"1TBps", 1e12},
                        {"1KiBps", ki},
                        {"1MiBps", ki * ki},
                        {"1GiBps", ki * ki * ki},
                        {"1TiBps", ki * ki * ki * ki},
                        {"1Kibps", ki / 8},
                        {"1Mibps", ki * ki / 8},
                        {"1Gibps", ki * ki * ki / 8},
                        {"1.5Gbps", 187.5e6},
                        {"4096", 4096}};
  for (const Case& c : cases) {
    const auto parsed = parse_rate_Bps(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*parsed, c.value) << c.text;
    EXPECT_EQ(parse_rate_Bps(format_rate(*parsed)), *parsed) << c.text;
  }
  EXPECT_EQ(format_rate(125e6), "1Gbps");
  EXPECT_EQ(format_rate(100e6), "100MBps");
}

TEST(Rate, RejectsBadText) {
  for (const char* text : {"", "1Gbit", "1 Gbps", "1gbps", "1Gb/s", "1G", "fast"}) {
    EXPECT_FALSE(parse_rate_Bps(text).has_value()) << "'" << text << "'";
  }
}

TEST(Speed, EveryUnit) {
  const Case cases[] = {{"1f", 1},        {"2kf", 2e3},     {"3Mf", 3e6},         {"1Gf", 1e9},
                        {"2Tf", 2e12},    {"1Pf", 1e15},    {"5Kf", 5e3},         {"1flops", 1},
                        {"2kflops", 2e3}, {"3Mflops", 3e6}, {"2.5Gflops", 2.5e9}, {"1Tflops", 1e12},
                        {"1e9", 1e9}};
  for (const Case& c : cases) {
    const auto parsed = parse_speed_flops(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_DOUBLE_EQ(*parsed, c.value) << c.text;
    EXPECT_EQ(parse_speed_flops(format_speed(*parsed)), *parsed) << c.text;
  }
  EXPECT_FALSE(parse_speed_flops("1GHz").has_value());
}

// Random-ish values: the printed text always reads back bit for bit.
TEST(RoundTrip, ArbitraryValues) {
  std::vector<double> values = {1e-9, 0.001, 0.1, 1.0 / 3, 2.5, 59.999, 3600.5, 1e15, 123456789.0};
  for (double x = 0.37; x < 1e13; x *= 7.3) values.push_back(x);
  for (double v : values) {
    EXPECT_EQ(parse_duration_s(format_duration(v)), v) << v << " " << format_duration(v);
    EXPECT_EQ(parse_size_B(format_size(v)), v) << v << " " << format_size(v);
    EXPECT_EQ(parse_rate_Bps(format_rate(v)), v) << v << " " << format_rate(v);
    EXPECT_EQ(parse_speed_flops(format_speed(v)), v) << v << " " << format_speed(v);
  }
}

// A DurationSpec printed as scenario JSON reads back to the same spec through the loader.
DurationSpec read_back(const DurationSpec& spec) {
  std::vector<Diagnostic> diagnostics;
  ReadContext context("spec.json", &diagnostics);
  const Json json = Json::parse(format_duration_spec(spec));
  const auto read = read_duration_spec(context, json, "boot_time", Sign::positive);
  EXPECT_TRUE(diagnostics.empty()) << (diagnostics.empty() ? "" : diagnostics[0].render());
  return read.value_or(DurationSpec{});
}

TEST(Distribution, EveryFormRoundTrips) {
  const DurationSpec specs[] = {
      DurationSpec::fixed_at(45),
      DurationSpec::fixed_at(0.25),
      {DurationSpec::Kind::normal, 45, 10},
      {DurationSpec::Kind::uniform, 30, 90},
      {DurationSpec::Kind::lognormal, 60, 15},
      {DurationSpec::Kind::exponential, 4 * 3600, 0},
      {DurationSpec::Kind::normal, 1.5, 0.125},
  };
  for (const DurationSpec& spec : specs) {
    EXPECT_EQ(read_back(spec), spec) << format_duration_spec(spec);
  }
  EXPECT_EQ(format_duration_spec({DurationSpec::Kind::normal, 45, 10}),
            R"({"dist":"normal","mean":"45s","sd":"10s"})");
  EXPECT_EQ(format_duration_spec({DurationSpec::Kind::exponential, 4 * 3600, 0}),
            R"({"dist":"exponential","mean":"4h"})");
}

TEST(Distribution, ParametersTakeNumbersOrUnits) {
  std::vector<Diagnostic> diagnostics;
  ReadContext context("spec.json", &diagnostics);
  const auto spec = read_duration_spec(
      context, Json::parse(R"({"dist":"uniform","min":30,"max":"1m30s"})"), "at", Sign::positive);
  ASSERT_TRUE(spec.has_value());
  EXPECT_EQ(*spec, (DurationSpec{DurationSpec::Kind::uniform, 30, 90}));
}

struct BadSpec {
  const char* json;
  const char* message;
};

TEST(Distribution, BadFormsAreErrorsWithPath) {
  const BadSpec cases[] = {
      {R"({"dist":"gauss","mean":"1s","sd":"1s"})", "unknown distribution 'gauss'"},
      {R"({"dist":"normal","mean":"1s"})", "missing required field 'sd'"},
      {R"({"dist":"normal","mean":"1s","sd":"1s","max":"2s"})", "unknown field 'max'"},
      {R"({"dist":"uniform","min":"2m","max":"1m"})", "min (2m) is greater than max (1m)"},
      {R"({"dist":"exponential","mean":"0s"})", "must be greater than zero"},
      {R"({"dist":"lognormal","mean":"0s","sd":"1s"})", "greater than zero"},
      {R"({"dist":"normal","mean":"5x","sd":"1s"})", "bad duration \"5x\""},
      {R"({"mean":"5s"})", "needs \"dist\""},
      {R"({"dist":"normal","mean":"5s","sd":"-1s"})", "must not be negative"},
  };
  for (const BadSpec& c : cases) {
    std::vector<Diagnostic> diagnostics;
    ReadContext context("spec.json", &diagnostics);
    EXPECT_FALSE(
        read_duration_spec(context, Json::parse(c.json), "vms[0].boot_time", Sign::positive)
            .has_value())
        << c.json;
    ASSERT_FALSE(diagnostics.empty()) << c.json;
    EXPECT_NE(diagnostics[0].render().find("spec.json: vms[0].boot_time"), std::string::npos)
        << diagnostics[0].render();
    EXPECT_NE(diagnostics[0].message.find(c.message), std::string::npos) << diagnostics[0].message;
  }
}

TEST(DidYouMean, SuggestsCloseNamesOnly) {
  EXPECT_EQ(closest_match("boot_tme", {"boot_time", "shutdown_time"}), "boot_time");
  EXPECT_EQ(closest_match("duraton", {"duration", "events"}), "duration");
  EXPECT_EQ(closest_match("db2", {"db", "ad", "app", "web"}), "db");
  EXPECT_EQ(closest_match("xyz", {"db", "ad", "app", "web"}), "");
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

}  // namespace
}  // namespace firedrill
