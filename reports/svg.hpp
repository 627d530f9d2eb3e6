// A tiny builder for inline SVG: shapes and text with escaped content and locale-free
// coordinates, so every drawing in report.html and the trend report is well-formed XML.
#pragma once

#include <string>
#include <string_view>

namespace firedrill::reports {

class Svg {
 public:
  // `label` becomes the accessible name (role="img" + aria-label); an empty label marks a
  // decorative drawing (aria-hidden), such as a legend swatch beside its name.
  Svg(double width, double height, std::string_view label);

  // An attribute of the <svg> element itself (class, data-*), value escaped.
  void root_attribute(std::string_view name, std::string_view value);
  // A tooltip over the whole drawing (a <title> as its first child).
  void tooltip(std::string_view text);

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
  // A cross (two diagonals) centred on (cx, cy), half-width r.
  void cross(double cx, double cy, double r, std::string_view css_class,
             std::string_view tooltip = {});
  // anchor: "start" | "middle" | "end". A tooltip shows the full text of a shortened one.
  void text(double x, double y, std::string_view content, std::string_view css_class,
            std::string_view anchor = "start", std::string_view tooltip = {});
  // Text reading upwards, centred on (x, y) (the title of a y axis).
  void vertical_text(double x, double y, std::string_view content, std::string_view css_class);
  // Raw, already well-formed SVG (defs, markers).
  void raw(std::string_view markup) { body_ += markup; }

  std::string str() const;

 private:
  double width_;
  double height_;
  std::string label_;
  std::string root_attributes_;
  std::string title_;
  std::string body_;
};

// Coordinates with two decimals.
std::string coordinate(double value);

}  // namespace firedrill::reports
