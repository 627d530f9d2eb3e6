// `firedrill validate FILE... [--format text|json] [--set PATH=VALUE]...`: loads each
// scenario (or plan alone) and runs every static check without running anything. Exit 0
// when every file is valid (warnings go to stderr), 2 otherwise with one message per error.
#include <boost/program_options.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/calibration_option.hpp"
#include "app/commands.hpp"
#include "engine/loader.hpp"

namespace firedrill::app {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: firedrill validate FILE... [--format text|json] [--set PATH=VALUE]...\n"
    "Checks scenario files (or plan files alone) without running them: every error names\n"
    "the file, the JSON path and what is wrong. Exit 0 when all are valid (warnings are\n"
    "printed on stderr), 2 otherwise.\n";

nlohmann::json to_json(const Diagnostic& diagnostic) {
  return {{"severity", diagnostic.severity == Diagnostic::Severity::error ? "error" : "warning"},
          {"file", diagnostic.file},
          {"path", diagnostic.json_path},
          {"message", diagnostic.message}};
}

}  // namespace

int cmd_validate(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "format", po::value<std::string>()->default_value("text"), "text or json")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override one value before validation: PATH=VALUE, e.g. vms.db.boot_time=90s "
      "(repeatable)")(
      "calibration", po::value<std::string>(),
      "FILE: check that this calibration (firedrill calibrate) applies to each scenario or "
      "plan, as run --calibration would apply it");
  po::options_description hidden;
  hidden.add_options()("file", po::value<std::vector<std::string>>(), "input files");
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("file", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "firedrill validate: " << e.what() << "\n" << kUsage;
    return 2;
  }
  if (vm.count("help")) {
    std::cout << kUsage << "\n" << options;
    return 0;
  }
  const std::string format = vm["format"].as<std::string>();
  if (format != "text" && format != "json") {
    std::cerr << "firedrill validate: --format must be text or json, not '" << format << "'\n";
    return 2;
  }
  if (!vm.count("file")) {
    std::cerr << "firedrill validate: no FILE given\n" << kUsage;
    return 2;
  }
  LoadOptions load_options;
  if (vm.count("set")) load_options.overrides = vm["set"].as<std::vector<std::string>>();
  if (vm.count("calibration")) {
    bool calibration_ok = true;
    load_options.calibration =
        read_calibration_option(vm["calibration"].as<std::string>(), calibration_ok);
    if (!calibration_ok) return 2;
  }

  bool all_valid = true;
  nlohmann::json report = nlohmann::json::array();
  for (const std::string& file : vm["file"].as<std::vector<std::string>>()) {
    const Result<std::vector<Diagnostic>> result = validate_file(file, load_options);
    const std::vector<Diagnostic>& diagnostics = result.ok() ? result.value() : result.errors();
    if (!result.ok()) all_valid = false;
    for (const Diagnostic& diagnostic : diagnostics) {
      if (format == "json") {
        report.push_back(to_json(diagnostic));
      } else {
        std::cerr << diagnostic.render() << "\n";
      }
    }
    if (format == "text" && result.ok()) std::cout << file << ": valid\n";
  }
  if (format == "json") {
    std::cout << report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  return all_valid ? 0 : 2;
}

}  // namespace firedrill::app
