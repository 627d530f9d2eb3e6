// Real guests on the lab (SPEC 7): the lab guest declared as a real one (agent.plan.json):
// readiness through its QEMU guest agent, Re-IP through the agent with a read-back, health
// checks run by the agents inside the recovered network (one from another VM), RPO from a
// data_probe. Checks what the guests and the evidence say, not only the engine's numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "lab_fixture.hpp"

namespace {

using namespace lab;

const std::vector<std::string> kAll = {"ad", "db", "app", "web"};
// The address each copy must read back: Re-IP'd into dr-net on a failover; a test copy
// keeps its production address in the isolated bubble (the plan maps no test network).
std::string expected_address(const std::string& vm, const std::string& suffix) {
  const std::map<std::string, std::string> last_octet = {
      {"ad", "10"}, {"db", "11"}, {"app", "12"}, {"web", "13"}};
  return (suffix.empty() ? "10.1.0." : "10.0.0.") + last_octet.at(vm) + "/24";
}

// The evidence of the boot that made `instance` ready (null when none did).
json ready_boot(const LabRun& run, const std::string& instance) {
  for (const auto& boot : run.evidence["boots"]) {
    if (boot["instance"] == instance) return boot;
  }
  return nullptr;
}

// The rungs named `step` of a boot's ladder.
std::vector<json> rungs(const json& boot, const std::string& step) {
  std::vector<json> found;
  for (const auto& rung : boot["ladder"]) {
    if (rung["step"] == step) found.push_back(rung);
  }
  return found;
}

// Every VM ready by its ladder: running, agent, re_ip read back at its DR address, every
// check passed, the data probed; no console rung, no console log of the copy.
void check_ladders(const LabRun& run, const std::string& suffix) {
  for (const std::string& name : kAll) {
    const json vm = run.vm(name);
    ASSERT_FALSE(vm.is_null()) << name;
    EXPECT_EQ(vm["outcome"], "recovered") << name << ": " << vm.dump();
    const json boot = ready_boot(run, name + suffix);
    ASSERT_FALSE(boot.is_null()) << name << ": no ready boot in libvirt.json";
    EXPECT_EQ(boot["readiness"], "agent") << name;
    EXPECT_EQ(boot["tainted"], true) << name << ": guest-exec was used, the evidence must say so";
    EXPECT_TRUE(rungs(boot, "console").empty()) << name << ": the console protocol was used";
    const auto agent = rungs(boot, "agent");
    ASSERT_EQ(agent.size(), 1u) << boot.dump();
    // The agent connected by the host's AGENT_LIFECYCLE event, after the boot began and
    // before it answered.
    const json connected = boot["agent_connected"];
    ASSERT_TRUE(connected.is_object()) << boot.dump();
    EXPECT_EQ(connected["by"], "lifecycle event") << name << ": " << connected.dump();
    EXPECT_GE(connected["at"].get<double>(), boot["start"].get<double>()) << connected.dump();
    EXPECT_LE(connected["at"].get<double>(), agent[0]["at"].get<double>() + 1e-6)
        << connected.dump();
    const auto re_ip = rungs(boot, "re_ip");
    ASSERT_EQ(re_ip.size(), 1u) << boot.dump();
    EXPECT_TRUE(re_ip[0]["passed"].get<bool>()) << re_ip[0].dump();
    EXPECT_NE(re_ip[0]["detail"].get<std::string>().find(expected_address(name, suffix)),
              std::string::npos)
        << name << ": read back " << re_ip[0]["detail"];
    for (const auto& check : rungs(boot, "check")) {
      EXPECT_TRUE(check["passed"].get<bool>()) << name << ": " << check.dump();
    }
    const auto probe = rungs(boot, "data_probe");
    ASSERT_EQ(probe.size(), 1u) << boot.dump();
    EXPECT_TRUE(probe[0]["passed"].get<bool>()) << probe[0].dump();
    // Ready when the last rung passed, and the ladder climbs in time order.
    double previous = boot["start"].get<double>();
    for (const auto& rung : boot["ladder"]) {
      EXPECT_GE(rung["at"].get<double>() + 1e-6, previous) << name << ": " << boot["ladder"].dump();
      previous = std::max(previous, rung["at"].get<double>());
    }
    EXPECT_NEAR(boot["ready"].get<double>(), previous, 1e-6) << name;
    EXPECT_FALSE(fs::exists(run.out / "consoles" / ("lab3-" + name + suffix + ".log"))) << name;
    ASSERT_TRUE(vm.contains("readiness")) << name << ": outcome.json has no readiness ladder";
    EXPECT_EQ(vm["readiness"].size(), boot["ladder"].size()) << name;
  }
}

// A check that reaches another VM passes only once that VM is ready.
void check_dependent_checks(const LabRun& run, const std::string& suffix) {
  const double db_ready = ready_boot(run, "db" + suffix)["ready"].get<double>();
  int from_app = 0;
  for (const std::string name : {"app", "web"}) {
    for (const auto& check : rungs(ready_boot(run, name + suffix), "check")) {
      const std::string what = check["detail"];
      if (what.find("db:80") == std::string::npos) continue;
      EXPECT_GE(check["at"].get<double>(), db_ready) << name << ": " << what;
      if (what.find("from app") != std::string::npos) ++from_app;
    }
  }
  EXPECT_EQ(from_app, 1) << "web's check of db:80 from app";
}

TEST_F(RealLab, AgentGuestsFailOverReadyByTheirChecksWithAddressesReadBack) {
  const LabRun run = run_scenario("agent-unplanned.json", "agent-unplanned");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  check_ladders(run, "");
  check_dependent_checks(run, "");
  for (const std::string& name : kAll) {
    const json vm = run.vm(name);
    if (vm["outcome"] != "recovered") continue;
    EXPECT_EQ(vm["recovered_on"], "lab3") << name;
    // RPO from the application's data beside RPO from metadata: the guest's own clock
    // (whole seconds from the RTC) may be off by up to a second, so 2 s of agreement.
    ASSERT_FALSE(vm["rpo_from_data_s"].is_null()) << name << ": no RPO from the data probe";
    EXPECT_NEAR(vm["rpo_from_data_s"].get<double>(), vm["rpo_s"].get<double>(), 2.0) << name;
    EXPECT_LE(vm["rpo_from_data_s"].get<double>(), 10.0 + 1.0 + 2.0) << name;
  }
  std::string out;
  ASSERT_EQ(shell(kLab + " up 3 " + g_lab_dir, &out), 0) << out;
  EXPECT_EQ(shell(kCli + " cleanup " + run.out.string(), &out), 0) << out;
  EXPECT_TRUE(lab_inventory().empty()) << "left after cleanup:" << joined(lab_inventory());
}

TEST_F(RealLab, AgentGuestsPassATestFailoverInTheBubbleAndLeaveNothing) {
  const LabRun run = run_scenario("agent-test-failover.json", "agent-test");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  check_ladders(run, "-test");
  check_dependent_checks(run, "-test");
  for (const std::string& name : kAll) EXPECT_EQ(run.vm(name)["mechanism"], "test") << name;
  EXPECT_EQ(run.outcome["production_untouched"], true);
  // Production, known only through its agent, still answers when the run ends.
  for (const std::string& name : kAll) {
    const json alive = run.evidence["production_at_end"]["vms"][name];
    EXPECT_EQ(alive["by"], "agent") << name << ": " << alive.dump();
    EXPECT_EQ(alive["alive"], true) << name << ": " << alive.dump();
  }
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

// db's check probes a port nothing listens on: db fails with that check named in its
// reason, once the check's 8 s timeout has passed and not much later.
TEST_F(RealLab, ACheckOnAWrongPortFailsTheVmWithItsReasonWithinItsTimeout) {
  json plan = read_json(kSource + "/scenarios/lab/agent.plan.json");
  json kept = json::array();
  for (auto& vm : plan["vms"]) {
    if (vm["name"] == "ad" || vm["name"] == "db") kept.push_back(vm);
  }
  kept[1]["health"] = json::array({{{"tcp", 81}, {"timeout", "8s"}, {"interval", "1s"}}});
  plan["vms"] = kept;
  plan["replication"][0]["vms"] = json::array({"ad", "db"});
  plan["recovery"]["boot_retries"] = 0;
  const fs::path dir = fs::path(g_root) / "wrong-port-input";
  fs::create_directories(dir);
  std::ofstream(dir / "agent.plan.json") << plan.dump(2);
  json scenario = read_json(kSource + "/scenarios/lab/agent-test-failover.json");
  scenario["duration"] = "90s";
  std::ofstream(dir / "wrong-port.json") << scenario.dump(2);

  const LabRun run = run_scenario_file(dir / "wrong-port.json", "wrong-port");
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_EQ(run.vm("ad")["outcome"], "recovered");
  const json db = run.vm("db");
  EXPECT_EQ(db["outcome"], "failed") << db.dump();
  const std::string reason = db["reason"];
  EXPECT_NE(reason.find("tcp :81"), std::string::npos) << reason;
  EXPECT_NE(reason.find("still failing at its timeout"), std::string::npos) << reason;
  ASSERT_EQ(run.evidence["failed_boots"].size(), 1u) << run.evidence.dump();
  const json failed = run.evidence["failed_boots"][0];
  const auto checks = rungs(failed, "check");
  ASSERT_EQ(checks.size(), 1u) << failed.dump();
  EXPECT_FALSE(checks[0]["passed"].get<bool>());
  EXPECT_GE(checks[0]["attempts"].get<int>(), 2) << checks[0].dump();
  // The checks start once the address was set; the VM fails when its next attempt could not
  // start before the 8 s timeout (so up to one 1 s interval early), or a little after it
  // (one last attempt; a refused connect returns at once).
  const double checks_start = rungs(failed, "re_ip")[0]["at"].get<double>();
  const double failed_after = failed["failed_at"].get<double>() - checks_start;
  EXPECT_GE(failed_after, 8.0 - 1.0 - 0.5) << failed.dump();
  EXPECT_LE(failed_after, 8.0 + 5.0) << failed.dump();
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

}  // namespace

namespace {

// lab3 reached only over qemu+ssh:// (real/lab/lab ssh: sshd in its own network namespace,
// key-only): the seeding and replication streams, ad-test's console (ad is a console guest
// in mixed.plan.json, with its checks still run by its agent) and every agent call go over
// SSH. The test failover must pass as over the local socket.
TEST_F(RealLab, ATestFailoverWithItsRecoveryHostReachedOverSsh) {
  std::string out;
  ASSERT_EQ(shell(kLab + " ssh " + g_lab_dir + " lab3", &out), 0) << out;
  ASSERT_NE(out.find("lab3=qemu+ssh://"), std::string::npos) << out;
  const LabRun run = run_scenario_file(kSource + "/scenarios/lab/ssh-test-failover.json", "ssh",
                                       g_lab_dir + "/hosts-ssh");
  ASSERT_TRUE(run.status == 0 || run.status == 1) << run.output;
  ASSERT_TRUE(run.outcome.is_object()) << run.output;
  EXPECT_EQ(run.evidence["hosts"]["lab3"]["uri"].get<std::string>().rfind("qemu+ssh://", 0), 0u)
      << run.evidence["hosts"].dump();
  for (const std::string& name : kAll) {
    EXPECT_EQ(run.vm(name)["outcome"], "recovered") << name << ": " << run.vm(name).dump();
    const json boot = ready_boot(run, name + "-test");
    ASSERT_FALSE(boot.is_null()) << name;
    EXPECT_EQ(boot["host"], "lab3");
    for (const auto& rung : boot["ladder"]) {
      EXPECT_TRUE(rung["passed"].get<bool>()) << name << ": " << rung.dump();
    }
    EXPECT_EQ(rungs(boot, "console").size(), name == "ad" ? 1u : 0u) << boot.dump();
    EXPECT_EQ(rungs(boot, "agent").size(), 1u) << boot.dump();
  }
  // ad-test's console was read over SSH: its READY line is in the console log.
  std::ifstream console(run.out / "consoles" / "lab3-ad-test.log");
  const std::string text((std::istreambuf_iterator<char>(console)), {});
  EXPECT_NE(text.find("FIREDRILL READY name=ad-test"), std::string::npos) << text;
  for (const auto& transfer : run.evidence["transfers"]) {
    EXPECT_TRUE(transfer["ok"].get<bool>()) << transfer.dump();
  }
  EXPECT_TRUE(lab_inventory().empty()) << "left after the run:" << joined(lab_inventory());
}

}  // namespace
