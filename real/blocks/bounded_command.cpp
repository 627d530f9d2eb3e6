#include "real/blocks/bounded_command.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "real/blocks/block_reader.hpp"

namespace firedrill::blocks {

namespace {
constexpr auto kPoll = std::chrono::milliseconds(50);
}  // namespace

pid_t spawn(const std::vector<std::string>& args, int& stderr_fd) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  int err[2];
  if (args.empty() || ::pipe2(err, O_CLOEXEC) != 0) {
    throw BlockError("cannot start " + (args.empty() ? std::string("nothing") : args[0]));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(err[0]);
    ::close(err[1]);
    throw BlockError("cannot start " + args[0]);
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    ::setpgid(0, 0);  // a terminal's ^C reaches the run, which stops its helpers itself
    const int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, 0);
    ::dup2(null_fd, 1);
    ::dup2(err[1], 2);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(err[1]);
  stderr_fd = err[0];
  ::fcntl(stderr_fd, F_SETFL, O_NONBLOCK);
  return pid;
}

std::string drain(int fd) {
  std::string said;
  char buffer[512];
  for (ssize_t got; fd >= 0 && (got = ::read(fd, buffer, sizeof buffer)) > 0;) {
    said.append(buffer, static_cast<std::size_t>(got));
  }
  while (!said.empty() && (said.back() == '\n' || said.back() == '\r')) said.pop_back();
  return said;
}

int run_bounded(const std::vector<std::string>& argv, double timeout_s, std::string& said) {
  int stderr_fd = -1;
  const pid_t pid = spawn(argv, stderr_fd);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  int exit_status = -1;
  for (;;) {
    said += drain(stderr_fd);
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      stop_child(pid);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  said += drain(stderr_fd);
  ::close(stderr_fd);
  return exit_status;
}

void stop_child(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

std::string shell_quoted(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace firedrill::blocks
