// The what-if sweep's data model: the varied axes and their cartesian product, the seed
// of every run, shard slices, and the per-run record that a forked run sends back and a
// shard keeps in runs.jsonl. Everything here is pure and deterministic, with no I/O:
// runs.jsonl is formatted and parsed here, read and written by the caller.
//
// Tasks: combination c (0-based, the LAST --vary axis varies fastest, like nested loops
// in the order the options were given) and run r (0-based) form task t = c * runs + r.
// Shard I of N (0-based I) holds the tasks with t % N == I.
//
// Seeds (a contract: documented in docs/whatif.md):
//   mix(x)  = the splitmix64 finalizer
//   seed    = mix(S + 0x9E3779B97F4A7C15 * (r + 1))                     (default)
//   seed    = mix(seed + 0xD1B54A32D192ED03 * (c + 1))    (--independent-seeds)
//   then masked to 53 bits so that it survives any JSON reader (jq, JavaScript).
// By default run r of every combination uses the same seed: the same failure time and
// the same boot-time draws replayed under each variant (common random numbers), so the
// differences between combinations come from the varied values, not from sampling noise.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "engine/outcome.hpp"

namespace firedrill::whatif {

using Json = nlohmann::ordered_json;

// One --vary option: a path (as --set takes it) and the values to try, in the given order.
struct Axis {
  std::string path;
  std::vector<std::string> values;
};

// Parses "PATH=V1,V2,...". A comma inside {...}, [...] or "..." does not split, so a value
// may be a distribution: --vary
// 'scenario.events[0].at={"dist":"uniform","min":"1h","max":"1d"},3h'. Errors name the option
// ("--vary 'x': ...").
Result<Axis> parse_vary(const std::string& text);

// "I/N" with 0 <= I < N.
struct Shard {
  std::size_t index = 0;
  std::size_t count = 1;
  bool operator==(const Shard&) const = default;
};
Result<Shard> parse_shard(const std::string& text);

// Everything that determines a sweep's results: two runs of firedrill with equal Sweeps
// (and the same build) produce byte-identical whatif.json. No wall clock, no job count.
struct Sweep {
  std::string tool_version;
  std::string scenario;  // the scenario's name
  std::string plan;      // the plan's name
  // {file name without directories, SHA-256} of every input file read, in reading order.
  std::vector<std::pair<std::string, std::string>> inputs;
  std::uint64_t seed = 1;
  int runs = 1;
  bool independent_seeds = false;
  std::vector<std::string> sets;  // --set PATH=VALUE, in order
  std::vector<Axis> axes;
  // --calibration FILE as given, or empty; its SHA-256 is among `inputs`.
  std::string calibration;

  std::size_t combination_count() const;
  std::size_t task_count() const { return combination_count() * static_cast<std::size_t>(runs); }
  // The value of each axis in combination c (one per axis, in axis order).
  std::vector<std::string> values_of(std::size_t combination) const;
  // The loader overrides of combination c: every --set, then PATH=VALUE of each axis.
  std::vector<std::string> overrides_of(std::size_t combination) const;
  std::uint64_t seed_of(std::size_t combination, int run) const;
  // The tasks of one shard, ascending.
  std::vector<std::size_t> tasks_of(const Shard& shard) const;
};

Json to_json(const Sweep& sweep);
Result<Sweep> sweep_from_json(const Json& json, const std::string& file);

// What one run contributes to the statistics: a small extract of its Outcome.
struct VmRun {
  std::string name;
  VmOutcome outcome = VmOutcome::unaffected;
  std::optional<double> rto_s;
  std::optional<double> rpo_s;
  std::optional<double> objective_rto_s;
  std::optional<double> objective_rpo_s;
  std::optional<bool> rto_met;
  std::optional<bool> rpo_met;
  std::string reason;
  std::vector<CriticalStep> critical_path;
};

struct RunRecord {
  std::size_t combination = 0;
  int run = 0;
  std::uint64_t seed = 0;
  // False when the run produced no outcome (the process crashed, timed out or threw);
  // `error` then says why. Such a run is reported, never dropped.
  bool ok = true;
  std::string error;
  std::optional<double> incident_s;
  bool objectives_met = true;  // every objective met and every affected VM recovered
  std::vector<VmRun> vms;      // in plan order

  std::size_t task(int runs) const { return combination * static_cast<std::size_t>(runs) + run; }
};

RunRecord reduce(const Outcome& outcome, std::size_t combination, int run, std::uint64_t seed);
Json to_json(const RunRecord& record);
// Errors name `where` (file:line) and the field.
Result<RunRecord> record_from_json(const Json& json, const std::string& where);

// runs.jsonl: a header line {"firedrill_whatif_runs": 1, "sweep": ..., "shard": ...,
// "partial": ...} then one record per line, sorted by task. Written by every whatif run
// (sharded or not) and read by --merge.
struct RunsFile {
  Sweep sweep;
  Shard shard;
  bool interrupted = false;  // the run that wrote it was stopped (SIGINT/SIGTERM)
  std::vector<RunRecord> records;
};
std::string format_runs_file(const RunsFile& file);
Result<RunsFile> parse_runs_file(const std::string& text, const std::string& file);

}  // namespace firedrill::whatif
