// A tiny builder for inline SVG: shapes and text with escaped content and locale-free
// coordinates, so every drawing in report.html and the trend report is well-formed XML.
#pragma once

#include <string>
#include <string_view>

namespace firedrill::reports {

class Svg {
 public:
  // `label` becomes the accessible name (role="img" + aria-label).
  Svg(double width, double height, std::string_view label);

  // Each shape takes a class (styled by the page's CSS, may be empty) and an optional
  // tooltip (<title>, shown on hover without any script).
  void rect(double x, double y, double width, double height, std::string_view css_class,
            std::string_view tooltip = {}, double corner = 0.0);
  void line(double x1, double y1, double x2, double y2, std::string_view css_class,
            std::string_view tooltip = {});
  void path(std::string_view d, std::string_view css_class, std::string_view tooltip = {});
  void circle(double cx, double cy, double r, std::string_view css_class,
              std::string_view tooltip = {});
  // A diamond centred on (cx, cy), half-diagonal r.
  void diamond(double cx, double cy, double r, std::string_view css_class,
               std::string_view tooltip = {});
  // anchor: "start" | "middle" | "end".
  void text(double x, double y, std::string_view content, std::string_view css_class,
            std::string_view anchor = "start");
  // Raw, already well-formed SVG (defs, markers).
  void raw(std::string_view markup) { body_ += markup; }

  std::string str() const;

 private:
  double width_;
  double height_;
  std::string label_;
  std::string body_;
};

// Coordinates with two decimals.
std::string coordinate(double value);
// A "round" spacing in seconds (1 s, 5 s, 1 m, 15 m, 1 h, 6 h, 1 d, 1 w...) giving at most
// `max_ticks` ticks over `span_s`.
double nice_time_step(double span_s, double max_ticks);

}  // namespace firedrill::reports
