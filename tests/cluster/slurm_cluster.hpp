// A Slurm cluster of one machine for the sweep tests: munged, slurmctld and slurmd from
// Debian's slurm-wlm and munge, every file (key, configuration, state, spool, logs,
// sockets) in one temporary folder, on free TCP ports, so it touches nothing of the
// machine's own. The daemons run in the foreground as children of the test and die with
// it (PR_SET_PDEATHSIG); slurmd and every job it starts run in a PID namespace of their
// own, so no job outlives the cluster either.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace firedrill::testing {

struct Daemon {
  std::string name;
  pid_t pid = -1;
  // What stops it, sent by stop() and by the kernel when the test dies. `unshare --fork`
  // ignores SIGTERM while it waits for its child, so the PID namespace gets SIGKILL.
  int stop_signal = 15;  // SIGTERM
};

class SlurmCluster {
 public:
  // Starts the cluster in `root` (created) and waits, at most `timeout_s`, for its node to
  // be idle. On failure, problem() says why and whatever had started is stopped.
  SlurmCluster(const std::string& root, double timeout_s);
  // Cancels every job still queued or running (bounded), then stops the daemons.
  ~SlurmCluster();
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  const std::string& problem() const { return problem_; }
  // Shell words that export what the Slurm commands need (SLURM_CONF), to put in front of
  // a command line.
  std::string environment() const;
  // Waits until no job is queued or running; false after `timeout_s`.
  bool wait_until_idle(double timeout_s) const;
  // The tail of the daemons' logs, for a failure message.
  std::string logs() const;

 private:
  bool start(double timeout_s);
  void stop();

  std::string root_;
  std::string conf_;
  std::string problem_;
  std::vector<Daemon> daemons_;  // in start order
};

// Runs `command` with /bin/sh under `timeout` (killed after `timeout_s`); returns its exit
// status (124 on timeout, -1 when it did not exit) and its stdout and stderr together.
int run_bounded(const std::string& command, double timeout_s, std::string* output = nullptr);
// Single-quotes a shell word.
std::string quote(const std::string& word);

}  // namespace firedrill::testing
