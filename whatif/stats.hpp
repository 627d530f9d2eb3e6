// What-if statistics: per combination and per VM, the distribution of RTO and RPO (min,
// mean, p50, p95, p99, max), the probability of meeting each objective, outcome counts,
// and the steps of the critical path that dominate the p95 RTO.
//
// Definitions (also in docs/whatif.md):
// - Quantiles are nearest-rank: the p-quantile of n sorted values is the value at rank
//   ceil(p * n) (1-based), so every reported quantile is an RTO/RPO some run achieved.
// - A VM's RTO/RPO distribution covers the runs that gave it an RTO/RPO (recovered VMs;
//   failed and lost VMs are counted, not averaged in).
// - P(RTO met) = runs where the VM was unaffected or its RTO met the objective, over the
//   completed runs; a failed or lost VM misses it. Null when the VM has no such objective.
// - The "plan" row takes, in each run, the worst VM (max RTO, max RPO); P(all met) is the
//   share of runs where every objective was met and every affected VM recovered.
// - p95 drivers: among the runs whose RTO is at or above the p95 RTO, each critical-path
//   step's total seconds over the total RTO of those runs; what the steps do not explain
//   is reported as "unattributed".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "whatif/model.hpp"

namespace firedrill::whatif {

struct Distribution {
  std::size_t n = 0;
  double min = 0, mean = 0, p50 = 0, p95 = 0, p99 = 0, max = 0;
};

// Nearest-rank quantile of sorted, non-empty values.
double quantile(const std::vector<double>& sorted, double p);
// nullopt for no values. Values need not be sorted.
std::optional<Distribution> describe(std::vector<double> values);

struct StepShare {
  std::string step;   // as in VmResult::critical_path ("operator_delay", "boot", ...)
  std::string vm;     // whose step (empty for plan-wide steps)
  std::string label;  // "operator delay", "db boot"
  double share = 0;   // of the total RTO of the tail runs, in [0, 1]
  double mean_s = 0;  // mean seconds per tail run
};

struct VmStats {
  std::string name;
  std::optional<double> objective_rto_s;  // from the first completed run
  std::optional<double> objective_rpo_s;
  int recovered = 0, failed = 0, lost = 0, unaffected = 0;
  std::optional<Distribution> rto;
  std::optional<Distribution> rpo;
  std::optional<double> p_rto_met;
  std::optional<double> p_rpo_met;
  std::size_t tail_runs = 0;           // runs at or above the p95 RTO
  std::vector<StepShare> p95_drivers;  // largest share first
  std::string drivers_text;            // "58% operator delay, 25% db boot"
};

struct FailedRun {
  int run = 0;
  std::uint64_t seed = 0;
  std::string error;
};

struct CombinationStats {
  std::size_t index = 0;
  std::vector<std::string> values;     // one per axis
  std::vector<std::string> overrides;  // what the loader got
  int planned = 0;                     // runs this combination should have
  int completed = 0;                   // runs that gave an outcome
  std::vector<FailedRun> failed_runs;  // runs that gave none (crash, timeout, error)
  std::optional<Distribution> rto;     // plan: worst VM per run
  std::optional<Distribution> rpo;
  std::optional<double> p_all_met;
  std::vector<double> rto_sorted;  // plan RTO of every completed run, ascending (the CDF)
  std::vector<VmStats> vms;        // in plan order
};

struct SweepSummary {
  Sweep sweep;
  bool partial = false;  // some runs never ran (interrupted, or shards missing)
  bool interrupted = false;
  std::size_t planned = 0, completed = 0, failed = 0;
  std::vector<CombinationStats> combinations;
};

// `records` may come in any order and hold at most one record per task.
SweepSummary summarize(const Sweep& sweep, std::vector<RunRecord> records, bool interrupted);

// "operator delay", "db boot", "boot contention (web)".
std::string step_label(const CriticalStep& step);

}  // namespace firedrill::whatif
