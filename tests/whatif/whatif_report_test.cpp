// The what-if outputs: whatif.json carries the contract's fields, whatif.csv one row per
// combination and VM plus a plan row, whatif.html is self-contained with its charts.
#include <gtest/gtest.h>

#include "reports/whatif_report.hpp"

namespace firedrill::whatif {
namespace {

SweepSummary example(int runs) {
  Sweep sweep;
  sweep.tool_version = "test";
  sweep.scenario = "site-outage";
  sweep.plan = "three-tier";
  sweep.runs = runs;
  sweep.axes = {{"replication.to-dr.interval", {"5m", "15m"}},
                {"recovery.operator_delay", {"1m", "5m"}}};
  std::vector<RunRecord> records;
  for (std::size_t c = 0; c < sweep.combination_count(); ++c) {
    for (int run = 0; run < runs; ++run) {
      RunRecord record;
      record.combination = c;
      record.run = run;
      record.seed = sweep.seed_of(c, run);
      for (const char* name : {"db", "web"}) {
        VmRun vm;
        vm.name = name;
        vm.outcome = VmOutcome::recovered;
        vm.rto_s = 100.0 * (c + 1) + run;
        vm.rpo_s = 60.0 * (c + 1) + run;
        vm.objective_rto_s = 300;
        vm.objective_rpo_s = 300;
        vm.rto_met = *vm.rto_s <= 300;
        vm.rpo_met = *vm.rpo_s <= 300;
        vm.critical_path = {{"operator_delay", name, 60}, {"boot", name, *vm.rto_s - 60}};
        record.vms.push_back(vm);
      }
      records.push_back(record);
    }
  }
  return summarize(sweep, records, false);
}

TEST(WhatifReport, JsonHasTheContractFields) {
  const auto json = Json::parse(format_whatif_json(example(10)));
  EXPECT_EQ(json["kind"], "whatif");
  EXPECT_EQ(json["partial"], false);
  EXPECT_EQ(json["runs_planned"], 40);
  EXPECT_EQ(json["runs_completed"], 40);
  ASSERT_EQ(json["combinations"].size(), 4u);
  const auto& c = json["combinations"][3];
  EXPECT_EQ(c["values"]["replication.to-dr.interval"], "15m");
  EXPECT_EQ(c["values"]["recovery.operator_delay"], "5m");
  const auto& web = c["vms"][1];
  EXPECT_EQ(web["name"], "web");
  for (const char* stat : {"min", "mean", "p50", "p95", "p99", "max"}) {
    EXPECT_TRUE(web["rto"][stat].is_number()) << stat;
    EXPECT_TRUE(web["rpo"][stat].is_number()) << stat;
  }
  EXPECT_EQ(web["rto"]["min"], 400);
  EXPECT_EQ(web["p_rto_met"], 0.0);
  EXPECT_EQ(web["counts"]["recovered"], 10);
  EXPECT_EQ(web["p95_rto_drivers"]["summary"], "85% web boot, 15% operator delay");
  EXPECT_EQ(json.dump().find("jobs"), std::string::npos);
}

TEST(WhatifReport, CsvHasAPlanRowAndOneRowPerVm) {
  const std::string csv = format_whatif_csv(example(5));
  std::size_t lines = 0;
  for (char c : csv) lines += c == '\n';
  EXPECT_EQ(lines, 1u + 4u * 3u);
  EXPECT_EQ(
      csv.rfind("combination,replication.to-dr.interval,recovery.operator_delay,scope,vm,", 0), 0u);
  EXPECT_NE(csv.find("\n3,15m,5m,vm,web,5,5,0,0,0,400,402,402,404,404,404,"), std::string::npos)
      << csv;
}

TEST(WhatifReport, HtmlIsSelfContained) {
  const std::string html = format_whatif_html(example(20));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("CDF of the plan RTO"), std::string::npos);
  EXPECT_NE(html.find("Plan RPO against replication.to-dr.interval"), std::string::npos);
  EXPECT_NE(html.find("Plan RTO against recovery.operator_delay"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("url("), std::string::npos);
  // The only URL is the SVG namespace, which is a name, not a fetched resource.
  std::size_t at = 0;
  while ((at = html.find("http", at)) != std::string::npos) {
    EXPECT_EQ(html.compare(at, 26, "http://www.w3.org/2000/svg"), 0);
    ++at;
  }
}

TEST(WhatifReport, PartialIsMarked) {
  SweepSummary summary = example(3);
  summary.partial = true;
  summary.interrupted = true;
  EXPECT_EQ(Json::parse(format_whatif_json(summary))["partial"], true);
  EXPECT_NE(format_whatif_html(summary).find("Partial result"), std::string::npos);
}

}  // namespace
}  // namespace firedrill::whatif
