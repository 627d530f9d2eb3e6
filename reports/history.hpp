// The run history: every `firedrill run` appends one row to a SQLite database (default
// reports/history.db) in one transaction. Each row stores the run's facts, its whole
// report.json, the SHA-256 of the previous row and its own SHA-256 over all of that, so
// editing, inserting or deleting any row but the newest breaks the chain and
// verify_history() names the first bad row. Appends from concurrent processes are
// serialised by SQLite's lock (BEGIN IMMEDIATE, 30 s busy timeout); a full disk or a
// read-only path fails the append cleanly, leaving the database as it was.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"
#include "reports/report.hpp"

namespace firedrill::reports {

inline constexpr const char* kDefaultHistoryPath = "reports/history.db";

// One run as stored.
struct HistoryRun {
  std::int64_t id = 0;       // 1, 2, 3... in append order
  std::string recorded_utc;  // when the row was appended (ISO 8601, UTC)
  std::string started_utc;   // the run's wall-clock start, when known
  std::string ended_utc;     // the run's wall-clock end, when known
  std::string scenario;
  std::string plan;
  std::string kind;  // drill_kind(): test | planned | unplanned | failback | none
  std::string backend;
  std::uint64_t seed = 0;
  std::string input_sha256;
  bool objectives_met = false;
  int exit_status = 0;  // what `firedrill run` returned for this outcome
  int recovered = 0, failed = 0, lost = 0, unaffected = 0;
  std::optional<double> rto_s;  // worst over the VMs
  std::optional<double> rpo_s;
  std::string report_json;      // the run's report.json, byte for byte
  std::string previous_sha256;  // row_sha256 of the row before (64 zeros for the first)
  std::string row_sha256;       // SHA-256 over every field above, see row_digest()
};

// Appends one run. Creates the database (and its parent directory) when missing.
// Errors name the path and the reason ("database or disk is full", "read-only file
// system", "not a firedrill history database"...).
Result<HistoryRun> append_run(const std::string& db_path, const Scenario& scenario,
                              const Outcome& outcome, const RunContext& context);

// Every run in append order, optionally only those of one plan. The database must exist
// (it is opened read-only, never created).
Result<std::vector<HistoryRun>> read_history(const std::string& db_path,
                                             const std::string& plan_filter = {});

struct ChainCheck {
  std::int64_t rows = 0;
  std::optional<std::int64_t> first_bad_id;  // empty: the chain is intact
  std::string problem;                       // why that row is bad
  std::string head_sha256;  // row_sha256 of the newest row when intact: keep it elsewhere
                            // to detect a removal of the newest rows too
};
// Recomputes every row's digest and checks each row points at the one before it.
Result<ChainCheck> verify_history(const std::string& db_path);

// The digest a row must carry: SHA-256 over a length-prefixed encoding of all its fields
// (including id and previous_sha256, excluding row_sha256 itself).
std::string row_digest(const HistoryRun& run);

// Views for `firedrill history`.
std::string history_text(const std::vector<HistoryRun>& runs);
std::string history_json(const std::vector<HistoryRun>& runs);
// One row per VM per run (a run without VMs gives one row with an empty VM).
std::string history_csv(const std::vector<HistoryRun>& runs);
// The trend report: achieved RTO and RPO per VM over time against the objectives, the
// dates of test failovers, every run listed. Self-contained HTML like report.html.
std::string history_trend_html(const std::vector<HistoryRun>& runs, const std::string& title);

}  // namespace firedrill::reports
