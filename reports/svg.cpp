// Inline SVG builder (see svg.hpp).
#include "reports/svg.hpp"

#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

std::string title_element(std::string_view tooltip) {
  if (tooltip.empty()) return {};
  return "<title>" + xml_escape(tooltip) + "</title>";
}

std::string class_attribute(std::string_view css_class) {
  if (css_class.empty()) return {};
  return " class=\"" + xml_escape(css_class) + "\"";
}

// A self-closing element, or one wrapping its <title> when there is a tooltip.
std::string element(const char* name, const std::string& attributes, std::string_view tooltip) {
  if (tooltip.empty()) return "<" + std::string(name) + attributes + "/>";
  return "<" + std::string(name) + attributes + ">" + title_element(tooltip) + "</" + name + ">";
}

}  // namespace

std::string coordinate(double value) {
  return trimmed_fixed(value, 2);
}

Svg::Svg(double width, double height, std::string_view label)
    : width_(width), height_(height), label_(label) {}

void Svg::root_attribute(std::string_view name, std::string_view value) {
  root_attributes_ += " " + std::string(name) + "=\"" + xml_escape(value) + "\"";
}

void Svg::tooltip(std::string_view text) {
  title_ = title_element(text);
}

void Svg::rect(double x, double y, double width, double height, std::string_view css_class,
               std::string_view tooltip, double corner) {
  if (width < 0) width = 0;
  if (height < 0) height = 0;
  std::string attributes = " x=\"" + coordinate(x) + "\" y=\"" + coordinate(y) + "\" width=\"" +
                           coordinate(width) + "\" height=\"" + coordinate(height) + "\"";
  if (corner > 0) attributes += " rx=\"" + coordinate(corner) + "\"";
  body_ += element("rect", attributes + class_attribute(css_class), tooltip);
}

void Svg::line(double x1, double y1, double x2, double y2, std::string_view css_class,
               std::string_view tooltip) {
  const std::string attributes = " x1=\"" + coordinate(x1) + "\" y1=\"" + coordinate(y1) +
                                 "\" x2=\"" + coordinate(x2) + "\" y2=\"" + coordinate(y2) + "\"";
  body_ += element("line", attributes + class_attribute(css_class), tooltip);
}

void Svg::path(std::string_view d, std::string_view css_class, std::string_view tooltip) {
  body_ += element("path", " d=\"" + xml_escape(d) + "\"" + class_attribute(css_class), tooltip);
}

void Svg::circle(double cx, double cy, double r, std::string_view css_class,
                 std::string_view tooltip) {
  const std::string attributes =
      " cx=\"" + coordinate(cx) + "\" cy=\"" + coordinate(cy) + "\" r=\"" + coordinate(r) + "\"";
  body_ += element("circle", attributes + class_attribute(css_class), tooltip);
}

void Svg::diamond(double cx, double cy, double r, std::string_view css_class,
                  std::string_view tooltip) {
  const std::string d = "M" + coordinate(cx) + " " + coordinate(cy - r) + "L" + coordinate(cx + r) +
                        " " + coordinate(cy) + "L" + coordinate(cx) + " " + coordinate(cy + r) +
                        "L" + coordinate(cx - r) + " " + coordinate(cy) + "Z";
  path(d, css_class, tooltip);
}

void Svg::cross(double cx, double cy, double r, std::string_view css_class,
                std::string_view tooltip) {
  const std::string d = "M" + coordinate(cx - r) + " " + coordinate(cy - r) + "L" +
                        coordinate(cx + r) + " " + coordinate(cy + r) + "M" + coordinate(cx - r) +
                        " " + coordinate(cy + r) + "L" + coordinate(cx + r) + " " +
                        coordinate(cy - r);
  path(d, css_class, tooltip);
}

void Svg::text(double x, double y, std::string_view content, std::string_view css_class,
               std::string_view anchor, std::string_view tooltip) {
  body_ +=
      "<text x=\"" + coordinate(x) + "\" y=\"" + coordinate(y) + "\"" + class_attribute(css_class);
  if (anchor != "start") body_ += " text-anchor=\"" + std::string(anchor) + "\"";
  body_ += ">" + xml_escape(content) + title_element(tooltip) + "</text>";
}

void Svg::vertical_text(double x, double y, std::string_view content, std::string_view css_class) {
  body_ += "<text transform=\"translate(" + coordinate(x) + "," + coordinate(y) +
           ") rotate(-90)\"" + class_attribute(css_class) + " text-anchor=\"middle\">" +
           xml_escape(content) + "</text>";
}

std::string Svg::str() const {
  const std::string name = label_.empty()
                               ? " aria-hidden=\"true\""
                               : " role=\"img\" aria-label=\"" + xml_escape(label_) + "\"";
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + coordinate(width_) + " " +
         coordinate(height_) + "\" width=\"" + coordinate(width_) + "\" height=\"" +
         coordinate(height_) + "\"" + name + root_attributes_ + ">" + title_ + body_ + "</svg>";
}

}  // namespace firedrill::reports
