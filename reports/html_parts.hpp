// The drawings of report.html, each an inline <svg> string (see svg.hpp), and the CSS that
// styles them. Internal to reports/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill::reports {

// Gantt-style timeline: a row of plan-wide steps (failure, detection, operator wait...),
// then a row per VM with its steps, its replication cycles and recovery points, and the
// RTO and RPO spans; a dashed line marks the incident.
std::string timeline_svg(const Scenario& scenario, const Outcome& outcome);
// HTML legend of the timeline's step kinds and marks.
std::string timeline_legend_html();
// Sites with their hosts and VMs, the links between sites, the replication jobs.
std::string topology_svg(const Plan& plan);
// The start order: VMs left to right in the order they may start (priority groups and
// depends_on), an arrow from each dependency to its dependent.
std::string start_order_svg(const Plan& plan);
// The house stylesheet of report.html, the trend report and whatif.html (no external
// resources).
const char* report_css();
// A real VM's readiness ladder for its notes, escaped HTML: "ready by: running +12.3s \u2192
// agent +15.0s \u2192 check tcp :80 +16.1s (2 attempts)", times since `incident` (the run
// time "t=..." without one); "not ready: ... \u2718 check ... failed ..." when a rung failed
// (it ends the ladder); "" when the ladder is empty.
std::string readiness_html(const std::vector<ReadinessStep>& ladder,
                           const std::optional<double>& incident);
// A real run's bytes per VM: what the engine modelled for its completed transfers and
// what they really shipped (the table "shipped-bytes"); "" when no transfer measured its
// bytes (the simulator).
std::string shipped_bytes_html(const Outcome& outcome);

}  // namespace firedrill::reports

namespace firedrill::reports {

// "45s", or "normal(mean 45s, sd 10s)" for a distribution that was not realized.
std::string describe_duration(const DurationSpec& spec);

}  // namespace firedrill::reports
