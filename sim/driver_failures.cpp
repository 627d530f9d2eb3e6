// Failures and repairs in the simulated backend (driver_backend.hpp): hosts and links turned
// off and on, what is down on a transfer's way, waiting transfers a failure reaches, and
// hosts that hang (their reports held until they answer again or are lost).
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

// A hang (SPEC 9): the host's daemon stops answering. What runs there goes on (a guest keeps
// booting, bytes keep flowing), but nothing it does can be seen or controlled: its reports are
// held. The run learns of it as a real one does, when recovery.host_timeout passes without
// an answer -- libvirt's keepalive there, this timer here.
void Driver::hang_host(const std::string& name) {
  if (host(name) == nullptr || host_off(name) || hung_.count(name)) return;
  hung_[name] = sg4::Engine::get_clock() + host_timeout_s_;
  note("host " + name + " stops answering; lost at " + std::to_string(hung_[name]) + " s");
}

// The host answers again before it was lost: what it held is reported now.
void Driver::end_hang(const std::string& name) {
  if (hung_.erase(name) == 0) return;
  release_held("");
}

// What a host held goes out once no host it involves is hung any more: as it ended, or, when
// `failure` says why (the host was lost), as a failure.
void Driver::release_held(const std::string& failure) {
  std::vector<Report> still_held;
  std::unique_lock lock(*mutex_);
  for (Report& report : held_) {
    const auto it = pending_.find(report.id);
    if (it != pending_.end() && hung(it->second)) {
      still_held.push_back(std::move(report));
      continue;
    }
    if (!failure.empty()) {
      report.ok = false;
      report.detail = failure;
    }
    ready_.push_back(std::move(report));
  }
  held_.swap(still_held);
}

std::optional<double> Driver::next_host_loss() const {
  std::optional<double> first;
  for (const auto& [name, loss_s] : hung_) {
    if (!first || loss_s < *first) first = loss_s;
  }
  return first;
}

// Hosts whose hang lasted recovery.host_timeout are lost now: HostLost comes before any
// report of this instant, the host goes off (what still ran there fails), and what it held
// is reported failed.
void Driver::lose_hung_hosts(WaitResult& result) {
  std::vector<std::string> lost;
  for (const auto& [name, loss_s] : hung_) {
    if (loss_s <= sg4::Engine::get_clock() + 1e-9) lost.push_back(name);  // drive()'s instant
  }
  for (const std::string& name : lost) {
    hung_.erase(name);
    result.ended.push_back(Completion{HostLost{name}, result.now_s});
    set_host(name, "host:" + name, true);  // as a crash: a Repair of the host turns it on
    release_held("host " + name + " stopped answering");
  }
}

bool Driver::hung(const Pending& pending) const {
  return hung_.count(pending.host) > 0 ||
         (!pending.target_host.empty() && hung_.count(pending.target_host) > 0);
}

}  // namespace firedrill::sim
