// Ticks and tick labels of reports/chart: the one rule for a "round" step, and the text
// of a tick in the units of reports/text's formatting.
#include <cmath>

#include "reports/chart.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

constexpr double kDay_s = 86400, kYear_s = 365 * kDay_s;

// Steps a clock reads well, up to a year; longer spans step in whole years.
double duration_step(double span_s, double max_ticks) {
  constexpr double kSteps_s[] = {1,          2,      5,           10,          15,     30,
                                 60,         120,    300,         600,         900,    1800,
                                 3600,       7200,   10800,       21600,       43200,  kDay_s,
                                 2 * kDay_s, 604800, 30 * kDay_s, 90 * kDay_s, kYear_s};
  for (const double step : kSteps_s) {
    if (span_s / step <= max_ticks) return step;
  }
  return std::ceil(span_s / max_ticks / kYear_s) * kYear_s;
}

// 1, 2 or 5 times a power of ten.
double decimal_step(double span, double max_ticks) {
  const double raw = span / max_ticks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (const double factor : {1.0, 2.0, 5.0}) {
    if (raw <= factor * magnitude) return factor * magnitude;
  }
  return 10 * magnitude;
}

bool is_duration(Units units) {
  return units == Units::seconds_short || units == Units::seconds;
}

}  // namespace

double nice_step(double span, double max_ticks, Units units) {
  if (!(span > 0) || !std::isfinite(span) || !(max_ticks >= 1)) return 1;
  // Below a second a tick, a clock has no round steps: tenths, hundredths... of a second.
  if (is_duration(units) && span / max_ticks > 1) return duration_step(span, max_ticks);
  return decimal_step(span, max_ticks);
}

std::vector<double> nice_ticks(double lo, double hi, double max_ticks, Units units) {
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi)) return {lo};
  const double step = nice_step(hi - lo, max_ticks, units);
  // A tick a hair outside the range by rounding is still the range's end.
  constexpr double kSlack = 1e-9;
  const double first = std::ceil(lo / step - kSlack), last = std::floor(hi / step + kSlack);
  std::vector<double> ticks;
  for (double k = first; k <= last; ++k) ticks.push_back(k * step + 0.0);  // + 0.0: no -0
  if (ticks.empty()) ticks.push_back(lo);  // a step wider than a short range: label its start
  return ticks;
}

std::string format_tick(double value, Units units) {
  switch (units) {
    case Units::seconds_short:
      return short_duration(value);
    case Units::seconds:
      return value == 0 ? "0" : human_duration(value);
    case Units::fraction:
      return fixed(value, 2);
    case Units::percent:
      break;
  }
  return fixed(value * 100, 0) + "%";
}

}  // namespace firedrill::reports
