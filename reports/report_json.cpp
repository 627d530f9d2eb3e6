// report.json: the SPEC section 4 core in the SPEC's key order, then every other field
// of Outcome. Absent values are null, numbers are seconds, and nothing depends on the
// clock, so the same scenario and Outcome always give the same bytes.
#include <map>

#include <cmath>
#include <nlohmann/json.hpp>

#include "reports/report.hpp"
#include "reports/report_transfers.hpp"

namespace firedrill::reports {

namespace {

using Json = nlohmann::ordered_json;

Json optional_number(const std::optional<double>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json optional_bool(const std::optional<bool>& value) {
  return value ? Json(*value) : Json(nullptr);
}

Json optional_text(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

Json incidents_json(const std::vector<IncidentRecord>& incidents) {
  Json list = Json::array();
  for (const IncidentRecord& incident : incidents) {
    list.push_back({{"at", incident.at_s},
                    {"cause", incident.cause},
                    {"recovered_at", optional_number(incident.recovered_at_s)}});
  }
  return list;
}

Json critical_path_json(const std::vector<CriticalStep>& steps) {
  Json list = Json::array();
  for (const CriticalStep& step : steps) {
    list.push_back(
        {{"step", step.step}, {"vm", optional_text(step.vm)}, {"seconds", step.seconds}});
  }
  return list;
}

Json failback_json(const std::optional<FailbackResult>& failback) {
  if (!failback) return nullptr;
  return {{"rto", optional_number(failback->rto_s)},
          {"rpo", optional_number(failback->rpo_s)},
          {"start", failback->start_s},
          {"end", optional_number(failback->end_s)},
          {"outcome", to_string(failback->outcome)},
          {"reason", optional_text(failback->reason)},
          {"rpo_from_data", optional_number(failback->rpo_from_data_s)}};
}

// A real VM's readiness ladder (SPEC 7), rung by rung; `at` is run time like every time here.
Json readiness_json(const std::vector<ReadinessStep>& ladder) {
  Json list = Json::array();
  for (const ReadinessStep& rung : ladder) {
    list.push_back({{"step", rung.step},
                    {"at", rung.at_s},
                    {"passed", rung.passed},
                    {"attempts", rung.attempts},
                    {"detail", optional_text(rung.detail)}});
  }
  return list;
}

Json vm_json(const VmResult& vm) {
  Json json;
  json["name"] = vm.name;
  json["outcome"] = to_string(vm.outcome);
  json["mechanism"] = to_string(vm.mechanism);
  json["recovered_on"] = optional_text(vm.recovered_on);
  json["rto"] = optional_number(vm.rto_s);
  json["rpo"] = optional_number(vm.rpo_s);
  json["recovery_point"] = optional_number(vm.recovery_point_s);
  json["objectives"] = {{"rto", optional_number(vm.objective_rto_s)},
                        {"rpo", optional_number(vm.objective_rpo_s)}};
  json["rto_met"] = optional_bool(vm.rto_met);
  json["rpo_met"] = optional_bool(vm.rpo_met);
  // Extras beyond the SPEC core.
  json["reason"] = optional_text(vm.reason);
  json["instance"] = optional_text(vm.instance);
  json["network"] = optional_text(vm.network);
  json["ip"] = optional_text(vm.ip);
  json["incident"] = optional_number(vm.incident_s);
  json["ready"] = optional_number(vm.ready_s);
  json["incidents"] = incidents_json(vm.incidents);
  json["critical_path"] = critical_path_json(vm.critical_path);
  json["failback"] = failback_json(vm.failback);
  json["rpo_from_data"] = optional_number(vm.rpo_from_data_s);
  // Real runs only: a simulated VM has no ladder, and its report keeps the bytes it had.
  if (!vm.readiness.empty()) json["readiness"] = readiness_json(vm.readiness);
  // Real runs: RPO from recovery-point metadata and from the restored data should agree;
  // more than a second apart is worth a look (clock skew, a record format problem...).
  if (vm.rpo_from_data_s && vm.rpo_s) {
    json["rpo_sources_disagree"] = std::abs(*vm.rpo_from_data_s - *vm.rpo_s) > 1.0;
  }
  return json;
}

Json summary_json(const Summary& summary) {
  return {{"rto", optional_number(summary.rto_s)},
          {"rpo", optional_number(summary.rpo_s)},
          {"objectives_met", summary.objectives_met},
          {"recovered", summary.recovered},
          {"failed", summary.failed},
          {"lost", summary.lost},
          {"unaffected", summary.unaffected},
          {"transfers_completed", summary.transfers_completed},
          {"transfers_lost", summary.transfers_lost},
          {"ticks_skipped", summary.ticks_skipped}};
}

Json timeline_json(const std::vector<TimelineStep>& timeline) {
  Json list = Json::array();
  for (const TimelineStep& step : timeline) {
    list.push_back({{"vm", optional_text(step.vm)},
                    {"step", step.step},
                    {"host", optional_text(step.host)},
                    {"start", step.start_s},
                    {"end", step.end_s},
                    {"detail", optional_text(step.detail)}});
  }
  return list;
}

Json difference(const std::optional<double>& measured, const std::optional<double>& predicted) {
  if (!measured || !predicted) return nullptr;
  return *measured - *predicted;
}

// Measured (this run) against predicted (the simulator), VM by VM in plan order.
Json prediction_json(const Outcome& measured, const Outcome& predicted) {
  std::map<std::string, const VmResult*> predicted_vms;
  for (const VmResult& vm : predicted.vms) predicted_vms[vm.name] = &vm;
  Json vms = Json::array();
  for (const VmResult& vm : measured.vms) {
    const auto found = predicted_vms.find(vm.name);
    const VmResult* guess = found == predicted_vms.end() ? nullptr : found->second;
    Json row;
    row["name"] = vm.name;
    row["outcome"] = guess ? Json(to_string(guess->outcome)) : Json(nullptr);
    row["rto"] = guess ? optional_number(guess->rto_s) : Json(nullptr);
    row["rpo"] = guess ? optional_number(guess->rpo_s) : Json(nullptr);
    row["recovery_point"] = guess ? optional_number(guess->recovery_point_s) : Json(nullptr);
    row["measured_rto"] = optional_number(vm.rto_s);
    row["measured_rpo"] = optional_number(vm.rpo_s);
    row["rto_difference"] = guess ? difference(vm.rto_s, guess->rto_s) : Json(nullptr);
    row["rpo_difference"] = guess ? difference(vm.rpo_s, guess->rpo_s) : Json(nullptr);
    vms.push_back(std::move(row));
  }
  return {{"backend", "sim"},
          {"incident_time", optional_number(predicted.incident_time_s)},
          {"summary", summary_json(predicted.summary)},
          {"vms", std::move(vms)}};
}

Json input_files_json(const Scenario& scenario) {
  Json list = Json::array();
  for (const auto& [path, sha256] : scenario.input_files) {
    list.push_back({{"path", path}, {"sha256", sha256}});
  }
  return list;
}

Json calibration_json(const std::optional<CalibrationUsed>& calibration) {
  if (!calibration) return nullptr;
  return {{"file", calibration->file},
          {"sha256", calibration->sha256},
          {"plan", calibration->plan},
          {"set", calibration->overrides}};
}

}  // namespace

std::string drill_kind(const Scenario& scenario) {
  bool test = false, planned = false, failure = false, failback = false;
  for (const Event& event : scenario.events) {
    switch (event.kind) {
      case Event::Kind::test_failover:
        test = true;
        break;
      case Event::Kind::planned_failover:
        planned = true;
        break;
      case Event::Kind::failback:
        failback = true;
        break;
      default:
        failure = true;
        break;
    }
  }
  if (test) return "test";
  if (planned) return "planned";
  if (failure) return "unplanned";
  if (failback) return "failback";
  return "none";
}

std::string render_report_json(const Scenario& scenario, const Outcome& outcome,
                               const RunContext& context) {
  Json report;
  report["tool"] = {{"name", "firedrill"}, {"version", FIREDRILL_VERSION}};
  report["scenario"] = scenario.name;
  report["plan"] = scenario.plan.name;
  report["backend"] = context.backend;
  report["seed"] = scenario.seed;
  report["input_sha256"] = optional_text(scenario.input_sha256);
  report["incident_time"] = optional_number(outcome.incident_time_s);
  Json vms = Json::array();
  for (const VmResult& vm : outcome.vms) vms.push_back(vm_json(vm));
  report["vms"] = std::move(vms);
  report["summary"] = summary_json(outcome.summary);
  report["timeline"] = timeline_json(outcome.timeline);
  // Extras beyond the SPEC core.
  report["kind"] = drill_kind(scenario);
  report["end"] = outcome.end_s;
  // "duration" (SPEC 3.10), or "settled": run with --end-when-settled, it ended as soon as
  // nothing more could happen (engine/engine.hpp); `end` is then the settle time.
  report["ended"] = to_string(outcome.ended);
  // An operator's SIGINT/SIGTERM stopped a real run: the results are those so far.
  if (outcome.ended == RunEnd::interrupted) report["interrupted"] = true;
  report["production_untouched"] = optional_bool(outcome.production_untouched);
  report["input_files"] = input_files_json(scenario);
  // `run --calibration` (SPEC 10): which measured values this run (and, for a real run,
  // its prediction) used in place of the plan's; null when none.
  report["calibration"] = calibration_json(scenario.calibration);
  add_transfer_evidence(report, outcome, context.full_evidence);
  report["prediction"] =
      context.prediction ? prediction_json(outcome, *context.prediction) : Json(nullptr);
  return report.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace firedrill::reports
