// The fork pool: fork per task, a pipe for the result and one for stderr, poll() in the
// parent, every child reaped and every outcome reported.
#include "sim/fork_pool.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace firedrill {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kStderrTail = 1500;  // bytes of a child's stderr kept for its error
constexpr std::size_t kReadChunk = 65536;

struct Child {
  pid_t pid = -1;
  std::size_t task = 0;
  int result_fd = -1;
  int error_fd = -1;
  std::string output;
  std::string error_tail;
  Clock::time_point started;
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// In the child: run the work, send 'R'+text or 'E'+message, and leave without unwinding
// into the parent's code.
[[noreturn]] void child_main(std::size_t task, const std::function<std::string(std::size_t)>& work,
                             int result_fd, int error_fd, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  std::signal(SIGINT, SIG_IGN);  // the parent decides what a Ctrl-C stops
  std::signal(SIGTERM, SIG_DFL);
  if (error_fd >= 0) {  // else stderr stays the parent's
    ::dup2(error_fd, STDERR_FILENO);
    ::close(error_fd);
  }
  std::string message;
  char kind = 'R';
  try {
    message = work(task);
  } catch (const std::exception& failure) {
    kind = 'E';
    message = failure.what();
  } catch (...) {
    kind = 'E';
    message = "unknown exception";
  }
  const bool sent =
      write_all(result_fd, &kind, 1) && write_all(result_fd, message.data(), message.size());
  ::_exit(sent ? 0 : 1);
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    const char* name = ::strsignal(signal_number);
    return "killed by signal " + std::to_string(signal_number) + " (" + (name ? name : "?") + ")";
  }
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended with wait status " + std::to_string(status);
}

std::string with_stderr(std::string error, const std::string& tail) {
  std::string cleaned;
  for (char c : tail) cleaned += (c == '\n' || c == '\r') ? ' ' : c;
  while (!cleaned.empty() && cleaned.back() == ' ') cleaned.pop_back();
  if (!cleaned.empty()) error += "; stderr: " + cleaned;
  return error;
}

TaskResult classify(Child& child, int status) {
  TaskResult result;
  result.task = child.task;
  const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (clean_exit && !child.output.empty() && child.output[0] == 'R') {
    result.status = TaskResult::Status::ok;
    result.output = child.output.substr(1);
    return result;
  }
  if (clean_exit && !child.output.empty() && child.output[0] == 'E') {
    result.status = TaskResult::Status::failed;
    result.error = with_stderr(child.output.substr(1), child.error_tail);
    return result;
  }
  result.status = TaskResult::Status::crashed;
  result.error =
      with_stderr(clean_exit ? "exited without a result" : describe_exit(status), child.error_tail);
  return result;
}

// Reads what is available on fd; closes it at end of file. Returns false on EOF/error.
void drain(int& fd, std::string& sink, bool keep_tail) {
  char buffer[kReadChunk];
  for (;;) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      sink.append(buffer, static_cast<std::size_t>(got));
      if (keep_tail && sink.size() > 2 * kStderrTail) sink.erase(0, sink.size() - kStderrTail);
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    close_fd(fd);  // end of file, or an error that ends the stream just the same
    return;
  }
}

class Runner {
 public:
  Runner(const std::function<std::string(std::size_t)>& work,
         const std::function<void(TaskResult&&)>& on_result, const PoolOptions& options,
         std::size_t total)
      : work_(work), on_result_(on_result), options_(options), total_(total) {}

  PoolStats run(const std::vector<std::size_t>& tasks) {
    std::size_t next = 0;
    while (next < tasks.size() || !children_.empty()) {
      if (stop_requested()) break;
      while (next < tasks.size() && children_.size() < static_cast<std::size_t>(options_.jobs) &&
             !stop_requested()) {
        if (!launch(tasks[next])) break;  // fork failed with children running: retry later
        ++next;
      }
      wait_and_collect();
      report_progress(false);
    }
    if (stop_requested()) {
      stats_.stopped = true;
      for (Child& child : children_) {
        ::kill(child.pid, SIGKILL);
        int status = 0;
        while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
        }
        close_fd(child.result_fd);
        close_fd(child.error_fd);
      }
      children_.clear();
    }
    report_progress(true);
    return stats_;
  }

 private:
  bool stop_requested() const { return options_.stop != nullptr && *options_.stop != 0; }

  void deliver(TaskResult&& result) {
    ++stats_.delivered;
    ++progress_.done;
    if (result.status != TaskResult::Status::ok) ++progress_.failed;
    on_result_(std::move(result));
  }

  // False when fork failed while other children run (try again once one ends).
  bool launch(std::size_t task) {
    int result_pipe[2];
    int error_pipe[2] = {-1, -1};  // stays closed unless stderr is captured
    if (::pipe2(result_pipe, O_CLOEXEC) != 0) return launch_failed(task, "pipe");
    if (options_.capture_stderr && ::pipe2(error_pipe, O_CLOEXEC) != 0) {
      ::close(result_pipe[0]);
      ::close(result_pipe[1]);
      return launch_failed(task, "pipe");
    }
    std::fflush(nullptr);  // or the child would flush the parent's buffered output again
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (int fd : {result_pipe[0], result_pipe[1], error_pipe[0], error_pipe[1]}) close_fd(fd);
      return launch_failed(task, "fork");
    }
    if (pid == 0) {
      close_fd(result_pipe[0]);
      close_fd(error_pipe[0]);
      for (Child& other : children_) {
        close_fd(other.result_fd);
        close_fd(other.error_fd);
      }
      child_main(task, work_, result_pipe[1], error_pipe[1], parent);
    }
    close_fd(result_pipe[1]);
    close_fd(error_pipe[1]);
    Child child;
    child.pid = pid;
    child.task = task;
    child.result_fd = result_pipe[0];
    child.error_fd = error_pipe[0];
    for (int fd : {child.result_fd, child.error_fd}) {
      if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    }
    child.started = Clock::now();
    children_.push_back(std::move(child));
    ++stats_.launched;
    return true;
  }

  bool launch_failed(std::size_t task, const char* what) {
    const std::string reason = std::string("cannot ") + what + ": " + std::strerror(errno);
    if (!children_.empty()) return false;
    ++stats_.launched;
    TaskResult result;
    result.task = task;
    result.status = TaskResult::Status::crashed;
    result.error = reason;
    deliver(std::move(result));
    return true;
  }

  int poll_timeout_ms() const {
    double wait_s = options_.progress_interval_s > 0 ? options_.progress_interval_s : 0.5;
    for (const Child& child : children_) {
      if (child.result_fd < 0 && child.error_fd < 0) wait_s = std::min(wait_s, 0.002);
      if (options_.task_timeout_s > 0) {
        wait_s = std::min(wait_s, options_.task_timeout_s - seconds_since(child.started));
      }
    }
    return std::max(0, static_cast<int>(wait_s * 1000) + 1);
  }

  void wait_and_collect() {
    std::vector<pollfd> fds;
    for (const Child& child : children_) {
      if (child.result_fd >= 0) fds.push_back({child.result_fd, POLLIN, 0});
      if (child.error_fd >= 0) fds.push_back({child.error_fd, POLLIN, 0});
    }
    if (!fds.empty() || !children_.empty()) {
      const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms());
      if (ready < 0 && errno != EINTR) {
        // poll itself failing is a broken invariant of this loop; back off briefly.
        ::usleep(1000);
      }
    }
    for (Child& child : children_) {
      if (child.result_fd >= 0) drain(child.result_fd, child.output, false);
      if (child.error_fd >= 0) drain(child.error_fd, child.error_tail, true);
    }
    reap();
  }

  void reap() {
    for (auto it = children_.begin(); it != children_.end();) {
      Child& child = *it;
      int status = 0;
      bool finished = false;
      bool timed_out = false;
      if (child.result_fd < 0 && child.error_fd < 0) {
        // Its pipes closed: the child is in _exit and becomes reapable within microseconds.
        // Look a few times before going back to poll(), which would cost a millisecond.
        for (int attempt = 0; attempt < 40 && !finished; ++attempt) {
          const pid_t got = ::waitpid(child.pid, &status, WNOHANG);
          finished = got == child.pid || (got < 0 && errno == ECHILD);
          if (!finished) ::usleep(25);
        }
      }
      if (!finished && options_.task_timeout_s > 0 &&
          seconds_since(child.started) > options_.task_timeout_s) {
        ::kill(child.pid, SIGKILL);
        while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
        }
        finished = true;
        timed_out = true;
      }
      if (!finished) {
        ++it;
        continue;
      }
      close_fd(child.result_fd);
      close_fd(child.error_fd);
      TaskResult result;
      if (timed_out) {
        result.task = child.task;
        result.status = TaskResult::Status::timed_out;
        char limit[64];
        std::snprintf(limit, sizeof limit, "%g", options_.task_timeout_s);
        result.error =
            with_stderr(std::string("timed out after ") + limit + " s", child.error_tail);
      } else {
        result = classify(child, status);
      }
      it = children_.erase(it);
      deliver(std::move(result));
    }
  }

  void report_progress(bool force) {
    if (!options_.progress) return;
    const double now = seconds_since(start_);
    const bool due = now - last_progress_s_ >= options_.progress_interval_s;
    if (!force && !due) return;
    progress_.total = total_;
    progress_.running = children_.size();
    progress_.elapsed_s = now;
    last_progress_s_ = now;
    options_.progress(progress_);
  }

  const std::function<std::string(std::size_t)>& work_;
  const std::function<void(TaskResult&&)>& on_result_;
  const PoolOptions& options_;
  std::size_t total_;
  std::vector<Child> children_;
  PoolStats stats_;
  PoolProgress progress_;
  Clock::time_point start_ = Clock::now();
  double last_progress_s_ = -1e9;
};

}  // namespace

PoolStats run_forked(const std::vector<std::size_t>& tasks,
                     const std::function<std::string(std::size_t task)>& work,
                     const std::function<void(TaskResult&&)>& on_result,
                     const PoolOptions& options) {
  PoolOptions checked = options;
  checked.jobs = std::max(1, options.jobs);
  Runner runner(work, on_result, checked, tasks.size());
  return runner.run(tasks);
}

}  // namespace firedrill
