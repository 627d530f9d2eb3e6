// firedrill: the command line. Dispatches to one subcommand; see `firedrill --help`.
#include <cstring>
#include <iostream>
#include <string_view>

#include "app/commands.hpp"

namespace {

constexpr const char* kUsage = R"(firedrill -- rehearse disaster-recovery plans for virtual machines

Usage:
  firedrill run SCENARIO... [--backend sim|libvirt] [--out DIR] [--seed N] [--set PATH=VALUE]...
                [--calibration FILE]
  firedrill validate FILE... [--format text|json] [--set PATH=VALUE]...
  firedrill whatif SCENARIO --vary PATH=V1,V2,... [--runs N] [--jobs J] [--seed S] [--out DIR]
                   [--shard I/N] [--calibration FILE]
  firedrill whatif --merge DIR... [--out DIR]
  firedrill history [--plan NAME] [--format text|json|csv] [--verify] [--html FILE]
  firedrill cleanup DIR
  firedrill import URI... [--site NAME=URI,...]... [--out FILE]
  firedrill calibrate RUN_DIR... [--out FILE]
  firedrill --help | --version

Run `firedrill COMMAND --help` for the options of one command.

Exit status: 0 all objectives met; 1 an objective missed or a VM not recovered;
2 bad input or usage; 3 a backend could not be reached.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace firedrill::app;
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version" || command == "-V") {
    std::cout << "firedrill " << FIREDRILL_VERSION << "\n";
    return 0;
  }
  struct Entry {
    const char* name;
    int (*function)(int, char**);
  };
  constexpr Entry kCommands[] = {{"run", cmd_run},
                                 {"validate", cmd_validate},
                                 {"whatif", cmd_whatif},
                                 {"history", cmd_history},
                                 {"cleanup", cmd_cleanup},
                                 {"import", cmd_import},
                                 {"calibrate", cmd_calibrate}};
  for (const Entry& entry : kCommands) {
    if (command == entry.name) return entry.function(argc - 1, argv + 1);
  }
  std::cerr << "firedrill: unknown command '" << command << "' (try firedrill --help)\n";
  return 2;
}
