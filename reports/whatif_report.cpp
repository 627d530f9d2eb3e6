// whatif.json and whatif.csv, and writing the what-if outputs to disk (one atomic writer
// for every output: reports/report_files.cpp).
#include "reports/whatif_report.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>

#include "reports/report.hpp"

namespace firedrill::whatif {

namespace {

// Times are reported to the millisecond, probabilities and shares to 1e-6: enough for
// any reading, and short, stable numbers in the files.
double round_to(double value, double unit) {
  return std::round(value / unit) * unit;
}

Json seconds_json(const std::optional<double>& value) {
  return value ? Json(round_to(*value, 1e-3)) : Json(nullptr);
}

Json fraction_json(const std::optional<double>& value) {
  return value ? Json(round_to(*value, 1e-6)) : Json(nullptr);
}

Json distribution_json(const std::optional<Distribution>& d) {
  if (!d) return nullptr;
  return Json{{"n", d->n},
              {"min", round_to(d->min, 1e-3)},
              {"mean", round_to(d->mean, 1e-3)},
              {"p50", round_to(d->p50, 1e-3)},
              {"p95", round_to(d->p95, 1e-3)},
              {"p99", round_to(d->p99, 1e-3)},
              {"max", round_to(d->max, 1e-3)}};
}

Json vm_json(const VmStats& vm) {
  Json steps = Json::array();
  for (const StepShare& share : vm.p95_drivers) {
    steps.push_back({{"step", share.step},
                     {"vm", share.vm},
                     {"label", share.label},
                     {"share", round_to(share.share, 1e-6)},
                     {"mean_seconds", round_to(share.mean_s, 1e-3)}});
  }
  return Json{
      {"name", vm.name},
      {"objectives",
       {{"rto", seconds_json(vm.objective_rto_s)}, {"rpo", seconds_json(vm.objective_rpo_s)}}},
      {"counts",
       {{"recovered", vm.recovered},
        {"failed", vm.failed},
        {"lost", vm.lost},
        {"unaffected", vm.unaffected}}},
      {"rto", distribution_json(vm.rto)},
      {"rpo", distribution_json(vm.rpo)},
      {"p_rto_met", fraction_json(vm.p_rto_met)},
      {"p_rpo_met", fraction_json(vm.p_rpo_met)},
      {"p95_rto_drivers",
       {{"tail_runs", vm.tail_runs}, {"summary", vm.drivers_text}, {"steps", steps}}}};
}

Json combination_json(const SweepSummary& summary, const CombinationStats& combination) {
  Json values = Json::object();
  for (std::size_t i = 0; i < combination.values.size(); ++i) {
    values[summary.sweep.axes[i].path] = combination.values[i];
  }
  Json failed = Json::array();
  for (const FailedRun& run : combination.failed_runs) {
    failed.push_back({{"run", run.run}, {"seed", run.seed}, {"error", run.error}});
  }
  Json vms = Json::array();
  for (const VmStats& vm : combination.vms) vms.push_back(vm_json(vm));
  return Json{{"index", combination.index},
              {"values", values},
              {"overrides", combination.overrides},
              {"runs_completed", combination.completed},
              {"runs_failed", combination.failed_runs.size()},
              {"failed_runs", failed},
              {"plan",
               {{"rto", distribution_json(combination.rto)},
                {"rpo", distribution_json(combination.rpo)},
                {"p_all_objectives_met", fraction_json(combination.p_all_met)}}},
              {"vms", vms}};
}

std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string csv_seconds(const std::optional<double>& value) {
  return value ? number_text(round_to(*value, 1e-3)) : "";
}

std::string csv_fraction(const std::optional<double>& value) {
  return value ? number_text(round_to(*value, 1e-6)) : "";
}

void append_distribution(std::string& row, const std::optional<Distribution>& d) {
  for (auto member : {&Distribution::min, &Distribution::mean, &Distribution::p50,
                      &Distribution::p95, &Distribution::p99, &Distribution::max}) {
    row += ",";
    if (d) row += number_text(round_to((*d).*member, 1e-3));
  }
}

}  // namespace

std::string format_whatif_json(const SweepSummary& summary) {
  const Sweep& sweep = summary.sweep;
  Json inputs = Json::array();
  for (const auto& [file, sha] : sweep.inputs) inputs.push_back({{"file", file}, {"sha256", sha}});
  Json axes = Json::array();
  for (const Axis& axis : sweep.axes)
    axes.push_back({{"path", axis.path}, {"values", axis.values}});
  Json combinations = Json::array();
  for (const CombinationStats& combination : summary.combinations) {
    combinations.push_back(combination_json(summary, combination));
  }
  const std::size_t missing = summary.planned - summary.completed - summary.failed;
  Json json{
      {"tool", {{"name", "firedrill"}, {"version", sweep.tool_version}}},
      {"kind", "whatif"},
      {"scenario", sweep.scenario},
      {"plan", sweep.plan},
      {"inputs", inputs},
      {"seed", sweep.seed},
      {"runs", sweep.runs},
      {"seeds", sweep.independent_seeds ? "independent per combination"
                                        : "common: run r uses the same seed in every combination"},
      {"set", sweep.sets},
      // --calibration FILE (its SHA-256 is among the inputs), or null.
      {"calibration", sweep.calibration.empty() ? Json(nullptr) : Json(sweep.calibration)},
      {"vary", axes},
      {"partial", summary.partial},
      {"runs_planned", summary.planned},
      {"runs_completed", summary.completed},
      {"runs_failed", summary.failed},
      {"runs_missing", missing},
      {"combinations", combinations}};
  return json.dump(2) + "\n";
}

std::string format_whatif_csv(const SweepSummary& summary) {
  std::string text = "combination";
  for (const Axis& axis : summary.sweep.axes) text += "," + csv_field(axis.path);
  text += ",scope,vm,runs,recovered,failed,lost,unaffected";
  for (const char* what : {"rto", "rpo"}) {
    for (const char* stat : {"min", "mean", "p50", "p95", "p99", "max"}) {
      text += std::string(",") + what + "_" + stat;
    }
  }
  text += ",objective_rto,objective_rpo,p_rto_met,p_rpo_met,p_all_met,p95_rto_drivers\n";
  for (const CombinationStats& combination : summary.combinations) {
    std::string prefix = std::to_string(combination.index);
    for (const std::string& value : combination.values) prefix += "," + csv_field(value);
    std::string row = prefix + ",plan,," + std::to_string(combination.completed) + ",,,,";
    append_distribution(row, combination.rto);
    append_distribution(row, combination.rpo);
    row += ",,,,," + csv_fraction(combination.p_all_met) + ",\n";
    text += row;
    for (const VmStats& vm : combination.vms) {
      row = prefix + ",vm," + csv_field(vm.name) + "," + std::to_string(combination.completed);
      for (int count : {vm.recovered, vm.failed, vm.lost, vm.unaffected}) {
        row += "," + std::to_string(count);
      }
      append_distribution(row, vm.rto);
      append_distribution(row, vm.rpo);
      row += "," + csv_seconds(vm.objective_rto_s) + "," + csv_seconds(vm.objective_rpo_s) + "," +
             csv_fraction(vm.p_rto_met) + "," + csv_fraction(vm.p_rpo_met) + ",," +
             csv_field(vm.drivers_text) + "\n";
      text += row;
    }
  }
  return text;
}

std::optional<std::string> write_whatif_reports(const std::string& directory,
                                                const SweepSummary& summary) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(directory, error);
  if (error) return "cannot create directory " + directory + ": " + error.message();
  const std::pair<const char*, std::string> files[] = {
      {"whatif.json", format_whatif_json(summary)},
      {"whatif.csv", format_whatif_csv(summary)},
      {"whatif.html", format_whatif_html(summary)},
  };
  for (const auto& [name, content] : files) {
    const std::string problem =
        reports::write_file_atomically((fs::path(directory) / name).string(), content);
    if (!problem.empty()) return problem;
  }
  return std::nullopt;
}

}  // namespace firedrill::whatif
