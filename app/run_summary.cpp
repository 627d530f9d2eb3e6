// The table `firedrill run` prints after each scenario.
#include "app/run_summary.hpp"

#include <algorithm>
#include <sstream>

#include "reports/text.hpp"

namespace firedrill::app {

namespace {

// A duration as every report writes it (reports/text.hpp), "-" for none.
std::string human_duration(std::optional<double> seconds) {
  return seconds ? reports::human_duration(*seconds) : "-";
}

std::string against(std::optional<double> achieved, std::optional<double> objective,
                    std::optional<bool> met) {
  std::string text = human_duration(achieved);
  if (objective) {
    text += " / " + human_duration(objective);
    if (met) text += *met ? " ok" : " MISSED";
  }
  return text;
}

std::string pad(const std::string& text, std::size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

}  // namespace

std::string run_summary(const Scenario& scenario, const Outcome& outcome,
                        const std::string& backend) {
  std::ostringstream out;
  out << scenario.name << " (plan " << scenario.plan.name << ", backend " << backend << ", seed "
      << scenario.seed << ")";
  if (outcome.incident_time_s) out << ": incident at " << human_duration(outcome.incident_time_s);
  out << "\n";
  const std::vector<std::string> header = {"VM", "OUTCOME",         "MECHANISM",
                                           "ON", "RTO / OBJECTIVE", "RPO / OBJECTIVE"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const VmResult& vm : outcome.vms) {
    rows.push_back({vm.name, to_string(vm.outcome),
                    vm.outcome == VmOutcome::unaffected ? "-" : to_string(vm.mechanism),
                    vm.recovered_on.empty() ? "-" : vm.recovered_on,
                    against(vm.rto_s, vm.objective_rto_s, vm.rto_met),
                    against(vm.rpo_s, vm.objective_rpo_s, vm.rpo_met)});
  }
  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size() + 2);
  }
  for (const auto& row : rows) {
    out << "  ";
    for (std::size_t c = 0; c < row.size(); ++c) out << pad(row[c], widths[c]);
    out << "\n";
  }
  for (const VmResult& vm : outcome.vms) {
    if (!vm.reason.empty()) out << "  " << vm.name << ": " << vm.reason << "\n";
    if (vm.failback) {
      out << "  " << vm.name << ": failback " << to_string(vm.failback->outcome) << ", RTO "
          << human_duration(vm.failback->rto_s) << ", RPO " << human_duration(vm.failback->rpo_s)
          << (vm.failback->reason.empty() ? "" : " (" + vm.failback->reason + ")") << "\n";
    }
  }
  if (outcome.ended == RunEnd::settled) {
    out << "  ended when settled at " << human_duration(outcome.end_s) << " (deadline "
        << human_duration(scenario.duration_s) << ")\n";
  }
  if (outcome.production_untouched) {
    out << "  production untouched by the test: " << (*outcome.production_untouched ? "yes" : "NO")
        << "\n";
  }
  const Summary& s = outcome.summary;
  out << "  objectives " << (s.objectives_met ? "met" : "MISSED") << "; " << s.recovered
      << " recovered, " << s.failed << " failed, " << s.lost << " lost, " << s.unaffected
      << " unaffected; worst RTO " << human_duration(s.rto_s) << ", worst RPO "
      << human_duration(s.rpo_s) << "\n";
  return out.str();
}

}  // namespace firedrill::app
