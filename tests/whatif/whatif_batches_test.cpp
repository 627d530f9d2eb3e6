// Batches of a sweep (whatif/batches.hpp): in task order, one combination each, at most
// kMaxBatchSize runs, several per worker.
#include <gtest/gtest.h>

#include "whatif/batches.hpp"

namespace firedrill::whatif {
namespace {

std::vector<std::size_t> first(std::size_t n) {
  std::vector<std::size_t> tasks;
  for (std::size_t i = 0; i < n; ++i) tasks.push_back(i);
  return tasks;
}

// Batches keep the task order, never mix combinations, stay within kMaxBatchSize and leave
// each worker several batches.
TEST(SweepBatches, CutTasksInOrderWithinOneGroup) {
  // 3 combinations of 100 runs; a shard-like selection (every task but a few).
  std::vector<std::size_t> tasks;
  for (std::size_t t = 0; t < 300; ++t) {
    if (t % 7 != 3) tasks.push_back(t);
  }
  const std::vector<Batch> batches = make_batches(tasks, 100, 2);
  std::vector<std::size_t> flattened;
  for (const Batch& batch : batches) {
    ASSERT_FALSE(batch.tasks.empty());
    EXPECT_LE(batch.tasks.size(), kMaxBatchSize);
    EXPECT_EQ(batch.tasks.front() / 100, batch.tasks.back() / 100);
    flattened.insert(flattened.end(), batch.tasks.begin(), batch.tasks.end());
  }
  EXPECT_EQ(flattened, tasks);
  EXPECT_GE(batches.size(), 8u);  // about four per worker at least
  EXPECT_EQ(max_batch_size(batches), kMaxBatchSize);
}

TEST(SweepBatches, FewTasksMakeBatchesOfOne) {
  const std::vector<Batch> batches = make_batches(first(6), 1, 2);
  ASSERT_EQ(batches.size(), 6u);
  for (const Batch& batch : batches) EXPECT_EQ(batch.tasks.size(), 1u);
  EXPECT_TRUE(make_batches({}, 10, 4).empty());
  EXPECT_EQ(max_batch_size({}), 0u);
}

}  // namespace
}  // namespace firedrill::whatif
