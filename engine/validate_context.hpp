// What every topic of validation shares (engine/validate_*.cpp): the plan with its names
// indexed, where diagnostics go, the JSON paths of elements, and the small checks each
// topic repeats (an unknown name, a duplicate name). Internal to engine/; the entry
// points are in engine/validate.hpp.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/json_reader.hpp"
#include "engine/model.hpp"
#include "engine/plan_index.hpp"

namespace firedrill::validation {

// "'name'", as names appear in messages.
std::string named(const std::string& name);
// A high quantile of a duration: the window a check must cover.
double upper_s(const DurationSpec& spec);
double mean_of(const DurationSpec& spec);
std::vector<std::string> keys_of(const std::map<std::string, std::size_t>& index);

struct HostRef {
  std::size_t site;
  std::size_t host;
};

// The plan being checked, indexed by name, and the file and JSON prefix its paths are
// rendered against ("plan" for a plan inline in a scenario, "" for a plan file).
class PlanContext {
 public:
  PlanContext(const Plan& plan, std::string file, std::string prefix, std::vector<Diagnostic>* out);

  const Plan& plan;
  // The engine's own index of the plan (engine/plan_index.hpp): a host's site, a VM's
  // datastore and HA cluster, the link between two sites are answered as the engine will.
  const PlanIndex index;
  std::map<std::string, std::size_t> sites, datastores, links, networks, vms;
  std::map<std::string, HostRef> hosts;
  std::multimap<std::string, std::size_t> replicated_by;  // VM -> replication job

  void error(const std::string& path, std::string message);
  void warn(const std::string& path, std::string message);

  // Paths: at("vms", 2) -> "plan.vms[2]".
  std::string at(const char* list, std::size_t i) const;
  std::string vm_path(std::size_t i) const { return at("vms", i); }
  std::string host_path(const HostRef& ref) const;
  std::string recovery_path(const std::string& key) const;

  // Reports `name` when it is not a key of `index`; true when it is known.
  template <typename Index>
  bool known(const Index& index, const std::string& name, const std::string& path,
             const char* kind) {
    if (index.count(name)) return true;
    std::vector<std::string> candidates;
    for (const auto& entry : index) candidates.push_back(entry.first);
    error(path,
          "unknown " + std::string(kind) + " " + named(name) + did_you_mean(name, candidates));
    return false;
  }

  // Reports every name of `items` (the list `list`) already used by an earlier one.
  template <typename T>
  void check_duplicates(const std::vector<T>& items, const char* list, const char* kind) {
    std::map<std::string, std::size_t> first;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto [it, inserted] = first.emplace(items[i].name, i);
      if (!inserted) {
        error(at(list, i) + ".name", "duplicate " + std::string(kind) + " name " +
                                         named(items[i].name) + " (first defined at " +
                                         at(list, it->second) + ")");
      }
    }
  }

  const Host& host_at(const std::string& name) const;
  std::string site_of_host(const std::string& host) const;
  std::vector<std::string> host_names() const;
  bool has_host(const std::string& name) const { return hosts.count(name) > 0; }
  bool replicated(const std::string& vm) const { return replicated_by.count(vm) > 0; }
  // True when an HA cluster restarts VM `vm` (its index) elsewhere after its host fails.
  bool ha_covers_host_failure(std::size_t vm) const;
  // The datastore holding the disks of VM `vm` (its index), or "" for the host's local disk
  // (or a datastore the plan does not define).
  std::string datastore_of(std::size_t vm) const;
  // True when a link joins site `from` and site `to` (two different sites), either way round.
  bool linked_directly(const std::string& from, const std::string& to) const;

 private:
  std::string file_;
  std::string prefix_;
  std::vector<Diagnostic>* out_;
};

// The topics, each in its own file, run by validate.cpp in the order of the file.
// validate_topology.cpp: sites and hosts, datastores, links, networks, host memory, clusters.
void check_sites(PlanContext& context);
void check_datastores(PlanContext& context);
void check_links(PlanContext& context);
void check_networks(PlanContext& context);
void check_host_memory(PlanContext& context);
void check_clusters(PlanContext& context);
// validate_vms.cpp: each VM's references and values, dependency cycles, priority deadlocks.
void check_vms(PlanContext& context);
void check_cycles(PlanContext& context);
void check_priorities(PlanContext& context);
// validate_guest.cpp: re_ip "agent" needs readiness "agent"; a health check's target and
// `from` VMs are the VM itself or its (transitive) dependencies.
void check_guests(PlanContext& context);
// validate_replication.cpp: jobs and their routes, replica capacity, retention.
void check_replication(PlanContext& context);
void check_replica_capacity(PlanContext& context);
// Retention of job j against a corruption found `detection` after it started; `why` is
// appended to the window's explanation.
void check_retention(PlanContext& context, std::size_t j, const DurationSpec& detection,
                     const std::string& why);
// validate_recovery.cpp: recovery site, network mapping, Re-IP, test network, boots, and
// where each replicated VM lands.
void check_recovery(PlanContext& context);
// validate_scenario.cpp: duration, event times and targets, actions, unprotected VMs.
void check_scenario(const Scenario& scenario, PlanContext& plan, std::vector<Diagnostic>* out);

}  // namespace firedrill::validation
