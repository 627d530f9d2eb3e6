// The what-if outputs: whatif.json (the contract: deterministic, so the same seed gives
// the same bytes and merged shards equal one unsharded run), whatif.csv (one row per
// combination and VM, plus a plan row), and whatif.html (self-contained: inline SVG
// charts of RTO and RPO against each varied parameter with p50/p95 bands, a CDF of the
// RTO per combination, the same per VM as small multiples, and the table). None of them holds a wall-clock time, a host
// name or a job count.
#pragma once

#include <optional>
#include <string>

#include "reports/whatif_stats.hpp"

namespace firedrill::whatif {

std::string format_whatif_json(const SweepSummary& summary);
std::string format_whatif_csv(const SweepSummary& summary);
std::string format_whatif_html(const SweepSummary& summary);

// Writes whatif.json, whatif.csv and whatif.html into `directory` (created if needed),
// each through a temporary file and a rename, so a reader never sees half a file.
// Returns an error message, or nullopt on success.
std::optional<std::string> write_whatif_reports(const std::string& directory,
                                                const SweepSummary& summary);
// Writes `content` to directory/name through a temporary file and a rename.
std::optional<std::string> write_file_atomically(const std::string& directory,
                                                 const std::string& name,
                                                 const std::string& content);

}  // namespace firedrill::whatif
