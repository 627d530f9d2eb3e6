// PlanIndex: names to indices over a Plan, and the relations the engine, validation and
// the real driver all ask about -- the hosts of a site or cluster, the datastore a VM's
// disk lives on, the HA cluster that covers a VM, the link between two sites, the
// recovery site of a replica. One definition of each, so that they cannot disagree.
//
// Works on any plan, checked or not: an unknown name gives -1 and a relation that does
// not exist gives -1 or an empty list. Indices are positions in the plan's own vectors;
// hosts are numbered site by site, in file order. The index keeps a reference to `plan`,
// which must outlive it.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model.hpp"

namespace firedrill {

class PlanIndex {
 public:
  explicit PlanIndex(const Plan& plan);

  // -1 when there is no such name.
  int site(std::string_view name) const { return find(sites_, name); }
  int host(std::string_view name) const { return find(hosts_by_name_, name); }
  int vm(std::string_view name) const { return find(vms_, name); }
  int link(std::string_view name) const { return find(links_, name); }
  int datastore(std::string_view name) const { return find(datastores_, name); }
  int cluster(std::string_view name) const { return find(clusters_, name); }

  std::size_t host_count() const { return hosts_.size(); }
  const Host& host_at(int host) const { return *hosts_[host].host; }
  int site_of_host(int host) const { return hosts_[host].site; }
  const std::vector<int>& hosts_of_site(int site) const { return site_hosts_[site]; }
  // Hosts of a cluster, in the cluster's own order (unknown names left out).
  const std::vector<int>& hosts_of_cluster(int cluster) const { return cluster_hosts_[cluster]; }
  const std::vector<int>& clusters_of_host(int host) const { return hosts_[host].clusters; }

  // Where a VM's disk lives: its own `datastore`, else the first datastore of a cluster
  // its host belongs to; -1 for the host's local disk (or an unknown datastore).
  int datastore_of_vm(int vm) const { return vm_datastore_[vm]; }
  // The cluster with HA whose datastore holds the VM's disk and that has the VM's host, or
  // -1 (HA cannot restart a VM whose disk the cluster does not share).
  int ha_cluster_of_vm(int vm) const { return vm_ha_cluster_[vm]; }
  // The link replication between two sites runs over, either way round (of several, the
  // one of least latency, as the simulator routes); -1 when there is none (or same site).
  int link_between(int site_a, int site_b) const;
  // Where a replica kept on `target_host` is recovered: recovery.target_site when the plan
  // names one, else the site of the target host itself. -1 when neither is known.
  int recovery_site(int target_host) const;

 private:
  struct HostEntry {
    const Host* host = nullptr;
    int site = -1;
    std::vector<int> clusters;
  };
  static int find(const std::map<std::string, int, std::less<>>& names, std::string_view name);

  const Plan& plan_;
  std::map<std::string, int, std::less<>> sites_, hosts_by_name_, vms_, links_, datastores_,
      clusters_;
  std::vector<HostEntry> hosts_;
  std::vector<std::vector<int>> site_hosts_, cluster_hosts_;
  std::vector<int> vm_datastore_, vm_ha_cluster_;
  std::map<std::pair<int, int>, int> site_links_;  // (lower site, higher site) -> link
};

}  // namespace firedrill
