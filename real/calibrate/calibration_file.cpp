// Reading a calibration file back (calibration.hpp): the checks that make a bad file exit 2
// with its name, the JSON path and what is wrong, before any scenario is loaded with it.
#include "engine/json_reader.hpp"
#include "engine/loader_text.hpp"
#include "engine/sha256.hpp"
#include "real/calibrate/calibration.hpp"

namespace firedrill::calibrate {

namespace {

Diagnostic error_at(const std::string& file, const std::string& path, std::string message) {
  return {Diagnostic::Severity::error, file, path, std::move(message)};
}

// A value `--set` could give: a duration, size or rate as text or number, or a
// distribution object ({"dist": ...}); the loader checks the rest once it is applied.
bool settable(const Json& value) {
  if (value.is_string() || value.is_number()) return true;
  return value.is_object() && value.contains("dist");
}

}  // namespace

Result<CalibrationFile> read_calibration(const std::string& path) {
  std::string reason;
  const auto text = read_input_file(path, &reason);
  if (!text) return error_at(path, "", "cannot read the calibration file: " + reason);
  ParsedJson parsed = parse_json(*text, path);
  if (!parsed.value) return *parsed.error;
  const Json& root = *parsed.value;
  if (!root.is_object()) {
    return error_at(path, "", "expected a calibration object (written by firedrill calibrate)");
  }
  const auto format = root.find("format");
  if (format == root.end() || !format->is_string() || *format != kCalibrationFormat) {
    return error_at(path, "format",
                    std::string("not a firedrill calibration: expected \"") + kCalibrationFormat +
                        "\" (files are written by firedrill calibrate)");
  }
  CalibrationFile file;
  file.path = path;
  file.sha256 = sha256_hex(*text);
  const auto plan = root.find("plan");
  if (plan == root.end() || !plan->is_string() || plan->get<std::string>().empty()) {
    return error_at(path, "plan", "expected the name of the plan the calibration was fitted for");
  }
  file.plan = plan->get<std::string>();
  const auto set = root.find("set");
  if (set == root.end() || !set->is_object()) {
    return error_at(path, "set", "expected an object of PATH: VALUE overrides");
  }
  for (auto entry = set->begin(); entry != set->end(); ++entry) {
    const std::string at = json_path_join("set", entry.key());
    if (entry.key().empty()) return error_at(path, at, "an empty PATH names nothing");
    if (entry.key().rfind("scenario.", 0) == 0) {
      return error_at(path, at, "a calibration sets plan values only, not the scenario's");
    }
    if (!settable(entry.value())) {
      return error_at(path, at,
                      "expected a duration, size or rate (text or number) or a distribution "
                      "object, got " +
                          entry.value().dump());
    }
    file.overrides.push_back(entry.key() + "=" + entry.value().dump());
  }
  return file;
}

}  // namespace firedrill::calibrate
