// The libvirt backend: runs one realized scenario with the FailoverEngine against real
// libvirt hosts (the lab of real/lab/, or qemu+ssh:// hosts), executing the engine's
// commands with real QEMU guests and reporting how they ended on a monotonic clock.
//
// What it does with each command (no policy here; the engine decides), and the file of
// real/ that does it:
//   SeedReplica / StartTransfer  [libvirt_replication.cpp] external disk-only snapshot of the
//   running source (or the
//       disk as it is, when the domain is off), the frozen base streamed with
//       virStorageVolDownload -> virStorageVolUpload into a new volume on the target host
//       (the recovery point, fdrp-RUN-VM-ASOFms.img), active block commit with pivot,
//       overlay deleted. A whole-disk copy each cycle (the lab's disks are small).
//   PrunePoint      [libvirt_driver.cpp] deletes that recovery point volume.
//   StartRestore    [libvirt_instances.cpp] clones the point into fdi-RUN-INSTANCE.img and defines
//   the instance from
//       the source's captured definition: interface on the mapped network, fd.ip (Re-IP)
//       and fd.name on the kernel command line. A failback instead writes the point over
//       the disk of the VM's own stopped domain on its home host, keeping its definition.
//   StartBoot       [libvirt_instances.cpp] virDomainCreate, then waits for the guest's own READY
//   console line;
//       BootEnded.data_as_of_s = when the newest record on the booted disk was written.
//       Refuses (ok=false) when a copy named like the VM runs on another reachable host and
//       the instance is not a test instance (split brain).
//   StartShutdown   [libvirt_instances.cpp] ACPI power button, destroy after a timeout.
//   PowerOff        [libvirt_instances.cpp] destroy.
//   DeleteInstance  [libvirt_instances.cpp] destroy, undefine, delete its volume (only objects this
//   run created). InjectFailure   [libvirt_faults.cpp] host/site: SIGKILL the lab host's libvirtd
//   and QEMU processes (only
//       lab hosts; elsewhere the host's plan VMs are destroyed instead and a note says so);
//       vm: destroy; datastore: destroy the VMs on it; link: transfers between its sites fail.
//   Repair          [libvirt_faults.cpp] link: transfers over it work again; host: a note.
//   CorruptData     [libvirt_faults.cpp] tells the guest (console line CORRUPT) to start the lab's
//   ransomware.
// Setup [libvirt_setup.cpp]: a plan VM must run on its plan host as a lab-style guest (kernel boot
// with fd.* on the command line); when no domain of that name exists and the lab guest is cached,
// the run provisions it (and removes it at the end).
//
// Every object created is journaled in OUT/journal.jsonl before it is created; at the end
// of the run they are removed unless `keep`; `firedrill cleanup OUT` removes whatever a
// killed run left (real/journal.hpp). Evidence [libvirt_evidence.cpp]: OUT/libvirt.json and
// OUT/consoles/. The loop is engine/drive.hpp's drive() [libvirt_driver.cpp]; every wait in
// it is bounded (recovery.host_timeout for a host that stops answering, real/virt.hpp), and
// SIGINT/SIGTERM stop the drill and undo it (real/interrupt.hpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/drive.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill {

struct RealRunOptions {
  // Plan host name -> libvirt URI (from --hosts-file); a plan host's own `libvirt` field is
  // used when the host is not listed here.
  std::map<std::string, std::string> host_uris;
  std::string out_dir;   // journal, evidence and console logs go here (created)
  bool verbose = false;  // one line per command and per completion on stderr
  bool keep = false;     // leave what the run created (for inspection); cleanup removes it
  // Directory holding the lab guest's vmlinuz and initrd.img, used to provision missing
  // source VMs. Empty: the newest build under $FIREDRILL_LAB_CACHE or
  // /var/cache/firedrill-lab; none found: missing sources are an error.
  std::string guest_dir;
  // Sees the run as engine/drive.hpp drives it (progress lines); may be null.
  DriveObserver* observer = nullptr;
};

struct RealRunResult {
  std::optional<Outcome> outcome;  // set when the scenario ran to its end
  // When there is no outcome: 2 bad input or a refused start (leftovers of an earlier run,
  // a missing source, no URI for a host), 3 a host could not be reached.
  int exit_status = 0;
  std::string error;               // why there is no outcome
  std::vector<std::string> notes;  // things the operator should know (also in libvirt.json)
  // Why OUT/libvirt.json (evidence_path) could not be written; empty when it was.
  std::string evidence_path;
  std::string evidence_error;
  // SIGINT or SIGTERM when an operator's signal stopped the run (real/interrupt.hpp): the
  // outcome then holds the results so far, with ended = RunEnd::interrupted; 0 otherwise.
  int interrupt_signal = 0;
};

// Runs `realized` (engine/model.hpp: realize()) to its end on the libvirt hosts. Blocks for
// about the scenario's duration (or until the run settles, with end_when_settled) plus
// setup (provisioning and seeding) and the end (a heartbeat of every production copy,
// cleanup). OUT/libvirt.json `production_at_end` says which production copies were alive.
RealRunResult run_libvirt(const Scenario& realized, const RealRunOptions& options);

// Folder and leftovers helpers for the command line: objects an earlier run in `out_dir`
// created and did not remove (empty when none).
std::vector<std::string> describe_leftovers(const std::string& out_dir);

}  // namespace firedrill
