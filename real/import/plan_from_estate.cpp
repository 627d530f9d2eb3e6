// The inventory half of plan_from_estate(): sites, hosts, networks and VMs from what
// libvirt said, plus the defaults for what it cannot say about a VM. The protection half
// (links, replication, recovery) is plan_protection.cpp.
#include "real/import/plan_from_estate.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "engine/re_ip.hpp"
#include "real/import/plan_builder.hpp"

namespace firedrill::import {

using building::Builder;
using building::PlanHost;
using building::PlanNetwork;
using building::PlanSite;
using building::PlanVm;

namespace {

constexpr const char* kPlanName = "imported";
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
// What libvirt cannot know about a guest. The boot time is the engine's own default; the
// change rate is a quiet server's (8.6 GB a day); the objectives are loose enough that the
// default replication (15 minutes, plan_protection.cpp) can meet them. A drill measures the
// real numbers; `firedrill calibrate` is meant to put them back.
constexpr const char* kBootTime = "60s";
constexpr const char* kChangeRate = "100kBps";
constexpr const char* kRto = "1h";
constexpr const char* kRpo = "30m";
constexpr double kDefaultDisk_B = 10 * kGiB;   // the engine's default disk
constexpr double kDefaultMemory_B = 1 * kGiB;  // the engine's default memory

std::string quoted(const std::string& text) {
  return "'" + text + "'";
}

// Host names from virConnectGetHostname, sites from --site (in order) and then one site
// per remaining host, named after it.
void place_hosts(Builder& b) {
  NameSet host_names, site_names;
  std::vector<std::string> hostnames;
  for (const ImportedHost& host : b.estate.hosts) hostnames.push_back(host.hostname);
  const std::vector<std::string> names = claim_names(host_names, hostnames, "host");
  std::vector<bool> placed(b.estate.hosts.size(), false);
  auto add_host = [&](PlanSite& site, std::size_t read) {
    site.hosts.push_back(b.hosts.size());
    b.hosts.push_back({names[read], b.sites.size(), &b.estate.hosts[read]});
    placed[read] = true;
  };
  for (const SiteSpec& spec : b.estate.sites) {
    PlanSite site{site_names.claim(spec.name), {}};
    for (const std::string& uri : spec.uris) {
      for (std::size_t i = 0; i < b.estate.hosts.size(); ++i) {
        if (b.estate.hosts[i].uri == uri && !placed[i]) add_host(site, i);
      }
    }
    b.sites.push_back(std::move(site));
  }
  for (std::size_t i = 0; i < b.estate.hosts.size(); ++i) {
    if (placed[i]) continue;
    PlanSite site{site_names.claim(names[i]), {}};
    add_host(site, i);
    b.choose("sites." + site.name + ".hosts", "[\"" + names[i] + "\"]",
             "a site of its own, named after its host (group hosts with --site NAME=URI,...)");
    b.sites.push_back(std::move(site));
  }
}

nlohmann::json sites_json(Builder& b) {
  nlohmann::json sites = nlohmann::json::array();
  for (const PlanSite& site : b.sites) {
    nlohmann::json hosts = nlohmann::json::array();
    for (const std::size_t h : site.hosts) {
      const PlanHost& host = b.hosts[h];
      const std::string path = "sites." + site.name + ".hosts." + host.name;
      if (host.name != host.read->hostname) {
        b.choose(path + ".name", host.name,
                 "virConnectGetHostname of " + host.read->uri + " says " +
                     quoted(host.read->hostname) + ": made a valid, unique plan name");
      }
      hosts.push_back({{"name", host.name},
                       {"cores", std::max(1, host.read->cpus)},
                       {"memory", building::size_json(host.read->memory_B)},
                       {"libvirt", host.read->uri}});
    }
    sites.push_back({{"name", site.name}, {"hosts", std::move(hosts)}});
  }
  return sites;
}

// One plan network per (site, name, subnet): two hosts of one site that both define
// "prod" on the same subnet see one network; anything else gets a name of its own.
void collect_networks(Builder& b) {
  std::map<std::tuple<std::size_t, std::string, std::string>, std::size_t> seen;
  for (std::size_t s = 0; s < b.sites.size(); ++s) {
    for (const std::size_t h : b.sites[s].hosts) {
      for (const ImportedNetwork& read : b.hosts[h].read->networks) {
        const std::string base = sanitize_name(read.name, "net");
        const auto key = std::make_tuple(s, base, read.subnet);
        auto found = seen.find(key);
        if (found == seen.end()) {
          found = seen.emplace(key, b.networks.size()).first;
          b.networks.push_back({b.network_names.claim(base), s, read.subnet, read.name});
          const PlanNetwork& network = b.networks.back();
          const std::string path = "networks." + network.name;
          if (network.name != read.name) {
            b.choose(path + ".name", network.name,
                     "libvirt network " + quoted(read.name) + " on " + b.hosts[h].name +
                         ": made a valid, unique plan name (libvirt_name keeps libvirt's)");
          }
          if (!read.forward) {
            b.note(path,
                   "no <forward> in libvirt: isolated from outside its host (set "
                   "\"isolated\": true if it is a test network)");
          }
          if (read.subnet.empty()) b.note(path, "no IPv4 <ip> in libvirt: no subnet in the plan");
        }
        b.network_of[{h, read.name}] = found->second;
      }
    }
  }
}

void choose_disk(Builder& b, PlanVm& vm, const std::string& path) {
  const ImportedDomain& read = *vm.read;
  if (read.disk_B > 0) {
    vm.disk_B = read.disk_B;
    b.note(path, "disk " + read.disk_path + " read from " +
                     (read.disk_from == "volume" ? std::string("its storage volume")
                                                 : std::string("the running domain's block info")));
    return;
  }
  vm.disk_B = kDefaultDisk_B;
  b.choose(path + ".disk", "10GiB", "disk size unknown: " + read.disk_error);
}

// The plan keeps one network and one address per VM: the first interface's.
void choose_network(Builder& b, PlanVm& vm, const std::string& path) {
  const ImportedDomain& read = *vm.read;
  for (std::size_t i = 0; i < read.interfaces.size(); ++i) {
    const ImportedInterface& interface = read.interfaces[i];
    std::string text = "interface " + std::to_string(i + 1) + ": MAC " +
                       (interface.mac.empty() ? "none" : interface.mac) + ", " + interface.type;
    text += " " + (interface.network.empty() ? interface.source : interface.network);
    if (!interface.ip.empty()) text += ", address " + interface.ip + " (" + interface.ip_from + ")";
    text += i == 0 ? " (the plan has no MAC field)" : " (not in the plan: it keeps the first only)";
    b.note(path, text);
  }
  if (read.interfaces.empty()) {
    b.choose(path + ".network", "", "the domain has no interface");
    return;
  }
  const ImportedInterface& first = read.interfaces.front();
  const auto found = b.network_of.find({vm.host, first.network});
  if (first.network.empty() || found == b.network_of.end()) {
    b.choose(path + ".network", "",
             "its first interface (" + first.type + " " + first.source +
                 ") is on no libvirt network of its host");
  } else {
    vm.network = b.networks[found->second].name;
  }
}

void choose_address(Builder& b, PlanVm& vm, const std::string& path) {
  const ImportedDomain& read = *vm.read;
  if (read.interfaces.empty()) return;
  const ImportedInterface& first = read.interfaces.front();
  if (!read.running) {
    b.choose(path + ".ip", "",
             "the domain is not running: neither its guest agent nor a lease "
             "can tell its address");
    return;
  }
  if (first.ip.empty()) {
    b.choose(path + ".ip", "",
             "no address: guest agent: " + read.agent_error + "; DHCP lease: " +
                 (read.lease_error.empty() ? "none for " + first.mac : read.lease_error));
    return;
  }
  const PlanNetwork* network = vm.network.empty() ? nullptr : b.network(vm.network);
  if (network && !network->subnet.empty() && !ip_in_subnet(first.ip, network->subnet)) {
    b.choose(path + ".ip", "",
             "address " + first.ip + " is outside " + vm.network + " (" + network->subnet + ")");
    return;
  }
  vm.ip = first.ip;
  if (first.ip_from != "agent") {
    b.choose(path + ".ip", vm.ip,
             "from the DHCP lease, not the guest agent (agent: " + read.agent_error + ")");
  }
}

// Every domain of every host, in site and host order; plan names claimed all at once.
std::vector<std::pair<std::size_t, const ImportedDomain*>> all_domains(const Builder& b) {
  std::vector<std::pair<std::size_t, const ImportedDomain*>> domains;  // (host, domain)
  for (const PlanSite& site : b.sites) {
    for (const std::size_t h : site.hosts) {
      for (const ImportedDomain& read : b.hosts[h].read->domains) domains.push_back({h, &read});
    }
  }
  return domains;
}

void collect_vms(Builder& b) {
  const auto domains = all_domains(b);
  std::vector<std::string> raw;
  for (const auto& [h, read] : domains) raw.push_back(read->name);
  NameSet vm_names;
  const std::vector<std::string> names = claim_names(vm_names, raw, "vm");
  for (std::size_t i = 0; i < domains.size(); ++i) {
    const auto [h, read] = domains[i];
    PlanVm vm{names[i], h, read, "", "", 0.0};
    const std::string path = "vms." + vm.name;
    if (vm.name != read->name) {
      b.choose(path + ".name", vm.name,
               "libvirt domain " + quoted(read->name) + " on " + b.hosts[h].name +
                   ": made a valid, unique plan name (a run on real hosts looks domains up "
                   "by plan name)");
    }
    choose_disk(b, vm, path);
    choose_network(b, vm, path);
    choose_address(b, vm, path);
    if (!(read->memory_B > 0)) b.choose(path + ".memory", "1GiB", "virDomainGetInfo failed");
    b.choose(path + ".boot_time", kBootTime, "libvirt cannot know when the service is up");
    b.choose(path + ".change_rate", kChangeRate, "libvirt does not track disk writes");
    b.choose(path + ".objectives.rto", kRto, "an objective is a business decision");
    b.choose(path + ".objectives.rpo", kRpo, "an objective is a business decision");
    b.choose(path + ".depends_on", "[]", "libvirt knows no start order");
    b.vms.push_back(std::move(vm));
  }
}

nlohmann::json vm_json(const Builder& b, const PlanVm& vm) {
  const ImportedDomain& read = *vm.read;
  nlohmann::json json = {
      {"name", vm.name},
      {"host", b.hosts[vm.host].name},
      {"vcpus", std::max(1, read.vcpus)},
      {"memory", building::size_json(read.memory_B > 0 ? read.memory_B : kDefaultMemory_B)},
      {"disk", building::size_json(vm.disk_B)},
      {"boot_time", kBootTime},
      {"change_rate", kChangeRate},
      {"objectives", {{"rto", kRto}, {"rpo", kRpo}}}};
  if (!vm.network.empty()) json["network"] = vm.network;
  if (!vm.ip.empty()) json["ip"] = vm.ip;
  return json;
}

template <typename T>
std::vector<const T*> sorted_by_name(const std::vector<T>& items) {
  std::vector<const T*> sorted;
  for (const T& item : items) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(), [](const T* a, const T* b) { return a->name < b->name; });
  return sorted;
}

}  // namespace

namespace building {

nlohmann::json size_json(double bytes) {
  const double rounded = std::round(bytes);
  const std::pair<double, const char*> units[] = {
      {1024.0 * kGiB, "TiB"}, {kGiB, "GiB"}, {1024.0 * 1024.0, "MiB"}, {1024.0, "KiB"}};
  for (const auto& [size, unit] : units) {
    if (rounded >= size && std::fmod(rounded, size) == 0) {
      return std::to_string(static_cast<long long>(rounded / size)) + unit;
    }
  }
  return static_cast<long long>(rounded);
}

}  // namespace building

ImportedPlan plan_from_estate(const Estate& estate) {
  Builder b{estate, {}, {}, {}, {}, {}, {}, {}};
  b.choose("name", kPlanName, "a plan needs a name");
  place_hosts(b);
  b.out.plan["name"] = kPlanName;
  b.out.plan["sites"] = sites_json(b);
  collect_networks(b);
  collect_vms(b);
  building::add_protection(b);  // may drop addresses that cannot be re-addressed
  nlohmann::json networks = nlohmann::json::array(), vms = nlohmann::json::array();
  for (const PlanNetwork* network : sorted_by_name(b.networks)) {
    nlohmann::json json = {{"name", network->name}, {"site", b.sites[network->site].name}};
    if (!network->subnet.empty()) json["subnet"] = network->subnet;
    // A real run attaches a restored VM to the network libvirt knows, not the plan's name.
    if (!network->libvirt_name.empty() && network->libvirt_name != network->name) {
      json["libvirt_name"] = network->libvirt_name;
    }
    networks.push_back(std::move(json));
  }
  for (const PlanVm* vm : sorted_by_name(b.vms)) vms.push_back(vm_json(b, *vm));
  for (const char* list : {"datastores", "clusters", "links", "replication"}) {
    if (!b.out.plan.contains(list)) b.out.plan[list] = nlohmann::json::array();
  }
  b.out.plan["networks"] = std::move(networks);
  b.out.plan["vms"] = std::move(vms);
  return std::move(b.out);
}

std::string render(const Choice& choice) {
  return (choice.value.empty() ? choice.path + ": not set" : choice.path + "=" + choice.value) +
         "  (" + choice.why + ")";
}

std::string render(const Fact& fact) {
  return fact.path + ": " + fact.text;
}

std::string plan_text(const ImportedPlan& imported) {
  return imported.plan.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace firedrill::import
