// The batch runner: a batch's runs realized and simulated together in a pool child, which
// answers with one JSON value per run; the parent turns every answer into a RunRecord.
#include "whatif/runner.hpp"

#include <algorithm>
#include <optional>

#include "sim/simulate.hpp"
#include "whatif/batches.hpp"

namespace firedrill::whatif {

namespace {

std::size_t combination_of(const Sweep& sweep, std::size_t task) {
  return task / static_cast<std::size_t>(sweep.runs);
}

int run_of(const Sweep& sweep, std::size_t task) {
  return static_cast<int>(task % static_cast<std::size_t>(sweep.runs));
}

// In the child: simulate the batch and answer with one value per run, its reduced record
// or {"error": why the driver stopped it}.
std::string simulate_batch(const Sweep& sweep, const std::vector<Scenario>& combinations,
                           const Batch& batch) {
  std::vector<Scenario> realized;
  for (std::size_t task : batch.tasks) {
    const std::size_t combination = combination_of(sweep, task);
    realized.push_back(
        realize(combinations[combination], sweep.seed_of(combination, run_of(sweep, task))));
  }
  const std::vector<sim::BatchResult> results = simulate_batch_in_process(realized, SimOptions{});
  Json answer = Json::array();
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::size_t task = batch.tasks[i];
    if (results[i].outcome) {
      answer.push_back(to_json(reduce(*results[i].outcome, combination_of(sweep, task),
                                      run_of(sweep, task), realized[i].seed)));
    } else {
      answer.push_back(Json{{"error", results[i].error}});
    }
  }
  return answer.dump();
}

// The child's answer, when it is one value per run of the batch; else `error` says why not.
std::optional<Json> read_answer(const TaskResult& result, const Batch& batch, std::string& error) {
  error = result.error;
  if (result.status != TaskResult::Status::ok) return std::nullopt;
  std::optional<Json> answer;
  try {
    answer = Json::parse(result.output);
  } catch (const nlohmann::json::exception& failure) {
    error = std::string("unreadable result: ") + failure.what();
    return std::nullopt;
  }
  if (!answer->is_array() || answer->size() != batch.tasks.size()) {
    error = "unreadable result: not one answer per run";
    return std::nullopt;
  }
  return answer;
}

// The records of a finished batch, in batch order: one per run, good or failed.
std::vector<RunRecord> records_of(const Sweep& sweep, const Batch& batch, TaskResult&& result) {
  std::string batch_error;
  const std::optional<Json> answer = read_answer(result, batch, batch_error);
  std::vector<RunRecord> records;
  for (std::size_t i = 0; i < batch.tasks.size(); ++i) {
    RunRecord record;
    record.combination = combination_of(sweep, batch.tasks[i]);
    record.run = run_of(sweep, batch.tasks[i]);
    record.seed = sweep.seed_of(record.combination, record.run);
    record.ok = false;
    if (!answer) {
      record.error = batch.tasks.size() == 1 ? batch_error
                                             : batch_error + " (its batch of " +
                                                   std::to_string(batch.tasks.size()) + " runs)";
    } else if ((*answer)[i].contains("error")) {
      record.error = (*answer)[i]["error"].get<std::string>();
    } else {
      Result<RunRecord> parsed = record_from_json((*answer)[i], "run result");
      if (parsed.ok()) {
        records.push_back(std::move(parsed.value()));
        continue;
      }
      record.error = "unreadable result: " + parsed.errors()[0].render();
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

RunnerResult run_sweep(const Sweep& sweep, const std::vector<Scenario>& combinations,
                       const std::vector<std::size_t>& tasks, const RunnerOptions& options) {
  const int jobs = std::max(1, options.jobs);
  const std::vector<Batch> batches =
      make_batches(tasks, static_cast<std::size_t>(sweep.runs), static_cast<std::size_t>(jobs));
  std::vector<std::size_t> batch_numbers(batches.size());
  for (std::size_t b = 0; b < batches.size(); ++b) batch_numbers[b] = b;

  RunnerResult result;
  std::size_t failed = 0;
  const auto on_result = [&](TaskResult&& finished) {
    for (RunRecord& record : records_of(sweep, batches[finished.task], std::move(finished))) {
      if (!record.ok) ++failed;
      if (options.on_record) options.on_record(record);
      result.records.push_back(std::move(record));
    }
  };
  PoolOptions pool;
  pool.jobs = jobs;
  pool.task_timeout_s = options.run_timeout_s * static_cast<double>(max_batch_size(batches));
  pool.stop = options.stop;
  if (options.progress) {
    // The pool counts batches; the progress counts runs.
    pool.progress = [&](const PoolProgress& progress) {
      PoolProgress runs = progress;
      runs.total = tasks.size();
      runs.done = result.records.size();
      runs.failed = failed;
      options.progress(runs);
    };
  }
  const auto work = [&](std::size_t b) { return simulate_batch(sweep, combinations, batches[b]); };
  result.stopped = run_forked(batch_numbers, work, on_result, pool).stopped;
  return result;
}

}  // namespace firedrill::whatif
