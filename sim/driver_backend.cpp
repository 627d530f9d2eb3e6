// The simulated backend (driver_backend.hpp): commands, watchers, waiting.
#include <simgrid/Exception.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <mutex>

#include "sim/driver_backend.hpp"

namespace sg4 = simgrid::s4u;

namespace firedrill::sim {

namespace {

std::vector<std::string> link_names(const Plan& plan) {
  std::vector<std::string> names;
  for (const Link& link : plan.links) names.push_back(link.name);
  return names;
}

// Times closer than this (seconds) are the same instant, as in drive(): a shutdown timer is
// due when the clock is within kEpsilon of it.
constexpr double kEpsilon = 1e-9;

DriverEvent to_event(const Report& report) {
  switch (report.kind) {
    case Kind::transfer:
      return TransferEnded{report.id, report.ok, report.detail};
    case Kind::restore:
      return RestoreEnded{report.id, report.ok, report.detail};
    case Kind::boot:
      return BootEnded{report.id, report.ok, report.detail, std::nullopt, true, {}};
    case Kind::shutdown:
      return ShutdownEnded{report.id, report.ok, report.detail};
  }
  return TransferEnded{report.id, false, "unknown activity"};
}

// The simulated backend of drive(): commands become SimGrid activities, wait() lets the
// simulated clock run until one of them ends or the deadline passes.

}  // namespace

Driver::Driver(const Scenario& scenario, const SimPlatform& platform, bool verbose,
               DriverStats* stats, DriveObserver* observer)
    : engine_(scenario),
      observer_(observer),
      platform_(platform),
      verbose_(verbose),
      stats_(stats),
      slots_(scenario.plan),
      link_names_(link_names(scenario.plan)),
      mutex_(sg4::Mutex::create()),
      wakeup_(sg4::ConditionVariable::create()),
      host_timeout_s_(scenario.plan.recovery.host_timeout_s),
      seed_(scenario.seed) {
  for (const Vm& vm : scenario.plan.vms) {
    if (vm.boot_failure_probability > 0)
      boot_failure_probability_[vm.name] = vm.boot_failure_probability;
  }
}

sg4::Host* Driver::host(const std::string& name) const {
  auto it = platform_.hosts.find(name);
  return it == platform_.hosts.end() ? nullptr : it->second;
}

void Driver::note(const std::string& line) const {
  if (verbose_) std::cerr << "[" << sg4::Engine::get_clock() << "] " << line << "\n";
}

void Driver::run() {
  ObserverList observers;
  if (verbose_) observers.add(this);
  observers.add(observer_);
  const DriveResult result =
      drive(engine_, *this, DriveLimits{}, observers.empty() ? nullptr : &observers);
  if (stats_) stats_->engine_calls += result.engine_calls;
  error_ = result.error;
  // Whatever still runs is abandoned with the run; cancel it so its watchers end.
  for (auto& [id, pending] : pending_) {
    if (pending.activity && pending.activity->get_state() != sg4::Activity::State::INITED) {
      pending.activity->cancel();
    }
  }
  pending_.clear();
}

void Driver::on_commands(const char*, double, const std::vector<Command>& commands) {
  for (const Command& command : commands) note(describe(command));
}

void Driver::on_event(const Completion& completion, double) {
  const DriverEvent& event = completion.event;
  std::visit(
      [&](const auto& e) {
        if constexpr (requires { e.ok; }) {
          note("activity #" + std::to_string(e.id) + " ended " +
               (e.ok ? "ok" : "failed: " + e.detail));
        }
      },
      event);
}

// Lets simulated time run until an activity ended or the deadline (or a shutdown's end)
// passed, then hands over every activity that ended. The reports that arrive while the
// engine handles them wait for the next call, at the same instant.
WaitResult Driver::wait(std::optional<double> deadline_s) {
  if (const std::optional<double> loss = next_host_loss();
      loss && (!deadline_s || *loss < *deadline_s)) {
    deadline_s = loss;
  }
  wait_for_news(deadline_s);
  now_ = std::max(now_, sg4::Engine::get_clock());
  WaitResult result;
  result.now_s = sg4::Engine::get_clock();
  lose_hung_hosts(result);
  while (!timers_.empty() && timers_.begin()->first <= now_ + kEpsilon) {
    const ActivityId id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    ready_.push_back(Report{id, Kind::shutdown, true, ""});
  }
  std::deque<Report> batch;
  {
    std::unique_lock lock(*mutex_);
    batch.swap(ready_);
  }
  for (Report& report : batch) {
    auto it = pending_.find(report.id);
    if (it == pending_.end()) continue;  // cancelled meanwhile: never reported
    if (hung(it->second)) {              // nobody can hear it until the host answers again
      held_.push_back(std::move(report));
      continue;
    }
    pending_.erase(it);
    result.ended.push_back(Completion{to_event(report), result.now_s});
  }
  return result;
}

// Blocks until an activity ended or the deadline (or the first shutdown timer) passed; at
// once when nothing could ever wake the controller (no deadline and nothing running).
void Driver::wait_for_news(std::optional<double> deadline) {
  if (!timers_.empty() && (!deadline || timers_.begin()->first < *deadline)) {
    deadline = timers_.begin()->first;
  }
  std::unique_lock lock(*mutex_);
  while (ready_.empty()) {
    if (deadline) {
      if (*deadline <= sg4::Engine::get_clock() + kEpsilon) return;
      if (wakeup_->wait_until(lock, *deadline) == std::cv_status::timeout) return;
    } else {
      if (in_simgrid_ == 0) return;
      wakeup_->wait(lock);
    }
  }
}

void Driver::deliver(Report report) {
  std::unique_lock lock(*mutex_);
  ready_.push_back(std::move(report));
  wakeup_->notify_one();
}

void Driver::finish_now(ActivityId id, Kind kind, bool ok, std::string detail) {
  pending_[id] = Pending{kind, nullptr, "", "", now_};
  ready_.push_back(Report{id, kind, ok, std::move(detail)});
}

// Hands `activity` to an idle watcher, a daemon actor on the controller host that awaits it,
// reports how it ended and waits for the next one; a new watcher is made only when every
// watcher is busy, so the pool grows to the peak number of activities in flight (making an
// actor per activity spent most of the run allocating and freeing stacks).
void Driver::watch(ActivityId id, Kind kind) {
  ++in_simgrid_;
  jobs_.push_back(Job{id, kind});
  if (idle_watchers_ > 0) {
    --idle_watchers_;
  } else {
    sg4::Actor::create("watcher", platform_.controller, [this] { watcher(); });
  }
  jobs_ready_->release();
}

void Driver::watcher() {
  sg4::Actor::self()->daemonize();
  for (;;) {
    jobs_ready_->acquire();
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    await(job);
    ++idle_watchers_;
  }
}

// The watcher, not the controller, makes and starts the activity: SimGrid 3.32 keeps an
// actor's activities in a list it searches linearly when one ends, so activities made by the
// controller made every end cost O(activities in flight).
void Driver::await(const Job& job) {
  auto it = pending_.find(job.id);
  if (it == pending_.end()) {  // cancelled before it started
    left_simgrid(job);
    return;
  }
  // Something may have failed since the command (same instant, later in the batch).
  const std::string down =
      job.kind == Kind::transfer
          ? why_down(it->second.host, it->second.target_host)
          : (host_off(it->second.host) ? "host " + it->second.host + " is down" : "");
  if (!down.empty()) {
    left_simgrid(job);
    deliver(Report{job.id, job.kind, false, down});
    return;
  }
  sg4::ActivityPtr activity;
  if (job.kind == Kind::transfer) {
    sg4::CommPtr comm = sg4::Comm::sendto_init(host(it->second.host), host(it->second.target_host));
    comm->set_payload_size(static_cast<std::uint64_t>(std::llround(it->second.amount)));
    activity = comm;
  } else {
    sg4::ExecPtr exec = sg4::Exec::init();
    exec->set_flops_amount(it->second.amount);
    exec->set_host(host(it->second.host));
    activity = exec;
  }
  it->second.activity = activity;  // for CancelTransfer
  Report report{job.id, job.kind, true, ""};
  try {
    activity->start();
    activity->wait();
  } catch (const simgrid::CancelException&) {
    left_simgrid(job);
    return;  // cancelled by the engine (or at the end of the run): never reported
  } catch (const simgrid::HostFailureException&) {
    report.ok = false;
  } catch (const simgrid::NetworkFailureException&) {
    report.ok = false;
  } catch (const simgrid::TimeoutException&) {
    report.ok = false;
  }
  left_simgrid(job);
  if (report.ok && job.kind == Kind::boot) {
    const auto booted = pending_.find(job.id);
    if (booted != pending_.end() && booted->second.fails) {
      report.ok = false;
      report.detail = "did not become ready (boot_failure_probability)";
    }
  }
  if (!report.ok && report.detail.empty()) {
    auto it = pending_.find(job.id);
    if (it != pending_.end() && job.kind == Kind::transfer) {
      report.detail = why_down(it->second.host, it->second.target_host);
      if (report.detail.empty()) report.detail = "network failure";
    } else if (it != pending_.end()) {
      report.detail = "host " + it->second.host + " failed";
    } else {
      report.detail = "failed";
    }
  }
  deliver(std::move(report));
}

// An activity of a watcher is over (ended, failed, cancelled or never started): a transfer
// gives back its link slots, and the transfers waiting for them start now, at this instant.
void Driver::left_simgrid(const Job& job) {
  if (job.kind == Kind::transfer) start_admitted(slots_.release(job.id));
  --in_simgrid_;
}

void Driver::start_admitted(const std::vector<ActivityId>& admitted) {
  for (const ActivityId id : admitted) {
    note("activity #" + std::to_string(id) + " has its link slots");
    watch(id, Kind::transfer);
  }
}

// A waiting transfer is in flight (SPEC section 8): a failure of its source, target or a
// link of its route loses it like one already moving.
void Driver::execute(const std::vector<Command>& commands, double now_s) {
  now_ = std::max(now_, now_s);
  for (const Command& command : commands) carry_out(command);
}

void Driver::carry_out(const Command& command) {
  if (const auto* c = std::get_if<StartTransfer>(&command)) return start_transfer(*c);
  if (const auto* c = std::get_if<CancelTransfer>(&command)) return cancel(c->id);
  if (const auto* c = std::get_if<StartRestore>(&command)) return start_restore(*c);
  if (const auto* c = std::get_if<StartBoot>(&command)) return start_boot(*c);
  if (const auto* c = std::get_if<StartShutdown>(&command)) return start_shutdown(*c);
  if (const auto* c = std::get_if<InjectFailure>(&command)) {
    return c->hang ? hang_host(c->target) : set_failed(c->kind, c->target, true);
  }
  if (const auto* c = std::get_if<Repair>(&command)) {
    if (c->kind == FailureTarget::host) end_hang(c->target);
    return set_failed(c->kind, c->target, false);
  }
  // SeedReplica (done before t = 0), PrunePoint, PowerOff, DeleteInstance, CorruptData:
  // bookkeeping of the engine, nothing to simulate.
}

void Driver::start_transfer(const StartTransfer& command) {
  if (stats_) ++stats_->transfers_started;
  const std::string down = why_down(command.source_host, command.target_host);
  const bool same_site = host(command.source_host) && host(command.target_host) &&
                         platform_.site_of_host.at(command.source_host) ==
                             platform_.site_of_host.at(command.target_host);
  if (!down.empty() || same_site) {
    finish_now(command.id, Kind::transfer, down.empty(), down);
    return;
  }
  pending_[command.id] = Pending{Kind::transfer,      nullptr, command.source_host,
                                 command.target_host, 0.0,     std::max(0.0, command.bytes)};
  const auto route =
      platform_.route_plan_links.find({platform_.site_of_host.at(command.source_host),
                                       platform_.site_of_host.at(command.target_host)});
  if (route != platform_.route_plan_links.end() && !slots_.request(command.id, route->second)) {
    note("activity #" + std::to_string(command.id) + " waits for a link slot");
    return;
  }
  watch(command.id, Kind::transfer);
}

void Driver::start_boot(const StartBoot& command) {
  if (stats_) ++stats_->boots_started;
  sg4::Host* target = host(command.host);
  if (target == nullptr || !target->is_on()) {
    finish_now(command.id, Kind::boot, false,
               target ? "host " + command.host + " is down" : "unknown host " + command.host);
    return;
  }
  const double flops =
      std::max(0.0, command.boot_time_s) * platform_.speed_of_host.at(command.host);
  pending_[command.id] = Pending{Kind::boot, nullptr, command.host, "", 0.0, flops};
  // The physics of a boot that does not come up: decided here, from the seed, the VM and its
  // attempt number in this run, so one seed gives the same run byte for byte; the engine
  // decides what to do about it (engine/recovery_faults.cpp).
  const std::uint64_t attempt = ++boot_attempts_[command.vm];
  if (const auto p = boot_failure_probability_.find(command.vm);
      p != boot_failure_probability_.end()) {
    pending_[command.id].fails = keyed_uniform01(seed_, command.vm, attempt) < p->second;
  }
  watch(command.id, Kind::boot);
}

void Driver::start_shutdown(const StartShutdown& command) {
  sg4::Host* target = host(command.host);
  if (target == nullptr || !target->is_on()) {
    finish_now(command.id, Kind::shutdown, false,
               target ? "host " + command.host + " is down" : "unknown host " + command.host);
    return;
  }
  const double end_s = now_ + std::max(0.0, command.shutdown_time_s);
  pending_[command.id] = Pending{Kind::shutdown, nullptr, command.host, "", end_s};
  timers_.insert({end_s, command.id});
}

void Driver::start_restore(const StartRestore& command) {
  sg4::Host* target = host(command.host);
  if (target == nullptr || !target->is_on()) {
    finish_now(command.id, Kind::restore, false,
               target ? "host " + command.host + " is down" : "unknown host " + command.host);
    return;
  }
  finish_now(command.id, Kind::restore, true, "");
}

void Driver::cancel(ActivityId id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  sg4::ActivityPtr activity = it->second.activity;
  const bool transfer = it->second.kind == Kind::transfer;
  pending_.erase(it);
  // Not yet started by its watcher: the watcher will find it gone and drop it.
  if (activity && activity->get_state() != sg4::Activity::State::INITED) activity->cancel();
  // Its slots (held or waited for) go to the next in line at once.
  if (transfer) start_admitted(slots_.release(id));
}

}  // namespace firedrill::sim
