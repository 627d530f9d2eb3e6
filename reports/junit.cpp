// junit.xml: one <testcase> per VM objective (RTO, RPO) and one per VM recovery, in the
// JUnit flavour Jenkins and GitLab read. A failure says by how much an objective was
// missed; a VM no incident touched is <skipped> (nothing was tested), never a pass.
#include <sstream>

#include "reports/report.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

struct Case {
  std::string classname;
  std::string name;
  enum class Status { passed, failed, skipped } status = Status::passed;
  std::string type;     // failure type
  std::string message;  // failure or skip message
  std::string output;   // system-out for a passed case
};

// The RTO or RPO case of one VM, when it has that objective.
Case objective_case(const std::string& classname, const VmResult& vm, const char* label,
                    const std::optional<double>& achieved, const std::optional<double>& objective,
                    const std::optional<bool>& met) {
  Case c;
  c.classname = classname;
  c.name = label;
  const std::string goal = duration_with_seconds(*objective);
  if (vm.outcome == VmOutcome::unaffected) {
    c.status = Case::Status::skipped;
    c.message = std::string("not hit by any incident; ") + label + " objective " + goal +
                " was not exercised";
    return c;
  }
  if (!achieved) {
    c.status = Case::Status::failed;
    c.type = std::string(label[1] == 'T' ? "rto" : "rpo") + "_missed";
    c.message = std::string("no ") + label + ": VM " + to_string(vm.outcome) +
                (vm.reason.empty() ? std::string() : " (" + vm.reason + ")") + "; objective " +
                goal;
    return c;
  }
  const double over = *achieved - *objective;
  const bool passed = met ? *met : over <= 0.0;
  if (passed) {
    c.output = std::string(label) + " " + duration_with_seconds(*achieved) + " within objective " +
               goal + ", " + duration_with_seconds(-over) + " to spare";
  } else {
    c.status = Case::Status::failed;
    c.type = std::string(label[1] == 'T' ? "rto" : "rpo") + "_missed";
    c.message = std::string(label) + " " + duration_with_seconds(*achieved) +
                " exceeds objective " + goal + " by " + duration_with_seconds(over);
  }
  return c;
}

Case recovered_case(const std::string& classname, const VmResult& vm) {
  Case c;
  c.classname = classname;
  c.name = "recovered";
  switch (vm.outcome) {
    case VmOutcome::recovered:
      c.output = std::string("recovered by ") + to_string(vm.mechanism) +
                 (vm.recovered_on.empty() ? std::string() : " on " + vm.recovered_on);
      if (vm.ready_s) c.output += ", ready at t=" + duration_with_seconds(*vm.ready_s);
      break;
    case VmOutcome::failed:
    case VmOutcome::lost:
      c.status = Case::Status::failed;
      c.type = std::string("vm_") + to_string(vm.outcome);
      c.message = std::string("VM ") + to_string(vm.outcome) +
                  (vm.reason.empty() ? std::string() : ": " + vm.reason);
      break;
    case VmOutcome::unaffected:
      c.status = Case::Status::skipped;
      c.message = "not hit by any incident; no recovery was needed";
      break;
  }
  return c;
}

}  // namespace

std::string render_junit_xml(const Scenario& scenario, const Outcome& outcome,
                             const RunContext& context) {
  std::vector<Case> cases;
  for (const VmResult& vm : outcome.vms) {
    const std::string classname = scenario.name + "." + vm.name;
    cases.push_back(recovered_case(classname, vm));
    if (vm.objective_rto_s) {
      cases.push_back(
          objective_case(classname, vm, "RTO", vm.rto_s, vm.objective_rto_s, vm.rto_met));
    }
    if (vm.objective_rpo_s) {
      cases.push_back(
          objective_case(classname, vm, "RPO", vm.rpo_s, vm.objective_rpo_s, vm.rpo_met));
    }
  }
  int failures = 0, skipped = 0;
  for (const Case& c : cases) {
    failures += c.status == Case::Status::failed;
    skipped += c.status == Case::Status::skipped;
  }
  const std::string counts = " tests=\"" + std::to_string(cases.size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
                             std::to_string(skipped) + "\"";
  std::ostringstream xml;
  xml << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml << "<testsuites name=\"firedrill\"" << counts << ">\n";
  xml << "  <testsuite name=\"" << xml_escape(scenario.name) << "\"" << counts << ">\n";
  xml << "    <properties>\n";
  auto property = [&xml](const std::string& name, const std::string& value) {
    xml << "      <property name=\"" << xml_escape(name) << "\" value=\"" << xml_escape(value)
        << "\"/>\n";
  };
  property("tool", std::string("firedrill ") + FIREDRILL_VERSION);
  property("plan", scenario.plan.name);
  property("backend", context.backend);
  property("seed", std::to_string(scenario.seed));
  property("input_sha256", scenario.input_sha256);
  property("kind", drill_kind(scenario));
  property("incident_time",
           outcome.incident_time_s ? plain_number(*outcome.incident_time_s) : std::string());
  property("objectives_met", outcome.summary.objectives_met ? "true" : "false");
  xml << "    </properties>\n";
  for (const Case& c : cases) {
    xml << "    <testcase classname=\"" << xml_escape(c.classname) << "\" name=\""
        << xml_escape(c.name) << "\"";
    switch (c.status) {
      case Case::Status::passed:
        xml << ">\n      <system-out>" << xml_escape(c.output)
            << "</system-out>\n    </testcase>\n";
        break;
      case Case::Status::failed:
        xml << ">\n      <failure type=\"" << xml_escape(c.type) << "\" message=\""
            << xml_escape(c.message) << "\">" << xml_escape(c.message) << "</failure>\n"
            << "    </testcase>\n";
        break;
      case Case::Status::skipped:
        xml << ">\n      <skipped message=\"" << xml_escape(c.message) << "\"/>\n    </testcase>\n";
        break;
    }
  }
  xml << "  </testsuite>\n</testsuites>\n";
  return xml.str();
}

}  // namespace firedrill::reports
