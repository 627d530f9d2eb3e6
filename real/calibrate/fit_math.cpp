// The arithmetic of the fits (fits.hpp) and the stable texts their values are written as.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "real/calibrate/fits.hpp"

namespace firedrill::calibrate {

namespace {

// "%.3f" without the zeros a person would not write: 3.300 -> "3.3", 4.000 -> "4".
std::string trimmed_fixed3(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", value);
  std::string out = text;
  while (!out.empty() && out.back() == '0') out.pop_back();
  if (!out.empty() && out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

}  // namespace

Lognormal fit_lognormal(const std::vector<double>& samples_s) {
  Lognormal fit;
  if (samples_s.empty()) return fit;
  // Sorted first, so the sums (and the last bits of the result) do not depend on the
  // order the run folders were given in.
  std::vector<double> logs;
  for (const double sample : samples_s) logs.push_back(std::log(sample));
  std::sort(logs.begin(), logs.end());
  const double n = static_cast<double>(logs.size());
  fit.mu = std::accumulate(logs.begin(), logs.end(), 0.0) / n;
  double squares = 0;
  for (const double value : logs) squares += (value - fit.mu) * (value - fit.mu);
  fit.sigma = std::sqrt(squares / n);  // maximum likelihood: the population sd
  const double sigma2 = fit.sigma * fit.sigma;
  fit.mean_s = std::exp(fit.mu + sigma2 / 2.0);
  fit.sd_s = fit.mean_s * std::sqrt(std::expm1(sigma2));
  return fit;
}

double union_seconds(std::vector<std::pair<double, double>> intervals_s) {
  std::sort(intervals_s.begin(), intervals_s.end());
  double total = 0;
  bool open = false;
  double from = 0, to = 0;
  for (const auto& [start, end] : intervals_s) {
    if (open && start <= to) {
      to = std::max(to, end);
      continue;
    }
    if (open) total += to - from;
    from = start;
    to = end;
    open = true;
  }
  if (open) total += to - from;
  return total;
}

std::string element_path(const std::string& list, const std::string& name,
                         const std::string& field) {
  const bool plain =
      !name.empty() && name.find_first_of(".[]\"'=") == std::string::npos &&
      !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (plain) return list + "." + name + "." + field;
  return list + "[\"" + name + "\"]." + field;
}

std::string duration_text_ms(double seconds) {
  return trimmed_fixed3(seconds) + "s";
}

std::string rate_text_Bps(double rate_Bps) {
  if (rate_Bps >= 100) return std::to_string(std::llround(rate_Bps)) + "Bps";
  return trimmed_fixed3(rate_Bps) + "Bps";
}

double round_micro(double value) {
  const double rounded = std::round(value * 1e6) / 1e6;
  return rounded == 0 ? 0.0 : rounded;  // no "-0.0"
}

}  // namespace firedrill::calibrate
