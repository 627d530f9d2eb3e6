// The parts of whatif.html (see whatif_report.hpp), each in its own file: the charts of
// the plan (whatif_plan_charts.cpp), the panels per VM (whatif_vm_panels.cpp, with the
// VMs they draw chosen in whatif_vm_columns.cpp) and the page with its table
// (whatif_html.cpp). Internal to reports/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "whatif/stats.hpp"

namespace firedrill::whatif {

// Series drawn in a chart of the plan, and in a panel.
inline constexpr std::size_t kMaxSeries = 8;
inline constexpr std::size_t kMaxCdfCurves = 8;
inline constexpr std::size_t kMaxVmSeries = 6;

// The last element of a path: "replication.to-dr.interval" -> "interval".
std::string short_path(const std::string& path);

// Combinations grouped by the values of every axis but one; each group, named by those
// values, is one series along that axis, in the order of its values.
using Series = std::vector<std::pair<std::string, std::vector<const CombinationStats*>>>;
Series series_along(const SweepSummary& summary, std::size_t axis);

// The plan's RTO (`rto`) or RPO against the values of one axis: p50 line, p50-p95 band.
std::string parameter_chart(const SweepSummary& summary, std::size_t axis, bool rto);
// The empirical CDF of the plan RTO, one step curve per combination.
std::string cdf_chart(const SweepSummary& summary);
// The "Per VM" section: small multiples, one panel per VM and chart.
std::string per_vm_section(const SweepSummary& summary);

}  // namespace firedrill::whatif
