// Outcome <-> JSON, field by field. Doubles that are not finite (which JSON cannot hold)
// travel as the strings "inf", "-inf" and "nan" so that nothing is lost on the way.
#include "engine/outcome_json.hpp"

#include <cmath>
#include <initializer_list>
#include <limits>
#include <stdexcept>

namespace firedrill {

using nlohmann::json;

namespace {

json number(double value) {
  if (std::isfinite(value)) return value;
  if (std::isnan(value)) return "nan";
  return value > 0 ? "inf" : "-inf";
}

double read_number(const json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text == "inf") return std::numeric_limits<double>::infinity();
    if (text == "-inf") return -std::numeric_limits<double>::infinity();
    if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
    throw std::invalid_argument("not a number: '" + text + "'");
  }
  return value.get<double>();
}

json optional_number(const std::optional<double>& value) {
  return value ? number(*value) : json(nullptr);
}

std::optional<double> read_optional_number(const json& value) {
  if (value.is_null()) return std::nullopt;
  return read_number(value);
}

json optional_bool(const std::optional<bool>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<bool> read_optional_bool(const json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<bool>();
}

}  // namespace

namespace {

// The one of `values` whose to_string() is `text`; throws, naming `what`, for any other.
template <typename Enum>
Enum named_value(const std::string& text, std::initializer_list<Enum> values, const char* what) {
  for (Enum value : values) {
    if (text == to_string(value)) return value;
  }
  throw std::invalid_argument("unknown " + std::string(what) + " '" + text + "'");
}

}  // namespace

VmOutcome vm_outcome_from_string(const std::string& text) {
  return named_value(
      text, {VmOutcome::recovered, VmOutcome::failed, VmOutcome::lost, VmOutcome::unaffected},
      "VM outcome");
}

FailbackOutcome failback_outcome_from_string(const std::string& text) {
  return named_value(
      text, {FailbackOutcome::in_progress, FailbackOutcome::recovered, FailbackOutcome::failed},
      "failback outcome");
}

RunEnd run_end_from_string(const std::string& text) {
  return named_value(
      text, {RunEnd::duration, RunEnd::settled, RunEnd::interrupted, RunEnd::running}, "run end");
}

Mechanism mechanism_from_string(const std::string& text) {
  return named_value(
      text,
      {Mechanism::ha, Mechanism::replica, Mechanism::planned, Mechanism::test, Mechanism::none},
      "mechanism");
}

TransferKind transfer_kind_from_string(const std::string& text) {
  return named_value(
      text, {TransferKind::replication, TransferKind::final_sync, TransferKind::reverse_sync},
      "transfer kind");
}

TransferResult transfer_result_from_string(const std::string& text) {
  return named_value(text,
                     {TransferResult::completed, TransferResult::lost, TransferResult::cancelled,
                      TransferResult::in_flight},
                     "transfer result");
}

void to_json(json& j, const IncidentRecord& v) {
  j = {{"at_s", number(v.at_s)},
       {"cause", v.cause},
       {"recovered_at_s", optional_number(v.recovered_at_s)}};
}

void from_json(const json& j, IncidentRecord& v) {
  v.at_s = read_number(j.at("at_s"));
  v.cause = j.at("cause").get<std::string>();
  v.recovered_at_s = read_optional_number(j.at("recovered_at_s"));
}

void to_json(json& j, const CriticalStep& v) {
  j = {{"step", v.step}, {"vm", v.vm}, {"seconds", number(v.seconds)}};
}

void from_json(const json& j, CriticalStep& v) {
  v.step = j.at("step").get<std::string>();
  v.vm = j.at("vm").get<std::string>();
  v.seconds = read_number(j.at("seconds"));
}

void to_json(json& j, const FailbackResult& v) {
  j = {{"start_s", number(v.start_s)},
       {"end_s", optional_number(v.end_s)},
       {"rto_s", optional_number(v.rto_s)},
       {"rpo_s", optional_number(v.rpo_s)},
       {"outcome", to_string(v.outcome)},
       {"reason", v.reason},
       {"rpo_from_data_s", optional_number(v.rpo_from_data_s)}};
}

void from_json(const json& j, FailbackResult& v) {
  v.start_s = read_number(j.at("start_s"));
  v.end_s = read_optional_number(j.at("end_s"));
  v.rto_s = read_optional_number(j.at("rto_s"));
  v.rpo_s = read_optional_number(j.at("rpo_s"));
  v.outcome = failback_outcome_from_string(j.at("outcome").get<std::string>());
  v.reason = j.at("reason").get<std::string>();
  // Absent from outcomes written before the field existed.
  v.rpo_from_data_s =
      j.contains("rpo_from_data_s") ? read_optional_number(j["rpo_from_data_s"]) : std::nullopt;
}

void to_json(json& j, const ReadinessStep& v) {
  j = {{"step", v.step},
       {"at_s", number(v.at_s)},
       {"passed", v.passed},
       {"attempts", v.attempts},
       {"detail", v.detail}};
}

void from_json(const json& j, ReadinessStep& v) {
  v.step = j.at("step").get<std::string>();
  v.at_s = read_number(j.at("at_s"));
  v.passed = j.at("passed").get<bool>();
  v.attempts = j.at("attempts").get<int>();
  v.detail = j.at("detail").get<std::string>();
}

void to_json(json& j, const VmResult& v) {
  j = {{"name", v.name},
       {"outcome", to_string(v.outcome)},
       {"mechanism", to_string(v.mechanism)},
       {"recovered_on", v.recovered_on},
       {"instance", v.instance},
       {"network", v.network},
       {"ip", v.ip},
       {"rto_s", optional_number(v.rto_s)},
       {"rpo_s", optional_number(v.rpo_s)},
       {"recovery_point_s", optional_number(v.recovery_point_s)},
       {"incident_s", optional_number(v.incident_s)},
       {"ready_s", optional_number(v.ready_s)},
       {"objective_rto_s", optional_number(v.objective_rto_s)},
       {"objective_rpo_s", optional_number(v.objective_rpo_s)},
       {"rto_met", optional_bool(v.rto_met)},
       {"rpo_met", optional_bool(v.rpo_met)},
       {"reason", v.reason},
       {"incidents", v.incidents},
       {"critical_path", v.critical_path},
       {"failback", v.failback ? json(*v.failback) : json(nullptr)},
       {"rpo_from_data_s", optional_number(v.rpo_from_data_s)}};
  // Only a real run has a ladder: simulated outcomes keep the bytes they always had.
  if (!v.readiness.empty()) j["readiness"] = v.readiness;
}

void from_json(const json& j, VmResult& v) {
  v.name = j.at("name").get<std::string>();
  v.outcome = vm_outcome_from_string(j.at("outcome").get<std::string>());
  v.mechanism = mechanism_from_string(j.at("mechanism").get<std::string>());
  v.recovered_on = j.at("recovered_on").get<std::string>();
  v.instance = j.at("instance").get<std::string>();
  v.network = j.at("network").get<std::string>();
  v.ip = j.at("ip").get<std::string>();
  v.rto_s = read_optional_number(j.at("rto_s"));
  v.rpo_s = read_optional_number(j.at("rpo_s"));
  v.recovery_point_s = read_optional_number(j.at("recovery_point_s"));
  v.incident_s = read_optional_number(j.at("incident_s"));
  v.ready_s = read_optional_number(j.at("ready_s"));
  v.objective_rto_s = read_optional_number(j.at("objective_rto_s"));
  v.objective_rpo_s = read_optional_number(j.at("objective_rpo_s"));
  v.rto_met = read_optional_bool(j.at("rto_met"));
  v.rpo_met = read_optional_bool(j.at("rpo_met"));
  v.reason = j.at("reason").get<std::string>();
  v.incidents = j.at("incidents").get<std::vector<IncidentRecord>>();
  v.critical_path = j.at("critical_path").get<std::vector<CriticalStep>>();
  const json& failback = j.at("failback");
  v.failback = failback.is_null() ? std::nullopt
                                  : std::optional<FailbackResult>(failback.get<FailbackResult>());
  v.rpo_from_data_s = read_optional_number(j.at("rpo_from_data_s"));
  v.readiness = j.contains("readiness") ? j["readiness"].get<std::vector<ReadinessStep>>()
                                        : std::vector<ReadinessStep>{};
}

void to_json(json& j, const TimelineStep& v) {
  j = {{"vm", v.vm},
       {"step", v.step},
       {"host", v.host},
       {"start_s", number(v.start_s)},
       {"end_s", number(v.end_s)},
       {"detail", v.detail}};
}

void from_json(const json& j, TimelineStep& v) {
  v.vm = j.at("vm").get<std::string>();
  v.step = j.at("step").get<std::string>();
  v.host = j.at("host").get<std::string>();
  v.start_s = read_number(j.at("start_s"));
  v.end_s = read_number(j.at("end_s"));
  v.detail = j.at("detail").get<std::string>();
}

void to_json(json& j, const TransferRecord& v) {
  j = {{"job", v.job},
       {"vm", v.vm},
       {"kind", to_string(v.kind)},
       {"source_host", v.source_host},
       {"target_host", v.target_host},
       {"as_of_s", number(v.as_of_s)},
       {"start_s", number(v.start_s)},
       {"end_s", optional_number(v.end_s)},
       {"bytes", number(v.bytes)},
       {"result", to_string(v.result)}};
  if (v.shipped_B) j["shipped_B"] = number(*v.shipped_B);  // only a real backend measures it
}

void from_json(const json& j, TransferRecord& v) {
  v.job = j.at("job").get<std::string>();
  v.vm = j.at("vm").get<std::string>();
  v.kind = transfer_kind_from_string(j.at("kind").get<std::string>());
  v.source_host = j.at("source_host").get<std::string>();
  v.target_host = j.at("target_host").get<std::string>();
  v.as_of_s = read_number(j.at("as_of_s"));
  v.start_s = read_number(j.at("start_s"));
  v.end_s = read_optional_number(j.at("end_s"));
  v.bytes = read_number(j.at("bytes"));
  v.result = transfer_result_from_string(j.at("result").get<std::string>());
  v.shipped_B = j.contains("shipped_B") ? read_optional_number(j["shipped_B"]) : std::nullopt;
}

void to_json(json& j, const Summary& v) {
  j = {{"rto_s", optional_number(v.rto_s)},
       {"rpo_s", optional_number(v.rpo_s)},
       {"objectives_met", v.objectives_met},
       {"recovered", v.recovered},
       {"failed", v.failed},
       {"lost", v.lost},
       {"unaffected", v.unaffected},
       {"transfers_completed", v.transfers_completed},
       {"transfers_lost", v.transfers_lost},
       {"ticks_skipped", v.ticks_skipped}};
}

void from_json(const json& j, Summary& v) {
  v.rto_s = read_optional_number(j.at("rto_s"));
  v.rpo_s = read_optional_number(j.at("rpo_s"));
  v.objectives_met = j.at("objectives_met").get<bool>();
  v.recovered = j.at("recovered").get<int>();
  v.failed = j.at("failed").get<int>();
  v.lost = j.at("lost").get<int>();
  v.unaffected = j.at("unaffected").get<int>();
  v.transfers_completed = j.at("transfers_completed").get<int>();
  v.transfers_lost = j.at("transfers_lost").get<int>();
  v.ticks_skipped = j.at("ticks_skipped").get<int>();
}

void to_json(json& j, const Outcome& v) {
  j = {{"incident_time_s", optional_number(v.incident_time_s)},
       {"end_s", number(v.end_s)},
       {"ended", to_string(v.ended)},
       {"vms", v.vms},
       {"timeline", v.timeline},
       {"transfers", v.transfers},
       {"production_untouched", optional_bool(v.production_untouched)},
       {"summary", v.summary}};
}

void from_json(const json& j, Outcome& v) {
  v.incident_time_s = read_optional_number(j.at("incident_time_s"));
  v.end_s = read_number(j.at("end_s"));
  // Absent from older outcomes, which all ran to their duration.
  v.ended =
      j.contains("ended") ? run_end_from_string(j["ended"].get<std::string>()) : RunEnd::duration;
  v.vms = j.at("vms").get<std::vector<VmResult>>();
  v.timeline = j.at("timeline").get<std::vector<TimelineStep>>();
  v.transfers = j.at("transfers").get<std::vector<TransferRecord>>();
  v.production_untouched = read_optional_bool(j.at("production_untouched"));
  v.summary = j.at("summary").get<Summary>();
}

json outcome_to_json(const Outcome& outcome) {
  return outcome;
}

Outcome outcome_from_json(const json& json) {
  return json.get<Outcome>();
}

}  // namespace firedrill
