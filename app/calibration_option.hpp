// `--calibration FILE` of run and whatif: reads the calibration (real/calibrate/) into the
// form the loader applies (LoadOptions::calibration).
#pragma once

#include <optional>
#include <string>

#include "engine/model.hpp"

namespace firedrill::app {

// nullopt for an empty path (no --calibration). On a bad file prints why on stderr and
// sets `ok` to false (the caller exits 2).
std::optional<CalibrationUsed> read_calibration_option(const std::string& path, bool& ok);

}  // namespace firedrill::app
