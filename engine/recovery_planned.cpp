// Planned failover (SPEC 3.7), and the move phase of a failback: sources shut down in
// reverse dependency order, each one's final sync ships its last changes, then its copy
// is restored and boots in start order. RPO = 0.
#include <algorithm>

#include "engine/engine_impl.hpp"
#include "engine/re_ip.hpp"

namespace firedrill {

void EngineState::start_planned_failover(double now_s) {
  const int o = open_operation(Operation::Kind::planned, now_s, -1, "planned failover");
  operations_[o].started = true;
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    if (primary_replica(static_cast<int>(v)) < 0 || !vm_serving(static_cast<int>(v)) ||
        !vm.at_home || vm.active_operation >= 0) {
      continue;
    }
    Member member;
    member.vm = static_cast<int>(v);
    member.replica = primary_replica(static_cast<int>(v));
    member.instance = vm.vm->name;
    member.network = mapped_network(*vm.vm);
    member.ip = apply_re_ip(plan_.recovery.re_ip, vm.vm->ip);
    add_member(o, member);
    vm.active_operation = o;
    note_incident(static_cast<int>(v), now_s, "planned failover");
  }
  begin_shutdowns(o);
  maybe_finish_operation(o);
}

void EngineState::begin_shutdowns(int o) {
  Operation& op = operations_[o];
  const Member::Stage ready_to_stop =
      traits(o).reverse ? Member::Stage::reverse_synced : Member::Stage::pending;
  auto is_off = [](const Member& m) { return m.off_s >= 0 || m.stage == Member::Stage::failed; };
  // Members not yet off, by priority: one pass, so that a member's check costs its own
  // dependents and not a scan of every other member (which made a planned failover of n VMs
  // cost n^2 per shutdown).
  int on_by_priority[7] = {0, 0, 0, 0, 0, 0, 0};
  for (const Member& member : op.members) {
    if (!is_off(member)) ++on_by_priority[vms_[member.vm].vm->priority];
  }
  if (op.shutdown_order.size() != op.members.size()) op.shutdown_order = members_in_order(op);
  for (int m : op.shutdown_order) {
    Member& member = op.members[m];
    if (member.stage != ready_to_stop) continue;
    const VmState& vm = vms_[member.vm];
    // Reverse order: every member that depends on it, and every member of a later priority
    // group, is off first.
    bool may_stop = true;
    for (int p = vm.vm->priority + 1; p <= 6 && may_stop; ++p) may_stop = on_by_priority[p] == 0;
    for (std::size_t d = 0; d < vm.dependents.size() && may_stop; ++d) {
      const auto it = op.member_of_vm.find(vm.dependents[d]);
      if (it != op.member_of_vm.end() && it->second != m && !is_off(op.members[it->second])) {
        may_stop = false;
      }
    }
    if (!may_stop) continue;
    const ActivityId id = next_activity_++;
    out_.push_back(StartShutdown{id, vm.vm->name, member.instance,
                                 hosts_[vm.current_host].host->name,
                                 vm.vm->shutdown_time.seconds()});
    activities_[id] = ActivityRef{ActivityRef::Kind::shutdown, o, m, member.replica};
    member.activity = id;
    set_stage(o, m, Member::Stage::shutting_down);
    member.shutdown_start_s = now_s_;
  }
}

void EngineState::member_off(int o, int m) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  VmState& vm = vms_[member.vm];
  member.off_s = now_s_;
  step(vm.vm->name, "shutdown", vm.current_host, member.shutdown_start_s, now_s_);
  vm.running = false;
  release_instance(member.vm, member.instance);
  if (!traits(o).reverse) {
    stop_replication(member.vm);
    start_final_sync(o, m);  // recovery_faults.cpp: it may wait for a cut-off route
  } else if (!route_up(vm.current_host, vm.home_host)) {
    member_failed(o, m, "final sync impossible: no route to " + hosts_[vm.home_host].host->name);
  } else {
    // The reverse sync of phase 1 shipped the changes up to the failback's start.
    set_stage(o, m, Member::Stage::syncing);
    member.activity = start_transfer(
        TransferKind::reverse_sync, member.replica, member.vm, member.instance, vm.current_host,
        vm.home_host, vm.vm->change_rate_Bps * std::max(0.0, now_s_ - op.incident_s), now_s_, o, m);
  }
  begin_shutdowns(o);
}

void EngineState::member_synced(int o, int m) {
  Operation& op = operations_[o];
  op.members[m].point_as_of_s = op.members[m].off_s;  // nothing changed after the VM was off
  place_moved_member(o, m);
}

// Places a moved VM (its final sync done, or fallen back to an older point) at the recovery
// site -- a failback: on its original host -- and restores it there.
void EngineState::place_moved_member(int o, int m) {
  Member& member = operations_[o].members[m];
  VmState& vm = vms_[member.vm];
  int host = -1;
  if (traits(o).reverse) {
    host = place_on_site(vm.home_host, hosts_[vm.home_host].site, vm.vm->memory_B);
    if (host != vm.home_host) host = -1;  // failback returns to the original host
  } else {
    const ReplicaState& replica = replicas_[member.replica];
    const int site = index_.recovery_site(replica.target_host);
    host = place_on_site(replica.target_host, site, vm.vm->memory_B);
  }
  if (!place_member(o, m, host)) {
    member_failed(o, m, "no host is up with enough free memory to start it");
    return;
  }
  restore_member(o, m);
}

}  // namespace firedrill
