// Batches of a sweep: consecutive runs of one combination that one forked child simulates
// side by side (sim/driver.hpp run_batch), so SimGrid's set-up and the fork are paid once
// per batch rather than once per run.
#pragma once

#include <cstddef>
#include <vector>

namespace firedrill::whatif {

// Consecutive tasks of one group (group = task / group_size: a sweep's combination).
struct Batch {
  std::vector<std::size_t> tasks;
};

// Cuts `tasks`, in order, into batches that never mix groups, of at most kMaxBatchSize
// tasks and small enough that each of `jobs` workers gets about four batches (so the last
// batches do not leave cores idle and a progress bar still moves).
inline constexpr std::size_t kMaxBatchSize = 16;
std::vector<Batch> make_batches(const std::vector<std::size_t>& tasks, std::size_t group_size,
                                std::size_t jobs);
std::size_t max_batch_size(const std::vector<Batch>& batches);

}  // namespace firedrill::whatif
