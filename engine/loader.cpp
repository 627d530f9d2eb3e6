// The scenario loader: file -> JSON (line and column on syntax errors) -> overrides ->
// typed Plan and Scenario (every error with file, JSON path and reason; unknown fields
// with a did-you-mean) -> validation (engine/validate.cpp). The plan's objects are read
// through the field tables of engine/loader_plan.cpp, the scenario's and its events'
// through the tables here. Nothing here throws to the caller: every failure is a
// Diagnostic.
#include "engine/loader.hpp"

#include <algorithm>
#include <filesystem>

#include "engine/json_reader.hpp"
#include "engine/loader_fields.hpp"
#include "engine/loader_plan.hpp"
#include "engine/loader_text.hpp"
#include "engine/overrides.hpp"
#include "engine/sha256.hpp"
#include "engine/validate.hpp"

namespace firedrill {
namespace {

using loading::as_duration;
using loading::as_duration_spec;
using loading::as_name;
using loading::as_names;
using loading::as_string;
using loading::as_unsigned;
using loading::Field;
using loading::field_of;
using loading::ObjectTable;

using Warnings = Result<std::vector<Diagnostic>>;

// --- events -----------------------------------------------------------------------------

struct EventKindName {
  const char* name;
  Event::Kind kind;
};
constexpr EventKindName kFailKinds[] = {{"host", Event::Kind::fail_host},
                                        {"site", Event::Kind::fail_site},
                                        {"datastore", Event::Kind::fail_datastore},
                                        {"link", Event::Kind::fail_link},
                                        {"vm", Event::Kind::fail_vm}};
constexpr EventKindName kActions[] = {{"test_failover", Event::Kind::test_failover},
                                      {"planned_failover", Event::Kind::planned_failover},
                                      {"failback", Event::Kind::failback}};

template <std::size_t N>
auto as_kind(const EventKindName (&kinds)[N]) {
  return [&kinds](ReadContext& context, const Json& value,
                  const std::string& path) -> std::optional<Event::Kind> {
    const auto text = read_name(context, value, path);
    if (!text) return std::nullopt;
    std::vector<std::string> names;
    for (const EventKindName& kind : kinds) {
      if (*text == kind.name) return kind.kind;
      names.push_back(kind.name);
    }
    std::string list;
    for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
    context.error(
        path, "unknown kind '" + *text + "': expected one of " + list + did_you_mean(*text, names));
    return std::nullopt;
  };
}

// An event is one of three shapes, told apart by which of "fail", "corrupt" or "action"
// it has; each shape has its own fields besides the common ones. The first field of each
// shape is the key that selects it.
const std::vector<Field<Event>>& event_common_fields() {
  static const std::vector<Field<Event>> fields{
      field_of("at", true, &Event::at, as_duration_spec(Sign::non_negative)),
  };
  return fields;
}

const std::vector<Field<Event>>& fail_event_fields() {
  static const std::vector<Field<Event>> fields{
      field_of("fail", true, &Event::kind, as_kind(kFailKinds)),
      field_of("target", true, &Event::target, as_name()),
      field_of("repair_after", false, &Event::repair_after, as_duration_spec(Sign::positive)),
      {"mode", false,
       [](ReadContext& context, const Json& value, const std::string& path, Event& event) {
         const auto text = read_name(context, value, path);
         if (!text) return;
         if (*text == "hang" || *text == "crash") {
           event.hang = *text == "hang";
         } else {
           context.error(path, "unknown mode '" + *text + "': expected crash or hang" +
                                   did_you_mean(*text, {"crash", "hang"}));
         }
       }},
  };
  return fields;
}

const std::vector<Field<Event>>& corrupt_event_fields() {
  static const std::vector<Field<Event>> fields{
      {"corrupt", true,
       [](ReadContext& context, const Json& value, const std::string& path, Event& event) {
         event.kind = Event::Kind::corrupt;
         if (auto vms = read_name_list(context, value, path, true)) event.vms = std::move(*vms);
       }},
  };
  return fields;
}

const std::vector<Field<Event>>& action_event_fields() {
  static const std::vector<Field<Event>> fields{
      field_of("action", true, &Event::kind, as_kind(kActions)),
  };
  return fields;
}

std::optional<Event> read_event(ReadContext& context, const Json& value, const std::string& path) {
  const auto& fail = fail_event_fields();
  const auto& corrupt = corrupt_event_fields();
  const auto& action = action_event_fields();
  std::vector<std::string_view> keys;
  loading::append_keys(keys, event_common_fields());
  for (const auto* shape : {&fail, &corrupt, &action}) loading::append_keys(keys, *shape);
  if (!check_object(context, value, path, "an event object", keys)) return std::nullopt;
  const std::size_t errors_before = context.error_count();
  Event event;
  loading::read_each(context, value, path, event_common_fields(), event);
  int shapes = 0;
  for (const auto* shape : {&fail, &corrupt, &action}) {
    shapes += int(value.contains(std::string(shape->front().key)));
  }
  if (shapes != 1) {
    context.error(path, shapes == 0 ? "an event needs one of \"fail\", \"corrupt\" or \"action\""
                                    : "an event has exactly one of \"fail\", \"corrupt\" or "
                                      "\"action\"");
    return std::nullopt;
  }
  if (value.contains(std::string(fail.front().key))) {
    loading::read_each(context, value, path, fail, event);
  } else {
    // The other fields of a failure (all but the selecting key) mean nothing here.
    for (std::size_t i = 1; i < fail.size(); ++i) {
      const std::string key(fail[i].key);
      if (value.contains(key)) {
        context.error(json_path_join(path, key), "\"" + key + "\" only goes with a \"fail\" event");
      }
    }
    const bool is_corrupt = value.contains(std::string(corrupt.front().key));
    loading::read_each(context, value, path, is_corrupt ? corrupt : action, event);
  }
  if (context.error_count() != errors_before) return std::nullopt;
  return event;
}

// --- the scenario -----------------------------------------------------------------------

// The scenario's own fields. "plan" is read before them (it may name a file, and the
// plan's overrides apply first), so here it is only required.
const ObjectTable<Scenario>& scenario_table() {
  static const ObjectTable<Scenario> table{
      "a scenario object",
      {
          field_of("name", true, &Scenario::name, as_name()),
          loading::ignored<Scenario>("description", as_string()),
          {"plan", true, [](ReadContext&, const Json&, const std::string&, Scenario&) {}},
          field_of("seed", false, &Scenario::seed, as_unsigned()),
          field_of("duration", true, &Scenario::duration_s, as_duration(Sign::positive)),
          field_of("events", false, &Scenario::events, loading::as_list(read_event)),
      }};
  return table;
}

// --- files ------------------------------------------------------------------------------

std::string plan_path_for(const std::string& scenario_file, const std::string& plan) {
  const std::filesystem::path plan_path(plan);
  if (plan_path.is_absolute()) return plan_path.lexically_normal().string();
  return (std::filesystem::path(scenario_file).parent_path() / plan_path)
      .lexically_normal()
      .string();
}

Diagnostic error_at(const std::string& file, const std::string& path, std::string message) {
  return {Diagnostic::Severity::error, file, path, std::move(message)};
}

// Applies every override of `target_scenario` kind (plan or scenario) to `root`.
void apply_overrides(ReadContext& context, Json& root, const std::vector<Override>& overrides,
                     bool target_scenario, const std::string& prefix) {
  for (const Override& override : overrides) {
    if (override.scenario != target_scenario) continue;
    std::string reason;
    const auto applied = apply_override(root, override, &reason);
    if (!applied) {
      context.error("", override.origin + " " + override.text + ": " + reason);
      continue;
    }
    context.mark_overridden(json_path_join(prefix, applied->json_path),
                            override.origin + " " + override.text, applied->created);
  }
}

std::optional<std::vector<Override>> parse_overrides(const LoadOptions& options,
                                                     const std::string& file,
                                                     std::vector<Diagnostic>& diagnostics) {
  std::vector<Override> overrides;
  bool ok = true;
  // A calibration's values first, so that a --set of the same path wins.
  if (options.calibration) {
    for (const std::string& text : options.calibration->overrides) {
      std::string reason;
      if (auto parsed = parse_override(text, &reason)) {
        parsed->origin = "calibration " + options.calibration->file;
        overrides.push_back(std::move(*parsed));
      } else {
        diagnostics.push_back(error_at(options.calibration->file, "set", text + ": " + reason));
        ok = false;
      }
    }
  }
  for (const std::string& text : options.overrides) {
    std::string reason;
    if (auto parsed = parse_override(text, &reason)) {
      overrides.push_back(std::move(*parsed));
    } else {
      diagnostics.push_back(error_at(file, "", "--set " + text + ": " + reason));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return overrides;
}

// A calibration fitted for another plan than the scenario's (by the plan's "name").
std::optional<Diagnostic> calibration_mismatch(const LoadOptions& options, const Json& plan,
                                               const std::string& file) {
  if (!options.calibration) return std::nullopt;
  const auto name = plan.find("name");
  if (name == plan.end() || !name->is_string()) return std::nullopt;  // the plan reader says why
  if (name->get<std::string>() == options.calibration->plan) return std::nullopt;
  return error_at(options.calibration->file, "plan",
                  "fitted for plan '" + options.calibration->plan + "', but " + file +
                      " runs plan '" + name->get<std::string>() + "'");
}

std::vector<Diagnostic> only(const std::vector<Diagnostic>& diagnostics,
                             Diagnostic::Severity severity) {
  std::vector<Diagnostic> selected;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.severity == severity) selected.push_back(diagnostic);
  }
  return selected;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::error; });
}

// Where the scenario's plan comes from: inline (read with the scenario's context, under
// "plan"), or a file next to the scenario (read with its own context, from its root).
struct PlanSource {
  std::optional<Json> json;  // unset when there is none, or it could not be read
  std::string file;
  std::string prefix = "plan";
};

// Reads the plan file `relative` names (relative to the scenario's file) into `source`.
void read_plan_file(ReadContext& context, const std::string& relative, Scenario& scenario,
                    std::vector<Diagnostic>& diagnostics, PlanSource& source) {
  source.file = plan_path_for(context.file(), relative);
  source.prefix = "";
  std::string reason;
  const auto plan_text = read_input_file(source.file, &reason);
  if (!plan_text) {
    context.error("plan", "cannot read plan file '" + source.file + "': " + reason);
    return;
  }
  scenario.plan_file = source.file;
  scenario.input_files.emplace_back(source.file, sha256_hex(*plan_text));
  ParsedJson parsed_plan = parse_json(*plan_text, source.file);
  if (parsed_plan.value) {
    source.json = std::move(*parsed_plan.value);
  } else {
    diagnostics.push_back(*parsed_plan.error);
  }
}

// The plan: inline (moved out of `root`), or a file next to the scenario.
PlanSource find_plan(ReadContext& context, Json& root, Scenario& scenario,
                     std::vector<Diagnostic>& diagnostics) {
  PlanSource source{std::nullopt, context.file()};
  const auto it = root.find("plan");
  if (it == root.end()) return source;
  const auto not_a_plan = [&] {
    context.error("plan",
                  "expected a plan object or the path of a plan file, got " + describe_json(*it));
  };
  if (it->is_string()) {
    const std::string& relative = it->get_ref<const std::string&>();
    if (relative.empty() || relative.find('\0') != std::string::npos) {
      not_a_plan();
    } else {
      read_plan_file(context, relative, scenario, diagnostics, source);
    }
  } else if (it->is_object()) {
    source.json = std::move(*it);
    *it = Json::object();  // moved out; the scenario reader does not look inside
  } else {
    not_a_plan();
  }
  return source;
}

// Applies the plan's overrides to the plan of `source` and reads it into scenario.plan.
// False when loading stops here (what is wrong is in `diagnostics`).
bool read_scenario_plan(ReadContext& context, PlanSource& source, const Json& root,
                        const std::vector<Override>& overrides, const LoadOptions& options,
                        Scenario& scenario, std::vector<Diagnostic>& diagnostics) {
  if (!source.json) {
    if (std::any_of(overrides.begin(), overrides.end(),
                    [](const Override& o) { return !o.scenario; }) &&
        !root.contains("plan")) {
      context.error("", "--set: the scenario has no plan to override");
    }
    return true;
  }
  ReadContext separate_plan_context(source.file, &diagnostics);
  ReadContext& plan_context = source.prefix.empty() ? separate_plan_context : context;
  // Before its values are applied: a calibration of another plan names VMs this one lacks.
  if (const auto mismatch = calibration_mismatch(options, *source.json, context.file())) {
    diagnostics.push_back(*mismatch);
    return false;
  }
  apply_overrides(plan_context, *source.json, overrides, false, source.prefix);
  if (has_errors(diagnostics)) return false;
  scenario.plan = loading::read_plan(plan_context, *source.json, source.prefix);
  return true;
}

Result<Loaded> load_scenario_unguarded(std::string_view text, const std::string& file,
                                       const LoadOptions& options) {
  std::vector<Diagnostic> diagnostics;
  const auto overrides = parse_overrides(options, file, diagnostics);
  if (!overrides) return diagnostics;
  ParsedJson parsed = parse_json(text, file);
  if (!parsed.value) return *parsed.error;
  Json& root = *parsed.value;

  Scenario scenario;
  scenario.file = file;
  scenario.input_sha256 = sha256_hex(text);
  scenario.input_files.emplace_back(file, scenario.input_sha256);

  ReadContext context(file, &diagnostics);
  if (!root.is_object()) {
    context.error("",
                  "expected a scenario object {\"name\", \"plan\", \"duration\", "
                  "\"events\"}, got " +
                      describe_json(root));
    return diagnostics;
  }
  apply_overrides(context, root, *overrides, true, "");
  if (has_errors(diagnostics)) return diagnostics;

  PlanSource plan = find_plan(context, root, scenario, diagnostics);
  if (!read_scenario_plan(context, plan, root, *overrides, options, scenario, diagnostics)) {
    return diagnostics;
  }

  // The scenario's own fields.
  read_object(context, root, "", scenario_table(), scenario);
  if (has_errors(diagnostics)) return diagnostics;

  if (options.seed) scenario.seed = *options.seed;
  if (options.calibration) {
    scenario.calibration = options.calibration;
    scenario.input_files.emplace_back(options.calibration->file, options.calibration->sha256);
  }
  std::vector<Diagnostic> checks = validate(scenario);
  if (has_errors(checks)) return only(checks, Diagnostic::Severity::error);
  return Loaded{std::move(scenario), std::move(checks)};
}

Result<std::vector<Diagnostic>> validate_plan_unguarded(Json& root, const std::string& file,
                                                        const LoadOptions& options) {
  std::vector<Diagnostic> diagnostics;
  const auto overrides = parse_overrides(options, file, diagnostics);
  if (!overrides) return Warnings::failure(diagnostics);
  ReadContext context(file, &diagnostics);
  for (const Override& override : *overrides) {
    if (override.scenario) {
      context.error("", "--set " + override.text + ": this file is a plan, not a scenario");
    }
  }
  if (const auto mismatch = calibration_mismatch(options, root, file)) {
    return Warnings::failure({*mismatch});
  }
  apply_overrides(context, root, *overrides, false, "");
  if (has_errors(diagnostics)) return Warnings::failure(diagnostics);
  Plan plan = loading::read_plan(context, root, "");
  if (has_errors(diagnostics)) return Warnings::failure(diagnostics);
  std::vector<Diagnostic> checks = validate_plan(plan, file, "");
  if (has_errors(checks)) return Warnings::failure(only(checks, Diagnostic::Severity::error));
  return checks;
}

Diagnostic internal_error(const std::string& file, const char* what) {
  return error_at(file, "", std::string("internal error while loading: ") + what);
}

}  // namespace

Result<Loaded> load_scenario_text(std::string_view text, const std::string& file,
                                  const LoadOptions& options) {
  try {
    return load_scenario_unguarded(text, file, options);
  } catch (const std::exception& e) {
    return internal_error(file, e.what());
  }
}

Result<std::vector<Diagnostic>> validate_text(std::string_view text, const std::string& file,
                                              const LoadOptions& options) {
  try {
    ParsedJson parsed = parse_json(text, file);
    if (!parsed.value) return *parsed.error;
    Json& root = *parsed.value;
    const bool plan_alone =
        root.is_object() &&
        (root.contains("sites") ||
         (!root.contains("plan") && !root.contains("events") && !root.contains("duration")));
    if (plan_alone) {
      return validate_plan_unguarded(root, file, options);
    }
    Result<Loaded> loaded = load_scenario_unguarded(text, file, options);
    if (!loaded.ok()) return Warnings::failure(loaded.errors());
    return loaded.value().warnings;
  } catch (const std::exception& e) {
    return internal_error(file, e.what());
  }
}

Result<Loaded> load_scenario(const std::string& path, const LoadOptions& options) {
  std::string reason;
  try {
    const auto text = read_input_file(path, &reason);
    if (!text) return error_at(path, "", "cannot read: " + reason);
    return load_scenario_text(*text, path, options);
  } catch (const std::exception& e) {
    return internal_error(path, e.what());
  }
}

Result<std::vector<Diagnostic>> validate_file(const std::string& path, const LoadOptions& options) {
  std::string reason;
  try {
    const auto text = read_input_file(path, &reason);
    if (!text) return error_at(path, "", "cannot read: " + reason);
    return validate_text(*text, path, options);
  } catch (const std::exception& e) {
    return internal_error(path, e.what());
  }
}

}  // namespace firedrill
