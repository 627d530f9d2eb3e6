// The fault-injecting backend of the property campaign (fault_backend.hpp).
#include "tests/property/fault_backend.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

namespace firedrill::property {

namespace {

double transfer_time_s(const Plan& plan, const StartTransfer& t) {
  const Host* source = find_host(plan, t.source_host);
  const Host* target = find_host(plan, t.target_host);
  if (source == nullptr || target == nullptr) throw std::runtime_error("unknown host");
  if (source->site == target->site) return 0.0;
  for (const Link& link : plan.links) {
    const bool joins = (link.between[0] == source->site && link.between[1] == target->site) ||
                       (link.between[1] == source->site && link.between[0] == target->site);
    if (joins) return link.latency_s + t.bytes / link.bandwidth_Bps;
  }
  throw std::runtime_error("no route from " + source->site + " to " + target->site);
}

}  // namespace

FaultBackend::FaultBackend(const Scenario& scenario, std::uint64_t seed, FaultRates rates)
    : scenario_(scenario),
      rates_(rates),
      rng_(seed),
      coarse_(rng_.uniform01() < rates.coarse_clock) {
  if (rng_.uniform01() < rates_.host_lost_run) {
    std::vector<std::string> hosts;
    for (const Site& site : scenario_.plan.sites) {
      for (const Host& host : site.hosts) hosts.push_back(host.name);
    }
    Activity lost;
    lost.kind = Kind::host_lost;
    lost.lost_host = hosts[rng_.next_u64() % hosts.size()];
    const double at_s = std::floor(rng_.uniform01() * scenario_.duration_s * 0.8);
    queue_.insert({at_s, lost});
  }
  lose_recovery_host_ = rng_.uniform01() < rates_.recovery_host_lost_run;
}

// SPEC 9: a recovery host that fails while the failover restores and boots there. Lost a
// little after the first restore or boot on it (before a short boot would end, often).
void FaultBackend::maybe_lose_recovery_host(const std::string& host) {
  const Host* h = find_host(scenario_.plan, host);
  if (!lose_recovery_host_ || !h || h->site != scenario_.plan.recovery.target_site) return;
  lose_recovery_host_ = false;
  Activity lost;
  lost.kind = Kind::host_lost;
  lost.lost_host = host;
  queue_.insert({end_time(1.0 + 40.0 * rng_.uniform01()), lost});
  ++log_.recovery_hosts_lost;
}

double FaultBackend::end_time(double duration_s) {
  const double end_s = now_s_ + std::max(0.0, duration_s);
  return coarse_ ? std::ceil(end_s) : end_s;
}

void FaultBackend::start(Activity activity, double duration_s) {
  if (any_down(activity.hosts) || (activity.crosses_sites && !links_down_.empty())) {
    activity.ok = false;
    activity.detail = "cannot start: its host or route is down";
    duration_s = 0.0;
  } else if (rng_.uniform01() < rates_.fail) {
    activity.ok = false;
    activity.detail = "injected: failed part-way";
    duration_s *= rng_.uniform01();
    ++log_.failed;
  } else if (rng_.uniform01() < rates_.late) {
    duration_s = duration_s * (1.0 + 3.0 * rng_.uniform01()) + 60.0 * rng_.uniform01();
    ++log_.late;
  }
  const ActivityId id = activity.id;
  by_id_[id] = queue_.insert({end_time(duration_s), std::move(activity)});
}

bool FaultBackend::any_down(const std::vector<std::string>& hosts) const {
  return std::any_of(hosts.begin(), hosts.end(), [&](const std::string& h) {
    auto it = host_down_.find(h);
    return it != host_down_.end() && !it->second.empty();
  });
}

// Ends now, failed, every activity in flight that `hit` selects.
void FaultBackend::fail_where(const std::function<bool(const Activity&)>& hit,
                              const std::string& why) {
  std::vector<Activity> failed;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->second.kind != Kind::host_lost && it->first > now_s_ && hit(it->second)) {
      failed.push_back(std::move(it->second));
      by_id_.erase(failed.back().id);
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  for (Activity& activity : failed) {
    activity.ok = false;
    activity.detail = why;
    const ActivityId id = activity.id;
    by_id_[id] = queue_.insert({now_s_, std::move(activity)});
  }
}

void FaultBackend::set_down(const std::string& kind, const std::string& target, bool down) {
  std::vector<std::string> hosts;
  if (kind == "host") hosts.push_back(target);
  if (kind == "site") {
    for (const Site& site : scenario_.plan.sites) {
      if (site.name != target) continue;
      for (const Host& host : site.hosts) hosts.push_back(host.name);
    }
    if (down) {
      links_down_.insert("site:" + target);
    } else {
      links_down_.erase("site:" + target);
    }
  }
  if (kind == "link") {
    if (down) {
      links_down_.insert(target);
    } else {
      links_down_.erase(target);
    }
  }
  for (const std::string& host : hosts) {
    if (down) {
      host_down_[host].insert(kind + ":" + target);
    } else {
      host_down_[host].erase(kind + ":" + target);
    }
  }
  if (!down) return;
  const std::set<std::string> hit(hosts.begin(), hosts.end());
  fail_where(
      [&](const Activity& a) {
        if (kind == "link" || kind == "site") {
          if (a.kind == Kind::transfer && a.crosses_sites) return true;
        }
        return std::any_of(a.hosts.begin(), a.hosts.end(),
                           [&](const std::string& h) { return hit.count(h) > 0; });
      },
      kind + " " + target + " failed");
}

void FaultBackend::execute(const std::vector<Command>& commands, double now_s) {
  now_s_ = std::max(now_s_, now_s);
  const Plan& plan = scenario_.plan;
  for (const Command& command : commands) {
    if (const auto* t = std::get_if<StartTransfer>(&command)) {
      const Host* source = find_host(plan, t->source_host);
      const Host* target = find_host(plan, t->target_host);
      start(Activity{Kind::transfer,
                     t->id,
                     true,
                     "",
                     {t->source_host, t->target_host},
                     source && target && source->site != target->site,
                     ""},
            transfer_time_s(plan, *t));
    } else if (const auto* c = std::get_if<CancelTransfer>(&command)) {
      auto it = by_id_.find(c->id);
      if (it != by_id_.end()) {
        queue_.erase(it->second);
        by_id_.erase(it);
      }
    } else if (const auto* r = std::get_if<StartRestore>(&command)) {
      maybe_lose_recovery_host(r->host);
      start(Activity{Kind::restore, r->id, true, "", {r->host}, false, ""}, 0.0);
    } else if (const auto* b = std::get_if<StartBoot>(&command)) {
      maybe_lose_recovery_host(b->host);
      Activity boot{Kind::boot, b->id, true, "", {b->host}, false, ""};
      if (rng_.uniform01() < rates_.boot_fail) {  // SPEC 9: retried by the engine
        boot.ok = false;
        boot.detail = "injected: did not become ready";
        ++log_.boots_not_ready;
      }
      start(std::move(boot), b->boot_time_s);
    } else if (const auto* d = std::get_if<StartShutdown>(&command)) {
      start(Activity{Kind::shutdown, d->id, true, "", {d->host}, false, ""}, d->shutdown_time_s);
    } else if (const auto* f = std::get_if<InjectFailure>(&command)) {
      set_down(to_string(f->kind), f->target, true);
    } else if (const auto* r = std::get_if<Repair>(&command)) {
      set_down(to_string(r->kind), r->target, false);
    }
  }
}

// Everything that ends first, if not after the deadline, in a shuffled order.
WaitResult FaultBackend::wait(std::optional<double> deadline_s) {
  WaitResult result;
  if (queue_.empty() || (deadline_s && queue_.begin()->first > *deadline_s)) {
    result.now_s = deadline_s.value_or(now_s_);
    now_s_ = std::max(now_s_, result.now_s);
    return result;
  }
  const double first_s = queue_.begin()->first;
  now_s_ = std::max(now_s_, first_s);
  result.now_s = now_s_;
  std::vector<Activity> lost;
  while (!queue_.empty() && queue_.begin()->first == first_s) {
    Activity a = std::move(queue_.begin()->second);
    queue_.erase(queue_.begin());
    if (a.kind == Kind::host_lost) {
      lost.push_back(a);
      result.ended.push_back(Completion{HostLost{a.lost_host}, first_s});
      continue;
    }
    by_id_.erase(a.id);
    DriverEvent event;
    switch (a.kind) {
      case Kind::transfer:
        event = TransferEnded{a.id, a.ok, a.detail};
        break;
      case Kind::restore:
        event = RestoreEnded{a.id, a.ok, a.detail};
        break;
      case Kind::boot:
        event = BootEnded{a.id, a.ok, a.detail, std::nullopt, true, {}};
        break;
      default:
        event = ShutdownEnded{a.id, a.ok, a.detail};
        break;
    }
    result.ended.push_back(Completion{std::move(event), first_s});
  }
  // A lost host takes what runs on it with it, from now on.
  for (const Activity& a : lost) {
    log_.hosts_lost.push_back({first_s, a.lost_host});
    host_down_[a.lost_host].insert("lost");
    fail_where(
        [&](const Activity& other) {
          return std::find(other.hosts.begin(), other.hosts.end(), a.lost_host) !=
                 other.hosts.end();
        },
        "host " + a.lost_host + " lost");
  }
  for (std::size_t i = result.ended.size(); i > 1; --i) {
    std::swap(result.ended[i - 1], result.ended[rng_.next_u64() % i]);
  }
  return result;
}

}  // namespace firedrill::property
