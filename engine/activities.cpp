// Activities a driver reports as ended: transfers (replication cycles, final and reverse
// syncs), restores, boots and shutdowns, each settled against the member that started it.

#include "engine/engine_impl.hpp"

namespace firedrill {

void EngineState::on_transfer_ended(const TransferEnded& event) {
  auto it = activities_.find(event.id);
  if (it == activities_.end()) return;  // already settled (lost by a failure, or cancelled)
  if (!event.ok) {
    transfer_lost(event.id, event.detail.empty() ? "transfer failed" : event.detail);
    return;
  }
  const ActivityRef ref = it->second;
  activities_.erase(it);
  TransferRecord& record =
      transfers_[ref.operation >= 0 ? operations_[ref.operation].members[ref.member].transfer_record
                                    : replicas_[ref.replica].in_flight_record];
  record.end_s = now_s_;
  record.result = TransferResult::completed;
  record.shipped_B = event.shipped_B;
  if (ref.operation < 0) {
    ReplicaState& replica = replicas_[ref.replica];
    replica.in_flight.reset();
    replica.in_flight_record = -1;
    add_point(ref.replica, record.as_of_s);
    return;
  }
  Operation& op = operations_[ref.operation];
  Member& member = op.members[ref.member];
  member.activity.reset();
  step(vms_[member.vm].vm->name,
       record.kind == TransferKind::reverse_sync && !op.failback_moving ? "reverse_sync" : "sync",
       index_.host(record.target_host), record.start_s, now_s_);
  if (member.stage == Member::Stage::reverse_syncing) {
    set_stage(ref.operation, ref.member, Member::Stage::reverse_synced);
    maybe_finish_operation(ref.operation);
    return;
  }
  if (traits(ref.operation).final_sync_keeps_point && member.replica >= 0) {
    add_point(member.replica, record.as_of_s);
  }
  member_synced(ref.operation, ref.member);
}

// Settles the member activity `id` reports: forgets it, and fails its member when it did
// not succeed. Empty when the activity is already settled or failed.
std::optional<ActivityRef> EngineState::take_member_activity(ActivityId id, bool ok,
                                                             const char* what,
                                                             const std::string& detail) {
  auto it = activities_.find(id);
  if (it == activities_.end()) return std::nullopt;
  const ActivityRef ref = it->second;
  activities_.erase(it);
  operations_[ref.operation].members[ref.member].activity.reset();
  if (!ok) {
    member_failed(ref.operation, ref.member,
                  std::string(what) + " failed" + (detail.empty() ? "" : ": " + detail));
    return std::nullopt;
  }
  return ref;
}

void EngineState::on_restore_ended(const RestoreEnded& event) {
  const std::optional<ActivityRef> ref =
      take_member_activity(event.id, event.ok, "restore", event.detail);
  if (!ref) return;
  Member& member = operations_[ref->operation].members[ref->member];
  step(vms_[member.vm].vm->name, "restore", member.target_host, member.prelude_end_s, now_s_,
       member.instance);
  member.prelude_end_s = now_s_;
  enqueue_boot(ref->operation, ref->member);
}

void EngineState::on_boot_ended(const BootEnded& event) {
  if (!event.ok) {
    on_boot_failed(event);  // retried or failed: recovery_faults.cpp
    return;
  }
  const std::optional<ActivityRef> ref =
      take_member_activity(event.id, event.ok, "boot", event.detail);
  if (!ref) return;
  member_ready(ref->operation, ref->member, event);
}

void EngineState::on_shutdown_ended(const ShutdownEnded& event) {
  const std::optional<ActivityRef> ref =
      take_member_activity(event.id, event.ok, "shutdown", event.detail);
  if (!ref) return;
  member_off(ref->operation, ref->member);
}

}  // namespace firedrill
