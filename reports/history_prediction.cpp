// The trend report's "predicted against measured" section (SPEC 10): every real run keeps
// the simulator's prediction of the same scenario and seed in its report.json, and says
// which calibration it used. Per VM, one chart over the runs (measured, predicted with the
// plan's values, predicted with a calibration) and one table row per run and VM with the
// error, so that drift between the model and the world shows at a glance.
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reports/chart.hpp"
#include "reports/history.hpp"
#include "reports/history_prediction.hpp"
#include "reports/svg.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

using Json = nlohmann::ordered_json;

// One VM in one real run: what was measured and what the simulator predicted.
struct Guess {
  std::int64_t run_id = 0;
  std::string date, scenario;
  std::optional<double> measured_s, predicted_s;
  std::string calibration;  // the calibration file, or empty: the plan's own values
};

std::optional<double> number_in(const Json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return std::nullopt;
  return found->get<double>();
}

// The VMs of one run's prediction, in plan order; none for a simulated run.
std::vector<std::pair<std::string, Guess>> guesses_of(const HistoryRun& run) {
  std::vector<std::pair<std::string, Guess>> guesses;
  const Json report = Json::parse(run.report_json, nullptr, false);
  if (!report.is_object()) return guesses;
  const auto prediction = report.find("prediction");
  if (prediction == report.end() || !prediction->is_object()) return guesses;
  std::string calibration;
  if (const auto used = report.find("calibration"); used != report.end() && used->is_object()) {
    calibration = used->value("file", std::string("(unnamed)"));
  }
  const auto vms = prediction->find("vms");
  if (vms == prediction->end() || !vms->is_array()) return guesses;
  for (const Json& vm : *vms) {
    if (!vm.is_object() || !vm.contains("name") || !vm["name"].is_string()) continue;
    Guess guess{run.id,
                run.started_utc.empty() ? run.recorded_utc : run.started_utc,
                run.scenario,
                number_in(vm, "measured_rto"),
                number_in(vm, "rto"),
                calibration};
    if (!guess.measured_s && !guess.predicted_s) continue;  // not hit in this run
    guesses.emplace_back(vm["name"].get<std::string>(), std::move(guess));
  }
  return guesses;
}

// The error of a prediction as a share of the measurement; none without both.
std::optional<double> relative_error(const Guess& guess) {
  if (!guess.measured_s || !guess.predicted_s || *guess.measured_s == 0) return std::nullopt;
  return (*guess.predicted_s - *guess.measured_s) / *guess.measured_s;
}

std::string tooltip(const Guess& guess) {
  auto seconds = [](const std::optional<double>& value) {
    return value ? duration_with_seconds(*value) : std::string("none");
  };
  std::string text = "run #" + std::to_string(guess.run_id) + " " + guess.date + " " +
                     guess.scenario + ": measured " + seconds(guess.measured_s) + ", predicted " +
                     seconds(guess.predicted_s) +
                     (guess.calibration.empty() ? " (plan's values)"
                                                : " (calibrated with " + guess.calibration + ")");
  if (const auto error = relative_error(guess)) text += ", off by " + fixed(100 * *error, 1) + "%";
  return text;
}

// Runs left to right in order (one slot each, labelled by run number): drift between runs
// matters here, not the dates, and a calibration loop runs minutes apart.
std::string prediction_chart(const std::string& vm, const std::vector<Guess>& guesses) {
  Chart chart(520, 250, {62, 24, 28, 58}, "RTO of " + vm + ": measured against predicted");
  double y_hi = 0;
  for (const Guess& g : guesses) {
    y_hi = std::max({y_hi, g.measured_s.value_or(0), g.predicted_s.value_or(0)});
  }
  if (y_hi <= 0) y_hi = 60;
  const double y_step = nice_step(y_hi * 1.1, 5, Units::seconds);
  chart.set_x(-0.5, static_cast<double>(guesses.size()) - 0.5);
  chart.set_y(0, std::ceil(y_hi * 1.1 / y_step) * y_step);
  chart.title("RTO per run");
  chart.y_axis(Units::seconds, 5, "");
  std::vector<Chart::Label> labels;
  const std::size_t every = std::max<std::size_t>(1, guesses.size() / 8);
  for (std::size_t i = 0; i < guesses.size(); i += every) {
    labels.push_back(
        {static_cast<double>(i), "#" + std::to_string(guesses[i].run_id), guesses[i].date});
  }
  chart.x_axis(labels);
  chart.x_title("run");
  std::vector<Point> measured;
  for (std::size_t i = 0; i < guesses.size(); ++i) {
    if (guesses[i].measured_s) measured.push_back({static_cast<double>(i), *guesses[i].measured_s});
  }
  chart.line(measured, series_class(0));
  for (std::size_t i = 0; i < guesses.size(); ++i) {
    const Guess& g = guesses[i];
    const double x = static_cast<double>(i);
    if (g.measured_s) chart.marker(0, x, *g.measured_s, tooltip(g));
    if (g.predicted_s)
      chart.marker(g.calibration.empty() ? 1 : 2, x, *g.predicted_s, tooltip(g), 6);
  }
  chart.legend({"measured", "predicted: plan's values", "predicted: calibrated"});
  return chart.str();
}

void write_error_table(std::ostringstream& html, const std::vector<std::string>& order,
                       const std::map<std::string, std::vector<Guess>>& by_vm) {
  html << "<table id=\"prediction-errors\"><thead><tr><th>VM</th><th>Run</th><th>Date (UTC)</th>"
          "<th>Scenario</th><th>Measured RTO</th><th>Predicted RTO</th><th>Error</th>"
          "<th>Prediction from</th></tr></thead><tbody>\n";
  for (const std::string& vm : order) {
    for (const Guess& g : by_vm.at(vm)) {
      const auto error = relative_error(g);
      html << "<tr><td>" << xml_escape(vm) << "</td><td>#" << g.run_id << "</td><td>"
           << xml_escape(g.date) << "</td><td>" << xml_escape(g.scenario)
           << "</td><td class=\"num\">"
           << (g.measured_s ? xml_escape(duration_with_seconds(*g.measured_s)) : "\u2013")
           << "</td><td class=\"num\">"
           << (g.predicted_s ? xml_escape(duration_with_seconds(*g.predicted_s)) : "\u2013")
           << "</td><td class=\"num\">" << (error ? fixed(100 * *error, 1) + "%" : "\u2013")
           << "</td><td>"
           << (g.calibration.empty() ? "the plan's values"
                                     : "calibration " + xml_escape(g.calibration))
           << "</td></tr>\n";
    }
  }
  html << "</tbody></table>\n";
}

}  // namespace

void write_prediction_trend(std::ostringstream& html, const std::vector<HistoryRun>& runs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<Guess>> by_vm;
  for (const HistoryRun& run : runs) {
    for (auto& [vm, guess] : guesses_of(run)) {
      if (by_vm.find(vm) == by_vm.end()) order.push_back(vm);
      by_vm[vm].push_back(std::move(guess));
    }
  }
  html << "<h2>Predicted against measured RTO per VM</h2>\n";
  if (order.empty()) {
    html << "<p class=\"na\">No real run with a prediction in these runs (a run with "
            "<code>--backend libvirt</code> carries the simulator's prediction).</p>\n";
    return;
  }
  html << "<p class=\"note\">Each real run carries the simulator's prediction of the same "
          "scenario and seed. Circles: measured. Squares: predicted with the plan's own values. "
          "Triangles: predicted with a calibration (<code>firedrill calibrate</code>, "
          "<code>run --calibration</code>). Error: predicted minus measured, as a share of "
          "the measurement.</p>\n";
  for (const std::string& vm : order) {
    html << "<h3>" << xml_escape(vm) << "</h3>\n<div class=\"charts\"><figure>"
         << prediction_chart(vm, by_vm[vm]) << "</figure></div>\n";
  }
  write_error_table(html, order, by_vm);
}

}  // namespace firedrill::reports
