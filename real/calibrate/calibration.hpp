// A calibration (SPEC 10): what `firedrill calibrate` fitted from the evidence of real runs,
// as `--set`-style overrides that `run --calibration FILE` and `whatif --calibration FILE`
// apply before any --set of their own. The file (format "firedrill-calibration-1"):
//
//   {"format": "firedrill-calibration-1",
//    "plan": "lab-three-tier",                       the plan every run was of
//    "runs": [{"dir": "...", "scenario": "...", "seed": 1, "report_sha256": "..."}],
//    "set": {"links.wan.bandwidth": "41943040Bps",   PATH -> VALUE, sorted by PATH
//            "vms.ad.boot_time": {"dist": "lognormal", "mean": "3.296s", "sd": "0.112s"}},
//    "fits": [...],                                  how each value was fitted (for people)
//    "not_fitted": [{"path": "...", "reason": "..."}],
//    "notes": ["..."]}                               evidence left out, and why
//
// Only "format", "plan" and "set" are read back; "runs", "fits", "not_fitted" and "notes"
// are the evidence of how the values were found (written by calibrate.cpp).
#pragma once

#include <string>
#include <vector>

#include "engine/error.hpp"

namespace firedrill::calibrate {

inline constexpr const char* kCalibrationFormat = "firedrill-calibration-1";

// A calibration file as `run` and `whatif` use it.
struct CalibrationFile {
  std::string path;    // as given
  std::string sha256;  // of the file's bytes
  std::string plan;    // the plan it was fitted for
  // "PATH=VALUE" texts in the file's order, VALUE as compact JSON: what LoadOptions takes.
  std::vector<std::string> overrides;
};

// Reads and checks a calibration file: valid JSON, the format, a plan name, and a "set"
// object of PATH -> string, number or distribution object. Errors name the file and the
// JSON path (exit 2 for the caller).
Result<CalibrationFile> read_calibration(const std::string& path);

}  // namespace firedrill::calibrate
