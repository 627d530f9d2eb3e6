// The simulated backend of drive() (engine/drive.hpp), internal to sim/: commands become
// SimGrid activities, awaited by a pool of watcher actors; wait() lets the simulated clock
// run until one of them ends. driver_backend.cpp carries out commands and waits,
// driver_failures.cpp turns hosts and links off and on; driver.cpp runs it (driver.hpp).
#pragma once

#include <simgrid/s4u.hpp>

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/drive.hpp"
#include "engine/engine.hpp"
#include "engine/link_slots.hpp"
#include "sim/driver.hpp"
#include "sim/platform.hpp"

namespace firedrill::sim {

enum class Kind { transfer, restore, boot, shutdown };

struct Report {
  ActivityId id = 0;
  Kind kind = Kind::transfer;
  bool ok = true;
  std::string detail;
};

struct Pending {
  Kind kind = Kind::transfer;
  simgrid::s4u::ActivityPtr activity;  // null for timers and immediate completions
  std::string host;                    // boot/shutdown/restore: where; transfer: the source
  std::string target_host;             // transfer only
  double end_s = 0.0;                  // shutdown timers
  double amount = 0.0;                 // transfer: bytes; boot: flops
  bool fails = false;                  // boot: takes its time, then does not reach ready
};

// The simulated backend of drive(), for one run on one copy of the platform.
class Driver : public Backend, public DriveObserver {
 public:
  Driver(const Scenario& scenario, const SimPlatform& platform, bool verbose, DriverStats* stats,
         DriveObserver* observer);

  void run();
  // The run's results, its transfer records moved out of the engine: call once, at the end.
  Outcome take_outcome() { return engine_.take_outcome(); }
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
  void set_failed(FailureTarget kind, const std::string& target, bool failed);
  void set_host(const std::string& host, const std::string& cause, bool failed);
  void set_link(const std::string& link, const std::string& cause, bool failed);
  void fail_waiting();
  // A host told to hang (driver_failures.cpp): what ends there is held, not reported, until
  // the hang ends (Repair) or recovery.host_timeout passes -- then the host is lost: turned
  // off, its held reports become failures, and HostLost is reported first.
  void hang_host(const std::string& host);
  void end_hang(const std::string& host);
  void release_held(const std::string& failure);
  std::optional<double> next_host_loss() const;
  void lose_hung_hosts(WaitResult& result);
  bool hung(const Pending& pending) const;
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
  simgrid::s4u::Host* host(const std::string& name) const;
  void note(const std::string& line) const;

  FailoverEngine engine_;
  DriveObserver* observer_;  // besides this driver's own log (verbose); may be null
  const SimPlatform& platform_;
  bool verbose_;
  DriverStats* stats_;
  LinkSlots slots_;  // transfers waiting for or holding a slot of a limited link
  std::vector<std::string> link_names_;  // of the plan's links, by index
  simgrid::s4u::MutexPtr mutex_;
  simgrid::s4u::ConditionVariablePtr wakeup_;
  std::deque<Report> ready_;                         // ended, not yet told to the engine
  std::unordered_map<ActivityId, Pending> pending_;  // started, not reported, not cancelled
  std::multimap<double, ActivityId> timers_;         // shutdowns: end time -> id
  long in_simgrid_ = 0;                              // watched activities still running
  std::deque<Job> jobs_;                             // handed to watchers, not yet taken
  simgrid::s4u::SemaphorePtr jobs_ready_ = simgrid::s4u::Semaphore::create(0);
  int idle_watchers_ = 0;  // watchers waiting for a job that no job is promised to
  std::map<std::string, std::set<std::string>> host_down_;  // host -> failures holding it off
  std::map<std::string, std::set<std::string>> link_down_;  // plan link -> failures
  double host_timeout_s_;               // recovery.host_timeout: a hung host is lost after it
  std::map<std::string, double> hung_;  // hung host -> when it is lost
  std::vector<Report> held_;            // ended on a hung host, not yet reported
  double now_ = 0.0;
  std::string error_;
  // Boots that do not reach ready (SPEC 9): each attempt draws from (seed, VM, attempt).
  std::uint64_t seed_ = 0;
  std::unordered_map<std::string, double> boot_failure_probability_;  // by VM
  std::unordered_map<std::string, std::uint64_t> boot_attempts_;      // by VM, so far
};

}  // namespace firedrill::sim
