// The pure half of `firedrill import`: hand-made estates in, plans and choices out, each
// plan checked by the engine's own loader and validation (no libvirt).
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/loader_text.hpp"
#include "real/import/names.hpp"
#include "real/import/plan_from_estate.hpp"

namespace firedrill::import {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

ImportedDomain domain(const std::string& name, const std::string& network, const std::string& ip) {
  ImportedDomain d;
  d.name = name;
  d.running = true;
  d.vcpus = 2;
  d.memory_B = 4 * kGiB;
  d.disk_path = "/images/" + name + ".img";
  d.disk_B = 20 * kGiB;
  d.disk_from = "volume";
  if (!network.empty()) {
    d.interfaces.push_back(
        {"network", network, "", "52:54:00:00:00:01", ip, ip.empty() ? "" : "agent"});
  }
  return d;
}

ImportedHost host(const std::string& uri, const std::string& hostname) {
  ImportedHost h;
  h.uri = uri;
  h.hostname = hostname;
  h.cpus = 16;
  h.memory_B = 64 * kGiB;
  return h;
}

bool has_choice(const ImportedPlan& plan, const std::string& path, const std::string& value) {
  return std::any_of(plan.choices.begin(), plan.choices.end(), [&](const Choice& choice) {
    return choice.path == path && choice.value == value;
  });
}

// The engine's validation of the plan text: "" when valid, else the first error.
std::string validation_error(const ImportedPlan& plan) {
  const auto checked = validate_text(plan_text(plan), "imported.json");
  return checked.ok() ? "" : checked.errors().front().render();
}

// Two sites: production with two VMs on 10.0.0.0/24, DR with 10.1.0.0/24.
Estate two_sites() {
  Estate estate;
  ImportedHost primary = host("qemu+ssh://a/system", "Esx1.Example.COM");
  primary.networks.push_back({"prod", "10.0.0.0/24", true, true});
  primary.domains.push_back(domain("app", "prod", "10.0.0.12"));
  primary.domains.push_back(domain("db", "prod", "10.0.0.11"));
  ImportedHost small = host("qemu+ssh://b/system", "dr-small");
  small.memory_B = 32 * kGiB;
  ImportedHost large = host("qemu+ssh://c/system", "dr-large");
  large.networks.push_back({"dr-net", "10.1.0.0/24", true, true});
  estate.hosts = {primary, small, large};
  estate.sites = {{"primary", {"qemu+ssh://a/system"}},
                  {"dr", {"qemu+ssh://b/system", "qemu+ssh://c/system"}}};
  return estate;
}

TEST(Names, SanitizeLowersAndReplaces) {
  EXPECT_EQ(sanitize_name("Web Server.01", "vm"), "web-server-01");
  EXPECT_EQ(sanitize_name("--a__b--", "vm"), "a__b");
  EXPECT_EQ(sanitize_name("***", "vm"), "vm");
  EXPECT_EQ(sanitize_name("\xc3\x9c"
                          "ber",
                          "vm"),
            "ber");
  NameSet names;
  EXPECT_EQ(names.claim("web"), "web");
  EXPECT_EQ(names.claim("web"), "web-2");
  EXPECT_EQ(names.claim("web"), "web-3");
  EXPECT_EQ(names.claim("web-2"), "web-2-2");
}

TEST(PlanFromEstate, OneHostKeepsWhatLibvirtSaid) {
  Estate estate;
  ImportedHost h = host("test:///x.xml", "lab1");
  h.networks.push_back({"prod", "10.0.0.0/24", false, true});
  h.domains.push_back(domain("web", "prod", "10.0.0.10"));
  estate.hosts = {h};
  const ImportedPlan plan = plan_from_estate(estate);
  const auto& site = plan.plan["sites"][0];
  EXPECT_EQ(site["name"], "lab1");
  EXPECT_EQ(site["hosts"][0]["cores"], 16);
  EXPECT_EQ(site["hosts"][0]["memory"], "64GiB");
  EXPECT_EQ(site["hosts"][0]["libvirt"], "test:///x.xml");
  const auto& vm = plan.plan["vms"][0];
  EXPECT_EQ(vm["name"], "web");
  EXPECT_EQ(vm["host"], "lab1");
  EXPECT_EQ(vm["vcpus"], 2);
  EXPECT_EQ(vm["memory"], "4GiB");
  EXPECT_EQ(vm["disk"], "20GiB");
  EXPECT_EQ(vm["network"], "prod");
  EXPECT_EQ(vm["ip"], "10.0.0.10");
  EXPECT_EQ(plan.plan["networks"][0]["subnet"], "10.0.0.0/24");
  EXPECT_TRUE(plan.plan["replication"].empty());
  EXPECT_FALSE(plan.plan.contains("recovery"));
  EXPECT_TRUE(has_choice(plan, "vms.web.boot_time", "60s"));
  EXPECT_TRUE(has_choice(plan, "replication", "[]"));
  EXPECT_FALSE(has_choice(plan, "vms.web.ip", "10.0.0.10")) << "an agent's address is a fact";
  EXPECT_EQ(validation_error(plan), "");
}

TEST(PlanFromEstate, TwoSitesReplicateToTheLastSitesLargestHost) {
  const ImportedPlan plan = plan_from_estate(two_sites());
  ASSERT_EQ(validation_error(plan), "");
  EXPECT_EQ(plan.plan["sites"][0]["hosts"][0]["name"], "esx1-example-com");
  EXPECT_TRUE(has_choice(plan, "sites.primary.hosts.esx1-example-com.name", "esx1-example-com"));
  const auto& job = plan.plan["replication"][0];
  EXPECT_EQ(job["name"], "to-dr");
  EXPECT_EQ(job["target_host"], "dr-large");
  EXPECT_EQ(job["vms"], nlohmann::json::parse(R"(["app", "db"])"));
  const auto& recovery = plan.plan["recovery"];
  EXPECT_EQ(recovery["target_site"], "dr");
  EXPECT_EQ(recovery["network_mapping"]["prod"], "dr-net");
  EXPECT_EQ(recovery["re_ip"][0]["from"], "10.0.0.*");
  EXPECT_EQ(recovery["re_ip"][0]["to"], "10.1.0.*");
  ASSERT_EQ(plan.plan["links"].size(), 1u);
  EXPECT_EQ(plan.plan["links"][0]["between"], nlohmann::json::parse(R"(["primary", "dr"])"));
  EXPECT_TRUE(has_choice(plan, "links.primary-dr.bandwidth", "1Gbps"));
  EXPECT_TRUE(has_choice(plan, "recovery.target_site", "dr"));
}

TEST(PlanFromEstate, ThreeSitesAreLinkedPairwise) {
  Estate estate = two_sites();
  estate.hosts.push_back(host("qemu+ssh://d/system", "branch"));
  const ImportedPlan plan = plan_from_estate(estate);
  ASSERT_EQ(validation_error(plan), "");
  // --site sites first, then the host in none of them under its own name (the recovery site)
  EXPECT_EQ(plan.plan["sites"][2]["name"], "branch");
  EXPECT_EQ(plan.plan["links"].size(), 3u);
  EXPECT_EQ(plan.plan["recovery"]["target_site"], "branch");
  // the recovery site has no network: one is added for the replicas to land on
  EXPECT_EQ(plan.plan["recovery"]["network_mapping"]["prod"], "branch-net");
  EXPECT_TRUE(has_choice(plan, "networks.branch-net", R"({"site": "branch"})"));
}

TEST(PlanFromEstate, AddressNoRuleCanMoveIsLeftOut) {
  Estate estate = two_sites();
  estate.hosts[2].networks[0].subnet = "192.168.0.0/16";  // a /24 cannot be moved into it
  const ImportedPlan plan = plan_from_estate(estate);
  ASSERT_EQ(validation_error(plan), "");
  EXPECT_FALSE(plan.plan["vms"][0].contains("ip"));
  EXPECT_TRUE(has_choice(plan, "vms.app.ip", ""));
  EXPECT_TRUE(plan.plan["recovery"]["re_ip"].empty());
}

TEST(PlanFromEstate, NamesAreSanitizedAndUnique) {
  Estate estate;
  ImportedHost a = host("test:///a.xml", "Lab.Host");
  a.networks.push_back({"Prod LAN", "", false, true});
  a.domains.push_back(domain("Web Server", "Prod LAN", ""));
  a.domains.push_back(domain("web-server", "", ""));
  ImportedHost b = host("test:///b.xml", "lab-host");  // the same name once sanitized
  b.networks.push_back({"prod lan", "", false, true});
  b.domains.push_back(domain("WEB SERVER", "prod lan", ""));
  estate.hosts = {a, b};
  const ImportedPlan plan = plan_from_estate(estate);
  ASSERT_EQ(validation_error(plan), "");
  // a name that is valid as it is keeps it: "lab-host" wins over "Lab.Host", whatever the order
  EXPECT_EQ(plan.plan["sites"][0]["name"], "lab-host-2");
  EXPECT_EQ(plan.plan["sites"][1]["name"], "lab-host");
  std::vector<std::string> vms, networks;
  for (const auto& vm : plan.plan["vms"]) vms.push_back(vm["name"]);
  for (const auto& network : plan.plan["networks"]) networks.push_back(network["name"]);
  EXPECT_EQ(vms, (std::vector<std::string>{"web-server", "web-server-2", "web-server-3"}));
  EXPECT_EQ(networks, (std::vector<std::string>{"prod-lan", "prod-lan-2"}));
  EXPECT_TRUE(has_choice(plan, "vms.web-server-2.name", "web-server-2"));  // "Web Server"
  EXPECT_TRUE(has_choice(plan, "vms.web-server-3.name", "web-server-3"));  // "WEB SERVER"
  EXPECT_FALSE(has_choice(plan, "vms.web-server.name", "web-server"));
  EXPECT_TRUE(has_choice(plan, "networks.prod-lan-2.name", "prod-lan-2"));
  // a real run attaches to the network libvirt knows: each renamed one keeps libvirt's name
  const auto& renamed = plan.plan["networks"];
  EXPECT_EQ(renamed[0]["libvirt_name"], "Prod LAN") << renamed.dump();  // host a's, first
  EXPECT_EQ(renamed[1]["libvirt_name"], "prod lan") << renamed.dump();
}

TEST(PlanFromEstate, ANetworkKeepingItsLibvirtNameHasNoLibvirtName) {
  Estate estate;
  ImportedHost a = host("test:///a.xml", "a");
  a.networks.push_back({"prod", "10.0.0.0/24", true, true});
  ImportedHost b = host("test:///b.xml", "b");
  b.networks.push_back({"prod", "10.1.0.0/24", true, true});  // another subnet: its own
  estate.hosts = {a, b};
  const ImportedPlan plan = plan_from_estate(estate);
  ASSERT_EQ(validation_error(plan), "");
  ASSERT_EQ(plan.plan["networks"].size(), 2u);
  EXPECT_EQ(plan.plan["networks"][0]["name"], "prod");
  EXPECT_FALSE(plan.plan["networks"][0].contains("libvirt_name"));
  EXPECT_EQ(plan.plan["networks"][1]["name"], "prod-2");
  EXPECT_EQ(plan.plan["networks"][1]["libvirt_name"], "prod");
}

TEST(PlanFromEstate, UnknownsGetStatedDefaults) {
  Estate estate;
  ImportedHost h = host("test:///a.xml", "h");
  ImportedDomain off = domain("off", "", "");
  off.running = false;
  off.disk_B = 0;
  off.disk_error = "no storage volume /x.img";
  h.domains.push_back(off);
  ImportedDomain silent = domain("silent", "", "");
  silent.interfaces.push_back({"network", "n", "", "52:54:00:00:00:09", "", ""});
  silent.agent_error = "QEMU guest agent is not connected";
  h.networks.push_back({"n", "10.9.0.0/24", true, true});
  h.domains.push_back(silent);
  estate.hosts = {h};
  const ImportedPlan plan = plan_from_estate(estate);
  ASSERT_EQ(validation_error(plan), "");
  EXPECT_EQ(plan.plan["vms"][0]["disk"], "10GiB");
  EXPECT_TRUE(has_choice(plan, "vms.off.disk", "10GiB"));
  EXPECT_TRUE(has_choice(plan, "vms.off.network", ""));
  EXPECT_TRUE(has_choice(plan, "vms.silent.ip", ""));
  const auto line = std::find_if(plan.choices.begin(), plan.choices.end(),
                                 [](const Choice& c) { return c.path == "vms.silent.ip"; });
  EXPECT_NE(render(*line).find("QEMU guest agent is not connected"), std::string::npos)
      << render(*line);
}

TEST(PlanFromEstate, SameEstateSameBytes) {
  const std::string first = plan_text(plan_from_estate(two_sites()));
  EXPECT_EQ(first, plan_text(plan_from_estate(two_sites())));
  // domains in another order give a plan whose VM list is still sorted by name
  Estate estate = two_sites();
  std::swap(estate.hosts[0].domains[0], estate.hosts[0].domains[1]);
  const ImportedPlan plan = plan_from_estate(estate);
  EXPECT_EQ(plan.plan["vms"][0]["name"], "app");
}

TEST(PlanFromEstate, SizesAreExactOrBytes) {
  Estate estate;
  ImportedHost h = host("test:///a.xml", "h");
  h.memory_B = 1536.0 * 1024 * 1024;
  ImportedDomain odd = domain("odd", "", "");
  odd.disk_B = 1000;
  odd.memory_B = 512.0 * 1024 * 1024;
  h.domains.push_back(odd);
  estate.hosts = {h};
  const ImportedPlan plan = plan_from_estate(estate);
  EXPECT_EQ(plan.plan["sites"][0]["hosts"][0]["memory"], "1536MiB");
  EXPECT_EQ(plan.plan["vms"][0]["disk"], 1000);
  EXPECT_EQ(plan.plan["vms"][0]["memory"], "512MiB");
}

}  // namespace
}  // namespace firedrill::import
