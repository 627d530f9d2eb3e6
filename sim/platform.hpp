// The SimGrid platform of a plan. One star zone per site holds the site's hosts (each with
// the plan's cores and core speed) and a gateway router; the plan's links join the sites'
// gateways as split-duplex links (each direction carries the nominal bandwidth) with the
// nominal latency, and every pair of sites a link joins gets a route over that one link (of
// several, the one of least latency, first declared among equals: PlanIndex::link_between,
// the link the engine replicates over). Traffic inside a site is not modelled at all: it is free
// and instant (SPEC section 2), so the driver completes it without SimGrid. A controller host in a
// zone of its own, outside every site, runs the driving actors and never fails.
//
// Call build_platforms() once, after the s4u::Engine exists and before it runs.
#pragma once

#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <simgrid/s4u.hpp>

#include "engine/model.hpp"

namespace firedrill::sim {

struct SimPlatform {
  simgrid::s4u::Host* controller = nullptr;
  std::unordered_map<std::string, simgrid::s4u::Host*> hosts;  // plan host name -> host
  std::unordered_map<std::string, std::string> site_of_host;
  std::unordered_map<std::string, double> speed_of_host;  // flop/s of one core
  // Plan link name -> its two directed SimGrid links (up: between[0] -> between[1]).
  std::unordered_map<std::string, std::vector<simgrid::s4u::Link*>> links;
  std::unordered_map<std::string, std::vector<std::string>> hosts_of_site;
  std::unordered_map<std::string, std::vector<std::string>> links_of_site;  // plan link names
  // (source site, target site) -> the directed link of the route (one: validation refuses a
  // transfer between sites no link joins). Absent: no link joins the sites.
  std::map<std::pair<std::string, std::string>, std::vector<simgrid::s4u::Link*>> routes;
  // The same routes as indices into Plan::links (for links' transfer limits).
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> route_plan_links;
};

// `copies` disjoint copies of the plan's platform in one simulation (each in a zone of its
// own, with its own controller; copies share no host, link or route), so that several
// runs of one plan can be simulated side by side without touching each other.
std::vector<SimPlatform> build_platforms(const Plan& plan, int copies);

// Everything of `plan` that build_platform() reads (sites, hosts with cores and speed,
// links with ends, bandwidth and latency), as text: two plans with the same signature
// get the same platform.
std::string platform_signature(const Plan& plan);

}  // namespace firedrill::sim
