// What a run found: per-VM results, the timeline of every step, the replication history.
// Produced by FailoverEngine::outcome(); consumed by the report writers and by whatif.
// All times are seconds since the start of the run.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace firedrill {

enum class VmOutcome { recovered, failed, lost, unaffected };
enum class Mechanism { ha, replica, planned, test, none };
enum class TransferKind {
  replication,   // a periodic cycle: the changes since the previous point
  final_sync,    // planned failover: the changes since the last point, source powered off
  reverse_sync,  // failback: the changes made at the DR site, shipped back to the original host
};
// How a transfer ended; in_flight: still running at the end of the run.
enum class TransferResult { completed, lost, cancelled, in_flight };
// How a failback stands: in_progress from its start until it recovers or fails.
enum class FailbackOutcome { in_progress, recovered, failed };
// Why a run ended when it did: at the scenario's duration (SPEC 3.10); settled (the run
// asked to end when settled and nothing more could happen, engine/engine.hpp); interrupted
// (an operator's signal stopped a real run: the results so far); running (the results of a
// run not finished yet).
enum class RunEnd { duration, settled, interrupted, running };

// The names report.json and the other writers print.
const char* to_string(VmOutcome outcome);
const char* to_string(Mechanism mechanism);
const char* to_string(TransferKind kind);        // "replication", "final_sync", "reverse_sync"
const char* to_string(TransferResult result);    // "completed", "lost", "cancelled", "in_flight"
const char* to_string(FailbackOutcome outcome);  // "in_progress", "recovered", "failed"
const char* to_string(RunEnd end);               // "duration", "settled", "interrupted", "running"

// One incident that hit a VM (the first one defines its RTO/RPO; later ones are listed).
struct IncidentRecord {
  double at_s = 0.0;
  std::string cause;  // "fail host esx1", "corrupt", "fail site primary", ...
  std::optional<double> recovered_at_s;
};

// One wait in the chain that made a VM's RTO (the critical path), in time order.
struct CriticalStep {
  std::string step;  // "detection", "operator_delay", "ha_timeout", "boot", "boot_contention",
                     // "boot_cap", "dependency", "priority_group", "shutdown", "sync", "restore"
  std::string vm;    // whose step it was (a dependency's boot names that dependency)
  double seconds = 0.0;
};

struct FailbackResult {
  double start_s = 0.0;
  std::optional<double> end_s;
  std::optional<double> rto_s;
  std::optional<double> rpo_s;
  FailbackOutcome outcome = FailbackOutcome::in_progress;
  std::string reason;
  // Real backend evidence: the shutdown of the copy at the DR site (phase 2) minus the write
  // time of the newest record the VM found on its home disk, at least 0.
  std::optional<double> rpo_from_data_s;
};

// One rung of a real VM's readiness ladder (SPEC 7): running, console or agent, re_ip,
// each health check, data_probe. at_s is run time; passed false ends the ladder.
struct ReadinessStep {
  std::string step;  // running | console | agent | re_ip | check | data_probe
  double at_s = 0.0;
  bool passed = true;
  int attempts = 1;
  std::string detail;  // the check ("tcp db:80 from app"), the address read back, the error
};

struct VmResult {
  std::string name;
  VmOutcome outcome = VmOutcome::unaffected;
  Mechanism mechanism = Mechanism::none;
  std::string recovered_on;  // host
  std::string instance;      // domain name used (test name for a test failover)
  std::string network;       // after network mapping
  std::string ip;            // after Re-IP
  std::optional<double> rto_s;
  std::optional<double> rpo_s;
  std::optional<double> recovery_point_s;  // "as of" time of the point restored from
  std::optional<double> incident_s;        // the incident that took it down first
  std::optional<double> ready_s;
  std::optional<double> objective_rto_s;
  std::optional<double> objective_rpo_s;
  std::optional<bool> rto_met;  // null when there is no objective or no RTO
  std::optional<bool> rpo_met;
  std::string reason;  // why failed / lost
  std::vector<IncidentRecord> incidents;
  std::vector<CriticalStep> critical_path;
  std::optional<FailbackResult> failback;
  // Real backend evidence: RPO measured from the data on the restored disk.
  std::optional<double> rpo_from_data_s;
  // Real backend evidence: how the VM was found ready (empty in the simulator).
  std::vector<ReadinessStep> readiness;
};

struct TimelineStep {
  std::string vm;    // empty for plan-wide steps (an injected failure, an operator action)
  std::string step;  // failure, detection, operator_wait, ha_wait, shutdown, sync, restore,
                     // boot, ready, power_off, cleanup, corruption, repair, reverse_sync
  std::string host;
  double start_s = 0.0;
  double end_s = 0.0;
  std::string detail;
};

struct TransferRecord {
  std::string job;
  std::string vm;
  TransferKind kind = TransferKind::replication;
  std::string source_host;
  std::string target_host;
  double as_of_s = 0.0;
  double start_s = 0.0;
  std::optional<double> end_s;
  double bytes = 0.0;  // what the engine modelled (change_rate x elapsed for a cycle)
  TransferResult result = TransferResult::in_flight;
  // Real backend evidence: the bytes a completed transfer really shipped (none in the
  // simulator, and for a transfer that did not complete).
  std::optional<double> shipped_B = std::nullopt;
};

struct Summary {
  std::optional<double> rto_s;  // max over VMs with an RTO
  std::optional<double> rpo_s;  // max over VMs with an RPO
  bool objectives_met = true;
  int recovered = 0, failed = 0, lost = 0, unaffected = 0;
  int transfers_completed = 0, transfers_lost = 0, ticks_skipped = 0;
};

struct Outcome {
  std::optional<double> incident_time_s;  // the first incident (failure, corruption or action)
  double end_s = 0.0;                     // when the run ended
  RunEnd ended = RunEnd::duration;        // why it ended then
  std::vector<VmResult> vms;              // in plan order
  std::vector<TimelineStep> timeline;     // in start order
  std::vector<TransferRecord> transfers;  // every replication cycle and sync, in start order
  // Test failover: true when no source VM was stopped, changed or lost replication
  // because of the test; null when the run had no test failover.
  std::optional<bool> production_untouched;
  Summary summary;
};

// Exit status of `firedrill run` for one outcome: 0 all objectives met and every affected
// VM recovered, 1 otherwise.
int exit_status(const Outcome& outcome);

}  // namespace firedrill
