// The libvirt backend's run: connects the hosts, prepares the sources, seeds the replicas,
// then drives the FailoverEngine on a steady clock, carrying out each command on worker
// threads that report completions through a queue (engine/commands.hpp, "the loop").
#include "real/libvirt_driver.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "engine/commands.hpp"
#include "engine/engine.hpp"
#include "real/console.hpp"
#include "real/guest_xml.hpp"
#include "real/journal.hpp"
#include "real/virt.hpp"

namespace firedrill {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr double kReadyTimeoutFloor_s = 90.0;  // a lab guest is ready in ~3-6 s under TCG
constexpr double kShutdownTimeoutFloor_s = 10.0;
// How long the end of a run waits for every production copy's next heartbeat (one every
// ten records: about 1-2 s, several seconds on a loaded machine).
constexpr double kAliveAtEndTimeout_s = 15.0;
constexpr long kMinMemoryKiB = 96 * 1024;  // the cloud kernel needs about this much
constexpr double kMaxLabDisk_B = 256.0 * 1024 * 1024;

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

std::string read_first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// SIGKILLs every process of a lab host at once (what `real/lab/lab crash` does): those in
// its private mount namespace and the QEMU processes of its pidfiles.
std::vector<int> crash_lab_host(const std::string& lab_dir) {
  std::set<int> pids;
  const std::string ns = read_first_line(fs::path(lab_dir) / "mntns");
  char own[64] = {};
  const ssize_t own_length = readlink("/proc/self/ns/mnt", own, sizeof own - 1);
  const std::string own_ns = own_length > 0 ? std::string(own, own_length) : "";
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(fs::path(lab_dir) / "run" / "qemu", error)) {
    if (entry.path().extension() != ".pid") continue;
    const std::string pid = read_first_line(entry.path());
    if (!pid.empty() && read_first_line("/proc/" + pid + "/comm").find("qemu") == 0) {
      pids.insert(std::stoi(pid));
    }
  }
  if (!ns.empty() && ns != own_ns) {
    for (const auto& entry : fs::directory_iterator("/proc", error)) {
      const std::string name = entry.path().filename();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      char link[64] = {};
      const ssize_t n = readlink((entry.path() / "ns" / "mnt").c_str(), link, sizeof link - 1);
      if (n > 0 && std::string(link, n) == ns) pids.insert(std::stoi(name));
    }
  }
  for (int pid : pids) kill(pid, SIGKILL);
  return {pids.begin(), pids.end()};
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

struct HostState {
  std::string name;
  std::string site;
  std::string uri;
  std::string lab_dir;
  std::unique_ptr<virt::Connection> conn;
  std::atomic<bool> up{false};
  std::atomic<bool> injected{false};
};

class LibvirtRun {
 public:
  LibvirtRun(const Scenario& scenario, const RealRunOptions& options)
      : scenario_(scenario), options_(options), journal_(options.out_dir) {}
  RealRunResult run();

 private:
  // ---- setup
  bool connect_hosts(RealRunResult& result);
  bool prepare_sources(RealRunResult& result);
  bool provision_source(const Vm& vm, HostState& host, std::string& error);
  bool seed(const std::vector<Command>& commands, RealRunResult& result);
  // ---- the loop
  double now() const;
  void post(DriverEvent event);
  void spawn(std::function<void()> work);
  void execute(const std::vector<Command>& commands);
  void log(const std::string& line);
  void note(const std::string& line);
  // ---- mechanisms
  bool replicate(const std::string& vm, const std::string& instance, const std::string& source,
                 const std::string& target, double as_of_s, ActivityId id, std::string& detail);
  bool restore(const StartRestore& command, std::string& detail);
  bool restore_home(const StartRestore& command, HostState& home, virStorageVolPtr point,
                    virDomainPtr domain, std::string& detail);
  BootEnded boot(const StartBoot& command);
  ShutdownEnded shutdown(const StartShutdown& command);
  void power_off(const std::string& host, const std::string& instance);
  void delete_instance(const DeleteInstance& command);
  void inject(const InjectFailure& command);
  void repair(const Repair& command);
  void corrupt(const CorruptData& command);
  void host_lost(const std::string& host);
  // ---- bookkeeping
  HostState* host(const std::string& name);
  bool may_touch(const std::string& host, const std::string& domain) const;
  std::string point_key(const std::string& vm, const std::string& host, double as_of_s) const;
  std::string link_down_between(const std::string& a, const std::string& b) const;
  bool cancelled(ActivityId id) const;
  std::mutex& domain_lock(const std::string& host, const std::string& domain);
  ConsoleWatcher* watch(HostState& host, virDomainPtr domain, const std::string& instance,
                        std::string& error);
  void record_production_at_end();
  void finish(RealRunResult& result);
  void write_evidence(const RealRunResult& result);

  Scenario scenario_;
  RealRunOptions options_;
  Journal journal_;
  std::string run_id_ = hex_id();
  std::map<std::string, std::unique_ptr<HostState>> hosts_;
  SkewTable skews_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::atomic<double> epoch0_{epoch_now()};
  std::atomic<bool> finishing_{false};

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  std::deque<std::pair<DriverEvent, double>> queue_;
  std::set<ActivityId> cancelled_;
  std::vector<std::thread> workers_;
  std::map<std::string, std::string> points_;              // point_key -> volume name
  std::map<std::string, virt::DomainFacts> templates_;     // vm -> captured definition
  std::set<std::pair<std::string, std::string>> created_;  // (host, domain) this run made
  std::set<std::pair<std::string, std::string>> test_instances_;
  std::map<std::pair<std::string, std::string>, std::string> instance_volume_;
  std::map<std::string, std::string> vm_host_;  // vm -> host its production copy runs on
  std::map<std::pair<std::string, std::string>, std::unique_ptr<ConsoleWatcher>> consoles_;
  std::set<std::string> links_down_;
  // One lock per (host, domain): a replication cycle (snapshot .. commit) and a shutdown of
  // the same domain never overlap, nor do two cycles of it.
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::mutex>> domain_locks_;
  json evidence_boots_ = json::array();
  json evidence_transfers_ = json::array();
  json evidence_events_ = json::array();
  json evidence_production_ = json::object();
  std::vector<std::string> notes_;
};

// ---- small helpers -------------------------------------------------------------------------

double LibvirtRun::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void LibvirtRun::log(const std::string& line) {
  if (!options_.verbose) return;
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%8.3f] ", now());
  std::lock_guard<std::mutex> lock(mutex_);
  std::cerr << stamp << line << '\n';
}

void LibvirtRun::note(const std::string& line) {
  log("note: " + line);
  std::lock_guard<std::mutex> lock(mutex_);
  notes_.push_back(line);
}

void LibvirtRun::post(DriverEvent event) {
  const double t = now();
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.emplace_back(std::move(event), t);
  wake_.notify_all();
}

void LibvirtRun::spawn(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  workers_.emplace_back(std::move(work));
}

HostState* LibvirtRun::host(const std::string& name) {
  const auto found = hosts_.find(name);
  return found == hosts_.end() ? nullptr : found->second.get();
}

std::mutex& LibvirtRun::domain_lock(const std::string& host, const std::string& domain) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = domain_locks_[{host, domain}];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

bool LibvirtRun::cancelled(ActivityId id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_.count(id) > 0;
}

std::string LibvirtRun::point_key(const std::string& vm, const std::string& host,
                                  double as_of_s) const {
  return vm + "@" + host + "#" + ms_text(as_of_s);
}

// A domain the run may act on: one it created, or a plan VM's own name.
bool LibvirtRun::may_touch(const std::string& host, const std::string& domain) const {
  if (created_.count({host, domain})) return true;
  return find_vm(scenario_.plan, domain) != nullptr;
}

std::string LibvirtRun::link_down_between(const std::string& a, const std::string& b) const {
  const HostState* source = hosts_.count(a) ? hosts_.at(a).get() : nullptr;
  const HostState* target = hosts_.count(b) ? hosts_.at(b).get() : nullptr;
  if (!source || !target || source->site == target->site) return "";
  std::lock_guard<std::mutex> lock(mutex_);
  for (const Link& link : scenario_.plan.links) {
    const bool joins = (link.between[0] == source->site && link.between[1] == target->site) ||
                       (link.between[1] == source->site && link.between[0] == target->site);
    if (joins && links_down_.count(link.name)) return link.name;
  }
  return "";
}

ConsoleWatcher* LibvirtRun::watch(HostState& host, virDomainPtr domain, const std::string& instance,
                                  std::string& error) {
  fs::create_directories(fs::path(options_.out_dir) / "consoles");
  auto watcher = ConsoleWatcher::start(
      *host.conn, domain,
      (fs::path(options_.out_dir) / "consoles" / (host.name + "-" + instance + ".log")).string(),
      epoch0_, skews_, error);
  if (!watcher) return nullptr;
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = consoles_[{host.name, instance}];
  if (slot) slot->stop();
  slot = std::move(watcher);
  return slot.get();
}

// ---- setup ---------------------------------------------------------------------------------

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
      state->conn = virt::Connection::open(state->uri, error, [this, raw] {
        raw->up = false;
        if (!raw->injected && !finishing_) host_lost(raw->name);
      });
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
  const double disk_B = std::min(vm.disk_B, kMaxLabDisk_B);
  if (disk_B < vm.disk_B) {
    note("provisioned " + vm.name + " with a " + std::to_string(static_cast<long>(disk_B)) +
         " B disk instead of the plan's " + std::to_string(static_cast<long long>(vm.disk_B)));
  }
  const std::string volume = "fds-" + run_id_ + "-" + vm.name + ".img";
  journal_.created({"volume", host.name, host.uri, volume, "", ""});
  virt::Vol vol = virt::create_volume(*host.conn, volume, static_cast<unsigned long long>(disk_B));
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
  spec.cmdline = "console=ttyS0 quiet no_timer_check";
  const Network* network = find_network(scenario_.plan, vm.network);
  spec.ip = ip_with_prefix(vm.ip, network ? network->subnet : "");
  spec.disk_path = virt::volume_path(vol.get());
  spec.network = vm.network;
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
  return watch(host, domain.get(), vm.name, error) != nullptr;
}

bool LibvirtRun::prepare_sources(RealRunResult& result) {
  // Missing sources are provisioned side by side (defining and starting a guest takes
  // seconds on a loaded machine); the first error in plan order is reported.
  std::vector<std::string> provisioned;
  {
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
  }
  for (const Vm& vm : scenario_.plan.vms) {
    HostState* h = host(vm.host);
    virt::Domain domain = h->conn->domain(vm.name);
    std::string error;
    const bool fresh =
        std::find(provisioned.begin(), provisioned.end(), vm.name) != provisioned.end();
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
      if (!watch(*h, domain.get(), vm.name, error)) {
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
  }
  if (!provisioned.empty()) {
    std::string names;
    for (const auto& name : provisioned) names += (names.empty() ? "" : ", ") + name;
    note("provisioned source VMs from the lab guest (removed at the end): " + names);
  }
  // Every source must be up (its READY line seen, for provisioned ones) and have a
  // measured clock skew before replication starts.
  for (const Vm& vm : scenario_.plan.vms) {
    ConsoleWatcher* watcher;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      watcher = consoles_.at({vm.host, vm.name}).get();
    }
    const bool fresh =
        std::find(provisioned.begin(), provisioned.end(), vm.name) != provisioned.end();
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
      if (!replicate(seed->vm, seed->vm, seed->source_host, seed->target_host, 0.0, 0, detail)) {
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

// ---- mechanisms ----------------------------------------------------------------------------

bool LibvirtRun::replicate(const std::string& vm, const std::string& instance,
                           const std::string& source_name, const std::string& target_name,
                           double as_of_s, ActivityId id, std::string& detail) {
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
  evidence_transfers_.push_back({{"id", id},
                                 {"vm", vm},
                                 {"instance", instance},
                                 {"source", source_name},
                                 {"target", target_name},
                                 {"as_of", as_of_s},
                                 {"start", started},
                                 {"frozen", frozen},
                                 {"end", now()},
                                 {"bytes", std::max(bytes, 0LL)},
                                 {"ok", ok},
                                 {"volume", point},
                                 {"detail", detail}});
  return ok;
}

bool LibvirtRun::restore(const StartRestore& command, std::string& detail) {
  HostState* h = host(command.host);
  if (!h || !h->up) {
    detail = "host " + command.host + " is down";
    return false;
  }
  std::string point;
  virt::DomainFacts facts;
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
    bool made_here;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      made_here = created_.count({command.host, command.instance}) > 0;
    }
    if (!own_home && !made_here) {
      detail = "a domain named " + command.instance + " already exists on " + command.host +
               " and this run did not create it: refusing to touch it";
      return false;
    }
    if (virt::is_active(existing.get())) {
      detail = "domain " + command.instance + " still runs on " + command.host;
      return false;
    }
    char text[VIR_UUID_STRING_BUFLEN] = {};
    virDomainGetUUIDString(existing.get(), text);
    uuid = text;
  }
  const std::string volume =
      "fdi-" + run_id_ + "-" + command.instance + "-" + ms_text(command.point_as_of_s) + ".img";
  journal_.created({"volume", command.host, h->uri, volume, "", ""});
  virt::Vol disk = virt::clone_volume(*h->conn, volume, from.get());
  if (!disk) {
    detail = "cannot copy " + point + " to " + volume + ": " + virt::last_error();
    return false;
  }
  GuestSpec spec;
  spec.name = command.instance;
  spec.uuid = uuid;
  spec.memory_KiB = facts.memory_KiB > 0 ? facts.memory_KiB : kMinMemoryKiB;
  spec.vcpus = facts.vcpus;
  spec.kernel = facts.kernel;
  spec.initrd = facts.initrd;
  spec.cmdline = facts.cmdline;
  const Network* network = find_network(scenario_.plan, command.network);
  spec.ip = ip_with_prefix(command.ip, network ? network->subnet : "");
  spec.disk_path = virt::volume_path(disk.get());
  spec.network = command.network.empty() ? facts.network : command.network;
  spec.tap = tap_name(command.host, command.instance);
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
  if (!facts->network.empty() && !command.network.empty() && facts->network != command.network) {
    note("failback of " + command.vm + ": its own definition on " + command.host +
         " uses network " + facts->network + ", the plan says " + command.network +
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

BootEnded LibvirtRun::boot(const StartBoot& command) {
  BootEnded ended{command.id, false, "", std::nullopt};
  HostState* h = host(command.host);
  if (!h || !h->up) {
    ended.detail = "host " + command.host + " is down";
    return ended;
  }
  bool test;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    test = test_instances_.count({command.host, command.instance}) > 0;
    if (!may_touch(command.host, command.instance)) {
      ended.detail = "domain " + command.instance +
                     " is neither named by the plan nor created by "
                     "this run";
      return ended;
    }
  }
  virt::Domain domain = h->conn->domain(command.instance);
  if (!domain) {
    ended.detail = command.from_shared_storage
                       ? "HA restart from shared storage is not supported by the libvirt backend"
                       : "no domain " + command.instance + " on " + command.host;
    return ended;
  }
  if (!test) {  // split brain: another running copy of this VM on a reachable host
    for (const auto& [name, other] : hosts_) {
      if (name == command.host || !other->up) continue;
      virt::Domain copy = other->conn->domain(command.vm);
      if (copy && virt::is_active(copy.get())) {
        ended.detail = "refusing to boot " + command.instance + " on " + command.host + ": " +
                       command.vm + " still runs on " + name + " (split brain)";
        return ended;
      }
    }
  }
  const double started = now();
  if (!virt::is_active(domain.get()) && virDomainCreate(domain.get()) < 0) {
    ended.detail = "cannot start " + command.instance + ": " + virt::last_error();
    return ended;
  }
  std::string error;
  ConsoleWatcher* watcher = watch(*h, domain.get(), command.instance, error);
  if (!watcher) {
    ended.detail = error;
    return ended;
  }
  const double timeout = std::max(kReadyTimeoutFloor_s, 10.0 * command.boot_time_s);
  const auto wait = watcher->wait_ready(timeout, [this] { return finishing_.load(); });
  if (wait != ConsoleWatcher::Wait::ready) {
    ended.detail =
        wait == ConsoleWatcher::Wait::stopped ? "the guest stopped before it was ready"
        : wait == ConsoleWatcher::Wait::timeout
            ? "no READY line from the guest within " + std::to_string(int(timeout)) + " s"
            : "the run ended first";
    return ended;
  }
  ended.ok = true;
  const auto record = watcher->last_record();
  const auto written = watcher->last_record_host_epoch();
  if (written) ended.data_as_of_s = *written - epoch0_;
  if (record && record->corrupt) {
    ended.ok = false;
    ended.detail = "the restored disk holds records written after the corruption (seq " +
                   std::to_string(record->seq) + ")";
  }
  if (!test) {
    std::lock_guard<std::mutex> lock(mutex_);
    vm_host_[command.vm] = command.host;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  json boot = {{"id", command.id},
               {"vm", command.vm},
               {"instance", command.instance},
               {"host", command.host},
               {"start", started},
               {"ready", *watcher->ready_epoch() - epoch0_},
               {"test", test},
               {"expected_boot_time", command.boot_time_s}};
  if (record) {
    boot["last_record"] = {{"seq", record->seq},
                           {"guest_time", record->guest_time},
                           {"writer", record->writer},
                           {"corrupt", record->corrupt}};
  } else {
    boot["last_record"] = nullptr;
  }
  boot["data_as_of"] = ended.data_as_of_s ? json(*ended.data_as_of_s) : json(nullptr);
  if (const auto skew = watcher->skew()) boot["guest_clock_skew"] = *skew;
  evidence_boots_.push_back(boot);
  return ended;
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
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto console = consoles_.find({command.host, command.instance});
    if (console != consoles_.end()) console->second->stop();
  }
  if (virt::Domain domain = h->conn->domain(command.instance)) {
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    virDomainGetUUIDString(domain.get(), uuid);
    if (virt::is_active(domain.get())) virDomainDestroy(domain.get());
    if (virDomainUndefineFlags(domain.get(), 0) == 0) {
      journal_.removed({"domain", command.host, h->uri, command.instance, "", uuid});
    }
  }
  if (!volume.empty() && virt::delete_volume(*h->conn, volume)) {
    journal_.removed({"volume", command.host, h->uri, volume, "", ""});
  }
  std::lock_guard<std::mutex> lock(mutex_);
  created_.erase({command.host, command.instance});
}

void LibvirtRun::inject(const InjectFailure& command) {
  std::vector<std::string> crash;
  if (command.kind == "host") crash.push_back(command.target);
  if (command.kind == "site") {
    for (const auto& [name, h] : hosts_) {
      if (h->site == command.target) crash.push_back(name);
    }
  }
  for (const std::string& name : crash) {
    HostState* h = host(name);
    if (!h) continue;
    h->injected = true;
    h->up = false;
    if (!h->lab_dir.empty()) {
      const auto pids = crash_lab_host(h->lab_dir);
      log("crashed lab host " + name + " (" + std::to_string(pids.size()) + " processes killed)");
    } else {
      note("host " + name +
           " is not a lab host: its plan VMs were destroyed instead of "
           "crashing the host");
      for (const Vm& vm : scenario_.plan.vms) {
        if (virt::Domain domain = h->conn->domain(vm.name)) virDomainDestroy(domain.get());
      }
    }
  }
  if (command.kind == "vm") {
    std::string where;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      where = vm_host_.count(command.target) ? vm_host_.at(command.target) : "";
    }
    HostState* h = host(where);
    if (h && h->up) {
      if (virt::Domain domain = h->conn->domain(command.target)) virDomainDestroy(domain.get());
    }
  }
  if (command.kind == "datastore") {
    for (const Vm& vm : scenario_.plan.vms) {
      bool on_it = vm.datastore == command.target;
      for (const Cluster& cluster : scenario_.plan.clusters) {
        const bool member =
            std::find(cluster.hosts.begin(), cluster.hosts.end(), vm.host) != cluster.hosts.end();
        on_it = on_it || (vm.datastore.empty() && member && cluster.datastore == command.target);
      }
      HostState* h = host(vm.host);
      if (on_it && h && h->up) {
        if (virt::Domain domain = h->conn->domain(vm.name)) virDomainDestroy(domain.get());
      }
    }
  }
  if (command.kind == "link") {
    std::lock_guard<std::mutex> lock(mutex_);
    links_down_.insert(command.target);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_events_.push_back({{"t", now()}, {"inject", command.kind}, {"target", command.target}});
}

void LibvirtRun::repair(const Repair& command) {
  if (command.kind == "link") {
    std::lock_guard<std::mutex> lock(mutex_);
    links_down_.erase(command.target);
    return;
  }
  note("repair of " + command.kind + " " + command.target +
       " is not carried out on real hosts (restart it yourself, e.g. real/lab/lab up)");
}

void LibvirtRun::corrupt(const CorruptData& command) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto console = consoles_.find({command.host, command.vm});
  if (console == consoles_.end() || !console->second->send("CORRUPT")) {
    notes_.push_back("could not reach the console of " + command.vm + " on " + command.host +
                     " to start the corruption");
    return;
  }
  evidence_events_.push_back({{"t", now()}, {"corrupt", command.vm}, {"host", command.host}});
}

void LibvirtRun::host_lost(const std::string& name) {
  post(HostLost{name});
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_events_.push_back({{"t", now()}, {"host_lost", name}});
}

// ---- the loop ------------------------------------------------------------------------------

void LibvirtRun::execute(const std::vector<Command>& commands) {
  for (std::size_t i = 0; i < commands.size(); ++i) {
    const Command& command = commands[i];
    log(describe(command));
    if (std::holds_alternative<DeleteInstance>(command)) {
      // A run of deletions (a test's cleanup) goes side by side: destroying a guest takes
      // libvirt about 2 s on a loaded machine. All are done before the next command.
      std::vector<std::thread> deletions;
      for (; i < commands.size() && std::holds_alternative<DeleteInstance>(commands[i]); ++i) {
        if (&commands[i] != &command) log(describe(commands[i]));
        deletions.emplace_back(
            [this, c = std::get<DeleteInstance>(commands[i])] { delete_instance(c); });
      }
      --i;
      for (auto& deletion : deletions) deletion.join();
      continue;
    }
    std::visit(
        [this](const auto& c) {
          using C = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<C, SeedReplica>) {
            std::string detail;
            if (!replicate(c.vm, c.vm, c.source_host, c.target_host, 0.0, 0, detail)) {
              note("late seeding of " + c.vm + " failed: " + detail);
            }
          } else if constexpr (std::is_same_v<C, StartTransfer>) {
            spawn([this, c] {
              std::string detail;
              const bool ok = replicate(c.vm, c.instance, c.source_host, c.target_host, c.as_of_s,
                                        c.id, detail);
              if (!cancelled(c.id)) post(TransferEnded{c.id, ok, detail});
            });
          } else if constexpr (std::is_same_v<C, CancelTransfer>) {
            std::lock_guard<std::mutex> lock(mutex_);
            cancelled_.insert(c.id);
          } else if constexpr (std::is_same_v<C, PrunePoint>) {
            std::string volume;
            {
              std::lock_guard<std::mutex> lock(mutex_);
              const auto key = point_key(c.vm, c.host, c.as_of_s);
              if (points_.count(key)) volume = points_.at(key);
              points_.erase(key);
            }
            HostState* h = host(c.host);
            if (!volume.empty() && h && h->up && virt::delete_volume(*h->conn, volume)) {
              journal_.removed({"volume", c.host, h->uri, volume, "", ""});
            }
          } else if constexpr (std::is_same_v<C, StartRestore>) {
            spawn([this, c] {
              std::string detail;
              const bool ok = restore(c, detail);
              post(RestoreEnded{c.id, ok, detail});
            });
          } else if constexpr (std::is_same_v<C, StartBoot>) {
            spawn([this, c] { post(boot(c)); });
          } else if constexpr (std::is_same_v<C, StartShutdown>) {
            spawn([this, c] { post(shutdown(c)); });
          } else if constexpr (std::is_same_v<C, PowerOff>) {
            power_off(c.host, c.instance);
          } else if constexpr (std::is_same_v<C, DeleteInstance>) {
            delete_instance(c);
          } else if constexpr (std::is_same_v<C, InjectFailure>) {
            inject(c);
          } else if constexpr (std::is_same_v<C, Repair>) {
            repair(c);
          } else if constexpr (std::is_same_v<C, CorruptData>) {
            corrupt(c);
          }
        },
        command);
  }
}

void LibvirtRun::write_evidence(const RealRunResult& result) {
  json skews = json::object();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, watcher] : consoles_) {
    if (const auto skew = watcher->skew()) skews[key.first + "/" + key.second] = *skew;
  }
  json hosts = json::object();
  for (const auto& [name, h] : hosts_) {
    hosts[name] = {{"uri", h->uri}, {"site", h->site}, {"lab", !h->lab_dir.empty()}};
  }
  const json evidence = {{"backend", "libvirt"},
                         {"run_id", run_id_},
                         {"epoch_at_t0", epoch0_.load()},
                         {"hosts", hosts},
                         {"boots", evidence_boots_},
                         {"transfers", evidence_transfers_},
                         {"events", evidence_events_},
                         {"guest_clock_skew_s", skews},
                         {"production_at_end", evidence_production_},
                         {"notes", result.notes}};
  std::ofstream out(fs::path(options_.out_dir) / "libvirt.json");
  out << evidence.dump(2) << '\n';
}

// Evidence that production still runs when the run ends, from the guests themselves: the
// production copy of every plan VM (at home, or where a failover moved it) prints a
// heartbeat after the end. A test failover thus shows its sources alive after the drill.
void LibvirtRun::record_production_at_end() {
  const double end_epoch = epoch_now();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(kAliveAtEndTimeout_s);
  std::map<std::string, std::string> where;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    where = vm_host_;
  }
  json production = json::object();
  for (const auto& [vm, host_name] : where) {
    json entry = {{"host", host_name}, {"alive", false}, {"heartbeat", nullptr}};
    HostState* h = host(host_name);
    virt::Domain domain = h && h->up ? h->conn->domain(vm) : nullptr;
    ConsoleWatcher* watcher = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const auto found = consoles_.find({host_name, vm});
      if (found != consoles_.end()) watcher = found->second.get();
    }
    if (!domain || !virt::is_active(domain.get()) || !watcher) {
      entry["why"] = !h || !h->up ? "host down" : !domain ? "no domain" : "not running";
      production[vm] = entry;
      continue;
    }
    const double left =
        std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
    entry["alive"] = watcher->wait_heartbeat_after(end_epoch, std::max(0.0, left));
    if (const auto beat = watcher->last_heartbeat_epoch()) entry["heartbeat"] = *beat - epoch0_;
    production[vm] = entry;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_production_ = {{"end", end_epoch - epoch0_}, {"vms", production}};
}

void LibvirtRun::finish(RealRunResult& result) {
  finishing_ = true;
  std::vector<std::thread> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [key, watcher] : consoles_) watcher->stop();
  }
  if (!options_.keep) {
    const CleanupReport report = cleanup_journal(options_.out_dir);
    log("cleanup: removed " + std::to_string(report.removed) + " objects");
    if (!report.problems.empty()) {
      std::string what;
      for (const auto& problem : report.problems) what += "\n    " + problem;
      note(std::to_string(report.problems.size()) +
           " object(s) left behind; run `firedrill cleanup " + options_.out_dir +
           "` once their hosts are reachable again:" + what);
    }
  } else {
    note("kept what the run created; `firedrill cleanup " + options_.out_dir + "` removes it");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    result.notes = notes_;
  }
  write_evidence(result);
  journal_.ended();
  std::lock_guard<std::mutex> lock(mutex_);
  consoles_.clear();
}

RealRunResult LibvirtRun::run() {
  RealRunResult result;
  if (!journal_.ok()) {
    result.exit_status = 2;
    result.error = "cannot write " + options_.out_dir + "/journal.jsonl";
    return result;
  }
  if (const auto leftovers = describe_leftovers(options_.out_dir); !leftovers.empty()) {
    result.exit_status = 2;
    result.error = options_.out_dir + " holds " + std::to_string(leftovers.size()) +
                   " leftovers of an earlier run (first: " + leftovers.front() +
                   "); run `firedrill cleanup " + options_.out_dir + "` first";
    return result;
  }
  journal_.run_started(run_id_);
  FailoverEngine engine(scenario_);
  const bool ready = connect_hosts(result) && prepare_sources(result);
  if (!ready || !seed(engine.setup(), result)) {
    finish(result);
    return result;
  }
  // The clock starts now.
  start_ = std::chrono::steady_clock::now();
  epoch0_ = epoch_now();
  log("t=0");
  execute(engine.advance(0.0));
  double last = 0.0;
  while (!engine.finished()) {
    std::optional<std::pair<DriverEvent, double>> event;
    const auto timeout = engine.poll_timeout();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      auto due = [&] { return !queue_.empty() || (timeout && now() >= *timeout); };
      if (timeout) {
        wake_.wait_for(lock, std::chrono::duration<double>(std::max(0.0, *timeout - now())), due);
      } else {
        wake_.wait_for(lock, std::chrono::milliseconds(200), due);
      }
      if (!queue_.empty()) {
        event = std::move(queue_.front());
        queue_.pop_front();
      }
    }
    if (event) {
      last = std::max(last, event->second);
      execute(engine.handle(event->first, last));
    } else if (timeout && now() >= *timeout) {
      last = std::max(last, now());
      execute(engine.advance(last));
    }
  }
  result.outcome = engine.outcome();
  log("run ended (" + result.outcome->ended + ") at t=" + std::to_string(result.outcome->end_s));
  record_production_at_end();
  finish(result);
  return result;
}

}  // namespace

RealRunResult run_libvirt(const Scenario& realized, const RealRunOptions& options) {
  LibvirtRun run(realized, options);
  return run.run();
}

std::vector<std::string> describe_leftovers(const std::string& out_dir) {
  std::vector<std::string> lines;
  for (const JournalObject& object : journal_leftovers(out_dir)) {
    lines.push_back(object.kind + " " + object.name + " on " + object.host);
  }
  return lines;
}

}  // namespace firedrill
