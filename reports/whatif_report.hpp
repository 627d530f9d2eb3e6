// The what-if outputs: whatif.json (the contract: deterministic, so the same seed gives
// the same bytes and merged shards equal one unsharded run), whatif.csv (one row per
// combination and VM, plus a plan row), and whatif.html (self-contained: inline SVG
// charts of RTO and RPO against each varied parameter with p50/p95 bands, a CDF of the
// RTO per combination, the same per VM as small multiples, and the table). None of them holds a
// wall-clock time, a host name or a job count.
#pragma once

#include <optional>
#include <string>

#include "whatif/stats.hpp"

namespace firedrill::whatif {

std::string format_whatif_json(const SweepSummary& summary);
std::string format_whatif_csv(const SweepSummary& summary);
std::string format_whatif_html(const SweepSummary& summary);

// Writes whatif.json, whatif.csv and whatif.html into `directory` (created if needed),
// each through reports::write_file_atomically (a temporary file, fsync, rename), so a
// reader never sees half a file. Returns an error message, or nullopt on success.
std::optional<std::string> write_whatif_reports(const std::string& directory,
                                                const SweepSummary& summary);

}  // namespace firedrill::whatif
