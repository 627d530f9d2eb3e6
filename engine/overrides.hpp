// `--set PATH=VALUE` overrides, applied to the JSON before anything is type-checked.
// PATH names one value: dot-separated keys, with list elements picked by their "name"
// (vms.db.boot_time, replication.to-dr.interval) or by index (vms[1].boot_time,
// events.0.at); a name containing a dot can be bracketed: vms["web.1"].memory. The last
// key of a path may be new (setting an optional field); every list element and every
// scalar on the way must exist, otherwise the override names nothing and is an error.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/json_reader.hpp"

namespace firedrill {

struct Override {
  std::string text;       // as given: "vms.db.boot_time=90s"
  bool scenario = false;  // PATH started with "scenario."
  std::string path;       // PATH without the "scenario." prefix
  Json value;             // VALUE parsed as JSON when it is valid JSON, else the string
  // Who gave it, for messages: "--set", or "calibration FILE" (run --calibration).
  std::string origin = "--set";
};

// Splits "PATH=VALUE"; nullopt with `error` set when there is no '=' or PATH is empty.
std::optional<Override> parse_override(std::string_view text, std::string* error);

struct OverrideApplied {
  std::string json_path;  // canonical path of the value set, with indices: "vms[1].boot_time"
  bool created = false;   // the key did not exist before
};

// Sets override.value at override.path inside `root`. On failure returns nullopt and a
// reason in `error` ("no element named 'dbx' in vms (did you mean 'db'?)").
std::optional<OverrideApplied> apply_override(Json& root, const Override& override,
                                              std::string* error);

}  // namespace firedrill
