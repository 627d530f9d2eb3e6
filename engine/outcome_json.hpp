// Lossless JSON form of an Outcome (engine/outcome.hpp): every field, named as in the C++
// structs (times in seconds, suffixed _s), optionals as null, enums by their report names;
// a VM's readiness ladder only when it has one (a real run).
// outcome_from_json(outcome_to_json(o)) == o field by field, and doubles survive exactly
// (nlohmann/json prints the shortest text that reads back to the same double).
// Used to send an Outcome from a forked simulation to its parent, and by whatif.
#pragma once

#include <nlohmann/json.hpp>

#include "engine/outcome.hpp"

namespace firedrill {

nlohmann::json outcome_to_json(const Outcome& outcome);
// Throws nlohmann::json::exception (type_error, out_of_range) or std::invalid_argument
// (an unknown enum name) when `json` is not what outcome_to_json writes.
Outcome outcome_from_json(const nlohmann::json& json);

// The per-struct conversions, found by ADL (json j = vm_result; j.get<VmResult>()).
void to_json(nlohmann::json& json, const IncidentRecord& value);
void from_json(const nlohmann::json& json, IncidentRecord& value);
void to_json(nlohmann::json& json, const CriticalStep& value);
void from_json(const nlohmann::json& json, CriticalStep& value);
void to_json(nlohmann::json& json, const FailbackResult& value);
void from_json(const nlohmann::json& json, FailbackResult& value);
void to_json(nlohmann::json& json, const ReadinessStep& value);
void from_json(const nlohmann::json& json, ReadinessStep& value);
void to_json(nlohmann::json& json, const VmResult& value);
void from_json(const nlohmann::json& json, VmResult& value);
void to_json(nlohmann::json& json, const TimelineStep& value);
void from_json(const nlohmann::json& json, TimelineStep& value);
void to_json(nlohmann::json& json, const TransferRecord& value);
void from_json(const nlohmann::json& json, TransferRecord& value);
void to_json(nlohmann::json& json, const Summary& value);
void from_json(const nlohmann::json& json, Summary& value);
void to_json(nlohmann::json& json, const Outcome& value);
void from_json(const nlohmann::json& json, Outcome& value);

// Parse the names to_string(VmOutcome / Mechanism / TransferKind / TransferResult /
// FailbackOutcome / RunEnd) print; throw std::invalid_argument on anything else.
VmOutcome vm_outcome_from_string(const std::string& text);
Mechanism mechanism_from_string(const std::string& text);
TransferKind transfer_kind_from_string(const std::string& text);
TransferResult transfer_result_from_string(const std::string& text);
FailbackOutcome failback_outcome_from_string(const std::string& text);
RunEnd run_end_from_string(const std::string& text);

}  // namespace firedrill
