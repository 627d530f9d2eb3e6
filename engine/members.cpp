// A member's way through its operation: joining it, the restore that makes its instance,
// and its two ends -- ready (the VM serves again, its first incident is settled) or
// failed (whatever it held is released and its failover's waiters are told).
#include <algorithm>
#include <cmath>

#include "engine/engine_impl.hpp"
#include "engine/stages.hpp"

namespace firedrill {

int EngineState::add_member(int o, const Member& member) {
  // Every member begins pending (engine/stages.cpp); set_stage takes it on from there.
  if (member.stage != Member::Stage::pending) {
    throw_invariant_violation(now_s_, vms_[member.vm].vm->name + " joins an operation in stage " +
                                          stage_name(member.stage));
  }
  Operation& op = operations_[o];
  op.members.push_back(member);
  const int m = static_cast<int>(op.members.size()) - 1;
  op.member_of_vm[member.vm] = m;
  ++op.pending_by_priority[vms_[member.vm].vm->priority];
  ++op.pending;
  return m;
}

void EngineState::member_done(int o, int m) {
  // A member reached ready or failed (set_stage counted it out of the pending ones):
  // whoever waited for it may go now.
  Operation& op = operations_[o];
  const int priority = vms_[op.members[m].vm].vm->priority;
  if (op.pending_by_priority[priority] == 0) {
    for (std::size_t other = 0; other < op.members.size(); ++other) {
      const Member& waiting = op.members[other];
      if (waiting.stage == Member::Stage::queued && vms_[waiting.vm].vm->priority > priority) {
        enqueue_boot(o, static_cast<int>(other));
      }
    }
  }
  wake_dependents(op.members[m].vm);
}

void EngineState::restore_member(int o, int m) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  const VmState& vm = vms_[member.vm];
  const ActivityId id = next_activity_++;
  const std::string job =
      member.replica >= 0 ? plan_.replication[replicas_[member.replica].job].name : "";
  out_.push_back(StartRestore{id, job, vm.vm->name, member.instance,
                              hosts_[member.target_host].host->name, member.point_as_of_s,
                              member.network, member.ip, traits(o).test_copies, traits(o).reverse});
  activities_[id] = ActivityRef{ActivityRef::Kind::restore, o, m, member.replica};
  member.activity = id;
  set_stage(o, m, Member::Stage::restoring);
  member.restore_start_s = now_s_;
  if (member.first_restore_start_s < 0) member.first_restore_start_s = now_s_;
  member.prelude_end_s = now_s_;
}

void EngineState::member_ready(int o, int m, const BootEnded& boot) {
  const std::optional<double>& data_as_of_s = boot.data_as_of_s;
  Operation& op = operations_[o];
  Member& member = op.members[m];
  VmState& vm = vms_[member.vm];
  set_stage(o, m, Member::Stage::ready);
  member.ready_s = now_s_;
  member_done(o, m);
  const std::string& name = vm.vm->name;
  step(name, "boot", member.target_host, member.attempt_start_s, now_s_, member.instance);
  step(name, "ready", member.target_host, now_s_, now_s_, member.instance);
  const OperationTraits& kind = traits(o);
  if (!kind.test_copies) {
    vm.running = true;
    vm.current_host = member.target_host;
    vm.serving_since_s = now_s_;
    vm.active_operation = -1;
    vm.at_home = kind.own_disk;
    if (!kind.own_disk) {
      vm.data_damaged = false;
      vm.corrupted_since_s.reset();
    }
    if (kind.reverse) {
      for (int r : vm.replicas) replicas_[r].active = true;  // re-protect the VM
    }
  }
  for (IncidentRecord& incident : vm.result.incidents) {
    if (!incident.recovered_at_s) incident.recovered_at_s = now_s_;
  }
  if (kind.reverse) {
    FailbackResult& failback = *vm.result.failback;
    failback.end_s = now_s_;
    failback.rto_s = std::round((now_s_ - op.rto_base_s) * 1e6) / 1e6;
    failback.rpo_s = 0.0;
    failback.outcome = FailbackOutcome::recovered;
    if (data_as_of_s) {
      failback.rpo_from_data_s =
          std::max(0.0, std::round((member.shutdown_start_s - *data_as_of_s) * 1e6) / 1e6);
    }
  } else if (!vm.first_incident_done) {
    settle_first_incident(member.vm, op, member);
    vm.result.readiness = boot.readiness;
    if (data_as_of_s) {
      vm.result.rpo_from_data_s =
          std::max(0.0, std::round((op.incident_s - *data_as_of_s) * 1e6) / 1e6);
    }
  }
  if (kind.failback_waits) failback_follows(member.vm, true, "");
  maybe_finish_operation(o);
}

void EngineState::member_failed(int o, int m, const std::string& reason, bool settles) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  if (member.stage == Member::Stage::failed || member.stage == Member::Stage::ready) return;
  if (member.activity) {
    const auto it = activities_.find(*member.activity);
    if (it != activities_.end() && it->second.kind == ActivityRef::Kind::transfer) {
      out_.push_back(CancelTransfer{*member.activity});
      if (member.transfer_record >= 0 &&
          transfers_[member.transfer_record].result == TransferResult::in_flight) {
        transfers_[member.transfer_record].result = TransferResult::cancelled;
        transfers_[member.transfer_record].end_s = now_s_;
      }
    }
    activities_.erase(*member.activity);
    member.activity.reset();
  }
  VmState& vm = vms_[member.vm];
  if (member.reserved && member.stage != Member::Stage::ready) {
    release_instance(member.vm, member.instance);
    member.reserved = false;
  }
  set_stage(o, m, Member::Stage::failed);
  member.reason = reason;
  member_done(o, m);
  if (vm.active_operation == o) vm.active_operation = -1;
  if (traits(o).reverse) {
    vm.result.failback->outcome = FailbackOutcome::failed;
    vm.result.failback->reason = reason;
    if (member.off_s >= 0) production_down(member.vm, "failback: " + reason, false);
  } else if (settles && !vm.first_incident_done) {
    vm.first_incident_done = true;
    vm.result.outcome = member.data_lost ? VmOutcome::lost : VmOutcome::failed;
    vm.result.mechanism = traits(o).mechanism;
    vm.result.reason = reason;
  }
  if (traits(o).failback_waits) failback_follows(member.vm, false, reason);
  maybe_finish_operation(o);
}

}  // namespace firedrill
