// Instances of the engine's operations on a host: restore (a clone of a recovery point, or
// the point written over the home disk on failback), boot (until the guest's READY line),
// shutdown, power-off and deletion of what this run created. A booted domain is ready by
// its readiness ladder: the console's READY line (the lab guest) and/or the guest agent
// rungs of libvirt_guest.cpp.
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {

namespace {

// The definition of a restored copy: the source's captured template, on the point's clone,
// at the address and on the network the command gives (the template's network when the
// command names none the plan knows).
GuestSpec restored_guest_spec(const Plan& plan, const StartRestore& command,
                              const virt::DomainFacts& facts, const std::string& uuid,
                              const std::string& disk_path) {
  GuestSpec spec;
  spec.name = command.instance;
  spec.uuid = uuid;
  spec.memory_KiB = facts.memory_KiB > 0 ? facts.memory_KiB : kMinMemoryKiB;
  spec.vcpus = facts.vcpus;
  spec.kernel = facts.kernel;
  spec.initrd = facts.initrd;
  spec.cmdline = facts.cmdline;
  const Network* network = find_network(plan, command.network);
  spec.ip = ip_with_prefix(command.ip, network ? network->subnet : "");
  spec.disk_path = disk_path;
  spec.network = network ? network->name_in_libvirt()
                         : (command.network.empty() ? facts.network : command.network);
  spec.tap = tap_name(command.host, command.instance);
  spec.address_by_agent = find_vm(plan, command.vm)->guest.re_ip == GuestReIp::agent;
  return spec;
}

}  // namespace

// The recovery point a restore clones and the template of the VM's definition; false
// (with why) when the run holds no such point.
bool LibvirtRun::find_point(const StartRestore& command, std::string& point,
                            virt::DomainFacts& facts, std::string& detail) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = points_.find(point_key(command.vm, command.host, command.point_as_of_s));
    if (found != points_.end()) point = found->second;
    facts = templates_.at(command.vm);
  }
  if (point.empty()) {
    detail = "no recovery point of " + command.vm + " as of " + ms_text(command.point_as_of_s) +
             " ms on " + command.host;
    return false;
  }
  return true;
}

// An existing domain of the restored instance's name (not the VM's own home) is redefined
// only when this run created it and it is stopped; `uuid` gets its UUID, which the new
// definition keeps.
bool LibvirtRun::may_redefine(const StartRestore& command, virDomainPtr existing, std::string& uuid,
                              std::string& detail) {
  bool made_here;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    made_here = created_.count({command.host, command.instance}) > 0;
  }
  if (!made_here) {
    detail = "a domain named " + command.instance + " already exists on " + command.host +
             " and this run did not create it: refusing to touch it";
    return false;
  }
  if (virt::is_active(existing)) {
    detail = "domain " + command.instance + " still runs on " + command.host;
    return false;
  }
  char text[VIR_UUID_STRING_BUFLEN] = {};
  virDomainGetUUIDString(existing, text);
  uuid = text;
  return true;
}

bool LibvirtRun::restore(const StartRestore& command, std::string& detail) {
  HostState* h = host(command.host);
  if (!h || !h->up) {
    detail = "host " + command.host + " is down";
    return false;
  }
  std::string point;
  virt::DomainFacts facts;
  if (!find_point(command, point, facts, detail)) return false;
  virt::Vol from = h->conn->volume(point);
  if (!from) {
    detail = "recovery point volume " + point + " is gone from " + command.host;
    return false;
  }
  // An existing domain of that name: a failback writes the point onto the VM's own
  // (stopped) domain's disk on its home host; anything else is not ours to touch.
  std::string uuid;
  if (virt::Domain existing = h->conn->domain(command.instance)) {
    const bool own_home = command.failback && command.instance == command.vm;
    if (own_home) return restore_home(command, *h, from.get(), existing.get(), detail);
    if (!may_redefine(command, existing.get(), uuid, detail)) return false;
  }
  const std::string volume =
      "fdi-" + run_id_ + "-" + command.instance + "-" + ms_text(command.point_as_of_s) + ".img";
  journal_.created({"volume", command.host, h->uri, volume, "", ""});
  virt::Vol disk = virt::clone_volume(*h->conn, volume, from.get());
  if (!disk) {
    detail = "cannot copy " + point + " to " + volume + ": " + virt::last_error();
    return false;
  }
  const GuestSpec spec =
      restored_guest_spec(scenario_.plan, command, facts, uuid, virt::volume_path(disk.get()));
  if (uuid.empty()) journal_.created({"domain", command.host, h->uri, command.instance, "", ""});
  virt::Domain domain(virDomainDefineXML(h->conn->get(), guest_domain_xml(spec).c_str()));
  if (!domain) {
    detail =
        "cannot define " + command.instance + " on " + command.host + ": " + virt::last_error();
    return false;
  }
  char text[VIR_UUID_STRING_BUFLEN] = {};
  virDomainGetUUIDString(domain.get(), text);
  if (uuid.empty()) journal_.created({"domain", command.host, h->uri, command.instance, "", text});
  std::lock_guard<std::mutex> lock(mutex_);
  if (uuid.empty()) created_.insert({command.host, command.instance});
  if (command.test) test_instances_.insert({command.host, command.instance});
  instance_volume_[{command.host, command.instance}] = volume;
  instance_cidr_[{command.host, command.instance}] = spec.ip;
  return true;
}

// Failback: the VM comes home to its own domain, as it was defined before the failover
// (its original network and address): the reverse-synced point is written over that
// domain's disk, and nothing else of the domain changes. Cleanup cannot undo this write;
// it is what a failback is for.
bool LibvirtRun::restore_home(const StartRestore& command, HostState& home, virStorageVolPtr point,
                              virDomainPtr domain, std::string& detail) {
  if (virt::is_active(domain)) {
    detail = "domain " + command.vm + " still runs on " + command.host;
    return false;
  }
  const auto facts = virt::domain_facts(domain, /*inactive=*/true);
  if (!facts || facts->disk_path.empty()) {
    detail = "cannot read the definition of " + command.vm + " on " + command.host + ": " +
             virt::last_error();
    return false;
  }
  if (facts->disk_format != "raw") {
    detail = "the disk of " + command.vm + " on " + command.host + " is " + facts->disk_format +
             " (" + facts->disk_path + "), not the raw disk a failback overwrites";
    return false;
  }
  virt::Vol disk(virStorageVolLookupByPath(home.conn->get(), facts->disk_path.c_str()));
  if (!disk) {
    detail = "the disk of " + command.vm + " (" + facts->disk_path + ") is in no storage pool";
    return false;
  }
  if (virt::volume_capacity(disk.get()) < virt::volume_capacity(point)) {
    detail = "the disk of " + command.vm + " on " + command.host +
             " is smaller than its reverse-synced copy";
    return false;
  }
  const Network* planned = find_network(scenario_.plan, command.network);
  const std::string expected = planned ? planned->name_in_libvirt() : command.network;
  if (!facts->network.empty() && !expected.empty() && facts->network != expected) {
    note("failback of " + command.vm + ": its own definition on " + command.host +
         " uses network " + facts->network + ", the plan says " + expected +
         "; the definition is kept");
  }
  std::string error;
  const double started = now();
  const long long bytes = virt::copy_volume(*home.conn, point, *home.conn, disk.get(), error);
  if (bytes < 0) {
    detail = "writing the reverse-synced copy onto " + facts->disk_path + ": " + error;
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_events_.push_back({{"t", now()},
                              {"failback_restore", command.vm},
                              {"host", command.host},
                              {"disk", facts->disk_path},
                              {"bytes", bytes},
                              {"start", started}});
  return true;
}

namespace {

// libvirt.json's record of a boot, as it starts; its ladder and end are added after.
json boot_evidence(const StartBoot& command, double started_s, bool test, Readiness readiness) {
  return {{"id", command.id},
          {"vm", command.vm},
          {"instance", command.instance},
          {"host", command.host},
          {"start", started_s},
          {"test", test},
          {"expected_boot_time", command.boot_time_s},
          {"readiness", to_string(readiness)}};
}

json ladder_evidence(const std::vector<ReadinessStep>& ladder) {
  json rungs = json::array();
  for (const ReadinessStep& rung : ladder) {
    rungs.push_back({{"step", rung.step},
                     {"at", rung.at_s},
                     {"passed", rung.passed},
                     {"attempts", rung.attempts},
                     {"detail", rung.detail}});
  }
  return rungs;
}

}  // namespace

// A domain the run may boot: one it may touch. `test` says whether it is a test copy.
bool LibvirtRun::may_boot(const StartBoot& command, bool& test, BootEnded& ended) {
  std::lock_guard<std::mutex> lock(mutex_);
  test = test_instances_.count({command.host, command.instance}) > 0;
  if (!may_touch(command.host, command.instance)) {
    ended.retryable = false;
    ended.detail = "domain " + command.instance +
                   " is neither named by the plan nor created by "
                   "this run";
    return false;
  }
  return true;
}

// Split brain: another running copy of this VM on a reachable host.
bool LibvirtRun::split_brain(const StartBoot& command, BootEnded& ended) {
  for (const auto& [name, other] : hosts_) {
    if (name == command.host || !other->up) continue;
    virt::Domain copy = other->conn->domain(command.vm);
    if (copy && virt::is_active(copy.get())) {
      ended.retryable = false;
      ended.detail = "refusing to boot " + command.instance + " on " + command.host + ": " +
                     command.vm + " still runs on " + name + " (split brain)";
      return true;
    }
  }
  return false;
}

// The copy being booted becomes the VM's current one, at the address its restore gave it
// (or the address of its previous copy).
void LibvirtRun::remember_recovered_copy(const StartBoot& command) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto cidr = instance_cidr_.find({command.host, command.instance});
  GuestCopy copy = copy_of_locked(command.vm);
  recovered_[command.vm] = GuestCopy{command.host, command.instance,
                                     cidr != instance_cidr_.end() ? cidr->second : copy.cidr};
}

void LibvirtRun::record_boot(const StartBoot& command, bool test, const BootEnded& ended,
                             json boot) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ended.ok) {
    boot["ready"] = ended.readiness.back().at_s;
    if (!test) vm_host_[command.vm] = command.host;
    evidence_boots_.push_back(std::move(boot));
  } else {
    boot["failed"] = ended.detail;
    boot["failed_at"] = now();
    evidence_failed_boots_.push_back(std::move(boot));
  }
}

BootEnded LibvirtRun::boot(const StartBoot& command) {
  BootEnded ended{command.id, false, "", std::nullopt, true, {}};
  HostState* h = host(command.host);
  if (!h || !h->up) {
    ended.detail = "host " + command.host + " is down";
    return ended;
  }
  bool test;
  if (!may_boot(command, test, ended)) return ended;
  virt::Domain domain = h->conn->domain(command.instance);
  if (!domain) {
    ended.retryable = false;
    ended.detail = command.from_shared_storage
                       ? "HA restart from shared storage is not supported by the libvirt backend"
                       : "no domain " + command.instance + " on " + command.host;
    return ended;
  }
  if (!test && split_brain(command, ended)) return ended;
  const double started = now();
  if (!virt::is_active(domain.get()) && virDomainCreate(domain.get()) < 0) {
    ended.detail = "cannot start " + command.instance + ": " + virt::last_error();
    return ended;
  }
  const Vm& vm = *find_vm(scenario_.plan, command.vm);
  remember_recovered_copy(command);
  ended.readiness.push_back({"running", now(), true, 1, "on " + command.host});
  const double deadline_s = started + std::max(kReadyTimeoutFloor_s, 10.0 * command.boot_time_s);
  json boot = boot_evidence(command, started, test, vm.guest.readiness);
  bool tainted = false;
  ended.ok =
      (vm.guest.readiness != Readiness::console ||
       ready_by_console(command, *h, domain.get(), deadline_s, ended, boot)) &&
      climb_agent_ladder(command, domain.get(), vm, started, deadline_s, ended, boot, tainted);
  boot["ladder"] = ladder_evidence(ended.readiness);
  boot["tainted"] = tainted;
  boot["data_as_of"] = ended.data_as_of_s ? json(*ended.data_as_of_s) : json(nullptr);
  record_boot(command, test, ended, std::move(boot));
  return ended;
}

// The lab guest's console protocol: its READY line, and the newest record on its disk.
bool LibvirtRun::ready_by_console(const StartBoot& command, HostState& h, virDomainPtr domain,
                                  double deadline_s, BootEnded& ended, json& boot) {
  std::string error;
  ConsoleWatcher* watcher = watch(h, domain, command.instance, error);
  if (!watcher) {
    ended.readiness.push_back({"console", now(), false, 1, error});
    ended.detail = error;
    return false;
  }
  const double timeout = std::max(1.0, deadline_s - now());
  const auto wait = watcher->wait_ready(timeout, [this] { return finishing_.load(); });
  if (wait != ConsoleWatcher::Wait::ready) {
    ended.detail =
        wait == ConsoleWatcher::Wait::stopped ? "the guest stopped before it was ready"
        : wait == ConsoleWatcher::Wait::timeout
            ? "no READY line from the guest within " + std::to_string(int(timeout)) + " s"
            : "the run ended first";
    ended.readiness.push_back({"console", now(), false, 1, ended.detail});
    return false;
  }
  ended.readiness.push_back(
      {"console", *watcher->ready_epoch() - epoch0_, true, 1, "FIREDRILL READY"});
  const auto record = watcher->last_record();
  const auto written = watcher->last_record_host_epoch();
  if (written) ended.data_as_of_s = *written - epoch0_;
  if (record) {
    boot["last_record"] = {{"seq", record->seq},
                           {"guest_time", record->guest_time},
                           {"writer", record->writer},
                           {"corrupt", record->corrupt}};
  } else {
    boot["last_record"] = nullptr;
  }
  if (const auto skew = watcher->skew()) boot["guest_clock_skew"] = *skew;
  if (record && record->corrupt) {
    ended.retryable = false;  // the same disk boots to the same records
    ended.detail = "the restored disk holds records written after the corruption (seq " +
                   std::to_string(record->seq) + ")";
    return false;
  }
  return true;
}

ShutdownEnded LibvirtRun::shutdown(const StartShutdown& command) {
  ShutdownEnded ended{command.id, false, ""};
  HostState* h = host(command.host);
  if (!h || !h->up) {
    ended.detail = "host " + command.host + " is down";
    return ended;
  }
  if (!may_touch(command.host, command.instance)) {
    ended.detail = "domain " + command.instance + " is not the run's to stop";
    return ended;
  }
  virt::Domain domain = h->conn->domain(command.instance);
  if (!domain) {
    ended.detail = "no domain " + command.instance + " on " + command.host;
    return ended;
  }
  ended.ok = true;
  std::lock_guard<std::mutex> domain_guard(domain_lock(command.host, command.instance));
  if (!virt::is_active(domain.get())) return ended;
  virDomainShutdownFlags(domain.get(), VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(
                            std::max(kShutdownTimeoutFloor_s, 2.0 * command.shutdown_time_s));
  while (virt::is_active(domain.get()) && std::chrono::steady_clock::now() < deadline &&
         !finishing_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (virt::is_active(domain.get())) {
    virDomainDestroy(domain.get());
    ended.detail = "no ACPI shutdown in time: destroyed";
  } else {
    ended.detail = "ACPI shutdown";
  }
  return ended;
}

void LibvirtRun::power_off(const std::string& host_name, const std::string& instance) {
  HostState* h = host(host_name);
  if (!h || !h->up) return;
  if (!may_touch(host_name, instance)) {
    note("refused to power off " + instance + " on " + host_name + ": not named by the plan");
    return;
  }
  virt::Domain domain = h->conn->domain(instance);
  if (domain && virt::is_active(domain.get())) virDomainDestroy(domain.get());
}

void LibvirtRun::delete_instance(const DeleteInstance& command) {
  HostState* h = host(command.host);
  if (!h || !h->up) return;
  std::string volume;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!created_.count({command.host, command.instance})) {
      notes_.push_back("refused to delete " + command.instance + " on " + command.host +
                       ": this run did not create it");
      return;
    }
    volume = instance_volume_[{command.host, command.instance}];
  }
  // Stopped without the run's lock: aborting the stream is a call to the host, and every
  // other thread of the run needs that lock meanwhile (a stop under it once hung a drill).
  if (ConsoleWatcher* watcher = console(command.host, command.instance)) watcher->stop();
  if (virt::Domain domain = h->conn->domain(command.instance)) {
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    virDomainGetUUIDString(domain.get(), uuid);
    if (virt::is_active(domain.get())) virDomainDestroy(domain.get());
    if (virDomainUndefineFlags(domain.get(), 0) == 0) {
      journal_.removed({"domain", command.host, h->uri, command.instance, "", uuid});
    }
  }
  if (!volume.empty()) {
    if (virt::delete_volume(*h->conn, volume)) {
      journal_.removed({"volume", command.host, h->uri, volume, "", ""});
    } else {
      note("could not delete volume " + volume + " on " + command.host + ": " + virt::last_error() +
           "; it stays in the journal for `firedrill cleanup`");
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  created_.erase({command.host, command.instance});
  const auto copy = recovered_.find(command.vm);
  if (copy != recovered_.end() && copy->second.host == command.host &&
      copy->second.instance == command.instance) {
    recovered_.erase(copy);
  }
}

}  // namespace firedrill::libvirt_run
