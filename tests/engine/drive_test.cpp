// drive() (engine/drive.hpp): the canonical order at one instant whatever order a backend
// reports in, cancelled activities never reported, the iteration bound, a backend that
// reports an activity twice, and a backend that asks to stop.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/drive.hpp"
#include "engine/outcome_json.hpp"
#include "tests/engine/test_plans.hpp"

namespace firedrill::testing {
namespace {

// The analytic backend, but each wake's completions come in reverse start order, and a
// completion is sometimes repeated or the run stopped, to test what drive() does.
class Shuffled : public AnalyticBackend {
 public:
  using AnalyticBackend::AnalyticBackend;
  WaitResult wait(std::optional<double> deadline_s) override {
    WaitResult result = AnalyticBackend::wait(deadline_s);
    std::reverse(result.ended.begin(), result.ended.end());
    if (repeat_first && !result.ended.empty()) {
      result.ended.push_back(result.ended.front());
      repeat_first = false;
    }
    if (stop_after_s && result.now_s >= *stop_after_s) result.stop = true;
    return result;
  }
  bool repeat_first = false;
  std::optional<double> stop_after_s;
};

// Records what drive() hands to the engine, in order.
struct Recorder : DriveObserver {
  struct Call {
    std::string name;
    double at_s;
    ActivityId id;  // handle: the activity; else 0
  };
  std::vector<Call> calls;
  void on_commands(const char* call, double now_s, const std::vector<Command>&) override {
    if (std::string(call) != "handle") calls.push_back({call, now_s, 0});
  }
  void on_event(const Completion& completion, double now_s) override {
    calls.push_back({"handle", now_s, activity_of(completion.event)});
  }
};

Scenario failover_scenario() {
  Scenario s = three_tier(4 * 3600.0);
  s.events.push_back(event_at(Event::Kind::fail_site, "primary", 1800));
  return s;
}

TEST(Drive, SameInstantEventsReachTheEngineTimersFirstThenByActivityId) {
  const Scenario s = failover_scenario();
  FailoverEngine plain_engine(s);
  AnalyticBackend plain(s);
  ASSERT_TRUE(drive(plain_engine, plain).ok());
  FailoverEngine engine(s);
  Shuffled shuffled(s);
  Recorder recorder;
  const DriveResult result = drive(engine, shuffled, DriveLimits{}, &recorder);
  ASSERT_TRUE(result.ok()) << result.error;
  EXPECT_EQ(outcome_to_json(engine.outcome()).dump(),
            outcome_to_json(plain_engine.outcome()).dump());
  ASSERT_GE(recorder.calls.size(), 3u);
  EXPECT_EQ(recorder.calls[0].name, "setup");
  EXPECT_EQ(recorder.calls[1].name, "advance");
  int same_instant_pairs = 0;
  for (std::size_t i = 1; i < recorder.calls.size(); ++i) {
    const Recorder::Call& a = recorder.calls[i - 1];
    const Recorder::Call& b = recorder.calls[i];
    ASSERT_LE(a.at_s, b.at_s) << "time went back at call " << i;
    if (a.name == "handle" && b.name == "handle" && a.at_s == b.at_s) {
      EXPECT_LT(a.id, b.id) << "at t=" << a.at_s;
      ++same_instant_pairs;
    }
  }
  EXPECT_GT(same_instant_pairs, 0);  // the test saw what it is about
}

TEST(Drive, StopsAtItsIterationBound) {
  const Scenario s = failover_scenario();
  FailoverEngine engine(s);
  AnalyticBackend backend(s);
  const DriveResult result = drive(engine, backend, DriveLimits{5});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.iterations, 5);
  EXPECT_NE(result.error.find("bound of 5 iterations"), std::string::npos) << result.error;
  EXPECT_FALSE(engine.finished());
}

TEST(Drive, AnActivityReportedTwiceIsAnError) {
  const Scenario s = failover_scenario();
  FailoverEngine engine(s);
  Shuffled backend(s);
  backend.repeat_first = true;
  const DriveResult result = drive(engine, backend);
  EXPECT_NE(result.error.find("which is not in flight"), std::string::npos) << result.error;
}

TEST(Drive, TheBackendCanStopTheRun) {
  const Scenario s = failover_scenario();
  FailoverEngine engine(s);
  Shuffled backend(s);
  backend.stop_after_s = 1000.0;
  const DriveResult result = drive(engine, backend);
  EXPECT_TRUE(result.stopped);
  EXPECT_TRUE(result.error.empty()) << result.error;
  EXPECT_FALSE(engine.finished());
  EXPECT_GE(result.end_s, 1000.0);
  EXPECT_LE(result.end_s, 1800.0);  // the first wake past 1000 s: the 1800 s tick
}

// A transfer that ended at the very instant a timer cuts its link is cancelled by that
// timer (timers first), and drive() never hands its end to the engine.
TEST(Drive, AnActivityCancelledAfterItEndedIsNeverReported) {
  Scenario s = three_tier(3600.0);
  s.plan.links[0].latency_s = 0.0;
  s.plan.links[0].bandwidth_Bps = 1e8;  // 900 s x 1 MB/s = 9e8 bytes: exactly 9 s
  s.events.push_back(event_at(Event::Kind::fail_link, "wan", 909));
  FailoverEngine engine(s);
  AnalyticBackend backend(s);
  const DriveResult result = drive(engine, backend);
  ASSERT_TRUE(result.ok()) << result.error;
  int cut = 0;
  for (const TransferRecord& t : engine.outcome().transfers) {
    if (t.start_s == 900.0) {
      EXPECT_NE(t.result, TransferResult::completed) << t.vm;
      ++cut;
    }
  }
  EXPECT_EQ(cut, 4);
}

// A real backend reports what each transfer really shipped; the engine keeps it in the
// transfer's record, beside the bytes it modelled, for completed transfers only.
class Shipping : public AnalyticBackend {
 public:
  using AnalyticBackend::AnalyticBackend;
  WaitResult wait(std::optional<double> deadline_s) override {
    WaitResult result = AnalyticBackend::wait(deadline_s);
    for (Completion& completion : result.ended) {
      if (auto* ended = std::get_if<TransferEnded>(&completion.event)) {
        ended->shipped_B = 1000.0 + static_cast<double>(ended->id);
      }
    }
    return result;
  }
};

TEST(Drive, TheBytesABackendShippedReachTheTransferRecords) {
  Scenario s = three_tier(3600.0);
  s.events.push_back(event_at(Event::Kind::fail_link, "wan", 1801));  // cuts the 1800 s cycles
  FailoverEngine engine(s);
  Shipping backend(s);
  const DriveResult result = drive(engine, backend);
  ASSERT_TRUE(result.ok()) << result.error;
  int completed = 0, cut = 0;
  for (const TransferRecord& t : engine.outcome().transfers) {
    if (t.result == TransferResult::completed) {
      ++completed;
      ASSERT_TRUE(t.shipped_B) << t.vm << " at " << t.as_of_s;
      EXPECT_GT(*t.shipped_B, 1000.0);
      EXPECT_GT(t.bytes, 0.0);  // the modelled bytes stay what the engine computed
    } else {
      ++cut;
      EXPECT_FALSE(t.shipped_B) << t.vm << " at " << t.as_of_s;
    }
  }
  EXPECT_GT(completed, 0);
  EXPECT_GT(cut, 0);
}

}  // namespace
}  // namespace firedrill::testing
