// Static checks of a typed plan and scenario (SPEC section 6). Each check reports against
// the JSON path where the offending element was written, so the user can find it: a plan
// from its own file gets paths relative to that file, an inline plan gets "plan." paths.
#include "engine/validate.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <set>

#include "engine/json_reader.hpp"
#include "engine/re_ip.hpp"

namespace firedrill {
namespace {

using Severity = Diagnostic::Severity;

std::string named(const std::string& name) {
  return "'" + name + "'";
}

// A high quantile of a duration: the window a check must cover.
double upper_s(const DurationSpec& spec) {
  switch (spec.kind) {
    case DurationSpec::Kind::fixed:
      return spec.a_s;
    case DurationSpec::Kind::uniform:
      return spec.b_s;
    case DurationSpec::Kind::normal:
    case DurationSpec::Kind::lognormal:
      return spec.a_s + 3 * spec.b_s;
    case DurationSpec::Kind::exponential:
      return 3 * spec.a_s;
  }
  return spec.a_s;
}

double mean_of(const DurationSpec& spec) {
  return spec.kind == DurationSpec::Kind::uniform ? (spec.a_s + spec.b_s) / 2 : spec.a_s;
}

// The names of `items` with their indices, reporting duplicates.
template <typename T>
std::map<std::string, std::size_t> index_names(const std::vector<T>& items) {
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < items.size(); ++i) index.emplace(items[i].name, i);
  return index;
}

std::vector<std::string> keys_of(const std::map<std::string, std::size_t>& index) {
  std::vector<std::string> keys;
  for (const auto& [name, position] : index) keys.push_back(name);
  return keys;
}

class PlanChecker {
 public:
  PlanChecker(const Plan& plan, std::string file, std::string prefix, std::vector<Diagnostic>* out)
      : plan_(plan), file_(std::move(file)), prefix_(std::move(prefix)), out_(out) {
    sites_ = index_names(plan.sites);
    for (std::size_t s = 0; s < plan.sites.size(); ++s) {
      for (std::size_t h = 0; h < plan.sites[s].hosts.size(); ++h) {
        hosts_.emplace(plan.sites[s].hosts[h].name, HostRef{s, h});
      }
    }
    datastores_ = index_names(plan.datastores);
    links_ = index_names(plan.links);
    networks_ = index_names(plan.networks);
    vms_ = index_names(plan.vms);
    for (std::size_t j = 0; j < plan.replication.size(); ++j) {
      for (const std::string& vm : plan.replication[j].vms) replicated_by_.emplace(vm, j);
    }
  }

  void check_all(bool generic_retention_check) {
    check_sites();
    check_datastores();
    check_links();
    check_networks();
    check_vms();
    check_cycles();
    check_priorities();
    check_host_memory();
    check_clusters();
    check_replication();
    check_recovery();
    check_replica_capacity();
    if (generic_retention_check) {
      for (std::size_t j = 0; j < plan_.replication.size(); ++j) {
        check_retention(j, plan_.recovery.detection, "");
      }
    }
  }

  // Retention of job j against a corruption found `detection` after it started.
  void check_retention(std::size_t j, const DurationSpec& detection, const std::string& why) {
    const ReplicationJob& job = plan_.replication[j];
    const double window = upper_s(detection) + upper_s(plan_.recovery.operator_delay);
    const Retention& r = job.retention;
    const double coverage = std::max({(r.points - 1) * job.interval_s, r.daily * 86400.0,
                                      r.weekly * 7 * 86400.0, r.monthly * 30 * 86400.0});
    if (window <= coverage) return;
    warn(at("replication", j) + ".retention",
         "retention keeps " + format_duration(coverage) + " of recovery points (" +
             std::to_string(r.points) + " points every " + format_duration(job.interval_s) +
             "), less than the corruption-detection window of " + format_duration(window) +
             " (recovery.detection + recovery.operator_delay" + why +
             "): by the time corruption is found, no clean point "
             "is left to restore from");
  }

  // Who covers a VM, for the scenario checks.
  bool replicated(const std::string& vm) const { return replicated_by_.count(vm) > 0; }
  bool ha_covers_host_failure(const Vm& vm) const {
    for (const Cluster& cluster : plan_.clusters) {
      if (!cluster.ha) continue;
      if (std::find(cluster.hosts.begin(), cluster.hosts.end(), vm.host) == cluster.hosts.end()) {
        continue;
      }
      if (vm.datastore.empty() || vm.datastore == cluster.datastore) return true;
    }
    return false;
  }
  // The datastore holding a VM's disks, or "" for the host's local disk.
  std::string datastore_of(const Vm& vm) const {
    if (!vm.datastore.empty()) return vm.datastore;
    for (const Cluster& cluster : plan_.clusters) {
      if (std::find(cluster.hosts.begin(), cluster.hosts.end(), vm.host) != cluster.hosts.end()) {
        return cluster.datastore;
      }
    }
    return "";
  }
  std::string site_of_host(const std::string& host) const {
    const auto it = hosts_.find(host);
    return it == hosts_.end() ? "" : plan_.sites[it->second.site].name;
  }
  const std::map<std::string, std::size_t>& vm_index() const { return vms_; }
  const std::map<std::string, std::size_t>& site_index() const { return sites_; }
  const std::map<std::string, std::size_t>& datastore_index() const { return datastores_; }
  const std::map<std::string, std::size_t>& link_index() const { return links_; }
  std::vector<std::string> host_names() const {
    std::vector<std::string> names;
    for (const auto& [name, ref] : hosts_) names.push_back(name);
    return names;
  }
  bool has_host(const std::string& name) const { return hosts_.count(name) > 0; }

 private:
  struct HostRef {
    std::size_t site;
    std::size_t host;
  };

  std::string at(const char* list, std::size_t i) const {
    return json_path_index(json_path_join(prefix_, list), i);
  }
  std::string vm_path(std::size_t i) const { return at("vms", i); }
  std::string host_path(const HostRef& ref) const {
    return json_path_index(at("sites", ref.site) + ".hosts", ref.host);
  }
  std::string recovery_path(const std::string& key) const {
    return json_path_join(json_path_join(prefix_, "recovery"), key);
  }

  void error(const std::string& path, std::string message) {
    out_->push_back({Severity::error, file_, path, std::move(message)});
  }
  void warn(const std::string& path, std::string message) {
    out_->push_back({Severity::warning, file_, path, std::move(message)});
  }

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

  void check_sites() {
    check_duplicates(plan_.sites, "sites", "site");
    std::map<std::string, std::string> first_host;
    for (std::size_t s = 0; s < plan_.sites.size(); ++s) {
      for (std::size_t h = 0; h < plan_.sites[s].hosts.size(); ++h) {
        const Host& host = plan_.sites[s].hosts[h];
        const std::string path = host_path({s, h});
        const auto [it, inserted] = first_host.emplace(host.name, path);
        if (!inserted) {
          error(path + ".name", "duplicate host name " + named(host.name) + " (first defined at " +
                                    it->second + ")");
        }
        if (host.cores < 1) error(path + ".cores", "a host needs at least one core");
        if (!(host.memory_B > 0)) error(path + ".memory", "must be greater than zero");
        if (!(host.speed_flops > 0)) error(path + ".speed", "must be greater than zero");
      }
    }
  }

  void check_datastores() {
    check_duplicates(plan_.datastores, "datastores", "datastore");
    for (std::size_t d = 0; d < plan_.datastores.size(); ++d) {
      const Datastore& datastore = plan_.datastores[d];
      std::set<std::string> seen, sites;
      for (std::size_t h = 0; h < datastore.hosts.size(); ++h) {
        const std::string path = json_path_index(at("datastores", d) + ".hosts", h);
        const std::string& host = datastore.hosts[h];
        if (!known(hosts_, host, path, "host")) continue;
        if (!seen.insert(host).second) error(path, "host " + named(host) + " is listed twice");
        sites.insert(site_of_host(host));
      }
      if (sites.size() > 1) {
        error(at("datastores", d) + ".hosts",
              "datastore " + named(datastore.name) + " spans sites " + *sites.begin() + " and " +
                  *std::next(sites.begin()) + ": a datastore belongs to one site");
      }
    }
  }

  void check_links() {
    check_duplicates(plan_.links, "links", "link");
    for (std::size_t l = 0; l < plan_.links.size(); ++l) {
      const Link& link = plan_.links[l];
      const std::string path = at("links", l) + ".between";
      const bool a = known(sites_, link.between[0], json_path_index(path, 0), "site");
      const bool b = known(sites_, link.between[1], json_path_index(path, 1), "site");
      if (a && b && link.between[0] == link.between[1]) {
        error(path,
              "a link joins two different sites, not " + named(link.between[0]) + " with itself");
      }
      if (!(link.bandwidth_Bps > 0))
        error(at("links", l) + ".bandwidth", "must be greater than zero");
      if (link.latency_s < 0) error(at("links", l) + ".latency", "must not be negative");
    }
  }

  void check_networks() {
    check_duplicates(plan_.networks, "networks", "network");
    for (std::size_t n = 0; n < plan_.networks.size(); ++n) {
      known(sites_, plan_.networks[n].site, at("networks", n) + ".site", "site");
    }
  }

  void check_vms() {
    check_duplicates(plan_.vms, "vms", "VM");
    for (std::size_t i = 0; i < plan_.vms.size(); ++i) check_vm(i);
  }

  void check_vm(std::size_t i) {
    const Vm& vm = plan_.vms[i];
    const std::string path = vm_path(i);
    const bool host_known = known(hosts_, vm.host, path + ".host", "host");
    const std::string host_site = host_known ? site_of_host(vm.host) : "";
    if (host_known) {
      const Host& host = host_at(vm.host);
      if (vm.memory_B > host.memory_B) {
        error(path + ".memory", "VM " + named(vm.name) + " needs " + format_size(vm.memory_B) +
                                    " of memory, more than its host " + named(host.name) +
                                    " has (" + format_size(host.memory_B) + ")");
      }
    }
    if (!vm.network.empty() && known(networks_, vm.network, path + ".network", "network")) {
      const Network& network = plan_.networks[networks_.at(vm.network)];
      if (host_known && network.site != host_site) {
        error(path + ".network", "network " + named(vm.network) + " is at site " +
                                     named(network.site) + ", but VM " + named(vm.name) +
                                     " runs at site " + named(host_site));
      }
      if (!vm.ip.empty() && !network.subnet.empty() && !ip_in_subnet(vm.ip, network.subnet)) {
        error(path + ".ip", "address " + vm.ip + " is outside network " + named(vm.network) + " (" +
                                network.subnet + ")");
      }
    }
    if (!vm.datastore.empty() &&
        known(datastores_, vm.datastore, path + ".datastore", "datastore") && host_known) {
      const Datastore& datastore = plan_.datastores[datastores_.at(vm.datastore)];
      if (std::find(datastore.hosts.begin(), datastore.hosts.end(), vm.host) ==
          datastore.hosts.end()) {
        error(path + ".datastore",
              "host " + named(vm.host) + " has no access to datastore " + named(vm.datastore));
      }
    }
    std::set<std::string> seen;
    for (std::size_t k = 0; k < vm.depends_on.size(); ++k) {
      const std::string dep_path = json_path_index(path + ".depends_on", k);
      const std::string& dependency = vm.depends_on[k];
      if (!known(vms_, dependency, dep_path, "VM")) continue;
      if (!seen.insert(dependency).second) {
        error(dep_path, "VM " + named(dependency) + " is listed twice");
      }
    }
    if (vm.vcpus < 1) error(path + ".vcpus", "a VM needs at least one vCPU");
    if (!(vm.memory_B > 0)) error(path + ".memory", "must be greater than zero");
    if (!(vm.disk_B > 0)) error(path + ".disk", "must be greater than zero");
    if (vm.change_rate_Bps < 0) error(path + ".change_rate", "must not be negative");
    if (!(mean_of(vm.boot_time) > 0)) error(path + ".boot_time", "must be greater than zero");
    if (vm.priority < 1 || vm.priority > 5) {
      error(path + ".priority", "priority must be 1 (boots first) to 5 (boots last), got " +
                                    std::to_string(vm.priority));
    }
  }

  const Host& host_at(const std::string& name) const {
    const HostRef& ref = hosts_.at(name);
    return plan_.sites[ref.site].hosts[ref.host];
  }

  // Dependency cycles, each named in full: "a -> b -> a" (each depends on the next).
  void check_cycles() {
    const std::size_t n = plan_.vms.size();
    std::vector<int> color(n, 0);  // 0 new, 1 on the stack, 2 done
    for (std::size_t root = 0; root < n; ++root) {
      if (color[root] != 0) continue;
      // Iterative depth-first search: (vm, next dependency to look at).
      std::vector<std::pair<std::size_t, std::size_t>> stack{{root, 0}};
      color[root] = 1;
      while (!stack.empty()) {
        auto& [vm, next] = stack.back();
        const std::vector<std::string>& deps = plan_.vms[vm].depends_on;
        if (next == deps.size()) {
          color[vm] = 2;
          stack.pop_back();
          continue;
        }
        const std::size_t k = next++;
        const auto it = vms_.find(deps[k]);
        if (it == vms_.end()) continue;
        const std::size_t target = it->second;
        if (color[target] == 0) {
          color[target] = 1;
          stack.push_back({target, 0});
        } else if (color[target] == 1) {
          std::string cycle;
          bool in_cycle = false;
          for (const auto& frame : stack) {
            if (frame.first == target) in_cycle = true;
            if (in_cycle) cycle += plan_.vms[frame.first].name + " -> ";
          }
          cycle += plan_.vms[target].name;
          error(json_path_index(vm_path(vm) + ".depends_on", k),
                "dependency cycle " + cycle +
                    " (each depends on the next): none of them could "
                    "ever start");
        }
      }
    }
  }

  // A VM that depends on a VM of a later priority group waits forever: the group it is in
  // must be ready before the later group starts.
  void check_priorities() {
    for (std::size_t i = 0; i < plan_.vms.size(); ++i) {
      const Vm& vm = plan_.vms[i];
      for (std::size_t k = 0; k < vm.depends_on.size(); ++k) {
        const auto it = vms_.find(vm.depends_on[k]);
        if (it == vms_.end()) continue;
        const Vm& dependency = plan_.vms[it->second];
        if (dependency.priority <= vm.priority) continue;
        error(json_path_index(vm_path(i) + ".depends_on", k),
              "priority deadlock: VM " + named(vm.name) + " (priority " +
                  std::to_string(vm.priority) + ") depends on " + named(dependency.name) +
                  " of a later priority group (" + std::to_string(dependency.priority) +
                  "), which cannot start before " + named(vm.name) + " is ready");
      }
    }
  }

  void check_host_memory() {
    std::map<std::string, double> used;
    for (const Vm& vm : plan_.vms) used[vm.host] += vm.memory_B;
    for (const auto& [name, ref] : hosts_) {
      const Host& host = plan_.sites[ref.site].hosts[ref.host];
      const auto it = used.find(name);
      if (it == used.end() || it->second <= host.memory_B) continue;
      warn(host_path(ref) + ".memory",
           "the VMs placed on host " + named(name) + " need " + format_size(it->second) +
               " of memory, more than it has (" + format_size(host.memory_B) + ")");
    }
  }

  void check_clusters() {
    check_duplicates(plan_.clusters, "clusters", "cluster");
    std::map<std::string, std::string> cluster_of;
    for (std::size_t c = 0; c < plan_.clusters.size(); ++c) {
      const Cluster& cluster = plan_.clusters[c];
      const std::string path = at("clusters", c);
      const bool datastore_known =
          known(datastores_, cluster.datastore, path + ".datastore", "datastore");
      std::set<std::string> sites;
      for (std::size_t h = 0; h < cluster.hosts.size(); ++h) {
        const std::string host_path = json_path_index(path + ".hosts", h);
        const std::string& host = cluster.hosts[h];
        if (!known(hosts_, host, host_path, "host")) continue;
        sites.insert(site_of_host(host));
        const auto [it, inserted] = cluster_of.emplace(host, cluster.name);
        if (!inserted) {
          error(host_path, "host " + named(host) + " is already in cluster " + named(it->second));
        }
        if (datastore_known) {
          const Datastore& datastore = plan_.datastores[datastores_.at(cluster.datastore)];
          if (std::find(datastore.hosts.begin(), datastore.hosts.end(), host) ==
              datastore.hosts.end()) {
            error(host_path, "host " + named(host) + " of cluster " + named(cluster.name) +
                                 " has no access to its shared datastore " +
                                 named(cluster.datastore));
          }
        }
      }
      if (sites.size() > 1) {
        error(path + ".hosts", "cluster " + named(cluster.name) + " spans sites " + *sites.begin() +
                                   " and " + *std::next(sites.begin()) +
                                   ": an HA cluster lives in one site");
      }
      if (cluster.ha && !(mean_of(cluster.ha->failure_timeout) > 0)) {
        error(path + ".ha.failure_timeout", "must be greater than zero");
      }
    }
  }

  // True when links connect site `from` to site `to` (remembered per pair).
  bool linked(const std::string& from, const std::string& to) {
    const auto key = std::make_pair(from, to);
    if (const auto it = linked_.find(key); it != linked_.end()) return it->second;
    return linked_[key] = search_link_path(from, to);
  }

  bool search_link_path(const std::string& from, const std::string& to) const {
    std::set<std::string> seen{from};
    std::deque<std::string> queue{from};
    while (!queue.empty()) {
      const std::string site = queue.front();
      queue.pop_front();
      if (site == to) return true;
      for (const Link& link : plan_.links) {
        for (int end = 0; end < 2; ++end) {
          if (link.between[end] == site && seen.insert(link.between[1 - end]).second) {
            queue.push_back(link.between[1 - end]);
          }
        }
      }
    }
    return false;
  }

  void check_replication() {
    check_duplicates(plan_.replication, "replication", "replication job");
    std::map<std::string, std::string> job_of;
    for (std::size_t j = 0; j < plan_.replication.size(); ++j) {
      const ReplicationJob& job = plan_.replication[j];
      const std::string path = at("replication", j);
      const bool target_known = known(hosts_, job.target_host, path + ".target_host", "host");
      const std::string target_site = target_known ? site_of_host(job.target_host) : "";
      if (target_known && !plan_.recovery.target_site.empty() &&
          target_site != plan_.recovery.target_site) {
        error(path + ".target_host", "target host " + named(job.target_host) + " is at site " +
                                         named(target_site) + ", not at the recovery site " +
                                         named(plan_.recovery.target_site));
      }
      std::set<std::string> reported_routes;
      for (std::size_t k = 0; k < job.vms.size(); ++k) {
        const std::string vm_path = json_path_index(path + ".vms", k);
        const std::string& name = job.vms[k];
        if (!known(vms_, name, vm_path, "VM")) continue;
        const auto [it, inserted] = job_of.emplace(name, job.name);
        if (!inserted) {
          error(vm_path,
                "VM " + named(name) + " is already replicated by job " + named(it->second));
          continue;
        }
        const Vm& vm = plan_.vms[vms_.at(name)];
        if (!target_known || !hosts_.count(vm.host)) continue;
        const std::string source_site = site_of_host(vm.host);
        if (source_site == target_site) {
          error(path + ".target_host", "replication target " + named(job.target_host) +
                                           " is at site " + named(source_site) + ", where VM " +
                                           named(name) +
                                           " runs: a replica must be at another site");
        } else if (!linked(source_site, target_site) &&
                   reported_routes.insert(source_site).second) {
          error(path + ".target_host", "no link connects site " + named(source_site) + " to site " +
                                           named(target_site) + ": replication has no route");
        }
      }
      if (!(job.interval_s > 0)) error(path + ".interval", "must be greater than zero");
      if (job.retention.points < 1) {
        error(path + ".retention.points", "retention must keep at least one point");
      }
    }
  }

  void check_recovery() {
    const Recovery& recovery = plan_.recovery;
    const std::string& target = recovery.target_site;
    bool target_known = false;
    if (!target.empty()) {
      target_known = known(sites_, target, recovery_path("target_site"), "site");
    } else if (!plan_.replication.empty()) {
      error(recovery_path("target_site"),
            "missing: the replication jobs do not all target one site, so the recovery site "
            "must be named");
    }
    for (const auto& [from, to] : recovery.network_mapping) {
      const std::string path = json_path_join(recovery_path("network_mapping"), from);
      if (!networks_.count(from)) {
        error(path, "unknown network " + named(from) + did_you_mean(from, keys_of(networks_)));
      }
      if (!known(networks_, to, path, "network")) continue;
      const Network& mapped = plan_.networks[networks_.at(to)];
      if (target_known && mapped.site != target) {
        error(path, "network " + named(to) + " is at site " + named(mapped.site) +
                        ", not at the recovery site " + named(target));
      }
    }
    for (std::size_t r = 0; r < recovery.re_ip.size(); ++r) {
      const ReIpRule& rule = recovery.re_ip[r];
      const std::string path = json_path_index(recovery_path("re_ip"), r);
      bool ok = true;
      for (const auto& [key, pattern] : {std::pair{"from", rule.from}, std::pair{"to", rule.to}}) {
        if (!is_valid_ip_pattern(pattern)) {
          error(json_path_join(path, key), "bad Re-IP pattern " + named(pattern) +
                                               ": expected four octets or '*', like 10.1.0.*");
          ok = false;
        }
      }
      if (ok && std::count(rule.to.begin(), rule.to.end(), '*') >
                    std::count(rule.from.begin(), rule.from.end(), '*')) {
        error(json_path_join(path, "to"),
              "pattern " + named(rule.to) + " has more '*' than " + named(rule.from) + " captures");
      }
    }
    if (!recovery.test_network.empty() &&
        known(networks_, recovery.test_network, recovery_path("test_network"), "network")) {
      const Network& network = plan_.networks[networks_.at(recovery.test_network)];
      if (!network.isolated) {
        error(recovery_path("test_network"),
              "test network " + named(network.name) +
                  " is not isolated: a test failover would put replicas next to production "
                  "(set \"isolated\": true on it)");
      }
      if (target_known && network.site != target) {
        error(recovery_path("test_network"), "test network " + named(network.name) +
                                                 " is at site " + named(network.site) +
                                                 ", not at the recovery site " + named(target));
      }
    }
    if (recovery.max_concurrent_boots < 0) {
      error(recovery_path("max_concurrent_boots"), "must be at least 1");
    }
    if (target_known) check_failover_networks();
  }

  // Every replicated VM must land on a network of the recovery site, and Re-IP must put
  // its address inside that network.
  void check_failover_networks() {
    const Recovery& recovery = plan_.recovery;
    const bool rules_ok =
        std::all_of(recovery.re_ip.begin(), recovery.re_ip.end(), [](const ReIpRule& rule) {
          return is_valid_ip_pattern(rule.from) && is_valid_ip_pattern(rule.to);
        });
    for (std::size_t i = 0; i < plan_.vms.size(); ++i) {
      const Vm& vm = plan_.vms[i];
      if (!replicated(vm.name) || vm.network.empty() || !networks_.count(vm.network)) continue;
      const Network& source = plan_.networks[networks_.at(vm.network)];
      const Network* landing = &source;
      if (source.site != recovery.target_site) {
        const auto mapped = recovery.network_mapping.find(vm.network);
        if (mapped == recovery.network_mapping.end()) {
          error(vm_path(i) + ".network",
                "VM " + named(vm.name) + " is replicated but its network " + named(vm.network) +
                    " has no mapping at the recovery site " + named(recovery.target_site) +
                    " (add recovery.network_mapping." + vm.network + ")");
          continue;
        }
        if (!networks_.count(mapped->second)) continue;
        landing = &plan_.networks[networks_.at(mapped->second)];
      }
      if (vm.ip.empty() || landing->subnet.empty() || !rules_ok) continue;
      std::optional<std::size_t> rule_index;
      std::string new_ip = vm.ip;
      for (std::size_t r = 0; r < recovery.re_ip.size(); ++r) {
        if (auto rewritten = apply_re_ip_rule(recovery.re_ip[r], vm.ip)) {
          rule_index = r;
          new_ip = *rewritten;
          break;
        }
      }
      if (ip_in_subnet(new_ip, landing->subnet)) continue;
      if (rule_index) {
        error(json_path_index(recovery_path("re_ip"), *rule_index),
              "Re-IP maps the address " + vm.ip + " of VM " + named(vm.name) + " to " + new_ip +
                  ", outside network " + named(landing->name) + " (" + landing->subnet + ")");
      } else {
        error(vm_path(i) + ".ip", "no Re-IP rule matches the address of VM " + named(vm.name) +
                                      ", " + vm.ip + ", which lies outside network " +
                                      named(landing->name) + " (" + landing->subnet +
                                      ") at the recovery site");
      }
    }
  }

  // Replicas are powered on at their target host: they (and what already runs there) must
  // fit in its memory.
  void check_replica_capacity() {
    std::map<std::string, std::pair<double, std::vector<std::string>>> need;
    std::map<std::string, std::size_t> first_job;
    for (std::size_t j = 0; j < plan_.replication.size(); ++j) {
      const ReplicationJob& job = plan_.replication[j];
      first_job.emplace(job.target_host, j);
      for (const std::string& name : job.vms) {
        const auto it = vms_.find(name);
        if (it == vms_.end()) continue;
        need[job.target_host].first += plan_.vms[it->second].memory_B;
        need[job.target_host].second.push_back(name);
      }
    }
    for (const Vm& vm : plan_.vms) {
      if (need.count(vm.host)) need[vm.host].first += vm.memory_B;
    }
    for (const auto& [host, demand] : need) {
      if (!hosts_.count(host)) continue;
      const Host& target = host_at(host);
      if (demand.first <= target.memory_B) continue;
      std::string names;
      for (const std::string& name : demand.second) names += (names.empty() ? "" : ", ") + name;
      warn(at("replication", first_job.at(host)) + ".target_host",
           "the replicas of " + names + " need " + format_size(demand.first) +
               " of memory on host " + named(host) + " (with what runs there), more than it has (" +
               format_size(target.memory_B) + "): not all of them can be powered on");
    }
  }

  const Plan& plan_;
  std::string file_;
  std::string prefix_;
  std::vector<Diagnostic>* out_;
  std::map<std::string, std::size_t> sites_, datastores_, links_, networks_, vms_;
  std::map<std::string, HostRef> hosts_;
  std::multimap<std::string, std::size_t> replicated_by_;
  std::map<std::pair<std::string, std::string>, bool> linked_;
};

// The scenario's own checks: duration, event times and targets, actions, and the warnings
// about VMs a failure leaves without protection.
class ScenarioChecker {
 public:
  ScenarioChecker(const Scenario& scenario, PlanChecker& plan, std::vector<Diagnostic>* out)
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
        if (!known(plan_.site_index(), event.target, path + ".target", "site")) break;
        for (std::size_t i = 0; i < plan.vms.size(); ++i) {
          if (plan_.site_of_host(plan.vms[i].host) == event.target) hit.push_back(i);
        }
        break;
      case Event::Kind::fail_datastore:
        if (!known(plan_.datastore_index(), event.target, path + ".target", "datastore")) break;
        for (std::size_t i = 0; i < plan.vms.size(); ++i) {
          if (plan_.datastore_of(plan.vms[i]) == event.target) hit.push_back(i);
        }
        break;
      case Event::Kind::fail_link:
        known(plan_.link_index(), event.target, path + ".target", "link");
        break;
      case Event::Kind::fail_vm:
        if (known(plan_.vm_index(), event.target, path + ".target", "VM")) {
          hit.push_back(plan_.vm_index().at(event.target));
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
      if (!known(plan_.vm_index(), event.vms[k], vm_path, "VM")) continue;
      if (!seen.insert(event.vms[k]).second) {
        error(vm_path, "VM " + named(event.vms[k]) + " is listed twice");
        continue;
      }
      hit.push_back(plan_.vm_index().at(event.vms[k]));
      for (std::size_t j = 0; j < scenario_.plan.replication.size(); ++j) {
        const auto& vms = scenario_.plan.replication[j].vms;
        if (std::find(vms.begin(), vms.end(), event.vms[k]) != vms.end()) jobs.insert(j);
      }
    }
    for (std::size_t j : jobs) {
      plan_.check_retention(j, scenario_.plan.recovery.detection,
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
      const bool ha = plan_.ha_covers_host_failure(vm);
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
  PlanChecker& plan_;
  std::vector<Diagnostic>* out_;
};

}  // namespace

std::vector<Diagnostic> validate_plan(const Plan& plan, const std::string& file,
                                      const std::string& json_prefix) {
  std::vector<Diagnostic> out;
  PlanChecker checker(plan, file, json_prefix, &out);
  checker.check_all(true);
  return out;
}

std::vector<Diagnostic> validate(const Scenario& scenario) {
  std::vector<Diagnostic> out;
  const bool separate = !scenario.plan_file.empty();
  PlanChecker plan(scenario.plan, separate ? scenario.plan_file : scenario.file,
                   separate ? "" : "plan", &out);
  plan.check_all(false);
  ScenarioChecker(scenario, plan, &out).check_all();
  return out;
}

}  // namespace firedrill
