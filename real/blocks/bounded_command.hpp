// Programs the incremental cycles start (ssh, qemu-nbd): started without a shell, their
// stderr kept for the error message, and every wait for them bounded.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace firedrill::blocks {

// Starts argv (argv[0] looked up in PATH) with stdin and stdout on /dev/null and stderr on a
// pipe whose read end (non-blocking) is put in `stderr_fd`; the child gets SIGTERM when the
// thread that started it ends, so a killed run leaves no helper behind. Throws BlockError.
pid_t spawn(const std::vector<std::string>& argv, int& stderr_fd);

// Everything that can be read from `fd` now, trailing newlines dropped.
std::string drain(int fd);

// Runs argv to its end within timeout_s: its exit status, or -1 when it was killed at the
// timeout. `said` gets its stderr.
int run_bounded(const std::vector<std::string>& argv, double timeout_s, std::string& said);

// Stops `pid` (TERM, then KILL after a second) and reaps it.
void stop_child(pid_t pid);

// `word` quoted for a POSIX shell (ssh hands a remote command to the user's shell).
std::string shell_quoted(const std::string& word);

}  // namespace firedrill::blocks
