// The fork pool: every task runs in a forked child process (SimGrid needs a fresh process
// per simulation), at most `jobs` at a time. `firedrill run` runs its one simulation
// through it and a what-if sweep its batches (whatif/runner.hpp). The child calls a
// function that returns a text (the run's result as JSON) and sends it back through a
// pipe; the parent hands every result, good or bad, to a callback. Robust by contract:
//  - a child that crashes, is killed, exits without a result, throws or overruns its
//    time limit yields a failed TaskResult naming why (and the tail of its stderr) --
//    never a dropped task;
//  - when *options.stop becomes non-zero (a SIGINT/SIGTERM handler sets it) no new task
//    is launched, the running children are killed and reaped, and run_forked() returns
//    with stopped = true; results delivered before that stand.
// The parent's own loop is single-threaded and bounded by the task list; every wait in
// it has a timeout.
#pragma once

#include <csignal>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace firedrill {

struct TaskResult {
  enum class Status {
    ok,         // the child returned a text: `output`
    failed,     // the child's function threw: `error` holds its message
    crashed,    // killed by a signal, exited non-zero, or exited without a result
    timed_out,  // ran longer than task_timeout_s and was killed
  };
  std::size_t task = 0;
  Status status = Status::ok;
  std::string output;
  std::string error;  // for every status but ok: what happened, with the stderr tail
};

struct PoolProgress {
  std::size_t done = 0;    // results delivered (any status)
  std::size_t failed = 0;  // of which not ok
  std::size_t total = 0;   // tasks to run
  std::size_t running = 0;
  double elapsed_s = 0;
};

struct PoolOptions {
  int jobs = 1;               // children at a time (>= 1)
  double task_timeout_s = 0;  // > 0: a child running longer is killed (timed_out)
  // Read between waits; non-zero means stop. Typically set by a signal handler.
  const volatile std::sig_atomic_t* stop = nullptr;
  // Called in the parent at most every progress_interval_s while tasks run, and once at
  // the end.
  std::function<void(const PoolProgress&)> progress;
  double progress_interval_s = 0.2;
  // True: a child's stderr goes to a pipe and its tail into the error of a failed task.
  // False: children write to the parent's stderr (a verbose run's log stays visible).
  bool capture_stderr = true;
};

struct PoolStats {
  std::size_t launched = 0;
  std::size_t delivered = 0;
  bool stopped = false;  // stopped early through options.stop
};

// Runs work(task) in a child process for every task, in list order, `jobs` at a time, and
// calls on_result (in the parent, in completion order) once for every task that was
// launched and not killed by a stop. `work` runs only in children: it may use anything
// inherited from the parent, must not return to the parent's code, and its process ends
// right after (by _exit, so no atexit handler or static destructor runs in the child).
PoolStats run_forked(const std::vector<std::size_t>& tasks,
                     const std::function<std::string(std::size_t task)>& work,
                     const std::function<void(TaskResult&&)>& on_result,
                     const PoolOptions& options);

}  // namespace firedrill
