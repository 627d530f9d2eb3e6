// drive(): the one loop that runs a FailoverEngine against a backend (the simulator, real
// hosts, or a test's analytic backend). It owns the order of the engine's calls -- setup,
// advance(0), then timers and completions in the canonical order of engine/commands.hpp --
// a bound on its iterations, and the error of an engine that waits for nothing. A backend
// only carries out commands and waits; it never calls the engine. Pure like the engine: no
// clock, no threads, no I/O here; the backend's wait() is where time passes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/commands.hpp"
#include "engine/engine.hpp"

namespace firedrill {

// An activity that ended, and the time (seconds of the run, on the backend's clock) it ended.
struct Completion {
  DriverEvent event;
  double at_s = 0.0;
};

// What a backend's wait() saw.
struct WaitResult {
  // The backend's clock when wait() returned (simulated or steady), seconds of the run.
  double now_s = 0.0;
  // Activities that ended, in any order, each exactly once (drive() sorts them). HostLost
  // may be among them.
  std::vector<Completion> ended;
  // The backend asks the run to end now (an operator's signal, say): drive() returns at
  // once with DriveResult::stopped, without calling the engine again.
  bool stop = false;
};

// The two things a backend does. drive() calls them from one thread, never concurrently.
class Backend {
 public:
  virtual ~Backend() = default;

  // Carries out `commands` in the order given, at run time now_s (the time drive() handed to
  // the engine call that returned them; setup()'s commands come with 0 before the clock
  // starts). An activity that cannot start (its host is down, say) may end at once: report
  // it from the next wait(). May throw to abort the run (drive() does not catch).
  virtual void execute(const std::vector<Command>& commands, double now_s) = 0;

  // Called once between setup()'s commands and advance(0): the run's clock starts at 0 now.
  virtual void start_clock() {}

  // Waits until at least one activity has ended or until `deadline_s` (seconds of the run)
  // has passed, whichever is first, and returns what ended. A deadline already passed
  // returns at once with what has ended so far (that is how drive() collects what ended at
  // once). Without a deadline it waits for an activity to end, and returns at once with
  // nothing when nothing it carries out can ever end. Every wait is bounded by the
  // backend: a real backend wakes on its own deadlines (host timeouts) and may return early
  // with nothing; drive() simply waits again.
  virtual WaitResult wait(std::optional<double> deadline_s) = 0;
};

// Sees the run as drive() drives it: for progress lines, logs, statistics and invariant
// checks. Every method has an empty default; none may call the engine's non-const methods.
class DriveObserver {
 public:
  virtual ~DriveObserver() = default;
  // The engine returned `commands` at now_s (before the backend executes them). `call` is
  // "setup", "advance" or "handle".
  virtual void on_commands(const char* call, double now_s, const std::vector<Command>& commands) {
    (void)call, (void)now_s, (void)commands;
  }
  // `event` is about to be handed to the engine at now_s (it ended at its own at_s).
  virtual void on_event(const Completion& completion, double now_s) {
    (void)completion, (void)now_s;
  }
  // After every engine call (setup, advance, handle) and before its commands are executed.
  virtual void after_step(const FailoverEngine& engine, double now_s) { (void)engine, (void)now_s; }
};

// Several observers seen as one (a driver's own log and the progress lines, say), called in
// the order they were added.
class ObserverList : public DriveObserver {
 public:
  void add(DriveObserver* observer) {
    if (observer) observers_.push_back(observer);
  }
  bool empty() const { return observers_.empty(); }
  void on_commands(const char* call, double now_s, const std::vector<Command>& commands) override {
    for (DriveObserver* o : observers_) o->on_commands(call, now_s, commands);
  }
  void on_event(const Completion& completion, double now_s) override {
    for (DriveObserver* o : observers_) o->on_event(completion, now_s);
  }
  void after_step(const FailoverEngine& engine, double now_s) override {
    for (DriveObserver* o : observers_) o->after_step(engine, now_s);
  }

 private:
  std::vector<DriveObserver*> observers_;
};

struct DriveLimits {
  // Far more iterations than any run needs (each handles at least one timer or one
  // completion, or is a backend's early return), so a broken engine or backend cannot spin
  // forever.
  long max_iterations = 200'000'000;
};

struct DriveResult {
  // Empty when the engine finished; otherwise why drive() stopped it (the bound, an engine
  // that waits for nothing, a completion of an activity nobody started...).
  std::string error;
  bool stopped = false;  // the backend asked to stop (WaitResult::stop)
  double end_s = 0.0;    // the last time handed to the engine
  long iterations = 0;
  long engine_calls = 0;  // setup + advance + handle
  bool ok() const { return error.empty() && !stopped; }
};

// Runs `engine` (fresh, setup() not yet called) with `backend` until engine.finished(), the
// backend asks to stop, or an error; returns how it ended. The engine's outcome() is then
// the run's result (complete when ok()). `observer` may be null.
DriveResult drive(FailoverEngine& engine, Backend& backend, const DriveLimits& limits = {},
                  DriveObserver* observer = nullptr);

// The activity a driver event is about (0 for HostLost).
ActivityId activity_of(const DriverEvent& event);

}  // namespace firedrill
