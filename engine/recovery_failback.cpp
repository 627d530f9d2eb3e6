// Failback (SPEC 3.9): phase 1 reverse-syncs the changes made at the DR site while the
// VMs run there (VMs still on their way join when they arrive), phase 2 is a planned
// failover back to the original hosts.

#include "engine/engine_impl.hpp"

namespace firedrill {

void EngineState::start_failback(double now_s) {
  const int o = open_operation(Operation::Kind::failback, now_s, -1, "failback");
  operations_[o].started = true;
  std::vector<bool> arrived;  // by member: serving at the DR site now
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    // A VM still on its way to the DR site (its planned or replica failover in progress)
    // joins when it is ready there: failback_follows().
    const bool on_its_way = vm.active_operation >= 0 &&
                            !operations_[vm.active_operation].finished &&
                            traits(vm.active_operation).failback_waits;
    const bool at_dr = !vm.at_home && vm_serving(static_cast<int>(v)) && vm.active_operation < 0;
    if (!at_dr && !on_its_way) continue;
    Member member;
    member.vm = static_cast<int>(v);
    member.replica = primary_replica(static_cast<int>(v));
    member.instance = vm.vm->name;
    member.network = vm.vm->network;  // home again: the original network and address
    member.ip = vm.vm->ip;
    const int m = add_member(o, member);
    if (!at_dr) set_stage(o, m, Member::Stage::awaiting_arrival);
    arrived.push_back(at_dr);
    if (at_dr) vm.active_operation = o;
    FailbackResult failback;
    failback.start_s = now_s;
    failback.outcome = FailbackOutcome::in_progress;
    vm.result.failback = failback;
  }
  // Phase 1: ship the changes made at the DR site home while the VMs keep running there.
  for (int m : members_in_order(operations_[o])) {
    if (arrived[m]) start_reverse_sync(o, m);
  }
  maybe_finish_operation(o);
}

void EngineState::start_reverse_sync(int o, int m) {
  Member& member = operations_[o].members[m];
  VmState& vm = vms_[member.vm];
  if (!route_up(vm.current_host, vm.home_host)) {
    member_failed(o, m,
                  "the original host " + hosts_[vm.home_host].host->name + " is not reachable");
    return;
  }
  set_stage(o, m, Member::Stage::reverse_syncing);
  const double bytes = vm.vm->change_rate_Bps * (now_s_ - vm.serving_since_s);
  member.activity =
      start_transfer(TransferKind::reverse_sync, member.replica, member.vm, member.instance,
                     vm.current_host, vm.home_host, bytes, now_s_, o, m);
}

// A VM a failback waits for (it was on its way to the DR site when the failback began)
// arrived there, or its failover ended without it: its phase 1 starts, or it fails.
void EngineState::failback_follows(int v, bool arrived, const std::string& reason) {
  for (std::size_t o = 0; o < operations_.size(); ++o) {
    const Operation& op = operations_[o];
    if (!traits(static_cast<int>(o)).reverse || op.finished || op.failback_moving) continue;
    const auto it = op.member_of_vm.find(v);
    if (it == op.member_of_vm.end() ||
        op.members[it->second].stage != Member::Stage::awaiting_arrival) {
      continue;
    }
    if (arrived) {
      vms_[v].active_operation = static_cast<int>(o);
      start_reverse_sync(static_cast<int>(o), it->second);
    } else {
      member_failed(static_cast<int>(o), it->second,
                    "its failover to the recovery site did not complete: " + reason);
    }
  }
}

void EngineState::failback_move(int o) {
  // Phase 2: a planned failover back to the original hosts.
  operations_[o].failback_moving = true;
  operations_[o].rto_base_s = now_s_;
  begin_shutdowns(o);
  maybe_finish_operation(o);
}

}  // namespace firedrill
