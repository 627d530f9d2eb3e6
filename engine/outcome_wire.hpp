// The form in which a forked simulation sends its Outcome to its parent (sim/simulate.cpp).
//
// A large run's outcome is mostly transfer records: 10,000 VMs for a day make about a
// million. As JSON objects (outcome_json.hpp) they took a tree of a gigabyte and seconds to
// build, print and parse. Here the rest of the outcome is one line of outcome_json.hpp's
// JSON, which also lists every name the records use ("transfer_names"), and then each
// record is one line of numbers: the indices of its six names, its three times, its
// modelled bytes and its shipped bytes, printed with std::to_chars (the shortest text that
// reads back to the same double, "inf" and "nan" included), "-" for an end that never came
// or bytes no backend measured.
//
// outcome_from_wire(outcome_to_wire(o)) == o field by field. Internal to one build: the two
// ends are always the same binary, so the form has no version.
#pragma once

#include <string>
#include <string_view>

#include "engine/outcome.hpp"

namespace firedrill {

// Takes the outcome by value: its transfer records are moved out, not copied.
std::string outcome_to_wire(Outcome outcome);
// Throws std::invalid_argument (or nlohmann::json's exceptions for the first line) when
// `wire` is not what outcome_to_wire writes.
Outcome outcome_from_wire(std::string_view wire);

}  // namespace firedrill
