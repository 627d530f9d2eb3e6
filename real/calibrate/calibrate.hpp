// `firedrill calibrate RUN_DIR...` (SPEC 10) without the command line: reads the run
// folders (evidence.hpp), fits the values (fits.hpp) and returns the calibration file's
// text (format in calibration.hpp) for the caller to write. Writes nothing itself.
#pragma once

#include <string>
#include <vector>

#include "engine/error.hpp"
#include "real/calibrate/fits.hpp"

namespace firedrill::calibrate {

struct Calibration {
  std::string plan;
  Fits fits;         // fitted and not_fitted sorted by path
  std::string text;  // the calibration file: pretty JSON, same runs -> same bytes
};

// Errors (exit 2 for the caller): no folder given, a folder given twice, a folder that is
// not a real run (evidence.hpp), runs of two plans, nothing to fit at all.
Result<Calibration> calibrate_runs(const std::vector<std::string>& dirs);

// The file for runs already read (the tests use it; calibrate_runs() checks first).
std::string calibration_text(const std::vector<RunEvidence>& runs, const Fits& fits);

}  // namespace firedrill::calibrate
