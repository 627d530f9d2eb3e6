// Setting up a sweep: options parsed and checked, the scenario and every combination
// loaded, the sweep's identity filled in.
#include "whatif/setup.hpp"

#include <algorithm>
#include <charconv>
#include <filesystem>

#include "engine/loader.hpp"

namespace firedrill::whatif {

namespace {

SetupResult failure(std::vector<std::string> lines, bool usage = false) {
  SetupResult result;
  result.error.lines = std::move(lines);
  result.error.usage = usage;
  return result;
}

SetupResult failure(const std::vector<Diagnostic>& diagnostics, const std::string& context = "") {
  std::vector<std::string> lines;
  for (const Diagnostic& diagnostic : diagnostics) lines.push_back(context + diagnostic.render());
  return failure(std::move(lines));
}

std::optional<std::uint64_t> parse_seed(const std::string& text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The axes of every --vary option; a path given twice is a usage error.
std::optional<SetupResult> parse_axes(const std::vector<std::string>& vary, Sweep& sweep) {
  for (const std::string& text : vary) {
    auto axis = parse_vary(text);
    if (!axis.ok()) return failure(axis.errors());
    for (const Axis& other : sweep.axes) {
      if (other.path == axis.value().path)
        return failure({"--vary " + other.path + " is given twice"}, true);
    }
    sweep.axes.push_back(axis.value());
  }
  return std::nullopt;
}

LoadOptions load_options(std::vector<std::string> overrides,
                         const std::optional<std::uint64_t>& seed,
                         const std::optional<CalibrationUsed>& calibration) {
  LoadOptions options;
  options.overrides = std::move(overrides);
  options.seed = seed;
  options.calibration = calibration;
  return options;
}

// Each value alone first (when there are several axes), so that a bad one is named by its
// --vary option; then every combination, named by its values.
std::optional<SetupResult> load_combinations(const std::string& path, const Sweep& sweep,
                                             const std::optional<std::uint64_t>& seed,
                                             const std::optional<CalibrationUsed>& calibration,
                                             std::vector<Scenario>& scenarios) {
  if (sweep.axes.size() > 1) {
    for (const Axis& axis : sweep.axes) {
      for (const std::string& value : axis.values) {
        LoadOptions options = load_options(sweep.sets, seed, calibration);
        options.overrides.push_back(axis.path + "=" + value);
        auto loaded = load_scenario(path, options);
        if (!loaded.ok())
          return failure(loaded.errors(), "--vary " + axis.path + "=" + value + ": ");
      }
    }
  }
  for (std::size_t c = 0; c < sweep.combination_count(); ++c) {
    auto loaded = load_scenario(path, load_options(sweep.overrides_of(c), seed, calibration));
    if (!loaded.ok()) {
      std::string context;
      const std::vector<std::string> values = sweep.values_of(c);
      for (std::size_t i = 0; i < values.size(); ++i) {
        context +=
            (i == 0 ? "" : " ") + std::string("--vary ") + sweep.axes[i].path + "=" + values[i];
      }
      return failure(loaded.errors(), context.empty() ? "" : context + ": ");
    }
    scenarios.push_back(std::move(loaded.value().scenario));
  }
  return std::nullopt;
}

// The sweep's identity: what makes two sweeps' results the same bytes.
void fill_identity(Sweep& sweep, const std::string& path, const Scenario& scenario,
                   const std::string& tool_version) {
  sweep.tool_version = tool_version;
  sweep.scenario =
      scenario.name.empty() ? std::filesystem::path(path).stem().string() : scenario.name;
  sweep.plan = scenario.plan.name;
  for (const auto& [file, sha] : scenario.input_files) {
    sweep.inputs.emplace_back(std::filesystem::path(file).filename().string(), sha);
  }
  if (sweep.inputs.empty())
    sweep.inputs.emplace_back(std::filesystem::path(path).filename().string(),
                              scenario.input_sha256);
}

}  // namespace

SetupResult prepare_sweep(const SweepRequest& request, const std::string& tool_version) {
  PreparedSweep prepared;
  Sweep& sweep = prepared.sweep;
  if (auto error = parse_axes(request.vary, sweep)) return std::move(*error);
  if (!request.shard.empty()) {
    auto parsed = parse_shard(request.shard);
    if (!parsed.ok()) return failure(parsed.errors());
    prepared.shard = parsed.value();
  }
  std::optional<std::uint64_t> seed;
  if (request.seed) {
    seed = parse_seed(*request.seed);
    if (!seed)
      return failure({"--seed '" + *request.seed + "': expected a non-negative integer"}, true);
  }
  if (request.runs && *request.runs <= 0) return failure({"--runs must be at least 1"}, true);
  sweep.sets = request.sets;
  sweep.independent_seeds = request.independent_seeds;
  if (request.calibration) sweep.calibration = request.calibration->file;

  const std::string& path = request.scenario_path;
  auto base = load_scenario(path, load_options(sweep.sets, seed, request.calibration));
  if (!base.ok()) return failure(base.errors());
  std::vector<Diagnostic> warnings = base.value().warnings;
  const Scenario& scenario = base.value().scenario;
  if (auto error =
          load_combinations(path, sweep, seed, request.calibration, prepared.combinations)) {
    error->warnings = std::move(warnings);
    return std::move(*error);
  }
  fill_identity(sweep, path, scenario, tool_version);
  sweep.seed = seed.value_or(scenario.seed);
  if (request.runs) {
    sweep.runs = *request.runs;
  } else {
    const bool random =
        std::any_of(prepared.combinations.begin(), prepared.combinations.end(), has_distribution);
    sweep.runs = random ? 100 : 1;
    prepared.runs_defaulted_to_one = !random;
  }
  SetupResult result;
  result.prepared = std::move(prepared);
  result.warnings = std::move(warnings);
  return result;
}

bool has_distribution(const Scenario& scenario) {
  auto random = [](const DurationSpec& spec) { return !spec.is_fixed(); };
  for (const Event& event : scenario.events) {
    if (random(event.at) || (event.repair_after && random(*event.repair_after))) return true;
  }
  for (const Vm& vm : scenario.plan.vms) {
    if (random(vm.boot_time) || random(vm.shutdown_time)) return true;
  }
  for (const Cluster& cluster : scenario.plan.clusters) {
    if (cluster.ha && random(cluster.ha->failure_timeout)) return true;
  }
  return random(scenario.plan.recovery.detection) || random(scenario.plan.recovery.operator_delay);
}

std::string rerun_hint(const std::string& path, const Sweep& sweep, const RunRecord& record) {
  std::string hint = "firedrill run " + path + " --seed " + std::to_string(record.seed);
  if (!sweep.calibration.empty()) hint += " --calibration '" + sweep.calibration + "'";
  for (const std::string& override_text : sweep.overrides_of(record.combination)) {
    hint += " --set '" + override_text + "'";
  }
  return hint;
}

}  // namespace firedrill::whatif
