// The lab fixture (lab_fixture.hpp): the lab's life, its watchdog, and running CLI commands
// with a bound.
#include "lab_fixture.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace lab {

std::string g_root;
std::string g_lab_dir;
std::string g_problem;

namespace {

int g_watchdog_fd = -1;  // write end of the watchdog's pipe (close-on-exec)
int g_lock_fd = -1;      // /tmp/firedrill-real.lock, held while this suite owns a lab

std::string shell_quoted(const std::string& text) {
  std::string result = "'";
  for (char c : text) result += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return result + "'";
}

// A process of its own session that waits for this suite's process to go, however it goes
// (its pipe's write end closes), and then tears the lab down. It keeps no other descriptor
// of ours: not CTest's output pipes (CTest would wait for it), not the lock.
void start_watchdog() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = open("/dev/null", O_RDWR);
    dup2(null, 0), dup2(null, 1), dup2(null, 2);
    for (int fd = 3; fd < 4096; ++fd) {
      if (fd != fds[0]) close(fd);
    }
    fcntl(fds[0], F_SETFD, 0);  // the shell below keeps it (as fd 3)
    setsid();
    // A shell of its own, so that nothing aimed at the suite by name (pkill) hits it. It
    // reads until the pipe closes: "q" means the suite tore its lab down itself.
    dup2(fds[0], 3);
    const std::string command = "x=$(cat <&3); [ \"$x\" = q ] || { " + kLab + " down " +
                                shell_quoted(g_lab_dir) + "; rm -rf " + shell_quoted(g_root) +
                                "; }";
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[0]);
  if (pid > 0)
    g_watchdog_fd = fds[1];
  else
    close(fds[1]);
}

// Labs of suites that died before their watchdog could act (or before there was one).
void remove_stale_labs() {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/tmp", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("firedrill-real-", 0) != 0 || !fs::is_directory(entry.path() / "lab")) continue;
    std::printf("[ lab      ] tearing down a lab left by an earlier run: %s\n",
                entry.path().c_str());
    std::string out;
    shell(kLab + " down " + shell_quoted((entry.path() / "lab").string()), &out, 120);
    fs::remove_all(entry.path(), error);
  }
}

}  // namespace

int shell(const std::string& command, std::string* out, int timeout_s) {
  const std::string bounded = "timeout -k 10 " + std::to_string(timeout_s) + " bash -c " +
                              shell_quoted(command) + (out ? "" : " >/dev/null") + " 2>&1";
  FILE* pipe = popen(bounded.c_str(), "r");
  if (!pipe) return -1;
  char buffer[4096];
  std::string text;
  while (std::fgets(buffer, sizeof buffer, pipe)) text += buffer;
  const int status = pclose(pipe);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return json();
  return json::parse(in, nullptr, false);
}

std::string uri(int host) {
  return "qemu:///system?socket=" + g_lab_dir + "/lab" + std::to_string(host) +
         "/sock/libvirt-sock";
}

// Every domain and volume on the lab hosts, and every QEMU the hosts run.
std::vector<std::string> lab_inventory() {
  std::vector<std::string> items;
  for (int host = 1; host <= 3; ++host) {
    std::string out;
    shell("virsh -q -c '" + uri(host) + "' 'list --all --name; vol-list firedrill'", &out);
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find_first_not_of(" \t") != std::string::npos) {
        items.push_back("lab" + std::to_string(host) + ": " + line);
      }
    }
    std::error_code error;
    for (const auto& entry :
         fs::directory_iterator(g_lab_dir + "/lab" + std::to_string(host) + "/run/qemu", error)) {
      // QEMU pidfiles of running guests (driver.pid is libvirtd's own)
      if (entry.path().extension() != ".pid" || entry.path().filename() == "driver.pid") continue;
      std::ifstream pidfile(entry.path());
      std::string pid;
      std::getline(pidfile, pid);
      std::ifstream comm("/proc/" + pid + "/comm");
      std::string name;
      if (!pid.empty() && std::getline(comm, name) && name.rfind("qemu", 0) == 0) {
        items.push_back("lab" + std::to_string(host) + ": qemu pid " + pid + " (" +
                        entry.path().string() + ")");
      }
    }
  }
  return items;
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += "\n  " + item;
  return text;
}

pid_t daemon_pid(int host) {
  std::ifstream in(g_lab_dir + "/lab" + std::to_string(host) + "/libvirtd.pid");
  pid_t pid = -1;
  in >> pid;
  return in ? pid : -1;
}

json LabRun::vm(const std::string& name) const {
  for (const auto& v : outcome["vms"]) {
    if (v["name"] == name) return v;
  }
  return json();
}

LabRun run_scenario(const std::string& scenario, const std::string& name) {
  return run_scenario_file(kSource + "/scenarios/lab/" + scenario, name);
}

LabRun run_scenario_file(const fs::path& scenario, const std::string& name,
                         const std::string& hosts_file) {
  LabRun run;
  const std::string hosts = hosts_file.empty() ? g_lab_dir + "/hosts" : hosts_file;
  run.out = fs::path(g_root) / name;
  const auto started = std::chrono::steady_clock::now();
  run.status = shell(kRealRun + " " + scenario.string() + " --hosts-file " + hosts + " --out " +
                         run.out.string() + " --verbose --end-when-settled",
                     &run.output);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("[ lab run  ] %s: %.1f s wall clock\n", scenario.filename().c_str(), run.wall_s);
  run.outcome = read_json(run.out / "outcome.json");
  run.evidence = read_json(run.out / "libvirt.json");
  return run;
}

pid_t start_run(const std::string& scenario, const fs::path& out) {
  fs::create_directories(out.parent_path());
  const pid_t child = fork();
  if (child == 0) {
    const std::string path = kSource + "/scenarios/lab/" + scenario;
    const std::string hosts = g_lab_dir + "/hosts";
    const std::string log = out.string() + ".log";
    if (!freopen(log.c_str(), "w", stderr)) _exit(127);
    execl(kRealRun.c_str(), kRealRun.c_str(), path.c_str(), "--hosts-file", hosts.c_str(), "--out",
          out.c_str(), "--verbose", "--end-when-settled", static_cast<char*>(nullptr));
    _exit(127);
  }
  return child;
}

bool wait_for_line(const fs::path& file, const std::function<bool(const std::string&)>& matches,
                   double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream lines(file);
    std::string line;
    while (std::getline(lines, line)) {
      if (matches(line)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool wait_for_journal(const fs::path& out, const std::function<bool(const std::string&)>& matches,
                      double timeout_s) {
  return wait_for_line(out / "journal.jsonl", matches, timeout_s);
}

pid_t qemu_pid(int host, const std::string& domain) {
  std::ifstream in(g_lab_dir + "/lab" + std::to_string(host) + "/run/qemu/" + domain + ".pid");
  pid_t pid = -1;
  in >> pid;
  return in ? pid : -1;
}

int wait_child(pid_t child, double timeout_s) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  int status = 0;
  while (waitpid(child, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(child, SIGKILL);
      waitpid(child, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void RealLab::SetUpTestSuite() {
  if (geteuid() != 0) {
    g_problem =
        "the real (libvirt lab) tests need root: they start libvirtd and QEMU through "
        "real/lab/lab. Run them as root (ctest -L real), see docs/lab.md";
    return;
  }
  // One lab suite at a time on a machine; whoever holds the lock may remove stale labs.
  g_lock_fd = open("/tmp/firedrill-real.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (g_lock_fd < 0 || flock(g_lock_fd, LOCK_EX) != 0) {
    g_problem = "cannot lock /tmp/firedrill-real.lock";
    return;
  }
  remove_stale_labs();
  char pattern[] = "/tmp/firedrill-real-XXXXXX";
  g_root = mkdtemp(pattern);
  g_lab_dir = g_root + "/lab";
  start_watchdog();
  std::string out;
  if (shell(kLab + " up 3 " + g_lab_dir, &out) != 0) {
    g_problem = "real/lab/lab up 3 failed (see docs/lab.md for the packages it needs):\n" + out;
  }
}

void RealLab::TearDownTestSuite() {
  if (!g_lab_dir.empty()) {
    std::string out;
    shell(kLab + " down " + g_lab_dir, &out);
    std::error_code error;
    fs::remove_all(g_root, error);
  }
  if (g_watchdog_fd >= 0) {
    const char quit = 'q';
    (void)!write(g_watchdog_fd, &quit, 1);
    close(g_watchdog_fd);
    g_watchdog_fd = -1;
  }
  if (g_lock_fd >= 0) close(g_lock_fd);
  g_lock_fd = -1;
}

void RealLab::SetUp() {
  ASSERT_TRUE(g_problem.empty()) << g_problem;
  // revive hosts an earlier test crashed or froze
  std::string out;
  for (int host = 1; host <= 3; ++host) {
    if (const pid_t pid = daemon_pid(host); pid > 0) kill(pid, SIGCONT);
  }
  ASSERT_EQ(shell(kLab + " up 3 " + g_lab_dir, &out), 0) << out;
  // An earlier test that failed may have left guests behind (it failed for that itself):
  // a fresh lab keeps this test from failing for it too.
  if (const std::vector<std::string> left = lab_inventory(); !left.empty()) {
    std::printf("[ lab      ] an earlier test left%s\n[ lab      ] starting a fresh lab\n",
                joined(left).c_str());
    shell(kLab + " down " + g_lab_dir, &out);
    ASSERT_EQ(shell(kLab + " up 3 " + g_lab_dir, &out), 0) << out;
  }
  ASSERT_TRUE(lab_inventory().empty()) << "the lab is not clean:" << joined(lab_inventory());
}

}  // namespace lab
