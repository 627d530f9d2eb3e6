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

// A hang (SPEC 9): the lab host's libvirtd is frozen with SIGSTOP, as a hung daemon would
// be; guests there keep running. The run itself finds the host lost once
// recovery.host_timeout has passed (lose_hung_hosts): libvirt's keepalive cannot be counted
// on here, because a call that was writing to the frozen daemon when it stopped blocks in
// write(2) with the connection's I/O, keepalive included (seen with libvirt 9.0 when the
// hang caught a replication stream). Nor does the run ever wake the daemon: resuming it, or
// killing it, under such calls crashed libvirt's client (a use after free in its I/O loop).
// It stays frozen: the stuck calls are abandoned at the end like any on a lost host (the
// run's state is kept for them), what the run created there stays in the journal, and the
// operator thaws the daemon once the run is over, then runs `firedrill cleanup`.
void LibvirtRun::hang(const std::string& name) {
  HostState* h = host(name);
  if (!h || !h->up) return;
  std::ifstream pidfile(h->lab_dir.empty() ? "" : h->lab_dir + "/libvirtd.pid");
  pid_t daemon = -1;
  if (!(pidfile >> daemon) || daemon <= 0 || kill(daemon, SIGSTOP) != 0) {
    note("cannot make host " + name + " hang: only a lab host's daemon can be frozen");
    return;
  }
  h->injected = true;  // its connection's close is not news: the run says when it is lost
  log("froze the daemon of lab host " + name + " (pid " + std::to_string(daemon) + ")");
  std::lock_guard<std::mutex> lock(mutex_);
  frozen_daemons_[name] = FrozenDaemon{daemon, now(), false};
  evidence_events_.push_back({{"t", now()}, {"hang", name}, {"pid", daemon}});
}

// Under mutex_ (wait()): a frozen host past recovery.host_timeout is lost now.
void LibvirtRun::lose_hung_hosts() {
  for (auto& [name, frozen] : frozen_daemons_) {
    if (frozen.lost || now() < frozen.since_s + scenario_.plan.recovery.host_timeout_s) continue;
    frozen.lost = true;
    hosts_.at(name)->up = false;
    queue_.emplace_back(HostLost{name}, now());
    evidence_events_.push_back({{"t", now()}, {"host_lost", name}});
  }
}

void LibvirtRun::end_hangs() {
  std::map<std::string, FrozenDaemon> frozen;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    frozen.swap(frozen_daemons_);
  }
  for (const auto& [name, daemon] : frozen) {
    note("lab host " + name + "'s libvirtd (pid " + std::to_string(daemon.pid) +
         ") is left frozen by the scenario's hang: waking it under the calls stuck on it" +
         " crashes libvirt's client. Once this run is over, restart it (`kill -KILL " +
         std::to_string(daemon.pid) + "`, then start it again; `lab up` does so in the" +
         " lab) -- one thawed with `kill -CONT` after a long freeze may die soon after --" +
         " then `firedrill cleanup " + options_.out_dir + "`");
  }
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
    const int datastore = index_.datastore(command.target);
    for (std::size_t v = 0; v < scenario_.plan.vms.size(); ++v) {
      const Vm& vm = scenario_.plan.vms[v];
      // Where the disk lives is the engine's own answer (engine/plan_index.hpp).
      const bool on_it = datastore >= 0 && index_.datastore_of_vm(static_cast<int>(v)) == datastore;
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
    std::lock_guard<std::mutex> lock(mutex_);
    if (frozen_daemons_.count(command.target)) {
      notes_.push_back("the hang of " + command.target +
                       " is not ended on real hosts: its daemon stays frozen until the run ends");
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
