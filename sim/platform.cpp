// Builds the SimGrid platform of a plan (see platform.hpp for its shape).
#include "sim/platform.hpp"

#include <sstream>

#include "engine/plan_index.hpp"

namespace sg4 = simgrid::s4u;

namespace firedrill::sim {

namespace {

// One copy of the plan's platform inside `copy_zone`; SimGrid names start with `prefix`.
SimPlatform build_copy(const Plan& plan, sg4::NetZone* copy_zone, const std::string& prefix) {
  SimPlatform platform;
  std::map<std::string, std::pair<sg4::NetZone*, simgrid::kernel::routing::NetPoint*>> site_zone;
  for (const Site& site : plan.sites) {
    sg4::NetZone* zone = sg4::create_star_zone(prefix + "site:" + site.name);
    zone->set_parent(copy_zone);
    for (const Host& host : site.hosts) {
      sg4::Host* created = zone->create_host(prefix + host.name, host.speed_flops);
      created->set_core_count(host.cores);
      created->seal();
      platform.hosts[host.name] = created;
      platform.site_of_host[host.name] = site.name;
      platform.speed_of_host[host.name] = host.speed_flops;
      platform.hosts_of_site[site.name].push_back(host.name);
    }
    auto* gateway = zone->create_router(prefix + "firedrill:gateway:" + site.name);
    zone->seal();
    site_zone[site.name] = {zone, gateway};
  }

  sg4::NetZone* control = sg4::create_star_zone(prefix + "firedrill:control");
  control->set_parent(copy_zone);
  platform.controller = control->create_host(prefix + "firedrill:controller", 1e9);
  platform.controller->seal();
  control->seal();

  for (const Link& link : plan.links) {
    sg4::SplitDuplexLink* duplex =
        copy_zone->create_split_duplex_link(prefix + link.name, link.bandwidth_Bps);
    duplex->set_latency(link.latency_s);
    duplex->seal();
    platform.links[link.name] = {duplex->get_link_up(), duplex->get_link_down()};
    platform.links_of_site[link.between[0]].push_back(link.name);
    if (link.between[1] != link.between[0])
      platform.links_of_site[link.between[1]].push_back(link.name);
  }

  // One route per ordered pair of sites that a link joins: the link the engine replicates
  // over (PlanIndex::link_between, the one of least latency), in the direction travelled.
  // Validation refuses a transfer between sites no link joins, so no route has two hops.
  const PlanIndex index(plan);
  for (std::size_t from = 0; from < plan.sites.size(); ++from) {
    for (std::size_t to = 0; to < plan.sites.size(); ++to) {
      const int l = index.link_between(static_cast<int>(from), static_cast<int>(to));
      if (from == to || l < 0) continue;
      const Link& joining = plan.links[l];
      const std::string& source = plan.sites[from].name;
      const std::string& target = plan.sites[to].name;
      sg4::Link* link = platform.links.at(joining.name)[joining.between[0] == source ? 0 : 1];
      const std::vector<sg4::LinkInRoute> route = {sg4::LinkInRoute(link)};
      const auto& [from_zone, from_gateway] = site_zone.at(source);
      const auto& [to_zone, to_gateway] = site_zone.at(target);
      copy_zone->add_route(from_zone->get_netpoint(), to_zone->get_netpoint(), from_gateway,
                           to_gateway, route, false);
      platform.routes[{source, target}] = {link};
      platform.route_plan_links[{source, target}] = {static_cast<std::size_t>(l)};
    }
  }
  copy_zone->seal();
  return platform;
}

}  // namespace

std::vector<SimPlatform> build_platforms(const Plan& plan, int copies) {
  sg4::NetZone* root = sg4::create_full_zone("firedrill");
  std::vector<SimPlatform> platforms;
  for (int copy = 0; copy < copies; ++copy) {
    // The first copy keeps the plan's own names (what --verbose shows for a single run).
    const std::string prefix = copy == 0 ? "" : "copy" + std::to_string(copy) + "/";
    sg4::NetZone* copy_zone = sg4::create_full_zone(prefix + "firedrill:copy");
    copy_zone->set_parent(root);
    platforms.push_back(build_copy(plan, copy_zone, prefix));
  }
  root->seal();
  return platforms;
}

std::string platform_signature(const Plan& plan) {
  std::ostringstream text;
  text.precision(17);
  for (const Site& site : plan.sites) {
    text << "site " << site.name << "\n";
    for (const Host& host : site.hosts) {
      text << " host " << host.name << " " << host.cores << " " << host.speed_flops << "\n";
    }
  }
  for (const Link& link : plan.links) {
    text << "link " << link.name << " " << link.between[0] << " " << link.between[1] << " "
         << link.bandwidth_Bps << " " << link.latency_s << "\n";
  }
  return text.str();
}

}  // namespace firedrill::sim
