// What both scale benchmarks (bench_scale, bench_simgrid_rate) do around a run: the CPU time
// of this process, and each plan size run in a forked child of its own (SimGrid's engine
// runs once per process).
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench/scale/scale_plan.hpp"

namespace firedrill::bench {

// User + system CPU time of this process so far (what a loaded machine does not inflate).
inline double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// Runs `run_one(options)` for each N of `sizes` (on `hosts` hosts, 0: N / 20, at least 2)
// in a child process; 0 when every child exited 0, else 1 (each failure said on stderr).
template <typename RunOne>
int run_each_size(const std::vector<int>& sizes, int hosts, ScaleOptions options, RunOne run_one) {
  int status = 0;
  for (int n : sizes) {
    options.vms = n;
    options.hosts = hosts > 0 ? hosts : std::max(2, n / 20);
    const pid_t pid = fork();
    if (pid == 0) _exit(run_one(options));
    int child_status = 0;
    waitpid(pid, &child_status, 0);
    if (!WIFEXITED(child_status) || WEXITSTATUS(child_status) != 0) {
      std::fprintf(stderr, "N=%d: the run failed (status %d)\n", n, child_status);
      status = 1;
    }
  }
  return status;
}

}  // namespace firedrill::bench
