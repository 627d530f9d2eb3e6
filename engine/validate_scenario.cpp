// Validation of a scenario's own fields against its plan: the duration, each event's time
// and target, what each action needs (replicas, a test network, an earlier failure before
// a failback), and warnings for VMs a failure leaves without protection.
#include <algorithm>
#include <set>

#include "engine/validate_context.hpp"

namespace firedrill::validation {
namespace {

using Severity = Diagnostic::Severity;

// The scenario's own checks: duration, event times and targets, actions, and the warnings
// about VMs a failure leaves without protection.
class ScenarioChecker {
 public:
  ScenarioChecker(const Scenario& scenario, PlanContext& plan, std::vector<Diagnostic>* out)
      : scenario_(scenario), plan_(plan), out_(out) {}

  void check_all() {
    if (!(scenario_.duration_s > 0)) error("duration", "must be greater than zero");
    for (std::size_t e = 0; e < scenario_.events.size(); ++e) check_event(e);
  }

 private:
  void error(const std::string& path, std::string message) {
    out_->push_back({Severity::error, scenario_.file, path, std::move(message)});
  }
  void warn(const std::string& path, std::string message) {
    out_->push_back({Severity::warning, scenario_.file, path, std::move(message)});
  }

  bool known(const std::map<std::string, std::size_t>& index, const std::string& name,
             const std::string& path, const char* kind) {
    if (index.count(name)) return true;
    error(path,
          "unknown " + std::string(kind) + " " + named(name) + did_you_mean(name, keys_of(index)));
    return false;
  }

  void check_time(const DurationSpec& at, const std::string& path) {
    const double end = scenario_.duration_s;
    const std::string duration = format_duration(end);
    if (at.kind == DurationSpec::Kind::uniform) {
      if (at.b_s >= end) {
        error(path, "may fall at " + format_duration(at.b_s) +
                        ", outside the scenario's duration (" + duration + ")");
      }
    } else if (mean_of(at) >= end) {
      error(path, "at " + format_duration(mean_of(at)) +
                      " falls outside the scenario's duration (" + duration + ")");
    }
  }

  void check_event(std::size_t e) {
    const Event& event = scenario_.events[e];
    const std::string path = json_path_index("events", e);
    check_time(event.at, path + ".at");
    const Plan& plan = scenario_.plan;
    std::vector<std::size_t> hit;  // VMs the failure takes down
    switch (event.kind) {
      case Event::Kind::fail_host:
        if (!plan_.has_host(event.target)) {
          error(path + ".target", "unknown host " + named(event.target) +
                                      did_you_mean(event.target, plan_.host_names()));
          break;
        }
        for (std::size_t i = 0; i < plan.vms.size(); ++i) {
          if (plan.vms[i].host == event.target) hit.push_back(i);
        }
        break;
      case Event::Kind::fail_site:
        if (!known(plan_.sites, event.target, path + ".target", "site")) break;
        for (std::size_t i = 0; i < plan.vms.size(); ++i) {
          if (plan_.site_of_host(plan.vms[i].host) == event.target) hit.push_back(i);
        }
        break;
      case Event::Kind::fail_datastore:
        if (!known(plan_.datastores, event.target, path + ".target", "datastore")) break;
        for (std::size_t i = 0; i < plan.vms.size(); ++i) {
          if (plan_.datastore_of(i) == event.target) hit.push_back(i);
        }
        break;
      case Event::Kind::fail_link:
        known(plan_.links, event.target, path + ".target", "link");
        break;
      case Event::Kind::fail_vm:
        if (known(plan_.vms, event.target, path + ".target", "VM")) {
          hit.push_back(plan_.vms.at(event.target));
        }
        break;
      case Event::Kind::corrupt:
        check_corrupt(event, path, hit);
        break;
      case Event::Kind::test_failover:
        if (plan.recovery.test_network.empty()) {
          error(path + ".action",
                "a test failover needs recovery.test_network: an isolated network at the "
                "recovery site to boot the replicas in");
        }
        require_replication(path);
        break;
      case Event::Kind::planned_failover:
        require_replication(path);
        break;
      case Event::Kind::failback:
        require_replication(path);
        check_failback(e, path);
        break;
    }
    if (event.hang && event.kind != Event::Kind::fail_host) {
      error(path + ".mode",
            "\"hang\" applies to a host only: a hang is a daemon that stops "
            "answering (fail a host with \"mode\": \"hang\")");
    }
    if (event.repair_after && !(mean_of(*event.repair_after) > 0)) {
      error(path + ".repair_after", "must be greater than zero");
    }
    warn_unprotected(event, path, hit);
  }

  void check_corrupt(const Event& event, const std::string& path, std::vector<std::size_t>& hit) {
    std::set<std::string> seen;
    std::set<std::size_t> jobs;
    for (std::size_t k = 0; k < event.vms.size(); ++k) {
      const std::string vm_path = json_path_index(path + ".corrupt", k);
      if (!known(plan_.vms, event.vms[k], vm_path, "VM")) continue;
      if (!seen.insert(event.vms[k]).second) {
        error(vm_path, "VM " + named(event.vms[k]) + " is listed twice");
        continue;
      }
      hit.push_back(plan_.vms.at(event.vms[k]));
      for (std::size_t j = 0; j < scenario_.plan.replication.size(); ++j) {
        const auto& vms = scenario_.plan.replication[j].vms;
        if (std::find(vms.begin(), vms.end(), event.vms[k]) != vms.end()) jobs.insert(j);
      }
    }
    for (std::size_t j : jobs) {
      check_retention(plan_, j, scenario_.plan.recovery.detection,
                      ", for the corruption at " + path);
    }
  }

  void require_replication(const std::string& path) {
    if (scenario_.plan.replication.empty()) {
      error(path + ".action", "this operation works on replicas, and the plan replicates no VM");
    }
  }

  // A failback returns from the recovery site: something must have failed over first.
  void check_failback(std::size_t e, const std::string& path) {
    const double at = mean_of(scenario_.events[e].at);
    for (std::size_t k = 0; k < scenario_.events.size(); ++k) {
      const Event& other = scenario_.events[k];
      if (k == e || mean_of(other.at) > at) continue;
      if (other.kind != Event::Kind::failback && other.kind != Event::Kind::test_failover &&
          other.kind != Event::Kind::fail_link) {
        return;
      }
    }
    error(path + ".action",
          "a failback returns VMs to their original site, but no failure or planned failover "
          "comes before it");
  }

  void warn_unprotected(const Event& event, const std::string& path,
                        const std::vector<std::size_t>& hit) {
    for (std::size_t i : hit) {
      const Vm& vm = scenario_.plan.vms[i];
      if (plan_.replicated(vm.name)) continue;
      const bool ha = plan_.ha_covers_host_failure(i);
      if (event.kind == Event::Kind::fail_host && ha) continue;
      if (!ha) {
        warn(path, "VM " + named(vm.name) + " has neither HA nor a replica: this " +
                       to_string(event.kind) + " leaves it down for the rest of the run");
      } else {
        warn(path, "VM " + named(vm.name) +
                       " has HA but no replica, and HA cannot help "
                       "against this " +
                       to_string(event.kind) + ": it stays down");
      }
    }
  }

  const Scenario& scenario_;
  PlanContext& plan_;
  std::vector<Diagnostic>* out_;
};

}  // namespace

void check_scenario(const Scenario& scenario, PlanContext& plan, std::vector<Diagnostic>* out) {
  ScenarioChecker(scenario, plan, out).check_all();
}

}  // namespace firedrill::validation
