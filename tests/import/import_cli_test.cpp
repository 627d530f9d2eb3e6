// `firedrill import` end to end: the built binary against hand-written estates for
// libvirt's test driver (tests/import/estates/*.xml as test:///ABS/PATH, in-process, no
// daemon). Every field read is checked against the estate file, the written plan goes
// through `firedrill validate`, and importing twice gives the same bytes.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "engine/re_ip.hpp"
#include "real/import/names.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string estate(const std::string& file) {
  return std::string("test://") + IMPORT_ESTATES + "/" + file;
}

std::string slurp(const fs::path& file) {
  std::ifstream stream(file, std::ios::binary);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

class ImportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "firedrill-import-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  struct Run {
    int exit_code = -1;
    std::string out, err;
  };
  Run firedrill(const std::vector<std::string>& args) {
    std::string command = shell_quote(FIREDRILL_BINARY);
    for (const std::string& arg : args) command += " " + shell_quote(arg);
    command += " >" + shell_quote((dir_ / "stdout").string()) + " 2>" +
               shell_quote((dir_ / "stderr").string()) + " </dev/null";
    const int status = std::system(command.c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(dir_ / "stdout"),
            slurp(dir_ / "stderr")};
  }
  // Imports `args` into a file, checks that `firedrill validate` accepts it, returns it.
  json import_valid(const std::vector<std::string>& args, const std::string& name, Run* run) {
    std::vector<std::string> all{"import"};
    all.insert(all.end(), args.begin(), args.end());
    const std::string out = (dir_ / name).string();
    all.insert(all.end(), {"--out", out});
    *run = firedrill(all);
    EXPECT_EQ(run->exit_code, 0) << run->err;
    const Run validated = firedrill({"validate", out});
    EXPECT_EQ(validated.exit_code, 0) << validated.err;
    return json::parse(slurp(out));
  }
  static const json& named(const json& list, const std::string& name) {
    for (const json& item : list) {
      if (item["name"] == name) return item;
    }
    throw std::runtime_error("no element named " + name + " in " + list.dump());
  }
  // This machine's hostname as a plan name: what the test driver's virConnectGetHostname says.
  static std::string host_name() {
    char text[256] = {};
    gethostname(text, sizeof text - 1);
    return firedrill::import::sanitize_name(text, "host");
  }
  fs::path dir_;
};

bool has_line(const std::string& text, const std::string& start) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  " + start, 0) == 0) return true;
  }
  return false;
}

TEST_F(ImportCli, OneHostEveryFieldRead) {
  Run run;
  const json plan = import_valid({estate("one-host.xml")}, "plan.json", &run);
  const std::string host = host_name();
  ASSERT_EQ(plan["sites"].size(), 1u);
  const json& h = plan["sites"][0]["hosts"][0];
  EXPECT_EQ(plan["sites"][0]["name"], host);
  EXPECT_EQ(h["name"], host);
  EXPECT_EQ(h["cores"], 8);
  EXPECT_EQ(h["memory"], "16GiB");
  EXPECT_EQ(h["libvirt"], estate("one-host.xml"));
  const json& web = named(plan["vms"], "web");
  EXPECT_EQ(web["host"], host);
  EXPECT_EQ(web["vcpus"], 2);
  EXPECT_EQ(web["memory"], "2GiB") << "the maximum, not the balloon's 1 GiB";
  EXPECT_EQ(web["disk"], "20GiB") << "the first device='disk', not the cdrom";
  EXPECT_EQ(web["network"], "prod");
  ASSERT_TRUE(web.contains("ip")) << run.out;
  EXPECT_TRUE(firedrill::ip_in_subnet(web["ip"], "10.0.0.0/24")) << web["ip"];
  const json& db = named(plan["vms"], "db");
  EXPECT_EQ(db["vcpus"], 4);
  EXPECT_EQ(db["memory"], "4GiB");
  EXPECT_EQ(db["disk"], "40GiB") << "a shut-off domain's disk from its volume";
  EXPECT_EQ(db["network"], "prod");
  EXPECT_FALSE(db.contains("ip"));
  EXPECT_EQ(named(plan["networks"], "prod")["subnet"], "10.0.0.0/24");
  EXPECT_EQ(named(plan["networks"], "backup")["subnet"], "172.16.0.0/16") << "IPv4, not IPv6";
  EXPECT_TRUE(plan["replication"].empty());
  // facts and choices on stdout (the plan went to the file)
  EXPECT_TRUE(has_line(run.out, "vms.web: interface 1: MAC 52:54:00:aa:00:01, network prod"))
      << run.out;
  EXPECT_TRUE(has_line(run.out, "vms.db: interface 1: MAC 52:54:00:aa:00:02")) << run.out;
  EXPECT_TRUE(has_line(run.out, "vms.web.ip=" + web["ip"].get<std::string>() +
                                    "  (from the DHCP lease, not the guest agent (agent: not "
                                    "asked: the connection is read-only"))
      << run.out;
  EXPECT_TRUE(has_line(run.out, "vms.db.ip: not set  (the domain is not running")) << run.out;
  EXPECT_TRUE(has_line(run.out, "vms.web.boot_time=60s")) << run.out;
  EXPECT_TRUE(has_line(run.out, "sites." + host + ".hosts." + host + ": storage pool images (dir"))
      << run.out;
}

TEST_F(ImportCli, SameEstateSameBytesOnStdoutAndInFiles) {
  Run first, second;
  import_valid({estate("one-host.xml")}, "a.json", &first);
  import_valid({estate("one-host.xml")}, "b.json", &second);
  EXPECT_EQ(slurp(dir_ / "a.json"), slurp(dir_ / "b.json"));
  const std::string wrote_a = "wrote " + (dir_ / "a.json").string();
  ASSERT_NE(first.out.find(wrote_a), std::string::npos);
  EXPECT_EQ(first.out.replace(first.out.find(wrote_a), wrote_a.size(),
                              "wrote " + (dir_ / "b.json").string()),
            second.out);
  const Run to_stdout = firedrill({"import", estate("one-host.xml")});
  ASSERT_EQ(to_stdout.exit_code, 0) << to_stdout.err;
  EXPECT_EQ(to_stdout.out, slurp(dir_ / "a.json")) << "without --out the plan is on stdout";
  EXPECT_TRUE(has_line(to_stdout.err, "vms.web.boot_time=60s")) << "and the choices on stderr";
}

TEST_F(ImportCli, TwoHostsAsTwoSites) {
  Run run;
  const json plan = import_valid(
      {"--site", "primary=" + estate("primary.xml"), "--site", "dr=" + estate("dr.xml")},
      "plan.json", &run);
  const std::string host = host_name(), dr_host = host + "-2";  // one machine, one hostname
  ASSERT_EQ(plan["sites"].size(), 2u);
  EXPECT_EQ(plan["sites"][0]["name"], "primary");
  EXPECT_EQ(plan["sites"][1]["name"], "dr");
  EXPECT_EQ(plan["sites"][0]["hosts"][0]["cores"], 16);
  EXPECT_EQ(plan["sites"][0]["hosts"][0]["memory"], "64GiB");
  EXPECT_EQ(plan["sites"][1]["hosts"][0]["name"], dr_host);
  EXPECT_EQ(plan["sites"][1]["hosts"][0]["cores"], 12);
  EXPECT_EQ(plan["sites"][1]["hosts"][0]["memory"], "48GiB");
  const json& app = named(plan["vms"], "app");
  EXPECT_EQ(app["vcpus"], 4);
  EXPECT_EQ(app["memory"], "8GiB");
  EXPECT_EQ(app["disk"], "30GiB") << "a <source pool= volume=> disk";
  const json& db = named(plan["vms"], "db");
  EXPECT_EQ(db["vcpus"], 8);
  EXPECT_EQ(db["memory"], "16GiB");
  EXPECT_EQ(db["disk"], "100GiB");
  EXPECT_EQ(named(plan["networks"], "prod")["site"], "primary");
  EXPECT_EQ(named(plan["networks"], "dr-net")["subnet"], "10.1.0.0/24");
  EXPECT_EQ(named(plan["networks"], "dr-net")["site"], "dr");
  const json& job = named(plan["replication"], "to-dr");
  EXPECT_EQ(job["target_host"], dr_host);
  EXPECT_EQ(job["vms"], json::parse(R"(["app", "db"])"));
  EXPECT_EQ(plan["recovery"]["target_site"], "dr");
  EXPECT_EQ(plan["recovery"]["network_mapping"]["prod"], "dr-net") << "the /24, not the bubble";
  EXPECT_EQ(plan["recovery"]["re_ip"][0], json::parse(R"({"from": "10.0.0.*", "to": "10.1.0.*"})"));
  EXPECT_EQ(named(plan["links"], "primary-dr")["between"], json::parse(R"(["primary", "dr"])"));
  EXPECT_TRUE(has_line(run.out, "links.primary-dr.bandwidth=1Gbps")) << run.out;
  EXPECT_TRUE(has_line(run.out, "recovery.target_site=dr")) << run.out;
  EXPECT_TRUE(has_line(run.out, "networks.bubble: no <forward> in libvirt")) << run.out;
  // one --site with both sites in it gives the same plan
  Run comma;
  import_valid({"--site", "primary=" + estate("primary.xml") + ",dr=" + estate("dr.xml")},
               "comma.json", &comma);
  EXPECT_EQ(slurp(dir_ / "plan.json"), slurp(dir_ / "comma.json"));
}

TEST_F(ImportCli, OddNamesAreSanitized) {
  Run run;
  const json plan = import_valid({estate("odd-names.xml")}, "plan.json", &run);
  // "web-server-01" is valid and keeps its name; "Web Server.01" becomes its -2
  const json& clean = named(plan["vms"], "web-server-01");
  EXPECT_EQ(clean["memory"], "512MiB");
  EXPECT_EQ(clean["disk"], "5GiB");
  EXPECT_FALSE(clean.contains("network")) << "a domain without an interface";
  const json& odd = named(plan["vms"], "web-server-01-2");
  EXPECT_EQ(odd["disk"], "1536MiB") << "a volume path with an XML entity";
  EXPECT_EQ(odd["network"], "prod-lan");
  EXPECT_TRUE(firedrill::ip_in_subnet(odd["ip"], "192.168.50.0/24"));
  const json& stars = named(plan["vms"], "vm");
  EXPECT_EQ(stars["vcpus"], 2);
  EXPECT_EQ(stars["disk"], "10GiB") << "the default: its disk is in no pool";
  EXPECT_FALSE(stars.contains("network")) << "a bridge is no libvirt network";
  EXPECT_EQ(named(plan["networks"], "prod-lan")["subnet"], "192.168.50.0/24");
  EXPECT_TRUE(has_line(run.out,
                       "vms.web-server-01-2.name=web-server-01-2  (libvirt domain "
                       "'Web Server.01'"))
      << run.out;
  EXPECT_TRUE(has_line(run.out, "vms.vm.name=vm  (libvirt domain '***'")) << run.out;
  EXPECT_TRUE(has_line(run.out, "networks.prod-lan.name=prod-lan")) << run.out;
  EXPECT_TRUE(
      has_line(run.out, "vms.web-server-01.network: not set  (the domain has no interface)"))
      << run.out;
  EXPECT_TRUE(has_line(run.out,
                       "vms.vm.disk=10GiB  (disk size unknown: no storage volume "
                       "/nowhere/stars.img"))
      << run.out;
  EXPECT_TRUE(has_line(run.out, "vms.vm: interface 1: MAC 52:54:00:20:00:03, bridge br0"))
      << run.out;
}

TEST_F(ImportCli, AgentIsAskedOnReadWriteConnections) {
  Run run;
  const json plan = import_valid({"--agent", estate("one-host.xml")}, "plan.json", &run);
  EXPECT_TRUE(named(plan["vms"], "web").contains("ip"));
  // the agent answered: the address is a fact, not a choice
  EXPECT_FALSE(has_line(run.out, "vms.web.ip=")) << run.out;
  EXPECT_NE(run.out.find("(agent) (the plan has no MAC field)"), std::string::npos) << run.out;
}

TEST_F(ImportCli, BadOptionsExit2) {
  const std::vector<std::vector<std::string>> cases = {
      {"import"},
      {"import", "--site", "=test:///default"},
      {"import", "--site", "primary="},
      {"import", "--site", "test:///default"},
      {"import", "test:///default", "test:///default"},
      {"import", "--site", "a=test:///default", "--site", "b=test:///default"},
      {"import", "--site", "a=test:///default", "--site", "a=" + estate("dr.xml")},
      {"import", "--timeout", "0", "test:///default"},
      {"import", "--bogus", "test:///default"},
  };
  for (const auto& args : cases) {
    const Run run = firedrill(args);
    EXPECT_EQ(run.exit_code, 2) << args.back() << ": " << run.err;
    EXPECT_EQ(run.err.rfind("firedrill import: ", 0), 0u) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
}

TEST_F(ImportCli, UnreachableHostExit3AndNothingWritten) {
  const std::string out = (dir_ / "plan.json").string();
  const Run run =
      firedrill({"import", estate("one-host.xml"), "test:///no/such/estate.xml", "--out", out});
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_EQ(run.err.rfind("firedrill import: cannot reach test:///no/such/estate.xml: ", 0), 0u)
      << run.err;
  EXPECT_FALSE(fs::exists(out));
}

// A daemon that accepts the connection and never answers (its socket listens, nothing
// reads it): the import gives up after --timeout instead of hanging.
TEST_F(ImportCli, SilentDaemonIsBoundedByTimeout) {
  const std::string socket_path = (dir_ / "silent.sock").string();
  const int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(socket_path.size(), sizeof address.sun_path);
  socket_path.copy(address.sun_path, socket_path.size());
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(listener, 8), 0);
  const auto start = std::chrono::steady_clock::now();
  const Run run = firedrill(
      {"import", "--timeout", "2", "qemu+unix:///system?socket=" + socket_path + "&no_tty=1"});
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(listener);
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_NE(run.err.find("no answer within 2 s"), std::string::npos) << run.err;
  EXPECT_LT(took_s, 20.0);
}

}  // namespace
