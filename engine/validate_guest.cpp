// Validation of the VMs' real-guest fields (SPEC 7). A health check's target VM ("db:5432")
// and the VM it runs from must be the checked VM itself or one it depends on, directly or
// through depends_on: the engine starts a VM only once its dependencies are ready, so
// exactly those VMs are sure to be up when its checks run; any other VM may still be
// restoring (or never recovered), and the check would fail or wait on an unrelated boot.
// And the guest agent can set the new address (re_ip "agent") only once it answers, which
// is what readiness "agent" waits for.
#include <set>

#include "engine/validate_context.hpp"

namespace firedrill::validation {
namespace {

// The VMs `vm` depends on, directly or through depends_on (unknown names are skipped:
// check_vm reports them; a cycle ends where it closes: check_cycles reports it).
std::set<std::string> dependencies_of(const PlanContext& context, const Vm& vm) {
  std::set<std::string> found;
  std::vector<const Vm*> stack{&vm};
  while (!stack.empty()) {
    const Vm* current = stack.back();
    stack.pop_back();
    for (const std::string& dependency : current->depends_on) {
      const auto it = context.vms.find(dependency);
      if (it == context.vms.end() || !found.insert(dependency).second) continue;
      stack.push_back(&context.plan.vms[it->second]);
    }
  }
  return found;
}

// `other` (the target or the `from` of a check, at `path`) is a VM of the plan and is `vm`
// or one of its dependencies.
void check_reach(PlanContext& context, const Vm& vm, const std::set<std::string>& dependencies,
                 const std::string& other, const std::string& path, const char* role) {
  if (other.empty() || other == vm.name) return;
  if (!context.known(context.vms, other, path, "VM")) return;
  if (dependencies.count(other)) return;
  context.error(path, std::string(role) + " " + named(other) + " is neither " + named(vm.name) +
                          " nor a VM it depends on (directly or through "
                          "depends_on): its checks run once its dependencies are up, and " +
                          named(other) + " may not be; add it to depends_on");
}

// Where the target of a check was written: "tcp" ("db:5432") or "http.target".
std::string target_path(const std::string& check_path, const HealthCheckSpec& check) {
  return check_path + (check.kind == HealthKind::http ? ".http.target" : ".tcp");
}

void check_guest(PlanContext& context, std::size_t i) {
  const Vm& vm = context.plan.vms[i];
  const std::string path = context.vm_path(i);
  if (vm.guest.re_ip == GuestReIp::agent && vm.guest.readiness != Readiness::agent) {
    context.error(path + ".guest.re_ip",
                  "re_ip \"agent\" needs readiness \"agent\": the guest agent sets the new "
                  "address, so the VM must wait for the agent to answer first");
  }
  if (vm.health.empty()) return;
  const std::set<std::string> dependencies = dependencies_of(context, vm);
  for (std::size_t k = 0; k < vm.health.size(); ++k) {
    const HealthCheckSpec& check = vm.health[k];
    const std::string check_path = json_path_index(path + ".health", k);
    check_reach(context, vm, dependencies, check.target_vm, target_path(check_path, check),
                "the check's target VM");
    check_reach(context, vm, dependencies, check.from, check_path + ".from",
                "the VM the check runs from");
  }
}

}  // namespace

void check_guests(PlanContext& context) {
  for (std::size_t i = 0; i < context.plan.vms.size(); ++i) check_guest(context, i);
}

}  // namespace firedrill::validation
