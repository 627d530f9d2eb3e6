// The libvirt backend on the lab: runs each lab scenario for real through
// firedrill_real_run on the lab fixture's three hosts (lab_fixture.hpp), and checks what
// the guests themselves say (boot order and readiness on their consoles, records on their
// disks) against the engine's accounting. Runs end when they have settled
// (--end-when-settled), so each test lasts about as long as its failover; the scenarios'
// durations are only deadlines for loaded machines. Faults during drills are in
// real_lab_faults_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lab_fixture.hpp"

namespace {

using namespace lab;

// Slack per VM of the chain for what is not a boot: restoring (copying) the volume,
// defining and starting the domain, the engine's own steps. RTO must stay within
// detection + operator delay + the measured boots on the VM's chain + this per VM.
constexpr double kOverheadPerVm_s = 10.0;

// Measured boot durations (console READY minus start) of `instances` in this run, on
// `hosts` (every host when empty).
double boots_s(const LabRun& run, const std::set<std::string>& instances,
               const std::set<std::string>& hosts = {}) {
  double total = 0.0;
  for (const auto& boot : run.evidence["boots"]) {
    if (instances.count(boot["instance"].get<std::string>()) &&
        (hosts.empty() || hosts.count(boot["host"].get<std::string>()))) {
      total += boot["ready"].get<double>() - boot["start"].get<double>();
    }
  }
  return total;
}

// The run ended as soon as it settled, not at the scenario's duration.
void check_settled(const LabRun& run) {
  EXPECT_EQ(run.outcome["ended"], "settled") << "end " << run.outcome["end_s"];
}

// Seq of the last heartbeat a guest printed on `host` (console log), -1 when none.
long long last_heartbeat_seq(const LabRun& run, const std::string& host, const std::string& vm) {
  std::ifstream log(run.out / "consoles" / (host + "-" + vm + ".log"));
  std::string line;
  long long seq = -1;
  while (std::getline(log, line)) {
    const auto at = line.find("FIREDRILL HB ");
    const auto field = line.find(" seq=", at == std::string::npos ? 0 : at);
    if (at != std::string::npos && field != std::string::npos) {
      seq = std::stoll(line.substr(field + 5));
    }
  }
  return seq;
}

// Plan host of each lab VM.
const std::map<std::string, std::string> kHome = {
    {"ad", "lab1"}, {"db", "lab1"}, {"app", "lab2"}, {"web", "lab2"}};

// Longest transfer (start to end) of `vm` in this run.
double longest_transfer_s(const LabRun& run, const std::string& vm) {
  double longest = 0.0;
  for (const auto& transfer : run.evidence["transfers"]) {
    if (transfer["vm"] == vm && transfer["ok"].get<bool>()) {
      longest = std::max(longest, transfer["end"].get<double>() - transfer["start"].get<double>());
    }
  }
  return longest;
}

// Every completed cycle's record in the outcome carries the bytes it really shipped, the
// bytes libvirt.json says the copy moved, beside the bytes the engine modelled for it
// (SPEC 8); a cycle that did not complete carries none.
void check_shipped_bytes(const LabRun& run) {
  std::map<std::pair<std::string, double>, json> cycles;  // (vm, as_of) -> evidence
  for (const auto& transfer : run.evidence["transfers"]) {
    if (!transfer["seed"].get<bool>()) {
      cycles[{transfer["vm"].get<std::string>(), transfer["as_of"].get<double>()}] = transfer;
    }
  }
  int measured = 0;
  for (const auto& record : run.outcome["transfers"]) {
    if (record["kind"] != "replication") continue;
    if (record["result"] != "completed") {
      EXPECT_FALSE(record.contains("shipped_B")) << record.dump();
      continue;
    }
    const auto found =
        cycles.find({record["vm"].get<std::string>(), record["as_of_s"].get<double>()});
    ASSERT_NE(found, cycles.end()) << "no evidence of the cycle " << record.dump();
    ASSERT_TRUE(record.contains("shipped_B")) << record.dump();
    EXPECT_EQ(record["shipped_B"].get<double>(), found->second["bytes"].get<double>())
        << record.dump();
    EXPECT_EQ(record["bytes"].get<double>(), found->second["modelled_bytes"].get<double>())
        << record.dump();
    EXPECT_GT(record["shipped_B"].get<double>(), 0.0) << record.dump();
    ++measured;
  }
  EXPECT_GT(measured, 0) << "no completed cycle in the run";
}

// The chain each VM's RTO waits for in the lab plan (itself and what it depends on).
const std::map<std::string, std::vector<std::string>> kChains = {
    {"ad", {"ad"}},
    {"db", {"ad", "db"}},
    {"app", {"ad", "db", "app"}},
    {"web", {"ad", "db", "app", "web"}}};

// RTO at least the boots on the critical path and within the stated bound; RPO from the
// data no more than the interval (10 s) plus the transfer time plus one second.
void check_recovered(const LabRun& run, const std::vector<std::string>& vms,
                     const std::string& suffix, double prelude_s,
                     const std::vector<std::string>& chain_members) {
  for (const std::string& name : vms) {
    const json vm = run.vm(name);
    ASSERT_FALSE(vm.is_null()) << name;
    EXPECT_EQ(vm["outcome"], "recovered") << name << ": " << vm.dump();
    if (vm["outcome"] != "recovered") continue;
    std::set<std::string> chain;
    for (const auto& member : kChains.at(name)) {
      if (std::find(chain_members.begin(), chain_members.end(), member) != chain_members.end()) {
        chain.insert(member + suffix);
      }
    }
    const double boots = boots_s(run, chain);
    const double rto = vm["rto_s"].get<double>();
    EXPECT_GE(rto + 1e-6, boots) << name << ": RTO below the boots on its critical path";
    EXPECT_LE(rto, prelude_s + boots + kOverheadPerVm_s * chain.size())
        << name << ": RTO beyond detection + operator delay + boots + " << kOverheadPerVm_s
        << " s per VM";
    ASSERT_FALSE(vm["rpo_from_data_s"].is_null()) << name << ": no RPO measured from the data";
    EXPECT_LE(vm["rpo_from_data_s"].get<double>(), 10.0 + longest_transfer_s(run, name) + 1.0)
        << name;
  }
}

TEST_F(RealLab, TestFailoverBootsReplicasInTheBubbleAndLeavesProductionAlone) {
  const LabRun run = run_scenario("test-failover.json", "test-failover");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  const std::vector<std::string> all = {"ad", "db", "app", "web"};
  check_recovered(run, all, "-test", 0.0, all);
  for (const std::string& name : all) EXPECT_EQ(run.vm(name)["mechanism"], "test") << name;
  EXPECT_EQ(run.outcome["production_untouched"], true);
  // The sources kept running and writing: heartbeats on their consoles after the last test
  // copy was ready, and every replication cycle after the test started succeeded.
  double last_ready = 0.0;
  for (const auto& boot : run.evidence["boots"])
    last_ready = std::max(last_ready, boot["ready"].get<double>());
  for (const auto& [host, vm] : std::vector<std::pair<std::string, std::string>>{
           {"lab1", "ad"}, {"lab1", "db"}, {"lab2", "app"}, {"lab2", "web"}}) {
    std::ifstream log(run.out / "consoles" / (host + "-" + vm + ".log"));
    std::string line;
    double last_heartbeat = -1.0;
    while (std::getline(log, line)) {
      if (line.find("FIREDRILL HB") != std::string::npos) {
        last_heartbeat = std::stod(line.substr(1, line.find(']') - 1));
      }
    }
    EXPECT_GT(last_heartbeat, last_ready) << vm << " stopped writing during the test";
  }
  for (const auto& transfer : run.evidence["transfers"]) {
    EXPECT_TRUE(transfer["ok"].get<bool>()) << transfer.dump();
  }
  check_shipped_bytes(run);
  // And they were alive when the run ended: a heartbeat after its end, at home.
  for (const auto& [vm, home] : kHome) {
    const json alive = run.evidence["production_at_end"]["vms"][vm];
    EXPECT_EQ(alive["host"], home) << vm << ": " << alive.dump();
    EXPECT_EQ(alive["alive"], true) << vm << ": " << alive.dump();
  }
  check_settled(run);
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

// A WAN that carries one transfer at a time (SPEC 8, links[].max_concurrent_transfers):
// each tick's four cycles copy one after another in the order the engine started them
// (the others wait their turn, and libvirt.json says how long), and the drill still
// recovers every VM.
TEST_F(RealLab, AWanOfOneTransferAtATimeCopiesTheCyclesOneAfterAnother) {
  json plan = read_json(kSource + "/scenarios/lab/lab.plan.json");
  plan["links"][0]["max_concurrent_transfers"] = 1;
  const fs::path dir = fs::path(g_root) / "wan-limit-input";
  fs::create_directories(dir);
  std::ofstream(dir / "lab.plan.json") << plan.dump(2);
  std::ofstream(dir / "wan-limit.json")
      << read_json(kSource + "/scenarios/lab/test-failover.json").dump(2);
  const LabRun run = run_scenario_file(dir / "wan-limit.json", "wan-limit");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  for (const std::string name : {"ad", "db", "app", "web"}) {
    EXPECT_EQ(run.vm(name)["outcome"], "recovered") << name;
  }
  std::vector<json> cycles;
  for (const auto& transfer : run.evidence["transfers"]) {
    if (transfer["link"] == "wan" && !transfer["seed"].get<bool>()) cycles.push_back(transfer);
  }
  ASSERT_GE(cycles.size(), 8u) << "fewer cycles over the WAN than two ticks make";
  std::sort(cycles.begin(), cycles.end(), [](const json& a, const json& b) {
    return a["start"].get<double>() < b["start"].get<double>();
  });
  int waited = 0;
  for (std::size_t i = 1; i < cycles.size(); ++i) {
    EXPECT_GE(cycles[i]["start"].get<double>(), cycles[i - 1]["end"].get<double>())
        << "two transfers on the WAN at once: " << cycles[i - 1].dump() << " and "
        << cycles[i].dump();
    EXPECT_GT(cycles[i]["id"].get<long long>(), cycles[i - 1]["id"].get<long long>())
        << "a transfer overtook one started before it";
    waited += cycles[i]["slot_wait"].get<double>() > 0.0;
  }
  EXPECT_GT(waited, 0) << "no cycle waited for the WAN's one slot";
  check_shipped_bytes(run);
  check_settled(run);
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

TEST_F(RealLab, RansomwareRestoresCleanDataFromBeforeTheCorruption) {
  const LabRun run = run_scenario("ransomware.json", "ransomware");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  // Detection 15 s after the corruption; db and app only (ad is unaffected).
  check_recovered(run, {"db", "app"}, "", 15.0 + 1.0, {"db", "app"});
  EXPECT_EQ(run.vm("ad")["outcome"], "unaffected");
  EXPECT_EQ(run.vm("web")["outcome"], "unaffected");
  for (const auto& boot : run.evidence["boots"]) {
    ASSERT_FALSE(boot["last_record"].is_null()) << boot.dump();
    EXPECT_FALSE(boot["last_record"]["corrupt"].get<bool>()) << boot.dump();
    EXPECT_LE(boot["data_as_of"].get<double>(), 15.0 + 0.5)
        << "restored data from after the corruption";
  }
  check_settled(run);
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

TEST_F(RealLab, PlannedMigrationLosesNoData) {
  const LabRun run = run_scenario("planned-migration.json", "planned");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  for (const char* name : {"ad", "db", "app", "web"}) {
    const json vm = run.vm(name);
    EXPECT_EQ(vm["outcome"], "recovered") << vm.dump();
    EXPECT_EQ(vm["mechanism"], "planned") << vm.dump();
    EXPECT_EQ(vm["rpo_s"], 0.0) << vm.dump();
    ASSERT_FALSE(vm["rpo_from_data_s"].is_null()) << vm.dump();
    EXPECT_LE(vm["rpo_from_data_s"].get<double>(), 1.0) << vm.dump();
    // At least its own boot, and the boots on its chain after the shutdowns.
    std::set<std::string> chain(kChains.at(name).begin(), kChains.at(name).end());
    EXPECT_GE(vm["rto_s"].get<double>() + 1e-6, boots_s(run, chain)) << name;
    EXPECT_LE(vm["rto_s"].get<double>(), boots_s(run, chain) + 2 * kOverheadPerVm_s * 4) << name;
  }
  check_settled(run);
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

TEST_F(RealLab, FailbackBringsEveryVmHomeWithTheDataWrittenAtTheRecoverySite) {
  const LabRun run = run_scenario("failback.json", "failback");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  for (const auto& [name, home] : kHome) {
    const json vm = run.vm(name);
    // The way out: a planned migration to lab3.
    EXPECT_EQ(vm["outcome"], "recovered") << vm.dump();
    EXPECT_EQ(vm["mechanism"], "planned") << vm.dump();
    EXPECT_EQ(vm["recovered_on"], "lab3") << vm.dump();
    EXPECT_EQ(vm["rpo_s"], 0.0) << vm.dump();
    // The way back.
    const json failback = vm["failback"];
    ASSERT_TRUE(failback.is_object()) << vm.dump();
    ASSERT_EQ(failback["outcome"], "recovered") << failback.dump();
    EXPECT_EQ(failback["rpo_s"], 0.0) << failback.dump();
    ASSERT_FALSE(failback["rpo_from_data_s"].is_null()) << failback.dump();
    EXPECT_LE(failback["rpo_from_data_s"].get<double>(), 1.0) << name << ": " << failback.dump();
    // RTO from the first shutdown at lab3: at least the boots at home on its chain, at most
    // those plus shutdowns, final syncs and restores (the planned migration's bound).
    std::set<std::string> chain(kChains.at(name).begin(), kChains.at(name).end());
    const double home_boots = boots_s(run, chain, {"lab1", "lab2"});
    EXPECT_GE(failback["rto_s"].get<double>() + 1e-6, home_boots) << name;
    EXPECT_LE(failback["rto_s"].get<double>(), home_boots + 2 * kOverheadPerVm_s * 4) << name;
    // It ends running at home, on its own host, and is alive when the run ends.
    const json alive = run.evidence["production_at_end"]["vms"][name];
    EXPECT_EQ(alive["host"], home) << name << ": " << alive.dump();
    EXPECT_EQ(alive["alive"], true) << name << ": " << alive.dump();
    // The records written at lab3 are on the home disk: the newest record the VM found when
    // it booted at home was written at lab3 once the copy there was ready, and is at least
    // as new as the last heartbeat the copy at lab3 printed. "Once" and not "after": the
    // guest writes its first record right after its READY line, often within the same
    // centisecond of its clock, and when the copy is shut down before its first heartbeat
    // that record's time is the READY time exactly (both are placed on the host's clock
    // with the same skew). A record from before the migration is older than the boot.
    double dr_start = -1.0;
    double dr_ready = -1.0;
    json home_boot;
    for (const auto& boot : run.evidence["boots"]) {
      if (boot["instance"] != name) continue;
      if (boot["host"] == "lab3") {
        dr_ready = boot["ready"].get<double>();
        dr_start = boot["start"].get<double>();
      }
      if (boot["host"] == home) home_boot = boot;
    }
    ASSERT_GE(dr_ready, 0.0) << name << ": no boot at lab3";
    ASSERT_TRUE(home_boot.is_object()) << name << ": no boot at home";
    ASSERT_FALSE(home_boot["last_record"].is_null()) << home_boot.dump();
    EXPECT_GE(home_boot["data_as_of"].get<double>(), dr_ready) << home_boot.dump();
    EXPECT_GT(home_boot["data_as_of"].get<double>(), dr_start) << home_boot.dump();
    EXPECT_GE(home_boot["last_record"]["seq"].get<long long>(),
              last_heartbeat_seq(run, "lab3", name))
        << name << ": records written at lab3 are missing at home";
  }
  check_settled(run);
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

TEST_F(RealLab, UnplannedFailoverAfterTheSiteCrashes) {
  const LabRun run = run_scenario("unplanned-site-crash.json", "unplanned");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  const std::vector<std::string> all = {"ad", "db", "app", "web"};
  check_recovered(run, all, "", 2.0 + 1.0, all);
  for (const std::string& name : all) {
    EXPECT_EQ(run.vm(name)["mechanism"], "replica");
    EXPECT_EQ(run.vm(name)["recovered_on"], "lab3");
  }
  check_settled(run);
  // The crashed hosts' objects could not be removed at the end: revive them, clean up.
  std::string out;
  ASSERT_EQ(shell(kLab + " up 3 " + g_lab_dir, &out), 0) << out;
  EXPECT_EQ(shell(kCli + " cleanup " + run.out.string(), &out), 0) << out;
  EXPECT_TRUE(lab_inventory().empty()) << "left after cleanup:" << joined(lab_inventory());
}

TEST_F(RealLab, RunKilledMidFailoverIsUndoneByCleanup) {
  const fs::path out = fs::path(g_root) / "killed";
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const std::string scenario = kSource + "/scenarios/lab/test-failover.json";
    const std::string hosts = g_lab_dir + "/hosts";
    freopen("/dev/null", "w", stderr);
    execl(kRealRun.c_str(), kRealRun.c_str(), scenario.c_str(), "--hosts-file", hosts.c_str(),
          "--out", out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // Kill it as soon as it has defined its first test copy (mid-failover), at most 5 min.
  bool mid_failover = false;
  for (int i = 0; i < 3000 && !mid_failover; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream journal(out / "journal.jsonl");
    std::string line;
    while (std::getline(journal, line)) {
      mid_failover = mid_failover || (line.find("\"domain\"") != std::string::npos &&
                                      line.find("-test\"") != std::string::npos);
    }
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(mid_failover) << "the run never reached the test failover";
  EXPECT_FALSE(lab_inventory().empty()) << "the killed run left nothing to clean up?";
  // A new run on the same folder refuses and says why.
  std::string output;
  EXPECT_EQ(shell(kRealRun + " " + kSource + "/scenarios/lab/test-failover.json --hosts-file " +
                      g_lab_dir + "/hosts --out " + out.string(),
                  &output),
            2);
  EXPECT_NE(output.find("leftovers"), std::string::npos) << output;
  EXPECT_EQ(shell(kCli + " cleanup " + out.string(), &output), 0) << output;
  EXPECT_TRUE(lab_inventory().empty()) << "left after cleanup:" << joined(lab_inventory());
}

}  // namespace
