// What-if statistics: nearest-rank quantiles, objective probabilities, outcome counts and
// the p95 critical-path drivers, on records built by hand.
#include <algorithm>
#include <random>

#include <gtest/gtest.h>

#include "reports/whatif_report.hpp"
#include "whatif/stats.hpp"

namespace firedrill::whatif {
namespace {

TEST(WhatifQuantile, NearestRankOnOneToHundred) {
  std::vector<double> values;
  for (int i = 1; i <= 100; ++i) values.push_back(i);
  EXPECT_EQ(quantile(values, 0.50), 50);
  EXPECT_EQ(quantile(values, 0.95), 95);
  EXPECT_EQ(quantile(values, 0.99), 99);
  EXPECT_EQ(quantile(values, 1.0), 100);
  EXPECT_EQ(quantile(values, 0.0), 1);
}

TEST(WhatifQuantile, SmallSamplesReportObservedValues) {
  EXPECT_EQ(quantile({7.0}, 0.95), 7.0);
  EXPECT_EQ(quantile({1.0, 2.0, 3.0}, 0.5), 2.0);
  EXPECT_EQ(quantile({1.0, 2.0, 3.0}, 0.95), 3.0);
}

TEST(WhatifDescribe, EmptyAndUnsorted) {
  EXPECT_FALSE(describe({}).has_value());
  const auto d = describe({5, 1, 3, 2, 4});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->n, 5u);
  EXPECT_EQ(d->min, 1);
  EXPECT_EQ(d->max, 5);
  EXPECT_DOUBLE_EQ(d->mean, 3);
  EXPECT_EQ(d->p50, 3);
  EXPECT_EQ(d->p95, 5);
}

Sweep two_value_sweep(int runs) {
  Sweep sweep;
  sweep.tool_version = "test";
  sweep.scenario = "s";
  sweep.plan = "p";
  sweep.runs = runs;
  sweep.axes = {{"recovery.operator_delay", {"1m", "5m"}}};
  return sweep;
}

VmRun vm_run(const std::string& name, VmOutcome outcome, std::optional<double> rto,
             std::optional<double> rpo, double objective) {
  VmRun vm;
  vm.name = name;
  vm.outcome = outcome;
  vm.rto_s = rto;
  vm.rpo_s = rpo;
  vm.objective_rto_s = objective;
  vm.objective_rpo_s = objective;
  if (rto) vm.rto_met = *rto <= objective;
  if (rpo) vm.rpo_met = *rpo <= objective;
  return vm;
}

TEST(WhatifSummarize, CountsProbabilitiesAndPlanWorstCase) {
  const Sweep sweep = two_value_sweep(4);
  std::vector<RunRecord> records;
  for (int run = 0; run < 4; ++run) {
    RunRecord record;
    record.combination = 1;
    record.run = run;
    record.seed = sweep.seed_of(1, run);
    // web: recovered in runs 0-2 with RTO 100, 200, 300; failed in run 3.
    if (run < 3) {
      record.vms.push_back(vm_run("web", VmOutcome::recovered, 100.0 * (run + 1), 50, 250));
    } else {
      record.vms.push_back(vm_run("web", VmOutcome::failed, std::nullopt, std::nullopt, 250));
    }
    // db: unaffected in run 0, recovered with RTO 400 afterwards.
    if (run == 0) {
      record.vms.push_back(vm_run("db", VmOutcome::unaffected, std::nullopt, std::nullopt, 250));
    } else {
      record.vms.push_back(vm_run("db", VmOutcome::recovered, 400, 10, 250));
    }
    record.objectives_met = false;
    records.push_back(record);
  }
  const SweepSummary summary = summarize(sweep, records, false);
  EXPECT_TRUE(summary.partial);  // combination 0 never ran
  ASSERT_EQ(summary.combinations.size(), 2u);
  EXPECT_EQ(summary.combinations[0].completed, 0);
  const CombinationStats& c = summary.combinations[1];
  EXPECT_EQ(c.values, std::vector<std::string>{"5m"});
  EXPECT_EQ(c.completed, 4);
  ASSERT_EQ(c.vms.size(), 2u);
  const VmStats& web = c.vms[0];
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.recovered, 3);
  EXPECT_EQ(web.failed, 1);
  ASSERT_TRUE(web.rto);
  EXPECT_EQ(web.rto->n, 3u);
  EXPECT_EQ(web.rto->max, 300);
  EXPECT_DOUBLE_EQ(*web.p_rto_met, 0.5);  // 100 and 200 met; 300 missed; failed missed
  const VmStats& db = c.vms[1];
  EXPECT_EQ(db.unaffected, 1);
  EXPECT_DOUBLE_EQ(*db.p_rto_met, 0.25);  // only the unaffected run meets 250 s
  EXPECT_DOUBLE_EQ(*db.p_rpo_met, 1.0);
  ASSERT_TRUE(c.rto);
  // Plan worst VM per run: 100 (run 0: db unaffected), 400, 400, 400 (run 3: web failed).
  EXPECT_EQ(c.rto->min, 100);
  EXPECT_EQ(c.rto->max, 400);
  EXPECT_DOUBLE_EQ(*c.p_all_met, 0.0);
}

TEST(WhatifSummarize, DriversOfTheP95Rto) {
  Sweep sweep = two_value_sweep(20);
  sweep.axes.clear();
  std::vector<RunRecord> records;
  for (int run = 0; run < 20; ++run) {
    RunRecord record;
    record.run = run;
    // RTO grows with the run; the slowest run (run 19) sets the p95 tail (ceil(0.95*20)=19th).
    const double operator_delay = 100 + run * 10;
    VmRun web = vm_run("web", VmOutcome::recovered, 60 + operator_delay + 50 + 20, 0, 1e6);
    web.critical_path = {{"detection", "web", 60},
                         {"operator_delay", "web", operator_delay},
                         {"boot", "db", 50},
                         {"boot", "web", 20}};
    record.vms.push_back(web);
    records.push_back(record);
  }
  const SweepSummary summary = summarize(sweep, records, false);
  const VmStats& web = summary.combinations[0].vms[0];
  ASSERT_TRUE(web.rto);
  EXPECT_EQ(web.rto->p95, 60 + 280 + 50 + 20);
  EXPECT_EQ(web.tail_runs, 2u);  // runs 18 and 19
  ASSERT_GE(web.p95_drivers.size(), 4u);
  EXPECT_EQ(web.p95_drivers[0].label, "operator delay");
  EXPECT_EQ(web.p95_drivers[1].label, "detection");
  EXPECT_EQ(web.p95_drivers[2].label, "db boot");
  EXPECT_EQ(web.p95_drivers[3].label, "web boot");
  // tail: operator delay 280 + 290 = 570 of total RTO 410 + 420 = 830 -> 69%.
  EXPECT_NEAR(web.p95_drivers[0].share, 570.0 / 830.0, 1e-12);
  EXPECT_EQ(web.drivers_text, "69% operator delay, 14% detection, 12% db boot, 5% web boot");
}

TEST(WhatifSummarize, UnexplainedRtoIsUnattributed) {
  Sweep sweep = two_value_sweep(1);
  sweep.axes.clear();
  RunRecord record;
  VmRun web = vm_run("web", VmOutcome::recovered, 100, 0, 1e6);
  web.critical_path = {{"boot", "web", 40}};
  record.vms.push_back(web);
  const SweepSummary summary = summarize(sweep, {record}, false);
  EXPECT_EQ(summary.combinations[0].vms[0].drivers_text, "60% unattributed, 40% web boot");
}

TEST(WhatifSummarize, FailedRunsAreKeptWithTheirSeed) {
  const Sweep sweep = two_value_sweep(2);
  RunRecord good;
  good.combination = 0;
  good.vms.push_back(vm_run("web", VmOutcome::recovered, 10, 10, 100));
  RunRecord bad;
  bad.combination = 0;
  bad.run = 1;
  bad.seed = 42;
  bad.ok = false;
  bad.error = "killed by signal 11 (Segmentation fault)";
  const SweepSummary summary = summarize(sweep, {bad, good}, false);
  EXPECT_EQ(summary.completed, 1u);
  EXPECT_EQ(summary.failed, 1u);
  ASSERT_EQ(summary.combinations[0].failed_runs.size(), 1u);
  EXPECT_EQ(summary.combinations[0].failed_runs[0].seed, 42u);
  EXPECT_NE(format_whatif_json(summary).find("Segmentation fault"), std::string::npos);
}

TEST(WhatifSummarize, RecordOrderDoesNotChangeTheBytes) {
  const Sweep sweep = two_value_sweep(50);
  std::vector<RunRecord> records;
  std::mt19937 random(7);
  std::uniform_real_distribution<double> rto(10, 1000);
  for (std::size_t c = 0; c < 2; ++c) {
    for (int run = 0; run < 50; ++run) {
      RunRecord record;
      record.combination = c;
      record.run = run;
      record.vms.push_back(vm_run("web", VmOutcome::recovered, rto(random), rto(random), 500));
      records.push_back(record);
    }
  }
  const std::string before = format_whatif_json(summarize(sweep, records, false));
  std::shuffle(records.begin(), records.end(), random);
  EXPECT_EQ(format_whatif_json(summarize(sweep, records, false)), before);
}

}  // namespace
}  // namespace firedrill::whatif
