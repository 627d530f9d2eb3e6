// `firedrill cleanup DIR`: undoes what a libvirt run recorded in DIR/journal.jsonl and did
// not remove itself (a run killed half-way, a host that was down at the end, --keep):
// snapshot overlays are merged back into their source disks, domains the run created are
// destroyed and undefined, volumes it created are deleted. Nothing the journal does not
// name is touched. Exit 0 when nothing is left, 3 when a host could not be reached,
// 1 when something could not be removed, 2 on usage errors.
#include <boost/program_options.hpp>
#include <filesystem>
#include <iostream>
#include <string>

#include "app/commands.hpp"
#include "real/journal.hpp"

namespace firedrill::app {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: firedrill cleanup DIR [--dry-run]\n"
    "Removes the libvirt objects (domains, volumes, snapshot overlays) that a\n"
    "`firedrill run --backend libvirt --out DIR` created and did not remove, as recorded in\n"
    "DIR/journal.jsonl. Touches nothing else. Exit 0 when nothing is left, 1 when something\n"
    "could not be removed, 2 on usage errors, 3 when a host could not be reached.\n";

}  // namespace

int cmd_cleanup(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")("dry-run,n", "only list what would be removed");
  po::options_description hidden;
  hidden.add_options()("dir", po::value<std::string>(), "the run's output folder");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("dir", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "firedrill cleanup: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  if (!vm.count("dir")) {
    std::cerr << "firedrill cleanup: which folder? (the --out DIR of a libvirt run)\n" << kUsage;
    return 2;
  }
  const std::string dir = vm["dir"].as<std::string>();
  if (!std::filesystem::exists(std::filesystem::path(dir) / "journal.jsonl")) {
    std::cerr << "firedrill cleanup: " << dir
              << "/journal.jsonl: no journal here (only libvirt runs write one)\n";
    return 2;
  }
  const auto leftovers = journal_leftovers(dir);
  if (leftovers.empty()) {
    std::cout << "nothing to clean up in " << dir << "\n";
    return 0;
  }
  if (vm.count("dry-run")) {
    for (const JournalObject& object : leftovers) {
      std::cout << object.host << ": " << object.kind << " " << object.name << "\n";
    }
    return 0;
  }
  const CleanupReport report = cleanup_journal(dir);
  for (const std::string& line : report.lines) std::cout << line << "\n";
  for (const std::string& problem : report.problems) {
    std::cerr << "firedrill cleanup: " << problem << "\n";
  }
  std::cout << "removed " << report.removed << " object(s); " << journal_leftovers(dir).size()
            << " left\n";
  if (report.unreachable) return 3;
  return report.problems.empty() ? 0 : 1;
}

}  // namespace firedrill::app
