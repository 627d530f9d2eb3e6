// Validation of replication: each job's target host and route from its VMs' sites, one job
// per VM, interval and retention; whether the replicas fit their target host; and whether
// retention covers the corruption-detection window.
#include <algorithm>
#include <map>
#include <set>

#include "engine/validate_context.hpp"

namespace firedrill::validation {

void check_retention(PlanContext& context, std::size_t j, const DurationSpec& detection,
                     const std::string& why) {
  const ReplicationJob& job = context.plan.replication[j];
  const double window = upper_s(detection) + upper_s(context.plan.recovery.operator_delay);
  const Retention& r = job.retention;
  const double coverage = std::max({(r.points - 1) * job.interval_s, r.daily * 86400.0,
                                    r.weekly * 7 * 86400.0, r.monthly * 30 * 86400.0});
  if (window <= coverage) return;
  context.warn(context.at("replication", j) + ".retention",
               "retention keeps " + format_duration(coverage) + " of recovery points (" +
                   std::to_string(r.points) + " points every " + format_duration(job.interval_s) +
                   "), less than the corruption-detection window of " + format_duration(window) +
                   " (recovery.detection + recovery.operator_delay" + why +
                   "): by the time corruption is found, no clean point "
                   "is left to restore from");
}

void check_replication(PlanContext& context) {
  context.check_duplicates(context.plan.replication, "replication", "replication job");
  // A VM may be replicated by several jobs to different hosts (a point survives the loss of
  // one recovery host, SPEC 9); two jobs of one VM to one host would hold the same points.
  std::map<std::pair<std::string, std::string>, std::string> job_of;  // (VM, target) -> job
  for (std::size_t j = 0; j < context.plan.replication.size(); ++j) {
    const ReplicationJob& job = context.plan.replication[j];
    const std::string path = context.at("replication", j);
    const bool target_known =
        context.known(context.hosts, job.target_host, path + ".target_host", "host");
    const std::string target_site = target_known ? context.site_of_host(job.target_host) : "";
    if (target_known && !context.plan.recovery.target_site.empty() &&
        target_site != context.plan.recovery.target_site) {
      context.error(path + ".target_host",
                    "target host " + named(job.target_host) + " is at site " + named(target_site) +
                        ", not at the recovery site " + named(context.plan.recovery.target_site));
    }
    std::set<std::string> reported_routes;
    for (std::size_t k = 0; k < job.vms.size(); ++k) {
      const std::string vm_path = json_path_index(path + ".vms", k);
      const std::string& name = job.vms[k];
      if (!context.known(context.vms, name, vm_path, "VM")) continue;
      const auto [it, inserted] = job_of.emplace(std::pair{name, job.target_host}, job.name);
      if (!inserted) {
        context.error(vm_path, "VM " + named(name) + " is already replicated to " +
                                   named(job.target_host) + " by job " + named(it->second));
        continue;
      }
      const Vm& vm = context.plan.vms[context.vms.at(name)];
      if (!target_known || !context.hosts.count(vm.host)) continue;
      const std::string source_site = context.site_of_host(vm.host);
      if (source_site == target_site) {
        context.error(path + ".target_host", "replication target " + named(job.target_host) +
                                                 " is at site " + named(source_site) +
                                                 ", where VM " + named(name) +
                                                 " runs: a replica must be at another site");
      } else if (!context.linked_directly(source_site, target_site) &&
                 reported_routes.insert(source_site).second) {
        context.error(path + ".target_host",
                      "no link connects site " + named(source_site) + " to site " +
                          named(target_site) +
                          ": replication runs over one link between the two sites (a route "
                          "through another site is not modelled)");
      }
    }
    if (!(job.interval_s > 0)) context.error(path + ".interval", "must be greater than zero");
    if (job.retention.points < 1) {
      context.error(path + ".retention.points", "retention must keep at least one point");
    }
  }
}

// Replicas are powered on at their target host: they (and what already runs there) must
// fit in its memory.
void check_replica_capacity(PlanContext& context) {
  std::map<std::string, std::pair<double, std::vector<std::string>>> need;
  std::map<std::string, std::size_t> first_job;
  for (std::size_t j = 0; j < context.plan.replication.size(); ++j) {
    const ReplicationJob& job = context.plan.replication[j];
    first_job.emplace(job.target_host, j);
    for (const std::string& name : job.vms) {
      const auto it = context.vms.find(name);
      if (it == context.vms.end()) continue;
      need[job.target_host].first += context.plan.vms[it->second].memory_B;
      need[job.target_host].second.push_back(name);
    }
  }
  for (const Vm& vm : context.plan.vms) {
    if (need.count(vm.host)) need[vm.host].first += vm.memory_B;
  }
  for (const auto& [host, demand] : need) {
    if (!context.hosts.count(host)) continue;
    const Host& target = context.host_at(host);
    if (demand.first <= target.memory_B) continue;
    std::string names;
    for (const std::string& name : demand.second) names += (names.empty() ? "" : ", ") + name;
    context.warn(context.at("replication", first_job.at(host)) + ".target_host",
                 "the replicas of " + names + " need " + format_size(demand.first) +
                     " of memory on host " + named(host) +
                     " (with what runs there), more than it has (" + format_size(target.memory_B) +
                     "): not all of them can be powered on");
  }
}

}  // namespace firedrill::validation
