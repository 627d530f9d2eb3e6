// Faults during a failover (SPEC 9), as the engine decides them whatever the backend:
// - a boot that does not reach ready is powered off and tried again, up to
//   recovery.boot_retries times, then its member fails;
// - a recovery host that fails takes its recovery points with it, and every copy restoring,
//   queued or booting there is restored again on another up host of the recovery site from
//   the newest point still available (HA: restarted on another cluster host), or fails (no
//   capacity) or is lost (no point left); its RTO still counts from its first incident;
// - a planned failover's final sync that is cut off waits for its route up to
//   recovery.final_sync_timeout, then the VM is restored from its newest point (RPO > 0).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "engine/engine_impl.hpp"

namespace firedrill {

namespace {

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%gs", std::round(seconds * 1e6) / 1e6);
  return text;
}

}  // namespace

// ---- boot retries --------------------------------------------------------------------------

void EngineState::on_boot_failed(const BootEnded& event) {
  const auto it = activities_.find(event.id);
  if (it == activities_.end()) return;  // already settled (its host failed, the run ended)
  const ActivityRef ref = it->second;
  activities_.erase(it);
  Member& member = operations_[ref.operation].members[ref.member];
  member.activity.reset();
  const std::string& name = vms_[member.vm].vm->name;
  const std::string& host = hosts_[member.target_host].host->name;
  const std::string why = event.detail.empty() ? "did not become ready" : event.detail;
  ++member.failed_boots;
  // The ladder of the latest attempt is the evidence of why the first recovery failed.
  VmState& vm = vms_[member.vm];
  if (!vm.first_incident_done && !event.readiness.empty()) vm.result.readiness = event.readiness;
  step(name, "boot_failed", member.target_host, member.attempt_start_s, now_s_,
       member.instance + ", attempt " + std::to_string(member.failed_boots) + ": " + why);
  // Whatever half-started is fenced before anything else is tried: a retry boots the same
  // restored instance again, and a failed VM must not come up behind the engine's back.
  out_.push_back(PowerOff{name, member.instance, host});
  const int retries = plan_.recovery.boot_retries;
  if (!event.retryable || member.failed_boots > retries || !hosts_[member.target_host].up) {
    member_failed(ref.operation, ref.member,
                  "boot did not reach ready in " + std::to_string(member.failed_boots) +
                      " attempt" + (member.failed_boots == 1 ? "" : "s") +
                      " (recovery.boot_retries " + std::to_string(retries) + "): " + why);
    return;
  }
  const ActivityId id = next_activity_++;
  out_.push_back(StartBoot{id, name, member.instance, host, member.boot_time_s,
                           traits(ref.operation).from_shared_storage});
  activities_[id] = ActivityRef{ActivityRef::Kind::boot, ref.operation, ref.member, member.replica};
  member.activity = id;
  member.attempt_start_s = now_s_;  // it keeps its boot slot: stage booting throughout
}

// ---- a recovery host fails -------------------------------------------------------------------

void EngineState::drop_points_on_host(int host) {
  for (ReplicaState& replica : replicas_) {
    if (replica.target_host != host || replica.points.empty()) continue;
    step(vms_[replica.vm].vm->name, "points_lost", host, now_s_, now_s_,
         std::to_string(replica.points.size()) + " recovery point(s) of job " +
             plan_.replication[replica.job].name + " on " + hosts_[host].host->name);
    replica.points.clear();
  }
}

// The newest recovery point of `vm` on a host that is up which operation `o` may restore
// from: for an unplanned failover or a test, one completed by its incident (for corruption,
// the newest clean one from before); for a planned move, any (none is newer than the
// shutdown). The replica `preferred` when it has one (an operation's own target, SPEC 3.5),
// else the newest of any replica (another job's target, SPEC 9). {-1, nullptr}: none left.
std::pair<int, const RecoveryPoint*> EngineState::newest_available_point(int v, int o,
                                                                         int preferred) const {
  const Operation& op = operations_[o];
  auto usable = [&](int r) -> const RecoveryPoint* {
    if (!hosts_[replicas_[r].target_host].up) return nullptr;
    if (op.corruption) return newest_clean_point_before(r, op.incident_s);
    return newest_point_completed_by(r, traits(o).points_up_to_now ? now_s_ : op.incident_s);
  };
  if (preferred >= 0) {
    if (const RecoveryPoint* point = usable(preferred)) return {preferred, point};
  }
  std::pair<int, const RecoveryPoint*> best{-1, nullptr};
  for (const int r : vms_[v].replicas) {
    const RecoveryPoint* point = usable(r);
    if (point && (!best.second || point->as_of_s > best.second->as_of_s)) best = {r, point};
  }
  return best;
}

// A member's copy was restoring, queued or booting on `host`, which failed.
void EngineState::member_host_failed(int o, int m, int host, const std::string& cause) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  const std::string why = "host " + hosts_[host].host->name + " failed (" + cause + ")";
  if (!traits(o).placed_again) {
    member_failed(o, m, why);  // a restart in place or a failback has nowhere else to go
    return;
  }
  // Leave behind what it held on the failed host; a report of that activity is ignored.
  if (member.activity) activities_.erase(*member.activity);
  member.activity.reset();
  if (member.reserved) release_instance(member.vm, member.instance);
  member.reserved = false;
  set_stage(o, m, Member::Stage::displaced);  // placed again below, before this call ends
  member.failed_boots = 0;
  note_incident(member.vm, now_s_, cause);
  step(vms_[member.vm].vm->name, "failure", host, now_s_, now_s_, member.instance + ": " + why);
  if (!traits(o).from_shared_storage) {
    restore_again(o, m, why);
    return;
  }
  // HA restarts it on another surviving host of its cluster, or leaves it to its replica.
  const VmState& vm = vms_[member.vm];
  const bool disk_ok = vm.datastore < 0 || datastore_up(vm.datastore);
  const int next = place_on_hosts(-1, index_.hosts_of_cluster(op.cluster), vm.vm->memory_B);
  if (disk_ok && next >= 0) {
    place_member(o, m, next);
    member.prelude_end_s = now_s_;
    member.detour = why + "; HA restarted it on " + hosts_[next].host->name;
    enqueue_boot(o, m);
  } else if (primary_replica(member.vm) >= 0) {
    const double incident_s = op.incident_s;
    const std::string op_cause = op.cause;
    const bool corruption = op.corruption;
    member_failed(o, m,
                  "HA: " + why +
                      " and no other cluster host can take it; falls back to "
                      "the replica",
                  /*settles=*/false);
    join_replica_failover(member.vm, incident_s, op_cause, corruption);
  } else {
    member_failed(o, m, "HA: " + why + " and no other cluster host can take it");
  }
}

// Restores member m again from the newest point still available, on a host of the recovery
// site that is up; fails it (no capacity) or loses it (no point left) with the reason.
bool EngineState::restore_again(int o, int m, const std::string& why) {
  Member& member = operations_[o].members[m];
  const VmState& vm = vms_[member.vm];
  const auto [r, point] = newest_available_point(member.vm, o);
  if (!point) {
    member.data_lost = true;
    member_failed(o, m,
                  why + "; no recovery point of " + vm.vm->name + " is left on a host that is up");
    return false;
  }
  const int preferred = replicas_[r].target_host;
  const int host = place_on_site(preferred, index_.recovery_site(preferred), vm.vm->memory_B);
  if (host < 0) {
    member_failed(o, m, why + "; no other host at the recovery site is up with enough free memory");
    return false;
  }
  member.replica = r;
  member.point_as_of_s = point->as_of_s;
  member.detour = why + "; restored again on " + hosts_[host].host->name +
                  " from the point as of " + seconds_text(point->as_of_s);
  place_member(o, m, host);
  restore_member(o, m);
  return true;
}

// ---- a planned failover's final sync is cut off ------------------------------------------------

void EngineState::start_final_sync(int o, int m) {
  Member& member = operations_[o].members[m];
  const VmState& vm = vms_[member.vm];
  const ReplicaState& replica = replicas_[member.replica];
  const int target = replica.target_host;
  if (!route_up(vm.current_host, target)) {
    final_sync_cut_off(
        o, m,
        "no route from " + hosts_[vm.current_host].host->name + " to " + hosts_[target].host->name);
    return;
  }
  // The changes since the last point, up to the shutdown: the same bytes on a retry.
  const double since_s = replica.points.empty() ? 0.0 : replica.points.back().as_of_s;
  set_stage(o, m, Member::Stage::syncing);
  member.activity = start_transfer(
      TransferKind::final_sync, member.replica, member.vm, member.instance, vm.current_host, target,
      vm.vm->change_rate_Bps * std::max(0.0, member.off_s - since_s), member.off_s, o, m);
}

// The final sync of member m cannot go on (`why`): with both ends up it waits for the route
// up to final_sync_timeout; with an end gone there is nothing to wait for.
void EngineState::final_sync_cut_off(int o, int m, const std::string& why) {
  Member& member = operations_[o].members[m];
  const VmState& vm = vms_[member.vm];
  member.activity.reset();
  const int target = replicas_[member.replica].target_host;
  // A sync that failed with its route still up (a transient error) goes again at once, a
  // bounded number of times; then it waits like one whose route is down.
  constexpr int kFinalSyncAttempts = 3;
  if (route_up(vm.current_host, target) && ++member.sync_failures < kFinalSyncAttempts) {
    start_final_sync(o, m);
    return;
  }
  if (!hosts_[vm.current_host].up || !hosts_[target].up) {
    restore_from_newest_point(o, m, "final sync impossible: " + why);
    return;
  }
  set_stage(o, m, Member::Stage::sync_waiting);
  member.sync_wait = static_cast<int>(sync_waits_.size());
  member.detour = why;
  sync_waits_.push_back({o, m});
  step(vm.vm->name, "sync_wait", -1, now_s_, now_s_,
       "final sync cut off (" + why + "); waits up to " +
           seconds_text(plan_.recovery.final_sync_timeout_s) + " for a repair");
  schedule(now_s_ + plan_.recovery.final_sync_timeout_s, Timer::Kind::sync_timeout,
           member.sync_wait);
}

void EngineState::final_sync_timed_out(int wait) {
  const auto [o, m] = sync_waits_[wait];
  const Member& member = operations_[o].members[m];
  if (member.stage != Member::Stage::sync_waiting || member.sync_wait != wait) return;
  restore_from_newest_point(o, m,
                            "final sync not possible within recovery.final_sync_timeout (" +
                                seconds_text(plan_.recovery.final_sync_timeout_s) +
                                "): " + member.detour);
}

// After a repair: every final sync that waits for a route now up starts again.
void EngineState::resume_final_syncs() {
  for (const auto& [o, m] : sync_waits_) {
    Member& member = operations_[o].members[m];
    if (member.stage != Member::Stage::sync_waiting) continue;
    const VmState& vm = vms_[member.vm];
    if (!route_up(vm.current_host, replicas_[member.replica].target_host)) continue;
    step(vm.vm->name, "sync_wait", -1, now_s_, now_s_, "route repaired: final sync again");
    member.detour.clear();
    start_final_sync(o, m);
  }
}

// A moved VM whose final sync did not make it comes back from its newest point still
// available: what changed since then is lost (RPO > 0), and the reason says why.
void EngineState::restore_from_newest_point(int o, int m, const std::string& why) {
  Member& member = operations_[o].members[m];
  const auto [r, point] = newest_available_point(member.vm, o);
  if (!point) {
    member.data_lost = true;
    member_failed(o, m, why + "; no recovery point is left on a host that is up");
    return;
  }
  member.replica = r;
  member.point_as_of_s = point->as_of_s;
  member.detour = why + "; restored from the point as of " + seconds_text(point->as_of_s) +
                  " instead, losing the changes made after it";
  place_moved_member(o, m);
}

}  // namespace firedrill
