// QemuGa: spawn, wait for the socket (bounded), stop with SIGTERM (then SIGKILL).
#include "tests/agent/qemu_ga_fixture.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace firedrill::agent::testing {

namespace {

constexpr const char* kQemuGa = "/usr/sbin/qemu-ga";

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool accepts_connections(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return connected;
}

}  // namespace

std::string qemu_ga_missing() {
  if (geteuid() != 0) return "needs root (a network namespace for the agent: unshare --net)";
  if (access(kQemuGa, X_OK) != 0)
    return std::string("no ") + kQemuGa + ": apt-get install qemu-guest-agent";
  if (access("/usr/bin/unshare", X_OK) != 0) return "no /usr/bin/unshare (util-linux)";
  return "";
}

QemuGa::QemuGa() {
  if (std::string why = qemu_ga_missing(); !why.empty()) throw std::runtime_error(why);
  char pattern[] = "/tmp/firedrill-qga.XXXXXX";
  if (mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  socket_ = dir_ + "/qga.sock";
  std::string log = dir_ + "/qemu-ga.log";
  std::string script = std::string("ip link set lo up && ") +
                       "ip link add fda type veth peer name fdb && " + "ip link set fda address " +
                       kVethMac + " && " + "exec " + kQemuGa + " -m unix-listen -p " + socket_ +
                       " -t " + dir_ + " >" + log + " 2>&1";
  // --pdeathsig: a test that crashes (an ASan abort) takes its agent with it.
  const char* argv[] = {"/usr/bin/unshare", "--net", "/usr/bin/setpriv", "--pdeathsig", "KILL",
                        "/bin/sh",          "-c",    script.c_str(),     nullptr};
  if (posix_spawn(&pid_, argv[0], nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
    throw std::runtime_error("cannot start unshare");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  // The socket file appears at bind(), before listen(): wait until a connect succeeds.
  while (!accepts_connections(socket_)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("qemu-ga exited before listening: " + slurp(log));
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error("qemu-ga did not listen on " + socket_ +
                               " within 20 s: " + slurp(log));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

QemuGa::~QemuGa() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (waitpid(pid_, &status, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace firedrill::agent::testing
