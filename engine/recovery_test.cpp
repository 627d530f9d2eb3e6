// Test failover (SPEC 3.8): replicas boot as test copies in the isolated test network
// while production keeps running; at the end the copies go and the evidence says whether
// production was touched.

#include "engine/engine_impl.hpp"

namespace firedrill {

void EngineState::start_test_failover(double now_s) {
  had_test_ = true;
  const int o = open_operation(Operation::Kind::test, now_s, -1, "test failover");
  operations_[o].started = true;
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    const VmState& vm = vms_[v];
    if (primary_replica(static_cast<int>(v)) < 0 || !vm_serving(static_cast<int>(v)) ||
        !vm.at_home) {
      continue;
    }
    Member member;
    member.vm = static_cast<int>(v);
    member.replica = primary_replica(static_cast<int>(v));
    member.instance = vm.vm->name + "-test";
    member.network = plan_.recovery.test_network;
    member.ip = vm.vm->ip;  // the bubble network is isolated: addresses stay as they are
    add_member(o, member);
  }
  for (int m : members_in_order(operations_[o])) {
    Member& member = operations_[o].members[m];
    note_incident(member.vm, now_s, "test failover");
    const auto [replica_index, point] = newest_available_point(member.vm, o, member.replica);
    if (!point) {
      member_failed(o, m, "no recovery point to test from");
      continue;
    }
    member.replica = replica_index;
    member.point_as_of_s = point->as_of_s;
    const ReplicaState& replica = replicas_[member.replica];
    const int site = index_.recovery_site(replica.target_host);
    if (!place_member(o, m,
                      place_on_site(replica.target_host, site, vms_[member.vm].vm->memory_B))) {
      member_failed(o, m, "no host at the recovery site is up with enough free memory");
      continue;
    }
    restore_member(o, m);
  }
  maybe_finish_operation(o);
}

// The end of a test: the test copies go, and the evidence says what production did.
void EngineState::finish_test(int o) {
  const Operation& op = operations_[o];
  bool untouched = true;
  for (const Member& member : op.members) {
    const VmState& vm = vms_[member.vm];
    if (member.stage == Member::Stage::ready) {
      out_.push_back(
          DeleteInstance{vm.vm->name, member.instance, hosts_[member.target_host].host->name});
      step(vm.vm->name, "cleanup", member.target_host, now_s_, now_s_, member.instance);
      release_instance(member.vm, member.instance);
    }
    untouched = untouched && vm.running && vm.at_home;
    for (int r : vm.replicas) untouched = untouched && replicas_[r].active;
  }
  for (const TransferRecord& record : transfers_) {
    if (record.start_s >= op.incident_s && record.kind == TransferKind::replication &&
        (record.result == TransferResult::lost || record.result == TransferResult::cancelled)) {
      untouched = false;
    }
  }
  if (!untouched) production_touched_by_test_ = true;
}

}  // namespace firedrill
