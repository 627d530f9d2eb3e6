// EngineState: the FailoverEngine's data (engine_state.hpp) and its transitions. Private
// to engine/; the public face is engine/engine.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <set>
#include <tuple>
#include <utility>

#include "engine/engine.hpp"
#include "engine/engine_state.hpp"
#include "engine/plan_index.hpp"
#include "engine/stages.hpp"

namespace firedrill {

class EngineState {
 public:
  explicit EngineState(const Scenario& scenario);

  // ---- engine.cpp: the entry points and every event and timer -------------------------
  std::vector<Command> setup();
  std::vector<Command> advance(double now_s);
  std::vector<Command> handle(const DriverEvent& event, double now_s);
  std::optional<double> poll_timeout() const;
  bool finished() const { return finished_; }
  Outcome outcome() const;  // accounting.cpp
  Outcome take_outcome();   // accounting.cpp: moves the transfer records out
  Outcome results_but_transfers() const;
  // invariants.cpp: "" when the bookkeeping is consistent, else what is wrong.
  std::string invariant_violation() const;
  std::string member_violation() const;
  std::string failure_violation() const;  // hosts against their causes
  std::vector<std::pair<std::string, std::string>> stage_edges_taken() const;  // stages.cpp

 private:
  friend class FailoverEngine;
  // engine.cpp
  void index_plan();
  void reserve_transfer_records();
  void schedule(double at_s, Timer::Kind kind, int index);
  void fire(const Timer& timer);
  void end_run();
  bool settled() const;
  void end_if_settled();

  // failures.cpp
  void on_scenario_event(int event_index);
  // A crash or a hang of a host, a site's failure: event `index` of the scenario.
  void inject_host_failure(int index, const std::string& cause);
  void inject_site_failure(int index, const std::string& cause);
  // Its links, datastores and hosts, each held down by event `index` (of a fail_site).
  void mark_site_down(int site, int index);
  // Event `index` no longer holds down the hosts, links and datastores of `site`; the hosts
  // that nothing else holds down are appended to `repaired`.
  void release_site(int site, int index, std::vector<int>& repaired);
  void inject_vm_failure(const Event& event, const std::string& cause);
  void begin_corruption(const Event& event);
  void start_operator_action(Event::Kind action);  // test, planned failover or failback
  void on_repair(int event_index);
  // `index`: the scenario event whose failure holds it down (kUnscripted for a host a
  // backend lost on its own).
  void fail_host(int host, int index, const std::string& cause);
  void fail_link(int link, int index);
  void fail_datastore(int datastore, int index, const std::string& cause);
  void stop_instances_on_host(int host, const std::string& cause);
  void production_down(int vm, const std::string& cause, bool data_damaged);

  // activities.cpp
  void on_transfer_ended(const TransferEnded& event);
  std::optional<ActivityRef> take_member_activity(ActivityId id, bool ok, const char* what,
                                                  const std::string& detail);
  void on_restore_ended(const RestoreEnded& event);
  void on_boot_ended(const BootEnded& event);
  void on_shutdown_ended(const ShutdownEnded& event);

  // recovery_faults.cpp: faults during a failover (SPEC 9)
  void on_boot_failed(const BootEnded& event);
  void drop_points_on_host(int host);
  void member_host_failed(int operation, int member, int host, const std::string& cause);
  std::pair<int, const RecoveryPoint*> newest_available_point(int vm, int operation,
                                                              int preferred = -1) const;
  bool restore_again(int operation, int member, const std::string& why);
  void start_final_sync(int operation, int member);
  void final_sync_cut_off(int operation, int member, const std::string& why);
  void final_sync_timed_out(int wait);
  void resume_final_syncs();
  void restore_from_newest_point(int operation, int member, const std::string& why);

  // replication.cpp
  void replication_tick(int job);
  bool route_up(int source_host, int target_host) const;
  ActivityId start_transfer(TransferKind kind, int replica, int vm, const std::string& instance,
                            int source_host, int target_host, double bytes, double as_of_s,
                            int operation, int member);
  void transfer_lost(ActivityId id, const std::string& why);
  void lose_transfers_where(const std::function<bool(int source, int target)>& hit,
                            const std::string& why);
  void add_point(int replica, double as_of_s);
  void apply_retention(int replica);
  void stop_replication(int vm);
  const RecoveryPoint* newest_point_completed_by(int replica, double t_s) const;
  const RecoveryPoint* newest_clean_point_before(int replica, double t_s) const;
  int primary_replica(int vm) const;

  // operations.cpp
  const OperationTraits& traits(int operation) const {
    return traits_of(operations_[operation].kind);
  }
  int open_operation(Operation::Kind kind, double incident_s, int cluster,
                     const std::string& cause);
  void route_down_vm(int vm, double incident_s, const std::string& cause);
  void maybe_finish_operation(int operation);
  std::string mapped_network(const Vm& vm) const;
  bool vm_serving(int vm) const;
  void note_incident(int vm, double at_s, const std::string& cause);
  void step(const std::string& vm, const std::string& step, int host, double start_s, double end_s,
            const std::string& detail = "");

  // recovery_ha.cpp, recovery_replica.cpp, recovery_test.cpp, recovery_planned.cpp,
  // recovery_failback.cpp, recovery_repair.cpp: one kind of operation each
  bool join_ha_restart(int vm, double incident_s, const std::string& cause);
  void start_ha(int operation);
  // `corruption`: the incident is data corruption (a clean point from before it is needed);
  // `cause` is the text the reports print.
  void join_replica_failover(int vm, double incident_s, const std::string& cause, bool corruption);
  void start_replica_failover(int operation);
  void start_test_failover(double now_s);
  void finish_test(int operation);
  void start_planned_failover(double now_s);
  void begin_shutdowns(int operation);
  void member_off(int operation, int member);
  void member_synced(int operation, int member);
  void place_moved_member(int operation, int member);
  void start_failback(double now_s);
  void start_reverse_sync(int operation, int member);
  void failback_follows(int vm, bool arrived, const std::string& reason);
  void failback_move(int operation);
  void start_repair_restart(int vm, double incident_s, const std::string& cause);

  // stages.cpp: the only writer of Member::stage; throws std::logic_error for an edge the
  // stage table does not have, and keeps booting_count_ and the pending counts.
  void set_stage(int operation, int member, Member::Stage to);

  // members.cpp
  int add_member(int operation, const Member& member);
  void member_done(int operation, int member);
  void restore_member(int operation, int member);
  void member_ready(int operation, int member, const BootEnded& boot);
  void member_failed(int operation, int member, const std::string& reason, bool settles = true);

  // start_order.cpp
  std::vector<int> members_in_order(const Operation& op) const;
  void enqueue_boot(int operation, int member);
  void wake_dependents(int vm);
  void schedule_boots();
  enum class BootAttempt { booted, failed, blocked, capped };
  BootAttempt try_boot(int operation, int member);
  // Failed or blocked by a dependency (the blocker recorded); nullopt when they allow a boot.
  std::optional<BootAttempt> dependency_hold(int operation, int member);
  bool waits_for_priority_group(int operation, int member);     // records the blocker when so
  void assert_no_split_brain(int operation, int member) const;  // aborts on a second copy
  void start_boot(int operation, int member);

  // placement.cpp
  // The host with the most free memory among `candidates` that is up and has room for
  // memory_B (the first such in candidate order on a tie), `preferred` first when it fits;
  // -1 when none does.
  int place_on_hosts(int preferred_host, const std::vector<int>& candidates, double memory_B) const;
  int place_on_site(int preferred_host, int site, double memory_B) const;
  void release_instance(int vm, const std::string& instance);
  bool place_member(int operation, int member, int host);

  // accounting.cpp
  void settle_first_incident(int vm, const Operation& op, const Member& member);
  std::vector<CriticalStep> critical_path(const Operation& op, int member) const;
  std::vector<CriticalStep> prelude_steps(const Operation& op, const Member& member) const;

  // ---- data ------------------------------------------------------------------------------
  Scenario scenario_;
  const Plan& plan_;
  double now_s_ = 0.0;
  bool finished_ = false;
  double end_s_ = 0.0;             // when the run ended (once finished_)
  bool ended_settled_ = false;     // it ended because it settled, not at `duration`
  int pending_action_timers_ = 0;  // scheduled timers other than replication ticks and run_end
  bool vm_hit_ = false;            // an incident has hit at least one VM
  bool setup_done_ = false;
  std::vector<Command> out_;  // commands of the call in progress

  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::uint64_t next_sequence_ = 0;
  ActivityId next_activity_ = 1;
  std::map<ActivityId, ActivityRef> activities_;

  PlanIndex index_;  // names and relations of plan_ (engine/plan_index.hpp)
  std::vector<HostState> hosts_;
  // Hosts told to hang (and not yet repaired): since when, and by which scenario event.
  struct Hang {
    double since_s = 0.0;
    int event = -1;
  };
  std::map<int, Hang> hung_;
  // What holds each host, link and datastore down: the scenario events (by index) whose
  // failure is not yet repaired, kUnscripted for a host a backend lost on its own. It is up
  // again only once the last is repaired: a site's repair does not bring back a host,
  // link or datastore that failed on its own, as the simulator keeps its own causes
  // (sim/driver_failures.cpp). A link or datastore is up when nothing holds it; a host
  // keeps its own `up`, which a site's failure clears for all its hosts before any of them
  // is failed and a repair sets last (on_repair), checked against these by an invariant.
  static constexpr int kUnscripted = -1;
  std::vector<std::set<int>> host_down_by_, link_down_by_, datastore_down_by_;
  bool link_up(int link) const { return link_down_by_[link].empty(); }
  bool datastore_up(int datastore) const { return datastore_down_by_[datastore].empty(); }
  std::vector<VmState> vms_;
  std::vector<ReplicaState> replicas_;
  std::deque<Operation> operations_;  // a deque: references stay valid as operations open
  int booting_count_ = 0;             // members booting (set_stage)
  // The edges set_stage took: bit `to` of entry `from` (FailoverEngine::stage_edges_taken).
  std::array<std::uint32_t, kStageCount> stage_edges_taken_{};
  // Queued members that may be able to boot, in start order: (priority, dependency rank,
  // vm, operation, member). Members blocked by a dependency or a priority group leave the
  // set and are put back by the event that may unblock them (member_done).
  std::set<std::tuple<int, int, int, int, int>> boot_candidates_;
  std::vector<std::vector<int>> job_replicas_;  // replica indices of each job
  // Final syncs waiting for their route (operation, member), by Timer::index of their timeout.
  std::vector<std::pair<int, int>> sync_waits_;

  std::vector<TimelineStep> timeline_;
  std::vector<TransferRecord> transfers_;
  int ticks_skipped_ = 0;
  std::optional<double> first_incident_s_;
  // Test failover evidence: production instances touched while a test ran.
  bool had_test_ = false;
  bool production_touched_by_test_ = false;
};

}  // namespace firedrill
