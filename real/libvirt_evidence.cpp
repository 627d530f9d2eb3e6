// The evidence of a libvirt run: OUT/libvirt.json (boots, transfers, events, clock skews,
// notes) and whether every production copy still beats when the run ends.
#include "real/libvirt_run.hpp"
#include "reports/report.hpp"

namespace firedrill::libvirt_run {

void LibvirtRun::write_evidence(RealRunResult& result) {
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
                         {"failed_boots", evidence_failed_boots_},
                         {"transfers", evidence_transfers_},
                         {"events", evidence_events_},
                         {"guest_clock_skew_s", skews},
                         {"production_at_end", evidence_production_},
                         {"notes", result.notes}};
  // Through the writer of every output (a temporary file, fsync, rename): a run killed while
  // it writes leaves the whole file or none.
  const std::string path = (fs::path(options_.out_dir) / "libvirt.json").string();
  const std::string problem = reports::write_file_atomically(path, evidence.dump(2) + "\n");
  if (!problem.empty()) {
    result.evidence_path = path;
    result.evidence_error = problem.substr(path.size() + 2);  // "path: reason"
  }
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
    const Vm* plan_vm = find_vm(scenario_.plan, vm);
    if (domain && plan_vm && plan_vm->guest.readiness != Readiness::console &&
        virt::is_active(domain.get())) {
      entry["by"] = "agent";  // no console protocol: the agent answering is the heartbeat
      entry["alive"] = agent_alive(domain.get());
      production[vm] = entry;
      continue;
    }
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

}  // namespace firedrill::libvirt_run
