// The SimGrid driver (driver.hpp): a controller actor runs drive() (engine/drive.hpp) with
// this simulated backend; daemon "watch" actors await activities.
#include "sim/driver.hpp"

#include <simgrid/Exception.hpp>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <unordered_map>

#include "engine/drive.hpp"
#include "engine/engine.hpp"
#include "engine/link_slots.hpp"
#include "sim/platform.hpp"

namespace sg4 = simgrid::s4u;

namespace firedrill::sim {

namespace {

std::vector<int> transfer_limits(const Plan& plan) {
  std::vector<int> limits;
  for (const Link& link : plan.links) limits.push_back(link.max_concurrent_transfers);
  return limits;
}

std::vector<std::string> link_names(const Plan& plan) {
  std::vector<std::string> names;
  for (const Link& link : plan.links) names.push_back(link.name);
  return names;
}

// Times closer than this (seconds) are the same instant, as in drive(): a shutdown timer is
// due when the clock is within kEpsilon of it.
constexpr double kEpsilon = 1e-9;

enum class Kind { transfer, restore, boot, shutdown };

struct Report {
  ActivityId id = 0;
  Kind kind = Kind::transfer;
  bool ok = true;
  std::string detail;
};

struct Pending {
  Kind kind = Kind::transfer;
  sg4::ActivityPtr activity;  // null for timers and immediate completions
  std::string host;           // boot/shutdown/restore: where; transfer: the source
  std::string target_host;    // transfer only
  double end_s = 0.0;         // shutdown timers
  double amount = 0.0;        // transfer: bytes; boot: flops
};

DriverEvent to_event(const Report& report) {
  switch (report.kind) {
    case Kind::transfer:
      return TransferEnded{report.id, report.ok, report.detail};
    case Kind::restore:
      return RestoreEnded{report.id, report.ok, report.detail};
    case Kind::boot:
      return BootEnded{report.id, report.ok, report.detail, std::nullopt};
    case Kind::shutdown:
      return ShutdownEnded{report.id, report.ok, report.detail};
  }
  return TransferEnded{report.id, false, "unknown activity"};
}

// The simulated backend of drive(): commands become SimGrid activities, wait() lets the
// simulated clock run until one of them ends or the deadline passes.
class Driver : public Backend, public DriveObserver {
 public:
  Driver(const Scenario& scenario, const SimPlatform& platform, bool verbose, DriverStats* stats,
         DriveObserver* observer)
      : engine_(scenario),
        observer_(observer),
        platform_(platform),
        verbose_(verbose),
        stats_(stats),
        slots_(transfer_limits(scenario.plan)),
        link_names_(link_names(scenario.plan)),
        mutex_(sg4::Mutex::create()),
        wakeup_(sg4::ConditionVariable::create()) {}

  void run();
  Outcome outcome() const { return engine_.outcome(); }
  const std::string& error() const { return error_; }

  void execute(const std::vector<Command>& commands, double now_s) override;
  WaitResult wait(std::optional<double> deadline_s) override;
  void on_commands(const char* call, double now_s, const std::vector<Command>& commands) override;
  void on_event(const Completion& completion, double now_s) override;

 private:
  void carry_out(const Command& command);
  void start_transfer(const StartTransfer& command);
  void start_boot(const StartBoot& command);
  void start_shutdown(const StartShutdown& command);
  void start_restore(const StartRestore& command);
  void cancel(ActivityId id);
  void set_failed(const std::string& kind, const std::string& target, bool failed);
  void set_host(const std::string& host, const std::string& cause, bool failed);
  void set_link(const std::string& link, const std::string& cause, bool failed);
  void fail_waiting();
  void start_admitted(const std::vector<ActivityId>& admitted);

  struct Job {
    ActivityId id = 0;
    Kind kind = Kind::transfer;
  };
  void watch(ActivityId id, Kind kind);
  void watcher();
  void await(const Job& job);
  void left_simgrid(const Job& job);
  void finish_now(ActivityId id, Kind kind, bool ok, std::string detail);
  void deliver(Report report);
  void wait_for_news(std::optional<double> deadline);
  std::string why_down(const std::string& source, const std::string& target) const;
  bool host_off(const std::string& name) const;
  bool link_off(const std::string& name) const;
  sg4::Host* host(const std::string& name) const;
  void note(const std::string& line) const;

  FailoverEngine engine_;
  DriveObserver* observer_;  // besides this driver's own log (verbose); may be null
  const SimPlatform& platform_;
  bool verbose_;
  DriverStats* stats_;
  LinkSlots slots_;  // transfers waiting for or holding a slot of a limited link
  std::vector<std::string> link_names_;  // of the plan's links, by index
  sg4::MutexPtr mutex_;
  sg4::ConditionVariablePtr wakeup_;
  std::deque<Report> ready_;                         // ended, not yet told to the engine
  std::unordered_map<ActivityId, Pending> pending_;  // started, not reported, not cancelled
  std::multimap<double, ActivityId> timers_;         // shutdowns: end time -> id
  long in_simgrid_ = 0;                              // watched activities still running
  std::deque<Job> jobs_;                             // handed to watchers, not yet taken
  sg4::SemaphorePtr jobs_ready_ = sg4::Semaphore::create(0);
  int idle_watchers_ = 0;  // watchers waiting for a job that no job is promised to
  std::map<std::string, std::set<std::string>> host_down_;  // host -> failures holding it off
  std::map<std::string, std::set<std::string>> link_down_;  // plan link -> failures
  double now_ = 0.0;
  std::string error_;
};

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
  wait_for_news(deadline_s);
  now_ = std::max(now_, sg4::Engine::get_clock());
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
  WaitResult result;
  result.now_s = sg4::Engine::get_clock();
  for (Report& report : batch) {
    auto it = pending_.find(report.id);
    if (it == pending_.end()) continue;  // cancelled meanwhile: never reported
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
  if (!report.ok) {
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
void Driver::fail_waiting() {
  for (const ActivityId id : slots_.waiting()) {
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
  if (const auto* c = std::get_if<InjectFailure>(&command))
    return set_failed(c->kind, c->target, true);
  if (const auto* c = std::get_if<Repair>(&command)) return set_failed(c->kind, c->target, false);
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

void Driver::set_failed(const std::string& kind, const std::string& target, bool failed) {
  const std::string cause = kind + ":" + target;
  if (kind == "host") {
    set_host(target, cause, failed);
  } else if (kind == "link") {
    set_link(target, cause, failed);
  } else if (kind == "site") {
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

}  // namespace

std::vector<std::string> simgrid_config(bool thread_contexts, bool verbose) {
  std::vector<std::string> args{
      "--cfg=network/model:CM02",         "--cfg=network/TCP-gamma:0",
      "--cfg=network/crosstraffic:0",     "--cfg=network/latency-factor:1",
      "--cfg=network/bandwidth-factor:1", "--cfg=network/weight-S:0",
  };
  if (thread_contexts) args.push_back("--cfg=contexts/factory:thread");
  if (!verbose) args.push_back("--log=root.thres:critical");
  return args;
}

std::vector<BatchResult> run_batch(const std::vector<Scenario>& realized,
                                   const std::vector<std::string>& simgrid_args, bool verbose,
                                   DriverStats* stats, DriveObserver* observer) {
  if (realized.empty()) return {};
  const std::string signature = platform_signature(realized.front().plan);
  for (const Scenario& scenario : realized) {
    if (platform_signature(scenario.plan) != signature) {
      throw std::invalid_argument("scenario '" + scenario.name +
                                  "': a batch needs one platform, its hosts or links differ");
    }
  }
  std::vector<std::string> args{"firedrill"};
  args.insert(args.end(), simgrid_args.begin(), simgrid_args.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  sg4::Engine simulation(&argc, argv.data());
  const std::vector<SimPlatform> platforms =
      build_platforms(realized.front().plan, static_cast<int>(realized.size()));
  std::vector<std::unique_ptr<Driver>> drivers;
  std::vector<std::string> thrown(realized.size());
  for (std::size_t i = 0; i < realized.size(); ++i) {
    drivers.push_back(
        std::make_unique<Driver>(realized[i], platforms[i], verbose, stats, observer));
    Driver* driver = drivers.back().get();
    std::string* failure = &thrown[i];
    sg4::Actor::create("controller", platforms[i].controller, [driver, failure] {
      // One run's failure must not end its neighbours' runs: keep it for its result.
      try {
        driver->run();
      } catch (const std::exception& error) {
        *failure = error.what();
      }
    });
  }
  simulation.run();
  std::vector<BatchResult> results(realized.size());
  for (std::size_t i = 0; i < realized.size(); ++i) {
    const std::string& error = thrown[i].empty() ? drivers[i]->error() : thrown[i];
    if (error.empty()) {
      results[i].outcome = drivers[i]->outcome();
    } else {
      results[i].error = "scenario '" + realized[i].name + "' (seed " +
                         std::to_string(realized[i].seed) + "): " + error;
    }
  }
  return results;
}

Outcome run_driver(const Scenario& realized, const std::vector<std::string>& simgrid_args,
                   bool verbose, DriverStats* stats, DriveObserver* observer) {
  std::vector<BatchResult> results = run_batch({realized}, simgrid_args, verbose, stats, observer);
  if (!results[0].outcome) throw std::runtime_error(results[0].error);
  return std::move(*results[0].outcome);
}

}  // namespace firedrill::sim
