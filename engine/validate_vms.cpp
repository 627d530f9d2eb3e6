// Validation of the plan's VMs: each VM's host, network, address, datastore, dependencies
// and values, dependency cycles (named in full), and priority deadlocks.
#include <algorithm>
#include <set>

#include "engine/re_ip.hpp"
#include "engine/validate_context.hpp"

namespace firedrill::validation {

namespace {

// One VM's references (host, network, datastore, dependencies) and values.
void check_vm(PlanContext& context, std::size_t i) {
  const Vm& vm = context.plan.vms[i];
  const std::string path = context.vm_path(i);
  const bool host_known = context.known(context.hosts, vm.host, path + ".host", "host");
  const std::string host_site = host_known ? context.site_of_host(vm.host) : "";
  if (host_known) {
    const Host& host = context.host_at(vm.host);
    if (vm.memory_B > host.memory_B) {
      context.error(path + ".memory", "VM " + named(vm.name) + " needs " +
                                          format_size(vm.memory_B) +
                                          " of memory, more than its host " + named(host.name) +
                                          " has (" + format_size(host.memory_B) + ")");
    }
  }
  if (!vm.network.empty() &&
      context.known(context.networks, vm.network, path + ".network", "network")) {
    const Network& network = context.plan.networks[context.networks.at(vm.network)];
    if (host_known && network.site != host_site) {
      context.error(path + ".network", "network " + named(vm.network) + " is at site " +
                                           named(network.site) + ", but VM " + named(vm.name) +
                                           " runs at site " + named(host_site));
    }
    if (!vm.ip.empty() && !network.subnet.empty() && !ip_in_subnet(vm.ip, network.subnet)) {
      context.error(path + ".ip", "address " + vm.ip + " is outside network " + named(vm.network) +
                                      " (" + network.subnet + ")");
    }
  }
  if (!vm.datastore.empty() &&
      context.known(context.datastores, vm.datastore, path + ".datastore", "datastore") &&
      host_known) {
    const Datastore& datastore = context.plan.datastores[context.datastores.at(vm.datastore)];
    if (std::find(datastore.hosts.begin(), datastore.hosts.end(), vm.host) ==
        datastore.hosts.end()) {
      context.error(path + ".datastore", "host " + named(vm.host) + " has no access to datastore " +
                                             named(vm.datastore));
    }
  }
  std::set<std::string> seen;
  for (std::size_t k = 0; k < vm.depends_on.size(); ++k) {
    const std::string dep_path = json_path_index(path + ".depends_on", k);
    const std::string& dependency = vm.depends_on[k];
    if (!context.known(context.vms, dependency, dep_path, "VM")) continue;
    if (!seen.insert(dependency).second) {
      context.error(dep_path, "VM " + named(dependency) + " is listed twice");
    }
  }
  if (vm.vcpus < 1) context.error(path + ".vcpus", "a VM needs at least one vCPU");
  if (!(vm.memory_B > 0)) context.error(path + ".memory", "must be greater than zero");
  if (!(vm.disk_B > 0)) context.error(path + ".disk", "must be greater than zero");
  if (vm.change_rate_Bps < 0) context.error(path + ".change_rate", "must not be negative");
  if (!(mean_of(vm.boot_time) > 0)) context.error(path + ".boot_time", "must be greater than zero");
  if (vm.priority < 1 || vm.priority > 5) {
    context.error(path + ".priority", "priority must be 1 (boots first) to 5 (boots last), got " +
                                          std::to_string(vm.priority));
  }
}

}  // namespace

void check_vms(PlanContext& context) {
  context.check_duplicates(context.plan.vms, "vms", "VM");
  for (std::size_t i = 0; i < context.plan.vms.size(); ++i) check_vm(context, i);
}

// Dependency cycles, each named in full: "a -> b -> a" (each depends on the next).
void check_cycles(PlanContext& context) {
  const std::size_t n = context.plan.vms.size();
  std::vector<int> color(n, 0);  // 0 new, 1 on the stack, 2 done
  for (std::size_t root = 0; root < n; ++root) {
    if (color[root] != 0) continue;
    // Iterative depth-first search: (vm, next dependency to look at).
    std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
    color[root] = 1;
    while (!stack.empty()) {
      auto& [vm, next] = stack.back();
      const std::vector<std::string>& deps = context.plan.vms[vm].depends_on;
      if (next == deps.size()) {
        color[vm] = 2;
        stack.pop_back();
        continue;
      }
      const std::size_t k = next++;
      const auto it = context.vms.find(deps[k]);
      if (it == context.vms.end()) continue;
      const std::size_t target = it->second;
      if (color[target] == 0) {
        color[target] = 1;
        stack.push_back({target, 0});
      } else if (color[target] == 1) {
        std::string cycle;
        bool in_cycle = false;
        for (const auto& frame : stack) {
          if (frame.first == target) in_cycle = true;
          if (in_cycle) cycle += context.plan.vms[frame.first].name + " -> ";
        }
        cycle += context.plan.vms[target].name;
        context.error(json_path_index(context.vm_path(vm) + ".depends_on", k),
                      "dependency cycle " + cycle +
                          " (each depends on the next): none of them could "
                          "ever start");
      }
    }
  }
}

// A VM that depends on a VM of a later priority group waits forever: the group it is in
// must be ready before the later group starts.
void check_priorities(PlanContext& context) {
  for (std::size_t i = 0; i < context.plan.vms.size(); ++i) {
    const Vm& vm = context.plan.vms[i];
    for (std::size_t k = 0; k < vm.depends_on.size(); ++k) {
      const auto it = context.vms.find(vm.depends_on[k]);
      if (it == context.vms.end()) continue;
      const Vm& dependency = context.plan.vms[it->second];
      if (dependency.priority <= vm.priority) continue;
      context.error(json_path_index(context.vm_path(i) + ".depends_on", k),
                    "priority deadlock: VM " + named(vm.name) + " (priority " +
                        std::to_string(vm.priority) + ") depends on " + named(dependency.name) +
                        " of a later priority group (" + std::to_string(dependency.priority) +
                        "), which cannot start before " + named(vm.name) + " is ready");
    }
  }
}

}  // namespace firedrill::validation
