// From run folders to the calibration file (calibrate.hpp): the checks across runs, the
// three fits, and the file's JSON.
#include "real/calibrate/calibrate.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "real/calibrate/calibration.hpp"

namespace firedrill::calibrate {

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

Diagnostic error_in(const std::string& file, const std::string& path, std::string message) {
  return {Diagnostic::Severity::error, file, path, std::move(message)};
}

std::string report_of(const std::string& dir) {
  return (fs::path(dir) / "report.json").string();
}

// Every folder once (the same folder twice would count its boots twice), all of one plan.
Result<std::vector<RunEvidence>> read_runs(const std::vector<std::string>& dirs) {
  if (dirs.empty()) return error_in("", "", "no run folder given");
  std::vector<RunEvidence> runs;
  std::map<std::string, std::string> seen;  // canonical path -> as given
  for (const std::string& dir : dirs) {
    Result<RunEvidence> run = read_run(dir);
    if (!run.ok()) return run.errors();
    std::error_code error;
    const std::string canonical = fs::weakly_canonical(dir, error).string();
    if (const auto [at, fresh] = seen.emplace(canonical, dir); !fresh) {
      return error_in(dir, "",
                      "is the same run folder as " + at->second + " (each run counts once)");
    }
    if (!runs.empty() && run.value().plan != runs.front().plan) {
      return error_in(report_of(dir), "plan",
                      "a run of plan '" + run.value().plan + "', but " + runs.front().dir +
                          " is a run of plan '" + runs.front().plan +
                          "': a calibration is for one plan");
    }
    runs.push_back(std::move(run.value()));
  }
  return runs;
}

json runs_json(const std::vector<RunEvidence>& runs) {
  json list = json::array();
  for (const RunEvidence& run : runs) {
    list.push_back({{"dir", run.dir},
                    {"scenario", run.scenario},
                    {"seed", run.seed},
                    {"report_sha256", run.report_sha256}});
  }
  return list;
}

}  // namespace

std::string calibration_text(const std::vector<RunEvidence>& runs, const Fits& fits) {
  nlohmann::json set = nlohmann::json::object();  // std::map underneath: sorted by PATH
  json fitted = json::array();
  for (const Fitted& fit : fits.fitted) {
    set[fit.path] = fit.value;
    fitted.push_back(fit.fit);
  }
  json not_fitted = json::array();
  for (const NotFitted& entry : fits.not_fitted) {
    not_fitted.push_back({{"path", entry.path}, {"reason", entry.reason}});
  }
  json file = {{"format", kCalibrationFormat},
               {"plan", runs.empty() ? std::string() : runs.front().plan},
               {"runs", runs_json(runs)},
               {"set", set},
               {"fits", fitted},
               {"not_fitted", not_fitted},
               {"notes", fits.notes}};
  return file.dump(2) + "\n";
}

Result<Calibration> calibrate_runs(const std::vector<std::string>& dirs) {
  Result<std::vector<RunEvidence>> runs = read_runs(dirs);
  if (!runs.ok()) return runs.errors();
  Calibration calibration;
  calibration.plan = runs.value().front().plan;
  Fits& fits = calibration.fits;
  fit_boot_times(runs.value(), fits);
  fit_link_bandwidths(runs.value(), fits);
  fit_change_rates(runs.value(), fits);
  const auto by_path = [](const auto& a, const auto& b) { return a.path < b.path; };
  std::stable_sort(fits.fitted.begin(), fits.fitted.end(), by_path);
  std::stable_sort(fits.not_fitted.begin(), fits.not_fitted.end(), by_path);
  if (fits.fitted.empty()) {
    std::string named = dirs.front();
    for (std::size_t i = 1; i < dirs.size(); ++i) named += ", " + dirs[i];
    return error_in(named, "",
                    "nothing to fit: no boot reached ready and no completed transfer crossed a "
                    "plan link");
  }
  calibration.text = calibration_text(runs.value(), fits);
  return calibration;
}

}  // namespace firedrill::calibrate
