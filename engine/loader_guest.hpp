// Reading a VM's real-guest fields (SPEC 7): `guest` (how the guest is known to be up and
// how it gets its new address), `health` (application checks that must pass before the
// VM counts as ready) and `data_probe` (the command that dates the restored data).
// Internal to engine/: loader_plan.cpp's VM table calls these; which VMs a check may name
// is checked later, in validate_guest.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/json_reader.hpp"
#include "engine/model.hpp"

namespace firedrill::loading {

// {"readiness": ..., "re_ip": ..., "os": ..., "disk_format": ...}, every key optional
// (defaults: the lab guest).
std::optional<Guest> read_guest(ReadContext& context, const Json& value, const std::string& path);
// A list of checks, each with exactly one of tcp, http, exec, file.
std::optional<std::vector<HealthCheckSpec>> read_health(ReadContext& context, const Json& value,
                                                        const std::string& path);
// {"exec": ["prog", "arg", ...]}.
std::optional<DataProbe> read_data_probe(ReadContext& context, const Json& value,
                                         const std::string& path);

}  // namespace firedrill::loading
