// Merging the runs.jsonl of shards into one sweep's records.
#include "whatif/merge.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace firedrill::whatif {

namespace {

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first top-level key of the sweep identity where two runs files differ.
std::string first_difference(const Sweep& a, const Sweep& b) {
  const Json left = to_json(a);
  const Json right = to_json(b);
  for (const auto& [key, value] : left.items()) {
    if (!right.contains(key) || right.at(key) != value) return key;
  }
  return "?";
}

}  // namespace

MergeResult merge_runs_files(const std::vector<std::string>& arguments) {
  MergeResult result;
  std::optional<RunsFile> merged;
  std::map<std::size_t, RunRecord> by_task;
  bool interrupted = false;
  for (const std::string& argument : arguments) {
    const std::string file = std::filesystem::is_directory(argument)
                                 ? (std::filesystem::path(argument) / "runs.jsonl").string()
                                 : argument;
    const auto text = read_file(file);
    if (!text) {
      result.errors.push_back(file + ": cannot read (is it a whatif output directory?)");
      return result;
    }
    auto parsed = parse_runs_file(*text, file);
    if (!parsed.ok()) {
      for (const Diagnostic& diagnostic : parsed.errors())
        result.errors.push_back(diagnostic.render());
      return result;
    }
    RunsFile& shard = parsed.value();
    if (!merged) {
      merged = RunsFile{shard.sweep, Shard{0, 1}, false, {}};
    } else if (to_json(shard.sweep) != to_json(merged->sweep)) {
      result.errors.push_back(file + ": comes from a different sweep than " + arguments[0] +
                              " (they differ in '" + first_difference(merged->sweep, shard.sweep) +
                              "')");
      return result;
    }
    interrupted = interrupted || shard.interrupted;
    for (RunRecord& record : shard.records) {
      const std::size_t task = record.task(merged->sweep.runs);
      auto [it, inserted] = by_task.emplace(task, record);
      if (!inserted && !it->second.ok && record.ok)
        it->second = std::move(record);  // a rerun fixed it
    }
  }
  if (!merged) {
    result.errors.push_back("nothing to merge");
    return result;
  }
  for (auto& [task, record] : by_task) merged->records.push_back(std::move(record));
  result.missing = merged->sweep.task_count() - merged->records.size();
  merged->interrupted = interrupted && result.missing > 0;
  result.merged = std::move(merged);
  return result;
}

}  // namespace firedrill::whatif
