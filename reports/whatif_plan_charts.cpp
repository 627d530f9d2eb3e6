// whatif.html's charts of the plan: its RTO and RPO against each varied parameter (p50
// line, p50-p95 band and bar per series) and the CDF of its RTO per combination. The
// plan's value in a run is its worst VM's; every number drawn is one of whatif.json's.
#include <algorithm>
#include <map>

#include "reports/chart.hpp"
#include "reports/text.hpp"
#include "reports/whatif_html_parts.hpp"

namespace firedrill::whatif {

using reports::Chart;

namespace {

constexpr double kWidth = 600, kHeight = 320;
constexpr reports::Margins kMargins{70, 20, 36, 56};

Chart plan_chart(const std::string& title) {
  Chart chart(kWidth, kHeight, kMargins, title);
  chart.svg().tooltip(title);
  chart.title(title);
  return chart;
}

}  // namespace

std::string short_path(const std::string& path) {
  const auto dot = path.find_last_of('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

Series series_along(const SweepSummary& summary, std::size_t axis) {
  std::map<std::vector<std::string>, std::size_t> group_of;
  Series groups;
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

std::string parameter_chart(const SweepSummary& summary, std::size_t axis, bool rto) {
  const Axis& parameter = summary.sweep.axes[axis];
  Series groups = series_along(summary, axis);
  const bool truncated = groups.size() > kMaxSeries;
  if (truncated) groups.resize(kMaxSeries);
  auto pick = [rto](const CombinationStats* c) -> const std::optional<Distribution>& {
    return rto ? c->rto : c->rpo;
  };
  double y_max = 0;
  for (const auto& group : groups) {
    for (const CombinationStats* c : group.second) {
      if (pick(c)) y_max = std::max(y_max, pick(c)->p95);
    }
  }
  const std::string what = rto ? "RTO" : "RPO";
  Chart chart = plan_chart("Plan " + what + " against " + parameter.path);
  // Values are categories, evenly spaced in the order given, half a step from each edge.
  chart.set_x(-0.5, static_cast<double>(parameter.values.size()) - 0.5);
  chart.set_y(0, y_max > 0 ? y_max * 1.1 : 1);
  chart.y_axis(reports::Units::seconds_short, 5, what + " (worst VM per run)");
  std::vector<Chart::Label> labels;
  for (std::size_t i = 0; i < parameter.values.size(); ++i) {
    labels.push_back({static_cast<double>(i), parameter.values[i], {}});
  }
  chart.x_axis(labels);
  std::vector<std::string> names;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string css = reports::series_class(g);
    // Each combination sits at the index of its value along the axis.
    std::vector<reports::BandPoint> points;
    for (const CombinationStats* c : groups[g].second) {
      if (!pick(c)) continue;
      const auto& values = parameter.values;
      const auto index = std::find(values.begin(), values.end(), c->values[axis]) - values.begin();
      points.push_back({static_cast<double>(index), pick(c)->p50, pick(c)->p95});
    }
    if (points.empty()) continue;
    if (points.size() > 1) {
      chart.band(points, css);
      std::vector<reports::Point> line;
      for (const auto& point : points) line.push_back({point.x, point.lo});
      chart.line(line, css);
    }
    for (const auto& point : points) {
      chart.range_bar(point, css);
      chart.svg().circle(chart.x(point.x), chart.y(point.lo), 3.5, css + " chart-marker",
                         "p50 " + reports::short_duration(point.lo) + ", p95 " +
                             reports::short_duration(point.hi));
    }
    names.push_back(groups[g].first);
  }
  chart.legend(names);
  std::string html = chart.str();
  if (truncated)
    html += "<p class=\"note\">Only the first 8 series are drawn; the table has all.</p>";
  return html;
}

std::string cdf_chart(const SweepSummary& summary) {
  double x_max = 0;
  for (const CombinationStats& c : summary.combinations) {
    if (!c.rto_sorted.empty()) x_max = std::max(x_max, c.rto_sorted.back());
  }
  Chart chart = plan_chart("CDF of the plan RTO per combination");
  chart.set_x(0, x_max > 0 ? x_max * 1.05 : 1);
  chart.set_y(0, 1);
  chart.y_axis(reports::Units::fraction, 5, "share of runs with RTO \xE2\x89\xA4 x");
  chart.x_axis(reports::Units::seconds_short, 6);
  std::vector<std::string> names;
  std::size_t with_rto = 0;
  for (const CombinationStats& c : summary.combinations) {
    if (c.rto_sorted.empty()) continue;
    if (with_rto++ >= kMaxCdfCurves) continue;
    chart.cdf(c.rto_sorted, reports::series_class(names.size()));
    names.push_back("#" + std::to_string(c.index));
  }
  chart.legend(names);
  std::string html = chart.str();
  if (with_rto > names.size()) {
    html += "<p class=\"note\">Only the first " + std::to_string(names.size()) +
            " combinations are drawn; whatif.csv has every one.</p>";
  }
  return html;
}

}  // namespace firedrill::whatif
