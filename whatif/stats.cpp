// What-if statistics: distributions, objective probabilities and p95 critical-path drivers.
#include "whatif/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace firedrill::whatif {

namespace {

bool is_plan_wide(const std::string& step) {
  return step == "detection" || step == "operator_delay" || step == "ha_timeout";
}

std::string spaced(std::string text) {
  std::replace(text.begin(), text.end(), '_', ' ');
  return text;
}

// The share of each critical-path step in the RTO of the runs at or above the p95 RTO.
void compute_drivers(VmStats& stats, const std::vector<const VmRun*>& with_rto) {
  if (!stats.rto) return;
  const double threshold = stats.rto->p95;
  std::map<std::pair<std::string, std::string>, double> seconds_by_step;
  double total_rto = 0;
  double total_steps = 0;
  std::size_t tail = 0;
  for (const VmRun* vm : with_rto) {
    if (*vm->rto_s < threshold) continue;
    ++tail;
    total_rto += *vm->rto_s;
    for (const CriticalStep& step : vm->critical_path) {
      if (step.seconds <= 0) continue;
      const std::string owner = is_plan_wide(step.step) ? "" : step.vm;
      seconds_by_step[{step.step, owner}] += step.seconds;
      total_steps += step.seconds;
    }
  }
  stats.tail_runs = tail;
  const double denominator = std::max(total_rto, total_steps);
  if (tail == 0 || denominator <= 0) return;
  for (const auto& [key, seconds] : seconds_by_step) {
    StepShare share;
    share.step = key.first;
    share.vm = key.second;
    share.label = step_label({key.first, key.second, seconds});
    share.share = seconds / denominator;
    share.mean_s = seconds / static_cast<double>(tail);
    stats.p95_drivers.push_back(std::move(share));
  }
  const double unattributed = total_rto - total_steps;
  if (unattributed > 0.005 * denominator) {
    stats.p95_drivers.push_back({"unattributed", "", "unattributed", unattributed / denominator,
                                 unattributed / static_cast<double>(tail)});
  }
  std::sort(stats.p95_drivers.begin(), stats.p95_drivers.end(),
            [](const StepShare& a, const StepShare& b) {
              if (a.share != b.share) return a.share > b.share;
              return a.label < b.label;
            });
  std::string text;
  int listed = 0;
  for (const StepShare& share : stats.p95_drivers) {
    const long percent = std::lround(share.share * 100);
    if (percent < 1 || listed == 4) break;
    if (!text.empty()) text += ", ";
    text += std::to_string(percent) + "% " + share.label;
    ++listed;
  }
  stats.drivers_text = text;
}

std::optional<double> probability(int met, int total) {
  if (total == 0) return std::nullopt;
  return static_cast<double>(met) / total;
}

VmStats vm_stats(const std::string& name, const std::vector<const VmRun*>& rows) {
  VmStats stats;
  stats.name = name;
  std::vector<double> rto, rpo;
  std::vector<const VmRun*> with_rto;
  int rto_met = 0, rpo_met = 0, rto_judged = 0, rpo_judged = 0;
  for (const VmRun* vm : rows) {
    if (!stats.objective_rto_s) stats.objective_rto_s = vm->objective_rto_s;
    if (!stats.objective_rpo_s) stats.objective_rpo_s = vm->objective_rpo_s;
    switch (vm->outcome) {
      case VmOutcome::recovered:
        ++stats.recovered;
        break;
      case VmOutcome::failed:
        ++stats.failed;
        break;
      case VmOutcome::lost:
        ++stats.lost;
        break;
      case VmOutcome::unaffected:
        ++stats.unaffected;
        break;
    }
    if (vm->rto_s) {
      rto.push_back(*vm->rto_s);
      with_rto.push_back(vm);
    }
    if (vm->rpo_s) rpo.push_back(*vm->rpo_s);
    const bool unaffected = vm->outcome == VmOutcome::unaffected;
    if (vm->objective_rto_s) {
      ++rto_judged;
      if (unaffected || vm->rto_met.value_or(false)) ++rto_met;
    }
    if (vm->objective_rpo_s) {
      ++rpo_judged;
      if (unaffected || vm->rpo_met.value_or(false)) ++rpo_met;
    }
  }
  stats.rto = describe(std::move(rto));
  stats.rpo = describe(std::move(rpo));
  stats.p_rto_met = probability(rto_met, rto_judged);
  stats.p_rpo_met = probability(rpo_met, rpo_judged);
  compute_drivers(stats, with_rto);
  return stats;
}

void fill_combination(CombinationStats& combination, const std::vector<const RunRecord*>& runs) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const VmRun*>> rows_by_vm;
  std::vector<double> plan_rto, plan_rpo;
  int all_met = 0;
  for (const RunRecord* record : runs) {
    if (!record->ok) {
      combination.failed_runs.push_back({record->run, record->seed, record->error});
      continue;
    }
    ++combination.completed;
    if (record->objectives_met) ++all_met;
    std::optional<double> worst_rto, worst_rpo;
    for (const VmRun& vm : record->vms) {
      auto& rows = rows_by_vm[vm.name];
      if (rows.empty()) order.push_back(vm.name);
      rows.push_back(&vm);
      if (vm.rto_s) worst_rto = std::max(worst_rto.value_or(*vm.rto_s), *vm.rto_s);
      if (vm.rpo_s) worst_rpo = std::max(worst_rpo.value_or(*vm.rpo_s), *vm.rpo_s);
    }
    if (worst_rto) plan_rto.push_back(*worst_rto);
    if (worst_rpo) plan_rpo.push_back(*worst_rpo);
  }
  combination.p_all_met = probability(all_met, combination.completed);
  combination.rto_sorted = plan_rto;
  std::sort(combination.rto_sorted.begin(), combination.rto_sorted.end());
  combination.rto = describe(std::move(plan_rto));
  combination.rpo = describe(std::move(plan_rpo));
  for (const std::string& name : order) combination.vms.push_back(vm_stats(name, rows_by_vm[name]));
}

}  // namespace

double quantile(const std::vector<double>& sorted, double p) {
  const double n = static_cast<double>(sorted.size());
  auto rank = static_cast<std::size_t>(std::ceil(p * n - 1e-9));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

std::optional<Distribution> describe(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  Distribution d;
  d.n = values.size();
  d.min = values.front();
  d.max = values.back();
  // Summed in ascending order: the same values give the same bits whatever their order.
  d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(d.n);
  d.p50 = quantile(values, 0.50);
  d.p95 = quantile(values, 0.95);
  d.p99 = quantile(values, 0.99);
  return d;
}

std::string step_label(const CriticalStep& step) {
  if (step.step == "ha_timeout") return "HA timeout";
  if (is_plan_wide(step.step) || step.vm.empty()) return spaced(step.step);
  return step.vm + " " + spaced(step.step);
}

SweepSummary summarize(const Sweep& sweep, std::vector<RunRecord> records, bool interrupted) {
  const int runs = sweep.runs;
  std::sort(records.begin(), records.end(),
            [runs](const RunRecord& a, const RunRecord& b) { return a.task(runs) < b.task(runs); });
  SweepSummary summary;
  summary.sweep = sweep;
  summary.interrupted = interrupted;
  summary.planned = sweep.task_count();
  std::vector<std::vector<const RunRecord*>> by_combination(sweep.combination_count());
  for (const RunRecord& record : records) {
    by_combination.at(record.combination).push_back(&record);
    if (record.ok) {
      ++summary.completed;
    } else {
      ++summary.failed;
    }
  }
  summary.partial = interrupted || summary.completed + summary.failed < summary.planned;
  for (std::size_t c = 0; c < by_combination.size(); ++c) {
    CombinationStats combination;
    combination.index = c;
    combination.values = sweep.values_of(c);
    combination.overrides = sweep.overrides_of(c);
    combination.planned = runs;
    fill_combination(combination, by_combination[c]);
    summary.combinations.push_back(std::move(combination));
  }
  return summary;
}

}  // namespace firedrill::whatif
