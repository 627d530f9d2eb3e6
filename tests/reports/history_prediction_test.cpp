// The trend report's predicted-against-measured section, from rows whose report.json carry
// a prediction: one chart per VM, a row per run and VM with the error, calibrated
// predictions told apart from the plan's; a history of simulated runs says there is
// nothing to compare.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/history.hpp"

namespace firedrill::testing {
namespace {

reports::HistoryRun real_run(std::int64_t id, double measured_s, double predicted_s,
                             const char* calibration) {
  nlohmann::json report = {
      {"backend", "libvirt"},
      {"vms", nlohmann::json::array()},
      {"prediction",
       {{"vms", {{{"name", "db"}, {"rto", predicted_s}, {"measured_rto", measured_s}}}}}},
      {"calibration", calibration ? nlohmann::json{{"file", calibration}} : nlohmann::json()}};
  reports::HistoryRun run;
  run.id = id;
  run.started_utc = "2026-12-03T12:0" + std::to_string(id) + ":00Z";
  run.scenario = "lab-unplanned";
  run.backend = "libvirt";
  run.report_json = report.dump();
  return run;
}

TEST(HistoryPrediction, ChartsAndTabulatesEachRunsError) {
  const std::string html = reports::history_trend_html(
      {real_run(1, 10.0, 11.0, nullptr), real_run(2, 8.0, 7.8, "cal.json")}, "lab");
  ASSERT_NE(html.find("Predicted against measured RTO per VM"), std::string::npos);
  EXPECT_NE(html.find("RTO of db: measured against predicted"), std::string::npos);
  ASSERT_NE(html.find("id=\"prediction-errors\""), std::string::npos);
  // (11 - 10) / 10 and (7.8 - 8) / 8.
  EXPECT_NE(html.find(">10.0%<"), std::string::npos) << html;
  EXPECT_NE(html.find(">-2.5%<"), std::string::npos) << html;
  EXPECT_NE(html.find("the plan's values"), std::string::npos);
  EXPECT_NE(html.find("calibration cal.json"), std::string::npos);
  EXPECT_NE(html.find("predicted 7.8s (calibrated with cal.json), off by -2.5%"), std::string::npos)
      << "the tooltip of the calibrated mark";
}

TEST(HistoryPrediction, SimulatedRunsOnlyHaveNothingToCompare) {
  reports::HistoryRun run;
  run.id = 1;
  run.report_json = R"({"backend": "sim", "vms": [], "prediction": null})";
  const std::string html = reports::history_trend_html({run}, "sim");
  EXPECT_NE(html.find("No real run with a prediction"), std::string::npos);
  EXPECT_EQ(html.find("prediction-errors"), std::string::npos);
}

}  // namespace
}  // namespace firedrill::testing
