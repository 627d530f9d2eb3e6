// Validation of the plan's topology: sites and their hosts, datastores, links between
// sites, networks, the memory VMs need on their hosts, and HA clusters.
#include <map>
#include <set>

#include "engine/validate_context.hpp"

namespace firedrill::validation {

void check_sites(PlanContext& context) {
  context.check_duplicates(context.plan.sites, "sites", "site");
  std::map<std::string, std::string> first_host;
  for (std::size_t s = 0; s < context.plan.sites.size(); ++s) {
    for (std::size_t h = 0; h < context.plan.sites[s].hosts.size(); ++h) {
      const Host& host = context.plan.sites[s].hosts[h];
      const std::string path = context.host_path({s, h});
      const auto [it, inserted] = first_host.emplace(host.name, path);
      if (!inserted) {
        context.error(path + ".name", "duplicate host name " + named(host.name) +
                                          " (first defined at " + it->second + ")");
      }
      if (host.cores < 1) context.error(path + ".cores", "a host needs at least one core");
      if (!(host.memory_B > 0)) context.error(path + ".memory", "must be greater than zero");
      if (!(host.speed_flops > 0)) context.error(path + ".speed", "must be greater than zero");
    }
  }
}

void check_datastores(PlanContext& context) {
  context.check_duplicates(context.plan.datastores, "datastores", "datastore");
  for (std::size_t d = 0; d < context.plan.datastores.size(); ++d) {
    const Datastore& datastore = context.plan.datastores[d];
    std::set<std::string> seen, sites;
    for (std::size_t h = 0; h < datastore.hosts.size(); ++h) {
      const std::string path = json_path_index(context.at("datastores", d) + ".hosts", h);
      const std::string& host = datastore.hosts[h];
      if (!context.known(context.hosts, host, path, "host")) continue;
      if (!seen.insert(host).second)
        context.error(path, "host " + named(host) + " is listed twice");
      sites.insert(context.site_of_host(host));
    }
    if (sites.size() > 1) {
      context.error(context.at("datastores", d) + ".hosts",
                    "datastore " + named(datastore.name) + " spans sites " + *sites.begin() +
                        " and " + *std::next(sites.begin()) + ": a datastore belongs to one site");
    }
  }
}

void check_links(PlanContext& context) {
  context.check_duplicates(context.plan.links, "links", "link");
  for (std::size_t l = 0; l < context.plan.links.size(); ++l) {
    const Link& link = context.plan.links[l];
    const std::string path = context.at("links", l) + ".between";
    const bool a = context.known(context.sites, link.between[0], json_path_index(path, 0), "site");
    const bool b = context.known(context.sites, link.between[1], json_path_index(path, 1), "site");
    if (a && b && link.between[0] == link.between[1]) {
      context.error(
          path, "a link joins two different sites, not " + named(link.between[0]) + " with itself");
    }
    if (!(link.bandwidth_Bps > 0))
      context.error(context.at("links", l) + ".bandwidth", "must be greater than zero");
    if (link.latency_s < 0)
      context.error(context.at("links", l) + ".latency", "must not be negative");
    if (link.max_concurrent_transfers < 0) {
      context.error(context.at("links", l) + ".max_concurrent_transfers",
                    "must be at least 1 (leave it out for no limit)");
    }
  }
}

void check_networks(PlanContext& context) {
  context.check_duplicates(context.plan.networks, "networks", "network");
  for (std::size_t n = 0; n < context.plan.networks.size(); ++n) {
    context.known(context.sites, context.plan.networks[n].site, context.at("networks", n) + ".site",
                  "site");
  }
}

void check_host_memory(PlanContext& context) {
  std::map<std::string, double> used;
  for (const Vm& vm : context.plan.vms) used[vm.host] += vm.memory_B;
  for (const auto& [name, ref] : context.hosts) {
    const Host& host = context.plan.sites[ref.site].hosts[ref.host];
    const auto it = used.find(name);
    if (it == used.end() || it->second <= host.memory_B) continue;
    context.warn(context.host_path(ref) + ".memory",
                 "the VMs placed on host " + named(name) + " need " + format_size(it->second) +
                     " of memory, more than it has (" + format_size(host.memory_B) + ")");
  }
}

void check_clusters(PlanContext& context) {
  context.check_duplicates(context.plan.clusters, "clusters", "cluster");
  std::map<std::string, std::string> cluster_of;
  for (std::size_t c = 0; c < context.plan.clusters.size(); ++c) {
    const Cluster& cluster = context.plan.clusters[c];
    const std::string path = context.at("clusters", c);
    const bool datastore_known =
        context.known(context.datastores, cluster.datastore, path + ".datastore", "datastore");
    std::set<std::string> sites;
    for (std::size_t h = 0; h < cluster.hosts.size(); ++h) {
      const std::string host_path = json_path_index(path + ".hosts", h);
      const std::string& host = cluster.hosts[h];
      if (!context.known(context.hosts, host, host_path, "host")) continue;
      sites.insert(context.site_of_host(host));
      const auto [it, inserted] = cluster_of.emplace(host, cluster.name);
      if (!inserted) {
        context.error(host_path,
                      "host " + named(host) + " is already in cluster " + named(it->second));
      }
      if (datastore_known) {
        const Datastore& datastore =
            context.plan.datastores[context.datastores.at(cluster.datastore)];
        if (std::find(datastore.hosts.begin(), datastore.hosts.end(), host) ==
            datastore.hosts.end()) {
          context.error(host_path, "host " + named(host) + " of cluster " + named(cluster.name) +
                                       " has no access to its shared datastore " +
                                       named(cluster.datastore));
        }
      }
    }
    if (sites.size() > 1) {
      context.error(path + ".hosts", "cluster " + named(cluster.name) + " spans sites " +
                                         *sites.begin() + " and " + *std::next(sites.begin()) +
                                         ": an HA cluster lives in one site");
    }
    if (cluster.ha && !(mean_of(cluster.ha->failure_timeout) > 0)) {
      context.error(path + ".ha.failure_timeout", "must be greater than zero");
    }
  }
}

}  // namespace firedrill::validation
