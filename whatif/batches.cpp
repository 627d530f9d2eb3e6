// Cutting a sweep's tasks into batches of one combination each.
#include "whatif/batches.hpp"

#include <algorithm>

namespace firedrill::whatif {

std::vector<Batch> make_batches(const std::vector<std::size_t>& tasks, std::size_t group_size,
                                std::size_t jobs) {
  const std::size_t workers = std::max<std::size_t>(1, jobs);
  const std::size_t wanted = (tasks.size() + 4 * workers - 1) / (4 * workers);
  const std::size_t size = std::clamp<std::size_t>(wanted, 1, kMaxBatchSize);
  const std::size_t per_group = std::max<std::size_t>(1, group_size);
  std::vector<Batch> batches;
  for (std::size_t task : tasks) {
    const bool fits = !batches.empty() && batches.back().tasks.size() < size &&
                      batches.back().tasks.front() / per_group == task / per_group;
    if (!fits) batches.emplace_back();
    batches.back().tasks.push_back(task);
  }
  return batches;
}

std::size_t max_batch_size(const std::vector<Batch>& batches) {
  std::size_t largest = 0;
  for (const Batch& batch : batches) largest = std::max(largest, batch.tasks.size());
  return largest;
}

}  // namespace firedrill::whatif
