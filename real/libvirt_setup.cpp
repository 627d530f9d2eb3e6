// Setup of a libvirt run: connects every plan host, provisions missing lab sources, checks
// that every source is a running lab-style guest with a console, and seeds the replicas
// before the clock starts.
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {

std::string ms_text(double seconds) {
  return std::to_string(static_cast<long long>(std::llround(seconds * 1000.0)));
}

// The lab layout behind a URI "qemu:///system?socket=DIR/labN/sock/libvirt-sock": DIR/labN.
std::string lab_dir_of(const std::string& uri) {
  const auto at = uri.find("socket=");
  if (at == std::string::npos) return "";
  std::string socket = uri.substr(at + 7);
  socket = socket.substr(0, socket.find('&'));
  const fs::path dir = fs::path(socket).parent_path().parent_path();
  if (!fs::exists(dir / "mntns")) return "";
  return dir.string();
}

std::string find_guest_dir(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("FIREDRILL_LAB_CACHE");
  const fs::path cache = env && *env ? env : "/var/cache/firedrill-lab";
  std::error_code error;
  fs::path newest;
  fs::file_time_type newest_time;
  for (const auto& entry : fs::directory_iterator(cache, error)) {
    if (!fs::exists(entry.path() / "vmlinuz") || !fs::exists(entry.path() / "initrd.img")) continue;
    const auto time = fs::last_write_time(entry.path() / "initrd.img", error);
    if (newest.empty() || time > newest_time) {
      newest = entry.path();
      newest_time = time;
    }
  }
  return newest.string();
}

std::string hex_id() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto value = static_cast<unsigned long long>(
                         std::chrono::duration_cast<std::chrono::milliseconds>(now).count()) ^
                     (static_cast<unsigned long long>(getpid()) << 40);
  char text[32];
  std::snprintf(text, sizeof text, "%08llx", value & 0xffffffffULL);
  return text;
}

std::string tap_name(const std::string& host, const std::string& instance) {
  const std::size_t hash = std::hash<std::string>{}(host + "/" + instance + "/" + hex_id());
  char text[16];
  std::snprintf(text, sizeof text, "fdt%08zx", hash & 0xffffffffu);
  return text;
}

bool LibvirtRun::connect_hosts(RealRunResult& result) {
  // Only hosts the scenario uses: every plan host.
  for (const Site& site : scenario_.plan.sites) {
    for (const Host& plan_host : site.hosts) {
      auto state = std::make_unique<HostState>();
      state->name = plan_host.name;
      state->site = site.name;
      const auto listed = options_.host_uris.find(plan_host.name);
      state->uri = listed != options_.host_uris.end() ? listed->second : plan_host.libvirt_uri;
      if (state->uri.empty()) {
        result.exit_status = 2;
        result.error = "host '" + plan_host.name +
                       "' has no libvirt URI: list it in --hosts-file (host=URI) or give it a "
                       "\"libvirt\" field in the plan";
        return false;
      }
      state->lab_dir = lab_dir_of(state->uri);
      std::string error;
      HostState* raw = state.get();
      state->conn = virt::Connection::open(
          state->uri, error,
          [this, raw] {
            raw->up = false;
            if (!raw->injected && !finishing_) host_lost(raw->name);
          },
          scenario_.plan.recovery.host_timeout_s);
      if (!state->conn) {
        result.exit_status = 3;
        result.error = "cannot reach host '" + plan_host.name + "' at " + state->uri + ": " + error;
        return false;
      }
      if (!state->conn->pool()) {
        result.exit_status = 3;
        result.error = "host '" + plan_host.name + "' (" + state->uri +
                       ") has no active storage pool '" + virt::kPool + "'";
        return false;
      }
      state->up = true;
      log("connected " + plan_host.name + " " + state->uri);
      hosts_[plan_host.name] = std::move(state);
    }
  }
  return true;
}

bool LibvirtRun::provision_source(const Vm& vm, HostState& host, std::string& error) {
  const std::string guest = find_guest_dir(options_.guest_dir);
  if (guest.empty()) {
    error = "no domain '" + vm.name + "' on " + host.name +
            " and no lab guest to provision one (run real/lab/lab guest, or create the VM)";
    return false;
  }
  const bool qcow2 = vm.guest.disk_format == DiskFormat::qcow2;
  const double disk_B = std::min(vm.disk_B, qcow2 ? kMaxLabQcow2Disk_B : kMaxLabRawDisk_B);
  if (disk_B < vm.disk_B) {
    note("provisioned " + vm.name + " with a " + std::to_string(static_cast<long long>(disk_B)) +
         " B disk instead of the plan's " + std::to_string(static_cast<long long>(vm.disk_B)));
  }
  const std::string volume = "fds-" + run_id_ + "-" + vm.name + (qcow2 ? ".qcow2" : ".img");
  journal_.created({"volume", host.name, host.uri, volume, "", ""});
  virt::Vol vol = virt::create_volume(*host.conn, volume, static_cast<unsigned long long>(disk_B),
                                      qcow2 ? "qcow2" : "raw");
  if (!vol) {
    error = "cannot create volume " + volume + " on " + host.name + ": " + virt::last_error();
    return false;
  }
  GuestSpec spec;
  spec.name = vm.name;
  spec.memory_KiB = std::max(kMinMemoryKiB, static_cast<long>(vm.memory_B / 1024));
  spec.vcpus = 1;
  spec.kernel = guest + "/vmlinuz";
  spec.initrd = guest + "/initrd.img";
  // no_timer_check: a vCPU starved by host load fails the kernel's IO-APIC timer check
  // under TCG and panics ("IO-APIC + timer doesn't work!"); VMs skip that check.
  // fd.write_Bps: the guest writes the plan's change rate, so each cycle has the modelled
  // amount of change to ship (the evidence compares the two).
  spec.cmdline = "console=ttyS0 quiet no_timer_check fd.write_Bps=" +
                 std::to_string(static_cast<long long>(vm.change_rate_Bps));
  const Network* network = find_network(scenario_.plan, vm.network);
  spec.ip = ip_with_prefix(vm.ip, network ? network->subnet : "");
  spec.disk_path = virt::volume_path(vol.get());
  spec.disk_format = qcow2 ? "qcow2" : "raw";
  spec.network = network ? network->name_in_libvirt() : vm.network;
  spec.tap = tap_name(host.name, vm.name);
  journal_.created({"domain", host.name, host.uri, vm.name, "", ""});
  virt::Domain domain(virDomainDefineXML(host.conn->get(), guest_domain_xml(spec).c_str()));
  if (!domain) {
    error = "cannot define " + vm.name + " on " + host.name + ": " + virt::last_error();
    return false;
  }
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  virDomainGetUUIDString(domain.get(), uuid);
  journal_.created({"domain", host.name, host.uri, vm.name, "", uuid});
  {
    std::lock_guard<std::mutex> lock(mutex_);
    created_.insert({host.name, vm.name});
    instance_volume_[{host.name, vm.name}] = volume;
  }
  if (virDomainCreate(domain.get()) < 0) {
    error = "cannot start " + vm.name + " on " + host.name + ": " + virt::last_error();
    return false;
  }
  if (vm.guest.readiness != Readiness::console) return true;  // no console protocol at all
  return watch(host, domain.get(), vm.name, error) != nullptr;
}

// What this backend can do for a plan's guests (SPEC 7); the rest is refused up front.
bool LibvirtRun::guests_supported(RealRunResult& result) {
  for (const Vm& vm : scenario_.plan.vms) {
    std::string why;
    if (vm.guest.re_ip == GuestReIp::cloud_init) {
      why = "re_ip \"cloud-init\" is not supported by the libvirt backend yet (use \"agent\")";
    } else if (vm.guest.re_ip == GuestReIp::agent && vm.guest.os == GuestOs::windows) {
      why = "re_ip \"agent\" sets addresses with iproute2: a Windows guest is not supported yet";
    }
    if (!why.empty()) {
      result.exit_status = 2;
      result.error = "VM '" + vm.name + "': " + why;
      return false;
    }
  }
  return true;
}

// A source whose readiness is not the console: its agent must answer before replication
// starts (a provisioned one has just booted).
bool LibvirtRun::agent_source_ready(const Vm& vm, bool fresh, RealRunResult& result) {
  if (!uses_agent(vm) || vm.guest.readiness == Readiness::console) return true;
  virt::Domain domain = host(vm.host)->conn->domain(vm.name);
  std::string error;
  if (domain && wait_agent(domain.get(), fresh ? kReadyTimeoutFloor_s : 15.0, error)) return true;
  result.exit_status = 3;
  result.error = (fresh ? "provisioned source " : "source ") + vm.name + " on " + vm.host + ": " +
                 (domain ? error : "vanished");
  return false;
}

// Missing sources are provisioned side by side (defining and starting a guest takes seconds
// on a loaded machine); the first error in plan order is reported.
bool LibvirtRun::provision_missing_sources(std::vector<std::string>& provisioned,
                                           RealRunResult& result) {
  std::vector<const Vm*> missing;
  for (const Vm& vm : scenario_.plan.vms) {
    if (!host(vm.host)->conn->domain(vm.name)) missing.push_back(&vm);
  }
  std::vector<std::string> errors(missing.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < missing.size(); ++i) {
    threads.emplace_back([this, &missing, &errors, i] {
      provision_source(*missing[i], *host(missing[i]->host), errors[i]);
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t i = 0; i < missing.size(); ++i) {
    if (!errors[i].empty()) {
      result.exit_status = 2;
      result.error = errors[i];
      return false;
    }
    provisioned.push_back(missing[i]->name);
  }
  return true;
}

// A source found running (a provisioned one: just started) and a lab-style guest; its
// definition becomes the template of its restored copies.
bool LibvirtRun::check_source(const Vm& vm, bool fresh, RealRunResult& result) {
  HostState* h = host(vm.host);
  virt::Domain domain = h->conn->domain(vm.name);
  std::string error;
  if (!domain) {
    result.exit_status = 2;
    result.error = "source VM '" + vm.name + "' on " + vm.host + " vanished while provisioning";
    return false;
  }
  if (!fresh) {
    if (!virt::is_active(domain.get())) {
      result.exit_status = 2;
      result.error = "source VM '" + vm.name + "' exists on " + vm.host +
                     " but is not running; start it first (the run never starts sources)";
      return false;
    }
    if (vm.guest.readiness == Readiness::console && !watch(*h, domain.get(), vm.name, error)) {
      result.exit_status = 3;
      result.error = vm.name + " on " + vm.host + ": " + error;
      return false;
    }
  }
  const auto facts = virt::domain_facts(domain.get());
  if (!facts || facts->kernel.empty() || facts->disk_path.empty()) {
    result.exit_status = 2;
    result.error = "source VM '" + vm.name + "' on " + vm.host +
                   " is not a lab-style guest (kernel boot with one file-backed disk): the "
                   "libvirt backend restores and re-IPs only such guests";
    return false;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  templates_[vm.name] = *facts;
  vm_host_[vm.name] = vm.host;
  return true;
}

// A source is up when its READY line was seen (a provisioned one) or its agent answers, and
// a console source has a measured clock skew, before replication starts.
bool LibvirtRun::source_up(const Vm& vm, bool fresh, RealRunResult& result) {
  if (vm.guest.readiness != Readiness::console) return agent_source_ready(vm, fresh, result);
  ConsoleWatcher* watcher;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    watcher = consoles_.at({vm.host, vm.name}).get();
  }
  if (fresh) {
    if (watcher->wait_ready(kReadyTimeoutFloor_s, {}) != ConsoleWatcher::Wait::ready) {
      result.exit_status = 3;
      result.error = "provisioned source " + vm.name + " on " + vm.host + " did not become ready";
      return false;
    }
  }
  for (int i = 0; i < 60 && !watcher->skew(); ++i) {  // heartbeats come every ~1.5 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!watcher->skew()) note("no clock skew measured for " + vm.name + " (no heartbeat seen)");
  return true;
}

bool LibvirtRun::prepare_sources(RealRunResult& result) {
  if (!guests_supported(result)) return false;
  std::vector<std::string> provisioned;
  if (!provision_missing_sources(provisioned, result)) return false;
  const auto fresh = [&provisioned](const Vm& vm) {
    return std::find(provisioned.begin(), provisioned.end(), vm.name) != provisioned.end();
  };
  for (const Vm& vm : scenario_.plan.vms) {
    if (!check_source(vm, fresh(vm), result)) return false;
  }
  if (!provisioned.empty()) {
    std::string names;
    for (const auto& name : provisioned) names += (names.empty() ? "" : ", ") + name;
    note("provisioned source VMs from the lab guest (removed at the end): " + names);
  }
  for (const Vm& vm : scenario_.plan.vms) {
    if (!source_up(vm, fresh(vm), result)) return false;
  }
  return true;
}

bool LibvirtRun::seed(const std::vector<Command>& commands, RealRunResult& result) {
  std::vector<std::thread> threads;
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  for (const Command& command : commands) {
    const auto* seed = std::get_if<SeedReplica>(&command);
    if (!seed) continue;
    log("setup: " + describe(command));
    threads.emplace_back([this, seed, &failures, &failures_mutex] {
      std::string detail;
      if (!replicate(seed->vm, seed->vm, seed->source_host, seed->target_host, 0.0, 0, std::nullopt,
                     detail)) {
        std::lock_guard<std::mutex> lock(failures_mutex);
        failures.push_back("seeding " + seed->vm + " to " + seed->target_host + ": " + detail);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<Command> rest;
  for (const Command& command : commands) {
    if (!std::holds_alternative<SeedReplica>(command)) rest.push_back(command);
  }
  if (!failures.empty()) {
    result.exit_status = 3;
    result.error = failures.front();
    return false;
  }
  return true;
}

}  // namespace firedrill::libvirt_run
