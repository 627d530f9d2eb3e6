// report.html and the trend report: self-contained (no script, no external resource),
// well-formed (parsed as XML, every inline SVG too), the right content, and rendered by
// headless Chromium to a PNG and a PDF without a single console message. Chromium is
// required: without it the test fails (.ci/run installs Debian's `chromium`).
#include <gtest/gtest.h>

#include <filesystem>

#include "reports/history.hpp"
#include "reports/report.hpp"
#include "tests/reports/samples.hpp"
#include "tests/reports/support.hpp"

namespace firedrill::testing {
namespace {

std::string html_of(const Sample& sample) {
  return reports::render_report_html(sample.scenario, sample.outcome, sample.context);
}

// Everything a page could fetch from elsewhere: scripts, links, images, imports, URLs.
void expect_self_contained(const std::string& html) {
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("@import"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("@font-face"), std::string::npos);
  // The only URL allowed is the SVG namespace name, which is never fetched. (No std::regex:
  // GCC 12 warns inside it under AddressSanitizer.)
  const std::string svg_namespace = "http://www.w3.org/2000/svg";
  for (const char* scheme : {"http://", "https://"}) {
    for (std::size_t at = html.find(scheme); at != std::string::npos;
         at = html.find(scheme, at + 1)) {
      EXPECT_EQ(html.compare(at, svg_namespace.size(), svg_namespace), 0)
          << "external URL at offset " << at << ": " << html.substr(at, 60);
    }
  }
}

void expect_well_formed(const std::string& path) {
  const CommandResult check = run_command("python3 " + shell_quote(source_path("check_xml.py")) +
                                          " html " + shell_quote(path));
  EXPECT_EQ(check.exit_status, 0) << check.output;
}

std::vector<reports::HistoryRun> sample_history() {
  std::vector<reports::HistoryRun> runs;
  const char* dates[] = {"2026-01-05T02:00:00Z", "2026-02-02T02:00:00Z", "2026-03-02T02:00:00Z",
                         "2026-04-06T02:00:00Z", "2026-05-04T02:00:00Z"};
  for (int i = 0; i < 5; ++i) {
    Sample sample = i % 2 == 0 ? test_drill_real_sample() : site_outage_sample();
    if (i % 2 == 0) sample.context.prediction.reset();
    for (VmResult& vm : sample.outcome.vms) {
      if (vm.rto_s) vm.rto_s = *vm.rto_s * (1.0 + 0.15 * i);
      if (vm.rto_s && vm.objective_rto_s) vm.rto_met = *vm.rto_s <= *vm.objective_rto_s;
    }
    reports::HistoryRun run;
    run.id = i + 1;
    run.recorded_utc = dates[i];
    run.started_utc = dates[i];
    run.scenario = sample.scenario.name;
    run.plan = sample.scenario.plan.name;
    run.kind = reports::drill_kind(sample.scenario);
    run.backend = sample.context.backend;
    run.seed = sample.scenario.seed;
    run.exit_status = exit_status(sample.outcome);
    run.objectives_met = sample.outcome.summary.objectives_met;
    run.recovered = sample.outcome.summary.recovered;
    run.lost = sample.outcome.summary.lost;
    run.unaffected = sample.outcome.summary.unaffected;
    run.rto_s = sample.outcome.summary.rto_s;
    run.rpo_s = sample.outcome.summary.rpo_s;
    run.report_json = reports::render_report_json(sample.scenario, sample.outcome, sample.context);
    run.row_sha256 = std::string(64, 'a');
    runs.push_back(run);
  }
  return runs;
}

TEST(ReportHtml, IsSelfContainedAndWellFormed) {
  for (const Sample& sample : {site_outage_sample(), test_drill_real_sample(), quiet_sample()}) {
    const std::string html = html_of(sample);
    expect_self_contained(html);
    const std::string path = output_dir("html-" + sample.scenario.name) + "/report.html";
    write_file(path, html);
    expect_well_formed(path);
  }
}

TEST(ReportHtml, ShowsVerdictTableTimelinePlanAndEvidence) {
  const std::string html = html_of(site_outage_sample());
  EXPECT_NE(html.find("\u2718 FAIL"), std::string::npos);
  EXPECT_NE(html.find("3 objectives missed, 1 VM(s) not recovered"), std::string::npos);
  EXPECT_NE(html.find("\u2718 MISSED by 35s"), std::string::npos);          // web's RTO
  EXPECT_NE(html.find("\u2718 MISSED by 5m"), std::string::npos);           // web's RPO
  EXPECT_NE(html.find("\u2714 met (7m 15s to spare)"), std::string::npos);  // db's RTO
  EXPECT_NE(html.find("t=1h 45m (T \u2212 15m)"), std::string::npos);       // recovery point
  EXPECT_NE(html.find("id=\"timeline\""), std::string::npos);
  EXPECT_NE(html.find("RTO 8m 35s"), std::string::npos);
  EXPECT_NE(html.find("RPO 15m"), std::string::npos);
  EXPECT_NE(html.find("recovery point restored from"), std::string::npos);
  EXPECT_NE(html.find("id=\"topology\""), std::string::npos);
  EXPECT_NE(html.find("app depends on db"), std::string::npos);
  EXPECT_NE(html.find("scenarios/three-tier.plan.json"), std::string::npos);
  EXPECT_NE(html.find("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"),
            std::string::npos);
  EXPECT_NE(html.find("2026-11-24T21:00:00Z"), std::string::npos);
  EXPECT_NE(html.find("firedrill run scenarios/site-outage.json --backend sim --seed 1"),
            std::string::npos);
}

TEST(ReportHtml, RealRunShowsPredictionAndRedactsCredentials) {
  const std::string html = html_of(test_drill_real_sample());
  EXPECT_NE(html.find("\u2714 PASS"), std::string::npos);
  EXPECT_NE(html.find("Production untouched by the test: <span class=\"pass\">\u2714 yes"),
            std::string::npos);
  EXPECT_NE(html.find("Measured against predicted"), std::string::npos);
  EXPECT_EQ(html.find("s3cret"), std::string::npos);
  EXPECT_EQ(html.find("lab_key"), std::string::npos);
  EXPECT_NE(html.find("qemu+ssh://admin:REDACTED@esx1.lab/system?keyfile=REDACTED&amp;no_verify=1"),
            std::string::npos);
  EXPECT_NE(html.find("qemu:///system?socket=/run/lab/dr1/libvirt-sock"), std::string::npos);
}

TEST(ReportHtml, ShowsEachRealVmsReadinessLadderInItsNotes) {
  Sample sample = test_drill_real_sample();
  const double T = *sample.outcome.incident_time_s;
  sample.outcome.vms[0].readiness = {{"running", T + 12.3, true, 1, ""},
                                     {"agent", T + 15.0, true, 1, ""},
                                     {"re_ip", T + 15.4, true, 1, "eth0 10.2.0.10/24"},
                                     {"check", T + 16.1, true, 2, "tcp :80"},
                                     {"check", T + 75.0, true, 1, "exec test <x> & y"}};
  sample.outcome.vms[1].readiness = {{"running", T + 1.7, true, 1, ""},
                                     {"check", T + 302.0, false, 150, "http :80/health: 503"}};
  const std::string html = html_of(sample);
  EXPECT_NE(html.find("ready by: running +12.3s \u2192 agent +15.0s \u2192 re_ip +15.4s (eth0 "
                      "10.2.0.10/24) \u2192 check tcp :80 +16.1s (2 attempts) \u2192 check exec "
                      "test &lt;x&gt; &amp; y +1m 15s"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("not ready: running +1.7s \u2192 <span class=\"fail\">\u2718 check http "
                      ":80/health: 503 failed +5m 2s (150 attempts)</span>"),
            std::string::npos);
  // Without a ladder (every simulated VM) the notes say nothing of readiness.
  EXPECT_EQ(html_of(test_drill_real_sample()).find("ready by:"), std::string::npos);
  const std::string path = output_dir("html-readiness") + "/report.html";
  write_file(path, html);
  expect_well_formed(path);
}

TEST(ReportHtml, RendersInHeadlessChromiumToPngAndPdfWithoutConsoleErrors) {
  for (const Sample& sample : {site_outage_sample(), test_drill_real_sample()}) {
    const std::string path = output_dir("chromium-" + sample.scenario.name) + "/report.html";
    write_file(path, html_of(sample));
    render_with_chromium(path, 2600);
  }
}

TEST(ReportHtml, ChromiumCheckCatchesConsoleErrors) {
  // The console check above must be able to fail: a page with a script error trips it.
  const CommandResult which = run_command("command -v chromium");
  ASSERT_EQ(which.exit_status, 0) << "chromium is not installed (apt-get install chromium)";
  const std::string dir = output_dir("chromium-self-check");
  write_file(dir + "/bad.html",
             "<!DOCTYPE html><html><body><p>x</p><script>console.error('boom');</script>"
             "</body></html>");
  const CommandResult result = run_command(
      "timeout 180 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --disable-sync --no-first-run --enable-logging=stderr --v=0 "
      "--user-data-dir=" +
      shell_quote(dir + "/profile") + " --screenshot=" + shell_quote(dir + "/bad.png") + " " +
      shell_quote("file://" + dir + "/bad.html"));
  EXPECT_NE(result.output.find(":CONSOLE"), std::string::npos) << result.output;
}

TEST(TrendHtml, IsSelfContainedWellFormedAndRenders) {
  const std::vector<reports::HistoryRun> runs = sample_history();
  const std::string html = reports::history_trend_html(runs, "plan three-tier");
  expect_self_contained(html);
  EXPECT_NE(html.find("id=\"test-failovers\""), std::string::npos);
  EXPECT_NE(html.find("2026-03-02T02:00:00Z"), std::string::npos);
  EXPECT_NE(html.find("RTO of web over time"), std::string::npos);
  EXPECT_NE(html.find("3 of 5 runs met every objective"), std::string::npos);
  const std::string path = output_dir("trend") + "/trend.html";
  write_file(path, html);
  expect_well_formed(path);
  render_with_chromium(path, 2400);
}

}  // namespace
}  // namespace firedrill::testing
