// The stylesheets: report.html's and the trend report's page (system fonts only, readable
// in print: A4 landscape, colours kept, no drawing split across pages), and the one of
// reports/chart, shared by the trend report and whatif.html.
#include <string>

#include "reports/chart.hpp"
#include "reports/html_parts.hpp"

namespace firedrill::reports {

namespace {

// The report's style sheet in parts, each starting on a new line; report_css() joins them.

// The page: colours, body text, headings.
constexpr const char* kPageCss = R"css(
:root { --pass: #1a7f37; --fail: #c62828; --muted: #5f6368; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; font-size: 14px;
       color: #1f2328; margin: 24px auto; max-width: 1100px; padding: 0 16px;
       -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--muted); margin: 0 0 12px; })css";

// The verdict box at the top.
constexpr const char* kVerdictCss = R"css(
.verdict { font-size: 17px; padding: 12px 16px; border-radius: 6px; border: 2px solid; margin: 12px 0; }
.verdict.pass { border-color: var(--pass); background: #e9f6ec; }
.verdict.fail { border-color: var(--fail); background: #fdecea; }
.verdict strong { font-size: 19px; }
.verdict.pass strong { color: var(--pass); }
.verdict.fail strong { color: var(--fail); }
p.verdict.pass, p.verdict.fail { color: #1f2328; font-weight: normal; })css";

// Tables and the words in them (pass, fail, n/a, code, notes).
constexpr const char* kTableCss = R"css(
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid var(--line); padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.pass { color: var(--pass); font-weight: bold; }
.fail { color: var(--fail); font-weight: bold; }
.na { color: var(--muted); }
.mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12px; word-break: break-all; }
.note { color: var(--muted); font-size: 12px; })css";

// Figures, legends and the evidence list.
constexpr const char* kFigureCss = R"css(
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: var(--muted); font-size: 12px; margin-top: 4px; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px; border: 1px solid #888; vertical-align: middle; }
dl.evidence { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
dl.evidence dt { font-weight: bold; }
dl.evidence dd { margin: 0; })css";

// The timeline's rows, steps, transfers, restore points and RTO/RPO spans.
constexpr const char* kTimelineCss = R"css(
svg text { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
svg .axis { font-size: 10px; fill: var(--muted); }
svg .axis-line { stroke: #888; stroke-width: 1; }
svg .grid { stroke: #e4e7eb; stroke-width: 1; }
svg .row-alt { fill: #f6f8fa; }
svg .row-plan { fill: #fff8e1; }
svg .row-label { font-size: 13px; font-weight: bold; fill: #1f2328; }
svg .row-sub { font-size: 11px; fill: var(--muted); }
svg .step { fill: #9e9e9e; stroke: #555; stroke-width: 0.5; }
svg .step-failure, .swatch.step-failure { fill: #b71c1c; background: #b71c1c; }
svg .step-corruption, .swatch.step-corruption { fill: #6a1b9a; background: #6a1b9a; }
svg .step-detection, .swatch.step-detection { fill: #ef9a9a; background: #ef9a9a; }
svg .step-operator_wait, .swatch.step-operator_wait { fill: #ffcc80; background: #ffcc80; }
svg .step-ha_wait, .swatch.step-ha_wait { fill: #ffe082; background: #ffe082; }
svg .step-shutdown, .swatch.step-shutdown { fill: #bcaaa4; background: #bcaaa4; }
svg .step-power_off, .swatch.step-power_off { fill: #8d6e63; background: #8d6e63; }
svg .step-sync, .swatch.step-sync { fill: #80deea; background: #80deea; }
svg .step-restore, .swatch.step-restore { fill: #90caf9; background: #90caf9; }
svg .step-boot, .swatch.step-boot { fill: #64b5f6; background: #64b5f6; }
svg .step-ready, .swatch.step-ready { fill: #2e7d32; background: #2e7d32; }
svg .step-reverse_sync, .swatch.step-reverse_sync { fill: #b39ddb; background: #b39ddb; }
svg .step-cleanup, .swatch.step-cleanup { fill: #cfd8dc; background: #cfd8dc; }
svg .step-repair, .swatch.step-repair { fill: #a5d6a7; background: #a5d6a7; }
svg .instant { stroke: #222; stroke-width: 0.8; }
svg .step-label { font-size: 10px; fill: #111; }
svg .xfer { stroke: none; }
svg .xfer-completed, .swatch.xfer-completed { fill: #b0bec5; background: #b0bec5; }
svg .xfer-lost, .swatch.xfer-lost { fill: #ef5350; background: #ef5350; }
svg .xfer-lost-mark { stroke: var(--fail); stroke-width: 2; }
svg .xfer-in_flight, svg .xfer-cancelled { fill: #eceff1; stroke: #90a4ae; stroke-dasharray: 2 2; }
svg .rp { fill: #455a64; }
svg .rp-used { fill: #0d47a1; stroke: #fff; stroke-width: 1; }
svg .rto-span { stroke: #1f2328; stroke-width: 2; }
svg .rpo-span { stroke: #1f2328; stroke-width: 2; stroke-dasharray: 5 3; }
svg .span-label { font-size: 10px; fill: #1f2328; }
svg .objective { stroke: var(--fail); stroke-width: 1.2; stroke-dasharray: 1 2; }
svg .objective-label { font-size: 9px; fill: var(--fail); }
svg .incident-line { stroke: var(--fail); stroke-width: 1.5; stroke-dasharray: 6 3; }
svg .incident-label { font-size: 11px; fill: var(--fail); font-weight: bold; })css";

// The topology and start-order drawings (html_plan.cpp).
constexpr const char* kPlanCss = R"css(
svg .site { fill: #fafbfc; stroke: #8c959f; stroke-width: 1.2; }
svg .site-label { font-size: 13px; font-weight: bold; }
svg .host { fill: #fff; stroke: #8c959f; }
svg .host-label { font-size: 11px; }
svg .vm { fill: #ddf4ff; stroke: #54aeff; }
svg .replica { fill: #fff; stroke: #8250df; stroke-dasharray: 3 2; }
svg .pill-label { font-size: 11px; }
svg .replication { fill: none; stroke: #8250df; stroke-width: 1.4; stroke-dasharray: 5 3; }
svg .link { stroke: #1f2328; stroke-width: 2; }
svg .link-end { fill: #1f2328; }
svg .edge-label { font-size: 10px; fill: #444; }
svg .arrowhead { fill: #444; }
svg .dependency { fill: none; stroke: #444; stroke-width: 1.3; }
svg .order-node { fill: #ddf4ff; stroke: #54aeff; }
svg .node-label { font-size: 12px; font-weight: bold; }
svg .node-sub { font-size: 10px; fill: var(--muted); })css";

// The trend report's charts (history_views.cpp).
constexpr const char* kTrendCss = R"css(
svg .trend-objective { stroke: var(--fail); stroke-width: 1.2; stroke-dasharray: 6 3; }
svg .trend-line { fill: none; stroke: #0969da; stroke-width: 1.5; }
svg .trend-pass { fill: var(--pass); }
svg .trend-fail { fill: none; stroke: var(--fail); stroke-width: 2.5; }
svg .trend-test { stroke: #8250df; stroke-width: 1; stroke-dasharray: 2 3; })css";

// Print: A4 landscape, a heading kept with what follows, table rows whole, headers repeated.
constexpr const char* kPrintCss = R"css(
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
})css";

}  // namespace

const char* report_css() {
  static const std::string sheet = std::string(kPageCss) + kVerdictCss + kTableCss + kFigureCss +
                                   kTimelineCss + kPlanCss + kTrendCss + kPrintCss + "\n";
  return sheet.c_str();
}

// Series colours come first so that what a shape is (a line has no fill, a band no stroke)
// overrides them; panels (svg.panel) draw thinner. Colours after Tableau 10; dashes and
// marker shapes (chart_keys.cpp) tell series apart without colour.
const char* chart_css() {
  return R"css(
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
.charts figure { flex: 1 1 420px; }
svg .title { font-size: 13px; font-weight: 600; }
svg .chart-sub { font-size: 10.5px; fill: #555; }
svg .chart-warning { font-size: 10.5px; fill: #b00020; }
svg .chart-msg { font-size: 12px; fill: #555; }
svg .chart-grid { stroke: #e6e6e6; stroke-width: 1; }
svg .chart-frame { stroke: #888; stroke-width: 1; }
svg .chart-tick, svg .chart-caption { font-size: 11px; fill: #555; }
svg .chart-legend { font-size: 11px; fill: #333; }
svg .series-0 { stroke: #1f77b4; fill: #1f77b4; }
svg .series-1 { stroke: #d62728; fill: #d62728; }
svg .series-2 { stroke: #2ca02c; fill: #2ca02c; }
svg .series-3 { stroke: #9467bd; fill: #9467bd; }
svg .series-4 { stroke: #ff7f0e; fill: #ff7f0e; }
svg .series-5 { stroke: #17becf; fill: #17becf; }
svg .series-6 { stroke: #8c564b; fill: #8c564b; }
svg .series-7 { stroke: #e377c2; fill: #e377c2; }
svg .dash-1 { stroke-dasharray: 6 3; }
svg .dash-2 { stroke-dasharray: 2 2; }
svg .dash-3 { stroke-dasharray: 9 3 2 3; }
svg .dash-4 { stroke-dasharray: 5 2; }
svg .dash-5 { stroke-dasharray: 1 3; }
svg .chart-line { fill: none; stroke-width: 2; }
svg .chart-band { stroke: none; fill-opacity: 0.18; }
svg .chart-bar { stroke-opacity: 0.5; stroke-width: 6; }
svg .chart-marker, svg .chart-swatch { stroke: none; }
svg .chart-cross { fill: none; stroke-width: 2; }
svg.panel .chart-line { stroke-width: 1.8; }
svg.panel .chart-band { fill-opacity: 0.14; }
svg.panel .chart-bar { stroke-opacity: 0.45; stroke-width: 5; }
svg .chart-objective { stroke: #666; stroke-width: 1.2; stroke-dasharray: 4 3; }
svg .chart-key-band { fill: #888; fill-opacity: 0.25; stroke: none; }
ul.chart-key { list-style: none; padding: 0; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 12px; }
ul.chart-key svg { border: none; background: none; vertical-align: middle; margin-right: 5px; }
)css";
}

}  // namespace firedrill::reports
