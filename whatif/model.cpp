// The what-if sweep's model: --vary parsing, combinations, seeds, shards and run records.
#include "whatif/model.hpp"

#include <algorithm>
#include <charconv>
#include <sstream>

namespace firedrill::whatif {

namespace {

Diagnostic error_at(const std::string& file, const std::string& path, const std::string& message) {
  Diagnostic diagnostic;
  diagnostic.file = file;
  diagnostic.json_path = path;
  diagnostic.message = message;
  return diagnostic;
}

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return x;
}

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t");
  return text.substr(first, last - first + 1);
}

// Splits at commas outside brackets, braces and double quotes. nullopt when they do not
// balance.
std::optional<std::vector<std::string>> split_top_level(const std::string& text) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      current += c;
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth < 0) return std::nullopt;
    } else if (c == ',' && depth == 0) {
      parts.push_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  if (in_string || depth != 0) return std::nullopt;
  parts.push_back(trim(current));
  return parts;
}

std::optional<std::size_t> parse_size(const std::string& text) {
  std::size_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

template <typename T>
Json optional_json(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// Typed reads for record_from_json: each throws a message naming the field.
struct FieldError {
  std::string message;
};

const Json& field(const Json& object, const char* name) {
  if (!object.is_object() || !object.contains(name)) {
    throw FieldError{std::string("missing field '") + name + "'"};
  }
  return object.at(name);
}

std::optional<double> optional_number(const Json& object, const char* name) {
  const Json& value = field(object, name);
  if (value.is_null()) return std::nullopt;
  if (!value.is_number()) throw FieldError{std::string("'") + name + "' is not a number"};
  return value.get<double>();
}

std::optional<bool> optional_bool(const Json& object, const char* name) {
  const Json& value = field(object, name);
  if (value.is_null()) return std::nullopt;
  if (!value.is_boolean()) throw FieldError{std::string("'") + name + "' is not a boolean"};
  return value.get<bool>();
}

std::string string_field(const Json& object, const char* name) {
  const Json& value = field(object, name);
  if (!value.is_string()) throw FieldError{std::string("'") + name + "' is not a string"};
  return value.get<std::string>();
}

std::uint64_t unsigned_field(const Json& object, const char* name) {
  const Json& value = field(object, name);
  if (!value.is_number_unsigned()) {
    throw FieldError{std::string("'") + name + "' is not a non-negative integer"};
  }
  return value.get<std::uint64_t>();
}

bool bool_field(const Json& object, const char* name) {
  const Json& value = field(object, name);
  if (!value.is_boolean()) throw FieldError{std::string("'") + name + "' is not a boolean"};
  return value.get<bool>();
}

VmOutcome parse_outcome(const std::string& text) {
  for (VmOutcome outcome :
       {VmOutcome::recovered, VmOutcome::failed, VmOutcome::lost, VmOutcome::unaffected}) {
    if (text == to_string(outcome)) return outcome;
  }
  throw FieldError{"unknown outcome '" + text + "'"};
}

}  // namespace

Result<Axis> parse_vary(const std::string& text) {
  const std::string where = "--vary '" + text + "'";
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) {
    return error_at(where, "",
                    "expected PATH=V1,V2,... (for instance replication.to-dr.interval=5m,15m)");
  }
  Axis axis;
  axis.path = trim(text.substr(0, equals));
  if (axis.path.empty()) return error_at(where, "", "the path is empty");
  const auto values = split_top_level(text.substr(equals + 1));
  if (!values) return error_at(where, axis.path, "unbalanced brackets or quotes in the values");
  for (std::size_t i = 0; i < values->size(); ++i) {
    if ((*values)[i].empty()) {
      return error_at(where, axis.path, "value " + std::to_string(i + 1) + " is empty");
    }
    if (std::find(axis.values.begin(), axis.values.end(), (*values)[i]) != axis.values.end()) {
      return error_at(where, axis.path, "value '" + (*values)[i] + "' is given twice");
    }
    axis.values.push_back((*values)[i]);
  }
  return axis;
}

Result<Shard> parse_shard(const std::string& text) {
  const std::string where = "--shard '" + text + "'";
  const auto slash = text.find('/');
  if (slash == std::string::npos) {
    return error_at(where, "", "expected I/N with 0 <= I < N (for instance 0/4)");
  }
  const auto index = parse_size(text.substr(0, slash));
  const auto count = parse_size(text.substr(slash + 1));
  if (!index || !count || *count == 0) {
    return error_at(where, "", "expected I/N with 0 <= I < N (for instance 0/4)");
  }
  if (*index >= *count) {
    return error_at(where, "",
                    "shard index " + std::to_string(*index) + " is out of range: shards are 0.." +
                        std::to_string(*count - 1) + " (0-based)");
  }
  return Shard{*index, *count};
}

std::size_t Sweep::combination_count() const {
  std::size_t count = 1;
  for (const Axis& axis : axes) count *= axis.values.size();
  return count;
}

std::vector<std::string> Sweep::values_of(std::size_t combination) const {
  std::vector<std::string> values(axes.size());
  for (std::size_t i = axes.size(); i-- > 0;) {
    const std::size_t n = axes[i].values.size();
    values[i] = axes[i].values[combination % n];
    combination /= n;
  }
  return values;
}

std::vector<std::string> Sweep::overrides_of(std::size_t combination) const {
  std::vector<std::string> overrides = sets;
  const std::vector<std::string> values = values_of(combination);
  for (std::size_t i = 0; i < axes.size(); ++i) overrides.push_back(axes[i].path + "=" + values[i]);
  return overrides;
}

std::uint64_t Sweep::seed_of(std::size_t combination, int run) const {
  std::uint64_t value = mix(seed + 0x9E3779B97F4A7C15ULL * (static_cast<std::uint64_t>(run) + 1));
  if (independent_seeds) {
    value = mix(value + 0xD1B54A32D192ED03ULL * (static_cast<std::uint64_t>(combination) + 1));
  }
  return value & ((1ULL << 53) - 1);
}

std::vector<std::size_t> Sweep::tasks_of(const Shard& shard) const {
  std::vector<std::size_t> tasks;
  for (std::size_t task = shard.index; task < task_count(); task += shard.count) {
    tasks.push_back(task);
  }
  return tasks;
}

Json to_json(const Sweep& sweep) {
  Json inputs = Json::array();
  for (const auto& [file, sha] : sweep.inputs) inputs.push_back({{"file", file}, {"sha256", sha}});
  Json axes = Json::array();
  for (const Axis& axis : sweep.axes)
    axes.push_back({{"path", axis.path}, {"values", axis.values}});
  Json json{{"tool_version", sweep.tool_version},
            {"scenario", sweep.scenario},
            {"plan", sweep.plan},
            {"inputs", inputs},
            {"seed", sweep.seed},
            {"runs", sweep.runs},
            {"independent_seeds", sweep.independent_seeds},
            {"set", sweep.sets},
            {"vary", axes}};
  // Only when given, so that an uncalibrated sweep keeps the bytes it always had.
  if (!sweep.calibration.empty()) json["calibration"] = sweep.calibration;
  return json;
}

Result<Sweep> sweep_from_json(const Json& json, const std::string& file) {
  try {
    Sweep sweep;
    sweep.tool_version = string_field(json, "tool_version");
    sweep.scenario = string_field(json, "scenario");
    sweep.plan = string_field(json, "plan");
    for (const Json& input : field(json, "inputs")) {
      sweep.inputs.emplace_back(string_field(input, "file"), string_field(input, "sha256"));
    }
    sweep.seed = unsigned_field(json, "seed");
    sweep.runs = static_cast<int>(unsigned_field(json, "runs"));
    sweep.independent_seeds = bool_field(json, "independent_seeds");
    for (const Json& set : field(json, "set")) sweep.sets.push_back(set.get<std::string>());
    if (json.contains("calibration")) sweep.calibration = string_field(json, "calibration");
    for (const Json& axis_json : field(json, "vary")) {
      Axis axis;
      axis.path = string_field(axis_json, "path");
      for (const Json& value : field(axis_json, "values"))
        axis.values.push_back(value.get<std::string>());
      if (axis.values.empty()) throw FieldError{"axis '" + axis.path + "' has no values"};
      sweep.axes.push_back(std::move(axis));
    }
    if (sweep.runs <= 0) throw FieldError{"'runs' must be positive"};
    return sweep;
  } catch (const FieldError& failure) {
    return error_at(file, "sweep", failure.message);
  } catch (const nlohmann::json::exception& failure) {
    return error_at(file, "sweep", failure.what());
  }
}

RunRecord reduce(const Outcome& outcome, std::size_t combination, int run, std::uint64_t seed) {
  RunRecord record;
  record.combination = combination;
  record.run = run;
  record.seed = seed;
  record.incident_s = outcome.incident_time_s;
  record.objectives_met = exit_status(outcome) == 0;
  record.vms.reserve(outcome.vms.size());
  for (const VmResult& vm : outcome.vms) {
    VmRun row;
    row.name = vm.name;
    row.outcome = vm.outcome;
    row.rto_s = vm.rto_s;
    row.rpo_s = vm.rpo_s;
    row.objective_rto_s = vm.objective_rto_s;
    row.objective_rpo_s = vm.objective_rpo_s;
    row.rto_met = vm.rto_met;
    row.rpo_met = vm.rpo_met;
    row.reason = vm.reason;
    row.critical_path = vm.critical_path;
    record.vms.push_back(std::move(row));
  }
  return record;
}

Json to_json(const RunRecord& record) {
  Json json{{"combination", record.combination},
            {"run", record.run},
            {"seed", record.seed},
            {"ok", record.ok}};
  if (!record.ok) {
    json["error"] = record.error;
    return json;
  }
  json["incident"] = optional_json(record.incident_s);
  json["objectives_met"] = record.objectives_met;
  Json vms = Json::array();
  for (const VmRun& vm : record.vms) {
    Json path = Json::array();
    for (const CriticalStep& step : vm.critical_path)
      path.push_back({step.step, step.vm, step.seconds});
    Json row{{"name", vm.name},
             {"outcome", to_string(vm.outcome)},
             {"rto", optional_json(vm.rto_s)},
             {"rpo", optional_json(vm.rpo_s)},
             {"objective_rto", optional_json(vm.objective_rto_s)},
             {"objective_rpo", optional_json(vm.objective_rpo_s)},
             {"rto_met", optional_json(vm.rto_met)},
             {"rpo_met", optional_json(vm.rpo_met)},
             {"critical_path", path}};
    if (!vm.reason.empty()) row["reason"] = vm.reason;
    vms.push_back(std::move(row));
  }
  json["vms"] = std::move(vms);
  return json;
}

Result<RunRecord> record_from_json(const Json& json, const std::string& where) {
  try {
    RunRecord record;
    record.combination = unsigned_field(json, "combination");
    record.run = static_cast<int>(unsigned_field(json, "run"));
    record.seed = unsigned_field(json, "seed");
    record.ok = bool_field(json, "ok");
    if (!record.ok) {
      record.error = string_field(json, "error");
      return record;
    }
    record.incident_s = optional_number(json, "incident");
    record.objectives_met = bool_field(json, "objectives_met");
    for (const Json& row : field(json, "vms")) {
      VmRun vm;
      vm.name = string_field(row, "name");
      vm.outcome = parse_outcome(string_field(row, "outcome"));
      vm.rto_s = optional_number(row, "rto");
      vm.rpo_s = optional_number(row, "rpo");
      vm.objective_rto_s = optional_number(row, "objective_rto");
      vm.objective_rpo_s = optional_number(row, "objective_rpo");
      vm.rto_met = optional_bool(row, "rto_met");
      vm.rpo_met = optional_bool(row, "rpo_met");
      if (row.contains("reason")) vm.reason = string_field(row, "reason");
      for (const Json& step : field(row, "critical_path")) {
        if (!step.is_array() || step.size() != 3 || !step[0].is_string() || !step[1].is_string() ||
            !step[2].is_number()) {
          throw FieldError{"a critical_path step is not [step, vm, seconds]"};
        }
        vm.critical_path.push_back(
            {step[0].get<std::string>(), step[1].get<std::string>(), step[2].get<double>()});
      }
      record.vms.push_back(std::move(vm));
    }
    return record;
  } catch (const FieldError& failure) {
    return error_at(where, "", failure.message);
  } catch (const nlohmann::json::exception& failure) {
    return error_at(where, "", failure.what());
  }
}

std::string format_runs_file(const RunsFile& file) {
  Json header{{"firedrill_whatif_runs", 1},
              {"sweep", to_json(file.sweep)},
              {"shard", {{"index", file.shard.index}, {"count", file.shard.count}}},
              {"interrupted", file.interrupted}};
  std::string text = header.dump() + "\n";
  std::vector<const RunRecord*> sorted;
  for (const RunRecord& record : file.records) sorted.push_back(&record);
  const int runs = file.sweep.runs;
  std::sort(sorted.begin(), sorted.end(), [runs](const RunRecord* a, const RunRecord* b) {
    return a->task(runs) < b->task(runs);
  });
  for (const RunRecord* record : sorted) text += to_json(*record).dump() + "\n";
  return text;
}

Result<RunsFile> parse_runs_file(const std::string& text, const std::string& file) {
  std::istringstream stream(text);
  std::string line;
  std::size_t line_number = 0;
  RunsFile runs_file;
  std::vector<Diagnostic> errors;
  bool have_header = false;
  while (std::getline(stream, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::string where = file + ":" + std::to_string(line_number);
    Json json;
    try {
      json = Json::parse(line);
    } catch (const nlohmann::json::exception& failure) {
      return error_at(where, "", std::string("invalid JSON: ") + failure.what());
    }
    if (!have_header) {
      if (!json.is_object() || json.value("firedrill_whatif_runs", 0) != 1) {
        return error_at(where, "", "not a firedrill whatif runs file (no header line)");
      }
      auto sweep = sweep_from_json(json.value("sweep", Json()), where);
      if (!sweep.ok()) return sweep.errors();
      runs_file.sweep = sweep.value();
      try {
        const Json& shard = field(json, "shard");
        runs_file.shard.index = unsigned_field(shard, "index");
        runs_file.shard.count = unsigned_field(shard, "count");
        runs_file.interrupted = bool_field(json, "interrupted");
      } catch (const FieldError& failure) {
        return error_at(where, "", failure.message);
      }
      if (runs_file.shard.count == 0 || runs_file.shard.index >= runs_file.shard.count) {
        return error_at(where, "shard", "index out of range");
      }
      have_header = true;
      continue;
    }
    auto record = record_from_json(json, where);
    if (!record.ok()) return record.errors();
    const RunRecord& value = record.value();
    if (value.combination >= runs_file.sweep.combination_count() ||
        value.run >= runs_file.sweep.runs) {
      return error_at(where, "", "combination or run out of range for this sweep");
    }
    runs_file.records.push_back(std::move(record.value()));
  }
  if (!have_header) return error_at(file, "", "empty file: not a firedrill whatif runs file");
  return runs_file;
}

}  // namespace firedrill::whatif
