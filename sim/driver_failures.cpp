// Failures and repairs in the simulated backend (driver_backend.hpp): hosts and links turned
// off and on, what is down on a transfer's way, waiting transfers a failure reaches.
#include "sim/driver_backend.hpp"

namespace sg4 = simgrid::s4u;

namespace firedrill::sim {

void Driver::fail_waiting() {
  for (const ActivityId id : slots_.waiting()) {
    if (!slots_.is_waiting(id)) continue;  // let in meanwhile: its watcher checks its route
    const Pending& pending = pending_.at(id);
    std::string down = why_down(pending.host, pending.target_host);
    if (down.empty()) continue;
    ready_.push_back(Report{id, Kind::transfer, false, std::move(down)});
    start_admitted(slots_.release(id));
  }
}

// Whether the driver has turned a host or plan link off. Watchers ask this and not SimGrid:
// the controller's turn_off() is a simcall that SimGrid carries out only at the end of the
// scheduling round, so a watcher running in that round after the controller would still see
// the host on, start a communication from it and abort SimGrid ("from_->is_on()").
bool Driver::host_off(const std::string& name) const {
  auto it = host_down_.find(name);
  return it != host_down_.end() && !it->second.empty();
}

bool Driver::link_off(const std::string& name) const {
  auto it = link_down_.find(name);
  return it != link_down_.end() && !it->second.empty();
}

// The first thing that is off between two hosts, said for a report; empty when the route
// between them is up.
std::string Driver::why_down(const std::string& source, const std::string& target) const {
  for (const std::string& name : {source, target}) {
    if (host(name) == nullptr) return "unknown host " + name;
    if (host_off(name)) return "host " + name + " is down";
  }
  const std::string& from = platform_.site_of_host.at(source);
  const std::string& to = platform_.site_of_host.at(target);
  if (from == to) return "";
  auto route = platform_.routes.find({from, to});
  if (route == platform_.routes.end()) return "no route from site " + from + " to site " + to;
  const std::vector<std::size_t>& plan_links = platform_.route_plan_links.at({from, to});
  for (std::size_t i = 0; i < route->second.size(); ++i) {
    if (link_off(link_names_[plan_links[i]])) {
      return "link " + route->second[i]->get_name() + " is down";
    }
  }
  return "";
}

void Driver::set_failed(FailureTarget kind, const std::string& target, bool failed) {
  const std::string cause = std::string(to_string(kind)) + ":" + target;
  if (kind == FailureTarget::host) {
    set_host(target, cause, failed);
  } else if (kind == FailureTarget::link) {
    set_link(target, cause, failed);
  } else if (kind == FailureTarget::site) {
    if (auto hosts = platform_.hosts_of_site.find(target); hosts != platform_.hosts_of_site.end()) {
      for (const std::string& name : hosts->second) set_host(name, cause, failed);
    }
    if (auto links = platform_.links_of_site.find(target); links != platform_.links_of_site.end()) {
      for (const std::string& name : links->second) set_link(name, cause, failed);
    }
  }
  // datastore, vm: nothing physical; the engine stops and restarts what they carry.
  if (failed && slots_.any_limit()) fail_waiting();
}

void Driver::set_host(const std::string& name, const std::string& cause, bool failed) {
  sg4::Host* target = host(name);
  if (target == nullptr) return;
  std::set<std::string>& causes = host_down_[name];
  const bool was_on = causes.empty();
  if (failed) {
    causes.insert(cause);
  } else {
    causes.erase(cause);
  }
  if (was_on && !causes.empty()) {
    target->turn_off();  // fails the executions and communications it carries
    for (auto timer = timers_.begin(); timer != timers_.end();) {
      auto it = pending_.find(timer->second);
      if (it != pending_.end() && it->second.host == name) {
        ready_.push_back(Report{timer->second, Kind::shutdown, false, "host " + name + " failed"});
        timer = timers_.erase(timer);
      } else {
        ++timer;
      }
    }
  } else if (!was_on && causes.empty()) {
    target->turn_on();
  }
}

void Driver::set_link(const std::string& name, const std::string& cause, bool failed) {
  auto links = platform_.links.find(name);
  if (links == platform_.links.end()) return;
  std::set<std::string>& causes = link_down_[name];
  const bool was_on = causes.empty();
  if (failed) {
    causes.insert(cause);
  } else {
    causes.erase(cause);
  }
  for (sg4::Link* link : links->second) {
    if (was_on && !causes.empty()) link->turn_off();
    if (!was_on && causes.empty()) link->turn_on();
  }
}

}  // namespace firedrill::sim
