// Forked simulations: the child runs the driver and writes {"outcome": ...} or
// {"error": "..."} as JSON to a pipe, the parent reads it and reaps the child.
#include "sim/simulate.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <vector>

#include <xbt/log.h>
#include <nlohmann/json.hpp>

#include "engine/outcome_json.hpp"
#include "sim/driver.hpp"

namespace firedrill {

namespace {

Diagnostic child_error(const SimChild& child, const std::string& what) {
  Diagnostic diagnostic;
  diagnostic.file = child.file.empty() ? child.scenario : child.file;
  diagnostic.message = "simulation of scenario '" + child.scenario + "' (seed " +
                       std::to_string(child.seed) + ") " + what + "; rerun with --seed " +
                       std::to_string(child.seed);
  return diagnostic;
}

bool write_all(int fd, const std::string& text) {
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<std::size_t>(n);
  }
  return true;
}

[[noreturn]] void run_child(int fd, const Scenario& realized, const SimOptions& options) {
  nlohmann::json answer;
  int status = 0;
  try {
    answer["outcome"] = outcome_to_json(simulate_in_process(realized, options));
  } catch (const std::exception& error) {
    answer = {{"error", error.what()}};
    status = 3;
  }
  const bool sent = write_all(fd, answer.dump());
  ::close(fd);
  ::_exit(sent ? status : 4);
}

}  // namespace

Outcome simulate_in_process(const Scenario& realized, const SimOptions& options) {
  if (!options.verbose) xbt_log_control_set("root.thres:critical");
  return sim::run_driver(realized, sim::simgrid_config(options.thread_contexts, options.verbose),
                         options.verbose);
}

std::vector<sim::BatchResult> simulate_batch_in_process(const std::vector<Scenario>& realized,
                                                        const SimOptions& options) {
  if (!options.verbose) xbt_log_control_set("root.thres:critical");
  return sim::run_batch(realized, sim::simgrid_config(options.thread_contexts, options.verbose),
                        options.verbose);
}

Result<SimChild> start_simulation(const Scenario& realized, const SimOptions& options) {
  SimChild child;
  child.scenario = realized.name;
  child.file = realized.file;
  child.seed = realized.seed;
  int fds[2];
  if (::pipe(fds) != 0)
    return child_error(child, std::string("could not start: pipe: ") + std::strerror(errno));
  std::fflush(nullptr);  // nothing buffered is written twice
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int fork_errno = errno;
    ::close(fds[0]);
    ::close(fds[1]);
    return child_error(child, std::string("could not start: fork: ") + std::strerror(fork_errno));
  }
  if (pid == 0) {
    ::close(fds[0]);
    run_child(fds[1], realized, options);
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);
  child.pid = pid;
  child.fd = fds[0];
  return child;
}

bool read_available(SimChild& child) {
  char buffer[1 << 16];
  while (!child.eof) {
    const ssize_t n = ::read(child.fd, buffer, sizeof buffer);
    if (n > 0) {
      child.received.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      child.eof = true;
    } else if (errno == EINTR) {
      continue;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return false;
    } else {
      child.eof = true;  // a broken pipe ends the answer; the exit status tells the rest
    }
  }
  return true;
}

Result<Outcome> finish_simulation(SimChild& child) {
  while (!read_available(child)) {
    pollfd wait_for{child.fd, POLLIN, 0};
    ::poll(&wait_for, 1, -1);
  }
  ::close(child.fd);
  child.fd = -1;
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0) {
    if (errno != EINTR)
      return child_error(child, std::string("lost its process: ") + std::strerror(errno));
  }
  child.pid = -1;
  if (WIFSIGNALED(status)) {
    const int signal = WTERMSIG(status);
    return child_error(child, "crashed: killed by signal " + std::to_string(signal) + " (" +
                                  ::strsignal(signal) + ")");
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  nlohmann::json answer = nlohmann::json::parse(child.received, nullptr, false);
  std::string().swap(child.received);
  if (answer.is_object() && answer.contains("error")) {
    return child_error(child, "failed: " + answer["error"].get<std::string>());
  }
  if (code != 0 || !answer.is_object() || !answer.contains("outcome")) {
    return child_error(child, "ended without an answer (exit status " + std::to_string(code) + ")");
  }
  try {
    return outcome_from_json(answer["outcome"]);
  } catch (const std::exception& error) {
    return child_error(child, std::string("sent an unreadable outcome: ") + error.what());
  }
}

Result<Outcome> simulate(const Scenario& realized, const SimOptions& options) {
  Result<SimChild> child = start_simulation(realized, options);
  if (!child.ok()) return child.errors();
  return finish_simulation(child.value());
}

}  // namespace firedrill
