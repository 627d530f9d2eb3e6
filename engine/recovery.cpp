// Recovery operations: HA restart, unplanned failover from replicas, test failover,
// planned failover, failback, and restart in place after a repair. Each operation takes
// its members (VMs) through their stages -- shutdown, sync, restore, queued, booting,
// ready -- and schedule_boots() starts queued members in dependency and priority order
// under max_concurrent_boots. Split brain outside a test is asserted never to happen.
#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "engine/engine_impl.hpp"
#include "engine/re_ip.hpp"

namespace firedrill {

// ---- Small helpers -----------------------------------------------------------------------

bool EngineState::vm_serving(int v) const {
  return vms_[v].running;
}

Mechanism EngineState::mechanism_of(Operation::Kind kind) const {
  switch (kind) {
    case Operation::Kind::ha:
      return Mechanism::ha;
    case Operation::Kind::replica:
      return Mechanism::replica;
    case Operation::Kind::planned:
      return Mechanism::planned;
    case Operation::Kind::test:
      return Mechanism::test;
    case Operation::Kind::failback:
      return Mechanism::planned;
    case Operation::Kind::repair:
      return Mechanism::none;
  }
  return Mechanism::none;
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

std::vector<int> EngineState::members_in_order(const Operation& op) const {
  std::vector<int> order(op.members.size());
  for (std::size_t m = 0; m < order.size(); ++m) order[m] = static_cast<int>(m);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    const VmState& va = vms_[op.members[a].vm];
    const VmState& vb = vms_[op.members[b].vm];
    if (va.vm->priority != vb.vm->priority) return va.vm->priority < vb.vm->priority;
    if (va.topo_rank != vb.topo_rank) return va.topo_rank < vb.topo_rank;
    return op.members[a].vm < op.members[b].vm;
  });
  return order;
}

int EngineState::place_on_site(int preferred_host, int site, double memory_B) const {
  auto fits = [&](int h) {
    const HostState& host = hosts_[h];
    return host.up && (host.host->memory_B <= 0 ||
                       host.host->memory_B - host.memory_used_B >= memory_B - 1e-6);
  };
  if (preferred_host >= 0 && fits(preferred_host)) return preferred_host;
  int best = -1;
  double best_free = -1.0;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    if (hosts_[h].site != site || !fits(static_cast<int>(h))) continue;
    const double free_B =
        hosts_[h].host->memory_B <= 0 ? 1e300 : hosts_[h].host->memory_B - hosts_[h].memory_used_B;
    if (free_B > best_free) {
      best = static_cast<int>(h);
      best_free = free_B;
    }
  }
  return best;
}

bool EngineState::place_member(int o, int m, int host) {
  Member& member = operations_[o].members[m];
  if (host < 0) return false;
  VmState& vm = vms_[member.vm];
  member.target_host = host;
  member.reserved = true;
  hosts_[host].memory_used_B += vm.vm->memory_B;
  vm.instances.push_back(
      InstanceState{member.instance, host, operations_[o].kind == Operation::Kind::test});
  return true;
}

void EngineState::release_instance(int v, const std::string& instance) {
  VmState& vm = vms_[v];
  for (auto it = vm.instances.begin(); it != vm.instances.end(); ++it) {
    if (it->name != instance) continue;
    HostState& host = hosts_[it->host];
    host.memory_used_B = std::max(0.0, host.memory_used_B - vm.vm->memory_B);
    vm.instances.erase(it);
    return;
  }
}

// ---- Routing a VM that went down ---------------------------------------------------------

void EngineState::route_down_vm(int v, double incident_s, const std::string& cause) {
  VmState& vm = vms_[v];
  vm.active_operation = -1;
  const bool disk_ok = vm.datastore < 0 || datastore_up_[vm.datastore];
  if (!vm.data_damaged && vm.at_home && vm.ha_cluster >= 0 && disk_ok) {
    const Cluster& cluster = plan_.clusters[vm.ha_cluster];
    if (std::find(cluster.hosts.begin(), cluster.hosts.end(), hosts_[vm.current_host].host->name) !=
        cluster.hosts.end()) {
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
      return;
    }
  }
  if (vm.at_home && primary_replica(v) >= 0) {
    join_replica_failover(v, incident_s, cause);
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

void EngineState::join_replica_failover(int v, double incident_s, const std::string& cause) {
  const bool corruption = cause == "corrupt";
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

// ---- HA restart --------------------------------------------------------------------------

void EngineState::start_ha(int o) {
  operations_[o].started = true;
  const Cluster& cluster = plan_.clusters[operations_[o].cluster];
  for (int m : members_in_order(operations_[o])) {
    Operation& op = operations_[o];
    Member& member = op.members[m];
    VmState& vm = vms_[member.vm];
    step(vm.vm->name, "ha_wait", -1, op.incident_s, now_s_, cluster.name);
    const bool disk_ok = vm.datastore < 0 || datastore_up_[vm.datastore];
    // Surviving cluster hosts with enough free memory; the most free first.
    int best = -1;
    for (const std::string& name : cluster.hosts) {
      const int h = host_index_.at(name);
      const HostState& host = hosts_[h];
      if (!host.up) continue;
      const double free_B =
          host.host->memory_B <= 0 ? 1e300 : host.host->memory_B - host.memory_used_B;
      if (free_B + 1e-6 < vm.vm->memory_B) continue;
      const double best_free = best < 0 ? -1.0
                               : hosts_[best].host->memory_B <= 0
                                   ? 1e300
                                   : hosts_[best].host->memory_B - hosts_[best].memory_used_B;
      if (free_B > best_free) best = h;
    }
    if (disk_ok && best >= 0) {
      place_member(o, m, best);
      member.prelude_end_s = now_s_;
      enqueue_boot(o, m);
      continue;
    }
    const std::string why = !disk_ok ? "datastore failed" : "no surviving cluster host has room";
    if (primary_replica(member.vm) >= 0) {
      // HA cannot help: the replica can (SPEC 3.6).
      member.stage = Member::Stage::failed;
      member.reason = "HA: " + why + "; falls back to the replica";
      member_done(o, m);
      const double incident_s = op.incident_s;
      const std::string cause = op.cause;
      join_replica_failover(member.vm, incident_s, cause);
    } else {
      member_failed(o, m, "HA: " + why + " and no replica");
    }
  }
  maybe_finish_operation(o);
}

// ---- Unplanned failover from replicas ----------------------------------------------------

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
    const RecoveryPoint* point = op.corruption
                                     ? newest_clean_point_before(member.replica, op.incident_s)
                                     : newest_point_completed_by(member.replica, op.incident_s);
    if (!point) {
      member.data_lost = true;
      member_failed(o, m,
                    op.corruption ? "retention no longer holds a point from before the corruption"
                                  : "no recovery point completed before the incident");
      continue;
    }
    member.point_as_of_s = point->as_of_s;
    const ReplicaState& replica = replicas_[member.replica];
    const int site = site_index_.at(plan_.recovery.target_site.empty()
                                        ? plan_.sites[hosts_[replica.target_host].site].name
                                        : plan_.recovery.target_site);
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

void EngineState::restore_member(int o, int m) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  const VmState& vm = vms_[member.vm];
  const ActivityId id = next_activity_++;
  const std::string job =
      member.replica >= 0 ? plan_.replication[replicas_[member.replica].job].name : "";
  out_.push_back(StartRestore{id, job, vm.vm->name, member.instance,
                              hosts_[member.target_host].host->name, member.point_as_of_s,
                              member.network, member.ip, op.kind == Operation::Kind::test,
                              op.kind == Operation::Kind::failback});
  activities_[id] = ActivityRef{ActivityRef::Kind::restore, o, m, member.replica};
  member.activity = id;
  member.stage = Member::Stage::restoring;
  member.restore_start_s = now_s_;
  member.prelude_end_s = now_s_;
}

// ---- Test failover -----------------------------------------------------------------------

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
    const RecoveryPoint* point = newest_point_completed_by(member.replica, now_s);
    if (!point) {
      member_failed(o, m, "no recovery point to test from");
      continue;
    }
    member.point_as_of_s = point->as_of_s;
    const ReplicaState& replica = replicas_[member.replica];
    const int site = plan_.recovery.target_site.empty()
                         ? hosts_[replica.target_host].site
                         : site_index_.at(plan_.recovery.target_site);
    if (!place_member(o, m,
                      place_on_site(replica.target_host, site, vms_[member.vm].vm->memory_B))) {
      member_failed(o, m, "no host at the recovery site is up with enough free memory");
      continue;
    }
    restore_member(o, m);
  }
  maybe_finish_operation(o);
}

// ---- Planned failover and failback -------------------------------------------------------

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
                            (operations_[vm.active_operation].kind == Operation::Kind::planned ||
                             operations_[vm.active_operation].kind == Operation::Kind::replica);
    const bool at_dr = !vm.at_home && vm_serving(static_cast<int>(v)) && vm.active_operation < 0;
    if (!at_dr && !on_its_way) continue;
    Member member;
    member.vm = static_cast<int>(v);
    member.replica = primary_replica(static_cast<int>(v));
    member.instance = vm.vm->name;
    member.network = vm.vm->network;  // home again: the original network and address
    member.ip = vm.vm->ip;
    add_member(o, member);
    arrived.push_back(at_dr);
    if (at_dr) vm.active_operation = o;
    FailbackResult failback;
    failback.start_s = now_s;
    failback.outcome = "in_progress";
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
  member.stage = Member::Stage::reverse_syncing;
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
    if (op.kind != Operation::Kind::failback || op.finished || op.failback_moving) continue;
    const auto it = op.member_of_vm.find(v);
    if (it == op.member_of_vm.end() || op.members[it->second].stage != Member::Stage::waiting) {
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

void EngineState::begin_shutdowns(int o) {
  Operation& op = operations_[o];
  const Member::Stage ready_to_stop =
      op.kind == Operation::Kind::failback ? Member::Stage::reverse_synced : Member::Stage::waiting;
  auto is_off = [](const Member& m) { return m.off_s >= 0 || m.stage == Member::Stage::failed; };
  for (int m : members_in_order(op)) {
    Member& member = op.members[m];
    if (member.stage != ready_to_stop) continue;
    const VmState& vm = vms_[member.vm];
    // Reverse order: every member that depends on it, and every member of a later priority
    // group, is off first.
    bool may_stop = true;
    for (const Member& other : op.members) {
      if (&other == &member || is_off(other)) continue;
      const Vm& other_vm = *vms_[other.vm].vm;
      const bool depends = std::find(other_vm.depends_on.begin(), other_vm.depends_on.end(),
                                     vm.vm->name) != other_vm.depends_on.end();
      if (depends || other_vm.priority > vm.vm->priority) may_stop = false;
    }
    if (!may_stop) continue;
    const ActivityId id = next_activity_++;
    out_.push_back(StartShutdown{id, vm.vm->name, member.instance,
                                 hosts_[vm.current_host].host->name,
                                 vm.vm->shutdown_time.seconds()});
    activities_[id] = ActivityRef{ActivityRef::Kind::shutdown, o, m, member.replica};
    member.activity = id;
    member.stage = Member::Stage::shutting_down;
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
  const bool failback = op.kind == Operation::Kind::failback;
  int target = vm.home_host;
  double since_s = op.incident_s;  // failback: the reverse sync shipped changes up to T
  if (!failback) {
    stop_replication(member.vm);
    const ReplicaState& replica = replicas_[member.replica];
    target = replica.target_host;
    since_s = replica.points.empty() ? 0.0 : replica.points.back().as_of_s;
  }
  if (!route_up(vm.current_host, target)) {
    member_failed(o, m, "final sync impossible: no route to " + hosts_[target].host->name);
  } else {
    member.stage = Member::Stage::syncing;
    member.activity =
        start_transfer(failback ? TransferKind::reverse_sync : TransferKind::final_sync,
                       member.replica, member.vm, member.instance, vm.current_host, target,
                       vm.vm->change_rate_Bps * std::max(0.0, now_s_ - since_s), now_s_, o, m);
  }
  begin_shutdowns(o);
}

void EngineState::member_synced(int o, int m) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  VmState& vm = vms_[member.vm];
  member.point_as_of_s = member.off_s;  // nothing changed after the VM was off
  int host = -1;
  if (op.kind == Operation::Kind::failback) {
    host = place_on_site(vm.home_host, hosts_[vm.home_host].site, vm.vm->memory_B);
    if (host != vm.home_host) host = -1;  // failback returns to the original host
  } else {
    const ReplicaState& replica = replicas_[member.replica];
    const int site = plan_.recovery.target_site.empty()
                         ? hosts_[replica.target_host].site
                         : site_index_.at(plan_.recovery.target_site);
    host = place_on_site(replica.target_host, site, vm.vm->memory_B);
  }
  if (!place_member(o, m, host)) {
    member_failed(o, m, "no host is up with enough free memory to start it");
    return;
  }
  restore_member(o, m);
}

// ---- Restart in place after a repair -----------------------------------------------------

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

// ---- Start order -------------------------------------------------------------------------

int EngineState::add_member(int o, const Member& member) {
  Operation& op = operations_[o];
  op.members.push_back(member);
  const int m = static_cast<int>(op.members.size()) - 1;
  op.member_of_vm[member.vm] = m;
  ++op.pending_by_priority[vms_[member.vm].vm->priority];
  ++op.pending;
  return m;
}

void EngineState::enqueue_boot(int o, int m) {
  Member& member = operations_[o].members[m];
  member.stage = Member::Stage::queued;
  const VmState& vm = vms_[member.vm];
  boot_candidates_.insert({vm.vm->priority, vm.topo_rank, member.vm, o, m});
}

void EngineState::member_done(int o, int m) {
  // A member reached ready or failed: whoever waited for it may go now.
  Operation& op = operations_[o];
  const int priority = vms_[op.members[m].vm].vm->priority;
  --op.pending;
  if (--op.pending_by_priority[priority] == 0) {
    for (std::size_t other = 0; other < op.members.size(); ++other) {
      const Member& waiting = op.members[other];
      if (waiting.stage == Member::Stage::queued && vms_[waiting.vm].vm->priority > priority) {
        enqueue_boot(o, static_cast<int>(other));
      }
    }
  }
  wake_dependents(op.members[m].vm);
}

void EngineState::wake_dependents(int v) {
  for (int dependent : vms_[v].dependents) {
    for (std::size_t o = 0; o < operations_.size(); ++o) {
      const Operation& op = operations_[o];
      if (op.finished) continue;
      const auto it = op.member_of_vm.find(dependent);
      if (it != op.member_of_vm.end() && op.members[it->second].stage == Member::Stage::queued) {
        enqueue_boot(static_cast<int>(o), it->second);
      }
    }
  }
}

void EngineState::schedule_boots() {
  // The first candidate in start order is tried until none is left or the boot cap holds:
  // boots and failures leave the set, so do members that wait for something else (they
  // come back through member_done / wake_dependents).
  while (!boot_candidates_.empty()) {
    const auto first = boot_candidates_.begin();
    const auto [priority, rank, vm, o, m] = *first;
    if (operations_[o].members[m].stage != Member::Stage::queued) {
      boot_candidates_.erase(first);
      continue;
    }
    const BootAttempt attempt = try_boot(o, m);
    if (attempt == BootAttempt::capped) return;
    boot_candidates_.erase({priority, rank, vm, o, m});
  }
}

EngineState::BootAttempt EngineState::try_boot(int o, int m) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  VmState& vm = vms_[member.vm];
  if (!hosts_[member.target_host].up) {
    member_failed(o, m, "its host " + hosts_[member.target_host].host->name + " is down");
    return BootAttempt::failed;
  }
  // Dependencies: ready in this operation, or serving outside it.
  for (const std::string& dependency : vm.vm->depends_on) {
    const int d = vm_index_.at(dependency);
    if (const auto it = op.member_of_vm.find(d); it != op.member_of_vm.end()) {
      const Member& other = op.members[it->second];
      if (other.stage == Member::Stage::failed) {
        member_failed(o, m, "its dependency " + dependency + " was not recovered");
        return BootAttempt::failed;
      }
      if (other.stage != Member::Stage::ready) {
        member.blocker = Member::Blocker::dependency;
        member.blocker_vm = d;
        return BootAttempt::blocked;
      }
      continue;
    }
    if (vm_serving(d)) continue;
    const VmState& dep = vms_[d];
    if (dep.active_operation >= 0 || dep.awaiting_repair) {
      member.blocker = Member::Blocker::dependency;
      member.blocker_vm = d;
      return BootAttempt::blocked;  // being recovered by another operation
    }
    member_failed(o, m, "its dependency " + dependency + " is down and not being recovered");
    return BootAttempt::failed;
  }
  // Priority groups: every member of a lower number is ready or has failed.
  for (int p = 1; p < vm.vm->priority; ++p) {
    if (op.pending_by_priority[p] > 0) {
      member.blocker = Member::Blocker::priority_group;
      member.blocker_vm = -1;
      for (const Member& other : op.members) {
        if (vms_[other.vm].vm->priority == p && other.stage != Member::Stage::ready &&
            other.stage != Member::Stage::failed) {
          member.blocker_vm = other.vm;
          break;
        }
      }
      return BootAttempt::blocked;
    }
  }
  const int cap = plan_.recovery.max_concurrent_boots;
  if (cap > 0 && booting_count_ >= cap) {
    member.blocker = Member::Blocker::boot_cap;
    member.blocker_vm = -1;
    return BootAttempt::capped;
  }
  if (op.kind != Operation::Kind::test) {
    // Split brain is a defect: no second running copy of a VM outside a test, ever.
    for (const InstanceState& instance : vm.instances) {
      const bool this_one = instance.name == member.instance && instance.host == member.target_host;
      if (!instance.test && !this_one && hosts_[instance.host].up) {
        std::fprintf(stderr, "firedrill: engine invariant broken: split brain for VM %s\n",
                     vm.vm->name.c_str());
        std::abort();
      }
    }
  }
  if (now_s_ <= member.prelude_end_s) member.blocker = Member::Blocker::none;
  const ActivityId id = next_activity_++;
  member.boot_time_s = vm.vm->boot_time.seconds();
  out_.push_back(StartBoot{id, vm.vm->name, member.instance, hosts_[member.target_host].host->name,
                           member.boot_time_s, op.kind == Operation::Kind::ha});
  activities_[id] = ActivityRef{ActivityRef::Kind::boot, o, m, member.replica};
  member.activity = id;
  member.stage = Member::Stage::booting;
  member.boot_start_s = now_s_;
  ++booting_count_;
  return BootAttempt::booted;
}

// ---- Members reaching the end ------------------------------------------------------------

void EngineState::member_ready(int o, int m, std::optional<double> data_as_of_s) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  VmState& vm = vms_[member.vm];
  --booting_count_;
  member.stage = Member::Stage::ready;
  member.ready_s = now_s_;
  member_done(o, m);
  const std::string& name = vm.vm->name;
  step(name, "boot", member.target_host, member.boot_start_s, now_s_, member.instance);
  step(name, "ready", member.target_host, now_s_, now_s_, member.instance);
  if (op.kind != Operation::Kind::test) {
    vm.running = true;
    vm.current_host = member.target_host;
    vm.serving_since_s = now_s_;
    vm.active_operation = -1;
    const bool original_disk = op.kind == Operation::Kind::ha ||
                               op.kind == Operation::Kind::repair ||
                               op.kind == Operation::Kind::failback;
    vm.at_home = original_disk;
    if (!original_disk) {
      vm.data_damaged = false;
      vm.corrupted_since_s.reset();
    }
    if (op.kind == Operation::Kind::failback) {
      for (int r : vm.replicas) replicas_[r].active = true;  // re-protect the VM
    }
  }
  for (IncidentRecord& incident : vm.result.incidents) {
    if (!incident.recovered_at_s) incident.recovered_at_s = now_s_;
  }
  if (op.kind == Operation::Kind::failback) {
    FailbackResult& failback = *vm.result.failback;
    failback.end_s = now_s_;
    failback.rto_s = std::round((now_s_ - op.rto_base_s) * 1e6) / 1e6;
    failback.rpo_s = 0.0;
    failback.outcome = "recovered";
    if (data_as_of_s) {
      failback.rpo_from_data_s =
          std::max(0.0, std::round((member.shutdown_start_s - *data_as_of_s) * 1e6) / 1e6);
    }
  } else if (!vm.first_incident_done) {
    settle_first_incident(member.vm, op, member);
    if (data_as_of_s) {
      vm.result.rpo_from_data_s =
          std::max(0.0, std::round((op.incident_s - *data_as_of_s) * 1e6) / 1e6);
    }
  }
  if (op.kind == Operation::Kind::planned || op.kind == Operation::Kind::replica) {
    failback_follows(member.vm, true, "");
  }
  maybe_finish_operation(o);
}

void EngineState::member_failed(int o, int m, const std::string& reason, bool settles) {
  Operation& op = operations_[o];
  Member& member = op.members[m];
  if (member.stage == Member::Stage::failed || member.stage == Member::Stage::ready) return;
  if (member.stage == Member::Stage::booting) --booting_count_;
  if (member.activity) {
    const auto it = activities_.find(*member.activity);
    if (it != activities_.end() && it->second.kind == ActivityRef::Kind::transfer) {
      out_.push_back(CancelTransfer{*member.activity});
      if (member.transfer_record >= 0 && transfers_[member.transfer_record].result == "in_flight") {
        transfers_[member.transfer_record].result = "cancelled";
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
  member.stage = Member::Stage::failed;
  member.reason = reason;
  member_done(o, m);
  if (vm.active_operation == o) vm.active_operation = -1;
  if (op.kind == Operation::Kind::failback) {
    vm.result.failback->outcome = "failed";
    vm.result.failback->reason = reason;
    if (member.off_s >= 0) production_down(member.vm, "failback: " + reason, false);
  } else if (settles && !vm.first_incident_done) {
    vm.first_incident_done = true;
    vm.result.outcome = member.data_lost ? VmOutcome::lost : VmOutcome::failed;
    vm.result.mechanism = mechanism_of(op.kind);
    vm.result.reason = reason;
  }
  if (op.kind == Operation::Kind::planned || op.kind == Operation::Kind::replica) {
    failback_follows(member.vm, false, reason);
  }
  maybe_finish_operation(o);
}

void EngineState::maybe_finish_operation(int o) {
  Operation& op = operations_[o];
  if (op.finished || !op.started) return;
  if (op.kind == Operation::Kind::failback && !op.failback_moving) {
    const bool synced = std::all_of(op.members.begin(), op.members.end(), [&](const Member& m) {
      return m.stage == Member::Stage::reverse_synced || m.stage == Member::Stage::failed;
    });
    if (synced && !finished_) failback_move(o);  // never a move begun by the end of the run
    return;
  }
  if (op.pending > 0) return;
  op.finished = true;
  if (op.kind != Operation::Kind::test) return;
  // The end of a test: the test copies go, and the evidence says what production did.
  bool untouched = true;
  for (Member& member : op.members) {
    VmState& vm = vms_[member.vm];
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
    if (record.start_s >= op.incident_s && record.kind == "replication" &&
        (record.result == "lost" || record.result == "cancelled")) {
      untouched = false;
    }
  }
  if (!untouched) production_touched_by_test_ = true;
}

}  // namespace firedrill
