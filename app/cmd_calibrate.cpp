// `firedrill calibrate RUN_DIR... [--out FILE]`: reads the evidence of real runs and writes
// a calibration file of `--set`-style overrides (real/calibrate/calibrate.hpp does the
// work). This file holds the options, the printing and the exit status only.
#include <boost/program_options.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "real/calibrate/calibrate.hpp"
#include "reports/report.hpp"

namespace firedrill::app {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage = R"(Usage: firedrill calibrate RUN_DIR... [--out FILE]
Fits measured values from the evidence of real runs and writes them as a calibration file
of PATH=VALUE overrides, which `firedrill run --calibration FILE` and `firedrill whatif
--calibration FILE` predict with. A run folder is the --out folder of `firedrill run
--backend libvirt` (its report.json and libvirt.json). See docs/calibrate.md.

Fitted from the evidence: vms.NAME.boot_time from every boot that reached ready (one boot a
fixed duration, two or more a lognormal by maximum likelihood); links.NAME.bandwidth as the
bytes completed transfers shipped over the seconds the link was busy; vms.NAME.change_rate
from incremental replication cycles only (a full copy says nothing about how fast a disk
changes). What could not be fitted is listed with the reason. Every run must be of the
same plan; simulated runs are refused (they measure nothing).

With --out the file is written to FILE (atomically) and a summary is printed on stdout;
without it the file goes to stdout and the summary to stderr. The same run folders give
the same bytes.

Exit status: 0 the calibration was written; 2 bad usage, or a run folder that cannot be
used (nothing is written).
)";

struct Options {
  std::vector<std::string> dirs;
  std::string out;
};

// 0 with `options` filled, 1 after --help, 2 on bad usage (the message is printed).
int parse(int argc, char** argv, po::options_description& visible, Options& options) {
  visible.add_options()("help,h", "show this help")("out,o", po::value<std::string>(&options.out),
                                                    "write the calibration to this file");
  po::options_description hidden;
  hidden.add_options()("run-dir", po::value<std::vector<std::string>>(&options.dirs), "runs");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("run-dir", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "firedrill calibrate: " << e.what() << " (try firedrill calibrate --help)\n";
    return 2;
  }
  if (vm.count("help")) return 1;
  if (options.dirs.empty()) {
    std::cerr << "firedrill calibrate: no run folder given (try firedrill calibrate --help)\n";
    return 2;
  }
  return 0;
}

void print_summary(std::ostream& out, const calibrate::Calibration& calibration) {
  const calibrate::Fits& fits = calibration.fits;
  out << "fitted for plan " << calibration.plan << " (PATH=VALUE):\n";
  for (const calibrate::Fitted& fit : fits.fitted) {
    out << "  " << fit.path << "=" << fit.value.dump() << "  (" << fit.summary << ")\n";
  }
  if (!fits.not_fitted.empty()) out << "not fitted:\n";
  for (const calibrate::NotFitted& entry : fits.not_fitted) {
    out << "  " << entry.path << ": " << entry.reason << "\n";
  }
  for (const std::string& note : fits.notes) out << "note: " << note << "\n";
}

}  // namespace

int cmd_calibrate(int argc, char** argv) {
  po::options_description visible("Options");
  Options options;
  const int parsed = parse(argc, argv, visible, options);
  if (parsed == 1) {
    std::cout << kUsage << "\n" << visible;
    return 0;
  }
  if (parsed != 0) return parsed;

  const Result<calibrate::Calibration> calibration = calibrate::calibrate_runs(options.dirs);
  if (!calibration.ok()) {
    for (const Diagnostic& diagnostic : calibration.errors()) {
      std::cerr << diagnostic.render() << "\n";
    }
    return 2;
  }
  if (!options.out.empty()) {
    if (const std::string problem =
            reports::write_file_atomically(options.out, calibration.value().text);
        !problem.empty()) {
      std::cerr << "firedrill calibrate: " << problem << "\n";
      return 2;
    }
  } else {
    std::cout << calibration.value().text;
  }
  std::ostream& notes = options.out.empty() ? std::cerr : std::cout;
  print_summary(notes, calibration.value());
  if (!options.out.empty()) notes << "wrote " << options.out << "\n";
  return 0;
}

}  // namespace firedrill::app
