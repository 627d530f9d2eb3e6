// outcome_json and outcome_wire: every field of an Outcome survives to_json / from_json, and
// the wire form a simulation sends its parent, exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/outcome_json.hpp"
#include "engine/outcome_wire.hpp"

namespace firedrill {
namespace {

Outcome sample() {
  Outcome o;
  o.incident_time_s = 7200.1;
  o.end_s = 21600;
  VmResult v;
  v.name = "db";
  v.outcome = VmOutcome::recovered;
  v.mechanism = Mechanism::replica;
  v.recovered_on = "dr1";
  v.instance = "db";
  v.network = "dr-net";
  v.ip = "10.1.0.11";
  v.rto_s = 465.0 + 1.0 / 3.0;
  v.rpo_s = 0.1 + 0.2;
  v.recovery_point_s = 6600;
  v.incident_s = 7200;
  v.ready_s = 7665;
  v.objective_rto_s = 900;
  v.rto_met = true;
  v.rpo_met = false;
  v.reason = "";
  v.incidents = {IncidentRecord{7200, "fail site primary", 7665},
                 IncidentRecord{9000, "fail host dr1", std::nullopt}};
  v.critical_path = {CriticalStep{"detection", "db", 60}, CriticalStep{"boot", "ad", 45}};
  FailbackResult failback;  // by name: the struct grows with the backends' evidence
  failback.start_s = 10000;
  failback.end_s = 10100;
  failback.rto_s = 100;
  failback.rpo_s = 0;
  failback.outcome = FailbackOutcome::recovered;
  v.failback = failback;
  v.rpo_from_data_s = 599.9;
  o.vms = {v, VmResult{}};
  o.vms[1].name = "web";
  o.vms[1].outcome = VmOutcome::lost;
  o.vms[1].reason = "no recovery point";
  o.timeline = {TimelineStep{"db", "boot", "dr1", 7605, 7665, "x"}};
  o.transfers = {TransferRecord{"to-dr", "db", TransferKind::replication, "esx1", "dr1", 900, 900,
                                907.22, 9e8, TransferResult::completed, 8388608.0},
                 TransferRecord{"to-dr", "db", TransferKind::replication, "esx1", "dr1", 1800, 1800,
                                std::nullopt, 1.0 / 7.0, TransferResult::in_flight}};
  o.production_untouched = false;
  o.summary.rto_s = 465;
  o.summary.objectives_met = false;
  o.summary.recovered = 1;
  o.summary.lost = 1;
  o.summary.transfers_completed = 8;
  o.summary.ticks_skipped = 2;
  return o;
}

TEST(OutcomeJson, RoundTripIsLossless) {
  const Outcome o = sample();
  const nlohmann::json j = outcome_to_json(o);
  const Outcome back = outcome_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(outcome_to_json(back).dump(), j.dump());
  EXPECT_EQ(back.vms[0].rto_s, o.vms[0].rto_s);  // bit for bit
  EXPECT_EQ(back.vms[0].rpo_s, o.vms[0].rpo_s);
  EXPECT_EQ(back.transfers[1].bytes, 1.0 / 7.0);
  EXPECT_FALSE(back.transfers[1].end_s);
  EXPECT_EQ(back.transfers[0].shipped_B, std::optional<double>(8388608.0));
  EXPECT_FALSE(back.transfers[1].shipped_B);
  EXPECT_EQ(back.vms[0].incidents[1].cause, "fail host dr1");
  EXPECT_FALSE(back.vms[0].incidents[1].recovered_at_s);
  EXPECT_EQ(back.vms[0].failback->end_s, 10100);
  EXPECT_FALSE(back.vms[1].failback);
  EXPECT_EQ(back.vms[1].outcome, VmOutcome::lost);
  EXPECT_EQ(back.vms[0].mechanism, Mechanism::replica);
  EXPECT_EQ(back.production_untouched, std::optional<bool>(false));
  EXPECT_EQ(back.summary.ticks_skipped, 2);
}

TEST(OutcomeJson, AReadinessLadderRoundTrips) {
  Outcome o = sample();
  o.vms[0].readiness = {ReadinessStep{"running", 7612.5, true, 1, ""},
                        ReadinessStep{"agent", 7615.0 + 1.0 / 3.0, true, 4, "qemu-ga 7.2"},
                        ReadinessStep{"check", 7916.0, false, 150, "tcp db:80 from app: refused"}};
  const nlohmann::json j = outcome_to_json(o);
  ASSERT_TRUE(j["vms"][0].contains("readiness"));
  EXPECT_EQ(j["vms"][0]["readiness"][2]["detail"], "tcp db:80 from app: refused");
  const Outcome back = outcome_from_json(nlohmann::json::parse(j.dump()));
  ASSERT_EQ(back.vms[0].readiness.size(), 3u);
  EXPECT_EQ(back.vms[0].readiness[1].step, "agent");
  EXPECT_EQ(back.vms[0].readiness[1].at_s, 7615.0 + 1.0 / 3.0);  // bit for bit
  EXPECT_EQ(back.vms[0].readiness[1].attempts, 4);
  EXPECT_EQ(back.vms[0].readiness[1].detail, "qemu-ga 7.2");
  EXPECT_TRUE(back.vms[0].readiness[0].passed);
  EXPECT_FALSE(back.vms[0].readiness[2].passed);
  EXPECT_EQ(back.vms[0].readiness[2].attempts, 150);
  EXPECT_TRUE(back.vms[1].readiness.empty());
  EXPECT_EQ(outcome_to_json(back).dump(), j.dump());
}

TEST(OutcomeJson, AnEmptyLadderWritesNoKey) {
  // Simulated outcomes have no ladder; their JSON must stay what it was before the field.
  const nlohmann::json j = outcome_to_json(sample());
  for (const nlohmann::json& vm : j["vms"]) EXPECT_FALSE(vm.contains("readiness")) << vm.dump();
  const Outcome back = outcome_from_json(j);
  EXPECT_TRUE(back.vms[0].readiness.empty());
}

TEST(OutcomeJson, NonFiniteNumbersSurvive) {
  Outcome o = sample();
  o.end_s = std::numeric_limits<double>::infinity();
  o.vms[0].rto_s = std::numeric_limits<double>::quiet_NaN();
  const Outcome back = outcome_from_json(nlohmann::json::parse(outcome_to_json(o).dump()));
  EXPECT_TRUE(std::isinf(back.end_s));
  EXPECT_TRUE(std::isnan(*back.vms[0].rto_s));
}

TEST(OutcomeJson, MalformedInputThrows) {
  nlohmann::json j = outcome_to_json(sample());
  j["vms"][0]["outcome"] = "exploded";
  EXPECT_THROW(outcome_from_json(j), std::invalid_argument);
  j = outcome_to_json(sample());
  j.erase("summary");
  EXPECT_THROW(outcome_from_json(j), nlohmann::json::exception);
}

TEST(OutcomeWire, RoundTripIsLossless) {
  Outcome o = sample();
  o.transfers[0].end_s = -0.0;
  o.transfers.push_back(TransferRecord{"back", "web", TransferKind::reverse_sync, "dr1", "esx2",
                                       std::numeric_limits<double>::infinity(), 0.1 + 0.2, 1e-300,
                                       std::numeric_limits<double>::quiet_NaN(),
                                       TransferResult::lost});
  const std::string wire = outcome_to_wire(o);
  const Outcome back = outcome_from_wire(wire);
  ASSERT_EQ(back.transfers.size(), 3u);
  // Everything but the non-finite bytes compares through the JSON form.
  Outcome finite = o;
  Outcome finite_back = back;
  finite.transfers.pop_back();
  finite_back.transfers.pop_back();
  EXPECT_EQ(outcome_to_json(finite_back).dump(), outcome_to_json(finite).dump());
  const TransferRecord& last = back.transfers[2];
  EXPECT_EQ(last.job, "back");
  EXPECT_EQ(last.kind, TransferKind::reverse_sync);
  EXPECT_EQ(last.source_host, "dr1");
  EXPECT_EQ(last.result, TransferResult::lost);
  EXPECT_TRUE(std::isinf(last.as_of_s));
  EXPECT_EQ(last.start_s, 0.1 + 0.2);  // bit for bit
  EXPECT_EQ(last.end_s, std::optional<double>(1e-300));
  EXPECT_TRUE(std::isnan(last.bytes));
  EXPECT_TRUE(std::signbit(*back.transfers[0].end_s));
  EXPECT_FALSE(back.transfers[1].end_s);
  EXPECT_EQ(back.transfers[1].bytes, 1.0 / 7.0);
  EXPECT_EQ(back.transfers[0].shipped_B, std::optional<double>(8388608.0));
  EXPECT_FALSE(back.transfers[1].shipped_B);
  // The names are written once: two records of one job, VM and hosts share them.
  EXPECT_EQ(wire.find("to-dr"), wire.rfind("to-dr"));
}

TEST(OutcomeWire, AnOutcomeWithoutTransfersRoundTrips) {
  Outcome o = sample();
  o.transfers.clear();
  EXPECT_EQ(outcome_to_json(outcome_from_wire(outcome_to_wire(o))).dump(),
            outcome_to_json(o).dump());
}

TEST(OutcomeWire, MalformedInputThrows) {
  const std::string wire = outcome_to_wire(sample());
  const std::size_t head = wire.find('\n') + 1;
  EXPECT_THROW(outcome_from_wire(wire.substr(0, head - 1)), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire(wire.substr(0, wire.size() - 1)), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire(wire + "0 1 2 3 4 5 1 2 3\n"), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire(wire + "0 1 2 3 4 5 1 2 3 4 5 6\n"), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire(wire + "0 0 0 0 0 99 1 2 3 4 -\n"), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire(wire + "0 1 2 3 4 5 1 two 3 4 -\n"), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire("{\"vms\": []}\n"), nlohmann::json::exception);
  // sample()'s names: to-dr, db, replication, esx1, dr1, completed, in_flight. A kind or a
  // result must name a TransferKind or a TransferResult.
  EXPECT_THROW(outcome_from_wire(wire + "0 0 0 0 0 0 1 2 - 4 -\n"), std::invalid_argument);
  EXPECT_THROW(outcome_from_wire(wire + "0 1 2 3 4 1 1 2 - 4 -\n"), std::invalid_argument);
  EXPECT_NO_THROW(outcome_from_wire(wire + "0 1 2 3 4 5 1 2 - 4 -\n"));
  EXPECT_EQ(outcome_from_wire(wire + "0 1 2 3 4 6 1 2 - 4 5\n").transfers.back().shipped_B,
            std::optional<double>(5.0));
  EXPECT_EQ(outcome_from_wire(wire + "0 1 2 3 4 6 1 2 - 4 -\n").transfers.back().result,
            TransferResult::in_flight);
  // A record without its shipped bytes is short by one field.
  EXPECT_THROW(outcome_from_wire(wire + "0 1 2 3 4 5 1 2 - 4\n"), std::invalid_argument);
}

}  // namespace
}  // namespace firedrill
