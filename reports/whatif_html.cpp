// whatif.html: one self-contained page (inline CSS and SVG, no script, no external
// resource) with the plan's RTO and RPO against each varied parameter (p50 line, p50-p95
// band), the CDF of the plan RTO per combination, the same per VM as small multiples (one
// panel per VM, at most kMaxVmCharts VMs: those with the worst p95 RTO), and the full
// table. Every number drawn is one of whatif.json's.
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

// The size of a chart and the margins around its plot area.
struct Geometry {
  double width, height, left, right, top, bottom;
};
constexpr Geometry kChart{kWidth, kHeight, kLeft, kRight, kTop, kBottom};

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
  Geometry g = kChart;
  double x_min = 0, x_max = 1, y_max = 1;
  double x(double value) const {
    const double span = x_max > x_min ? x_max - x_min : 1;
    return g.left + (value - x_min) / span * (g.width - g.left - g.right);
  }
  double y(double value) const {
    return g.height - g.bottom - value / y_max * (g.height - g.top - g.bottom);
  }
};

std::string svg_open(const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fixed(kWidth, 0) + "\" height=\"" +
         fixed(kHeight, 0) + "\" viewBox=\"0 0 " + fixed(kWidth, 0) + " " + fixed(kHeight, 0) +
         "\" role=\"img\"><title>" + xml_escape(title) + "</title><text x=\"" + fixed(kLeft, 0) +
         "\" y=\"20\" class=\"title\">" + xml_escape(title) + "</text>";
}

enum class Scale { duration, share, percent };

std::string tick_text(double value, Scale scale) {
  switch (scale) {
    case Scale::duration:
      return short_duration(value);
    case Scale::share:
      return fixed(value, 2);
    case Scale::percent:
      break;
  }
  return fixed(value * 100, 0) + "%";
}

// Horizontal grid lines, y labels (times, shares or percentages) and the axis title.
std::string y_axis(const Frame& frame, Scale scale, const std::string& label, int ticks = 5) {
  const Geometry& g = frame.g;
  std::string svg;
  const double step = scale == Scale::duration ? duration_tick_step(frame.y_max, ticks)
                                               : tick_step(frame.y_max, ticks);
  for (double value = 0; value <= frame.y_max + 1e-9; value += step) {
    const std::string y = fixed(frame.y(value));
    svg += "<line x1=\"" + fixed(g.left) + "\" x2=\"" + fixed(g.width - g.right) + "\" y1=\"" + y +
           "\" y2=\"" + y + "\" class=\"grid\"/>";
    svg += "<text x=\"" + fixed(g.left - 6) + "\" y=\"" + y + "\" class=\"ylabel\">" +
           tick_text(value, scale) + "</text>";
  }
  svg += "<text transform=\"translate(" + fixed(g.width > 400 ? 14 : 11, 0) + "," +
         fixed((g.top + g.height - g.bottom) / 2) + ") rotate(-90)\" class=\"axislabel\">" +
         xml_escape(label) + "</text>";
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
  svg += y_axis(frame, Scale::duration, what + " (worst VM per run)");
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
  svg += y_axis(frame, Scale::share, "share of runs with RTO \xE2\x89\xA4 x");
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

// ---- Per-VM charts: small multiples, one panel per VM ---------------------------------

constexpr std::size_t kMaxVmCharts = 20;     // VMs drawn; the others are named on the page
constexpr std::size_t kMaxVmSeries = 6;      // series (or combinations) in a panel
constexpr std::size_t kMaxListedNames = 30;  // names in a sentence before "and N more"
constexpr Geometry kPanel{290, 220, 54, 14, 52, 46};
// Series differ by marker shape and dash as well as by colour.
constexpr const char* kDashes[kMaxVmSeries] = {"", "6 3", "2 2", "9 3 2 3", "5 2", "1 3"};

// At most `count` characters (UTF-8 code points, never cut inside one), the last one an
// ellipsis when the text is longer. Not escaped.
std::string clip(const std::string& text, std::size_t count) {
  auto starts_character = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; };
  std::size_t characters = 0;
  for (char c : text) characters += starts_character(c) ? 1 : 0;
  if (characters <= count || count == 0) return text;
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!starts_character(text[i])) continue;
    if (seen++ == count - 1) return text.substr(0, i) + "\xE2\x80\xA6";
  }
  return text;
}

// The marker of series `series` at (x, y), with a tooltip.
std::string marker(std::size_t series, double x, double y, const std::string& tip) {
  const std::string color = kPalette[series % kMaxVmSeries];
  const std::string title = "<title>" + xml_escape(tip) + "</title>";
  auto at = [&](double dx, double dy) { return fixed(x + dx) + "," + fixed(y + dy); };
  switch (series % kMaxVmSeries) {
    case 0:
      return "<circle cx=\"" + fixed(x) + "\" cy=\"" + fixed(y) + "\" r=\"3.5\" fill=\"" + color +
             "\">" + title + "</circle>";
    case 1:
      return "<rect x=\"" + fixed(x - 3.2) + "\" y=\"" + fixed(y - 3.2) +
             "\" width=\"6.4\" height=\"6.4\" fill=\"" + color + "\">" + title + "</rect>";
    case 2:
      return "<path d=\"M" + at(0, -4.2) + " L" + at(4, 3) + " L" + at(-4, 3) + " Z\" fill=\"" +
             color + "\">" + title + "</path>";
    case 3:
      return "<path d=\"M" + at(0, -4.5) + " L" + at(4.5, 0) + " L" + at(0, 4.5) + " L" +
             at(-4.5, 0) + " Z\" fill=\"" + color + "\">" + title + "</path>";
    case 4:
      return "<path d=\"M" + at(0, 4.2) + " L" + at(4, -3) + " L" + at(-4, -3) + " Z\" fill=\"" +
             color + "\">" + title + "</path>";
    default:
      return "<path d=\"M" + at(-3.5, -3.5) + " L" + at(3.5, 3.5) + " M" + at(-3.5, 3.5) + " L" +
             at(3.5, -3.5) + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"2\">" +
             title + "</path>";
  }
}

std::string dash_attribute(std::size_t series) {
  const std::string dash = kDashes[series % kMaxVmSeries];
  return dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"";
}

// The key of a grid of panels, once above it: each series' line and marker, the band and
// the objective line, with their names.
std::string panel_key(const std::vector<std::string>& names, bool band) {
  auto swatch = [](const std::string& body) {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"36\" height=\"12\" "
           "viewBox=\"0 0 36 12\" aria-hidden=\"true\">" +
           body + "</svg>";
  };
  std::string html = "<ul class=\"key\">";
  for (std::size_t i = 0; i < names.size(); ++i) {
    html += "<li>" +
            swatch("<line x1=\"1\" x2=\"35\" y1=\"6\" y2=\"6\" stroke=\"" +
                   std::string(kPalette[i % kMaxVmSeries]) + "\" stroke-width=\"2\"" +
                   dash_attribute(i) + "/>" + marker(i, 18, 6, names[i])) +
            xml_escape(names[i]) + "</li>";
  }
  if (band) {
    html += "<li>" +
            swatch(
                "<rect x=\"1\" y=\"1\" width=\"34\" height=\"10\" fill=\"#888\" "
                "fill-opacity=\"0.25\"/>") +
            "band and bar: p50 to p95</li>";
  }
  html += "<li>" + swatch("<line x1=\"1\" x2=\"35\" y1=\"6\" y2=\"6\" class=\"objective\"/>") +
          "objective</li></ul>";
  return html;
}

// One VM across the combinations, as the per-VM charts see it.
struct VmColumn {
  std::string name;
  std::size_t order = 0;                // first appearance: plan order
  std::vector<const VmStats*> stats;    // per combination index; null when absent
  int affected = 0, not_recovered = 0;  // over every combination's completed runs
  int completed = 0;
  bool any_rto = false, any_rpo = false;
  double worst_p95_rto = 0;  // over the combinations
};

std::vector<VmColumn> vm_columns(const SweepSummary& summary) {
  std::vector<VmColumn> columns;
  std::map<std::string, std::size_t> position;
  const std::size_t count = summary.combinations.size();
  for (std::size_t c = 0; c < count; ++c) {
    for (const VmStats& vm : summary.combinations[c].vms) {
      auto [it, inserted] = position.emplace(vm.name, columns.size());
      if (inserted) {
        columns.push_back({vm.name, columns.size(), std::vector<const VmStats*>(count)});
      }
      VmColumn& column = columns[it->second];
      column.stats[c] = &vm;
      column.affected += vm.recovered + vm.failed + vm.lost;
      column.not_recovered += vm.failed + vm.lost;
      column.completed += vm.recovered + vm.failed + vm.lost + vm.unaffected;
      if (vm.rto) {
        column.worst_p95_rto =
            column.any_rto ? std::max(column.worst_p95_rto, vm.rto->p95) : vm.rto->p95;
        column.any_rto = true;
      }
      if (vm.rpo) column.any_rpo = true;
    }
  }
  return columns;
}

struct VmSelection {
  std::vector<const VmColumn*> drawn;           // plan order
  std::vector<const VmColumn*> left_out;        // plan order
  std::vector<const VmColumn*> never_affected;  // plan order
};

// The VMs affected in some run, at most kMaxVmCharts of them: those with the worst p95
// RTO over the combinations (a VM that was affected but never recovered counts as worst).
VmSelection select_vms(const std::vector<VmColumn>& columns) {
  VmSelection selection;
  std::vector<const VmColumn*> ranked;
  for (const VmColumn& column : columns) {
    (column.affected > 0 ? ranked : selection.never_affected).push_back(&column);
  }
  auto badness = [](const VmColumn* vm) {
    if (vm->any_rto) return vm->worst_p95_rto;
    return vm->not_recovered > 0 ? HUGE_VAL : -1.0;
  };
  std::stable_sort(ranked.begin(), ranked.end(),
                   [&](const VmColumn* a, const VmColumn* b) { return badness(a) > badness(b); });
  const std::size_t drawn = std::min(ranked.size(), kMaxVmCharts);
  selection.drawn.assign(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(drawn));
  selection.left_out.assign(ranked.begin() + static_cast<std::ptrdiff_t>(drawn), ranked.end());
  auto by_order = [](const VmColumn* a, const VmColumn* b) { return a->order < b->order; };
  std::sort(selection.drawn.begin(), selection.drawn.end(), by_order);
  std::sort(selection.left_out.begin(), selection.left_out.end(), by_order);
  return selection;
}

// "db, web and 3 more", escaped.
std::string name_list(const std::vector<const VmColumn*>& vms) {
  std::string text;
  for (std::size_t i = 0; i < vms.size() && i < kMaxListedNames; ++i) {
    if (i > 0) text += ", ";
    text += "<b>" + xml_escape(vms[i]->name) + "</b>";
  }
  if (vms.size() > kMaxListedNames) {
    text += " and " + std::to_string(vms.size() - kMaxListedNames) + " more";
  }
  return text;
}

const std::optional<Distribution>& metric(const VmStats& vm, bool rto) {
  return rto ? vm.rto : vm.rpo;
}

// The VM's distinct objectives for RTO or RPO over the combinations, ascending.
std::vector<double> objectives_of(const VmColumn& vm, bool rto) {
  std::vector<double> objectives;
  for (const VmStats* stats : vm.stats) {
    if (!stats) continue;
    const auto& objective = rto ? stats->objective_rto_s : stats->objective_rpo_s;
    if (objective &&
        std::find(objectives.begin(), objectives.end(), *objective) == objectives.end()) {
      objectives.push_back(*objective);
    }
  }
  std::sort(objectives.begin(), objectives.end());
  return objectives;
}

// The head of a panel: the VM's name, its objective(s) and, in red with a cross, what
// went wrong (runs where it was not recovered, combinations without a value).
std::string panel_open(const VmColumn& vm, const std::string& kind, const std::string& tooltip,
                       bool rto, const std::string& warning, const std::string& remark = "") {
  const Geometry& g = kPanel;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + fixed(g.width, 0) +
                    "\" height=\"" + fixed(g.height, 0) + "\" viewBox=\"0 0 " + fixed(g.width, 0) +
                    " " + fixed(g.height, 0) + "\" role=\"img\" class=\"panel\" data-vm=\"" +
                    xml_escape(vm.name) + "\" data-chart=\"" + kind + "\"><title>" +
                    xml_escape(tooltip) + "</title><text x=\"8\" y=\"17\" class=\"title\">" +
                    xml_escape(clip(vm.name, 34)) + "</text>";
  const std::vector<double> objectives = objectives_of(vm, rto);
  std::string objective_text = std::string(rto ? "RTO" : "RPO") + " objective";
  if (objectives.empty()) objective_text = "no " + objective_text;
  if (objectives.size() > 1) objective_text += "s";
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    objective_text += (i == 0 ? " " : ", ") + short_duration(objectives[i]);
  }
  if (!remark.empty()) objective_text += "; " + remark;
  svg += "<text x=\"8\" y=\"31\" class=\"sub\">" + xml_escape(clip(objective_text, 48)) + "</text>";
  if (!warning.empty()) {
    svg += "<text x=\"8\" y=\"44\" class=\"sub bad\">" + xml_escape(clip(warning, 46)) + "<title>" +
           xml_escape(warning) + "</title></text>";
  }
  return svg;
}

std::string not_recovered_text(const VmColumn& vm) {
  if (vm.not_recovered == 0) return "";
  return "\xE2\x9C\x98 not recovered in " + std::to_string(vm.not_recovered) + " of " +
         std::to_string(vm.completed) + " runs";
}

// What a panel lacks, in words: runs in which the VM was not recovered, combinations
// without a completed run, combinations in which it got no RTO (RPO).
std::string warning_text(const VmColumn& vm, const std::vector<const CombinationStats*>& drawn,
                         bool rto) {
  std::string no_run, no_value;
  for (const CombinationStats* c : drawn) {
    const VmStats* stats = vm.stats[c->index];
    std::string& list = stats ? no_value : no_run;
    if (!stats || !metric(*stats, rto))
      list += (list.empty() ? "#" : ", #") + std::to_string(c->index);
  }
  std::string text = not_recovered_text(vm);
  auto add = [&text](const std::string& part) { text += (text.empty() ? "" : "; ") + part; };
  if (!no_run.empty()) add("no completed run in " + no_run);
  if (!no_value.empty()) add(std::string(rto ? "no RTO" : "no RPO") + " in " + no_value);
  return text;
}

// A panel that says why there is nothing to draw, instead of empty axes.
std::string empty_panel(const VmColumn& vm, const std::string& kind, const std::string& tooltip,
                        bool rto) {
  const std::string what = rto ? "RTO" : "RPO";
  std::string svg = panel_open(vm, kind, tooltip, rto, not_recovered_text(vm));
  const double middle = kPanel.width / 2;
  svg +=
      "<text x=\"" + fixed(middle) + "\" y=\"112\" class=\"msg\">No " + what +
      " in any run:</text><text x=\"" + fixed(middle) + "\" y=\"130\" class=\"msg\">" +
      (vm.not_recovered == vm.affected ? "never recovered, nothing to draw" : "nothing to draw") +
      "</text></svg>";
  return svg;
}

// Vertical (`vertical`) or horizontal dashed grey lines at the VM's objectives that fit.
std::string objective_lines(const Frame& frame, const std::vector<double>& objectives,
                            bool vertical) {
  const Geometry& g = frame.g;
  std::string svg;
  for (double objective : objectives) {
    const double limit = vertical ? frame.x_max : frame.y_max;
    if (objective > limit) continue;
    const std::string tip = "<title>objective " + short_duration(objective) + "</title>";
    if (vertical) {
      const std::string x = fixed(frame.x(objective));
      svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + fixed(g.top) + "\" y2=\"" +
             fixed(g.height - g.bottom) + "\" class=\"objective\">" + tip + "</line>";
    } else {
      const std::string y = fixed(frame.y(objective));
      svg += "<line x1=\"" + fixed(g.left) + "\" x2=\"" + fixed(g.width - g.right) + "\" y1=\"" +
             y + "\" y2=\"" + y + "\" class=\"objective\">" + tip + "</line>";
    }
  }
  return svg;
}

std::string x_title(const Geometry& g, const std::string& text) {
  return "<text x=\"" + fixed((g.left + g.width - g.right) / 2) + "\" y=\"" + fixed(g.height - 8) +
         "\" class=\"axislabel\">" + xml_escape(text) + "</text>";
}

using Series = std::vector<std::pair<std::string, std::vector<const CombinationStats*>>>;

// The RTO or RPO of one VM against the values of one axis: per series, a p50 line and a
// p50-p95 band, broken where the VM has no value; `y_max` is shared by the whole grid.
std::string vm_parameter_panel(const SweepSummary& summary, std::size_t axis, const Series& series,
                               const VmColumn& vm, bool rto, double y_max) {
  const Axis& parameter = summary.sweep.axes[axis];
  const std::string what = rto ? "RTO" : "RPO";
  const std::string kind = std::string(rto ? "rto" : "rpo") + "-axis-" + std::to_string(axis);
  const std::string tooltip = what + " of " + vm.name + " against " + parameter.path;
  if (!(rto ? vm.any_rto : vm.any_rpo)) return empty_panel(vm, kind, tooltip, rto);
  Frame frame;
  frame.g = kPanel;
  frame.x_min = -0.5;
  frame.x_max = static_cast<double>(parameter.values.size()) - 0.5;
  frame.y_max = y_max;
  const Geometry& g = frame.g;
  std::vector<const CombinationStats*> drawn;
  for (const auto& group : series)
    drawn.insert(drawn.end(), group.second.begin(), group.second.end());
  const std::string warning = warning_text(vm, drawn, rto);
  std::string svg = panel_open(vm, kind, tooltip, rto, warning);
  svg += y_axis(frame, Scale::duration, what, 5);
  // Values are categories; with many, only every k-th is labelled.
  const std::size_t count = parameter.values.size();
  const auto room = static_cast<std::size_t>((g.width - g.left - g.right) / 46);
  const std::size_t stride =
      std::max<std::size_t>(1, (count + room - 1) / std::max<std::size_t>(room, 1));
  for (std::size_t i = 0; i < count; i += stride) {
    svg += "<text x=\"" + fixed(frame.x(static_cast<double>(i))) + "\" y=\"" +
           fixed(g.height - g.bottom + 14) + "\" class=\"xlabel\">" +
           xml_escape(clip(parameter.values[i], 8)) + "<title>" + xml_escape(parameter.values[i]) +
           "</title></text>";
  }
  svg += x_title(g, clip(short_path(parameter.path), 40));
  svg += objective_lines(frame, objectives_of(vm, rto), false);
  const double spread = series.size() > 1 ? 4.0 : 0.0;
  for (std::size_t s = 0; s < series.size(); ++s) {
    const std::string color = kPalette[s % kMaxVmSeries];
    const double dodge = spread * (static_cast<double>(s) - (series.size() - 1) / 2.0);
    // Runs of consecutive values that have a distribution, each drawn as one line and band.
    std::vector<std::vector<std::pair<double, const Distribution*>>> pieces(1);
    double previous = -2;
    for (const CombinationStats* c : series[s].second) {
      const VmStats* stats = vm.stats[c->index];
      const auto& values = parameter.values;
      const auto index = static_cast<double>(
          std::find(values.begin(), values.end(), c->values[axis]) - values.begin());
      if (!stats || !metric(*stats, rto) || index != previous + 1) {
        if (!pieces.back().empty()) pieces.emplace_back();
      }
      previous = index;
      if (stats && metric(*stats, rto)) pieces.back().push_back({index, &*metric(*stats, rto)});
    }
    for (const auto& piece : pieces) {
      if (piece.size() < 2) continue;
      std::string line, top, bottom;
      for (const auto& [index, d] : piece) {
        const std::string x = fixed(frame.x(index) + dodge);
        line += (line.empty() ? "M" : " L") + x + "," + fixed(frame.y(d->p50));
        top += (top.empty() ? "M" : " L") + x + "," + fixed(frame.y(d->p95));
      }
      for (auto it = piece.rbegin(); it != piece.rend(); ++it) {
        bottom += " L" + fixed(frame.x(it->first) + dodge) + "," + fixed(frame.y(it->second->p50));
      }
      svg += "<path d=\"" + top + bottom + " Z\" fill=\"" + color +
             "\" fill-opacity=\"0.14\" stroke=\"none\"/>";
      svg += "<path d=\"" + line + "\" fill=\"none\" stroke=\"" + color +
             "\" stroke-width=\"1.8\"" + dash_attribute(s) + "/>";
    }
    for (const auto& piece : pieces) {
      for (const auto& [index, d] : piece) {
        const double x = frame.x(index) + dodge;
        svg += "<line x1=\"" + fixed(x) + "\" x2=\"" + fixed(x) + "\" y1=\"" +
               fixed(frame.y(d->p50)) + "\" y2=\"" + fixed(frame.y(d->p95)) + "\" stroke=\"" +
               color + "\" stroke-opacity=\"0.45\" stroke-width=\"5\"/>";
        const std::string name = series[s].first;
        svg += marker(s, x, frame.y(d->p50),
                      parameter.path + "=" + parameter.values[static_cast<std::size_t>(index)] +
                          (series.size() > 1 ? " (" + name + ")" : "") + ": p50 " +
                          short_duration(d->p50) + ", p95 " + short_duration(d->p95) + ", " +
                          std::to_string(d->n) + " runs");
      }
    }
  }
  return svg + "</svg>";
}

std::string short_combination_name(const SweepSummary& summary, const CombinationStats& c) {
  std::string name = "#" + std::to_string(c.index);
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    name += (i == 0 ? " " : ", ") + short_path(summary.sweep.axes[i].path) + "=" + c.values[i];
  }
  return c.values.empty() ? name + " scenario as written" : name;
}

// The distribution of one VM's RTO, one curve per combination, drawn through the
// quantiles of whatif.json: (min, 0), (p50, 0.5), (p95, 0.95), (p99, 0.99), (max, 1).
std::string vm_cdf_panel(const SweepSummary& summary,
                         const std::vector<const CombinationStats*>& combinations,
                         const VmColumn& vm, double x_max) {
  const std::string tooltip = "Distribution of the RTO of " + vm.name;
  if (!vm.any_rto) return empty_panel(vm, "cdf", tooltip, true);
  Frame frame;
  frame.g = kPanel;
  frame.x_max = x_max;
  frame.y_max = 1;
  const Geometry& g = frame.g;
  const std::string warning = warning_text(vm, combinations, true);
  // Identical curves hide one another: say so.
  std::vector<const Distribution*> curves;
  for (const CombinationStats* c : combinations) {
    const VmStats* stats = vm.stats[c->index];
    if (stats && stats->rto) curves.push_back(&*stats->rto);
  }
  const bool coincide =
      curves.size() > 1 && std::all_of(curves.begin(), curves.end(), [&](const Distribution* d) {
        const Distribution& first = *curves.front();
        return d->min == first.min && d->p50 == first.p50 && d->p95 == first.p95 &&
               d->p99 == first.p99 && d->max == first.max;
      });
  std::string svg =
      panel_open(vm, "cdf", tooltip, true, warning,
                 coincide ? "the " + std::to_string(curves.size()) + " curves coincide" : "");
  svg += y_axis(frame, Scale::percent, "share of runs", 4);
  const double step = duration_tick_step(frame.x_max, 6);
  for (double value = 0; value <= frame.x_max + 1e-9; value += step) {
    svg += "<text x=\"" + fixed(frame.x(value)) + "\" y=\"" + fixed(g.height - g.bottom + 14) +
           "\" class=\"xlabel\">" + short_duration(value) + "</text>";
  }
  svg += x_title(g, "RTO");
  svg += objective_lines(frame, objectives_of(vm, true), true);
  for (std::size_t s = 0; s < combinations.size(); ++s) {
    const VmStats* stats = vm.stats[combinations[s]->index];
    if (!stats || !stats->rto) continue;
    const Distribution& d = *stats->rto;
    const std::pair<double, double> points[] = {
        {d.min, 0}, {d.p50, 0.5}, {d.p95, 0.95}, {d.p99, 0.99}, {d.max, 1}};
    std::string path;
    for (const auto& [x, y] : points) {
      path += (path.empty() ? "M" : " L") + fixed(frame.x(x)) + "," + fixed(frame.y(y));
    }
    svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + kPalette[s % kMaxVmSeries] +
           "\" stroke-width=\"1.8\"" + dash_attribute(s) + "/>";
    const char* labels[] = {"min", "p50", "p95", "p99", "max"};
    const std::string name = short_combination_name(summary, *combinations[s]);
    for (std::size_t i = 1; i < std::size(points); ++i) {
      svg += marker(s, frame.x(points[i].first), frame.y(points[i].second),
                    name + ": " + labels[i] + " " + short_duration(points[i].first) + " (" +
                        std::to_string(d.n) + " runs)");
    }
  }
  return svg + "</svg>";
}

std::string per_vm_section(const SweepSummary& summary) {
  std::string html = "<h2 id=\"per-vm\">Per VM</h2>";
  const std::vector<VmColumn> columns = vm_columns(summary);
  if (columns.empty()) {
    return html + "<p class=\"note\">No run gave an outcome: there is nothing to draw per VM.</p>";
  }
  const VmSelection selection = select_vms(columns);
  html +=
      "<p class=\"note\">One panel per VM, in plan order, on the same scale in every panel of a "
      "row, drawn from the numbers of whatif.json (the table below has them). A VM's RTO and RPO "
      "cover the runs in which it got one; a cross (\xE2\x9C\x98) counts the runs in which it "
      "failed or was lost.</p>";
  if (!selection.left_out.empty()) {
    html += "<p class=\"note\">" +
            std::to_string(selection.drawn.size() + selection.left_out.size()) +
            " VMs were affected; the " + std::to_string(selection.drawn.size()) +
            " with the worst p95 RTO over the combinations are drawn (a VM never recovered "
            "counts as worst). Left out: " +
            name_list(selection.left_out) + ". The table has every VM.</p>";
  }
  if (!selection.never_affected.empty()) {
    html += "<p class=\"note\">Not affected in any run, so there is no RTO or RPO to draw: " +
            name_list(selection.never_affected) + ".</p>";
  }
  if (summary.failed > 0) {
    html += "<p class=\"note\">\xE2\x9C\x98 " + std::to_string(summary.failed) +
            " run(s) gave no outcome and are in none of these charts (listed at the end).</p>";
  }
  if (selection.drawn.empty()) return html;
  const SweepSummary& s = summary;
  for (std::size_t axis = 0; axis < s.sweep.axes.size(); ++axis) {
    Series series = series_along(s, axis);
    const bool truncated = series.size() > kMaxVmSeries;
    if (truncated) series.resize(kMaxVmSeries);
    std::vector<std::string> names;
    for (const auto& group : series) names.push_back(group.first);
    if (s.sweep.axes.size() == 1) names = {"p50"};
    for (bool rto : {true, false}) {
      double y_max = 0;
      for (const VmColumn* vm : selection.drawn) {
        for (const auto& group : series) {
          for (const CombinationStats* c : group.second) {
            const VmStats* stats = vm->stats[c->index];
            if (stats && metric(*stats, rto)) y_max = std::max(y_max, metric(*stats, rto)->p95);
          }
        }
      }
      const std::string what = rto ? "RTO" : "RPO";
      html += "<h3>" + what + " of each VM against " + xml_escape(s.sweep.axes[axis].path) +
              "</h3>" + panel_key(names, true) + "<div class=\"charts panels\">";
      for (const VmColumn* vm : selection.drawn) {
        html += vm_parameter_panel(s, axis, series, *vm, rto, y_max > 0 ? y_max * 1.1 : 1);
      }
      html += "</div>";
      if (truncated) {
        html += "<p class=\"note\">Only the first " + std::to_string(kMaxVmSeries) +
                " series are drawn in each panel; the table has all.</p>";
      }
    }
  }
  std::vector<const CombinationStats*> combinations;
  for (const CombinationStats& c : s.combinations) {
    if (combinations.size() < kMaxVmSeries) combinations.push_back(&c);
  }
  double x_max = 0;
  std::vector<std::string> names;
  for (const CombinationStats* c : combinations) {
    names.push_back(short_combination_name(s, *c));
    for (const VmColumn* vm : selection.drawn) {
      const VmStats* stats = vm->stats[c->index];
      if (stats && stats->rto) x_max = std::max(x_max, stats->rto->max);
    }
  }
  html +=
      "<h3>Distribution of each VM's RTO</h3><p class=\"note\">Share of the runs in which the VM "
      "got an RTO, against the RTO. Each curve joins the quantiles of whatif.json (min, p50, "
      "p95, p99, max; the marks), so between marks it is a straight line, not every run.";
  if (s.combinations.size() > combinations.size()) {
    html += " Only the first " + std::to_string(combinations.size()) + " of the " +
            std::to_string(s.combinations.size()) +
            " combinations are drawn; the table and whatif.csv have every one.";
  }
  html += "</p>" + panel_key(names, false) + "<div class=\"charts panels\">";
  for (const VmColumn* vm : selection.drawn) {
    html += vm_cdf_panel(s, combinations, *vm, x_max > 0 ? x_max * 1.05 : 1);
  }
  return html + "</div>";
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
h3{font-size:1em;margin:1.4em 0 .3em}
.panels{gap:10px}
svg .sub{font-size:10.5px;fill:#555}
svg .bad{fill:#b00020}
svg .msg{font-size:12px;text-anchor:middle;fill:#555}
svg .objective{stroke:#666;stroke-width:1.2;stroke-dasharray:4 3}
ul.key{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:12px}
ul.key svg{border:none;background:none;vertical-align:middle;margin-right:5px}
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
