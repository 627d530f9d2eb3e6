// PlanIndex (engine/plan_index.hpp): built once per plan, then every question is a lookup.
#include "engine/plan_index.hpp"

#include <algorithm>

namespace firedrill {

PlanIndex::PlanIndex(const Plan& plan) : plan_(plan) {
  site_hosts_.resize(plan.sites.size());
  for (std::size_t s = 0; s < plan.sites.size(); ++s) {
    sites_.emplace(plan.sites[s].name, static_cast<int>(s));
    for (const Host& host : plan.sites[s].hosts) {
      const int h = static_cast<int>(hosts_.size());
      hosts_by_name_.emplace(host.name, h);
      hosts_.push_back(HostEntry{&host, static_cast<int>(s), {}});
      site_hosts_[s].push_back(h);
    }
  }
  for (std::size_t l = 0; l < plan.links.size(); ++l) {
    const Link& link = plan.links[l];
    links_.emplace(link.name, static_cast<int>(l));
    const int a = site(link.between[0]);
    const int b = site(link.between[1]);
    // Replication between two sites runs over one link joining them (validation requires
    // one): of several, the one of least latency, the first declared among equals -- the
    // route the simulator's platform takes (sim/platform.cpp).
    if (a < 0 || b < 0 || a == b) continue;
    const auto [it, inserted] = site_links_.emplace(std::minmax(a, b), static_cast<int>(l));
    if (!inserted && link.latency_s < plan.links[it->second].latency_s) {
      it->second = static_cast<int>(l);
    }
  }
  for (std::size_t d = 0; d < plan.datastores.size(); ++d) {
    datastores_.emplace(plan.datastores[d].name, static_cast<int>(d));
  }
  cluster_hosts_.resize(plan.clusters.size());
  for (std::size_t c = 0; c < plan.clusters.size(); ++c) {
    clusters_.emplace(plan.clusters[c].name, static_cast<int>(c));
    for (const std::string& name : plan.clusters[c].hosts) {
      const int h = host(name);
      if (h < 0) continue;
      hosts_[h].clusters.push_back(static_cast<int>(c));
      cluster_hosts_[c].push_back(h);
    }
  }
  vm_datastore_.assign(plan.vms.size(), -1);
  vm_ha_cluster_.assign(plan.vms.size(), -1);
  for (std::size_t v = 0; v < plan.vms.size(); ++v) {
    const Vm& vm = plan.vms[v];
    vms_.emplace(vm.name, static_cast<int>(v));
    const int h = host(vm.host);
    const std::vector<int> no_clusters;
    const std::vector<int>& clusters = h >= 0 ? hosts_[h].clusters : no_clusters;
    std::string name = vm.datastore;
    for (int c : clusters) {
      if (name.empty()) name = plan.clusters[c].datastore;
    }
    vm_datastore_[v] = name.empty() ? -1 : datastore(name);
    for (int c : clusters) {
      const Cluster& cluster = plan.clusters[c];
      if (cluster.ha && !name.empty() && cluster.datastore == name) vm_ha_cluster_[v] = c;
    }
  }
}

int PlanIndex::find(const std::map<std::string, int, std::less<>>& names, std::string_view name) {
  const auto it = names.find(name);
  return it == names.end() ? -1 : it->second;
}

int PlanIndex::link_between(int site_a, int site_b) const {
  const auto it = site_links_.find(std::minmax(site_a, site_b));
  return it == site_links_.end() ? -1 : it->second;
}

int PlanIndex::recovery_site(int target_host) const {
  if (!plan_.recovery.target_site.empty()) return site(plan_.recovery.target_site);
  return target_host >= 0 ? hosts_[target_host].site : -1;
}

}  // namespace firedrill
