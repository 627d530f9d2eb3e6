// The lab fixture shared by the lab suites (label `real`): three lab hosts (real/lab/lab up
// 3) in a temporary folder, torn down on every way out -- at the end of the suite, and by a
// watchdog process when the suite dies any other way (CTest's timeout kills it, a crash).
// A suite that finds a lab left by an earlier run tears it down and says so. Without root
// every test fails with a message saying why (it never skips).
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lab {

namespace fs = std::filesystem;
using nlohmann::json;

inline const std::string kSource = FIREDRILL_SOURCE_DIR;
inline const std::string kLab = kSource + "/real/lab/lab";
inline const std::string kRealRun = FIREDRILL_REAL_RUN;
inline const std::string kCli = FIREDRILL_CLI;
// Every CLI run of a lab test is killed after this long (a scenario lasts at most 300 s).
constexpr int kRunTimeout_s = 600;

extern std::string g_root;     // temporary folder of this suite
extern std::string g_lab_dir;  // g_root/lab
extern std::string g_problem;  // why the lab is not usable (empty when it is)

// Runs a shell command (killed after timeout_s); returns its exit status and (optionally)
// its output (stdout and stderr).
int shell(const std::string& command, std::string* out = nullptr, int timeout_s = kRunTimeout_s);
json read_json(const fs::path& path);
std::string uri(int host);
// Every domain and volume on the lab hosts, and every QEMU the hosts run.
std::vector<std::string> lab_inventory();
std::string joined(const std::vector<std::string>& items);
// PID of lab host N's libvirtd, or -1.
pid_t daemon_pid(int host);
// PID of the QEMU running `domain` on lab host N (from libvirt's pidfile), or -1.
pid_t qemu_pid(int host, const std::string& domain);

struct LabRun {
  int status = -1;
  double wall_s = 0.0;
  std::string output;
  fs::path out;
  json outcome;
  json evidence;
  json vm(const std::string& name) const;
};

// Runs scenarios/lab/SCENARIO through real_run into g_root/NAME (--verbose
// --end-when-settled), bounded by kRunTimeout_s.
LabRun run_scenario(const std::string& scenario, const std::string& name);
// The same for a scenario file anywhere (a test's own variant of a shipped plan).
// hosts_file: the lab's hosts file when empty (g_lab_dir/hosts).
LabRun run_scenario_file(const fs::path& scenario, const std::string& name,
                         const std::string& hosts_file = "");

// real_run SCENARIO into `out` as a child process (stderr to out.log); its pid.
pid_t start_run(const std::string& scenario, const fs::path& out);
// Waits until a line of `file` satisfies `matches`, at most timeout_s; true when one did.
bool wait_for_line(const fs::path& file, const std::function<bool(const std::string&)>& matches,
                   double timeout_s);
// Waits until a line of OUT/journal.jsonl satisfies `matches`, at most timeout_s; true when
// one did.
bool wait_for_journal(const fs::path& out, const std::function<bool(const std::string&)>& matches,
                      double timeout_s);
// Waits for `child` at most timeout_s (then SIGKILLs it): its exit status, or -1 when it had
// to be killed or died of a signal.
int wait_child(pid_t child, double timeout_s);

class RealLab : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;
};

}  // namespace lab
