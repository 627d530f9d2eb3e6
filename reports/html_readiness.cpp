// report.html: how a real VM was found ready (SPEC 7), one line in its notes. The ladder is
// the backend's evidence (running, console or agent, re_ip, each health check, data_probe)
// in the order it was climbed; times are since the incident, so the last rung of a
// recovered VM reads as its RTO.
#include <cmath>

#include "reports/html_parts.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {
namespace {

// "+12.3s" since the incident, "+5m 3s" past a minute; "t=12.3s" of the run without one.
std::string rung_time(double at_s, const std::optional<double>& incident) {
  const double t = incident ? at_s - *incident : at_s;
  const std::string magnitude =
      std::abs(t) < 60.0 ? fixed(std::abs(t), 1) + "s" : human_duration(std::abs(t));
  if (!incident) return "t=" + std::string(t < 0 ? "-" : "") + magnitude;
  return (t < 0 ? "\u2212" : "+") + magnitude;
}

// "check tcp :80 +16.1s (2 attempts)", "re_ip +15.4s (eth0 10.2.0.10/24)", or a failed
// rung: "\u2718 check tcp :80 failed +5m 2s (150 attempts): connection refused".
std::string rung_html(const ReadinessStep& rung, const std::optional<double>& incident) {
  // A check's detail names it, so it is part of the label; other details are what the
  // rung found (the address read back) or why it failed.
  const bool detail_names_rung = rung.step == "check" && !rung.detail.empty();
  std::string text = detail_names_rung ? "check " + rung.detail : rung.step;
  if (!rung.passed) text = "\u2718 " + text + " failed";
  text += " " + rung_time(rung.at_s, incident);
  if (rung.attempts > 1) text += " (" + std::to_string(rung.attempts) + " attempts)";
  if (!detail_names_rung && !rung.detail.empty()) {
    text += rung.passed ? " (" + rung.detail + ")" : ": " + rung.detail;
  }
  if (rung.passed) return xml_escape(text);
  return "<span class=\"fail\">" + xml_escape(text) + "</span>";
}

}  // namespace

std::string readiness_html(const std::vector<ReadinessStep>& ladder,
                           const std::optional<double>& incident) {
  if (ladder.empty()) return "";
  // A failed rung ends the ladder (engine/outcome.hpp), so the last one tells the result.
  const bool ready = ladder.back().passed;
  std::string html =
      std::string("<span class=\"readiness\">") + (ready ? "ready by: " : "not ready: ");
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    if (i > 0) html += " \u2192 ";
    html += rung_html(ladder[i], incident);
  }
  return html + "</span>";
}

}  // namespace firedrill::reports
