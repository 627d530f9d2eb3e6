// Everything the FailoverEngine knows, as plain data. The transitions that change it live
// in engine.cpp (events and timers), replication.cpp (cycles, points, retention),
// recovery.cpp (operations, placement, start order) and accounting.cpp (the Outcome).
#pragma once

#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/commands.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill {

// A timer the engine set for itself; fired by advance().
struct Timer {
  enum class Kind {
    replication_tick,
    scenario_event,
    repair,
    ha_timeout,
    op_start,
    sync_timeout,
    run_end
  };
  double at_s = 0.0;
  std::uint64_t sequence = 0;  // ties broken by creation order: deterministic
  Kind kind = Kind::run_end;
  int index = 0;  // job, event or operation index, by kind
  bool operator>(const Timer& other) const {
    return at_s != other.at_s ? at_s > other.at_s : sequence > other.sequence;
  }
};

struct HostState {
  const Host* host = nullptr;
  int site = -1;
  bool up = true;
  double memory_used_B = 0.0;
};

struct RecoveryPoint {
  double as_of_s = 0.0;
  double completed_s = 0.0;
  bool corrupted = false;  // taken after the VM's data was corrupted
};

// One VM of one replication job: its recovery points at the target and its cycle in flight.
struct ReplicaState {
  int job = -1;
  int vm = -1;
  int target_host = -1;
  std::vector<RecoveryPoint> points;  // ascending as_of
  bool active = true;                 // cycles run (stops once the VM fails over)
  std::optional<ActivityId> in_flight;
  int in_flight_record = -1;  // index into transfers_
};

// A copy of a VM that runs or boots somewhere (the original, a replica, a test copy).
struct InstanceState {
  std::string name;
  int host = -1;
  bool test = false;
};

struct VmState {
  const Vm* vm = nullptr;
  int home_host = -1;         // the host it runs on in the plan
  int datastore = -1;         // where its disk lives, -1 for the host's local disk
  int ha_cluster = -1;        // cluster with HA whose datastore holds its disk, else -1
  std::vector<int> replicas;  // indices into replicas_
  std::vector<int> dependents;
  int topo_rank = 0;  // position in a dependency-respecting order

  // The production copy.
  bool running = true;        // the production instance is up and serving
  int current_host = -1;      // where the production instance runs / last ran
  bool at_home = true;        // the production instance is the original on its home host
  bool data_damaged = false;  // its disk is gone or bad (vm crash, datastore loss)
  std::optional<double> corrupted_since_s;
  double serving_since_s = 0.0;  // when the current production instance became ready
  int active_operation = -1;     // the operation recovering or moving it
  bool awaiting_repair = false;
  std::vector<InstanceState> instances;  // running or booting copies

  VmResult result;
  bool first_incident_done = false;  // the first incident's RTO/RPO are settled
};

// What an operation does with one VM, step by step.
struct Member {
  // Where it is on its way through the operation. The meaning of each stage, the activity
  // it waits for and the edges between them: engine/stages.cpp. Changed only by
  // EngineState::set_stage, which checks the edge.
  enum class Stage {
    pending,
    awaiting_arrival,
    reverse_syncing,
    reverse_synced,
    shutting_down,
    syncing,
    sync_waiting,
    restoring,
    queued,
    booting,
    displaced,
    ready,
    failed
  };
  int vm = -1;
  Stage stage = Stage::pending;
  int replica = -1;  // the ReplicaState restored from (replica, test, planned)
  int target_host = -1;
  std::string instance;
  std::string network;
  std::string ip;
  double point_as_of_s = 0.0;
  std::optional<ActivityId> activity;
  int transfer_record = -1;
  double prelude_end_s = 0.0;    // when it became ready to boot (restore done, HA timeout...)
  double boot_start_s = 0.0;     // its first boot attempt
  double attempt_start_s = 0.0;  // its current boot attempt (after failed ones, SPEC 9)
  int failed_boots = 0;
  double ready_s = 0.0;
  double boot_time_s = 0.0;
  double restore_start_s = 0.0;
  double first_restore_start_s = -1.0;  // before a recovery host failed under it (SPEC 9)
  int sync_failures = 0;                // final syncs that failed while their route was up
  int sync_wait = -1;  // index of its current wait for a cut-off final sync (sync_waits_)
  // Why it came back other than planned (restored again elsewhere, from an older point):
  // the report's reason for a VM that was recovered all the same.
  std::string detour;
  double shutdown_start_s = -1.0;
  bool reserved = false;  // an instance (and its memory) is placed on target_host
  double off_s = -1.0;
  // What let it start booting when it did (critical path): a VM of this operation it waited
  // for (dependency or priority group), the boot cap, or nothing (its own prelude).
  enum class Blocker { none, dependency, priority_group, boot_cap };
  Blocker blocker = Blocker::none;
  int blocker_vm = -1;
  std::string reason;      // why it failed
  bool data_lost = false;  // failed because no usable copy of its data exists
};

struct Operation {
  enum class Kind { ha, replica, planned, test, failback, repair };
  Kind kind = Kind::replica;
  double incident_s = 0.0;  // T: the failure, corruption start or operator action
  double declared_s = 0.0;  // replica: T + detection; ha: T + failure_timeout
  double start_s = 0.0;     // replica: declared + operator_delay
  int cluster = -1;         // ha
  bool corruption = false;  // replica: restore from the newest point before the corruption
  double rto_base_s = 0.0;  // RTO counts from here: T, or the first shutdown of a planned move
  std::string cause;
  std::vector<Member> members;
  bool started = false;
  bool finished = false;
  // failback: phase 1 ships the DR changes home while the VMs run, phase 2 moves them.
  bool failback_moving = false;
  // Indexes kept by EngineState::add_member / member_done, so that start order costs
  // O(log n) per event instead of a scan of every member.
  std::unordered_map<int, int> member_of_vm;
  int pending_by_priority[6] = {0, 0, 0, 0, 0, 0};  // members not ready nor failed, by priority
  int pending = 0;
  std::vector<int> shutdown_order;  // members_in_order() for begin_shutdowns, kept once made
};

// What distinguishes one kind of operation from another, in one table (operations.cpp)
// instead of kind tests spread over the engine.
struct OperationTraits {
  Mechanism mechanism = Mechanism::none;  // what the report calls the way a VM came back
  bool test_copies = false;               // its instances are test copies beside production
  bool own_disk = false;  // the VM comes back on its original disk (HA, repair, failback)
  bool from_shared_storage = false;     // boots the VM's own disk on another host of its cluster
  bool failback_waits = false;          // a failback begun meanwhile waits for its members
  bool final_sync_keeps_point = false;  // its final sync leaves a recovery point at the target
  bool reverse = false;           // it moves VMs home: reverse sync, back to the original host
  bool placed_again = false;      // a copy whose host fails is placed on another (not: a restart
                                  // in place or a failback has nowhere else to go)
  bool points_up_to_now = false;  // may restore from a point newer than its incident (a
                                  // planned move: none is newer than its shutdown)
};
const OperationTraits& traits_of(Operation::Kind kind);

struct ActivityRef {
  enum class Kind { transfer, restore, boot, shutdown };
  Kind kind = Kind::transfer;
  int operation = -1;  // -1: a periodic replication cycle
  int member = -1;
  int replica = -1;
  int source_host = -1;  // transfers: the hosts at both ends
  int target_host = -1;
};

}  // namespace firedrill
