// What every recovery operation shares: the table of per-kind traits, opening an
// operation, the timeline and incident records, routing a VM that went down (to HA, to a
// replica failover, or to wait for a repair), and an operation's end.
#include <algorithm>

#include "engine/engine_impl.hpp"

namespace firedrill {

const OperationTraits& traits_of(Operation::Kind kind) {
  // Each kind names the traits it has; the others are false.
  static const OperationTraits ha{.mechanism = Mechanism::ha,
                                  .own_disk = true,
                                  .from_shared_storage = true,
                                  .placed_again = true};
  static const OperationTraits replica{
      .mechanism = Mechanism::replica, .failback_waits = true, .placed_again = true};
  static const OperationTraits planned{.mechanism = Mechanism::planned,
                                       .failback_waits = true,
                                       .final_sync_keeps_point = true,
                                       .placed_again = true,
                                       .points_up_to_now = true};
  static const OperationTraits test{
      .mechanism = Mechanism::test, .test_copies = true, .placed_again = true};
  static const OperationTraits failback{
      .mechanism = Mechanism::planned, .own_disk = true, .reverse = true};
  static const OperationTraits repair{.mechanism = Mechanism::none, .own_disk = true};
  switch (kind) {
    case Operation::Kind::ha:
      return ha;
    case Operation::Kind::replica:
      return replica;
    case Operation::Kind::planned:
      return planned;
    case Operation::Kind::test:
      return test;
    case Operation::Kind::failback:
      return failback;
    case Operation::Kind::repair:
      return repair;
  }
  return repair;
}

bool EngineState::vm_serving(int v) const {
  return vms_[v].running;
}

std::string EngineState::mapped_network(const Vm& vm) const {
  auto it = plan_.recovery.network_mapping.find(vm.network);
  return it == plan_.recovery.network_mapping.end() ? vm.network : it->second;
}

void EngineState::step(const std::string& vm, const std::string& step_name, int host,
                       double start_s, double end_s, const std::string& detail) {
  timeline_.push_back(TimelineStep{vm, step_name, host >= 0 ? hosts_[host].host->name : "", start_s,
                                   end_s, detail});
}

void EngineState::note_incident(int v, double at_s, const std::string& cause) {
  VmResult& result = vms_[v].result;
  vm_hit_ = true;
  if (!result.incident_s) result.incident_s = at_s;
  result.incidents.push_back(IncidentRecord{at_s, cause, std::nullopt});
  if (!first_incident_s_) first_incident_s_ = at_s;
}

int EngineState::open_operation(Operation::Kind kind, double incident_s, int cluster,
                                const std::string& cause) {
  Operation op;
  op.kind = kind;
  op.incident_s = incident_s;
  op.declared_s = incident_s;
  op.start_s = incident_s;
  op.rto_base_s = incident_s;
  op.cluster = cluster;
  op.cause = cause;
  operations_.push_back(op);
  return static_cast<int>(operations_.size()) - 1;
}

void EngineState::route_down_vm(int v, double incident_s, const std::string& cause) {
  VmState& vm = vms_[v];
  vm.active_operation = -1;
  if (join_ha_restart(v, incident_s, cause)) return;
  // At home: its replica. Recovered elsewhere (a recovery host failed under it, SPEC 9): a
  // replica again, from the newest point still available.
  if (primary_replica(v) >= 0) {
    // A VM goes down here through a failure; corruption joins from begin_corruption.
    join_replica_failover(v, incident_s, cause, /*corruption=*/false);
    return;
  }
  if (vm.at_home && !vm.data_damaged) {
    vm.awaiting_repair = true;  // its disk survives on a dead host: back only if repaired
    return;
  }
  if (!vm.first_incident_done) {
    vm.first_incident_done = true;
    vm.result.outcome = VmOutcome::lost;
    vm.result.reason = vm.at_home
                           ? "no HA cover and no replica; its data is gone (" + cause + ")"
                           : "its recovered copy went down and nothing protects it (" + cause + ")";
  }
}

void EngineState::maybe_finish_operation(int o) {
  Operation& op = operations_[o];
  if (op.finished || !op.started) return;
  if (traits(o).reverse && !op.failback_moving) {
    const bool synced = std::all_of(op.members.begin(), op.members.end(), [&](const Member& m) {
      return m.stage == Member::Stage::reverse_synced || m.stage == Member::Stage::failed;
    });
    if (synced && !finished_) failback_move(o);  // never a move begun by the end of the run
    return;
  }
  if (op.pending > 0) return;
  op.finished = true;
  if (traits(o).test_copies) finish_test(o);
}

}  // namespace firedrill
