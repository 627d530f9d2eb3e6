// The driving contract between the FailoverEngine and a backend (SimGrid or libvirt).
//
// The engine decides everything and says it as Commands; a driver carries each command
// out (moves bytes, boots, stops, injects failures) and reports how activities ended as
// DriverEvents, with the time they ended. Times are seconds since the start of the run
// (t = 0), on the driver's clock: simulated in sim/, monotonic in real/.
//
// The loop, drive() in engine/drive.hpp, is the same for every backend:
//   1. execute engine.setup()            -- before t = 0 (initial replica seeding)
//   2. the backend's clock starts; execute engine.advance(0)
//   3. repeat until engine.finished():
//        the backend waits until engine.poll_timeout() or until activities end, whichever
//        is first, and says what ended (each with its time) and what its clock reads, t;
//        if the timeout is due at t:   execute engine.advance(t), then collect what its
//                                      commands ended at once;
//        then every activity that ended: execute engine.handle(event, t), in order of
//        ActivityId (the order they were started).
// So at one instant, timers come first, then completions by activity id, whatever order
// the backend saw them in (SimGrid's order of equal dates depends on everything else in the
// simulation; a real backend's on its threads). What a handle() ends at once, and a timer it
// sets for this very instant, come in the next round, at the same t. Times never go back: a
// completion that ended before the last time given to the engine is handled at that time.
// The loop is bounded (DriveLimits) and stops with an error when the engine is not
// finished but waits for nothing (no timer and nothing in flight).
// Commands must be executed in the order given. Activities are named by the ActivityId
// the engine chose (increasing in the order they start); every started activity is
// reported exactly once (ok or not), unless the engine cancelled it first (CancelTransfer)
// -- then it is never reported, even if it had already ended and was not yet handed over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/outcome.hpp"

namespace firedrill {

using ActivityId = std::uint64_t;

// TransferKind is in engine/outcome.hpp: transfer records carry it too.

// Setup, before the clock starts: copy the whole disk of `vm` from `source_host` to
// `target_host` so that a recovery point as of t = 0 exists there.
struct SeedReplica {
  std::string job;
  std::string vm;
  std::string source_host;
  std::string target_host;
  double bytes = 0.0;
};

// Move `bytes` from source_host to target_host over the route between them. For
// replication and syncs the driver snapshots the disk at the moment it executes the
// command; when the transfer ends a recovery point "as of as_of_s" exists on the target.
struct StartTransfer {
  ActivityId id = 0;
  TransferKind kind = TransferKind::replication;
  std::string job;
  std::string vm;
  std::string instance;  // the domain whose disk is copied (the VM itself, or its replica)
  std::string source_host;
  std::string target_host;
  double bytes = 0.0;
  double as_of_s = 0.0;
};

// Abandon a transfer in flight; it is never reported.
struct CancelTransfer {
  ActivityId id = 0;
};

// Drop a recovery point that retention no longer keeps.
struct PrunePoint {
  std::string job;
  std::string vm;
  std::string host;
  double as_of_s = 0.0;
};

// Make a bootable instance of `vm` on `host` from its recovery point as of point_as_of_s
// (of `job`; for a failback, the reverse-synced copy), attached to `network` with `ip`
// (after network mapping and Re-IP), named `instance` (the VM's name, or a test name).
struct StartRestore {
  ActivityId id = 0;
  std::string job;
  std::string vm;
  std::string instance;
  std::string host;
  double point_as_of_s = 0.0;
  std::string network;
  std::string ip;
  bool test = false;
  bool failback = false;
};

// Power on `instance` on `host`; it is ready when its service is up. boot_time_s is the
// time on an idle host (the simulator runs it on the host's cores; a real host just boots).
// from_shared_storage: an HA restart of the VM's own disk on another cluster host.
struct StartBoot {
  ActivityId id = 0;
  std::string vm;
  std::string instance;
  std::string host;
  double boot_time_s = 0.0;
  bool from_shared_storage = false;
};

// Gracefully shut down a running instance (ACPI); it takes shutdown_time_s.
struct StartShutdown {
  ActivityId id = 0;
  std::string vm;
  std::string instance;
  std::string host;
  double shutdown_time_s = 0.0;
};

// Immediately power off (fence) an instance, if it still runs; no completion event.
struct PowerOff {
  std::string vm;
  std::string instance;
  std::string host;
};

// Remove an instance the run created (test failover cleanup); no completion event.
struct DeleteInstance {
  std::string vm;
  std::string instance;
  std::string host;
};

// What a scenario failure (or its repair) hits: an element of the plan, named by target.
enum class FailureTarget { host, site, datastore, link, vm };

// Carry out a scenario failure now, or its repair.
struct InjectFailure {
  FailureTarget kind = FailureTarget::host;
  std::string target;
  // A host only: its daemon stops answering; what runs there keeps running but can be
  // neither watched nor controlled. The backend reports HostLost once recovery.host_timeout
  // has passed without an answer (real: libvirt's keepalive; sim: the same timeout); until
  // then the engine counts on nothing from that host.
  bool hang = false;
};
struct Repair {
  FailureTarget kind = FailureTarget::host;
  std::string target;
};

// Corrupt the data of `vm` on `host` now (ransomware): the VM keeps running on bad data.
struct CorruptData {
  std::string vm;
  std::string host;
};

using Command =
    std::variant<SeedReplica, StartTransfer, CancelTransfer, PrunePoint, StartRestore, StartBoot,
                 StartShutdown, PowerOff, DeleteInstance, InjectFailure, Repair, CorruptData>;

// ---- What a driver reports -------------------------------------------------------------

struct TransferEnded {
  ActivityId id = 0;
  bool ok = true;
  std::string detail;  // why it failed, when it failed
  // Real backend: the bytes the cycle really shipped (SPEC 8). None in the simulator, where
  // a transfer moves exactly the bytes the engine modelled.
  std::optional<double> shipped_B = std::nullopt;
};
struct RestoreEnded {
  ActivityId id = 0;
  bool ok = true;
  std::string detail;
};
struct BootEnded {
  ActivityId id = 0;
  bool ok = true;
  std::string detail;
  // Real backend: the time (run clock) at which the newest record found on the booted
  // disk was written, read from the guest's own data. Evidence for RPO from data.
  std::optional<double> data_as_of_s;
  // A failed boot that booting again cannot mend (the disk holds unusable data, the backend
  // refused or cannot boot it): the engine does not spend recovery.boot_retries on it.
  bool retryable = true;
  // Real backend: the ladder that found the VM ready (or where it stopped).
  std::vector<ReadinessStep> readiness = {};
};
struct ShutdownEnded {
  ActivityId id = 0;
  bool ok = true;
  std::string detail;
};
// A host the driver found dead without being told to fail it (real backend).
struct HostLost {
  std::string host;
};

using DriverEvent = std::variant<TransferEnded, RestoreEnded, BootEnded, ShutdownEnded, HostLost>;

const char* to_string(FailureTarget kind);     // "host", "site", "datastore", "link", "vm"
std::string describe(const Command& command);  // one line, for logs and tests

}  // namespace firedrill
