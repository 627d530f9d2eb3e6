// Reads `--calibration FILE` for run and whatif (calibration_option.hpp).
#include "app/calibration_option.hpp"

#include <iostream>

#include "real/calibrate/calibration.hpp"

namespace firedrill::app {

std::optional<CalibrationUsed> read_calibration_option(const std::string& path, bool& ok) {
  ok = true;
  if (path.empty()) return std::nullopt;
  Result<calibrate::CalibrationFile> file = calibrate::read_calibration(path);
  if (!file.ok()) {
    for (const Diagnostic& error : file.errors()) std::cerr << error.render() << "\n";
    ok = false;
    return std::nullopt;
  }
  const calibrate::CalibrationFile& read = file.value();
  return CalibrationUsed{read.path, read.sha256, read.plan, read.overrides};
}

}  // namespace firedrill::app
