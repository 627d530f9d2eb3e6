// What `firedrill history` prints: a text table, JSON, CSV (one row per VM per run) and
// the trend report (achieved RTO and RPO per VM over time against the objectives, the
// dates of test failovers), all read from the rows and the report.json each row keeps.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "reports/chart.hpp"
#include "reports/history.hpp"
#include "reports/history_prediction.hpp"
#include "reports/html_parts.hpp"
#include "reports/svg.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

using Json = nlohmann::ordered_json;

struct VmPoint {
  std::string name, outcome, mechanism;
  std::optional<double> rto_s, rpo_s, objective_rto_s, objective_rpo_s;
  std::optional<bool> rto_met, rpo_met;
};

std::optional<double> number_at(const Json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_number()) return std::nullopt;
  return found->get<double>();
}

std::optional<bool> bool_at(const Json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_boolean()) return std::nullopt;
  return found->get<bool>();
}

std::string string_at(const Json& object, const char* key) {
  const auto found = object.find(key);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

Json parse_report(const HistoryRun& run) {
  Json report = Json::parse(run.report_json, nullptr, false);
  return report.is_object() ? report : Json::object();
}

std::vector<VmPoint> vms_of(const Json& report) {
  std::vector<VmPoint> vms;
  const auto list = report.find("vms");
  if (list == report.end() || !list->is_array()) return vms;
  for (const Json& vm : *list) {
    if (!vm.is_object()) continue;
    VmPoint point;
    point.name = string_at(vm, "name");
    point.outcome = string_at(vm, "outcome");
    point.mechanism = string_at(vm, "mechanism");
    point.rto_s = number_at(vm, "rto");
    point.rpo_s = number_at(vm, "rpo");
    if (const auto objectives = vm.find("objectives");
        objectives != vm.end() && objectives->is_object()) {
      point.objective_rto_s = number_at(*objectives, "rto");
      point.objective_rpo_s = number_at(*objectives, "rpo");
    }
    point.rto_met = bool_at(vm, "rto_met");
    point.rpo_met = bool_at(vm, "rpo_met");
    vms.push_back(point);
  }
  return vms;
}

const std::string& date_of(const HistoryRun& run) {
  return run.started_utc.empty() ? run.recorded_utc : run.started_utc;
}

std::optional<double> epoch_of(const std::string& iso) {
  std::tm parts{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &year, &month, &day, &hour, &minute, &second) !=
      6) {
    return std::nullopt;
  }
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  return static_cast<double>(timegm(&parts));
}

std::string optional_duration(const std::optional<double>& seconds) {
  return seconds ? human_duration(*seconds) : std::string("-");
}

Json optional_json(const std::optional<double>& value) {
  return value ? Json(*value) : Json();
}
Json optional_json(const std::optional<bool>& value) {
  return value ? Json(*value) : Json();
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_number(const std::optional<double>& value) {
  return value ? plain_number(*value) : std::string();
}

std::string csv_bool(const std::optional<bool>& value) {
  return value ? (*value ? "true" : "false") : std::string();
}

}  // namespace

std::string history_text(const std::vector<HistoryRun>& runs) {
  const std::vector<std::string> header = {
      "id",      "date (UTC)",          "scenario",  "plan",     "kind", "backend", "seed",
      "verdict", "rec/fail/lost/unaff", "worst RTO", "worst RPO"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const HistoryRun& run : runs) {
    rows.push_back({std::to_string(run.id), date_of(run), run.scenario, run.plan, run.kind,
                    run.backend, std::to_string(run.seed), run.exit_status == 0 ? "PASS" : "FAIL",
                    std::to_string(run.recovered) + "/" + std::to_string(run.failed) + "/" +
                        std::to_string(run.lost) + "/" + std::to_string(run.unaffected),
                    optional_duration(run.rto_s), optional_duration(run.rpo_s)});
  }
  std::vector<std::size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  if (runs.empty()) out += "(no runs recorded)\n";
  return out;
}

std::string history_json(const std::vector<HistoryRun>& runs) {
  Json list = Json::array();
  for (const HistoryRun& run : runs) {
    Json vms = Json::array();
    for (const VmPoint& vm : vms_of(parse_report(run))) {
      vms.push_back({{"name", vm.name},
                     {"outcome", vm.outcome},
                     {"mechanism", vm.mechanism},
                     {"rto", optional_json(vm.rto_s)},
                     {"rpo", optional_json(vm.rpo_s)},
                     {"objectives",
                      {{"rto", optional_json(vm.objective_rto_s)},
                       {"rpo", optional_json(vm.objective_rpo_s)}}},
                     {"rto_met", optional_json(vm.rto_met)},
                     {"rpo_met", optional_json(vm.rpo_met)}});
    }
    list.push_back({{"id", run.id},
                    {"recorded_utc", run.recorded_utc},
                    {"started_utc", run.started_utc},
                    {"ended_utc", run.ended_utc},
                    {"scenario", run.scenario},
                    {"plan", run.plan},
                    {"kind", run.kind},
                    {"backend", run.backend},
                    {"seed", run.seed},
                    {"input_sha256", run.input_sha256},
                    {"objectives_met", run.objectives_met},
                    {"exit_status", run.exit_status},
                    {"recovered", run.recovered},
                    {"failed", run.failed},
                    {"lost", run.lost},
                    {"unaffected", run.unaffected},
                    {"rto", optional_json(run.rto_s)},
                    {"rpo", optional_json(run.rpo_s)},
                    {"vms", std::move(vms)},
                    {"previous_sha256", run.previous_sha256},
                    {"row_sha256", run.row_sha256}});
  }
  return list.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string history_csv(const std::vector<HistoryRun>& runs) {
  std::string out =
      "run_id,date_utc,scenario,plan,kind,backend,seed,run_verdict,vm,outcome,mechanism,rto_s,"
      "rpo_s,rto_objective_s,rpo_objective_s,rto_met,rpo_met\n";
  for (const HistoryRun& run : runs) {
    const std::string prefix =
        std::to_string(run.id) + "," + csv_field(date_of(run)) + "," + csv_field(run.scenario) +
        "," + csv_field(run.plan) + "," + csv_field(run.kind) + "," + csv_field(run.backend) + "," +
        std::to_string(run.seed) + "," + (run.exit_status == 0 ? "PASS" : "FAIL") + ",";
    const std::vector<VmPoint> vms = vms_of(parse_report(run));
    if (vms.empty()) out += prefix + ",,,,,,,,\n";
    for (const VmPoint& vm : vms) {
      out += prefix + csv_field(vm.name) + "," + csv_field(vm.outcome) + "," +
             csv_field(vm.mechanism) + "," + csv_number(vm.rto_s) + "," + csv_number(vm.rpo_s) +
             "," + csv_number(vm.objective_rto_s) + "," + csv_number(vm.objective_rpo_s) + "," +
             csv_bool(vm.rto_met) + "," + csv_bool(vm.rpo_met) + "\n";
    }
  }
  return out;
}

namespace {

// One chart: a measure (RTO or RPO) of one VM over the runs, against its objective.
struct TrendPoint {
  double when_s;                  // epoch seconds
  std::string date;               // as recorded
  std::optional<double> value_s;  // achieved; empty when the VM was hit but not recovered
  std::optional<double> objective_s;
  bool met = true;
  bool test = false;
  std::string scenario;
};

// The time domain: the runs, widened to a day when they fall within an hour, with a
// margin so that the first and last marks clear the edges.
std::pair<double, double> time_domain(const std::vector<TrendPoint>& points, double& pad_s) {
  double lo = points.front().when_s, hi = points.front().when_s;
  for (const TrendPoint& p : points) {
    lo = std::min(lo, p.when_s);
    hi = std::max(hi, p.when_s);
  }
  if (hi - lo < 3600) {
    lo -= 43200;
    hi += 43200;
  }
  pad_s = (hi - lo) * 0.04;
  return {lo - pad_s, hi + pad_s};
}

// Five evenly spaced dates inside the margins, with the time when the span is under two days.
std::vector<Chart::Label> date_labels(double lo_s, double hi_s, double pad_s) {
  const bool short_span = hi_s - lo_s < 2 * 86400;
  std::vector<Chart::Label> labels;
  for (int i = 0; i <= 4; ++i) {
    const double t = lo_s + pad_s + (hi_s - lo_s - 2 * pad_s) * i / 4.0;
    const std::time_t seconds = static_cast<std::time_t>(std::llround(t));
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char label[32];
    std::strftime(label, sizeof label, short_span ? "%m-%d %H:%M" : "%Y-%m-%d", &parts);
    labels.push_back({t, label, {}});
  }
  return labels;
}

std::string trend_tooltip(const TrendPoint& p, const char* measure) {
  return p.date + " " + p.scenario + ": " + measure + " " +
         (p.value_s ? duration_with_seconds(*p.value_s) : std::string("none (not recovered)")) +
         (p.objective_s ? ", objective " + duration_with_seconds(*p.objective_s) : "") +
         (p.met ? " \u2714 met" : " \u2718 missed");
}

std::string trend_chart(const std::string& vm, const char* measure,
                        const std::vector<TrendPoint>& points) {
  Chart chart(520, 230, {62, 24, 28, 40},
              std::string(measure) + " of " + vm + " over time against its objective");
  double pad_s = 0;
  const auto [t_lo, t_hi] = time_domain(points, pad_s);
  double y_hi = 0;
  for (const TrendPoint& p : points)
    y_hi = std::max({y_hi, p.value_s.value_or(0), p.objective_s.value_or(0)});
  if (y_hi <= 0) y_hi = 60;
  // The y axis ends on a tick.
  const double y_step = nice_step(y_hi * 1.1, 5, Units::seconds);
  chart.set_x(t_lo, t_hi);
  chart.set_y(0, std::ceil(y_hi * 1.1 / y_step) * y_step);
  chart.title(std::string(measure) + " achieved");
  chart.y_axis(Units::seconds, 5, "");
  chart.x_axis(date_labels(t_lo, t_hi, pad_s));
  for (const TrendPoint& p : points) {
    if (p.test) chart.x_rule(p.when_s, "trend-test", "test failover " + p.date);
  }
  // Objective: a step line through each run's objective, named at its last level.
  std::vector<StepPoint> objective;
  for (const TrendPoint& p : points) objective.push_back({p.when_s, p.objective_s});
  chart.steps(objective, "trend-objective", std::string(measure) + " objective");
  for (auto p = points.rbegin(); p != points.rend(); ++p) {
    if (!p->objective_s) continue;
    chart.svg().text(chart.plot_right(), chart.y(*p->objective_s) - 4, "objective",
                     "objective-label", "end");
    break;
  }
  // Achieved values: a line through them, a circle when met, a cross when missed (at the
  // top when there is no value: the VM was not recovered).
  std::vector<Point> achieved;
  for (const TrendPoint& p : points) {
    if (p.value_s) achieved.push_back({p.when_s, *p.value_s});
  }
  chart.line(achieved, "trend-line");
  for (const TrendPoint& p : points) {
    const double x = chart.x(p.when_s);
    const double y = p.value_s ? chart.y(*p.value_s) : chart.plot_top() + 4;
    if (p.met) {
      chart.svg().circle(x, y, 4, "trend-pass", trend_tooltip(p, measure));
    } else {
      chart.svg().cross(x, y, 5, "trend-fail", trend_tooltip(p, measure));
    }
  }
  return chart.str();
}

// Per VM, in first-seen order: its RTO and RPO charts.
void write_vm_charts(std::ostringstream& html, const std::vector<HistoryRun>& runs,
                     const std::vector<Json>& reports) {
  std::vector<std::string> vm_order;
  std::map<std::string, std::pair<std::vector<TrendPoint>, std::vector<TrendPoint>>> series;
  for (std::size_t index = 0; index < runs.size(); ++index) {
    const HistoryRun& run = runs[index];
    const double when = epoch_of(date_of(run)).value_or(static_cast<double>(index) * 86400.0);
    for (const VmPoint& vm : vms_of(reports[index])) {
      if (vm.outcome == "unaffected" || vm.outcome.empty()) continue;
      if (series.find(vm.name) == series.end()) vm_order.push_back(vm.name);
      auto& [rto, rpo] = series[vm.name];
      const bool test = run.kind == "test";
      rto.push_back({when, date_of(run), vm.rto_s, vm.objective_rto_s,
                     vm.rto_s.has_value() && vm.rto_met.value_or(true), test, run.scenario});
      rpo.push_back({when, date_of(run), vm.rpo_s, vm.objective_rpo_s,
                     vm.rpo_s.has_value() && vm.rpo_met.value_or(true), test, run.scenario});
    }
  }
  html << "<h2>Achieved RTO and RPO per VM</h2>\n<p class=\"note\">Each mark is one run: a "
          "circle when the objective was met, a cross when it was missed (a cross at the top: "
          "the VM was not recovered). Dashed: the objective in force at that run. Dotted "
          "verticals: test failovers.</p>\n";
  if (vm_order.empty()) html << "<p class=\"na\">No VM was hit by an incident in these runs.</p>\n";
  for (const std::string& vm : vm_order) {
    const auto& [rto, rpo] = series[vm];
    html << "<h3>" << xml_escape(vm) << "</h3>\n<div class=\"charts\"><figure>"
         << trend_chart(vm, "RTO", rto) << "</figure><figure>" << trend_chart(vm, "RPO", rpo)
         << "</figure></div>\n";
  }
}

void write_test_failovers(std::ostringstream& html, const std::vector<HistoryRun>& runs,
                          const std::vector<Json>& reports, int tests) {
  html << "<h2>Test failovers</h2>\n";
  if (tests == 0) {
    html << "<p class=\"fail\">\u2718 No test failover recorded in this history.</p>\n";
  } else {
    html << "<table id=\"test-failovers\"><thead><tr><th>Date (UTC)</th><th>Scenario</th>"
            "<th>Verdict</th><th>Worst RTO</th><th>Worst RPO</th><th>Production untouched</th>"
            "</tr></thead><tbody>\n";
    for (std::size_t index = 0; index < runs.size(); ++index) {
      const HistoryRun& run = runs[index];
      if (run.kind != "test") continue;
      const std::optional<bool> untouched = bool_at(reports[index], "production_untouched");
      html << "<tr><td>" << xml_escape(date_of(run)) << "</td><td>" << xml_escape(run.scenario)
           << "</td><td class=\""
           << (run.exit_status == 0 ? "pass\">\u2714 PASS" : "fail\">\u2718 FAIL")
           << "</td><td class=\"num\">" << xml_escape(optional_duration(run.rto_s))
           << "</td><td class=\"num\">" << xml_escape(optional_duration(run.rpo_s)) << "</td><td>"
           << (untouched ? (*untouched ? "\u2714 yes" : "\u2718 NO") : "\u2013") << "</td></tr>\n";
    }
    html << "</tbody></table>\n";
  }
}

void write_runs(std::ostringstream& html, const std::vector<HistoryRun>& runs) {
  html << "<h2>All runs</h2>\n<table id=\"runs\"><thead><tr><th>#</th><th>Date (UTC)</th>"
          "<th>Scenario</th><th>Plan</th><th>Kind</th><th>Backend</th><th>Seed</th><th>Verdict"
          "</th><th>Recovered / failed / lost / unaffected</th><th>Worst RTO</th><th>Worst RPO"
          "</th><th>Row SHA-256</th></tr></thead><tbody>\n";
  for (const HistoryRun& run : runs) {
    html << "<tr><td>" << run.id << "</td><td>" << xml_escape(date_of(run)) << "</td><td>"
         << xml_escape(run.scenario) << "</td><td>" << xml_escape(run.plan) << "</td><td>"
         << xml_escape(run.kind) << "</td><td>" << xml_escape(run.backend) << "</td><td>"
         << run.seed << "</td><td class=\""
         << (run.exit_status == 0 ? "pass\">\u2714 PASS" : "fail\">\u2718 FAIL") << "</td><td>"
         << run.recovered << " / " << run.failed << " / " << run.lost << " / " << run.unaffected
         << "</td><td class=\"num\">" << xml_escape(optional_duration(run.rto_s))
         << "</td><td class=\"num\">" << xml_escape(optional_duration(run.rpo_s))
         << "</td><td class=\"mono\" title=\"" << xml_escape(run.row_sha256) << "\">"
         << xml_escape(run.row_sha256.substr(0, 12)) << "\u2026</td></tr>\n";
  }
}

}  // namespace

std::string history_trend_html(const std::vector<HistoryRun>& runs, const std::string& title) {
  std::ostringstream html;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
       << "<title>" << xml_escape(title) << " \u2014 firedrill trend</title>\n<style>"
       << chart_css() << report_css() << "</style>\n</head>\n<body>\n"
       << "<h1>DR drill trend: " << xml_escape(title) << "</h1>\n";
  if (runs.empty()) {
    html << "<p class=\"verdict fail\">No runs recorded.</p>\n</body>\n</html>\n";
    return html.str();
  }
  int passed = 0, tests = 0;
  for (const HistoryRun& run : runs) {
    passed += run.exit_status == 0;
    tests += run.kind == "test";
  }
  const HistoryRun& last = runs.back();
  html << "<p class=\"sub\">" << runs.size() << " run(s) from " << xml_escape(date_of(runs.front()))
       << " to " << xml_escape(date_of(last)) << "; " << tests << " test failover(s).</p>\n"
       << "<p class=\"verdict " << (last.exit_status == 0 ? "pass" : "fail") << "\"><strong>"
       << (last.exit_status == 0 ? "\u2714 Last run PASSED" : "\u2718 Last run FAILED")
       << "</strong> (" << xml_escape(date_of(last)) << ", " << xml_escape(last.scenario) << "). "
       << passed << " of " << runs.size() << " runs met every objective.</p>\n";

  std::vector<Json> reports;
  for (const HistoryRun& run : runs) reports.push_back(parse_report(run));
  write_vm_charts(html, runs, reports);
  write_prediction_trend(html, runs);
  write_test_failovers(html, runs, reports, tests);
  write_runs(html, runs);
  html << "</tbody></table>\n<p class=\"note\">Generated by firedrill " << FIREDRILL_VERSION
       << " from the run history. Each row carries the SHA-256 of the row before it; "
          "<code>firedrill history --verify</code> checks the chain.</p>\n</body>\n</html>\n";
  return html.str();
}

}  // namespace firedrill::reports
