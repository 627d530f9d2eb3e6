// One replication cycle of a VM. A raw disk: an external disk-only snapshot freezes the
// running disk, the frozen base is streamed to a new recovery-point volume on the target
// host, and an active block commit merges the overlay back. A qcow2 disk ships only its
// changed blocks (libvirt_incremental.cpp).
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {
namespace {

std::optional<CycleDisk> find_cycle_disk(virt::Connection& source, virDomainPtr domain,
                                         const std::string& instance, std::string& detail) {
  const auto facts = virt::domain_facts(domain);
  if (!facts || facts->disk_path.empty()) {
    detail = "cannot read the definition of " + instance + ": " + virt::last_error();
    return std::nullopt;
  }
  virt::Vol base(virStorageVolLookupByPath(source.get(), facts->disk_path.c_str()));
  if (!base) {
    detail = "the disk of " + instance + " (" + facts->disk_path + ") is in no storage pool";
    return std::nullopt;
  }
  const bool live = virt::is_active(domain);
  const bool our_overlay = fs::path(facts->disk_path).filename().string().rfind("fdov-", 0) == 0;
  if (!live && facts->disk_format != "raw" && our_overlay) {
    detail = "the disk of the stopped " + instance + " is a snapshot overlay (" + facts->disk_path +
             ") left by an interrupted cycle";
    return std::nullopt;
  }
  return CycleDisk{*facts, std::move(base), live};
}

// Freezes the disk: an external disk-only snapshot sends new writes to `overlay_path`.
bool freeze_disk(virDomainPtr domain, const std::string& overlay_path, const std::string& instance,
                 std::string& detail) {
  const std::string xml =
      "<domainsnapshot><disks><disk name='vda' snapshot='external' type='file'>"
      "<driver type='qcow2'/><source file='" +
      overlay_path + "'/></disk></disks></domainsnapshot>";
  virDomainSnapshotPtr snapshot = virDomainSnapshotCreateXML(
      domain, xml.c_str(),
      VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
          VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
  if (!snapshot) {
    detail = "snapshot of " + instance + " failed: " + virt::last_error();
    return false;
  }
  virDomainSnapshotFree(snapshot);
  return true;
}

// What one cycle did, as libvirt.json's transfers record it.
struct CycleRecord {
  std::string vm, instance, source, target;
  double as_of_s = 0.0;
  ActivityId id = 0;
  std::optional<double> modelled_bytes;
  double started_s = 0.0, frozen_s = 0.0;
  double slot_wait_s = 0.0;    // waited for a slot of a limited link before it started
  long long bytes = -1;        // copied; negative when the copy failed
  std::string point;           // the recovery-point volume on the target
  std::string copy = "full";   // full | seed | incremental
  bool source_running = true;  // false: a stopped disk's copy (a planned failover's final sync)
};

// Why a cycle copied the whole disk, or "" (SPEC 8: the evidence says why).
std::string why_full(const CycleRecord& cycle) {
  return cycle.copy == "full" ? "a raw disk has no dirty bitmaps: every cycle copies it whole" : "";
}

json transfer_evidence(const CycleRecord& cycle, const std::string& link, double end_s,
                       const std::string& detail) {
  return {{"id", cycle.id},
          {"vm", cycle.vm},
          {"instance", cycle.instance},
          {"source", cycle.source},
          {"target", cycle.target},
          {"link", link.empty() ? json(nullptr) : json(link)},
          {"seed", !cycle.modelled_bytes.has_value()},
          {"as_of", cycle.as_of_s},
          {"start", cycle.started_s},
          {"slot_wait", cycle.slot_wait_s},
          {"frozen", cycle.frozen_s},
          {"end", end_s},
          {"bytes", std::max(cycle.bytes, 0LL)},
          {"modelled_bytes", cycle.modelled_bytes ? json(*cycle.modelled_bytes) : json(nullptr)},
          {"copy", cycle.copy},
          {"source_running", cycle.source_running},
          {"why_full", why_full(cycle).empty() ? json(nullptr) : json(why_full(cycle))},
          {"ok", cycle.bytes >= 0},
          {"volume", cycle.point},
          {"detail", detail}};
}

}  // namespace

std::string LibvirtRun::replication_blocker(const std::string& source_name,
                                            const std::string& target_name) {
  const HostState* source = host(source_name);
  const HostState* target = host(target_name);
  if (!source || !target) return "unknown host";
  if (!source->up) return "source host " + source_name + " is down";
  if (!target->up) return "target host " + target_name + " is down";
  if (const std::string link = link_down_between(source_name, target_name); !link.empty()) {
    return "link " + link + " is down";
  }
  return "";
}

// A new recovery-point volume on the target, journaled before it is made (cleanup finds it
// even if the run dies in between); null (with why) when libvirt refuses.
virt::Vol LibvirtRun::create_point(HostState& target, const JournalObject& point,
                                   long long capacity_B, std::string& detail) {
  journal_.created(point);
  virt::Vol volume =
      virt::create_volume(*target.conn, point.name, static_cast<unsigned long long>(capacity_B));
  if (!volume) {
    detail = "cannot create " + point.name + " on " + target.name + ": " + virt::last_error();
    journal_.removed(point);
  }
  return volume;
}

// After the copy: the overlay merges back into the base and pivots, unless the source went
// down meanwhile (cleanup removes what is left).
void LibvirtRun::merge_overlay(HostState& source, virDomainPtr domain, const JournalObject& overlay,
                               const std::string& instance) {
  std::string commit_error;
  if (source.up && virt::commit_and_pivot(domain, "vda", 60, commit_error)) {
    if (virt::delete_volume_at(*source.conn, overlay.name)) journal_.removed(overlay);
  } else if (source.up) {
    note("could not merge the snapshot of " + instance + " back: " + commit_error +
         " (firedrill cleanup retries)");
  }
}

// A cycle of a raw disk: the running disk frozen by an external snapshot, the frozen base
// streamed whole into a new point, the overlay merged back. The bytes copied, or -1 with
// why in `detail` (the point is then deleted).
long long LibvirtRun::ship_whole_disk(HostState& source, HostState& target, virDomainPtr domain,
                                      const CycleDisk& disk, const std::string& vm,
                                      const std::string& instance, double as_of_s,
                                      const JournalObject& point, long long capacity_B,
                                      ActivityId id, double& frozen_s, std::string& detail) {
  virt::Vol copy = create_point(target, point, capacity_B, detail);
  if (!copy) return -1;
  JournalObject overlay{"overlay", source.name, source.uri, "", instance, ""};
  if (disk.live) {
    overlay.name = (fs::path(disk.facts.disk_path).parent_path() /
                    ("fdov-" + run_id_ + "-" + vm + "-" + ms_text(as_of_s) + ".qcow2"))
                       .string();
    journal_.created(overlay);
    if (!freeze_disk(domain, overlay.name, instance, detail)) {
      if (virt::delete_volume(*target.conn, point.name)) journal_.removed(point);
      journal_.removed(overlay);
      return -1;
    }
  }
  frozen_s = now();
  std::string error;
  const long long bytes = virt::copy_volume(*source.conn, disk.base.get(), *target.conn, copy.get(),
                                            error, [this, id] { return id && cancelled(id); });
  if (bytes < 0) detail = error;
  if (disk.live) merge_overlay(source, domain, overlay, instance);
  if (bytes < 0 && target.up && virt::delete_volume(*target.conn, point.name)) {
    journal_.removed(point);
  }
  return bytes;
}

std::optional<long long> LibvirtRun::replicate(const std::string& vm, const std::string& instance,
                                               const std::string& source_name,
                                               const std::string& target_name, double as_of_s,
                                               ActivityId id, std::optional<double> modelled_bytes,
                                               std::string& detail) {
  if (std::string blocker = replication_blocker(source_name, target_name); !blocker.empty()) {
    detail = std::move(blocker);
    return std::nullopt;
  }
  HostState& source = *host(source_name);
  HostState& target = *host(target_name);
  CycleRecord cycle;
  cycle.vm = vm;
  cycle.instance = instance;
  cycle.source = source_name;
  cycle.target = target_name;
  cycle.as_of_s = as_of_s;
  cycle.id = id;
  cycle.modelled_bytes = modelled_bytes;
  cycle.started_s = now();
  cycle.slot_wait_s = take_slot_wait_s(id, cycle.started_s);
  std::lock_guard<std::mutex> domain_guard(domain_lock(source_name, instance));
  virt::Domain domain = source.conn->domain(instance);
  if (!domain) {
    detail = "no domain " + instance + " on " + source_name;
    return std::nullopt;
  }
  const std::optional<CycleDisk> disk =
      find_cycle_disk(*source.conn, domain.get(), instance, detail);
  if (!disk) return std::nullopt;
  const bool qcow2 = disk->facts.disk_format == "qcow2";
  cycle.source_running = disk->live;
  if (qcow2) {
    if (std::string why = incremental_blocker(source, instance); !why.empty()) {
      detail = std::move(why);
      return std::nullopt;
    }
  }
  cycle.point = "fdrp-" + run_id_ + "-" + vm + "-" + ms_text(as_of_s) + ".img";
  const JournalObject point_object{"volume", target_name, target.uri, cycle.point, "", ""};
  const long long capacity_B = virt::volume_capacity(disk->base.get());
  if (qcow2) {
    cycle.bytes = ship_changed_blocks(source, target, domain.get(), disk->live,
                                      disk->facts.disk_path, capacity_B, instance, point_object, id,
                                      cycle.copy, cycle.frozen_s, detail);
  } else {
    cycle.bytes = ship_whole_disk(source, target, domain.get(), *disk, vm, instance, as_of_s,
                                  point_object, capacity_B, id, cycle.frozen_s, detail);
  }
  const bool ok = cycle.bytes >= 0;
  if (ok) {
    std::lock_guard<std::mutex> lock(mutex_);
    points_[point_key(vm, target_name, as_of_s)] = cycle.point;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_transfers_.push_back(
      transfer_evidence(cycle, link_between_hosts(source_name, target_name), now(), detail));
  if (!ok) return std::nullopt;
  return cycle.bytes;
}

}  // namespace firedrill::libvirt_run
