// The FailoverEngine's entry points and every event it reacts to: timers it set itself
// (replication ticks, scenario events, repairs, detection, operator delay, HA timeouts,
// the end of the run) and activities a driver reports as ended. What each reaction does
// to replication and to recovery lives in replication.cpp and recovery.cpp.
#include <cassert>
#include <cmath>

#include "engine/engine_impl.hpp"

namespace firedrill {

namespace {

// Times are kept to the microsecond so that both backends report clean numbers: SimGrid's
// clock accumulates floating-point dust, a real clock has jitter far above this.
double to_microseconds(double seconds) {
  return std::round(seconds * 1e6) / 1e6;
}

constexpr double kTimerSlack_s = 1e-6;

// Timers that may still change what a run reports: scenario events, repairs, detection,
// operator delay, HA timeouts. Replication ticks and the end of the run do not.
bool counts_as_action(Timer::Kind kind) {
  return kind != Timer::Kind::replication_tick && kind != Timer::Kind::run_end;
}

}  // namespace

// ---- FailoverEngine: a thin face over EngineState ----------------------------------------

FailoverEngine::FailoverEngine(const Scenario& scenario)
    : state_(std::make_unique<EngineState>(scenario)) {}
FailoverEngine::~FailoverEngine() = default;
FailoverEngine::FailoverEngine(FailoverEngine&&) noexcept = default;
FailoverEngine& FailoverEngine::operator=(FailoverEngine&&) noexcept = default;
std::vector<Command> FailoverEngine::setup() {
  return state_->setup();
}
std::vector<Command> FailoverEngine::advance(double now_s) {
  return state_->advance(now_s);
}
std::vector<Command> FailoverEngine::handle(const DriverEvent& event, double now_s) {
  return state_->handle(event, now_s);
}
std::optional<double> FailoverEngine::poll_timeout() const {
  return state_->poll_timeout();
}
bool FailoverEngine::finished() const {
  return state_->finished();
}
Outcome FailoverEngine::outcome() const {
  return state_->outcome();
}

// ---- Construction ------------------------------------------------------------------------

EngineState::EngineState(const Scenario& scenario) : scenario_(scenario), plan_(scenario_.plan) {
  index_plan();
}

void EngineState::index_plan() {
  for (std::size_t s = 0; s < plan_.sites.size(); ++s) {
    site_index_[plan_.sites[s].name] = static_cast<int>(s);
    for (const Host& host : plan_.sites[s].hosts) {
      host_index_[host.name] = static_cast<int>(hosts_.size());
      hosts_.push_back(HostState{&host, static_cast<int>(s), true, 0.0, {}});
    }
  }
  for (std::size_t l = 0; l < plan_.links.size(); ++l) {
    link_index_[plan_.links[l].name] = static_cast<int>(l);
  }
  link_up_.assign(plan_.links.size(), true);
  for (std::size_t d = 0; d < plan_.datastores.size(); ++d) {
    datastore_index_[plan_.datastores[d].name] = static_cast<int>(d);
  }
  datastore_up_.assign(plan_.datastores.size(), true);
  for (std::size_t c = 0; c < plan_.clusters.size(); ++c) {
    cluster_index_[plan_.clusters[c].name] = static_cast<int>(c);
    for (const std::string& host : plan_.clusters[c].hosts) {
      hosts_[host_index_.at(host)].clusters.push_back(static_cast<int>(c));
    }
  }

  vms_.resize(plan_.vms.size());
  for (std::size_t v = 0; v < plan_.vms.size(); ++v) {
    const Vm& vm = plan_.vms[v];
    vm_index_[vm.name] = static_cast<int>(v);
    VmState& state = vms_[v];
    state.vm = &vm;
    state.home_host = host_index_.at(vm.host);
    state.current_host = state.home_host;
    state.instances.push_back(InstanceState{vm.name, state.home_host, false});
    hosts_[state.home_host].memory_used_B += vm.memory_B;
    // Where the disk lives: the VM's own datastore, else its host's cluster's datastore.
    std::string datastore = vm.datastore;
    for (int c : hosts_[state.home_host].clusters) {
      if (datastore.empty()) datastore = plan_.clusters[c].datastore;
    }
    if (!datastore.empty() && datastore_index_.count(datastore)) {
      state.datastore = datastore_index_.at(datastore);
    }
    for (int c : hosts_[state.home_host].clusters) {
      const Cluster& cluster = plan_.clusters[c];
      if (cluster.ha && !datastore.empty() && cluster.datastore == datastore) state.ha_cluster = c;
    }
    state.result.name = vm.name;
    state.result.instance = vm.name;
    state.result.network = vm.network;
    state.result.ip = vm.ip;
    state.result.objective_rto_s = vm.objectives.rto_s;
    state.result.objective_rpo_s = vm.objectives.rpo_s;
  }
  for (std::size_t v = 0; v < plan_.vms.size(); ++v) {
    for (const std::string& dependency : plan_.vms[v].depends_on) {
      vms_[vm_index_.at(dependency)].dependents.push_back(static_cast<int>(v));
    }
  }
  // A dependency-respecting rank (validation guarantees there is no cycle).
  std::vector<int> rank(vms_.size(), -1);
  std::function<int(int)> rank_of = [&](int v) -> int {
    if (rank[v] >= 0) return rank[v];
    int r = 0;
    for (const std::string& dependency : plan_.vms[v].depends_on) {
      r = std::max(r, rank_of(vm_index_.at(dependency)) + 1);
    }
    return rank[v] = r;
  };
  for (std::size_t v = 0; v < vms_.size(); ++v) vms_[v].topo_rank = rank_of(static_cast<int>(v));

  for (std::size_t j = 0; j < plan_.replication.size(); ++j) {
    const ReplicationJob& job = plan_.replication[j];
    for (const std::string& vm_name : job.vms) {
      ReplicaState replica;
      replica.job = static_cast<int>(j);
      replica.vm = vm_index_.at(vm_name);
      replica.target_host = host_index_.at(job.target_host);
      replica.points.push_back(RecoveryPoint{0.0, 0.0, false});  // seeded at t = 0
      vms_[replica.vm].replicas.push_back(static_cast<int>(replicas_.size()));
      job_replicas_.resize(plan_.replication.size());
      job_replicas_[j].push_back(static_cast<int>(replicas_.size()));
      replicas_.push_back(replica);
    }
  }
}

// ---- Entry points ------------------------------------------------------------------------

std::vector<Command> EngineState::setup() {
  out_.clear();
  if (setup_done_) return {};
  setup_done_ = true;
  for (const ReplicaState& replica : replicas_) {
    const VmState& vm = vms_[replica.vm];
    out_.push_back(SeedReplica{plan_.replication[replica.job].name, vm.vm->name,
                               hosts_[vm.home_host].host->name,
                               hosts_[replica.target_host].host->name, vm.vm->disk_B});
  }
  for (std::size_t j = 0; j < plan_.replication.size(); ++j) {
    const double interval_s = plan_.replication[j].interval_s;
    if (interval_s > 0 && interval_s <= scenario_.duration_s) {
      schedule(interval_s, Timer::Kind::replication_tick, static_cast<int>(j));
    }
  }
  for (std::size_t e = 0; e < scenario_.events.size(); ++e) {
    schedule(scenario_.events[e].at.seconds(), Timer::Kind::scenario_event, static_cast<int>(e));
  }
  schedule(scenario_.duration_s, Timer::Kind::run_end, 0);
  return std::move(out_);
}

std::vector<Command> EngineState::advance(double now_s) {
  out_.clear();
  if (!setup_done_) setup();
  out_.clear();
  now_s = to_microseconds(now_s);
  while (!finished_ && !timers_.empty() && timers_.top().at_s <= now_s + kTimerSlack_s) {
    const Timer timer = timers_.top();
    timers_.pop();
    // A timer fires at its own time; a real driver that wakes late fires it at `now`.
    const bool late = now_s - timer.at_s > kTimerSlack_s;
    now_s_ = std::max(now_s_, late ? now_s : timer.at_s);
    if (counts_as_action(timer.kind)) --pending_action_timers_;
    fire(timer);
  }
  end_if_settled();
  return std::move(out_);
}

std::vector<Command> EngineState::handle(const DriverEvent& event, double now_s) {
  out_.clear();
  if (finished_) return {};
  now_s_ = std::max(now_s_, to_microseconds(now_s));
  std::visit(
      [this](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, TransferEnded>) on_transfer_ended(e);
        if constexpr (std::is_same_v<E, RestoreEnded>) on_restore_ended(e);
        if constexpr (std::is_same_v<E, BootEnded>) on_boot_ended(e);
        if constexpr (std::is_same_v<E, ShutdownEnded>) on_shutdown_ended(e);
        if constexpr (std::is_same_v<E, HostLost>) {
          auto it = host_index_.find(e.host);
          if (it != host_index_.end() && hosts_[it->second].up) {
            fail_host(it->second, "host " + e.host + " lost");
          }
        }
      },
      event);
  schedule_boots();
  end_if_settled();
  return std::move(out_);
}

std::optional<double> EngineState::poll_timeout() const {
  if (finished_ || timers_.empty()) return std::nullopt;
  return timers_.top().at_s;
}

void EngineState::schedule(double at_s, Timer::Kind kind, int index) {
  if (counts_as_action(kind)) ++pending_action_timers_;
  timers_.push(Timer{to_microseconds(at_s), next_sequence_++, kind, index});
}

void EngineState::fire(const Timer& timer) {
  switch (timer.kind) {
    case Timer::Kind::replication_tick:
      replication_tick(timer.index);
      break;
    case Timer::Kind::scenario_event:
      on_scenario_event(timer.index);
      break;
    case Timer::Kind::repair:
      on_repair(timer.index);
      break;
    case Timer::Kind::ha_timeout:
      start_ha(timer.index);
      break;
    case Timer::Kind::declare:
      break;  // detection ends: recorded on the timeline when the operation starts
    case Timer::Kind::op_start:
      start_replica_failover(timer.index);
      break;
    case Timer::Kind::run_end:
      end_run();
      end_s_ = scenario_.duration_s;
      return;
  }
  schedule_boots();
}

// ---- Scenario events ---------------------------------------------------------------------

void EngineState::on_scenario_event(int event_index) {
  const Event& event = scenario_.events[event_index];
  const std::string cause =
      std::string(to_string(event.kind)) + (event.target.empty() ? "" : " " + event.target);
  if (!first_incident_s_) first_incident_s_ = now_s_;
  switch (event.kind) {
    case Event::Kind::fail_host: {
      out_.push_back(InjectFailure{"host", event.target});
      step("", "failure", host_index_.at(event.target), now_s_, now_s_, cause);
      fail_host(host_index_.at(event.target), cause);
      break;
    }
    case Event::Kind::fail_site: {
      out_.push_back(InjectFailure{"site", event.target});
      step("", "failure", -1, now_s_, now_s_, cause);
      const int site = site_index_.at(event.target);
      // Everything of the site goes down at once, before any VM is routed to recovery, so
      // that no decision counts on a host or datastore that is failing at the same instant.
      for (std::size_t l = 0; l < plan_.links.size(); ++l) {
        const Link& link = plan_.links[l];
        if (link.between[0] == event.target || link.between[1] == event.target) {
          fail_link(static_cast<int>(l));
        }
      }
      for (std::size_t d = 0; d < plan_.datastores.size(); ++d) {
        bool all_in_site = !plan_.datastores[d].hosts.empty();
        for (const std::string& host : plan_.datastores[d].hosts) {
          all_in_site = all_in_site && hosts_[host_index_.at(host)].site == site;
        }
        if (all_in_site) datastore_up_[d] = false;
      }
      for (std::size_t h = 0; h < hosts_.size(); ++h) {
        if (hosts_[h].site == site) hosts_[h].up = false;
      }
      for (std::size_t h = 0; h < hosts_.size(); ++h) {
        if (hosts_[h].site == site) fail_host(static_cast<int>(h), cause);
      }
      break;
    }
    case Event::Kind::fail_datastore: {
      out_.push_back(InjectFailure{"datastore", event.target});
      step("", "failure", -1, now_s_, now_s_, cause);
      fail_datastore(datastore_index_.at(event.target), cause);
      break;
    }
    case Event::Kind::fail_link: {
      out_.push_back(InjectFailure{"link", event.target});
      step("", "failure", -1, now_s_, now_s_, cause);
      fail_link(link_index_.at(event.target));
      break;
    }
    case Event::Kind::fail_vm: {
      const int v = vm_index_.at(event.target);
      out_.push_back(InjectFailure{"vm", event.target});
      if (vm_serving(v)) {
        release_instance(v, vms_[v].vm->name);
        production_down(v, cause, /*data_damaged=*/true);  // records the failure step
      } else {
        step(event.target, "failure", vms_[v].current_host, now_s_, now_s_, cause);
      }
      break;
    }
    case Event::Kind::corrupt: {
      for (const std::string& name : event.vms) {
        const int v = vm_index_.at(name);
        VmState& vm = vms_[v];
        if (!vm_serving(v) || vm.corrupted_since_s) continue;
        out_.push_back(CorruptData{name, hosts_[vm.current_host].host->name});
        step(name, "corruption", vm.current_host, now_s_, now_s_, "data corruption begins");
        vm.corrupted_since_s = now_s_;
        note_incident(v, now_s_, "corrupt");
        // The VM keeps serving bad data until the failover powers it off.
        join_replica_failover(v, now_s_, "corrupt");
      }
      break;
    }
    case Event::Kind::test_failover:
      step("", "operator_action", -1, now_s_, now_s_, "test failover");
      start_test_failover(now_s_);
      break;
    case Event::Kind::planned_failover:
      step("", "operator_action", -1, now_s_, now_s_, "planned failover");
      start_planned_failover(now_s_);
      break;
    case Event::Kind::failback:
      step("", "operator_action", -1, now_s_, now_s_, "failback");
      start_failback(now_s_);
      break;
  }
  if (event.repair_after) {
    schedule(now_s_ + event.repair_after->seconds(), Timer::Kind::repair, event_index);
  }
}

void EngineState::on_repair(int event_index) {
  const Event& event = scenario_.events[event_index];
  std::vector<int> repaired_hosts;
  switch (event.kind) {
    case Event::Kind::fail_host:
      repaired_hosts.push_back(host_index_.at(event.target));
      out_.push_back(Repair{"host", event.target});
      break;
    case Event::Kind::fail_site: {
      const int site = site_index_.at(event.target);
      out_.push_back(Repair{"site", event.target});
      for (std::size_t h = 0; h < hosts_.size(); ++h) {
        if (hosts_[h].site == site) repaired_hosts.push_back(static_cast<int>(h));
      }
      for (std::size_t l = 0; l < plan_.links.size(); ++l) {
        const Link& link = plan_.links[l];
        if (link.between[0] == event.target || link.between[1] == event.target) {
          link_up_[l] = true;
        }
      }
      for (std::size_t d = 0; d < plan_.datastores.size(); ++d) datastore_up_[d] = true;
      break;
    }
    case Event::Kind::fail_datastore:
      out_.push_back(Repair{"datastore", event.target});
      datastore_up_[datastore_index_.at(event.target)] = true;
      break;
    case Event::Kind::fail_link:
      out_.push_back(Repair{"link", event.target});
      link_up_[link_index_.at(event.target)] = true;
      break;
    default:
      return;  // VM crashes, corruption and actions have nothing to repair
  }
  step("", "repair", repaired_hosts.size() == 1 ? repaired_hosts[0] : -1, now_s_, now_s_,
       std::string("repair ") + to_string(event.kind) + " " + event.target);
  for (int h : repaired_hosts) {
    // A repaired host comes back empty: nothing it ran is restarted behind the engine's
    // back (a VM recovered elsewhere must not run twice).
    hosts_[h].up = true;
    hosts_[h].memory_used_B = 0.0;
  }
  // VMs that had no other way back restart where their disk survived.
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    if (!vm.awaiting_repair) continue;
    const bool host_ok = hosts_[vm.home_host].up;
    const bool disk_ok = vm.datastore < 0 || datastore_up_[vm.datastore];
    if (host_ok && disk_ok) {
      vm.awaiting_repair = false;
      start_repair_restart(static_cast<int>(v), now_s_, "repair");
    }
  }
}

// ---- Failures ----------------------------------------------------------------------------

void EngineState::fail_host(int host, const std::string& cause) {
  hosts_[host].up = false;
  lose_transfers_where([host](int source, int target) { return source == host || target == host; },
                       "host " + hosts_[host].host->name + " failed");
  stop_instances_on_host(host, cause);
  hosts_[host].memory_used_B = 0.0;
}

void EngineState::fail_link(int link) {
  if (!link_up_[link]) return;
  link_up_[link] = false;
  lose_transfers_where(
      [this, link](int source, int target) {
        return link_between(hosts_[source].site, hosts_[target].site) == link;
      },
      "link " + plan_.links[link].name + " failed");
}

void EngineState::fail_datastore(int datastore, const std::string& cause) {
  datastore_up_[datastore] = false;
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    if (vm.datastore != datastore || !vm.at_home) continue;
    vm.data_damaged = true;
    lose_transfers_where([&vm](int source, int) { return source == vm.current_host; },
                         "datastore " + plan_.datastores[datastore].name + " failed");
    if (vm_serving(static_cast<int>(v))) {
      release_instance(static_cast<int>(v), vm.vm->name);
      production_down(static_cast<int>(v), cause, /*data_damaged=*/true);
    }
  }
}

void EngineState::stop_instances_on_host(int host, const std::string& cause) {
  // Copies booting, restoring or queued here (production or test) fail with their member.
  for (std::size_t o = 0; o < operations_.size(); ++o) {
    if (operations_[o].finished) continue;
    for (std::size_t m = 0; m < operations_[o].members.size(); ++m) {
      const Member& member = operations_[o].members[m];
      if (member.target_host != host) continue;
      if (member.stage == Member::Stage::booting || member.stage == Member::Stage::restoring ||
          member.stage == Member::Stage::queued) {
        member_failed(static_cast<int>(o), static_cast<int>(m),
                      "host " + hosts_[host].host->name + " failed (" + cause + ")");
      }
    }
  }
  for (std::size_t v = 0; v < vms_.size(); ++v) {
    VmState& vm = vms_[v];
    const bool production_here = vm.running && vm.current_host == host;
    std::erase_if(vm.instances, [host](const InstanceState& i) { return i.host == host; });
    if (production_here) production_down(static_cast<int>(v), cause, /*data_damaged=*/false);
  }
}

void EngineState::production_down(int v, const std::string& cause, bool data_damaged) {
  VmState& vm = vms_[v];
  vm.running = false;
  if (data_damaged) vm.data_damaged = true;
  step(vm.vm->name, "failure", vm.current_host, now_s_, now_s_, cause);
  note_incident(v, now_s_, cause);
  // A VM in the middle of a planned move loses that move; it is routed like any other.
  if (vm.active_operation >= 0) {
    const Operation& op = operations_[vm.active_operation];
    if (const auto it = op.member_of_vm.find(v); it != op.member_of_vm.end()) {
      member_failed(vm.active_operation, it->second, "source failed: " + cause);
    }
  }
  route_down_vm(v, now_s_, cause);
}

// ---- Activities reported by the driver ---------------------------------------------------

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
  record.result = "completed";
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
       record.kind == "reverse_sync" && !op.failback_moving ? "reverse_sync" : "sync",
       host_index_.at(record.target_host), record.start_s, now_s_);
  if (member.stage == Member::Stage::reverse_syncing) {
    member.stage = Member::Stage::reverse_synced;
    maybe_finish_operation(ref.operation);
    return;
  }
  if (op.kind == Operation::Kind::planned && member.replica >= 0) {
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
  const std::optional<ActivityRef> ref =
      take_member_activity(event.id, event.ok, "boot", event.detail);
  if (!ref) return;
  member_ready(ref->operation, ref->member, event.data_as_of_s);
}

void EngineState::on_shutdown_ended(const ShutdownEnded& event) {
  const std::optional<ActivityRef> ref =
      take_member_activity(event.id, event.ok, "shutdown", event.detail);
  if (!ref) return;
  member_off(ref->operation, ref->member);
}

// ---- The end of the run ------------------------------------------------------------------

void EngineState::end_run() {
  finished_ = true;  // first: nothing below may start anything new
  // Whatever is still under way did not make it within the scenario's duration.
  for (std::size_t o = 0; o < operations_.size(); ++o) {
    Operation& op = operations_[o];
    for (std::size_t m = 0; m < op.members.size(); ++m) {
      const Member::Stage stage = op.members[m].stage;
      if (stage != Member::Stage::ready && stage != Member::Stage::failed &&
          stage != Member::Stage::reverse_synced) {
        member_failed(static_cast<int>(o), static_cast<int>(m),
                      "not ready by the end of the run (t=" + std::to_string(now_s_) + "s)");
      }
    }
  }
  for (ReplicaState& replica : replicas_) {
    if (replica.in_flight_record >= 0) transfers_[replica.in_flight_record].result = "in_flight";
  }
  end_s_ = now_s_;
}

// Nothing more can happen that the report is about (engine/engine.hpp, finished()).
bool EngineState::settled() const {
  if (!vm_hit_ || pending_action_timers_ > 0) return false;
  for (const Operation& op : operations_) {
    if (!op.finished) return false;
  }
  for (const auto& [id, activity] : activities_) {
    if (activity.operation >= 0) return false;
  }
  return true;
}

void EngineState::end_if_settled() {
  if (finished_ || !scenario_.end_when_settled || !settled()) return;
  end_run();
  ended_settled_ = true;
}

}  // namespace firedrill
