// Merging shards: the runs.jsonl of several whatif runs (shards of one sweep, or a rerun of
// some of its runs) combined into one RunsFile, the same as one machine would have
// written. A failed run that another file has as completed counts as completed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "whatif/model.hpp"

namespace firedrill::whatif {

struct MergeResult {
  std::optional<RunsFile> merged;   // shard 0/1, records sorted by task
  std::vector<std::string> errors;  // when nothing was merged: the lines to print
  std::size_t missing = 0;          // runs of the sweep that no file had
};

// Each of `arguments` is a whatif output directory or a runs.jsonl file. Files of
// different sweeps (a different identity: scenario, inputs, seed, runs, --set, --vary,
// tool version) are refused, naming the first key where they differ.
MergeResult merge_runs_files(const std::vector<std::string>& arguments);

}  // namespace firedrill::whatif
