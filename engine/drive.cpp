// drive(): the driving loop of engine/commands.hpp, shared by every backend (drive.hpp).
#include "engine/drive.hpp"

#include <algorithm>
#include <set>
#include <type_traits>

namespace firedrill {

namespace {

// Times closer than this (seconds) are the same instant: a timer is due when the backend's
// clock is within kEpsilon of it (a simulator's clock and the engine's arithmetic may differ
// by an ulp).
constexpr double kEpsilon = 1e-9;

std::string at(double t_s) {
  return "t=" + std::to_string(t_s);
}

class Loop {
 public:
  Loop(FailoverEngine& engine, Backend& backend, const DriveLimits& limits, DriveObserver* observer)
      : engine_(engine), backend_(backend), limits_(limits), observer_(observer) {}

  DriveResult run();

 private:
  void call(const char* name, std::vector<Command> commands);
  void track(const std::vector<Command>& commands);
  bool take(WaitResult&& waited);
  bool step();

  FailoverEngine& engine_;
  Backend& backend_;
  const DriveLimits& limits_;
  DriveObserver* observer_;
  DriveResult result_;
  double now_s_ = 0.0;
  std::set<ActivityId> in_flight_;  // started, neither reported nor cancelled
  std::set<ActivityId> cancelled_;  // a backend may still report these: they are dropped
  std::vector<Completion> queue_;   // ended, not yet handed to the engine
  std::set<ActivityId> queued_;     // their ids, less those cancelled since
};

// One engine call's commands: watched, then carried out.
void Loop::call(const char* name, std::vector<Command> commands) {
  ++result_.engine_calls;
  if (observer_) {
    observer_->after_step(engine_, now_s_);
    observer_->on_commands(name, now_s_, commands);
  }
  track(commands);
  backend_.execute(commands, now_s_);
}

void Loop::track(const std::vector<Command>& commands) {
  for (const Command& command : commands) {
    std::visit(
        [this](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, CancelTransfer>) {
            if (in_flight_.erase(c.id) > 0) cancelled_.insert(c.id);
            queued_.erase(c.id);  // ended, but not yet told: now it never is
          } else if constexpr (std::is_same_v<T, StartTransfer> ||
                               std::is_same_v<T, StartRestore> || std::is_same_v<T, StartBoot> ||
                               std::is_same_v<T, StartShutdown>) {
            in_flight_.insert(c.id);
          }
        },
        command);
  }
}

// Queues what a wait() returned; false when the backend asked to stop or reported an
// activity that is not in flight.
bool Loop::take(WaitResult&& waited) {
  now_s_ = std::max(now_s_, waited.now_s);
  if (waited.stop) {
    result_.stopped = true;
    return false;
  }
  for (Completion& completion : waited.ended) {
    const ActivityId id = activity_of(completion.event);
    if (id != 0 && in_flight_.erase(id) == 0) {
      if (cancelled_.erase(id) > 0) continue;  // cancelled meanwhile: never reported
      result_.error = "the backend reported activity #" + std::to_string(id) +
                      ", which is not in flight (never started, or reported already), at " +
                      at(now_s_);
      return false;
    }
    if (id != 0) queued_.insert(id);
    queue_.push_back(std::move(completion));
  }
  return true;
}

// One wake of the backend: the timers due at that instant, then what ended, in order of
// activity id (engine/commands.hpp). False when the run must stop.
bool Loop::step() {
  const std::optional<double> deadline = engine_.poll_timeout();
  if (!deadline && in_flight_.empty()) {
    result_.error = "the engine is not finished but waits for nothing (" + at(now_s_) + ")";
    return false;
  }
  if (!take(backend_.wait(deadline))) return false;
  if (!deadline && queue_.empty()) {
    result_.error = "the engine is not finished but waits for nothing (" + at(now_s_) +
                    "): the backend has nothing in flight that could end";
    return false;
  }
  if (deadline && *deadline <= now_s_ + kEpsilon) {
    now_s_ = std::max(now_s_, *deadline);
    call("advance", engine_.advance(now_s_));
    // What the timers' commands ended at once joins this instant's completions.
    if (!take(backend_.wait(now_s_))) return false;
  }
  std::vector<Completion> batch;
  batch.swap(queue_);
  std::stable_sort(batch.begin(), batch.end(), [](const Completion& a, const Completion& b) {
    return activity_of(a.event) < activity_of(b.event);
  });
  for (const Completion& completion : batch) {
    if (engine_.finished()) break;
    const ActivityId id = activity_of(completion.event);
    if (id != 0 && queued_.erase(id) == 0) continue;  // cancelled after it ended
    now_s_ = std::max(now_s_, completion.at_s);
    if (observer_) observer_->on_event(completion, now_s_);
    call("handle", engine_.handle(completion.event, now_s_));
  }
  return true;
}

DriveResult Loop::run() {
  call("setup", engine_.setup());
  backend_.start_clock();
  call("advance", engine_.advance(0.0));
  while (!engine_.finished()) {
    if (result_.iterations >= limits_.max_iterations) {
      result_.error = "the driving loop reached its bound of " +
                      std::to_string(limits_.max_iterations) + " iterations at " + at(now_s_);
      break;
    }
    ++result_.iterations;
    if (!step()) break;
  }
  result_.end_s = now_s_;
  return result_;
}

}  // namespace

ActivityId activity_of(const DriverEvent& event) {
  return std::visit(
      [](const auto& e) -> ActivityId {
        if constexpr (requires { e.id; }) {
          return e.id;
        } else {
          return 0;
        }
      },
      event);
}

DriveResult drive(FailoverEngine& engine, Backend& backend, const DriveLimits& limits,
                  DriveObserver* observer) {
  return Loop(engine, backend, limits, observer).run();
}

}  // namespace firedrill
