// report.json and junit.xml: golden files for the sample runs, determinism, the SPEC
// section 4 core fields and types, well-formed JUnit with failures that say by how much.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/report.hpp"
#include "reports/text.hpp"
#include "tests/reports/samples.hpp"
#include "tests/reports/support.hpp"

namespace firedrill::testing {
namespace {

using reports::render_junit_xml;
using reports::render_report_json;

TEST(ReportJson, MatchesGoldenFiles) {
  for (const auto& [name, sample] : {std::pair{"site_outage", site_outage_sample()},
                                     std::pair{"test_drill_real", test_drill_real_sample()},
                                     std::pair{"quiet", quiet_sample()}}) {
    const std::string json = render_report_json(sample.scenario, sample.outcome, sample.context);
    EXPECT_EQ(compare_golden(std::string(name) + ".report.json", json), "");
  }
}

TEST(Junit, MatchesGoldenFiles) {
  for (const auto& [name, sample] : {std::pair{"site_outage", site_outage_sample()},
                                     std::pair{"test_drill_real", test_drill_real_sample()},
                                     std::pair{"quiet", quiet_sample()}}) {
    const std::string xml = render_junit_xml(sample.scenario, sample.outcome, sample.context);
    EXPECT_EQ(compare_golden(std::string(name) + ".junit.xml", xml), "");
  }
}

TEST(ReportJson, IsByteIdenticalForTheSameOutcomeWhateverTheWallClock) {
  Sample a = site_outage_sample();
  Sample b = site_outage_sample();
  b.context.started_utc = "2030-01-01T00:00:00Z";
  b.context.ended_utc = "2030-01-01T00:10:00Z";
  b.context.host_uris = {{"dr1", "qemu:///system"}};
  EXPECT_EQ(render_report_json(a.scenario, a.outcome, a.context),
            render_report_json(b.scenario, b.outcome, b.context));
  EXPECT_EQ(render_junit_xml(a.scenario, a.outcome, a.context),
            render_junit_xml(b.scenario, b.outcome, b.context));
}

TEST(ReportJson, HasTheSpecCoreFieldsWithTheirTypes) {
  const Sample sample = site_outage_sample();
  const auto json =
      nlohmann::json::parse(render_report_json(sample.scenario, sample.outcome, sample.context));
  EXPECT_EQ(json["tool"]["name"], "firedrill");
  EXPECT_EQ(json["tool"]["version"], FIREDRILL_VERSION);
  EXPECT_EQ(json["scenario"], "site-outage");
  EXPECT_EQ(json["plan"], "three-tier");
  EXPECT_EQ(json["backend"], "sim");
  EXPECT_EQ(json["seed"], 1);
  EXPECT_EQ(json["input_sha256"], sample.scenario.input_sha256);
  EXPECT_EQ(json["incident_time"], 7200.0);
  ASSERT_EQ(json["vms"].size(), 5u);
  const auto& db = json["vms"][1];
  EXPECT_EQ(db["name"], "db");
  EXPECT_EQ(db["outcome"], "recovered");
  EXPECT_EQ(db["mechanism"], "replica");
  EXPECT_EQ(db["recovered_on"], "dr1");
  EXPECT_EQ(db["rto"], 465.0);
  EXPECT_EQ(db["rpo"], 900.0);
  EXPECT_EQ(db["recovery_point"], 6300.0);
  EXPECT_EQ(db["objectives"]["rto"], 900.0);
  EXPECT_EQ(db["objectives"]["rpo"], 900.0);
  EXPECT_EQ(db["rto_met"], true);
  EXPECT_EQ(db["rpo_met"], true);
  const auto& batch = json["vms"][4];
  EXPECT_EQ(batch["outcome"], "lost");
  EXPECT_TRUE(batch["rto"].is_null());
  EXPECT_TRUE(batch["rpo"].is_null());
  EXPECT_TRUE(batch["recovered_on"].is_null());
  EXPECT_TRUE(batch["objectives"]["rpo"].is_null());
  const auto& summary = json["summary"];
  EXPECT_EQ(summary["rto"], 515.0);
  EXPECT_EQ(summary["rpo"], 900.0);
  EXPECT_EQ(summary["objectives_met"], false);
  EXPECT_EQ(summary["recovered"], 4);
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_EQ(summary["lost"], 1);
  EXPECT_EQ(summary["unaffected"], 0);
  for (const auto& step : json["timeline"]) {
    for (const char* key : {"vm", "step", "host", "start", "end"}) EXPECT_TRUE(step.contains(key));
    EXPECT_TRUE(step["start"].is_number());
  }
  // The SPEC's key order comes first.
  const std::string text = render_report_json(sample.scenario, sample.outcome, sample.context);
  EXPECT_LT(text.find("\"tool\""), text.find("\"scenario\""));
  EXPECT_LT(text.find("\"incident_time\""), text.find("\"vms\""));
  EXPECT_LT(text.find("\"summary\""), text.find("\"timeline\""));
}

TEST(ReportJson, UnaffectedVmsHaveNullRtoAndRpoAndNoTimeNoIncident) {
  const Sample sample = quiet_sample();
  const auto json =
      nlohmann::json::parse(render_report_json(sample.scenario, sample.outcome, sample.context));
  EXPECT_TRUE(json["incident_time"].is_null());
  for (const auto& vm : json["vms"]) {
    EXPECT_EQ(vm["outcome"], "unaffected");
    EXPECT_TRUE(vm["rto"].is_null());
    EXPECT_TRUE(vm["rpo"].is_null());
    EXPECT_TRUE(vm["rto_met"].is_null());
  }
  EXPECT_EQ(json["summary"]["unaffected"], 5);
}

TEST(ReportJson, CarriesThePredictionMeasuredAgainstPredicted) {
  const Sample sample = test_drill_real_sample();
  const auto json =
      nlohmann::json::parse(render_report_json(sample.scenario, sample.outcome, sample.context));
  EXPECT_EQ(json["backend"], "libvirt");
  EXPECT_EQ(json["production_untouched"], true);
  const auto& prediction = json["prediction"];
  ASSERT_TRUE(prediction.is_object());
  EXPECT_EQ(prediction["vms"][0]["name"], "ad");
  EXPECT_DOUBLE_EQ(prediction["vms"][0]["rto"].get<double>(), 45.0);
  EXPECT_NEAR(prediction["vms"][0]["measured_rto"].get<double>(), 1.62, 1e-9);
  EXPECT_NEAR(prediction["vms"][0]["rto_difference"].get<double>(), 1.62 - 45.0, 1e-9);
  EXPECT_DOUBLE_EQ(json["vms"][0]["rpo_from_data"].get<double>(), 900.1);
  // Credentials never reach report.json (URIs are not in it at all).
  EXPECT_EQ(render_report_json(sample.scenario, sample.outcome, sample.context).find("s3cret"),
            std::string::npos);
}

TEST(ReportJson, CarriesAReadinessLadderOnlyWhenThereIsOne) {
  Sample sample = test_drill_real_sample();
  const double T = *sample.outcome.incident_time_s;
  sample.outcome.vms[0].readiness = {{"running", T + 0.4, true, 1, ""},
                                     {"re_ip", T + 1.3, true, 1, "eth0 10.2.0.10/24"},
                                     {"check", T + 1.62, false, 3, "tcp :80: refused"}};
  const auto json =
      nlohmann::json::parse(render_report_json(sample.scenario, sample.outcome, sample.context));
  const auto& ladder = json["vms"][0]["readiness"];
  ASSERT_TRUE(ladder.is_array());
  ASSERT_EQ(ladder.size(), 3u);
  EXPECT_EQ(ladder[0]["step"], "running");
  EXPECT_DOUBLE_EQ(ladder[0]["at"].get<double>(), T + 0.4);  // run time, as every time here
  EXPECT_TRUE(ladder[0]["detail"].is_null());                // no detail: null, as elsewhere
  EXPECT_EQ(ladder[1]["detail"], "eth0 10.2.0.10/24");
  EXPECT_EQ(ladder[2]["passed"], false);
  EXPECT_EQ(ladder[2]["attempts"], 3);
  EXPECT_EQ(ladder[2].size(), 5u) << ladder[2].dump();
  for (std::size_t i = 1; i < json["vms"].size(); ++i) {
    EXPECT_FALSE(json["vms"][i].contains("readiness")) << json["vms"][i]["name"];
  }
}

TEST(Junit, FailuresSayByHowMuch) {
  const Sample sample = site_outage_sample();
  const std::string xml = render_junit_xml(sample.scenario, sample.outcome, sample.context);
  // web: RTO 515 s against 480 s, RPO 900 s against 600 s.
  EXPECT_NE(xml.find("RTO 8m 35s (515s) exceeds objective 8m (480s) by 35s"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("RPO 15m (900s) exceeds objective 10m (600s) by 5m (300s)"),
            std::string::npos);
  EXPECT_NE(xml.find("VM lost: no replica and no HA cover"), std::string::npos);
  EXPECT_NE(xml.find("no RTO: VM lost"), std::string::npos);
  EXPECT_NE(xml.find("tests=\"14\" failures=\"4\" errors=\"0\" skipped=\"0\""), std::string::npos);
}

TEST(Junit, IsWellFormedAndCountsAddUp) {
  for (const Sample& sample : {site_outage_sample(), test_drill_real_sample(), quiet_sample()}) {
    const std::string dir = output_dir("junit-" + sample.scenario.name);
    const std::string path = dir + "/junit.xml";
    write_file(path, render_junit_xml(sample.scenario, sample.outcome, sample.context));
    const CommandResult check = run_command("python3 " + shell_quote(source_path("check_xml.py")) +
                                            " junit " + shell_quote(path));
    EXPECT_EQ(check.exit_status, 0) << check.output;
  }
}

TEST(WriteReports, WritesTheThreeFilesAndReportsAnUnwritableDirectory) {
  const Sample sample = site_outage_sample();
  const std::string dir = output_dir("write-reports") + "/nested/site-outage";
  const auto written = reports::write_reports(dir, sample.scenario, sample.outcome, sample.context);
  ASSERT_TRUE(written.ok()) << written.errors()[0].render();
  EXPECT_EQ(written.value().size(), 3u);
  EXPECT_EQ(read_file(dir + "/report.json"),
            render_report_json(sample.scenario, sample.outcome, sample.context));
  const auto refused = reports::write_reports("/proc/firedrill-cannot-exist", sample.scenario,
                                              sample.outcome, sample.context);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.errors()[0].render().find("/proc/firedrill-cannot-exist"), std::string::npos);
}

TEST(Text, HumanDurations) {
  using reports::human_duration;
  EXPECT_EQ(human_duration(0), "0s");
  EXPECT_EQ(human_duration(0.25), "0.25s");
  EXPECT_EQ(human_duration(1.62), "1.62s");
  EXPECT_EQ(human_duration(45), "45s");
  EXPECT_EQ(human_duration(59.96), "1m");
  EXPECT_EQ(human_duration(465), "7m 45s");
  EXPECT_EQ(human_duration(7200), "2h");
  EXPECT_EQ(human_duration(90061), "1d 1h 1m 1s");
  EXPECT_EQ(human_duration(-35), "-35s");
  EXPECT_EQ(reports::duration_with_seconds(300), "5m (300s)");
  EXPECT_EQ(reports::duration_with_seconds(35), "35s");
}

TEST(Text, RedactsCredentialsFromUris) {
  using reports::redact_uri;
  EXPECT_EQ(redact_uri("qemu:///system"), "qemu:///system");
  EXPECT_EQ(redact_uri("qemu+ssh://admin:s3cret@host/system"),
            "qemu+ssh://admin:REDACTED@host/system");
  EXPECT_EQ(redact_uri("qemu+ssh://admin@host/system?keyfile=/k&no_verify=1"),
            "qemu+ssh://admin@host/system?keyfile=REDACTED&no_verify=1");
  EXPECT_EQ(redact_uri("esx://u:p%40ss@vc/?no_verify=1&password=x#frag"),
            "esx://u:REDACTED@vc/?no_verify=1&password=REDACTED#frag");
  EXPECT_EQ(redact_uri("qemu+tls://h/system?pkipath=/p"), "qemu+tls://h/system?pkipath=/p");
}

}  // namespace
}  // namespace firedrill::testing
