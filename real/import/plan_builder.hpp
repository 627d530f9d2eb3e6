// The state shared by the two halves of plan_from_estate(): the inventory
// (plan_from_estate.cpp: sites, hosts, networks, VMs) and the protection the importer
// chooses (plan_protection.cpp: links, replication, recovery). Internal to real/import/.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "real/import/names.hpp"
#include "real/import/plan_from_estate.hpp"

namespace firedrill::import::building {

struct PlanHost {
  std::string name;
  std::size_t site = 0;  // index into Builder::sites
  const ImportedHost* read = nullptr;
};

struct PlanSite {
  std::string name;
  std::vector<std::size_t> hosts;  // indexes into Builder::hosts, in the order given
};

struct PlanNetwork {
  std::string name;
  std::size_t site = 0;
  std::string subnet;
  std::string libvirt_name;  // as the (first) host that has it calls it
};

struct PlanVm {
  std::string name;
  std::size_t host = 0;  // index into Builder::hosts
  const ImportedDomain* read = nullptr;
  std::string network;  // plan network name, "" when none
  std::string ip;       // "" when none
  double disk_B = 0.0;
};

struct Builder {
  const Estate& estate;
  ImportedPlan out;
  std::vector<PlanSite> sites;
  std::vector<PlanHost> hosts;
  std::vector<PlanNetwork> networks;  // in the order found; written sorted
  std::vector<PlanVm> vms;            // in the order found; written sorted
  NameSet network_names;
  // (host index, libvirt network name) -> index into `networks`
  std::map<std::pair<std::size_t, std::string>, std::size_t> network_of;

  void choose(std::string path, std::string value, std::string why) {
    out.choices.push_back({std::move(path), std::move(value), std::move(why)});
  }
  void note(std::string path, std::string text) {
    out.facts.push_back({std::move(path), std::move(text)});
  }
  std::size_t site_of_vm(const PlanVm& vm) const { return hosts[vm.host].site; }
  const PlanNetwork* network(const std::string& name) const {
    for (const PlanNetwork& network : networks) {
      if (network.name == name) return &network;
    }
    return nullptr;
  }
};

// Sizes as the plan writes them: "2GiB" / "512MiB" / "64KiB" when exact, else bytes.
nlohmann::json size_json(double bytes);

// plan_protection.cpp: links between every pair of sites, and with two sites or more a
// replication job of every VM outside the last site to it, with the recovery plan.
void add_protection(Builder& builder);

}  // namespace firedrill::import::building
