// The --hosts-file format: one `host=URI` per line (what `real/lab/lab up` writes), blank
// lines and lines starting with '#' ignored. Maps plan host names to libvirt URIs.
#pragma once

#include <map>
#include <string>

#include "engine/error.hpp"

namespace firedrill {

// Reads `path`. Errors name the file and the line ("hosts: line 3: expected host=URI").
Result<std::map<std::string, std::string>> read_hosts_file(const std::string& path);

}  // namespace firedrill
