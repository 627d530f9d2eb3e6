// The FailoverEngine's entry points and every event it reacts to: timers it set itself
// (replication ticks, scenario events, repairs, detection, operator delay, HA timeouts,
// the end of the run). Scenario events live in failures.cpp, what drivers report in
// activities.cpp, and what each reaction does in replication.cpp and the recovery files.
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
// operator delay, HA timeouts. Replication ticks and the end of the run do not, nor does a
// final sync's timeout: the member that waits keeps its operation unfinished anyway, and
// once a repair ends the wait the timer is stale (it would hold a settled run until then).
bool counts_as_action(Timer::Kind kind) {
  return kind != Timer::Kind::replication_tick && kind != Timer::Kind::run_end &&
         kind != Timer::Kind::sync_timeout;
}

}  // namespace

// ---- FailoverEngine: a thin face over EngineState ----------------------------------------

FailoverEngine::FailoverEngine(const Scenario& scenario)
    : state_(std::make_unique<EngineState>(scenario)) {}
FailoverEngine::~FailoverEngine() = default;
FailoverEngine::FailoverEngine(FailoverEngine&&) noexcept = default;
FailoverEngine& FailoverEngine::operator=(FailoverEngine&&) noexcept = default;
// Debug builds check the invariants after every call (invariants.cpp).
#ifdef NDEBUG
#define FIREDRILL_CHECKED(call) return call
#else
#define FIREDRILL_CHECKED(call) \
  auto commands = call;         \
  check_invariants();           \
  return commands
#endif
std::vector<Command> FailoverEngine::setup() {
  FIREDRILL_CHECKED(state_->setup());
}
std::vector<Command> FailoverEngine::advance(double now_s) {
  FIREDRILL_CHECKED(state_->advance(now_s));
}
std::vector<Command> FailoverEngine::handle(const DriverEvent& event, double now_s) {
  FIREDRILL_CHECKED(state_->handle(event, now_s));
}
#undef FIREDRILL_CHECKED
std::optional<double> FailoverEngine::poll_timeout() const {
  return state_->poll_timeout();
}
bool FailoverEngine::finished() const {
  return state_->finished();
}
Outcome FailoverEngine::outcome() const {
  return state_->outcome();
}
Outcome FailoverEngine::take_outcome() {
  return state_->take_outcome();
}

// ---- Construction ------------------------------------------------------------------------

EngineState::EngineState(const Scenario& scenario)
    : scenario_(scenario), plan_(scenario_.plan), index_(plan_) {
  index_plan();
}

void EngineState::index_plan() {
  for (std::size_t h = 0; h < index_.host_count(); ++h) {
    const int host = static_cast<int>(h);
    hosts_.push_back(HostState{&index_.host_at(host), index_.site_of_host(host), true, 0.0});
  }
  host_down_by_.resize(hosts_.size());
  link_down_by_.resize(plan_.links.size());
  datastore_down_by_.resize(plan_.datastores.size());

  vms_.resize(plan_.vms.size());
  for (std::size_t v = 0; v < plan_.vms.size(); ++v) {
    const Vm& vm = plan_.vms[v];
    VmState& state = vms_[v];
    state.vm = &vm;
    state.home_host = index_.host(vm.host);
    state.current_host = state.home_host;
    state.instances.push_back(InstanceState{vm.name, state.home_host, false});
    hosts_[state.home_host].memory_used_B += vm.memory_B;
    state.datastore = index_.datastore_of_vm(static_cast<int>(v));
    state.ha_cluster = index_.ha_cluster_of_vm(static_cast<int>(v));
    state.result.name = vm.name;
    state.result.instance = vm.name;
    state.result.network = vm.network;
    state.result.ip = vm.ip;
    state.result.objective_rto_s = vm.objectives.rto_s;
    state.result.objective_rpo_s = vm.objectives.rpo_s;
  }
  for (std::size_t v = 0; v < plan_.vms.size(); ++v) {
    for (const std::string& dependency : plan_.vms[v].depends_on) {
      vms_[index_.vm(dependency)].dependents.push_back(static_cast<int>(v));
    }
  }
  // A dependency-respecting rank (validation guarantees there is no cycle).
  std::vector<int> rank(vms_.size(), -1);
  std::function<int(int)> rank_of = [&](int v) -> int {
    if (rank[v] >= 0) return rank[v];
    int r = 0;
    for (const std::string& dependency : plan_.vms[v].depends_on) {
      r = std::max(r, rank_of(index_.vm(dependency)) + 1);
    }
    return rank[v] = r;
  };
  for (std::size_t v = 0; v < vms_.size(); ++v) vms_[v].topo_rank = rank_of(static_cast<int>(v));

  for (std::size_t j = 0; j < plan_.replication.size(); ++j) {
    const ReplicationJob& job = plan_.replication[j];
    for (const std::string& vm_name : job.vms) {
      ReplicaState replica;
      replica.job = static_cast<int>(j);
      replica.vm = index_.vm(vm_name);
      replica.target_host = index_.host(job.target_host);
      replica.points.push_back(RecoveryPoint{0.0, 0.0, false});  // seeded at t = 0
      vms_[replica.vm].replicas.push_back(static_cast<int>(replicas_.size()));
      job_replicas_.resize(plan_.replication.size());
      job_replicas_[j].push_back(static_cast<int>(replicas_.size()));
      replicas_.push_back(replica);
    }
  }
  reserve_transfer_records();
}

// Every tick of every replica makes one record. Reserving them up front spares a large run
// the vector's regrowth, which copied every record again at each doubling (a fifth of a
// 10,000-VM day in the engine alone). Capped, so that a plan of millions of tiny intervals
// does not ask for memory it may never use; past the cap the vector grows as usual.
void EngineState::reserve_transfer_records() {
  constexpr std::size_t kMaxReserved = 4'000'000;  // about 1 GiB of records
  std::size_t ticks = 0;
  for (const ReplicaState& replica : replicas_) {
    const double interval_s = plan_.replication[replica.job].interval_s;
    if (interval_s <= 0) continue;
    ticks += static_cast<std::size_t>(std::max(0.0, scenario_.duration_s / interval_s)) + 1;
    if (ticks >= kMaxReserved) break;
  }
  transfers_.reserve(std::min(ticks, kMaxReserved));
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
          const int host = index_.host(e.host);
          if (host < 0) return;
          const auto hung = hung_.find(host);
          const int held_by = hung == hung_.end() ? kUnscripted : hung->second.event;
          if (!hosts_[host].up) {  // already down: the loss holds it down too
            host_down_by_[host].insert(held_by);
            return;
          }
          const std::string cause = hung == hung_.end()
                                        ? "host " + e.host + " lost: it stopped answering"
                                        : "host " + e.host + " lost: it stopped answering at " +
                                              format_duration(hung->second.since_s) + " (hang)";
          step("", "failure", host, now_s_, now_s_, cause);
          fail_host(host, held_by, cause);
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
    case Timer::Kind::op_start:
      start_replica_failover(timer.index);
      break;
    case Timer::Kind::sync_timeout:
      final_sync_timed_out(timer.index);
      break;
    case Timer::Kind::run_end:
      end_run();
      end_s_ = scenario_.duration_s;
      return;
  }
  schedule_boots();
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
    if (replica.in_flight_record >= 0)
      transfers_[replica.in_flight_record].result = TransferResult::in_flight;
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
