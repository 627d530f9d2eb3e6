// whatif.html's small multiples: one panel per VM (at most kMaxVmCharts, the worst p95 RTO
// first) for its RTO and RPO against each varied parameter and for the distribution of
// its RTO, on the same scale in every panel of a row, with one key above each grid. A
// panel says in words what it lacks (runs where the VM was not recovered, combinations
// without a value) rather than drawing empty axes.
#include <algorithm>

#include "reports/chart.hpp"
#include "reports/text.hpp"
#include "reports/whatif_html_parts.hpp"
#include "reports/whatif_vm_columns.hpp"

namespace firedrill::whatif {

using reports::Chart;
using reports::short_duration;
using reports::xml_escape;

namespace {

constexpr double kPanelWidth = 290, kPanelHeight = 220;
constexpr reports::Margins kPanelMargins{54, 14, 52, 46};

// A panel with its head: the VM's name, its objective(s) and, in red with a cross, what
// went wrong (runs where it was not recovered, combinations without a value).
Chart panel(const VmColumn& vm, const std::string& kind, const std::string& tooltip, bool rto,
            const std::string& warning, const std::string& remark = "") {
  Chart chart(kPanelWidth, kPanelHeight, kPanelMargins, tooltip);
  reports::Svg& svg = chart.svg();
  svg.root_attribute("class", "panel");
  svg.root_attribute("data-vm", vm.name);
  svg.root_attribute("data-chart", kind);
  svg.tooltip(tooltip);
  svg.text(8, 17, clip(vm.name, 34), "title");
  const std::vector<double> objectives = objectives_of(vm, rto);
  std::string objective_text = std::string(rto ? "RTO" : "RPO") + " objective";
  if (objectives.empty()) objective_text = "no " + objective_text;
  if (objectives.size() > 1) objective_text += "s";
  for (std::size_t i = 0; i < objectives.size(); ++i) {
    objective_text += (i == 0 ? " " : ", ") + short_duration(objectives[i]);
  }
  if (!remark.empty()) objective_text += "; " + remark;
  svg.text(8, 31, clip(objective_text, 48), "chart-sub");
  if (!warning.empty()) svg.text(8, 44, clip(warning, 46), "chart-warning", "start", warning);
  return chart;
}

// A panel that says why there is nothing to draw, instead of empty axes.
std::string empty_panel(const VmColumn& vm, const std::string& kind, const std::string& tooltip,
                        bool rto) {
  Chart chart = panel(vm, kind, tooltip, rto, not_recovered_text(vm));
  const double middle = kPanelWidth / 2;
  chart.svg().text(middle, 112,
                   std::string("No ") + (rto ? "RTO" : "RPO") + " in any run:", "chart-msg",
                   "middle");
  chart.svg().text(
      middle, 130,
      vm.not_recovered == vm.affected ? "never recovered, nothing to draw" : "nothing to draw",
      "chart-msg", "middle");
  return chart.str();
}

// Dashed lines at the VM's objectives that fit: vertical on a time x axis, else horizontal.
void objective_rules(Chart& chart, const std::vector<double>& objectives, bool vertical) {
  for (const double objective : objectives) {
    const std::string tooltip = "objective " + short_duration(objective);
    if (vertical) {
      chart.x_rule(objective, "chart-objective", tooltip);
    } else {
      chart.y_rule(objective, "chart-objective", tooltip);
    }
  }
}

// The parameter's values as x labels; with many, only every k-th is labelled.
void category_axis(Chart& chart, const Axis& parameter) {
  const std::size_t count = parameter.values.size();
  const auto room = static_cast<std::size_t>((chart.plot_right() - chart.plot_left()) / 46);
  const std::size_t stride =
      std::max<std::size_t>(1, (count + room - 1) / std::max<std::size_t>(room, 1));
  std::vector<Chart::Label> labels;
  for (std::size_t i = 0; i < count; i += stride) {
    labels.push_back({static_cast<double>(i), clip(parameter.values[i], 8), parameter.values[i]});
  }
  chart.x_axis(labels);
  chart.x_title(clip(short_path(parameter.path), 40));
}

// A value of the parameter (its index) at which the VM has a distribution.
struct PiecePoint {
  reports::BandPoint p50_p95;
  std::size_t runs = 0;
};
using Piece = std::vector<PiecePoint>;

// Runs of consecutive values of series `s` at which the VM has a distribution, each to be
// drawn as one line and band.
std::vector<Piece> pieces_of(const Series& series, std::size_t s, const Axis& parameter,
                             std::size_t axis, const VmColumn& vm, bool rto) {
  std::vector<Piece> pieces(1);
  double previous = -2;
  for (const CombinationStats* c : series[s].second) {
    const VmStats* stats = vm.stats[c->index];
    const auto& values = parameter.values;
    const auto index = static_cast<double>(
        std::find(values.begin(), values.end(), c->values[axis]) - values.begin());
    const bool has = stats && metric(*stats, rto);
    if (!has || index != previous + 1) {
      if (!pieces.back().empty()) pieces.emplace_back();
    }
    previous = index;
    if (!has) continue;
    const Distribution& d = *metric(*stats, rto);
    pieces.back().push_back({{index, d.p50, d.p95}, d.n});
  }
  return pieces;
}

// The RTO or RPO of one VM against the values of one axis: per series, a p50 line and a
// p50-p95 band, broken where the VM has no value; `y_max` is shared by the whole grid.
std::string vm_parameter_panel(const SweepSummary& summary, std::size_t axis, const Series& series,
                               const VmColumn& vm, bool rto, double y_max) {
  const Axis& parameter = summary.sweep.axes[axis];
  const std::string what = rto ? "RTO" : "RPO";
  const std::string kind = std::string(rto ? "rto" : "rpo") + "-axis-" + std::to_string(axis);
  const std::string tooltip = what + " of " + vm.name + " against " + parameter.path;
  if (!(rto ? vm.any_rto : vm.any_rpo)) return empty_panel(vm, kind, tooltip, rto);
  std::vector<const CombinationStats*> drawn;
  for (const auto& group : series) {
    drawn.insert(drawn.end(), group.second.begin(), group.second.end());
  }
  Chart chart = panel(vm, kind, tooltip, rto, warning_text(vm, drawn, rto));
  chart.set_x(-0.5, static_cast<double>(parameter.values.size()) - 0.5);
  chart.set_y(0, y_max);
  chart.y_axis(reports::Units::seconds_short, 5, what);
  category_axis(chart, parameter);
  objective_rules(chart, objectives_of(vm, rto), false);
  // Series side by side, a few pixels apart, so that equal values stay visible.
  const double spread = series.size() > 1 ? 4.0 : 0.0;
  for (std::size_t s = 0; s < series.size(); ++s) {
    const double dodge = spread * (static_cast<double>(s) - (series.size() - 1) / 2.0);
    const auto pieces = pieces_of(series, s, parameter, axis, vm, rto);
    for (const Piece& piece : pieces) {
      if (piece.size() < 2) continue;
      std::vector<reports::BandPoint> band;
      std::vector<reports::Point> line;
      for (const PiecePoint& point : piece) {
        band.push_back(point.p50_p95);
        line.push_back({point.p50_p95.x, point.p50_p95.lo});
      }
      chart.band(band, reports::series_class(s), dodge);
      chart.line(line, reports::series_class(s, true), dodge);
    }
    for (const Piece& piece : pieces) {
      for (const PiecePoint& point : piece) {
        const reports::BandPoint& p = point.p50_p95;
        chart.range_bar(p, reports::series_class(s), dodge);
        chart.marker(s, p.x, p.lo,
                     parameter.path + "=" + parameter.values[static_cast<std::size_t>(p.x)] +
                         (series.size() > 1 ? " (" + series[s].first + ")" : "") + ": p50 " +
                         short_duration(p.lo) + ", p95 " + short_duration(p.hi) + ", " +
                         std::to_string(point.runs) + " runs",
                     dodge);
      }
    }
  }
  return chart.str();
}

std::string short_combination_name(const SweepSummary& summary, const CombinationStats& c) {
  std::string name = "#" + std::to_string(c.index);
  for (std::size_t i = 0; i < c.values.size(); ++i) {
    name += (i == 0 ? " " : ", ") + short_path(summary.sweep.axes[i].path) + "=" + c.values[i];
  }
  return c.values.empty() ? name + " scenario as written" : name;
}

// Whether the curves are all the same one (they then hide one another: the panel says so).
bool curves_coincide(const std::vector<const Distribution*>& curves) {
  return curves.size() > 1 && std::all_of(curves.begin(), curves.end(), [&](const Distribution* d) {
           const Distribution& first = *curves.front();
           return d->min == first.min && d->p50 == first.p50 && d->p95 == first.p95 &&
                  d->p99 == first.p99 && d->max == first.max;
         });
}

// The distribution of one VM's RTO, one curve per combination, drawn through the
// quantiles of whatif.json: (min, 0), (p50, 0.5), (p95, 0.95), (p99, 0.99), (max, 1).
std::string vm_cdf_panel(const SweepSummary& summary,
                         const std::vector<const CombinationStats*>& combinations,
                         const VmColumn& vm, double x_max) {
  const std::string tooltip = "Distribution of the RTO of " + vm.name;
  if (!vm.any_rto) return empty_panel(vm, "cdf", tooltip, true);
  std::vector<const Distribution*> curves;
  for (const CombinationStats* c : combinations) {
    const VmStats* stats = vm.stats[c->index];
    if (stats && stats->rto) curves.push_back(&*stats->rto);
  }
  const bool coincide = curves_coincide(curves);
  Chart chart = panel(vm, "cdf", tooltip, true, warning_text(vm, combinations, true),
                      coincide ? "the " + std::to_string(curves.size()) + " curves coincide" : "");
  chart.set_x(0, x_max);
  chart.set_y(0, 1);
  chart.y_axis(reports::Units::percent, 4, "share of runs");
  chart.x_axis(reports::Units::seconds_short, 6);
  chart.x_title("RTO");
  objective_rules(chart, objectives_of(vm, true), true);
  constexpr const char* kLabels[] = {"min", "p50", "p95", "p99", "max"};
  for (std::size_t s = 0; s < combinations.size(); ++s) {
    const VmStats* stats = vm.stats[combinations[s]->index];
    if (!stats || !stats->rto) continue;
    const Distribution& d = *stats->rto;
    const std::vector<reports::Point> points = {
        {d.min, 0}, {d.p50, 0.5}, {d.p95, 0.95}, {d.p99, 0.99}, {d.max, 1}};
    chart.line(points, reports::series_class(s, true));
    const std::string name = short_combination_name(summary, *combinations[s]);
    for (std::size_t i = 1; i < points.size(); ++i) {
      chart.marker(s, points[i].x, points[i].y,
                   name + ": " + kLabels[i] + " " + short_duration(points[i].x) + " (" +
                       std::to_string(d.n) + " runs)");
    }
  }
  return chart.str();
}

// The key above a grid of panels: each series' line and marker, the band, the objective.
std::string panel_key(const std::vector<std::string>& names, bool band) {
  std::vector<reports::KeyExtra> extras;
  if (band) extras.push_back({"chart-key-band", "band and bar: p50 to p95", true});
  extras.push_back({"chart-objective", "objective", false});
  return reports::chart_key_html(names, true, extras);
}

// What the section says before its panels: which VMs are drawn, left out, never affected.
std::string section_notes(const SweepSummary& summary, const VmSelection& selection) {
  std::string html =
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
  return html;
}

// The RTO and RPO grids against one axis.
std::string axis_grids(const SweepSummary& s, std::size_t axis, const VmSelection& selection) {
  Series series = series_along(s, axis);
  const bool truncated = series.size() > kMaxVmSeries;
  if (truncated) series.resize(kMaxVmSeries);
  std::vector<std::string> names;
  for (const auto& group : series) names.push_back(group.first);
  if (s.sweep.axes.size() == 1) names = {"p50"};
  std::string html;
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
    html += "<h3>" + what + " of each VM against " + xml_escape(s.sweep.axes[axis].path) + "</h3>" +
            panel_key(names, true) + "<div class=\"charts panels\">";
    for (const VmColumn* vm : selection.drawn) {
      html += vm_parameter_panel(s, axis, series, *vm, rto, y_max > 0 ? y_max * 1.1 : 1);
    }
    html += "</div>";
    if (truncated) {
      html += "<p class=\"note\">Only the first " + std::to_string(kMaxVmSeries) +
              " series are drawn in each panel; the table has all.</p>";
    }
  }
  return html;
}

// The grid of RTO distributions, one curve per combination (the first kMaxVmSeries).
std::string distribution_grid(const SweepSummary& s, const VmSelection& selection) {
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
  std::string html =
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

}  // namespace

std::string per_vm_section(const SweepSummary& summary) {
  std::string html = "<h2 id=\"per-vm\">Per VM</h2>";
  const std::vector<VmColumn> columns = vm_columns(summary);
  if (columns.empty()) {
    return html + "<p class=\"note\">No run gave an outcome: there is nothing to draw per VM.</p>";
  }
  const VmSelection selection = select_vms(columns);
  html += section_notes(summary, selection);
  if (selection.drawn.empty()) return html;
  for (std::size_t axis = 0; axis < summary.sweep.axes.size(); ++axis) {
    html += axis_grids(summary, axis, selection);
  }
  return html + distribution_grid(summary, selection);
}

}  // namespace firedrill::whatif
