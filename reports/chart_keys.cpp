// What tells the series of a chart apart: a marker shape per series, the colour keys under
// a plot, and the HTML key above a grid of small charts (see chart.hpp).
#include <algorithm>

#include "reports/chart.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

// Shapes and dashes repeat after six series; colours after kSeriesStyles.
constexpr std::size_t kShapes = 6;

std::string marker_class(std::size_t series) {
  return series_class(series) +
         (series % kShapes == kShapes - 1 ? " chart-cross" : " chart-marker");
}

// A triangle pointing up (`up`) or down, centred on (x, y).
std::string triangle(double x, double y, bool up) {
  const double tip = up ? -4.2 : 4.2, base = up ? 3 : -3;
  return "M" + coordinate(x) + " " + coordinate(y + tip) + "L" + coordinate(x + 4) + " " +
         coordinate(y + base) + "L" + coordinate(x - 4) + " " + coordinate(y + base) + "Z";
}

}  // namespace

std::string series_class(std::size_t series, bool dashed) {
  std::string css = "series-" + std::to_string(series % kSeriesStyles);
  if (dashed) css += " dash-" + std::to_string(series % kShapes);
  return css;
}

void draw_marker(Svg& svg, std::size_t series, double x, double y, std::string_view tooltip) {
  const std::string css = marker_class(series);
  switch (series % kShapes) {
    case 0:
      return svg.circle(x, y, 3.5, css, tooltip);
    case 1:
      return svg.rect(x - 3.2, y - 3.2, 6.4, 6.4, css, tooltip);
    case 2:
      return svg.path(triangle(x, y, true), css, tooltip);
    case 3:
      return svg.diamond(x, y, 4.5, css, tooltip);
    case 4:
      return svg.path(triangle(x, y, false), css, tooltip);
    default:
      return svg.cross(x, y, 3.5, css, tooltip);
  }
}

void Chart::legend(const std::vector<std::string>& names) {
  // A key is a 10 px box, a gap and the name (about 6.8 px a character at 11 px).
  auto width_of = [](const std::string& name) {
    return 28 + 6.8 * static_cast<double>(name.size());
  };
  auto wraps = [&](double x, const std::string& name) {
    return x + width_of(name) > plot_right() && x > plot_left();
  };
  int rows = 1;
  double x = plot_left();
  for (const std::string& name : names) {
    if (wraps(x, name)) ++rows, x = plot_left();
    x += width_of(name);
  }
  double y = height_ - 10 - 14 * std::min(rows - 1, 1);
  x = plot_left();
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (wraps(x, names[i])) x = plot_left(), y += 14;
    if (y > height_) break;  // two rows at most: the page's table names every series
    svg_.rect(x, y - 9, 10, 10, series_class(i) + " chart-swatch");
    svg_.text(x + 14, y, names[i], "chart-legend");
    x += width_of(names[i]);
  }
}

std::string chart_key_html(const std::vector<std::string>& names, bool dashed,
                           const std::vector<KeyExtra>& extras) {
  auto item = [](Svg& swatch, const std::string& name) {
    return "<li>" + swatch.str() + xml_escape(name) + "</li>";
  };
  std::string html = "<ul class=\"chart-key\">";
  for (std::size_t i = 0; i < names.size(); ++i) {
    Svg swatch(36, 12, "");
    swatch.line(1, 6, 35, 6, "chart-line " + series_class(i, dashed));
    draw_marker(swatch, i, 18, 6, names[i]);
    html += item(swatch, names[i]);
  }
  for (const KeyExtra& extra : extras) {
    Svg swatch(36, 12, "");
    if (extra.area) {
      swatch.rect(1, 1, 34, 10, extra.swatch_class);
    } else {
      swatch.line(1, 6, 35, 6, extra.swatch_class);
    }
    html += item(swatch, extra.name);
  }
  return html + "</ul>";
}

}  // namespace firedrill::reports
