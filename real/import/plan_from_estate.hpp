// From what was read on libvirt hosts to a plan (SPEC 10): a pure function, so the same
// estate always gives the same plan, byte for byte, and it is tested without libvirt.
//
// What libvirt knows goes into the plan as it is (cores, memory, vCPUs, disk sizes,
// networks and their subnets, addresses). What it cannot know (boot times, change rates,
// objectives, dependencies, replication, the recovery site, links between sites) gets a
// stated default chosen so that the plan validates, and each such default is a Choice the
// user is told about. What was read but has no place in the plan (MAC addresses, further
// interfaces, storage pools) is a Fact.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "real/import/estate.hpp"

namespace firedrill::import {

// A value the importer chose: `path` in `--set` form (vms.web.boot_time), `value` as it
// would be given to --set ("" when the importer left the field out), `why` in a few words.
struct Choice {
  std::string path;
  std::string value;
  std::string why;
};

// Something read from libvirt that the plan has no field for.
struct Fact {
  std::string path;
  std::string text;
};

struct ImportedPlan {
  nlohmann::json plan;  // objects have sorted keys; every array but "sites" is sorted by name
  std::vector<Choice> choices;
  std::vector<Fact> facts;
};

// Sites keep the order they were given (the last one is the recovery site); hosts keep the
// order of their site's URIs. Precondition: every URI of estate.sites is the uri of one of
// estate.hosts, and no URI is in two sites (the command line checks both).
ImportedPlan plan_from_estate(const Estate& estate);

// "vms.web.boot_time=60s  (why)", or "vms.web.ip: not set  (why)" for a field left out.
std::string render(const Choice& choice);
// "vms.web: text"
std::string render(const Fact& fact);
// The plan as written to the file: 2-space indented JSON and a final newline.
std::string plan_text(const ImportedPlan& imported);

}  // namespace firedrill::import
