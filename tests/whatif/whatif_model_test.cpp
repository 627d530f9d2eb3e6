// The what-if model: --vary and --shard parsing, combination order, seed derivation,
// shard slices, and the run records' JSON round trip.
#include <set>

#include <gtest/gtest.h>

#include "whatif/model.hpp"

namespace firedrill::whatif {
namespace {

TEST(WhatifVary, SplitsValues) {
  const auto axis = parse_vary("replication.to-dr.interval=5m, 15m,1h");
  ASSERT_TRUE(axis.ok());
  EXPECT_EQ(axis.value().path, "replication.to-dr.interval");
  EXPECT_EQ(axis.value().values, (std::vector<std::string>{"5m", "15m", "1h"}));
}

TEST(WhatifVary, KeepsCommasInsideDistributions) {
  const auto axis =
      parse_vary(R"(scenario.events[0].at={"dist":"uniform","min":"1h","max":"1d"},3h)");
  ASSERT_TRUE(axis.ok());
  ASSERT_EQ(axis.value().values.size(), 2u);
  EXPECT_EQ(axis.value().values[0], R"({"dist":"uniform","min":"1h","max":"1d"})");
  EXPECT_EQ(axis.value().values[1], "3h");
}

TEST(WhatifVary, RejectsMalformedOptionsNamingThem) {
  for (const char* bad :
       {"interval", "=5m", "a.b=5m,,6m", "a.b={\"dist\":1", "a.b=5m,5m", "a.b="}) {
    const auto axis = parse_vary(bad);
    ASSERT_FALSE(axis.ok()) << bad;
    EXPECT_NE(axis.errors()[0].render().find(bad), std::string::npos) << axis.errors()[0].render();
  }
}

TEST(WhatifShard, ParsesZeroBasedSlices) {
  ASSERT_TRUE(parse_shard("0/4").ok());
  EXPECT_EQ(parse_shard("3/4").value(), (Shard{3, 4}));
  EXPECT_FALSE(parse_shard("4/4").ok());
  EXPECT_FALSE(parse_shard("1/0").ok());
  EXPECT_FALSE(parse_shard("x/2").ok());
  EXPECT_FALSE(parse_shard("2").ok());
}

Sweep grid() {
  Sweep sweep;
  sweep.seed = 7;
  sweep.runs = 3;
  sweep.sets = {"recovery.detection=30s"};
  sweep.axes = {{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}};
  return sweep;
}

TEST(WhatifSweep, LastAxisVariesFastest) {
  const Sweep sweep = grid();
  EXPECT_EQ(sweep.combination_count(), 6u);
  EXPECT_EQ(sweep.task_count(), 18u);
  EXPECT_EQ(sweep.values_of(0), (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(sweep.values_of(1), (std::vector<std::string>{"1", "y"}));
  EXPECT_EQ(sweep.values_of(3), (std::vector<std::string>{"2", "x"}));
  EXPECT_EQ(sweep.overrides_of(5),
            (std::vector<std::string>{"recovery.detection=30s", "a=2", "b=z"}));
}

TEST(WhatifSweep, NoAxisIsOneCombination) {
  Sweep sweep;
  sweep.runs = 10;
  EXPECT_EQ(sweep.combination_count(), 1u);
  EXPECT_TRUE(sweep.values_of(0).empty());
}

TEST(WhatifSweep, SeedsAreCommonAcrossCombinationsByDefault) {
  Sweep sweep = grid();
  std::set<std::uint64_t> seeds;
  for (int run = 0; run < 3; ++run) {
    EXPECT_EQ(sweep.seed_of(0, run), sweep.seed_of(5, run));
    EXPECT_LT(sweep.seed_of(0, run), 1ULL << 53);
    seeds.insert(sweep.seed_of(0, run));
  }
  EXPECT_EQ(seeds.size(), 3u);
  sweep.independent_seeds = true;
  EXPECT_NE(sweep.seed_of(0, 0), sweep.seed_of(5, 0));
  Sweep other = grid();
  other.seed = 8;
  EXPECT_NE(other.seed_of(0, 0), grid().seed_of(0, 0));
}

TEST(WhatifSweep, ShardsPartitionTheTasks) {
  const Sweep sweep = grid();
  std::vector<int> seen(sweep.task_count(), 0);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t task : sweep.tasks_of({i, 4})) ++seen.at(task);
  }
  for (int count : seen) EXPECT_EQ(count, 1);
  EXPECT_EQ(sweep.tasks_of({0, 1}).size(), sweep.task_count());
}

TEST(WhatifRecords, RoundTripThroughTheRunsFile) {
  RunsFile file;
  file.sweep = grid();
  file.sweep.tool_version = "0.1.0";
  file.sweep.inputs = {{"s.json", "abc"}};
  file.shard = {1, 2};
  RunRecord record;
  record.combination = 4;
  record.run = 2;
  record.seed = file.sweep.seed_of(4, 2);
  record.incident_s = 7200.125;
  record.objectives_met = false;
  VmRun vm;
  vm.name = "db";
  vm.outcome = VmOutcome::recovered;
  vm.rto_s = 0.1 + 0.2;  // not exactly 0.3: must survive the text round trip
  vm.objective_rto_s = 900;
  vm.rto_met = true;
  vm.critical_path = {{"operator_delay", "db", 300}, {"boot", "ad", 45.5}};
  record.vms.push_back(vm);
  RunRecord crashed;
  crashed.combination = 0;
  crashed.run = 1;
  crashed.seed = 3;
  crashed.ok = false;
  crashed.error = "killed by signal 9 (Killed)";
  file.records = {record, crashed};

  const std::string text = format_runs_file(file);
  const auto parsed = parse_runs_file(text, "runs.jsonl");
  ASSERT_TRUE(parsed.ok()) << parsed.errors()[0].render();
  EXPECT_EQ(parsed.value().shard, (Shard{1, 2}));
  ASSERT_EQ(parsed.value().records.size(), 2u);
  // Sorted by task: the crashed run (task 1) first.
  EXPECT_FALSE(parsed.value().records[0].ok);
  EXPECT_EQ(parsed.value().records[0].error, crashed.error);
  const RunRecord& back = parsed.value().records[1];
  EXPECT_EQ(back.seed, record.seed);
  EXPECT_EQ(*back.incident_s, 7200.125);
  EXPECT_EQ(*back.vms[0].rto_s, 0.1 + 0.2);
  EXPECT_FALSE(back.vms[0].rpo_s.has_value());
  EXPECT_EQ(back.vms[0].critical_path.size(), 2u);
  EXPECT_EQ(back.vms[0].critical_path[1].vm, "ad");
  EXPECT_EQ(format_runs_file(parsed.value()), text);
}

TEST(WhatifRecords, BadRunsFilesNameTheLine) {
  const auto parsed = parse_runs_file("{\"firedrill_whatif_runs\": 1}\n", "x/runs.jsonl");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.errors()[0].render().find("x/runs.jsonl:1"), std::string::npos);
  EXPECT_FALSE(parse_runs_file("", "e").ok());
  EXPECT_FALSE(parse_runs_file("not json\n", "e").ok());
}

}  // namespace
}  // namespace firedrill::whatif
