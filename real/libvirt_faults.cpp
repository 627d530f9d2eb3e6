// Faults on real hosts: crashing a lab host (every process of it SIGKILLed), destroying VMs,
// marking links down, repairs, the ransomware corruption and hosts found lost.
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {

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

// A hang (SPEC 9): the lab host's libvirtd is frozen with SIGSTOP, so calls to it and its
// keepalive go unanswered and the host is lost after recovery.host_timeout, as a real hung
// daemon would be. Guests there keep running. The run thaws it at its end (or at the
// scenario's repair) so that its own clean-up can reach the host.
void LibvirtRun::hang(const std::string& name) {
  HostState* h = host(name);
  if (!h || !h->up) return;
  std::ifstream pidfile(h->lab_dir.empty() ? "" : h->lab_dir + "/libvirtd.pid");
  pid_t daemon = -1;
  if (!(pidfile >> daemon) || daemon <= 0 || kill(daemon, SIGSTOP) != 0) {
    note("cannot make host " + name + " hang: only a lab host's daemon can be frozen");
    return;
  }
  log("froze the daemon of lab host " + name + " (pid " + std::to_string(daemon) + ")");
  std::lock_guard<std::mutex> lock(mutex_);
  frozen_daemons_[name] = daemon;
  evidence_events_.push_back({{"t", now()}, {"hang", name}, {"pid", daemon}});
}

void LibvirtRun::thaw(const std::string& name) {
  pid_t daemon = -1;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = frozen_daemons_.find(name);
    if (found == frozen_daemons_.end()) return;
    daemon = found->second;
    frozen_daemons_.erase(found);
  }
  kill(daemon, SIGCONT);
  log("thawed the daemon of lab host " + name);
}

void LibvirtRun::thaw_all() {
  std::vector<std::string> names;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [name, pid] : frozen_daemons_) names.push_back(name);
  }
  for (const std::string& name : names) thaw(name);
}

void LibvirtRun::inject(const InjectFailure& command) {
  if (command.hang) {
    hang(command.target);
    return;
  }
  std::vector<std::string> crash;
  if (command.kind == FailureTarget::host) crash.push_back(command.target);
  if (command.kind == FailureTarget::site) {
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
  if (command.kind == FailureTarget::vm) {
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
  if (command.kind == FailureTarget::datastore) {
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
  if (command.kind == FailureTarget::link) {
    std::lock_guard<std::mutex> lock(mutex_);
    links_down_.insert(command.target);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_events_.push_back(
      {{"t", now()}, {"inject", to_string(command.kind)}, {"target", command.target}});
}

void LibvirtRun::repair(const Repair& command) {
  if (command.kind == FailureTarget::link) {
    std::lock_guard<std::mutex> lock(mutex_);
    links_down_.erase(command.target);
    return;
  }
  if (command.kind == FailureTarget::host) {
    bool was_frozen;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      was_frozen = frozen_daemons_.count(command.target) > 0;
    }
    if (was_frozen) {
      thaw(command.target);
      return;
    }
  }
  note(std::string("repair of ") + to_string(command.kind) + " " + command.target +
       " is not carried out on real hosts (restart it yourself, e.g. real/lab/lab up)");
}

void LibvirtRun::corrupt(const CorruptData& command) {
  ConsoleWatcher* watcher = console(command.host, command.vm);
  if (!watcher || !watcher->send("CORRUPT")) {
    note("could not reach the console of " + command.vm + " on " + command.host +
         " to start the corruption");
    return;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_events_.push_back({{"t", now()}, {"corrupt", command.vm}, {"host", command.host}});
}

void LibvirtRun::host_lost(const std::string& name) {
  post(HostLost{name});
  std::lock_guard<std::mutex> lock(mutex_);
  evidence_events_.push_back({{"t", now()}, {"host_lost", name}});
}

}  // namespace firedrill::libvirt_run
