// The libvirt backend's run: connects the hosts, prepares the sources, seeds the replicas,
// then drives the FailoverEngine on a steady clock, carrying out each command on worker
// threads that report completions through a queue (engine/commands.hpp, "the loop").
// The other concerns live beside it (real/libvirt_run.hpp lists them).
#include "real/libvirt_driver.hpp"
#include "real/libvirt_run.hpp"

#include "engine/drive.hpp"
#include "real/interrupt.hpp"

namespace firedrill {
namespace libvirt_run {

double LibvirtRun::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void LibvirtRun::log(const std::string& line) {
  if (!options_.verbose) return;
  char stamp[32];
  std::snprintf(stamp, sizeof stamp, "[%8.3f] ", now());
  std::lock_guard<std::mutex> lock(mutex_);
  std::cerr << stamp << line << '\n';
}

void LibvirtRun::note(const std::string& line) {
  log("note: " + line);
  std::lock_guard<std::mutex> lock(mutex_);
  notes_.push_back(line);
}

void LibvirtRun::post(DriverEvent event) {
  const double t = now();
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.emplace_back(std::move(event), t);
  wake_.notify_all();
}

void LibvirtRun::spawn(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++workers_running_;
  workers_.emplace_back([this, work = std::move(work)] {
    work();
    std::lock_guard<std::mutex> done(mutex_);
    --workers_running_;
    wake_.notify_all();
  });
}

HostState* LibvirtRun::host(const std::string& name) {
  const auto found = hosts_.find(name);
  return found == hosts_.end() ? nullptr : found->second.get();
}

std::mutex& LibvirtRun::domain_lock(const std::string& host, const std::string& domain) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = domain_locks_[{host, domain}];
  if (!slot) slot = std::make_unique<std::mutex>();
  return *slot;
}

bool LibvirtRun::cancelled(ActivityId id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cancelled_.count(id) > 0;
}

std::string LibvirtRun::point_key(const std::string& vm, const std::string& host,
                                  double as_of_s) const {
  return vm + "@" + host + "#" + ms_text(as_of_s);
}

// A domain the run may act on: one it created, or a plan VM's own name.
bool LibvirtRun::may_touch(const std::string& host, const std::string& domain) const {
  if (created_.count({host, domain})) return true;
  return find_vm(scenario_.plan, domain) != nullptr;
}

int LibvirtRun::link_index_between_hosts(const std::string& a, const std::string& b) const {
  const HostState* source = hosts_.count(a) ? hosts_.at(a).get() : nullptr;
  const HostState* target = hosts_.count(b) ? hosts_.at(b).get() : nullptr;
  if (!source || !target || source->site == target->site) return -1;
  return index_.link_between(index_.site(source->site), index_.site(target->site));
}

std::string LibvirtRun::link_between_hosts(const std::string& a, const std::string& b) const {
  const int link = link_index_between_hosts(a, b);
  return link < 0 ? "" : scenario_.plan.links[link].name;
}

std::string LibvirtRun::link_down_between(const std::string& a, const std::string& b) const {
  const std::string name = link_between_hosts(a, b);
  if (name.empty()) return "";
  std::lock_guard<std::mutex> lock(mutex_);
  return links_down_.count(name) ? name : "";
}

ConsoleWatcher* LibvirtRun::watch(HostState& host, virDomainPtr domain, const std::string& instance,
                                  std::string& error) {
  fs::create_directories(fs::path(options_.out_dir) / "consoles");
  auto watcher = ConsoleWatcher::start(
      *host.conn, domain,
      (fs::path(options_.out_dir) / "consoles" / (host.name + "-" + instance + ".log")).string(),
      epoch0_, skews_, error);
  if (!watcher) return nullptr;
  ConsoleWatcher* const watching = watcher.get();
  std::unique_ptr<ConsoleWatcher> previous;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& slot = consoles_[{host.name, instance}];
    previous = std::move(slot);
    slot = std::move(watcher);
  }
  if (previous) {
    // Stopped outside the lock (it is a libvirt call), and kept to the end of the run: a
    // worker may still hold it (a boot waiting for READY on an instance being replaced).
    previous->stop();
    std::lock_guard<std::mutex> lock(mutex_);
    retired_consoles_.push_back(std::move(previous));
  }
  return watching;
}

ConsoleWatcher* LibvirtRun::console(const std::string& host, const std::string& instance) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto found = consoles_.find({host, instance});
  return found == consoles_.end() ? nullptr : found->second.get();
}

// A run of deletions (a test's cleanup) goes side by side: destroying a guest takes libvirt
// about 2 s on a loaded machine. All are done before the next command. Returns the index
// of the first command after the run.
std::size_t LibvirtRun::delete_side_by_side(const std::vector<Command>& commands,
                                            std::size_t first) {
  std::vector<std::thread> deletions;
  std::size_t i = first;
  for (; i < commands.size() && std::holds_alternative<DeleteInstance>(commands[i]); ++i) {
    if (i != first) log(describe(commands[i]));
    deletions.emplace_back(
        [this, c = std::get<DeleteInstance>(commands[i])] { delete_instance(c); });
  }
  for (auto& deletion : deletions) deletion.join();
  return i;
}

// A seed the engine asks for once the clock runs: done in place, and only noted if it fails.
void LibvirtRun::seed_late(const SeedReplica& seed) {
  std::string detail;
  if (!replicate(seed.vm, seed.vm, seed.source_host, seed.target_host, 0.0, 0, std::nullopt,
                 detail)) {
    note("late seeding of " + seed.vm + " failed: " + detail);
  }
}

void LibvirtRun::prune_point(const PrunePoint& prune) {
  std::string volume;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto key = point_key(prune.vm, prune.host, prune.as_of_s);
    if (points_.count(key)) volume = points_.at(key);
    points_.erase(key);
  }
  HostState* h = host(prune.host);
  if (!volume.empty() && h && h->up && virt::delete_volume(*h->conn, volume)) {
    journal_.removed({"volume", prune.host, h->uri, volume, "", ""});
  }
}

// One command: the long ones (transfers, restores, boots, shutdowns) on a worker thread
// that posts their end; the others in place.
void LibvirtRun::carry_out_one(const Command& command) {
  std::visit(
      [this](const auto& c) {
        using C = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<C, SeedReplica>) {
          seed_late(c);
        } else if constexpr (std::is_same_v<C, StartTransfer>) {
          start_transfer(c);
        } else if constexpr (std::is_same_v<C, CancelTransfer>) {
          cancel_transfer(c.id);
        } else if constexpr (std::is_same_v<C, PrunePoint>) {
          prune_point(c);
        } else if constexpr (std::is_same_v<C, StartRestore>) {
          spawn([this, c] {
            std::string detail;
            const bool ok = restore(c, detail);
            post(RestoreEnded{c.id, ok, detail});
          });
        } else if constexpr (std::is_same_v<C, StartBoot>) {
          spawn([this, c] { post(boot(c)); });
        } else if constexpr (std::is_same_v<C, StartShutdown>) {
          spawn([this, c] { post(shutdown(c)); });
        } else if constexpr (std::is_same_v<C, PowerOff>) {
          power_off(c.host, c.instance);
        } else if constexpr (std::is_same_v<C, DeleteInstance>) {
          delete_instance(c);
        } else if constexpr (std::is_same_v<C, InjectFailure>) {
          inject(c);
        } else if constexpr (std::is_same_v<C, Repair>) {
          repair(c);
        } else if constexpr (std::is_same_v<C, CorruptData>) {
          corrupt(c);
        }
      },
      command);
}

void LibvirtRun::carry_out(const std::vector<Command>& commands) {
  for (std::size_t i = 0; i < commands.size();) {
    log(describe(commands[i]));
    if (std::holds_alternative<DeleteInstance>(commands[i])) {
      i = delete_side_by_side(commands, i);
    } else {
      carry_out_one(commands[i++]);
    }
  }
}

void LibvirtRun::finish(RealRunResult& result) {
  finishing_ = true;
  end_hangs();  // a daemon the run froze stays frozen: calls stuck on it are abandoned below
  // Workers end within their own bounds, except a call stuck on a host that stopped
  // answering: libvirt's keepalive closes such a connection, yet a call that was queued
  // behind another on it was seen to stay blocked for good (libvirt 9.0). Past a host
  // timeout more, such workers are abandoned: detached, and the run's state they use is
  // never freed (run_libvirt keeps it), so they can never touch freed memory.
  std::vector<std::thread> workers;
  bool all_ended;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    all_ended = wake_.wait_for(
        lock, std::chrono::duration<double>(scenario_.plan.recovery.host_timeout_s + 10.0),
        [this] { return workers_running_ == 0; });
    workers.swap(workers_);
    abandoned_workers_ = workers_running_;
  }
  for (auto& worker : workers) {
    if (all_ended) {
      worker.join();
    } else {
      worker.detach();
    }
  }
  if (!all_ended) {
    note(std::to_string(abandoned_workers_) +
         " operation(s) on a host that stopped answering were abandoned at the end");
  }
  std::vector<ConsoleWatcher*> watchers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [key, watcher] : consoles_) watchers.push_back(watcher.get());
  }
  for (ConsoleWatcher* watcher : watchers) watcher->stop();  // libvirt calls: not under the lock
  if (undo_skipped()) {
    note("a second signal skipped the undo: `firedrill cleanup " + options_.out_dir +
         "` removes what the run created");
  } else if (!options_.keep) {
    const CleanupReport report =
        cleanup_journal(options_.out_dir, scenario_.plan.recovery.host_timeout_s);
    log("cleanup: removed " + std::to_string(report.removed) + " objects");
    if (!report.problems.empty()) {
      std::string what;
      for (const auto& problem : report.problems) what += "\n    " + problem;
      note(std::to_string(report.problems.size()) +
           " object(s) left behind; run `firedrill cleanup " + options_.out_dir +
           "` once their hosts are reachable again:" + what);
    }
  } else {
    note("kept what the run created; `firedrill cleanup " + options_.out_dir + "` removes it");
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    result.notes = notes_;
  }
  write_evidence(result);
  journal_.ended();
  std::lock_guard<std::mutex> lock(mutex_);
  consoles_.clear();
}

// The engine's setup() commands (seeding) come before the clock starts; a seed that fails
// ends the run before it began.
struct SetupFailed {
  std::string error;
  int exit_status;
};

void LibvirtRun::execute(const std::vector<Command>& commands, double now_s) {
  (void)now_s;  // carried out now, on the run's own clock, which is what now_s was read from
  if (!clock_started_) {
    RealRunResult failed;
    if (!seed(commands, failed)) throw SetupFailed{failed.error, failed.exit_status};
    return;
  }
  carry_out(commands);
}

void LibvirtRun::start_clock() {
  start_ = std::chrono::steady_clock::now();
  epoch0_ = epoch_now();
  clock_started_ = true;
  log("t=0");
}

// Waits in slices of kWaitSlice_s so that an operator's signal is seen promptly; each
// activity it waits for is itself bounded (host timeouts, readiness and shutdown timeouts).
WaitResult LibvirtRun::wait(std::optional<double> deadline_s) {
  WaitResult result;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (interrupt_signal() != 0) {
      result.stop = true;
      break;
    }
    lose_hung_hosts();
    if (!queue_.empty()) break;
    const double t = now();
    if (deadline_s && t >= *deadline_s) break;
    const double slice = deadline_s ? std::min(kWaitSlice_s, *deadline_s - t) : kWaitSlice_s;
    wake_.wait_for(lock, std::chrono::duration<double>(slice));
  }
  result.now_s = now();
  for (auto& [event, at_s] : queue_) result.ended.push_back({std::move(event), at_s});
  queue_.clear();
  return result;
}

RealRunResult LibvirtRun::run() {
  RealRunResult result;
  if (!journal_.ok()) {
    result.exit_status = 2;
    result.error = "cannot write " + options_.out_dir + "/journal.jsonl";
    return result;
  }
  if (const auto leftovers = describe_leftovers(options_.out_dir); !leftovers.empty()) {
    result.exit_status = 2;
    result.error = options_.out_dir + " holds " + std::to_string(leftovers.size()) +
                   " leftovers of an earlier run (first: " + leftovers.front() +
                   "); run `firedrill cleanup " + options_.out_dir + "` first";
    return result;
  }
  journal_.run_started(run_id_);
  FailoverEngine engine(scenario_);
  if (!connect_hosts(result) || !prepare_sources(result)) {
    finish(result);
    return result;
  }
  if (const int signal = interrupt_signal(); signal != 0) {
    result.exit_status = 128 + signal;
    result.interrupt_signal = signal;
    result.error = "interrupted before the drill's clock started";
    finish(result);
    return result;
  }
  DriveResult driven;
  try {
    driven = drive(engine, *this, DriveLimits{}, options_.observer);
  } catch (const SetupFailed& failed) {
    result.exit_status = failed.exit_status;
    result.error = failed.error;
    finish(result);
    return result;
  }
  if (!driven.error.empty()) {
    result.exit_status = 3;
    result.error = "the run stopped at t=" + std::to_string(driven.end_s) + ": " + driven.error;
    finish(result);
    return result;
  }
  result.outcome = engine.outcome();
  if (driven.stopped) {
    result.interrupt_signal = interrupt_signal();
    result.outcome->ended = RunEnd::interrupted;
    result.outcome->end_s = driven.end_s;
    note(std::string("interrupted by ") +
         (result.interrupt_signal == SIGINT ? "SIGINT" : "SIGTERM") +
         " at t=" + std::to_string(driven.end_s) + ": the results are those so far");
  } else {
    record_production_at_end();
  }
  log(std::string("run ended (") + to_string(result.outcome->ended) +
      ") at t=" + std::to_string(result.outcome->end_s));
  finish(result);
  return result;
}

}  // namespace libvirt_run

using libvirt_run::LibvirtRun;

RealRunResult run_libvirt(const Scenario& realized, const RealRunOptions& options) {
  const InterruptScope signals;  // SIGINT/SIGTERM stop the drill and undo it (interrupt.hpp)
  auto run = std::make_unique<LibvirtRun>(realized, options);
  RealRunResult result = run->run();
  // Workers abandoned on a host that stopped answering may still wake up one day: the
  // state they use stays allocated (a deliberate leak, once per such run).
  if (run->abandoned_workers() > 0) (void)run.release();
  return result;
}

std::vector<std::string> describe_leftovers(const std::string& out_dir) {
  std::vector<std::string> lines;
  for (const JournalObject& object : journal_leftovers(out_dir)) {
    lines.push_back(object.kind + " " + object.name + " on " + object.host);
  }
  return lines;
}

}  // namespace firedrill
