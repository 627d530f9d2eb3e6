// `firedrill import URI... [--site NAME=URI,...]... [--out FILE]`: reads libvirt hosts
// (real/import/read_host.hpp) and writes the plan they make (real/import/plan_from_estate.hpp),
// with the choices the importer made for the user. This file holds the options, the
// printing and the exit status only.
#include <boost/program_options.hpp>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "app/commands.hpp"
#include "engine/loader_text.hpp"
#include "real/import/plan_from_estate.hpp"
#include "real/import/read_host.hpp"
#include "reports/report.hpp"

namespace firedrill::app {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    R"(Usage: firedrill import URI... [--site NAME=URI,...]... [--out FILE] [--agent] [--timeout S]
Reads libvirt hosts and writes a plan that `firedrill validate` accepts: sites, hosts
(cores, memory), every defined VM (vCPUs, memory, first disk's size, network, address),
networks (subnets; a network the plan renames keeps its libvirt name in libvirt_name).
What libvirt cannot know (boot times, change rates, objectives, replication, the recovery
site, links between sites) gets a stated default; each is listed as a choice left to you,
as PATH=VALUE for `--set`. See docs/import.md.

Connections are read-only unless --agent is given. Sites: `--site NAME=URI,URI2` (repeat
it, or start the next site in the same list: primary=URI1,dr=URI2); a host in no site gets
one of its own, named after it; the last site is the recovery site. With --out the plan is
written to FILE (atomically) and the choices are printed on stdout; without it the plan
goes to stdout and the choices to stderr. The same hosts give the same bytes.

Exit status: 0 the plan was written and validates; 2 bad usage, or the plan does not
validate (it is written all the same, with the reasons); 3 a host could not be reached
(nothing is written).
)";

struct Options {
  std::vector<std::string> uris;
  std::vector<import::SiteSpec> sites;
  std::string out;
  import::ReadOptions read;
};

bool is_site_name(const std::string& text) {
  return !text.empty() && text.find_first_of(":/?") == std::string::npos;
}

// "primary=URI1,URI2,dr=URI3": an item NAME=... starts a site, a plain URI joins the last.
bool parse_site(const std::string& text, std::vector<import::SiteSpec>& sites, std::string& error) {
  bool started = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    std::string item = text.substr(start, comma - start);
    start = comma + 1;
    const std::size_t equals = item.find('=');
    if (equals != std::string::npos && is_site_name(item.substr(0, equals))) {
      sites.push_back({item.substr(0, equals), {}});
      item = item.substr(equals + 1);
      started = true;
    }
    if (!started) {
      error = "--site " + text + ": expected NAME=URI[,URI...]";
      return false;
    }
    if (item.empty()) {
      error = "--site " + text + ": empty URI in site '" + sites.back().name + "'";
      return false;
    }
    sites.back().uris.push_back(item);
  }
  return true;
}

// Every URI once, sites' URIs first; nonzero status with a message when the options conflict.
int check_options(Options& options) {
  std::set<std::string> site_names, in_sites;
  std::vector<std::string> uris;
  for (const import::SiteSpec& site : options.sites) {
    if (!site_names.insert(site.name).second) {
      std::cerr << "firedrill import: site '" << site.name << "' is given twice\n";
      return 2;
    }
    for (const std::string& uri : site.uris) {
      if (!in_sites.insert(uri).second) {
        std::cerr << "firedrill import: " << uri << " is in two sites\n";
        return 2;
      }
      uris.push_back(uri);
    }
  }
  std::set<std::string> positional;
  for (const std::string& uri : options.uris) {
    if (!positional.insert(uri).second) {
      std::cerr << "firedrill import: " << uri << " is given twice\n";
      return 2;
    }
    if (!in_sites.count(uri)) uris.push_back(uri);
  }
  if (uris.empty()) {
    std::cerr << "firedrill import: no URI given (try firedrill import --help)\n";
    return 2;
  }
  if (!(options.read.answer_timeout_s > 0)) {
    std::cerr << "firedrill import: --timeout must be positive (try firedrill import --help)\n";
    return 2;
  }
  options.uris = std::move(uris);
  return 0;
}

// 0 with `options` filled, 1 after --help, 2 on bad usage (the message is printed).
int parse(int argc, char** argv, po::options_description& visible, Options& options) {
  std::vector<std::string> site_texts;
  visible.add_options()("help,h", "show this help")(
      "site", po::value<std::vector<std::string>>(&site_texts)->composing(),
      "NAME=URI[,URI...]: these hosts form site NAME (repeatable; NAME2=URI starts another)")(
      "out,o", po::value<std::string>(&options.out), "write the plan to this file")(
      "agent", po::bool_switch(&options.read.ask_agent),
      "ask the guest agents for addresses (opens read-write connections; changes nothing)")(
      "timeout", po::value<double>(&options.read.answer_timeout_s)->default_value(30.0),
      "seconds a host may take to answer before it counts as unreachable");
  po::options_description hidden;
  hidden.add_options()("uri", po::value<std::vector<std::string>>(&options.uris), "hosts");
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("uri", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "firedrill import: " << e.what() << " (try firedrill import --help)\n";
    return 2;
  }
  if (vm.count("help")) return 1;
  for (const std::string& text : site_texts) {
    std::string error;
    if (!parse_site(text, options.sites, error)) {
      std::cerr << "firedrill import: " << error << "\n";
      return 2;
    }
  }
  return check_options(options);
}

void print_notes(std::ostream& out, const import::ImportedPlan& imported) {
  if (!imported.facts.empty()) out << "read from libvirt, not in the plan:\n";
  for (const import::Fact& fact : imported.facts) out << "  " << import::render(fact) << "\n";
  out << "choices left to you (edit the plan, or override with --set PATH=VALUE):\n";
  for (const import::Choice& choice : imported.choices) {
    out << "  " << import::render(choice) << "\n";
  }
}

}  // namespace

int cmd_import(int argc, char** argv) {
  po::options_description visible("Options");
  Options options;
  const int parsed = parse(argc, argv, visible, options);
  if (parsed == 1) {
    std::cout << kUsage << "\n" << visible;
    return 0;
  }
  if (parsed != 0) return parsed;

  import::Estate estate;
  estate.sites = options.sites;
  for (const std::string& uri : options.uris) {
    std::string error;
    auto host = import::read_host(uri, options.read, error);
    if (!host) {
      std::cerr << "firedrill import: cannot reach " << uri << ": " << error << "\n";
      return 3;
    }
    estate.hosts.push_back(std::move(*host));
  }
  const import::ImportedPlan imported = import::plan_from_estate(estate);
  const std::string text = import::plan_text(imported);
  const std::string file = options.out.empty() ? "imported plan" : options.out;
  const Result<std::vector<Diagnostic>> checked = validate_text(text, file);
  if (!options.out.empty()) {
    if (const std::string problem = reports::write_file_atomically(options.out, text);
        !problem.empty()) {
      std::cerr << "firedrill import: " << problem << "\n";
      return 2;
    }
  } else {
    std::cout << text;
  }
  std::ostream& notes = options.out.empty() ? std::cerr : std::cout;
  print_notes(notes, imported);
  if (!options.out.empty()) notes << "wrote " << options.out << "\n";
  for (const Diagnostic& diagnostic : checked.ok() ? checked.value() : checked.errors()) {
    std::cerr << diagnostic.render() << "\n";
  }
  if (!checked.ok()) {
    std::cerr << "firedrill import: the imported plan does not validate (see above)\n";
    return 2;
  }
  return 0;
}

}  // namespace firedrill::app
