// The trend report's section on predicted against measured RTO per VM over the real runs,
// calibrated or not (history_prediction.cpp). Internal to reports/.
#pragma once

#include <sstream>
#include <vector>

#include "reports/history.hpp"

namespace firedrill::reports {

// Writes the section (charts per VM, then a table of every run's error) into `html`.
void write_prediction_trend(std::ostringstream& html, const std::vector<HistoryRun>& runs);

}  // namespace firedrill::reports
