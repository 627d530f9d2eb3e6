// The timeline of report.html: one Gantt row per VM (after a row of plan-wide steps) on a
// time axis zoomed around the incident. Each VM row has three lanes: its replication
// cycles with the recovery points they made (the one restored from is larger), its
// recovery steps, and the RPO span (recovery point to incident) and RTO span (incident to
// ready) with the objectives marked. Shapes and dash patterns, not only colours, tell the
// kinds apart; every shape has a tooltip.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "reports/chart.hpp"
#include "reports/html_parts.hpp"
#include "reports/svg.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

constexpr double kWidth = 1000.0;
constexpr double kLabelWidth = 150.0;
constexpr double kRightMargin = 24.0;
constexpr double kAxisHeight = 34.0;
constexpr double kRowHeight = 62.0;
constexpr std::size_t kMaxRows = 200;  // a page, not a poster: report.json has the rest

struct Window {
  double lo = 0.0;
  double hi = 1.0;
  double x(double t) const {
    return kLabelWidth + (t - lo) / (hi - lo) * (kWidth - kLabelWidth - kRightMargin);
  }
  bool contains(double t) const { return t >= lo && t <= hi; }
  double clamp_x(double t) const { return x(std::clamp(t, lo, hi)); }
};

// The time range worth drawing: around the incident when there is one, else the run.
Window choose_window(const Outcome& outcome) {
  Window window;
  const double end = outcome.end_s > 0 ? outcome.end_s : 0.0;
  if (!outcome.incident_time_s) {
    window.lo = 0.0;
    window.hi = end;
    for (const TimelineStep& step : outcome.timeline) window.hi = std::max(window.hi, step.end_s);
    if (window.hi <= 0.0) window.hi = 1.0;
    return window;
  }
  double lo = *outcome.incident_time_s, hi = *outcome.incident_time_s;
  auto include = [&lo, &hi](std::optional<double> t) {
    if (!t || !std::isfinite(*t)) return;
    lo = std::min(lo, *t);
    hi = std::max(hi, *t);
  };
  for (const VmResult& vm : outcome.vms) {
    include(vm.incident_s);
    include(vm.ready_s);
    include(vm.recovery_point_s);
  }
  for (const TimelineStep& step : outcome.timeline) {
    include(step.start_s);
    include(step.end_s);
  }
  double span = hi - lo;
  if (span <= 0.0) span = 60.0;
  window.lo = std::max(0.0, lo - 0.08 * span);
  window.hi = hi + 0.06 * span;
  if (end > 0 && window.hi > end && hi <= end) window.hi = end;
  if (window.hi <= window.lo) window.hi = window.lo + 1.0;
  return window;
}

std::string css_name(const std::string& step) {
  std::string name;
  for (const char c : step) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return name;
}

std::string step_tooltip(const TimelineStep& step) {
  std::string text = step.step;
  if (!step.vm.empty()) text += " of " + step.vm;
  if (!step.host.empty()) text += " on " + step.host;
  text += ": t=" + duration_with_seconds(step.start_s);
  if (step.end_s != step.start_s) {
    text += " to " + duration_with_seconds(step.end_s) + ", " +
            duration_with_seconds(step.end_s - step.start_s);
  }
  if (!step.detail.empty()) text += " -- " + step.detail;
  return text;
}

void draw_axis(Svg& svg, const Window& window, double bottom) {
  for (const double t : nice_ticks(window.lo, window.hi, 10.0, Units::seconds)) {
    const double x = window.x(t);
    svg.line(x, kAxisHeight - 6, x, bottom, "grid");
    svg.text(x, kAxisHeight - 10, format_tick(t, Units::seconds), "axis", "middle");
  }
  svg.line(kLabelWidth, kAxisHeight - 6, kWidth - kRightMargin, kAxisHeight - 6, "axis-line");
  svg.text(4, kAxisHeight - 10, "time since start", "axis");
}

void draw_step(Svg& svg, const Window& window, const TimelineStep& step, double top,
               double height) {
  const std::string css = "step step-" + css_name(step.step);
  const std::string tooltip = step_tooltip(step);
  if (step.end_s <= step.start_s) {  // an instant: a diamond on the lane
    if (!window.contains(step.start_s)) return;
    svg.diamond(window.x(step.start_s), top + height / 2, height / 2 - 1, css + " instant",
                tooltip);
    return;
  }
  if (step.end_s < window.lo || step.start_s > window.hi) return;
  const double x1 = window.clamp_x(step.start_s), x2 = window.clamp_x(step.end_s);
  svg.rect(x1, top, std::max(x2 - x1, 1.5), height, css, tooltip, 2);
  const double label_width = 6.2 * static_cast<double>(step.step.size()) + 6;
  if (x2 - x1 >= label_width) {
    svg.text((x1 + x2) / 2, top + height / 2 + 4, step.step, "step-label", "middle");
  }
}

void draw_transfers(Svg& svg, const Window& window, const Outcome& outcome, const VmResult& vm,
                    double top) {
  for (const TransferRecord& transfer : outcome.transfers) {
    if (transfer.vm != vm.name) continue;
    if (transfer.result == TransferResult::lost &&
        !transfer.end_s) {  // lost as it started: a cross
      if (window.contains(transfer.start_s)) {
        const double x = window.x(transfer.start_s), y = top + 4;
        svg.raw("<path d=\"M" + coordinate(x - 4) + " " + coordinate(y - 4) + "L" +
                coordinate(x + 4) + " " + coordinate(y + 4) + "M" + coordinate(x - 4) + " " +
                coordinate(y + 4) + "L" + coordinate(x + 4) + " " + coordinate(y - 4) +
                "\" class=\"xfer-lost-mark\"><title>" +
                xml_escape(to_string(transfer.kind) + std::string(" as of t=") +
                           duration_with_seconds(transfer.as_of_s) + " lost (" +
                           transfer.source_host + " to " + transfer.target_host + ")") +
                "</title></path>");
      }
      continue;
    }
    const double end = transfer.end_s.value_or(window.hi);
    if (end >= window.lo && transfer.start_s <= window.hi) {
      const double x1 = window.clamp_x(transfer.start_s), x2 = window.clamp_x(end);
      std::string tooltip =
          std::string(to_string(transfer.kind)) + " " + to_string(transfer.result) +
          ", as of t=" + duration_with_seconds(transfer.as_of_s) + ", " +
          human_size(transfer.bytes) + ", " + transfer.source_host + " to " + transfer.target_host +
          ", t=" + duration_with_seconds(transfer.start_s) + " to " +
          (transfer.end_s ? duration_with_seconds(*transfer.end_s) : "-");
      svg.rect(x1, top + 1, std::max(x2 - x1, 1.5), 6,
               "xfer xfer-" + css_name(to_string(transfer.result)), tooltip);
    }
    if (transfer.result == TransferResult::completed && window.contains(transfer.as_of_s)) {
      const bool used = vm.recovery_point_s && *vm.recovery_point_s == transfer.as_of_s &&
                        transfer.kind != TransferKind::reverse_sync;
      svg.diamond(window.x(transfer.as_of_s), top + 4, used ? 6 : 3.5, used ? "rp rp-used" : "rp",
                  (used ? "recovery point restored from, as of t=" : "recovery point as of t=") +
                      duration_with_seconds(transfer.as_of_s));
    }
  }
}

// The RPO span (recovery point to incident, dashed) and RTO span (incident to ready,
// solid), with the objectives as dotted marks.
void draw_spans(Svg& svg, const Window& window, const VmResult& vm, std::optional<double> incident,
                double top) {
  if (!incident) return;
  const double y = top + 6;
  if (vm.rpo_s && vm.recovery_point_s) {
    const double x1 = window.clamp_x(*vm.recovery_point_s), x2 = window.clamp_x(*incident);
    svg.line(x1, y, x2, y, "rpo-span", "RPO achieved " + duration_with_seconds(*vm.rpo_s));
    svg.line(x1, y - 4, x1, y + 4, "rpo-span");
    svg.text((x1 + x2) / 2, y + 13, "RPO " + human_duration(*vm.rpo_s), "span-label", "middle");
  }
  if (vm.rto_s) {
    const double x1 = window.clamp_x(*incident), x2 = window.clamp_x(*incident + *vm.rto_s);
    svg.line(x1, y, x2, y, "rto-span", "RTO achieved " + duration_with_seconds(*vm.rto_s));
    svg.line(x2, y - 4, x2, y + 4, "rto-span");
    svg.text((x1 + x2) / 2, y + 13, "RTO " + human_duration(*vm.rto_s), "span-label", "middle");
  }
  if (vm.objective_rto_s && window.contains(*incident + *vm.objective_rto_s)) {
    const double x = window.x(*incident + *vm.objective_rto_s);
    svg.line(x, top - 34, x, top + 10, "objective",
             "RTO objective " + duration_with_seconds(*vm.objective_rto_s) + " after the incident");
    svg.text(x + 2, top - 26, "RTO obj", "objective-label");
  }
  if (vm.objective_rpo_s && vm.rpo_s && window.contains(*incident - *vm.objective_rpo_s)) {
    const double x = window.x(*incident - *vm.objective_rpo_s);
    svg.line(
        x, top - 34, x, top + 10, "objective",
        "RPO objective " + duration_with_seconds(*vm.objective_rpo_s) + " before the incident");
    svg.text(x - 2, top - 26, "RPO obj", "objective-label", "end");
  }
}

const char* outcome_mark(VmOutcome outcome) {
  switch (outcome) {
    case VmOutcome::recovered:
      return "\u2714 recovered";
    case VmOutcome::failed:
      return "\u2718 failed";
    case VmOutcome::lost:
      return "\u2718 lost";
    case VmOutcome::unaffected:
      return "\u2013 unaffected";
  }
  return "?";
}

}  // namespace

std::string timeline_svg(const Scenario& scenario, const Outcome& outcome) {
  (void)scenario;
  const Window window = choose_window(outcome);
  std::vector<const TimelineStep*> plan_steps;
  std::map<std::string, std::vector<const TimelineStep*>> vm_steps;
  for (const TimelineStep& step : outcome.timeline) {
    if (step.vm.empty()) {
      plan_steps.push_back(&step);
    } else {
      vm_steps[step.vm].push_back(&step);
    }
  }
  const std::size_t vm_rows = std::min(outcome.vms.size(), kMaxRows);
  const double plan_row = plan_steps.empty() ? 0.0 : 34.0;
  const double height = kAxisHeight + plan_row + kRowHeight * static_cast<double>(vm_rows) + 8;
  Svg svg(kWidth, height, "Timeline of the run: recovery steps, replication and RTO/RPO per VM");
  draw_axis(svg, window, height - 4);

  double top = kAxisHeight;
  if (!plan_steps.empty()) {
    svg.rect(0, top, kWidth, plan_row, "row-plan");
    svg.text(8, top + 21, "plan-wide", "row-label");
    for (const TimelineStep* step : plan_steps) draw_step(svg, window, *step, top + 8, 18);
    top += plan_row;
  }
  for (std::size_t i = 0; i < vm_rows; ++i) {
    const VmResult& vm = outcome.vms[i];
    if (i % 2 == 1) svg.rect(0, top, kWidth, kRowHeight, "row-alt");
    svg.text(8, top + 24, vm.name, "row-label");
    svg.text(8, top + 40, outcome_mark(vm.outcome), "row-sub");
    draw_transfers(svg, window, outcome, vm, top + 4);
    for (const TimelineStep* step : vm_steps[vm.name]) draw_step(svg, window, *step, top + 15, 18);
    const std::optional<double> incident = vm.incident_s ? vm.incident_s : outcome.incident_time_s;
    if (vm.outcome != VmOutcome::unaffected) draw_spans(svg, window, vm, incident, top + 38);
    top += kRowHeight;
  }
  if (outcome.incident_time_s && window.contains(*outcome.incident_time_s)) {
    const double x = window.x(*outcome.incident_time_s);
    svg.line(x, kAxisHeight - 6, x, height - 4, "incident-line",
             "incident at t=" + duration_with_seconds(*outcome.incident_time_s));
    svg.text(x + 3, kAxisHeight + 10, "incident", "incident-label");
  }
  std::string result = svg.str();
  if (outcome.vms.size() > kMaxRows) {
    result += "<p class=\"note\">Showing the first " + std::to_string(kMaxRows) + " of " +
              std::to_string(outcome.vms.size()) + " VMs; report.json has all of them.</p>";
  }
  return result;
}

std::string timeline_legend_html() {
  constexpr const char* kSteps[] = {"failure", "corruption", "detection", "operator_wait",
                                    "ha_wait", "shutdown",   "power_off", "sync",
                                    "restore", "boot",       "ready",     "reverse_sync",
                                    "cleanup", "repair"};
  std::string html = "<ul class=\"legend\">";
  for (const char* step : kSteps) {
    html += "<li><span class=\"swatch step-" + css_name(step) + "\"></span>" + step + "</li>";
  }
  html +=
      "<li><span class=\"swatch xfer-completed\"></span>replication cycle</li>"
      "<li>\u2716 cycle lost</li>"
      "<li>\u25C6 recovery point (large: restored from)</li>"
      "<li>\u2504 dashed: RPO span</li><li>\u2501 solid: RTO span</li>"
      "<li>\u2506 dotted: objective</li><li>red dashed line: incident</li></ul>";
  return html;
}

}  // namespace firedrill::reports
