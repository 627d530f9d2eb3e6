// One replication cycle of a VM: an external disk-only snapshot freezes the running disk,
// the frozen base is streamed to a new recovery-point volume on the target host, and an
// active block commit merges the overlay back.
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {
namespace {

// The source disk as a cycle finds it: the domain's definition, the volume behind its disk,
// and whether the domain runs (a running disk is frozen by a snapshot before the copy).
struct CycleDisk {
  virt::DomainFacts facts;
  virt::Vol base;
  bool live = false;
};

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
  if (!live && facts->disk_format != "raw") {
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
  double slot_wait_s = 0.0;  // waited for a slot of a limited link before it started
  long long bytes = -1;      // copied; negative when the copy failed
  std::string point;         // the recovery-point volume on the target
};

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
          // Every cycle copies the whole disk for now (SPEC 8's
          // incremental cycles are not built yet).
          {"copy", "full"},
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
  cycle.point = "fdrp-" + run_id_ + "-" + vm + "-" + ms_text(as_of_s) + ".img";
  const JournalObject point_object{"volume", target_name, target.uri, cycle.point, "", ""};
  virt::Vol copy =
      create_point(target, point_object, virt::volume_capacity(disk->base.get()), detail);
  if (!copy) return std::nullopt;
  JournalObject overlay{"overlay", source_name, source.uri, "", instance, ""};
  if (disk->live) {
    overlay.name = (fs::path(disk->facts.disk_path).parent_path() /
                    ("fdov-" + run_id_ + "-" + vm + "-" + ms_text(as_of_s) + ".qcow2"))
                       .string();
    journal_.created(overlay);
    if (!freeze_disk(domain.get(), overlay.name, instance, detail)) {
      if (virt::delete_volume(*target.conn, cycle.point)) journal_.removed(point_object);
      journal_.removed(overlay);
      return std::nullopt;
    }
  }
  cycle.frozen_s = now();
  std::string error;
  cycle.bytes = virt::copy_volume(*source.conn, disk->base.get(), *target.conn, copy.get(), error,
                                  [this, id] { return id && cancelled(id); });
  const bool ok = cycle.bytes >= 0;
  if (!ok) detail = error;
  if (disk->live) merge_overlay(source, domain.get(), overlay, instance);
  if (!ok) {
    if (target.up && virt::delete_volume(*target.conn, cycle.point)) journal_.removed(point_object);
  } else {
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
