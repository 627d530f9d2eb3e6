// `firedrill history`: lists the runs recorded in the run history, checks its hash chain
// (--verify) and writes the trend report (--html). Exit status: 0 done (chain intact);
// 1 the chain is broken (the first bad row is named); 2 bad usage, or the history cannot
// be read (missing, not a firedrill history, unreadable) or the report cannot be written.
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "app/commands.hpp"
#include "reports/history.hpp"
#include "reports/report.hpp"

namespace firedrill::app {

namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    "Usage: firedrill history [--history PATH] [--plan NAME] [--format text|json|csv]\n"
    "                         [--verify] [--html FILE]\n\n"
    "Lists the runs recorded by `firedrill run` (oldest first), checks that nobody edited\n"
    "the history (--verify), or writes a trend report of achieved RTO and RPO per VM over\n"
    "time against the objectives (--html).\n\n"
    "Exit status: 0 done (and with --verify: the chain is intact); 1 the hash chain is\n"
    "broken (the first bad row is named); 2 bad usage, or the history cannot be read or the\n"
    "report cannot be written.\n\n";

void print_errors(const std::vector<Diagnostic>& errors) {
  for (const Diagnostic& error : errors)
    std::cerr << "firedrill history: " << error.render() << "\n";
}

int verify(const std::string& path) {
  const Result<reports::ChainCheck> check = reports::verify_history(path);
  if (!check.ok()) {
    print_errors(check.errors());
    return 2;
  }
  const reports::ChainCheck& result = check.value();
  if (result.first_bad_id) {
    std::cout << path << ": BROKEN at row " << *result.first_bad_id << ": " << result.problem
              << "\n";
    return 1;
  }
  std::cout << path << ": " << result.rows << " row(s), hash chain intact";
  if (!result.head_sha256.empty()) std::cout << "; newest row SHA-256 " << result.head_sha256;
  std::cout << "\n";
  return 0;
}

}  // namespace

int cmd_history(int argc, char** argv) {
  po::options_description options("Options");
  options.add_options()("help,h", "show this help")(
      "history", po::value<std::string>()->default_value(reports::kDefaultHistoryPath),
      "the history database")("plan", po::value<std::string>(), "only the runs of this plan")(
      "format", po::value<std::string>()->default_value("text"), "text | json | csv")(
      "verify", "check the hash chain of every row")("html", po::value<std::string>(),
                                                     "write the trend report to FILE");
  po::variables_map values;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "firedrill history: " << error.what() << "\n" << kUsage << options;
    return 2;
  }
  if (values.count("help") != 0) {
    std::cout << kUsage << options;
    return 0;
  }
  const std::string path = values["history"].as<std::string>();
  const std::string format = values["format"].as<std::string>();
  if (format != "text" && format != "json" && format != "csv") {
    std::cerr << "firedrill history: --format must be text, json or csv, not '" << format << "'\n";
    return 2;
  }
  const std::string plan = values.count("plan") != 0 ? values["plan"].as<std::string>() : "";
  const bool want_verify = values.count("verify") != 0;
  const bool want_html = values.count("html") != 0;

  int status = 0;
  if (want_verify) status = verify(path);
  if (status == 2) return status;
  if (!want_verify || want_html) {
    const Result<std::vector<reports::HistoryRun>> runs = reports::read_history(path, plan);
    if (!runs.ok()) {
      print_errors(runs.errors());
      return 2;
    }
    if (want_html) {
      const std::string file = values["html"].as<std::string>();
      const std::string title = plan.empty() ? std::string("all plans") : "plan " + plan;
      const std::string problem =
          reports::write_file_atomically(file, reports::history_trend_html(runs.value(), title));
      if (!problem.empty()) {
        std::cerr << "firedrill history: " << problem << "\n";
        return 2;
      }
      std::cerr << "firedrill history: wrote " << file << " (" << runs.value().size()
                << " run(s))\n";
    } else if (format == "json") {
      std::cout << reports::history_json(runs.value());
    } else if (format == "csv") {
      std::cout << reports::history_csv(runs.value());
    } else {
      std::cout << reports::history_text(runs.value());
    }
  }
  return status;
}

}  // namespace firedrill::app
