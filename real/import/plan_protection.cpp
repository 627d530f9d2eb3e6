// The protection half of plan_from_estate(): nothing of it is in libvirt, so all of it is
// a stated default, chosen so that the plan validates (engine/validate_*.cpp): a link
// between every pair of sites, and with two sites or more the last one as the recovery
// site, one replication job of every VM outside it to its largest host, a network mapping
// and Re-IP rules that land every replicated VM inside a network of the recovery site.
#include <algorithm>

#include "engine/re_ip.hpp"
#include "engine/units.hpp"
#include "real/import/plan_builder.hpp"

namespace firedrill::import::building {
namespace {

// A WAN most DR sites can count on, and a regional round trip.
constexpr const char* kLinkBandwidth = "1Gbps";
constexpr const char* kLinkLatency = "10ms";
// The replication interval the SPEC's example uses; 24 points keep 6 hours of history.
constexpr const char* kInterval = "15m";
constexpr int kRetentionPoints = 24;
// Detection of a site outage by monitoring, and an operator's decision to fail over.
constexpr const char* kDetection = "60s";
constexpr const char* kOperatorDelay = "5m";

void add_links(Builder& b) {
  nlohmann::json links = nlohmann::json::array();
  for (std::size_t i = 0; i < b.sites.size(); ++i) {
    for (std::size_t j = i + 1; j < b.sites.size(); ++j) {
      const std::string name = b.sites[i].name + "-" + b.sites[j].name;
      links.push_back({{"name", name},
                       {"between", {b.sites[i].name, b.sites[j].name}},
                       {"bandwidth", kLinkBandwidth},
                       {"latency", kLinkLatency}});
      b.choose("links." + name + ".bandwidth", kLinkBandwidth, "libvirt knows no WAN");
      b.choose("links." + name + ".latency", kLinkLatency, "libvirt knows no WAN");
    }
  }
  std::sort(links.begin(), links.end(),
            [](const nlohmann::json& x, const nlohmann::json& y) { return x["name"] < y["name"]; });
  b.out.plan["links"] = std::move(links);
}

// Where a network of another site lands at the recovery site: a network of the same
// libvirt name, else the first (by name) with a subnet of the same size, else the first.
std::size_t landing_for(const Builder& b, const PlanNetwork& source,
                        const std::vector<std::size_t>& candidates) {
  for (const std::size_t c : candidates) {
    if (b.networks[c].libvirt_name == source.libvirt_name) return c;
  }
  const auto bits = [](const std::string& subnet) { return subnet.substr(subnet.find('/') + 1); };
  for (const std::size_t c : candidates) {
    const std::string& subnet = b.networks[c].subnet;
    if (!subnet.empty() && !source.subnet.empty() && bits(subnet) == bits(source.subnet)) return c;
  }
  return candidates.front();
}

// "10.0.0.0/24" -> "10.1.0.0/24" as "10.0.0.*" -> "10.1.0.*": the whole octets of the
// prefix are rewritten, the rest kept. nullopt when the subnets differ in size or the
// prefix has no whole octet.
std::optional<ReIpRule> re_ip_rule(const std::string& from, const std::string& to) {
  const auto split = [](const std::string& subnet, int& bits) {
    const std::size_t slash = subnet.find('/');
    bits = std::stoi(subnet.substr(slash + 1));
    std::vector<std::string> octets;
    std::string rest = subnet.substr(0, slash) + ".";
    for (std::size_t dot; (dot = rest.find('.')) != std::string::npos; rest.erase(0, dot + 1)) {
      octets.push_back(rest.substr(0, dot));
    }
    return octets;
  };
  int from_bits = 0, to_bits = 0;
  const auto a = split(from, from_bits), c = split(to, to_bits);
  if (from_bits != to_bits || from_bits < 8 || a.size() != 4 || c.size() != 4) return std::nullopt;
  ReIpRule rule;
  for (int i = 0; i < 4; ++i) {
    const bool fixed = i < from_bits / 8;
    rule.from += (i ? "." : "") + (fixed ? a[i] : std::string("*"));
    rule.to += (i ? "." : "") + (fixed ? c[i] : std::string("*"));
  }
  return rule;
}

// Every network of a replicated VM is mapped to one at the recovery site (one is added
// when that site has none); returns the rules that move addresses between the subnets.
std::vector<ReIpRule> map_networks(Builder& b, std::size_t target,
                                   const std::vector<PlanVm*>& replicated,
                                   nlohmann::json& recovery) {
  std::vector<std::size_t> candidates;
  for (std::size_t n = 0; n < b.networks.size(); ++n) {
    if (b.networks[n].site == target) candidates.push_back(n);
  }
  std::sort(candidates.begin(), candidates.end(),
            [&](std::size_t x, std::size_t y) { return b.networks[x].name < b.networks[y].name; });
  std::vector<ReIpRule> rules;
  for (const PlanVm* vm : replicated) {
    if (vm->network.empty() || recovery["network_mapping"].contains(vm->network)) continue;
    if (candidates.empty()) {
      const std::string name = b.network_names.claim(b.sites[target].name + "-net");
      candidates.push_back(b.networks.size());
      b.networks.push_back({name, target, "", ""});
      b.choose("networks." + name, "{\"site\": \"" + b.sites[target].name + "\"}",
               "the recovery site has no network for replicas to land on");
    }
    const PlanNetwork* source = b.network(vm->network);
    const PlanNetwork& landing = b.networks[landing_for(b, *source, candidates)];
    recovery["network_mapping"][source->name] = landing.name;
    b.choose("recovery.network_mapping." + source->name, landing.name,
             "a network of the recovery site for the replicas on " + source->name);
    if (source->subnet.empty() || landing.subnet.empty() || source->subnet == landing.subnet) {
      continue;
    }
    if (const auto rule = re_ip_rule(source->subnet, landing.subnet)) {
      b.choose("recovery.re_ip[" + std::to_string(rules.size()) + "]",
               "{\"from\": \"" + rule->from + "\", \"to\": \"" + rule->to + "\"}",
               "moves addresses from " + source->subnet + " into " + landing.subnet);
      rules.push_back(*rule);
    }
  }
  return rules;
}

// A replicated VM's address must land inside its recovery network; one no rule can move
// there is left out rather than made up.
void check_landings(Builder& b, const std::vector<PlanVm*>& replicated,
                    const std::vector<ReIpRule>& rules, const nlohmann::json& recovery) {
  for (PlanVm* vm : replicated) {
    if (vm->ip.empty() || vm->network.empty()) continue;
    const PlanNetwork* landing = b.network(recovery["network_mapping"][vm->network]);
    if (!landing || landing->subnet.empty()) continue;
    const std::string moved = apply_re_ip(rules, vm->ip);
    if (ip_in_subnet(moved, landing->subnet)) continue;
    b.choose("vms." + vm->name + ".ip", "",
             "address " + vm->ip + " cannot be moved into " + landing->name + " (" +
                 landing->subnet + ") by a whole-octet Re-IP rule: set it with a rule of yours");
    vm->ip.clear();
  }
}

void add_recovery(Builder& b) {
  const std::size_t target = b.sites.size() - 1;
  const PlanSite& site = b.sites[target];
  std::size_t target_host = site.hosts.front();
  for (const std::size_t h : site.hosts) {
    if (b.hosts[h].read->memory_B > b.hosts[target_host].read->memory_B) target_host = h;
  }
  std::vector<PlanVm*> replicated;
  for (PlanVm& vm : b.vms) {
    if (b.site_of_vm(vm) != target) replicated.push_back(&vm);
  }
  std::sort(replicated.begin(), replicated.end(),
            [](const PlanVm* x, const PlanVm* y) { return x->name < y->name; });
  nlohmann::json recovery = {{"target_site", site.name},
                             {"detection", kDetection},
                             {"operator_delay", kOperatorDelay},
                             {"power_off_source", true},
                             {"network_mapping", nlohmann::json::object()}};
  b.choose("recovery.target_site", site.name, "the last site given");
  b.choose("recovery.detection", kDetection, "how soon monitoring notices an outage");
  b.choose("recovery.operator_delay", kOperatorDelay, "how long a person takes to decide");
  b.choose("recovery.power_off_source", "true", "sources still running are stopped on failover");
  b.choose("recovery.test_network", "", "no network is known to be isolated for tests");
  const std::vector<ReIpRule> rules = map_networks(b, target, replicated, recovery);
  check_landings(b, replicated, rules, recovery);
  nlohmann::json re_ip = nlohmann::json::array();
  for (const ReIpRule& rule : rules) re_ip.push_back({{"from", rule.from}, {"to", rule.to}});
  recovery["re_ip"] = std::move(re_ip);
  b.out.plan["recovery"] = std::move(recovery);
  nlohmann::json jobs = nlohmann::json::array();
  if (!replicated.empty()) {
    const std::string job = "to-" + site.name;
    nlohmann::json names = nlohmann::json::array();
    for (const PlanVm* vm : replicated) names.push_back(vm->name);
    jobs.push_back({{"name", job},
                    {"vms", names},
                    {"target_host", b.hosts[target_host].name},
                    {"interval", kInterval},
                    {"retention", {{"points", kRetentionPoints}}}});
    b.choose("replication." + job + ".vms", names.dump(),
             "every VM outside " + site.name + ": which need a replica is a business decision");
    b.choose("replication." + job + ".target_host", b.hosts[target_host].name,
             "the recovery site's host with the most memory");
    b.choose("replication." + job + ".interval", kInterval, "libvirt replicates nothing");
    b.choose("replication." + job + ".retention.points", std::to_string(kRetentionPoints),
             "six hours of recovery points");
  }
  b.out.plan["replication"] = std::move(jobs);
}

}  // namespace

void add_protection(Builder& b) {
  b.choose("datastores", "[]", "no shared storage is known: each VM's disk is its host's");
  b.choose("clusters", "[]", "no HA cluster is known");
  for (const PlanHost& host : b.hosts) {
    for (const ImportedPool& pool : host.read->pools) {
      b.note("sites." + b.sites[host.site].name + ".hosts." + host.name,
             "storage pool " + pool.name + " (" + (pool.type.empty() ? "?" : pool.type) + ", " +
                 format_size(pool.capacity_B) + ", " + format_size(pool.available_B) + " free" +
                 (pool.active ? "" : ", inactive") + "): not a datastore of the plan");
    }
  }
  if (b.sites.size() < 2) {
    b.choose("replication", "[]", "one site: nothing to replicate to (add one with --site)");
    return;
  }
  add_links(b);
  add_recovery(b);
}

}  // namespace firedrill::import::building
