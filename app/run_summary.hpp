// The short human summary `firedrill run` prints: one line per VM with RTO and RPO against
// its objectives, then the verdict.
#pragma once

#include <string>

#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill::app {

// "7m45s", "1h02m03s", "12.5s", "450ms", "-" for nothing.
std::string human_duration(std::optional<double> seconds);

std::string run_summary(const Scenario& scenario, const Outcome& outcome,
                        const std::string& backend);

}  // namespace firedrill::app
