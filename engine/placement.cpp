// Placement: which host a recovered or moved VM runs on (the most free memory among the
// candidates that are up and have room), and the memory its instance reserves there.
#include <algorithm>

#include "engine/engine_impl.hpp"

namespace firedrill {

int EngineState::place_on_hosts(int preferred_host, const std::vector<int>& candidates,
                                double memory_B) const {
  auto free_B = [&](int h) {
    const HostState& host = hosts_[h];
    return host.host->memory_B <= 0 ? 1e300 : host.host->memory_B - host.memory_used_B;
  };
  auto fits = [&](int h) { return hosts_[h].up && free_B(h) >= memory_B - 1e-6; };
  if (preferred_host >= 0 && fits(preferred_host)) return preferred_host;
  int best = -1;
  double best_free = -1.0;
  for (const int h : candidates) {
    if (!fits(h)) continue;
    if (free_B(h) > best_free) {
      best = h;
      best_free = free_B(h);
    }
  }
  return best;
}

int EngineState::place_on_site(int preferred_host, int site, double memory_B) const {
  return place_on_hosts(preferred_host, index_.hosts_of_site(site), memory_B);
}

bool EngineState::place_member(int o, int m, int host) {
  Member& member = operations_[o].members[m];
  if (host < 0) return false;
  VmState& vm = vms_[member.vm];
  member.target_host = host;
  member.reserved = true;
  hosts_[host].memory_used_B += vm.vm->memory_B;
  vm.instances.push_back(InstanceState{member.instance, host, traits(o).test_copies});
  return true;
}

void EngineState::release_instance(int v, const std::string& instance) {
  VmState& vm = vms_[v];
  for (auto it = vm.instances.begin(); it != vm.instances.end(); ++it) {
    if (it->name != instance) continue;
    HostState& host = hosts_[it->host];
    host.memory_used_B = std::max(0.0, host.memory_used_B - vm.vm->memory_B);
    vm.instances.erase(it);
    return;
  }
}

}  // namespace firedrill
