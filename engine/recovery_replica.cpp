// Unplanned failover from replicas (SPEC 3.5): VMs hit by one incident join one operation,
// declared `detection` after it and started `operator_delay` later; each is restored from
// the newest usable recovery point, its source fenced first.
#include <algorithm>

#include "engine/engine_impl.hpp"
#include "engine/re_ip.hpp"

namespace firedrill {

void EngineState::join_replica_failover(int v, double incident_s, const std::string& cause,
                                        bool corruption) {
  int o = -1;
  for (std::size_t i = 0; i < operations_.size(); ++i) {
    const Operation& op = operations_[i];
    if (op.kind == Operation::Kind::replica && !op.started && op.incident_s == incident_s &&
        op.corruption == corruption) {
      o = static_cast<int>(i);
    }
  }
  if (o < 0) {
    o = open_operation(Operation::Kind::replica, incident_s, -1, cause);
    Operation& op = operations_[o];
    op.corruption = corruption;
    op.declared_s = incident_s + plan_.recovery.detection.seconds();
    op.start_s = std::max(op.declared_s + plan_.recovery.operator_delay.seconds(), now_s_);
    schedule(op.start_s, Timer::Kind::op_start, o);
  }
  Member member;
  member.vm = v;
  member.replica = primary_replica(v);
  member.instance = vms_[v].vm->name;
  add_member(o, member);
  vms_[v].active_operation = o;
}

void EngineState::start_replica_failover(int o) {
  operations_[o].started = true;
  for (int m : members_in_order(operations_[o])) {
    Operation& op = operations_[o];
    Member& member = op.members[m];
    VmState& vm = vms_[member.vm];
    const std::string& name = vm.vm->name;
    step(name, "detection", -1, op.incident_s, op.declared_s);
    step(name, "operator_wait", -1, op.declared_s, now_s_);
    stop_replication(member.vm);
    // Its own job's target first; when that host is gone, another job's (SPEC 9).
    const auto [replica_index, point] = newest_available_point(member.vm, o, member.replica);
    if (!point) {
      member.data_lost = true;
      member_failed(o, m,
                    op.corruption ? "retention no longer holds a point from before the corruption"
                                  : "no recovery point completed before the incident");
      continue;
    }
    member.replica = replica_index;
    member.point_as_of_s = point->as_of_s;
    const ReplicaState& replica = replicas_[member.replica];
    const int site = index_.recovery_site(replica.target_host);
    // The source must be off before its replica runs: power it off, or refuse (split brain).
    bool source_running = false;
    for (const InstanceState& instance : vm.instances) {
      source_running = source_running || (!instance.test && hosts_[instance.host].up);
    }
    if (source_running) {
      if (!plan_.recovery.power_off_source) {
        member_failed(o, m,
                      "the source still runs and recovery.power_off_source is false: refusing a "
                      "second running copy (split brain)");
        continue;
      }
      out_.push_back(PowerOff{name, name, hosts_[vm.current_host].host->name});
      step(name, "power_off", vm.current_host, now_s_, now_s_, "source powered off");
      release_instance(member.vm, name);
      vm.running = false;
    }
    member.network = mapped_network(*vm.vm);
    member.ip = apply_re_ip(plan_.recovery.re_ip, vm.vm->ip);
    if (!place_member(o, m, place_on_site(replica.target_host, site, vm.vm->memory_B))) {
      member_failed(o, m, "no host at the recovery site is up with enough free memory");
      continue;
    }
    restore_member(o, m);
  }
  maybe_finish_operation(o);
}

}  // namespace firedrill
