// The plot area of reports/chart: scales, axes, series and rules (see chart.hpp).
#include "reports/chart.hpp"

#include <algorithm>

#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

constexpr double kTickLength = 4;     // a tick mark under the x axis
constexpr double kLabelGap = 6;       // between a y label and the plot
constexpr double kLabelBaseline = 4;  // lowers a y label's baseline to centre it on its tick
constexpr double kXLabelDrop = 15;    // from the x axis to its labels' baseline
constexpr double kTitleBaseline = 20;
constexpr double kYTitleX = 14;

}  // namespace

std::vector<Point> band_outline(const std::vector<BandPoint>& points) {
  std::vector<Point> outline;
  outline.reserve(2 * points.size());
  for (const BandPoint& point : points) outline.push_back({point.x, point.hi});
  for (auto point = points.rbegin(); point != points.rend(); ++point) {
    outline.push_back({point->x, point->lo});
  }
  return outline;
}

std::vector<Point> cdf_points(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  std::vector<Point> points;
  if (samples.empty()) return points;
  const double n = static_cast<double>(samples.size());
  points.push_back({samples.front(), 0});
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (i + 1 < samples.size() && samples[i + 1] == samples[i]) continue;  // the last of a tie
    if (samples[i] != points.back().x) points.push_back({samples[i], points.back().y});
    points.push_back({samples[i], static_cast<double>(i + 1) / n});
  }
  return points;
}

double Scale::operator()(double value) const {
  const double span = hi > lo ? hi - lo : 1;
  return from_px + (value - lo) / span * (to_px - from_px);
}

Chart::Chart(double width, double height, Margins margins, std::string_view label)
    : width_(width),
      height_(height),
      margins_(margins),
      x_{0, 1, margins.left, width - margins.right},
      y_{0, 1, height - margins.bottom, margins.top},
      svg_(width, height, label) {}

void Chart::set_x(double lo, double hi) {
  x_.lo = lo;
  x_.hi = hi;
}

void Chart::set_y(double lo, double hi) {
  y_.lo = lo;
  y_.hi = hi;
}

void Chart::title(std::string_view text) {
  svg_.text(plot_left(), kTitleBaseline, text, "title");
}

void Chart::y_axis(Units units, double max_ticks, std::string_view title) {
  for (const double value : nice_ticks(y_.lo, y_.hi, max_ticks, units)) {
    svg_.line(plot_left(), y(value), plot_right(), y(value), "chart-grid");
    svg_.text(plot_left() - kLabelGap, y(value) + kLabelBaseline, format_tick(value, units),
              "chart-tick", "end");
  }
  if (!title.empty()) {
    svg_.vertical_text(kYTitleX, (plot_top() + plot_bottom()) / 2, title, "chart-caption");
  }
}

void Chart::x_axis(const std::vector<Label>& labels) {
  svg_.line(plot_left(), plot_bottom(), plot_right(), plot_bottom(), "chart-frame");
  for (const Label& label : labels) {
    const double at = x(label.value);
    svg_.line(at, plot_bottom(), at, plot_bottom() + kTickLength, "chart-frame");
    svg_.text(at, plot_bottom() + kXLabelDrop, label.text, "chart-tick", "middle", label.tooltip);
  }
}

void Chart::x_axis(Units units, double max_ticks) {
  std::vector<Label> labels;
  for (const double value : nice_ticks(x_.lo, x_.hi, max_ticks, units)) {
    labels.push_back({value, format_tick(value, units), {}});
  }
  x_axis(labels);
}

void Chart::x_title(std::string_view text) {
  svg_.text((plot_left() + plot_right()) / 2, height_ - 8, text, "chart-caption", "middle");
}

std::string Chart::path_of(const std::vector<Point>& points, double dx_px) const {
  std::string d;
  for (const Point& point : points) {
    d += (d.empty() ? "M" : "L") + coordinate(x(point.x) + dx_px) + " " + coordinate(y(point.y));
  }
  return d;
}

void Chart::line(const std::vector<Point>& points, std::string_view css_class, double dx_px) {
  if (points.empty()) return;
  svg_.path(path_of(points, dx_px), std::string("chart-line ") + std::string(css_class));
}

void Chart::steps(const std::vector<StepPoint>& points, std::string_view css_class,
                  std::string_view tooltip) {
  std::string d;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!points[i].y) continue;
    const double from = i == 0 ? plot_left() : x(points[i].x);
    const double to = i + 1 < points.size() ? x(points[i + 1].x) : plot_right();
    d += "M" + coordinate(from) + " " + coordinate(y(*points[i].y)) + "H" + coordinate(to);
  }
  if (!d.empty()) svg_.path(d, css_class, tooltip);
}

void Chart::band(const std::vector<BandPoint>& points, std::string_view css_class, double dx_px) {
  if (points.empty()) return;
  svg_.path(path_of(band_outline(points), dx_px) + "Z",
            std::string("chart-band ") + std::string(css_class));
}

void Chart::range_bar(const BandPoint& point, std::string_view css_class, double dx_px) {
  const double at = x(point.x) + dx_px;
  svg_.line(at, y(point.lo), at, y(point.hi), std::string("chart-bar ") + std::string(css_class));
}

void Chart::cdf(const std::vector<double>& samples, std::string_view css_class) {
  line(cdf_points(samples), css_class);
}

void Chart::x_rule(double value, std::string_view css_class, std::string_view tooltip) {
  if (value < x_.lo || value > x_.hi) return;
  svg_.line(x(value), plot_top(), x(value), plot_bottom(), css_class, tooltip);
}

void Chart::y_rule(double value, std::string_view css_class, std::string_view tooltip) {
  if (value < y_.lo || value > y_.hi) return;
  svg_.line(plot_left(), y(value), plot_right(), y(value), css_class, tooltip);
}

void Chart::marker(std::size_t series, double x_value, double y_value, std::string_view tooltip,
                   double dx_px) {
  draw_marker(svg_, series, x(x_value) + dx_px, y(y_value), tooltip);
}

}  // namespace firedrill::reports
