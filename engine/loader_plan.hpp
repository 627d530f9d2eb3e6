// Reading a plan's JSON into the typed Plan through the field tables of each of its
// objects (sites, hosts, datastores, links, networks, VMs, clusters, replication jobs,
// recovery). Internal to engine/: the entry points are in engine/loader.hpp.
#pragma once

#include <string>

#include "engine/json_reader.hpp"
#include "engine/model.hpp"

namespace firedrill::loading {

// Reads the plan at `path` of `value`; errors go into `context`. The recovery site
// defaults to the one site every replication job targets.
Plan read_plan(ReadContext& context, const Json& value, const std::string& path);

}  // namespace firedrill::loading
