// The arithmetic of the fits (real/calibrate/fits.hpp), against values worked out by hand
// from the formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/units.hpp"
#include "real/calibrate/fits.hpp"

namespace {

using namespace firedrill::calibrate;

TEST(FitLognormal, MaximumLikelihoodOnTheLogs) {
  // ln 2, ln 4, ln 8: mean ln 4; deviations -ln 2, 0, ln 2, so sigma^2 = 2 (ln 2)^2 / 3.
  const Lognormal fit = fit_lognormal({8.0, 2.0, 4.0});
  const double sigma2 = 2.0 * std::log(2.0) * std::log(2.0) / 3.0;
  const double mean = std::exp(std::log(4.0) + sigma2 / 2.0);
  EXPECT_NEAR(fit.mu, std::log(4.0), 1e-12);
  EXPECT_NEAR(fit.sigma, std::sqrt(sigma2), 1e-12);
  EXPECT_NEAR(fit.mean_s, mean, 1e-12);
  EXPECT_NEAR(fit.sd_s, mean * std::sqrt(std::exp(sigma2) - 1.0), 1e-12);
}

TEST(FitLognormal, EqualSamplesHaveNoSpread) {
  const Lognormal fit = fit_lognormal({3.5, 3.5, 3.5});
  EXPECT_NEAR(fit.mean_s, 3.5, 1e-12);
  EXPECT_EQ(fit.sd_s, 0.0);
}

TEST(FitLognormal, TheOrderOfTheSamplesDoesNotChangeABit) {
  const Lognormal a = fit_lognormal({3.1, 2.7, 3.9, 3.3});
  const Lognormal b = fit_lognormal({3.9, 3.3, 3.1, 2.7});
  EXPECT_EQ(a.mean_s, b.mean_s);
  EXPECT_EQ(a.sd_s, b.sd_s);
}

TEST(UnionSeconds, OverlapsCountOnceGapsNotAtAll) {
  EXPECT_DOUBLE_EQ(union_seconds({}), 0.0);
  EXPECT_DOUBLE_EQ(union_seconds({{0, 2}, {1, 3}}), 3.0);          // overlapping
  EXPECT_DOUBLE_EQ(union_seconds({{5, 6}, {0, 2}, {1, 3}}), 4.0);  // and a gap
  EXPECT_DOUBLE_EQ(union_seconds({{0, 10}, {2, 3}}), 10.0);        // nested
  EXPECT_DOUBLE_EQ(union_seconds({{0, 1}, {1, 2}}), 2.0);          // touching
}

TEST(ElementPath, BracketsNamesTheOverrideSyntaxWouldSplit) {
  EXPECT_EQ(element_path("vms", "db", "boot_time"), "vms.db.boot_time");
  EXPECT_EQ(element_path("vms", "web.1", "boot_time"), "vms[\"web.1\"].boot_time");
  EXPECT_EQ(element_path("links", "7", "bandwidth"), "links[\"7\"].bandwidth");
}

TEST(Texts, StableAndParsedByTheLoader) {
  EXPECT_EQ(duration_text_ms(3.2958), "3.296s");
  EXPECT_EQ(duration_text_ms(4.0), "4s");
  EXPECT_EQ(duration_text_ms(0.07), "0.07s");
  EXPECT_EQ(duration_text_ms(0.0), "0s");
  EXPECT_EQ(rate_text_Bps(103724529.4), "103724529Bps");
  EXPECT_EQ(rate_text_Bps(0.25), "0.25Bps");
  EXPECT_EQ(*firedrill::parse_duration_s("3.296s"), 3.296);
  EXPECT_EQ(*firedrill::parse_rate_Bps("103724529Bps"), 103724529.0);
  EXPECT_EQ(*firedrill::parse_rate_Bps("0.25Bps"), 0.25);
  EXPECT_EQ(round_micro(-0.0000001), 0.0);
  EXPECT_FALSE(std::signbit(round_micro(-0.0000001)));
}

}  // namespace
