// Starts and stops the one-machine Slurm cluster of the sweep tests (slurm_cluster.hpp).
#include "tests/cluster/slurm_cluster.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace firedrill::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kNode = "fdnode";
// The node claims 8 CPUs whatever the machine has (SlurmdParameters=config_overrides):
// the documented job array asks 4 CPUs per task, and two tasks at a time keep the test
// short on a 2-core machine. The test checks results, not speed.
constexpr int kNodeCpus = 8;

// A TCP port nothing listens on now (the kernel's choice for port 0).
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::string slurm_conf(const std::string& root, int controller_port, int node_port) {
  const std::string host = host_name();
  std::ostringstream conf;
  conf << "ClusterName=firedrill-test\n"
       << "SlurmctldHost=" << host << "(127.0.0.1)\n"
       << "SlurmctldPort=" << controller_port << "\nSlurmdPort=" << node_port << "\n"
       << "SlurmUser=root\nSlurmdUser=root\n"
       << "AuthType=auth/munge\nCredType=cred/munge\n"
       << "AuthInfo=socket=" << root << "/munge/socket\n"
       << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
       << "SelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
       // Schedule as soon as a task ends (the default backfill pass runs every 30 s).
       << "SchedulerType=sched/backfill\n"
       << "SchedulerParameters=bf_interval=1,sched_min_interval=0,batch_sched_delay=0\n"
       << "JobAcctGatherType=jobacct_gather/none\nAccountingStorageType=accounting_storage/none\n"
       << "MpiDefault=none\nReturnToService=2\n"
       << "StateSaveLocation=" << root << "/state\nSlurmdSpoolDir=" << root << "/spool\n"
       << "SlurmctldPidFile=" << root << "/slurmctld.pid\n"
       << "SlurmdPidFile=" << root << "/slurmd.pid\n"
       << "SlurmctldLogFile=" << root << "/log/slurmctld.log\n"
       << "SlurmdLogFile=" << root << "/log/slurmd.log\n"
       << "SlurmdParameters=config_overrides\n"
       << "NodeName=" << kNode << " NodeAddr=127.0.0.1 NodeHostname=" << host
       << " CPUs=" << kNodeCpus << " RealMemory=1000 State=UNKNOWN\n"
       << "PartitionName=test Nodes=" << kNode << " Default=YES MaxTime=INFINITE State=UP\n";
  return conf.str();
}

// Forks and execs `argv` with stdout and stderr into `log`; the child gets `stop_signal`
// when this process dies, however it dies.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log, int stop_signal) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, stop_signal);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::close(fd);
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

bool exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid;
}

// Its stop signal, up to 15 s to go, then SIGKILL; always reaped.
void terminate(Daemon& daemon) {
  if (daemon.pid <= 0) return;
  ::kill(daemon.pid, daemon.stop_signal);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!exited(daemon.pid)) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(daemon.pid, SIGKILL);
      ::waitpid(daemon.pid, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  daemon.pid = -1;
}

std::string tail_of(const fs::path& path, std::size_t bytes) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  const std::string all = text.str();
  return all.size() > bytes ? all.substr(all.size() - bytes) : all;
}

}  // namespace

std::string quote(const std::string& word) {
  std::string quoted = "'";
  for (const char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

int run_bounded(const std::string& command, double timeout_s, std::string* output) {
  const std::string line = "timeout -k 5 " + std::to_string(timeout_s) + " /bin/sh -c " +
                           quote(command) + " </dev/null 2>&1";
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return -1;
  std::string text;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) text.append(buffer, n);
  const int status = ::pclose(pipe);
  if (output != nullptr) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

SlurmCluster::SlurmCluster(const std::string& root, double timeout_s)
    : root_(root), conf_(root + "/slurm.conf") {
  if (!start(timeout_s)) stop();
}

SlurmCluster::~SlurmCluster() {
  stop();
}

std::string SlurmCluster::environment() const {
  return "export SLURM_CONF=" + quote(conf_) + ";";
}

bool SlurmCluster::start(double timeout_s) {
  for (const char* dir : {"munge", "state", "spool", "log"})
    fs::create_directories(root_ + "/" + dir);
  std::string output;
  if (run_bounded("mungekey -c -k " + quote(root_ + "/munge/munge.key"), 30, &output) != 0) {
    problem_ = "mungekey failed (is munge installed?): " + output;
    return false;
  }
  const int controller_port = free_port(), node_port = free_port();
  std::ofstream(conf_) << slurm_conf(root_, controller_port, node_port);
  const std::string munge = root_ + "/munge/";
  daemons_.push_back(
      {"munged",
       spawn({"munged", "-F", "--force", "--key-file=" + munge + "munge.key",
              "--socket=" + munge + "socket", "--pid-file=" + munge + "pid",
              "--seed-file=" + munge + "seed", "--log-file=" + root_ + "/log/munged.log"},
             root_ + "/log/munged.out", SIGTERM),
       SIGTERM});
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  while (!fs::exists(munge + "socket")) {
    if (std::chrono::steady_clock::now() > deadline || exited(daemons_.back().pid)) {
      problem_ = "munged did not start: " + tail_of(root_ + "/log/munged.out", 2000);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  daemons_.push_back(
      {"slurmctld",
       spawn({"slurmctld", "-D", "-i", "-f", conf_}, root_ + "/log/slurmctld.out", SIGTERM),
       SIGTERM});
  // slurmd is PID 1 of a PID namespace (with its own /proc, which proctrack/linuxproc
  // reads): when it dies, the kernel kills every job step it started.
  daemons_.push_back({"slurmd",
                      spawn({"unshare", "--pid", "--fork", "--mount-proc", "--kill-child", "slurmd",
                             "-D", "-N", kNode, "-f", conf_},
                            root_ + "/log/slurmd.out", SIGKILL),
                      SIGKILL});
  while (true) {
    run_bounded(environment() + " sinfo -h -o %T -n " + kNode, 10, &output);
    if (output == "idle\n") return true;
    for (const Daemon& daemon : daemons_) {
      if (exited(daemon.pid)) {
        problem_ = daemon.name + " exited: " + logs();
        return false;
      }
    }
    if (std::chrono::steady_clock::now() > deadline) {
      problem_ = "the node is not idle after " + std::to_string(timeout_s) +
                 " s (sinfo: " + output + "): " + logs();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

bool SlurmCluster::wait_until_idle(double timeout_s) const {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int>(timeout_s * 1000));
  std::string output;
  while (std::chrono::steady_clock::now() < deadline) {
    if (run_bounded(environment() + " squeue -h -o %i", 10, &output) == 0 && output.empty()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  return false;
}

void SlurmCluster::stop() {
  bool controller_up = false;
  for (const Daemon& daemon : daemons_)
    controller_up |= daemon.name == "slurmctld" && daemon.pid > 0;
  if (controller_up) {
    run_bounded(environment() + " squeue -h -o %i | xargs -r scancel", 30);
    wait_until_idle(30);
  }
  for (auto it = daemons_.rbegin(); it != daemons_.rend(); ++it) terminate(*it);
  daemons_.clear();
}

std::string SlurmCluster::logs() const {
  std::string text;
  for (const char* log :
       {"munged.out", "slurmctld.out", "slurmd.out", "slurmctld.log", "slurmd.log"}) {
    const fs::path path = root_ + "/log/" + log;
    if (fs::exists(path)) text += "\n--- " + std::string(log) + "\n" + tail_of(path, 1500);
  }
  return text;
}

}  // namespace firedrill::testing
