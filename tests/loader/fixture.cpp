// Fixtures of the loader tests (see fixture.hpp).
#include "fixture.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace firedrill::testing {

Json valid_plan() {
  return Json::parse(R"({
    "name": "mini",
    "sites": [
      {"name": "primary", "hosts": [{"name": "esx1", "cores": 8, "memory": "64GiB"},
                                    {"name": "esx2", "cores": 8, "memory": "64GiB"}]},
      {"name": "dr", "hosts": [{"name": "dr1", "cores": 8, "memory": "64GiB"}]}
    ],
    "datastores": [{"name": "san1", "hosts": ["esx1", "esx2"]}],
    "links": [{"name": "wan", "between": ["primary", "dr"], "bandwidth": "1Gbps", "latency": "20ms"}],
    "networks": [{"name": "prod", "site": "primary", "subnet": "10.0.0.0/24"},
                 {"name": "dr-net", "site": "dr", "subnet": "10.1.0.0/24"},
                 {"name": "bubble", "site": "dr", "isolated": true}],
    "vms": [
      {"name": "ad", "host": "esx1", "memory": "4GiB", "boot_time": "45s", "network": "prod",
       "ip": "10.0.0.10", "priority": 1},
      {"name": "db", "host": "esx1", "memory": "8GiB", "boot_time": "60s", "network": "prod",
       "ip": "10.0.0.11", "priority": 2, "depends_on": ["ad"]},
      {"name": "app", "host": "esx2", "memory": "8GiB", "boot_time": "30s", "network": "prod",
       "ip": "10.0.0.12", "priority": 3, "depends_on": ["db"]}
    ],
    "clusters": [{"name": "prod", "hosts": ["esx1", "esx2"], "datastore": "san1", "ha": {}}],
    "replication": [{"name": "to-dr", "vms": ["ad", "db", "app"], "target_host": "dr1",
                     "interval": "15m"}],
    "recovery": {"target_site": "dr", "network_mapping": {"prod": "dr-net"},
                 "re_ip": [{"from": "10.0.0.*", "to": "10.1.0.*"}], "test_network": "bubble"}
  })");
}

Json valid_scenario() {
  Json scenario = Json::parse(R"({
    "name": "case", "seed": 7, "duration": "6h",
    "events": [{"at": "2h", "fail": "site", "target": "primary"}]
  })");
  scenario["plan"] = valid_plan();
  return scenario;
}

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "firedrill-loader-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::write(const std::string& name, const std::string& text) const {
  const std::filesystem::path file = path_ / name;
  std::filesystem::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
  return file.string();
}

std::vector<std::string> TempDir::listing() const {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(path_)) {
    files.push_back(std::filesystem::relative(entry.path(), path_).string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string slurp(const std::filesystem::path& file) {
  std::ifstream stream(file, std::ios::binary);
  std::stringstream text;
  text << stream.rdbuf();
  return text.str();
}

}  // namespace

CommandRun run_firedrill(const std::filesystem::path& cwd, const std::vector<std::string>& args) {
  TempDir capture;
  std::string command = "cd " + shell_quote(cwd.string()) + " && " + shell_quote(FIREDRILL_BINARY);
  for (const std::string& arg : args) command += " " + shell_quote(arg);
  command += " >" + shell_quote((capture.path() / "out").string()) + " 2>" +
             shell_quote((capture.path() / "err").string()) + " </dev/null";
  const int status = std::system(command.c_str());
  CommandRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = slurp(capture.path() / "out");
  run.err = slurp(capture.path() / "err");
  return run;
}

}  // namespace firedrill::testing
