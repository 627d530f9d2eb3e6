// Charts written once: a plot area with x/y scales, nice ticks, axes labelled in the units
// of reports/text's formatting, line, step, band and CDF series, rules (objectives, test
// dates), markers and legends, all drawn through reports::Svg. whatif.html and the trend
// report draw with it; chart_css() (html_style.cpp) styles every class it emits.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reports/svg.hpp"

namespace firedrill::reports {

// How tick values read, and so how they step.
enum class Units {
  seconds_short,  // short_duration(): "45s", "7.5m", "2.25h"; clock steps
  seconds,        // human_duration(): "1m 30s", "0" at zero; clock steps
  fraction,       // "0.25"; 1-2-5 steps
  percent,        // a fraction shown as "25%"; 1-2-5 steps
};

std::string format_tick(double value, Units units);

// The one tick-step rule: the smallest "round" step giving at most `max_ticks` intervals
// over `span`. Durations step as a clock reads (1 s, 2 s, 5 s, ... 15 m, 30 m, 1 h, 6 h,
// 1 d, 2 d, 1 w, 30 d, 90 d, 1 y, then whole years; below a second a tick, as numbers);
// numbers as 1, 2, 5 times a power of ten. A span that is zero, negative or not finite
// gives the unit step (1).
double nice_step(double span, double max_ticks, Units units);
// The multiples of nice_step(hi - lo) within [lo, hi], ascending (exact multiples, not
// accumulated sums). A zero-width or inverted range, or one that holds no multiple (a
// short range, a step that had to be wider), gives {lo}.
std::vector<double> nice_ticks(double lo, double hi, double max_ticks, Units units);

struct Point {
  double x = 0, y = 0;
};
// A band's vertical extent at one x (p50 to p95, say).
struct BandPoint {
  double x = 0, lo = 0, hi = 0;
};
// A level of a step series; no y: a gap (the level before stops here, none is drawn).
struct StepPoint {
  double x = 0;
  std::optional<double> y;
};

// The outline of a band, in data units: along `points` on `hi`, then back on `lo`
// (2 * points.size() vertices, closed by the caller).
std::vector<Point> band_outline(const std::vector<BandPoint>& points);
// The empirical CDF of `samples` (any order) as step vertices in data units: from
// (min, 0), for each distinct value v, over to v and up to the share of samples <= v.
// Empty samples give no vertex.
std::vector<Point> cdf_points(std::vector<double> samples);

// A linear map of [lo, hi] onto [from_px, to_px]; a zero-width domain maps as 1 wide.
struct Scale {
  double lo = 0, hi = 1, from_px = 0, to_px = 1;
  double operator()(double value) const;
};

struct Margins {
  double left = 0, right = 0, top = 0, bottom = 0;
};

// One chart: an Svg of `width` x `height` with a plot area inside `margins`; the y axis
// grows upwards. Set the domains before drawing. Every series takes a CSS class (its
// colour and dash: "series-0 dash-0", "trend-line"...) and an optional pixel offset `dx_px`
// to dodge series that share x values.
class Chart {
 public:
  Chart(double width, double height, Margins margins, std::string_view label);

  void set_x(double lo, double hi);
  void set_y(double lo, double hi);
  double x(double value) const { return x_(value); }
  double y(double value) const { return y_(value); }
  double plot_left() const { return margins_.left; }
  double plot_right() const { return width_ - margins_.right; }
  double plot_top() const { return margins_.top; }
  double plot_bottom() const { return height_ - margins_.bottom; }
  double width() const { return width_; }
  double height() const { return height_; }
  // For what a chart adds of its own (headings, messages).
  Svg& svg() { return svg_; }

  // A heading above the plot area, at its left edge.
  void title(std::string_view text);
  // Grid lines across the plot and labels on the left at nice ticks of the y domain, and
  // `title` (may be empty) written upwards beside them.
  void y_axis(Units units, double max_ticks, std::string_view title);
  // The x axis line, with a tick mark and a label under it at each (value, label); a
  // non-empty tooltip per label shows the full text of a shortened one.
  struct Label {
    double value = 0;
    std::string text, tooltip;
  };
  void x_axis(const std::vector<Label>& labels);
  // x_axis at nice ticks of the x domain.
  void x_axis(Units units, double max_ticks);
  // The name of the x axis, centred under the labels.
  void x_title(std::string_view text);

  void line(const std::vector<Point>& points, std::string_view css_class, double dx_px = 0);
  // Each level runs from its x to the next point's x; the first starts at the plot's left
  // edge and the last ends at its right edge.
  void steps(const std::vector<StepPoint>& points, std::string_view css_class,
             std::string_view tooltip = {});
  void band(const std::vector<BandPoint>& points, std::string_view css_class, double dx_px = 0);
  // A vertical bar from lo to hi at x (the band's extent at one point).
  void range_bar(const BandPoint& point, std::string_view css_class, double dx_px = 0);
  void cdf(const std::vector<double>& samples, std::string_view css_class);
  // Full-height (x_rule) or full-width (y_rule) lines at a value; nothing when the value
  // is outside the domain. Objectives use the class "chart-objective".
  void x_rule(double value, std::string_view css_class, std::string_view tooltip = {});
  void y_rule(double value, std::string_view css_class, std::string_view tooltip = {});
  // Series `series`'s marker (circle, square, triangle, diamond, inverted triangle,
  // cross, in turn) at (x, y) in data units.
  void marker(std::size_t series, double x_value, double y_value, std::string_view tooltip,
              double dx_px = 0);
  // Colour keys of series 0, 1, ... under the plot, wrapped onto a second row when they do
  // not fit on one.
  void legend(const std::vector<std::string>& names);

  std::string str() const { return svg_.str(); }

 private:
  std::string path_of(const std::vector<Point>& points, double dx_px) const;

  double width_, height_;
  Margins margins_;
  Scale x_, y_;
  Svg svg_;
};

// The number of series styles (colour, marker, dash) before they repeat.
inline constexpr std::size_t kSeriesStyles = 8;
// "series-3", plus " dash-3" when `dashed` (panels tell series apart by dash as well).
std::string series_class(std::size_t series, bool dashed = false);
// Draws series `series`'s marker centred on (x, y) in pixels.
void draw_marker(Svg& svg, std::size_t series, double x, double y, std::string_view tooltip);
// An HTML key for a grid of charts, once above it: each series' line and marker, then
// `extras` (a swatch class and its name: a band, the objective line).
struct KeyExtra {
  std::string swatch_class, name;
  bool area = false;  // a filled box instead of a line
};
std::string chart_key_html(const std::vector<std::string>& names, bool dashed,
                           const std::vector<KeyExtra>& extras);

// The stylesheet of every class above (and .charts, a row of charts that wraps), for a
// page's <style> (html_style.cpp).
const char* chart_css();

}  // namespace firedrill::reports
