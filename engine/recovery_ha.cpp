// HA restart (SPEC 3.6): after the cluster's failure_timeout, each VM restarts on the
// surviving cluster host with the most free memory, in start order; a VM HA cannot place
// falls back to its replica.
#include <algorithm>

#include "engine/engine_impl.hpp"

namespace firedrill {

// A VM that went down joins the HA restart of its cluster for this incident (opened on
// first use, started by its failure_timeout) when HA can restart it: its own disk is
// intact on a datastore that is up, and it ran on a host of that cluster.
bool EngineState::join_ha_restart(int v, double incident_s, const std::string& cause) {
  VmState& vm = vms_[v];
  const bool disk_ok = vm.datastore < 0 || datastore_up(vm.datastore);
  if (vm.data_damaged || !vm.at_home || vm.ha_cluster < 0 || !disk_ok) return false;
  const std::vector<int>& clusters = index_.clusters_of_host(vm.current_host);
  if (std::find(clusters.begin(), clusters.end(), vm.ha_cluster) == clusters.end()) return false;
  int o = -1;
  for (std::size_t i = 0; i < operations_.size(); ++i) {
    const Operation& op = operations_[i];
    if (op.kind == Operation::Kind::ha && op.cluster == vm.ha_cluster && !op.started &&
        op.incident_s == incident_s) {
      o = static_cast<int>(i);
    }
  }
  if (o < 0) {
    o = open_operation(Operation::Kind::ha, incident_s, vm.ha_cluster, cause);
    const Cluster& cluster = plan_.clusters[vm.ha_cluster];
    operations_[o].declared_s = incident_s + cluster.ha->failure_timeout.seconds();
    operations_[o].start_s = operations_[o].declared_s;
    schedule(operations_[o].declared_s, Timer::Kind::ha_timeout, o);
  }
  Member member;
  member.vm = v;
  member.instance = vm.vm->name;
  member.network = vm.result.network;
  member.ip = vm.result.ip;
  add_member(o, member);
  vm.active_operation = o;
  return true;
}

void EngineState::start_ha(int o) {
  operations_[o].started = true;
  const Cluster& cluster = plan_.clusters[operations_[o].cluster];
  for (int m : members_in_order(operations_[o])) {
    Operation& op = operations_[o];
    Member& member = op.members[m];
    VmState& vm = vms_[member.vm];
    step(vm.vm->name, "ha_wait", -1, op.incident_s, now_s_, cluster.name);
    const bool disk_ok = vm.datastore < 0 || datastore_up(vm.datastore);
    // Surviving cluster hosts with enough free memory; the most free first.
    const int best = place_on_hosts(-1, index_.hosts_of_cluster(op.cluster), vm.vm->memory_B);
    if (disk_ok && best >= 0) {
      place_member(o, m, best);
      member.prelude_end_s = now_s_;
      enqueue_boot(o, m);
      continue;
    }
    const std::string why = !disk_ok ? "datastore failed" : "no surviving cluster host has room";
    if (primary_replica(member.vm) >= 0) {
      // HA cannot help: the replica can (SPEC 3.6).
      const double incident_s = op.incident_s;
      const std::string cause = op.cause;
      const bool corruption = op.corruption;  // an HA restart's incident is a failure
      member_failed(o, m, "HA: " + why + "; falls back to the replica", /*settles=*/false);
      join_replica_failover(member.vm, incident_s, cause, corruption);
    } else {
      member_failed(o, m, "HA: " + why + " and no replica");
    }
  }
  maybe_finish_operation(o);
}

}  // namespace firedrill
