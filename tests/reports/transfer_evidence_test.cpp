// report.json's transfer evidence: by default a per-VM summary and only the records worth
// reading (the newest cycles, the one restored from, those in flight at an incident,
// every sync); with --full-evidence every record; nothing else in the report changes.
#include <gtest/gtest.h>

#include <set>

#include <nlohmann/json.hpp>

#include "reports/report.hpp"
#include "tests/reports/samples.hpp"

namespace firedrill::testing {
namespace {

using reports::render_report_json;

nlohmann::json render(const Sample& sample, bool full_evidence) {
  reports::RunContext context = sample.context;
  context.full_evidence = full_evidence;
  return nlohmann::json::parse(render_report_json(sample.scenario, sample.outcome, context));
}

// The as_of of every listed transfer of `vm` of the given kind.
std::multiset<double> listed_points(const nlohmann::json& report, const std::string& vm,
                                    const std::string& kind = "replication") {
  std::multiset<double> points;
  for (const auto& transfer : report["transfers"]) {
    if (transfer["vm"] == vm && transfer["kind"] == kind)
      points.insert(transfer["as_of"].get<double>());
  }
  return points;
}

const nlohmann::json& summary_of(const nlohmann::json& report, const std::string& vm) {
  for (const auto& entry : report["transfer_summary"]) {
    if (entry["vm"] == vm) return entry;
  }
  static const nlohmann::json none;
  ADD_FAILURE() << "no transfer_summary entry for " << vm;
  return none;
}

TransferRecord cycle(const std::string& vm, double tick_s, std::optional<double> end_s,
                     TransferResult result, TransferKind kind = TransferKind::replication) {
  TransferRecord t;
  t.job = "to-dr";
  t.vm = vm;
  t.kind = kind;
  t.source_host = "esx1";
  t.target_host = "dr1";
  t.as_of_s = tick_s;
  t.start_s = tick_s;
  t.end_s = end_s;
  t.bytes = 1e6;
  t.result = result;
  return t;
}

TEST(TransferEvidence, SummaryListsTheNewestCyclesAndTheOneRestoredFrom) {
  const Sample sample = site_outage_sample();  // cycles every 900 s to 6300, lost at 7200
  const nlohmann::json report = render(sample, false);
  EXPECT_EQ(report["transfer_evidence"], "summary");
  for (const char* vm : {"ad", "db", "app", "web"}) {
    EXPECT_EQ(listed_points(report, vm), (std::multiset<double>{5400, 6300, 7200})) << vm;
    const auto& summary = summary_of(report, vm);
    EXPECT_EQ(summary["transfers"], 9) << vm;
    EXPECT_EQ(summary["completed"], 8) << vm;
    EXPECT_EQ(summary["lost"], 1) << vm;
    EXPECT_EQ(summary["cancelled"], 0) << vm;
    EXPECT_EQ(summary["in_flight"], 0) << vm;
    EXPECT_EQ(summary["bytes"], 9 * 900e6) << vm;
    EXPECT_EQ(summary["bytes_completed"], 8 * 900e6) << vm;
    EXPECT_EQ(summary["first_start"], 0.0) << vm;
    EXPECT_EQ(summary["newest_point"], 6300.0) << vm;
    EXPECT_EQ(summary["listed"], 3) << vm;
  }
  // "batch" has no replica: no transfer, no summary entry.
  EXPECT_EQ(report["transfer_summary"].size(), 4u);
}

TEST(TransferEvidence, FullEvidenceListsEveryTransferInStartOrder) {
  const Sample sample = site_outage_sample();
  const nlohmann::json report = render(sample, true);
  EXPECT_EQ(report["transfer_evidence"], "full");
  ASSERT_EQ(report["transfers"].size(), sample.outcome.transfers.size());
  for (std::size_t i = 0; i < sample.outcome.transfers.size(); ++i) {
    EXPECT_EQ(report["transfers"][i]["vm"], sample.outcome.transfers[i].vm) << i;
    EXPECT_EQ(report["transfers"][i]["as_of"], sample.outcome.transfers[i].as_of_s) << i;
  }
  EXPECT_EQ(summary_of(report, "db")["listed"], 9);
}

TEST(TransferEvidence, EverythingButTheTransferListIsTheSameEitherWay) {
  const Sample sample = site_outage_sample();
  nlohmann::json summary = render(sample, false), full = render(sample, true);
  for (nlohmann::json* report : {&summary, &full}) {
    report->erase("transfers");
    report->erase("transfer_evidence");
    for (auto& entry : (*report)["transfer_summary"]) entry.erase("listed");
  }
  EXPECT_EQ(summary, full);
}

// A VM restored from an old point: the cycles after it were lost on a failed link, the
// one in flight at the incident completed too late, then a failback's syncs.
TEST(TransferEvidence, SummaryKeepsWhatMadeTheRpoAndEverySync) {
  Sample sample = site_outage_sample();
  Outcome& o = sample.outcome;
  o.transfers.clear();
  o.transfers.push_back(cycle("db", 0, 30, TransferResult::completed));
  o.transfers.push_back(cycle("db", 900, 930, TransferResult::completed));
  for (double tick = 1800; tick <= 6300; tick += 900) {
    o.transfers.push_back(cycle("db", tick, tick + 10, TransferResult::lost));
  }
  o.transfers.push_back(cycle("db", 7000, 7300, TransferResult::completed));  // in flight at 7200
  o.transfers.push_back(
      cycle("db", 9000, 9030, TransferResult::completed, TransferKind::reverse_sync));
  for (double tick = 9900; tick <= 12600; tick += 900) {
    o.transfers.push_back(cycle("db", tick, tick + 30, TransferResult::completed));
  }
  o.transfers.push_back(cycle("db", 13000, std::nullopt, TransferResult::in_flight));
  o.transfers.push_back(
      cycle("db", 13100, 13130, TransferResult::completed, TransferKind::final_sync));
  for (VmResult& vm : o.vms) {
    if (vm.name == "db") vm.recovery_point_s = 900;
  }
  const nlohmann::json report = render(sample, false);
  // 900: restored from; 7000: in flight at the incident; 11700, 12600, 13000: the newest.
  EXPECT_EQ(listed_points(report, "db"), (std::multiset<double>{900, 7000, 11700, 12600, 13000}));
  EXPECT_EQ(listed_points(report, "db", "reverse_sync"), (std::multiset<double>{9000}));
  EXPECT_EQ(listed_points(report, "db", "final_sync"), (std::multiset<double>{13100}));
  const auto& summary = summary_of(report, "db");
  EXPECT_EQ(summary["transfers"], o.transfers.size());
  EXPECT_EQ(summary["lost"], 6);
  EXPECT_EQ(summary["in_flight"], 1);
  EXPECT_EQ(summary["newest_point"], 12600.0);
  EXPECT_EQ(summary["listed"], 7);
  // The kept records stay in start order.
  double previous_start = -1;
  for (const auto& transfer : report["transfers"]) {
    EXPECT_GE(transfer["start"].get<double>(), previous_start);
    previous_start = transfer["start"];
  }
}

}  // namespace
}  // namespace firedrill::testing

namespace firedrill::testing {
namespace {

// A real run: the backend measured what each completed cycle shipped (a whole disk each
// time, 8 MiB), beside the 1 MB the engine modelled. report.json sums both per VM, lists
// the measured bytes on each record, and report.html shows them in a table; a simulated
// run has none of it.
TEST(TransferEvidence, ARealRunShowsTheBytesModelledBesideTheBytesShipped) {
  Sample sample = site_outage_sample();
  Outcome& o = sample.outcome;
  const nlohmann::json simulated = render(sample, true);
  EXPECT_FALSE(summary_of(simulated, "db").contains("shipped"));
  EXPECT_FALSE(simulated["transfers"][0].contains("shipped_bytes"));
  const std::string simulated_html =
      reports::render_report_html(sample.scenario, sample.outcome, sample.context);
  EXPECT_EQ(simulated_html.find("id=\"shipped-bytes\""), std::string::npos);

  o.transfers.clear();
  o.transfers.push_back(cycle("db", 900, 930, TransferResult::completed));
  o.transfers.push_back(cycle("db", 1800, 1830, TransferResult::completed));
  o.transfers.push_back(cycle("db", 2700, std::nullopt, TransferResult::lost));
  o.transfers[0].shipped_B = 8388608.0;
  o.transfers[1].shipped_B = 8388608.0;
  const nlohmann::json report = render(sample, true);
  const auto& shipped = summary_of(report, "db")["shipped"];
  EXPECT_EQ(shipped["transfers"], 2);
  EXPECT_EQ(shipped["modelled_bytes"], 2e6);
  EXPECT_EQ(shipped["shipped_bytes"], 2 * 8388608.0);
  EXPECT_EQ(report["transfers"][0]["shipped_bytes"], 8388608.0);
  EXPECT_FALSE(report["transfers"][2].contains("shipped_bytes"));
  const std::string html = reports::render_report_html(sample.scenario, o, sample.context);
  const std::size_t table = html.find("id=\"shipped-bytes\"");
  ASSERT_NE(table, std::string::npos);
  const std::string rows = html.substr(table, html.find("</table>", table) - table);
  EXPECT_NE(rows.find("<td>db</td><td class=\"num\">2</td>"), std::string::npos) << rows;
  EXPECT_NE(rows.find("\u00d78.39"), std::string::npos) << rows;  // 16 MiB / 2 MB
}

}  // namespace
}  // namespace firedrill::testing
