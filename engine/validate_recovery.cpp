// Validation of the recovery plan: the recovery site, network mapping, Re-IP rules, the
// test network, the boot limit, and where each replicated VM lands on failover (a network
// of the recovery site, with an address Re-IP puts inside it).
#include <algorithm>
#include <optional>

#include "engine/re_ip.hpp"
#include "engine/validate_context.hpp"

namespace firedrill::validation {

namespace {

// Every replicated VM must land on a network of the recovery site, and Re-IP must put
// its address inside that network.
void check_failover_networks(PlanContext& context) {
  const Recovery& recovery = context.plan.recovery;
  const bool rules_ok =
      std::all_of(recovery.re_ip.begin(), recovery.re_ip.end(), [](const ReIpRule& rule) {
        return is_valid_ip_pattern(rule.from) && is_valid_ip_pattern(rule.to);
      });
  for (std::size_t i = 0; i < context.plan.vms.size(); ++i) {
    const Vm& vm = context.plan.vms[i];
    if (!context.replicated(vm.name) || vm.network.empty() || !context.networks.count(vm.network))
      continue;
    const Network& source = context.plan.networks[context.networks.at(vm.network)];
    const Network* landing = &source;
    if (source.site != recovery.target_site) {
      const auto mapped = recovery.network_mapping.find(vm.network);
      if (mapped == recovery.network_mapping.end()) {
        context.error(context.vm_path(i) + ".network",
                      "VM " + named(vm.name) + " is replicated but its network " +
                          named(vm.network) + " has no mapping at the recovery site " +
                          named(recovery.target_site) + " (add recovery.network_mapping." +
                          vm.network + ")");
        continue;
      }
      if (!context.networks.count(mapped->second)) continue;
      landing = &context.plan.networks[context.networks.at(mapped->second)];
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
      context.error(json_path_index(context.recovery_path("re_ip"), *rule_index),
                    "Re-IP maps the address " + vm.ip + " of VM " + named(vm.name) + " to " +
                        new_ip + ", outside network " + named(landing->name) + " (" +
                        landing->subnet + ")");
    } else {
      context.error(context.vm_path(i) + ".ip",
                    "no Re-IP rule matches the address of VM " + named(vm.name) + ", " + vm.ip +
                        ", which lies outside network " + named(landing->name) + " (" +
                        landing->subnet + ") at the recovery site");
    }
  }
}

}  // namespace

void check_recovery(PlanContext& context) {
  const Recovery& recovery = context.plan.recovery;
  const std::string& target = recovery.target_site;
  bool target_known = false;
  if (!target.empty()) {
    target_known =
        context.known(context.sites, target, context.recovery_path("target_site"), "site");
  } else if (!context.plan.replication.empty()) {
    context.error(context.recovery_path("target_site"),
                  "missing: the replication jobs do not all target one site, so the recovery site "
                  "must be named");
  }
  for (const auto& [from, to] : recovery.network_mapping) {
    const std::string path = json_path_join(context.recovery_path("network_mapping"), from);
    if (!context.networks.count(from)) {
      context.error(
          path, "unknown network " + named(from) + did_you_mean(from, keys_of(context.networks)));
    }
    if (!context.known(context.networks, to, path, "network")) continue;
    const Network& mapped = context.plan.networks[context.networks.at(to)];
    if (target_known && mapped.site != target) {
      context.error(path, "network " + named(to) + " is at site " + named(mapped.site) +
                              ", not at the recovery site " + named(target));
    }
  }
  for (std::size_t r = 0; r < recovery.re_ip.size(); ++r) {
    const ReIpRule& rule = recovery.re_ip[r];
    const std::string path = json_path_index(context.recovery_path("re_ip"), r);
    bool ok = true;
    for (const auto& [key, pattern] : {std::pair{"from", rule.from}, std::pair{"to", rule.to}}) {
      if (!is_valid_ip_pattern(pattern)) {
        context.error(
            json_path_join(path, key),
            "bad Re-IP pattern " + named(pattern) + ": expected four octets or '*', like 10.1.0.*");
        ok = false;
      }
    }
    if (ok && std::count(rule.to.begin(), rule.to.end(), '*') >
                  std::count(rule.from.begin(), rule.from.end(), '*')) {
      context.error(
          json_path_join(path, "to"),
          "pattern " + named(rule.to) + " has more '*' than " + named(rule.from) + " captures");
    }
  }
  if (!recovery.test_network.empty() &&
      context.known(context.networks, recovery.test_network, context.recovery_path("test_network"),
                    "network")) {
    const Network& network = context.plan.networks[context.networks.at(recovery.test_network)];
    if (!network.isolated) {
      context.error(context.recovery_path("test_network"),
                    "test network " + named(network.name) +
                        " is not isolated: a test failover would put replicas next to production "
                        "(set \"isolated\": true on it)");
    }
    if (target_known && network.site != target) {
      context.error(context.recovery_path("test_network"),
                    "test network " + named(network.name) + " is at site " + named(network.site) +
                        ", not at the recovery site " + named(target));
    }
  }
  if (recovery.max_concurrent_boots < 0) {
    context.error(context.recovery_path("max_concurrent_boots"), "must be at least 1");
  }
  if (target_known) check_failover_networks(context);
}

}  // namespace firedrill::validation
