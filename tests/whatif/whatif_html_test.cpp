// whatif.html's per-VM charts: one panel per VM and chart, names escaped, the VM count
// capped (the worst p95 RTO drawn, the others named), the edge cases said in words (no
// --vary, VMs never affected or never recovered, one run, failed runs); every page parses
// as XML (tests/reports/check_xml.py) and renders in headless Chromium without a console
// message.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <string>

#include "reports/whatif_report.hpp"
#include "tests/reports/support.hpp"

namespace firedrill::whatif {
namespace {

namespace fs = std::filesystem;

using firedrill::testing::CommandResult;
using firedrill::testing::run_command;
using firedrill::testing::shell_quote;

fs::path write_page(const std::string& name, const std::string& html) {
  const fs::path path = fs::path(firedrill::testing::output_dir(name)) / "whatif.html";
  firedrill::testing::write_file(path.string(), html);
  return path;
}

// Parsed as XML (the page is polyglot XHTML), and every inline <svg> on its own.
void expect_well_formed(const std::string& name, const std::string& html) {
  const fs::path path = write_page(name, html);
  const CommandResult check =
      run_command("python3 " + shell_quote(firedrill::testing::source_path("check_xml.py")) +
                  " html " + shell_quote(path.string()));
  EXPECT_EQ(check.exit_status, 0) << name << ": " << check.output;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::size_t panels_of(const std::string& html, const std::string& escaped_vm) {
  return count(html, "class=\"panel\" data-vm=\"" + escaped_vm + "\"");
}

struct VmSpec {
  std::string name;
  // RTO (seconds) in combination c, run r; nullopt: unaffected in that run.
  std::function<std::optional<double>(std::size_t c, int r)> rto;
  VmOutcome missing = VmOutcome::unaffected;  // the outcome of a run without an RTO
};

SweepSummary make_summary(std::vector<Axis> axes, int runs, const std::vector<VmSpec>& vms,
                          const std::function<bool(std::size_t, int)>& run_fails = nullptr) {
  Sweep sweep;
  sweep.tool_version = "test";
  sweep.scenario = "site-outage";
  sweep.plan = "three-tier";
  sweep.runs = runs;
  sweep.axes = std::move(axes);
  std::vector<RunRecord> records;
  for (std::size_t c = 0; c < sweep.combination_count(); ++c) {
    for (int run = 0; run < runs; ++run) {
      RunRecord record;
      record.combination = c;
      record.run = run;
      record.seed = sweep.seed_of(c, run);
      if (run_fails && run_fails(c, run)) {
        record.ok = false;
        record.error = "killed by signal 11 (Segmentation fault)";
        records.push_back(record);
        continue;
      }
      for (const VmSpec& spec : vms) {
        VmRun vm;
        vm.name = spec.name;
        vm.objective_rto_s = 300;
        vm.objective_rpo_s = 600;
        if (auto rto = spec.rto(c, run)) {
          vm.outcome = VmOutcome::recovered;
          vm.rto_s = *rto;
          vm.rpo_s = 0.5 * *rto;
          vm.rto_met = *rto <= 300;
          vm.rpo_met = *vm.rpo_s <= 600;
        } else {
          vm.outcome = spec.missing;
        }
        record.vms.push_back(vm);
      }
      records.push_back(record);
    }
  }
  return summarize(sweep, records, false);
}

std::vector<Axis> two_axes() {
  return {{"replication.to-dr.interval", {"5m", "15m", "30m"}},
          {"recovery.operator_delay", {"1m", "5m"}}};
}

std::optional<double> rising(std::size_t c, int run) {
  return 100.0 + 40.0 * c + run;
}

TEST(WhatifHtml, OnePanelPerVmForEveryChart) {
  const SweepSummary summary =
      make_summary(two_axes(), 12, {{"db", rising}, {"app", rising}, {"web", rising}});
  const std::string html = format_whatif_html(summary);
  expect_well_formed("small-sweep", html);
  for (const char* vm : {"db", "app", "web"}) {
    // RTO and RPO against each of the two axes, and the distribution of the RTO.
    EXPECT_EQ(panels_of(html, vm), 5u) << vm;
    for (const char* chart : {"rto-axis-0", "rpo-axis-0", "rto-axis-1", "rpo-axis-1", "cdf"}) {
      EXPECT_EQ(count(html, "data-vm=\"" + std::string(vm) + "\" data-chart=\"" + chart + "\""), 1u)
          << vm << " " << chart;
    }
  }
  EXPECT_NE(html.find("<h3>RTO of each VM against replication.to-dr.interval</h3>"),
            std::string::npos);
  EXPECT_NE(html.find("<h3>RPO of each VM against recovery.operator_delay</h3>"),
            std::string::npos);
  EXPECT_NE(html.find("<h3>Distribution of each VM's RTO</h3>"), std::string::npos);
  // The objective is drawn and said; the values drawn are whatif.json's (db's p50 and p95
  // in combination 0 are runs 5 and 11 of 100 + r).
  EXPECT_NE(html.find("RTO objective 5m"), std::string::npos);
  EXPECT_NE(html.find("replication.to-dr.interval=5m (operator_delay=1m): p50 105s, p95 111s, "
                      "12 runs"),
            std::string::npos);
  // Six combinations fit: none is left out of the distributions, no VM is left out.
  EXPECT_EQ(html.find("Only the first"), std::string::npos);
  EXPECT_EQ(html.find("Left out"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(WhatifHtml, EscapesVmNames) {
  // The third name is too long for a panel: shortened between characters, not inside one.
  std::string long_name;
  for (int i = 0; i < 20; ++i) long_name += "\u00e9\u20ac";
  const SweepSummary summary = make_summary({{"recovery.operator_delay", {"1m", "5m"}}}, 3,
                                            {{"a<&>\"b'", rising},
                                             {"<&>", [](std::size_t, int) { return std::nullopt; }},
                                             {long_name, rising}});
  const std::string html = format_whatif_html(summary);
  expect_well_formed("escaped-names", html);
  EXPECT_EQ(html.find("a<&>"), std::string::npos);
  EXPECT_EQ(html.find("<&>"), std::string::npos);
  EXPECT_EQ(panels_of(html, "a&lt;&amp;&gt;&quot;b&#39;"), 3u);
  EXPECT_NE(html.find(">a&lt;&amp;&gt;&quot;b&#39;</text>"), std::string::npos);
  // The other one is never affected: named, not drawn.
  EXPECT_EQ(panels_of(html, "&lt;&amp;&gt;"), 0u);
  EXPECT_NE(html.find("Not affected in any run, so there is no RTO or RPO to draw: "
                      "<b>&lt;&amp;&gt;</b>."),
            std::string::npos);
  EXPECT_EQ(panels_of(html, long_name), 3u);
  std::string shortened;
  for (int i = 0; i < 33; ++i) shortened += i % 2 ? "\u20ac" : "\u00e9";
  EXPECT_NE(html.find("class=\"title\">" + shortened + "\u2026</text>"), std::string::npos);
}

TEST(WhatifHtml, DrawsAtMostTwentyVmsTheWorstP95Rto) {
  // vm00..vm24; vm07 is never recovered (the worst of all); of the others, the higher the
  // number the larger the RTO, so vm00..vm04 are the best five and are left out.
  std::vector<VmSpec> vms;
  for (int i = 0; i < 25; ++i) {
    const std::string name = (i < 10 ? "vm0" : "vm") + std::to_string(i);
    if (i == 7) {
      vms.push_back({name, [](std::size_t, int) { return std::nullopt; }, VmOutcome::failed});
    } else {
      vms.push_back({name, [i](std::size_t c, int r) { return 60.0 + 10.0 * i + c + r; }});
    }
  }
  const SweepSummary summary = make_summary({{"recovery.operator_delay", {"1m", "5m"}}}, 4, vms);
  const std::string html = format_whatif_html(summary);
  expect_well_formed("capped", html);
  EXPECT_NE(html.find("25 VMs were affected; the 20 with the worst p95 RTO over the combinations "
                      "are drawn"),
            std::string::npos);
  EXPECT_NE(html.find("Left out: <b>vm00</b>, <b>vm01</b>, <b>vm02</b>, <b>vm03</b>, <b>vm04</b>."),
            std::string::npos);
  for (int i = 0; i < 25; ++i) {
    const std::string name = (i < 10 ? "vm0" : "vm") + std::to_string(i);
    EXPECT_EQ(panels_of(html, name), i < 5 ? 0u : 3u) << name;
  }
  EXPECT_EQ(count(html, "class=\"panel\""), 20u * 3u);
  // The never-recovered VM says so instead of drawing empty axes.
  EXPECT_NE(html.find("No RTO in any run:"), std::string::npos);
  EXPECT_NE(html.find("never recovered, nothing to draw"), std::string::npos);
  EXPECT_NE(html.find("\u2718 not recovered in 8 of 8 runs"), std::string::npos);
}

TEST(WhatifHtml, WithoutVaryOnlyTheDistributions) {
  const SweepSummary summary = make_summary(
      {}, 20, {{"db", rising}, {"web", [](std::size_t, int r) {
                                  return r % 2 ? std::optional<double>(90 + r) : std::nullopt;
                                }}});
  const std::string html = format_whatif_html(summary);
  expect_well_formed("no-vary", html);
  EXPECT_EQ(panels_of(html, "db"), 1u);
  EXPECT_EQ(panels_of(html, "web"), 1u);
  EXPECT_EQ(count(html, "data-chart=\"cdf\""), 2u);
  EXPECT_EQ(html.find("-axis-"), std::string::npos);
  EXPECT_NE(html.find("#0 scenario as written"), std::string::npos);
}

TEST(WhatifHtml, OneRunAndFailedRuns) {
  // One run per combination, and combination 1's run failed: it has no VM to draw; web is
  // not affected in combination 2.
  const SweepSummary summary = make_summary(
      {{"replication.to-dr.interval", {"5m", "15m", "30m"}}}, 1,
      {{"db", rising},
       {"web", [](std::size_t c, int r) { return c == 2 ? std::nullopt : rising(c, r); }}},
      [](std::size_t c, int) { return c == 1; });
  const std::string html = format_whatif_html(summary);
  expect_well_formed("one-run-failed", html);
  EXPECT_EQ(panels_of(html, "db"), 3u);
  EXPECT_NE(html.find("\u2718 1 run(s) gave no outcome and are in none of these charts"),
            std::string::npos);
  EXPECT_NE(html.find(">no completed run in #1<"), std::string::npos);
  EXPECT_NE(html.find(">no completed run in #1; no RTO in #2<"), std::string::npos);
  EXPECT_EQ(panels_of(html, "web"), 3u);

  // Every run failed: nothing to draw, said once.
  const SweepSummary failed = make_summary({{"recovery.operator_delay", {"1m"}}}, 2,
                                           {{"db", rising}}, [](std::size_t, int) { return true; });
  const std::string none = format_whatif_html(failed);
  expect_well_formed("all-failed", none);
  EXPECT_NE(none.find("No run gave an outcome: there is nothing to draw per VM."),
            std::string::npos);
  EXPECT_EQ(count(none, "class=\"panel\""), 0u);
}

TEST(WhatifHtml, ManyCombinationsDrawTheFirstSixDistributions) {
  const SweepSummary summary =
      make_summary({{"replication.to-dr.interval", {"5m", "15m", "30m", "1h"}},
                    {"recovery.operator_delay", {"1m", "5m", "10m"}}},
                   2, {{"db", rising}, {"dns", [](std::size_t, int) { return 30.0; }}});
  const std::string html = format_whatif_html(summary);
  expect_well_formed("many-combinations", html);
  EXPECT_NE(html.find("Only the first 6 of the 12 combinations are drawn"), std::string::npos);
  EXPECT_EQ(panels_of(html, "db"), 5u);
  // dns's RTO is the same everywhere: its six curves are one on top of the other, said.
  EXPECT_NE(html.find(">RTO objective 5m; the 6 curves coincide<"), std::string::npos);
  EXPECT_EQ(count(html, "curves coincide"), 1u);
}

// Renders `html` with headless Chromium to a PNG and a PDF: no console message allowed.
void expect_renders(const std::string& name, const std::string& html) {
  firedrill::testing::render_with_chromium(write_page(name, html).string(), 4000);
}

TEST(WhatifHtml, RendersInHeadlessChromiumWithoutConsoleMessages) {
  std::vector<VmSpec> vms = {
      {"db", rising},
      {"app<&>", [](std::size_t c, int r) { return 200.0 + 30.0 * c + 7 * r; }},
      {"web",
       [](std::size_t c, int r) {
         return r % 4 == 3 ? std::nullopt : std::optional<double>(150.0 + 20.0 * c + r);
       },
       VmOutcome::failed},
      {"batch", [](std::size_t, int) { return std::nullopt; }}};
  expect_renders("chromium-sweep", format_whatif_html(make_summary(two_axes(), 20, vms)));
}

}  // namespace
}  // namespace firedrill::whatif
