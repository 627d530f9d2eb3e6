// One replication cycle of a VM: an external disk-only snapshot freezes the running disk,
// the frozen base is streamed to a new recovery-point volume on the target host, and an
// active block commit merges the overlay back.
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {

bool LibvirtRun::replicate(const std::string& vm, const std::string& instance,
                           const std::string& source_name, const std::string& target_name,
                           double as_of_s, ActivityId id, std::optional<double> modelled_bytes,
                           std::string& detail) {
  HostState* source = host(source_name);
  HostState* target = host(target_name);
  if (!source || !target) {
    detail = "unknown host";
    return false;
  }
  if (!source->up) {
    detail = "source host " + source_name + " is down";
    return false;
  }
  if (!target->up) {
    detail = "target host " + target_name + " is down";
    return false;
  }
  if (const std::string link = link_down_between(source_name, target_name); !link.empty()) {
    detail = "link " + link + " is down";
    return false;
  }
  const double started = now();
  std::lock_guard<std::mutex> domain_guard(domain_lock(source_name, instance));
  virt::Domain domain = source->conn->domain(instance);
  if (!domain) {
    detail = "no domain " + instance + " on " + source_name;
    return false;
  }
  const auto facts = virt::domain_facts(domain.get());
  if (!facts || facts->disk_path.empty()) {
    detail = "cannot read the definition of " + instance + ": " + virt::last_error();
    return false;
  }
  virt::Vol base(virStorageVolLookupByPath(source->conn->get(), facts->disk_path.c_str()));
  if (!base) {
    detail = "the disk of " + instance + " (" + facts->disk_path + ") is in no storage pool";
    return false;
  }
  const bool live = virt::is_active(domain.get());
  if (!live && facts->disk_format != "raw") {
    detail = "the disk of the stopped " + instance + " is a snapshot overlay (" + facts->disk_path +
             ") left by an interrupted cycle";
    return false;
  }
  const long long capacity = virt::volume_capacity(base.get());
  const std::string point = "fdrp-" + run_id_ + "-" + vm + "-" + ms_text(as_of_s) + ".img";
  const JournalObject point_object{"volume", target_name, target->uri, point, "", ""};
  journal_.created(point_object);
  virt::Vol copy =
      virt::create_volume(*target->conn, point, static_cast<unsigned long long>(capacity));
  if (!copy) {
    detail = "cannot create " + point + " on " + target_name + ": " + virt::last_error();
    journal_.removed(point_object);
    return false;
  }
  // Freeze the disk: an external disk-only snapshot sends new writes to an overlay.
  JournalObject overlay{"overlay", source_name, source->uri, "", instance, ""};
  if (live) {
    overlay.name = (fs::path(facts->disk_path).parent_path() /
                    ("fdov-" + run_id_ + "-" + vm + "-" + ms_text(as_of_s) + ".qcow2"))
                       .string();
    journal_.created(overlay);
    const std::string xml =
        "<domainsnapshot><disks><disk name='vda' snapshot='external' type='file'>"
        "<driver type='qcow2'/><source file='" +
        overlay.name + "'/></disk></disks></domainsnapshot>";
    virDomainSnapshotPtr snapshot = virDomainSnapshotCreateXML(
        domain.get(), xml.c_str(),
        VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
            VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
    if (!snapshot) {
      detail = "snapshot of " + instance + " failed: " + virt::last_error();
      virt::delete_volume(*target->conn, point);
      journal_.removed(point_object);
      journal_.removed(overlay);
      return false;
    }
    virDomainSnapshotFree(snapshot);
  }
  const double frozen = now();
  std::string error;
  const long long bytes = virt::copy_volume(*source->conn, base.get(), *target->conn, copy.get(),
                                            error, [this, id] { return id && cancelled(id); });
  bool ok = bytes >= 0;
  if (!ok) detail = error;
  if (live) {
    std::string commit_error;
    if (source->up && virt::commit_and_pivot(domain.get(), "vda", 60, commit_error)) {
      if (virt::delete_volume_at(*source->conn, overlay.name)) journal_.removed(overlay);
    } else if (source->up) {
      note("could not merge the snapshot of " + instance + " back: " + commit_error +
           " (firedrill cleanup retries)");
    }
  }
  if (!ok) {
    if (target->up && virt::delete_volume(*target->conn, point)) journal_.removed(point_object);
  } else {
    std::lock_guard<std::mutex> lock(mutex_);
    points_[point_key(vm, target_name, as_of_s)] = point;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  const std::string link = link_between_hosts(source_name, target_name);
  evidence_transfers_.push_back(
      {{"id", id},
       {"vm", vm},
       {"instance", instance},
       {"source", source_name},
       {"target", target_name},
       {"link", link.empty() ? nlohmann::json(nullptr) : nlohmann::json(link)},
       {"seed", !modelled_bytes.has_value()},
       {"as_of", as_of_s},
       {"start", started},
       {"frozen", frozen},
       {"end", now()},
       {"bytes", std::max(bytes, 0LL)},
       {"modelled_bytes",
        modelled_bytes ? nlohmann::json(*modelled_bytes) : nlohmann::json(nullptr)},
       // Every cycle copies the whole disk for now (SPEC 8's
       // incremental cycles are not built yet).
       {"copy", "full"},
       {"ok", ok},
       {"volume", point},
       {"detail", detail}});
  return ok;
}

}  // namespace firedrill::libvirt_run
