// RTO/RPO accounting (SPEC section 3, items 2, 5-8 and 10), the critical path that made
// each RTO, and the Outcome a run reports.
#include <algorithm>
#include <cmath>

#include "engine/engine_impl.hpp"

namespace firedrill {

namespace {

// Differences of microsecond times, kept to the microsecond (no 170.1199999999999).
double span_s(double seconds) {
  return std::round(seconds * 1e6) / 1e6;
}

void push_step(std::vector<CriticalStep>& steps, const std::string& step, const std::string& vm,
               double seconds) {
  if (seconds > 1e-9) steps.push_back(CriticalStep{step, vm, span_s(seconds)});
}

}  // namespace

void EngineState::settle_first_incident(int v, const Operation& op, const Member& member) {
  VmState& vm = vms_[v];
  VmResult& result = vm.result;
  vm.first_incident_done = true;
  result.outcome = VmOutcome::recovered;
  const OperationTraits& kind = traits_of(op.kind);
  result.mechanism = kind.mechanism;
  result.recovered_on = hosts_[member.target_host].host->name;
  result.instance = member.instance;
  result.network = member.network;
  result.ip = member.ip;
  result.ready_s = member.ready_s;
  result.rto_s = span_s(member.ready_s - op.rto_base_s);
  if (kind.own_disk) {
    result.rpo_s = 0.0;  // its own disk survived
  } else if (kind.final_sync_keeps_point) {
    // The final sync shipped everything up to the shutdown (RPO 0), unless it was cut off
    // and the VM came back from an older point (SPEC 9).
    result.rpo_s = span_s(std::max(0.0, member.off_s - member.point_as_of_s));
    result.recovery_point_s = member.point_as_of_s;
  } else {
    result.rpo_s = span_s(op.incident_s - member.point_as_of_s);
    result.recovery_point_s = member.point_as_of_s;
  }
  result.reason = member.detour;  // a recovery that went otherwise than planned says why
  result.critical_path = critical_path(op, static_cast<int>(&member - op.members.data()));
}

std::vector<CriticalStep> EngineState::prelude_steps(const Operation& op,
                                                     const Member& member) const {
  std::vector<CriticalStep> steps;
  const std::string& name = vms_[member.vm].vm->name;
  // Time lost to a recovery host that failed under the first restore (SPEC 9), counted from
  // that restore's start to the one that made it.
  const double first_restore_s =
      member.first_restore_start_s >= 0 ? member.first_restore_start_s : member.restore_start_s;
  const double host_lost_s = member.restore_start_s - first_restore_s;
  switch (op.kind) {
    case Operation::Kind::replica:
      push_step(steps, "detection", name, op.declared_s - op.incident_s);
      push_step(steps, "operator_delay", name, first_restore_s - op.declared_s);
      push_step(steps, "host_lost", name, host_lost_s);
      push_step(steps, "restore", name, member.prelude_end_s - member.restore_start_s);
      break;
    case Operation::Kind::ha:
      push_step(steps, "ha_timeout", name, member.prelude_end_s - op.incident_s);
      break;
    case Operation::Kind::test:
      push_step(steps, "host_lost", name, host_lost_s);
      push_step(steps, "restore", name, member.prelude_end_s - op.incident_s - host_lost_s);
      break;
    case Operation::Kind::planned:
    case Operation::Kind::failback:
      push_step(steps, "shutdown", name, member.off_s - op.rto_base_s);
      push_step(steps, "sync", name, first_restore_s - member.off_s);
      push_step(steps, "host_lost", name, host_lost_s);
      push_step(steps, "restore", name, member.prelude_end_s - member.restore_start_s);
      break;
    case Operation::Kind::repair:
      push_step(steps, "repair", name, member.prelude_end_s - op.rto_base_s);
      break;
  }
  return steps;
}

std::vector<CriticalStep> EngineState::critical_path(const Operation& op, int m) const {
  const Member& member = op.members[m];
  const std::string& name = vms_[member.vm].vm->name;
  std::vector<CriticalStep> steps;
  // Waited for another member of the same operation until the very moment it was ready:
  // that member's own path is this one's, up to its ready time.
  const Member* blocker = nullptr;
  if (member.blocker == Member::Blocker::dependency ||
      member.blocker == Member::Blocker::priority_group) {
    if (const auto it = op.member_of_vm.find(member.blocker_vm); it != op.member_of_vm.end()) {
      const Member& other = op.members[it->second];
      if (other.stage == Member::Stage::ready &&
          std::abs(other.ready_s - member.boot_start_s) < 1e-6 &&
          other.ready_s > member.prelude_end_s) {
        blocker = &other;
      }
    }
  }
  if (blocker) {
    steps = critical_path(op, static_cast<int>(blocker - op.members.data()));
  } else {
    steps = prelude_steps(op, member);
    const double wait_s = member.boot_start_s - member.prelude_end_s;
    switch (member.blocker) {
      case Member::Blocker::boot_cap:
        push_step(steps, "boot_cap", name, wait_s);
        break;
      case Member::Blocker::dependency:
      case Member::Blocker::priority_group:
        push_step(steps,
                  member.blocker == Member::Blocker::dependency ? "dependency" : "priority_group",
                  member.blocker_vm >= 0 ? vms_[member.blocker_vm].vm->name : name, wait_s);
        break;
      case Member::Blocker::none:
        push_step(steps, "wait", name, wait_s);
        break;
    }
  }
  // Boot attempts that did not reach ready (SPEC 9), then the one that did.
  push_step(steps, "boot_retry", name, member.attempt_start_s - member.boot_start_s);
  const double boot_s = member.ready_s - member.attempt_start_s;
  push_step(steps, "boot", name, std::min(boot_s, member.boot_time_s));
  push_step(steps, "boot_contention", name, boot_s - member.boot_time_s);
  return steps;
}

Outcome EngineState::outcome() const {
  Outcome outcome = results_but_transfers();
  outcome.transfers = transfers_;
  return outcome;
}

Outcome EngineState::take_outcome() {
  Outcome outcome = results_but_transfers();
  outcome.transfers = std::move(transfers_);
  transfers_.clear();
  return outcome;
}

// Everything of the outcome but the transfer records themselves (their counts included).
Outcome EngineState::results_but_transfers() const {
  Outcome outcome;
  outcome.incident_time_s = first_incident_s_;
  outcome.end_s = finished_ ? end_s_ : now_s_;
  outcome.ended = !finished_       ? RunEnd::running
                  : ended_settled_ ? RunEnd::settled
                                   : RunEnd::duration;
  outcome.timeline = timeline_;
  std::stable_sort(
      outcome.timeline.begin(), outcome.timeline.end(),
      [](const TimelineStep& a, const TimelineStep& b) { return a.start_s < b.start_s; });
  if (had_test_) outcome.production_untouched = !production_touched_by_test_;
  Summary& summary = outcome.summary;
  for (const VmState& vm : vms_) {
    VmResult result = vm.result;
    if (!vm.first_incident_done && result.incident_s && result.outcome == VmOutcome::unaffected) {
      // Hit, and still waiting for a repair or a recovery when the run ended.
      result.outcome = vm.awaiting_repair ? VmOutcome::lost : VmOutcome::failed;
      if (result.reason.empty()) {
        result.reason = vm.awaiting_repair
                            ? "no HA cover and no replica; its host did not come back in time"
                            : "not recovered by the end of the run";
      }
    }
    const bool missed = result.outcome == VmOutcome::failed || result.outcome == VmOutcome::lost;
    if (result.objective_rto_s) {
      if (result.rto_s) result.rto_met = *result.rto_s <= *result.objective_rto_s + 1e-9;
      if (missed) result.rto_met = false;
    }
    if (result.objective_rpo_s) {
      if (result.rpo_s) result.rpo_met = *result.rpo_s <= *result.objective_rpo_s + 1e-9;
      if (result.outcome == VmOutcome::lost) result.rpo_met = false;
    }
    if (result.rto_met == false || result.rpo_met == false) summary.objectives_met = false;
    if (result.rto_s) summary.rto_s = std::max(summary.rto_s.value_or(0.0), *result.rto_s);
    if (result.rpo_s) summary.rpo_s = std::max(summary.rpo_s.value_or(0.0), *result.rpo_s);
    switch (result.outcome) {
      case VmOutcome::recovered:
        ++summary.recovered;
        break;
      case VmOutcome::failed:
        ++summary.failed;
        break;
      case VmOutcome::lost:
        ++summary.lost;
        break;
      case VmOutcome::unaffected:
        ++summary.unaffected;
        break;
    }
    outcome.vms.push_back(std::move(result));
  }
  for (const TransferRecord& record : transfers_) {
    if (record.result == TransferResult::completed) ++summary.transfers_completed;
    if (record.result == TransferResult::lost) ++summary.transfers_lost;
  }
  summary.ticks_skipped = ticks_skipped_;
  return outcome;
}

}  // namespace firedrill
