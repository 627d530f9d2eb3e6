// whatif.html: one self-contained page (inline CSS and SVG, no script, no external
// resource) with the plan's RTO and RPO against each varied parameter (p50 line, p50-p95
// band), the CDF of the plan RTO per combination, the same per VM as small multiples (one
// panel per VM, at most kMaxVmCharts VMs: those with the worst p95 RTO), and the full
// table. Every number drawn is one of whatif.json's. This file holds the page and its
// table; the charts are in whatif_plan_charts.cpp and whatif_vm_panels.cpp.
#include <string>

#include "reports/chart.hpp"
#include "reports/html_parts.hpp"
#include "reports/text.hpp"
#include "reports/whatif_html_parts.hpp"
#include "reports/whatif_report.hpp"

namespace firedrill::whatif {

using reports::short_duration;
using reports::xml_escape;

namespace {

std::string optional_duration(const std::optional<double>& value) {
  return value ? short_duration(*value) : "\xE2\x80\x93";
}

std::string percent(const std::optional<double>& value) {
  return value ? reports::fixed(*value * 100, 1) + "%" : "\xE2\x80\x93";
}

std::string combination_name(const SweepSummary& summary, const CombinationStats& c) {
  if (c.values.empty()) return "scenario as written";
  std::string name;
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    if (!name.empty()) name += ", ";
    name += summary.sweep.axes[i].path + "=" + c.values[i];
  }
  return name;
}

std::string distribution_cells(const std::optional<Distribution>& d) {
  if (!d) return "<td colspan=\"4\" class=\"none\">none</td>";
  return "<td>" + short_duration(d->p50) + "</td><td>" + short_duration(d->p95) + "</td><td>" +
         short_duration(d->p99) + "</td><td>" + short_duration(d->max) + "</td>";
}

std::string table(const SweepSummary& summary) {
  std::string html =
      "<table><thead><tr><th>#</th><th>combination</th><th>VM</th><th>runs</th>"
      "<th>rec/fail/lost/unaff.</th><th>RTO p50</th><th>p95</th><th>p99</th><th>max</th>"
      "<th>RPO p50</th><th>p95</th><th>p99</th><th>max</th><th>objectives RTO/RPO</th>"
      "<th>P(RTO met)</th><th>P(RPO met)</th><th>what makes the p95 RTO</th></tr></thead><tbody>";
  for (const CombinationStats& c : summary.combinations) {
    const std::size_t rows = c.vms.size() + 1;
    html += "<tr class=\"plan\"><td rowspan=\"" + std::to_string(rows) + "\">" +
            std::to_string(c.index) + "</td><td rowspan=\"" + std::to_string(rows) + "\">" +
            xml_escape(combination_name(summary, c)) + "</td><td>plan (worst VM)</td><td>" +
            std::to_string(c.completed) +
            (c.failed_runs.empty() ? ""
                                   : " <span class=\"bad\">+" +
                                         std::to_string(c.failed_runs.size()) + " failed</span>") +
            "</td><td></td>" + distribution_cells(c.rto) + distribution_cells(c.rpo) +
            "<td></td><td colspan=\"2\">all met: " + percent(c.p_all_met) + "</td><td></td></tr>";
    for (const VmStats& vm : c.vms) {
      html += "<tr><td>" + xml_escape(vm.name) + "</td><td></td><td>" +
              std::to_string(vm.recovered) + "/" + std::to_string(vm.failed) + "/" +
              std::to_string(vm.lost) + "/" + std::to_string(vm.unaffected) + "</td>" +
              distribution_cells(vm.rto) + distribution_cells(vm.rpo) + "<td>" +
              optional_duration(vm.objective_rto_s) + " / " +
              optional_duration(vm.objective_rpo_s) + "</td><td>" + percent(vm.p_rto_met) +
              "</td><td>" + percent(vm.p_rpo_met) + "</td><td>" + xml_escape(vm.drivers_text) +
              "</td></tr>";
    }
  }
  return html + "</tbody></table>";
}

std::string failed_runs(const SweepSummary& summary) {
  std::string html;
  std::size_t listed = 0;
  for (const CombinationStats& c : summary.combinations) {
    for (const FailedRun& run : c.failed_runs) {
      if (listed++ == 50) break;
      html += "<li>combination " + std::to_string(c.index) + ", run " + std::to_string(run.run) +
              ", seed " + std::to_string(run.seed) + ": " + xml_escape(run.error) + "</li>";
    }
  }
  if (html.empty()) return "";
  return "<h2>Runs that gave no outcome</h2><p>Rerun one with <code>firedrill run SCENARIO --seed "
         "SEED"
         " --set ...</code> (the combination's overrides are in whatif.json).</p><ul>" +
         html + "</ul>";
}

// What only whatif.html needs on top of the house style (report_css()): the partial-result
// banner, numbers aligned right but for the combination and notes columns, the plan's own
// row, and the list of the sweep's facts. The charts' rules are reports::chart_css().
constexpr const char* kWhatifCss = R"css(
.banner { background: #fff3cd; border: 1px solid #e0c060; padding: 8px 12px; }
th, td { text-align: right; }
td:nth-child(2), th:nth-child(2), td:last-child { text-align: left; }
td:last-child { min-width: 16em; }
tr.plan td { background: #f4f6fa; font-weight: 600; }
.bad { color: var(--fail); }
.none { color: var(--muted); text-align: center; }
h3 { font-size: 1em; margin: 1.4em 0 .3em; }
.charts.panels { gap: 10px; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 12px; }
dt { font-weight: 600; }
)css";

}  // namespace

std::string format_whatif_html(const SweepSummary& summary) {
  const Sweep& sweep = summary.sweep;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>What-if: " +
      xml_escape(sweep.scenario) + "</title><style>" + reports::report_css() +
      reports::chart_css() + kWhatifCss + "</style></head><body>";
  html +=
      "<h1>What-if: " + xml_escape(sweep.scenario) + " (plan " + xml_escape(sweep.plan) + ")</h1>";
  if (summary.partial) {
    html += "<p class=\"banner\">Partial result: " +
            std::to_string(summary.completed + summary.failed) + " of " +
            std::to_string(summary.planned) + " runs" +
            (summary.interrupted ? " (the sweep was interrupted)" : "") + ".</p>";
  }
  html +=
      "<dl><dt>runs per combination</dt><dd>" + std::to_string(sweep.runs) +
      "</dd><dt>seed</dt><dd>" + std::to_string(sweep.seed) +
      (sweep.independent_seeds ? " (independent per combination)" : " (common random numbers)") +
      "</dd><dt>combinations</dt><dd>" + std::to_string(summary.combinations.size()) + "</dd>";
  for (const Axis& axis : sweep.axes) {
    std::string values;
    for (const std::string& value : axis.values) values += (values.empty() ? "" : ", ") + value;
    html += "<dt>varied " + xml_escape(axis.path) + "</dt><dd>" + xml_escape(values) + "</dd>";
  }
  for (const std::string& set : sweep.sets) html += "<dt>set</dt><dd>" + xml_escape(set) + "</dd>";
  if (!sweep.calibration.empty()) {
    html += "<dt>calibration</dt><dd>" + xml_escape(sweep.calibration) +
            " (measured values in place of the plan's; docs/calibrate.md)</dd>";
  }
  html +=
      "<dt>runs completed</dt><dd>" + std::to_string(summary.completed) + " of " +
      std::to_string(summary.planned) +
      (summary.failed ? ", <span class=\"bad\">" + std::to_string(summary.failed) + " failed</span>"
                      : "") +
      "</dd></dl>";
  if (!sweep.axes.empty()) {
    html +=
        "<h2>RTO and RPO against each varied parameter</h2><p class=\"note\">Line: p50 over the "
        "runs;"
        " band and bar: p50 to p95. The plan's value in a run is its worst VM's.</p>";
    for (std::size_t axis = 0; axis < sweep.axes.size(); ++axis) {
      html += "<div class=\"charts\">" + parameter_chart(summary, axis, true) +
              parameter_chart(summary, axis, false) + "</div>";
    }
  }
  html += "<h2>Distribution of the RTO</h2><div class=\"charts\">" + cdf_chart(summary) + "</div>";
  html += per_vm_section(summary);
  html += "<h2>Per combination and VM</h2>" + table(summary);
  html += failed_runs(summary);
  html +=
      "<p class=\"note\">Quantiles are nearest-rank. P(met) counts unaffected runs as met and "
      "failed"
      " or lost VMs as missed. firedrill " +
      xml_escape(sweep.tool_version) + ".</p></body></html>\n";
  return html;
}

}  // namespace firedrill::whatif
