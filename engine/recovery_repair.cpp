// Restart in place after a repair: a VM with no HA cover and no replica, whose disk
// survived on a failed host, boots there again once its host and datastore are back.

#include "engine/engine_impl.hpp"

namespace firedrill {

void EngineState::start_repair_restart(int v, double incident_s, const std::string& cause) {
  const int o = open_operation(Operation::Kind::repair, incident_s, -1, cause);
  Operation& op = operations_[o];
  op.started = true;
  op.rto_base_s = vms_[v].result.incident_s.value_or(incident_s);
  op.incident_s = op.rto_base_s;
  Member member;
  member.vm = v;
  member.instance = vms_[v].vm->name;
  member.network = vms_[v].vm->network;
  member.ip = vms_[v].vm->ip;
  add_member(o, member);
  vms_[v].active_operation = o;
  place_member(o, 0, vms_[v].home_host);
  op.members[0].prelude_end_s = now_s_;
  enqueue_boot(o, 0);
}

}  // namespace firedrill
