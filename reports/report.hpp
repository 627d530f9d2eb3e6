// The three files `firedrill run` leaves in its --out directory: report.json (SPEC
// section 4, byte-identical for the same inputs), report.html (one self-contained page
// for people: verdict, per-VM table, timeline, plan, evidence) and junit.xml (one test
// case per VM objective and per VM recovery, for CI). Everything that varies between two
// identical runs (wall-clock times, host URIs) lives in RunContext and goes only into
// report.html and the history, never into report.json or junit.xml.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/model.hpp"
#include "engine/outcome.hpp"

namespace firedrill::reports {

struct RunContext {
  std::string backend = "sim";  // "sim" | "libvirt"
  // The simulator's prediction of this scenario when the run is real: reports then show
  // measured against predicted per VM. Absent for a simulated run.
  std::optional<Outcome> prediction;
  // Wall-clock start and end of the run (reports::utc_now() gives the format,
  // "2026-11-24T22:30:00Z"); empty when unknown. Only in report.html and the history.
  std::string started_utc;
  std::string ended_utc;
  // {host, libvirt URI} the backend actually used, on top of the plan's own
  // hosts[].libvirt_uri. Credentials are redacted before anything is written.
  std::vector<std::pair<std::string, std::string>> host_uris;
  // report.json lists every transfer record (`run --full-evidence`) instead of a per-VM
  // summary and the records worth reading (docs/reports.md).
  bool full_evidence = false;
};

// The SPEC section 4 document plus every extra field of Outcome. Deterministic.
std::string render_report_json(const Scenario& scenario, const Outcome& outcome,
                               const RunContext& context);
// JUnit XML (the Jenkins/GitLab flavour): one <testsuite> per scenario. Deterministic.
std::string render_junit_xml(const Scenario& scenario, const Outcome& outcome,
                             const RunContext& context);
// One self-contained HTML page (no scripts, no external resources; prints to PDF).
std::string render_report_html(const Scenario& scenario, const Outcome& outcome,
                               const RunContext& context);

// Writes report.json, report.html and junit.xml into out_dir (created with its parents
// when missing). Each file is written to a temporary name and renamed, so a failure never
// leaves a partial report. Returns the paths written, or a Diagnostic naming the file and
// the system's reason (disk full, permission denied, ...).
Result<std::vector<std::string>> write_reports(const std::string& out_dir, const Scenario& scenario,
                                               const Outcome& outcome, const RunContext& context);

// The one writer of every output file: writes `content` to `path` through a temporary
// file, fsync and rename() (then syncs the directory); empty string on success, else
// "path: reason". The directory must exist.
std::string write_file_atomically(const std::string& path, const std::string& content);

}  // namespace firedrill::reports

namespace firedrill::reports {

// What kind of drill a scenario is, for reports and the history: "test" (it has a test
// failover), "planned", "unplanned" (failures or corruption), "failback", or "none".
std::string drill_kind(const Scenario& scenario);

}  // namespace firedrill::reports
