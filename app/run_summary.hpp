// The short human summary `firedrill run` prints: one line per VM with RTO and RPO against
// its objectives, then the verdict.
#pragma once

#include <string>

#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill::app {

std::string run_summary(const Scenario& scenario, const Outcome& outcome,
                        const std::string& backend);

}  // namespace firedrill::app
