// whatif.html: one self-contained page (inline CSS and SVG, no script, no external
// resource) with the plan's RTO and RPO against each varied parameter (p50 line, p50-p95
// band), the CDF of the plan RTO per combination, and the full table.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "reports/text.hpp"
#include "reports/whatif_report.hpp"

namespace firedrill::whatif {

using reports::xml_escape;

namespace {

constexpr const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                    "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
constexpr std::size_t kMaxSeries = 8;
constexpr std::size_t kMaxCdfCurves = 8;
constexpr double kWidth = 600, kHeight = 320;
constexpr double kLeft = 70, kRight = 20, kTop = 36, kBottom = 56;

std::string fixed(double value, int decimals = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

// "45s", "7.5m", "2.25h": short labels for axes and tables.
std::string short_duration(double seconds) {
  auto trimmed = [](double value) {
    std::string text = fixed(value, 2);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
  };
  if (seconds < 120) return trimmed(seconds) + "s";
  if (seconds < 7200) return trimmed(seconds / 60) + "m";
  if (seconds < 172800) return trimmed(seconds / 3600) + "h";
  return trimmed(seconds / 86400) + "d";
}

std::string optional_duration(const std::optional<double>& value) {
  return value ? short_duration(*value) : "\xE2\x80\x93";
}

std::string percent(const std::optional<double>& value) {
  return value ? fixed(*value * 100, 1) + "%" : "\xE2\x80\x93";
}

// A round step giving about `count` ticks up to `maximum`.
double tick_step(double maximum, int count) {
  if (maximum <= 0) return 1;
  const double raw = maximum / count;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  for (double factor : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= factor * magnitude) return factor * magnitude;
  }
  return 10 * magnitude;
}

// The same for seconds, in steps a clock reads well (30s, 5m, 15m, 1h, 6h, 1d, ...).
double duration_tick_step(double maximum_s, int count) {
  const double raw = maximum_s / count;
  for (double step : {1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0,
                      3600.0, 7200.0, 10800.0, 21600.0, 43200.0, 86400.0}) {
    if (raw <= step) return step;
  }
  return tick_step(maximum_s / 86400, count) * 86400;
}

struct Frame {
  double x_min = 0, x_max = 1, y_max = 1;
  double x(double value) const {
    const double span = x_max > x_min ? x_max - x_min : 1;
    return kLeft + (value - x_min) / span * (kWidth - kLeft - kRight);
  }
  double y(double value) const {
    return kHeight - kBottom - value / y_max * (kHeight - kTop - kBottom);
  }
};

std::string svg_open(const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fixed(kWidth, 0) + "\" height=\"" +
         fixed(kHeight, 0) + "\" viewBox=\"0 0 " + fixed(kWidth, 0) + " " + fixed(kHeight, 0) +
         "\" role=\"img\"><title>" + xml_escape(title) + "</title><text x=\"" + fixed(kLeft, 0) +
         "\" y=\"20\" class=\"title\">" + xml_escape(title) + "</text>";
}

// Horizontal grid lines and y labels; `as_duration` formats them as times.
std::string y_axis(const Frame& frame, bool as_duration, const std::string& label) {
  std::string svg;
  const double step = as_duration ? duration_tick_step(frame.y_max, 5) : tick_step(frame.y_max, 5);
  for (double value = 0; value <= frame.y_max + 1e-9; value += step) {
    const std::string y = fixed(frame.y(value));
    svg += "<line x1=\"" + fixed(kLeft) + "\" x2=\"" + fixed(kWidth - kRight) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\" class=\"grid\"/>";
    svg += "<text x=\"" + fixed(kLeft - 6) + "\" y=\"" + y + "\" class=\"ylabel\">" +
           (as_duration ? short_duration(value) : fixed(value, 2)) + "</text>";
  }
  svg += "<text transform=\"translate(14," + fixed((kTop + kHeight - kBottom) / 2) +
         ") rotate(-90)\" class=\"axislabel\">" + xml_escape(label) + "</text>";
  return svg;
}

// Colour keys under the plot, wrapped onto a second row when they do not fit on one.
std::string legend(const std::vector<std::string>& names) {
  auto width_of = [](const std::string& name) {
    return 28 + 6.8 * static_cast<double>(name.size());
  };
  int rows = 1;
  double x = kLeft;
  for (const std::string& name : names) {
    if (x + width_of(name) > kWidth - kRight && x > kLeft) ++rows, x = kLeft;
    x += width_of(name);
  }
  double y = kHeight - 10 - 14 * std::min(rows - 1, 1);
  std::string svg;
  x = kLeft;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (x + width_of(names[i]) > kWidth - kRight && x > kLeft) x = kLeft, y += 14;
    if (y > kHeight) break;
    svg += "<rect x=\"" + fixed(x) + "\" y=\"" + fixed(y - 9) +
           "\" width=\"10\" height=\"10\" fill=\"" + kPalette[i % std::size(kPalette)] + "\"/>";
    svg += "<text x=\"" + fixed(x + 14) + "\" y=\"" + fixed(y) + "\" class=\"legend\">" +
           xml_escape(names[i]) + "</text>";
    x += width_of(names[i]);
  }
  return svg;
}

// The last element of a path: "replication.to-dr.interval" -> "interval".
std::string short_path(const std::string& path) {
  const auto dot = path.find_last_of('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

// Combinations grouped by the values of every axis but `axis`; each group is one series
// along `axis`, in the order of its values.
std::vector<std::pair<std::string, std::vector<const CombinationStats*>>> series_along(
    const SweepSummary& summary, std::size_t axis) {
  std::map<std::vector<std::string>, std::size_t> group_of;
  std::vector<std::pair<std::string, std::vector<const CombinationStats*>>> groups;
  for (const CombinationStats& combination : summary.combinations) {
    std::vector<std::string> others;
    std::string name;
    for (std::size_t i = 0; i < combination.values.size(); ++i) {
      if (i == axis) continue;
      others.push_back(combination.values[i]);
      if (!name.empty()) name += ", ";
      name += short_path(summary.sweep.axes[i].path) + "=" + combination.values[i];
    }
    auto [it, inserted] = group_of.emplace(others, groups.size());
    if (inserted) groups.push_back({name.empty() ? "p50 (band: p50-p95)" : name, {}});
    groups[it->second].second.push_back(&combination);
  }
  return groups;
}

// RTO or RPO of the plan against the values of one axis: p50 line, p50-p95 band.
std::string parameter_chart(const SweepSummary& summary, std::size_t axis, bool rto) {
  const Axis& parameter = summary.sweep.axes[axis];
  auto groups = series_along(summary, axis);
  const bool truncated = groups.size() > kMaxSeries;
  if (truncated) groups.resize(kMaxSeries);
  auto pick = [rto](const CombinationStats* c) -> const std::optional<Distribution>& {
    return rto ? c->rto : c->rpo;
  };
  Frame frame;
  // Values are categories, evenly spaced in the order given, half a step from each edge.
  frame.x_min = -0.5;
  frame.x_max = static_cast<double>(parameter.values.size()) - 0.5;
  double y_max = 0;
  for (const auto& group : groups) {
    for (const CombinationStats* c : group.second) {
      if (pick(c)) y_max = std::max(y_max, pick(c)->p95);
    }
  }
  frame.y_max = y_max > 0 ? y_max * 1.1 : 1;
  const std::string what = rto ? "RTO" : "RPO";
  std::string svg = svg_open("Plan " + what + " against " + parameter.path);
  svg += y_axis(frame, true, what + " (worst VM per run)");
  for (std::size_t i = 0; i < parameter.values.size(); ++i) {
    svg += "<text x=\"" + fixed(frame.x(static_cast<double>(i))) + "\" y=\"" +
           fixed(kHeight - kBottom + 16) + "\" class=\"xlabel\">" +
           xml_escape(parameter.values[i]) + "</text>";
  }
  std::vector<std::string> names;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string color = kPalette[g % std::size(kPalette)];
    std::string line, band_top, band_bottom;
    // Position of each combination along the axis: the index of its value.
    std::vector<std::pair<double, const Distribution*>> points;
    for (const CombinationStats* c : groups[g].second) {
      if (!pick(c)) continue;
      const auto& values = parameter.values;
      const auto index = std::find(values.begin(), values.end(), c->values[axis]) - values.begin();
      points.push_back({static_cast<double>(index), &*pick(c)});
    }
    if (points.empty()) continue;
    for (const auto& [index, d] : points) {
      line += (line.empty() ? "M" : " L") + fixed(frame.x(index)) + "," + fixed(frame.y(d->p50));
      band_top +=
          (band_top.empty() ? "M" : " L") + fixed(frame.x(index)) + "," + fixed(frame.y(d->p95));
    }
    for (auto it = points.rbegin(); it != points.rend(); ++it) {
      band_bottom += " L" + fixed(frame.x(it->first)) + "," + fixed(frame.y(it->second->p50));
    }
    if (points.size() > 1) {
      svg += "<path d=\"" + band_top + band_bottom + " Z\" fill=\"" + color +
             "\" fill-opacity=\"0.18\" stroke=\"none\"/>";
      svg += "<path d=\"" + line + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\"/>";
    }
    for (const auto& [index, d] : points) {
      const std::string x = fixed(frame.x(index));
      svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + fixed(frame.y(d->p50)) + "\" y2=\"" +
             fixed(frame.y(d->p95)) + "\" stroke=\"" + color +
             "\" stroke-opacity=\"0.5\" stroke-width=\"6\"/>";
      svg += "<circle cx=\"" + x + "\" cy=\"" + fixed(frame.y(d->p50)) + "\" r=\"3.5\" fill=\"" +
             color + "\"><title>p50 " + short_duration(d->p50) + ", p95 " + short_duration(d->p95) +
             "</title></circle>";
    }
    names.push_back(groups[g].first);
  }
  svg += legend(names);
  svg += "</svg>";
  if (truncated)
    svg += "<p class=\"note\">Only the first 8 series are drawn; the table has all.</p>";
  return svg;
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

// Empirical CDF of the plan RTO, one step curve per combination.
std::string cdf_chart(const SweepSummary& summary) {
  Frame frame;
  frame.y_max = 1;
  double x_max = 0;
  std::size_t drawn = 0;
  for (const CombinationStats& c : summary.combinations) {
    if (c.rto_sorted.empty()) continue;
    x_max = std::max(x_max, c.rto_sorted.back());
  }
  frame.x_max = x_max > 0 ? x_max * 1.05 : 1;
  std::string svg = svg_open("CDF of the plan RTO per combination");
  svg += y_axis(frame, false, "share of runs with RTO \xE2\x89\xA4 x");
  const double step = duration_tick_step(frame.x_max, 6);
  for (double value = 0; value <= frame.x_max + 1e-9; value += step) {
    svg += "<text x=\"" + fixed(frame.x(value)) + "\" y=\"" + fixed(kHeight - kBottom + 16) +
           "\" class=\"xlabel\">" + short_duration(value) + "</text>";
  }
  std::vector<std::string> names;
  for (const CombinationStats& c : summary.combinations) {
    if (c.rto_sorted.empty()) continue;
    if (drawn == kMaxCdfCurves) break;
    const double n = static_cast<double>(c.rto_sorted.size());
    std::string path = "M" + fixed(frame.x(c.rto_sorted.front())) + "," + fixed(frame.y(0));
    for (std::size_t i = 0; i < c.rto_sorted.size(); ++i) {
      if (i + 1 < c.rto_sorted.size() && c.rto_sorted[i + 1] == c.rto_sorted[i]) continue;
      path += " H" + fixed(frame.x(c.rto_sorted[i])) + " V" + fixed(frame.y((i + 1) / n), 2);
    }
    svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" +
           kPalette[drawn % std::size(kPalette)] + "\" stroke-width=\"2\"/>";
    names.push_back("#" + std::to_string(c.index));
    ++drawn;
  }
  svg += legend(names);
  svg += "</svg>";
  std::size_t with_rto = 0;
  for (const CombinationStats& c : summary.combinations) with_rto += c.rto_sorted.empty() ? 0 : 1;
  if (with_rto > drawn) {
    svg += "<p class=\"note\">Only the first " + std::to_string(drawn) +
           " combinations are drawn; whatif.csv has every one.</p>";
  }
  return svg;
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

constexpr const char* kStyle = R"(<style>
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.banner{background:#fff3cd;border:1px solid #e0c060;padding:8px 12px}
.charts{display:flex;flex-wrap:wrap;gap:16px}
svg{background:#fff;border:1px solid #ddd}
svg .title{font-size:13px;font-weight:600}
svg .grid{stroke:#e6e6e6}
svg .ylabel{font-size:11px;text-anchor:end;dominant-baseline:middle;fill:#555}
svg .xlabel{font-size:11px;text-anchor:middle;fill:#555}
svg .axislabel{font-size:11px;text-anchor:middle;fill:#555}
svg .legend{font-size:11px;fill:#333}
table{border-collapse:collapse;font-size:12px;margin-top:8px}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:right;vertical-align:top}
td:nth-child(2),th:nth-child(2),td:last-child{text-align:left}
td:last-child{min-width:16em}
tr.plan td{background:#f4f6fa;font-weight:600}
.bad{color:#b00020}.note{font-size:12px;color:#666}.none{color:#999;text-align:center}
dl{display:grid;grid-template-columns:max-content auto;gap:2px 12px}dt{font-weight:600}
</style>)";

}  // namespace

std::string format_whatif_html(const SweepSummary& summary) {
  const Sweep& sweep = summary.sweep;
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>What-if: " +
      xml_escape(sweep.scenario) + "</title>" + kStyle + "</head><body>";
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
