// The fits of `firedrill calibrate`: from the evidence of runs (evidence.hpp) to `--set`
// values, each with the record of how it was found, and the values that could not be
// fitted with the reason. Pure functions of the evidence: the same runs give the same fits.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "real/calibrate/evidence.hpp"

namespace firedrill::calibrate {

struct Fitted {
  std::string path;      // "vms.ad.boot_time"
  nlohmann::json value;  // what `--set PATH=VALUE` takes
  // The file's "fits" entry (path, method, samples, counts), keys in the order written.
  nlohmann::ordered_json fit;
  std::string summary;  // one line for people: "lognormal from 3 boots in 3 runs"
};

struct NotFitted {
  std::string path;
  std::string reason;
};

struct Fits {
  std::vector<Fitted> fitted;
  std::vector<NotFitted> not_fitted;
  std::vector<std::string> notes;  // evidence left out, and why (older formats)
};

// Per VM, ready - start of every boot that reached ready: one sample a fixed duration, two
// or more a lognormal fitted by maximum likelihood.
void fit_boot_times(const std::vector<RunEvidence>& runs, Fits& fits);
// Per link, bytes shipped by completed transfers over the seconds the link was busy.
void fit_link_bandwidths(const std::vector<RunEvidence>& runs, Fits& fits);
// Per VM, bytes shipped by incremental cycles over the seconds of changes they covered.
void fit_change_rates(const std::vector<RunEvidence>& runs, Fits& fits);

// --- the arithmetic, exposed for the tests ---

// Maximum likelihood lognormal of positive samples: mu and sigma are the mean and the
// population sd of ln(sample); mean_s and sd_s the durations' own mean and sd, the form
// plans write a lognormal in.
struct Lognormal {
  double mu = 0;
  double sigma = 0;
  double mean_s = 0;
  double sd_s = 0;
};
Lognormal fit_lognormal(const std::vector<double>& samples_s);

// Length of the union of [start, end] intervals (overlapping transfers share the link).
double union_seconds(std::vector<std::pair<double, double>> intervals_s);

// The path of one field of a named list element, bracketing names that the override syntax
// would otherwise split ("vms", "web.1", "boot_time" -> vms["web.1"].boot_time).
std::string element_path(const std::string& list, const std::string& name,
                         const std::string& field);

// Stable texts the loader parses: "3.296s" (millisecond precision), "41943040Bps" (whole
// bytes/s; three decimals below 100 B/s), and a number rounded to microunits for "fits".
std::string duration_text_ms(double seconds);
std::string rate_text_Bps(double rate_Bps);
double round_micro(double value);

}  // namespace firedrill::calibrate
