// report.html: one self-contained page (inline CSS and SVG, no script, no external
// resource) that a manager reads in a browser and an auditor prints to PDF: the verdict,
// the per-VM table against objectives, the timeline, why each RTO was what it was, the
// plan, and the evidence (tool, inputs and their SHA-256, wall-clock times, host URIs
// with credentials redacted, measured against predicted for real runs).
#include <cmath>
#include <map>
#include <sstream>

#include "reports/html_parts.hpp"
#include "reports/report.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

std::string esc(std::string_view text) {
  return xml_escape(text);
}

std::string or_dash(const std::string& text) {
  return text.empty() ? "\u2013" : esc(text);
}

std::string duration_cell(const std::optional<double>& seconds) {
  if (!seconds) return "<td class=\"num na\">\u2013</td>";
  return "<td class=\"num\" title=\"" + plain_number(*seconds) + " s\">" +
         esc(human_duration(*seconds)) + "</td>";
}

// "2h 50m (T \u2212 10m)": a time of the run, and where it sits against the incident.
std::string at_text(double t, const std::optional<double>& incident) {
  std::string text = "t=" + human_duration(t);
  if (incident) {
    const double delta = t - *incident;
    if (delta == 0) {
      text += " (T)";
    } else {
      text += std::string(" (T ") + (delta < 0 ? "\u2212 " : "+ ") +
              human_duration(std::abs(delta)) + ")";
    }
  }
  return text;
}

// Pass/fail of one objective, with a symbol and words (never colour alone).
std::string verdict_cell(const VmResult& vm, const std::optional<double>& achieved,
                         const std::optional<double>& objective, const std::optional<bool>& met) {
  if (!objective) return "<td class=\"na\">\u2013 no objective</td>";
  if (vm.outcome == VmOutcome::unaffected) return "<td class=\"na\">\u2013 not exercised</td>";
  if (!achieved) return "<td class=\"fail\">\u2718 MISSED (not recovered)</td>";
  const double over = *achieved - *objective;
  const bool passed = met ? *met : over <= 0.0;
  if (passed) {
    return "<td class=\"pass\">\u2714 met (" + esc(human_duration(-over)) + " to spare)</td>";
  }
  return "<td class=\"fail\">\u2718 MISSED by " + esc(human_duration(over)) + "</td>";
}

// "unplanned failover", "test failover", ... for the page's subtitle.
std::string drill_label(const Scenario& scenario) {
  const std::string kind = drill_kind(scenario);
  if (kind == "none") return "no incident";
  if (kind == "failback") return "failback";
  return kind + " failover";
}

std::string outcome_cell(const VmResult& vm) {
  switch (vm.outcome) {
    case VmOutcome::recovered:
      return "<td class=\"pass\">\u2714 recovered</td>";
    case VmOutcome::failed:
      return "<td class=\"fail\">\u2718 failed</td>";
    case VmOutcome::lost:
      return "<td class=\"fail\">\u2718 lost</td>";
    case VmOutcome::unaffected:
      return "<td class=\"na\">\u2013 unaffected</td>";
  }
  return "<td>?</td>";
}

int missed_objectives(const Outcome& outcome) {
  int missed = 0;
  for (const VmResult& vm : outcome.vms) {
    if (vm.outcome == VmOutcome::unaffected) continue;
    if (vm.objective_rto_s &&
        (!vm.rto_s || (vm.rto_met ? !*vm.rto_met : *vm.rto_s > *vm.objective_rto_s)))
      ++missed;
    if (vm.objective_rpo_s &&
        (!vm.rpo_s || (vm.rpo_met ? !*vm.rpo_met : *vm.rpo_s > *vm.objective_rpo_s)))
      ++missed;
  }
  return missed;
}

void write_verdict(std::ostringstream& html, const Scenario& scenario, const Outcome& outcome) {
  const Summary& s = outcome.summary;
  const bool pass = exit_status(outcome) == 0;
  const int missed = missed_objectives(outcome);
  html << "<p class=\"verdict " << (pass ? "pass" : "fail") << "\" id=\"verdict\"><strong>"
       << (pass ? "\u2714 PASS" : "\u2718 FAIL") << "</strong> \u2014 ";
  if (pass) {
    html << "every recovery objective was met";
  } else {
    html << missed << " objective" << (missed == 1 ? "" : "s") << " missed";
    if (s.failed + s.lost > 0) html << ", " << s.failed + s.lost << " VM(s) not recovered";
  }
  html << ". " << s.recovered << " recovered, " << s.failed << " failed, " << s.lost << " lost, "
       << s.unaffected << " unaffected";
  if (s.rto_s) html << "; worst RTO " << esc(human_duration(*s.rto_s));
  if (s.rpo_s) html << ", worst RPO " << esc(human_duration(*s.rpo_s));
  html << ".";
  if (outcome.production_untouched) {
    html << "<br/>Production untouched by the test: "
         << (*outcome.production_untouched ? "<span class=\"pass\">\u2714 yes</span>"
                                           : "<span class=\"fail\">\u2718 NO</span>");
  }
  if (outcome.incident_time_s) {
    html << "<br/><span class=\"sub\">Incident (T) at "
         << esc(at_text(*outcome.incident_time_s, {})) << " of a "
         << esc(human_duration(outcome.end_s)) << " run (" << esc(drill_label(scenario))
         << (outcome.ended == RunEnd::settled ? "; ended when settled" : "") << ").</span>";
  }
  html << "</p>\n";
}

std::string notes_of(const VmResult& vm, const std::optional<double>& incident) {
  std::vector<std::string> notes;
  if (!vm.reason.empty()) notes.push_back(esc(vm.reason));
  if (!vm.readiness.empty()) notes.push_back(readiness_html(vm.readiness, incident));
  if (!vm.instance.empty() && vm.instance != vm.name) notes.push_back("as " + esc(vm.instance));
  if (!vm.network.empty() || !vm.ip.empty()) {
    notes.push_back("network " + or_dash(vm.network) + (vm.ip.empty() ? "" : ", IP " + esc(vm.ip)));
  }
  if (vm.rpo_from_data_s) {
    notes.push_back("RPO measured from the data: " +
                    esc(duration_with_seconds(*vm.rpo_from_data_s)));
  }
  if (vm.incidents.size() > 1) {
    std::string later = "later incidents:";
    for (std::size_t i = 1; i < vm.incidents.size(); ++i) {
      later += " " + esc(vm.incidents[i].cause) + " at " + esc(at_text(vm.incidents[i].at_s, {}));
    }
    notes.push_back(later);
  }
  std::string joined;
  for (const std::string& note : notes) joined += (joined.empty() ? "" : "; ") + note;
  return joined.empty() ? "\u2013" : joined;
}

void write_vm_table(std::ostringstream& html, const Outcome& outcome) {
  html << "<h2>Virtual machines</h2>\n<table id=\"vms\"><thead><tr><th>VM</th><th>Result</th>"
          "<th>Mechanism</th><th>Recovered on</th><th>Recovery point</th>"
          "<th>RTO</th><th>RTO objective</th><th>RTO verdict</th>"
          "<th>RPO</th><th>RPO objective</th><th>RPO "
          "verdict</th><th>Notes</th></tr></thead><tbody>\n";
  for (const VmResult& vm : outcome.vms) {
    const std::optional<double> incident = vm.incident_s ? vm.incident_s : outcome.incident_time_s;
    html << "<tr><td><strong>" << esc(vm.name) << "</strong></td>" << outcome_cell(vm) << "<td>"
         << esc(to_string(vm.mechanism)) << "</td><td>" << or_dash(vm.recovered_on) << "</td><td>"
         << (vm.recovery_point_s ? esc(at_text(*vm.recovery_point_s, incident)) : "\u2013")
         << "</td>" << duration_cell(vm.rto_s) << duration_cell(vm.objective_rto_s)
         << verdict_cell(vm, vm.rto_s, vm.objective_rto_s, vm.rto_met) << duration_cell(vm.rpo_s)
         << duration_cell(vm.objective_rpo_s)
         << verdict_cell(vm, vm.rpo_s, vm.objective_rpo_s, vm.rpo_met) << "<td>"
         << notes_of(vm, incident) << "</td></tr>\n";
  }
  html << "</tbody></table>\n";
}

void write_critical_paths(std::ostringstream& html, const Outcome& outcome) {
  bool any = false;
  for (const VmResult& vm : outcome.vms) any = any || !vm.critical_path.empty();
  if (!any) return;
  html << "<h2>Why each RTO</h2>\n<p class=\"note\">The chain of waits that made each VM's RTO "
          "(its critical path), in time order.</p>\n<table id=\"critical-paths\"><thead><tr>"
          "<th>VM</th><th>RTO</th><th>Critical path</th></tr></thead><tbody>\n";
  for (const VmResult& vm : outcome.vms) {
    if (vm.critical_path.empty()) continue;
    std::string chain;
    for (const CriticalStep& step : vm.critical_path) {
      if (!chain.empty()) chain += " \u2192 ";
      chain += esc(step.step);
      if (!step.vm.empty() && step.vm != vm.name) chain += " (" + esc(step.vm) + ")";
      chain += " " + esc(human_duration(step.seconds));
    }
    html << "<tr><td>" << esc(vm.name) << "</td>" << duration_cell(vm.rto_s) << "<td>" << chain
         << "</td></tr>\n";
  }
  html << "</tbody></table>\n";
}

std::string failback_notes(const FailbackResult& failback) {
  std::string notes = esc(failback.reason);
  if (failback.rpo_from_data_s) {
    notes += (notes.empty() ? "" : "; ") + std::string("RPO measured from the data: ") +
             esc(duration_with_seconds(*failback.rpo_from_data_s));
  }
  return notes.empty() ? "\u2013" : notes;
}

void write_failback(std::ostringstream& html, const Outcome& outcome) {
  bool any = false;
  for (const VmResult& vm : outcome.vms) any = any || vm.failback.has_value();
  if (!any) return;
  html << "<h2>Failback</h2>\n<table id=\"failback\"><thead><tr><th>VM</th><th>Result</th>"
          "<th>Start</th><th>End</th><th>RTO</th><th>RPO</th><th>Reason</th></tr></thead><tbody>\n";
  for (const VmResult& vm : outcome.vms) {
    if (!vm.failback) continue;
    const FailbackResult& f = *vm.failback;
    const bool ok = f.outcome == FailbackOutcome::recovered;
    html << "<tr><td>" << esc(vm.name) << "</td><td class=\"" << (ok ? "pass" : "fail") << "\">"
         << (ok ? "\u2714 " : "\u2718 ") << esc(to_string(f.outcome)) << "</td><td>"
         << esc(at_text(f.start_s, {})) << "</td><td>"
         << (f.end_s ? esc(at_text(*f.end_s, {})) : "\u2013") << "</td>" << duration_cell(f.rto_s)
         << duration_cell(f.rpo_s) << "<td>" << failback_notes(f) << "</td></tr>\n";
  }
  html << "</tbody></table>\n";
}

std::string difference_cell(const std::optional<double>& measured,
                            const std::optional<double>& predicted) {
  if (!measured || !predicted) return "<td class=\"num na\">\u2013</td>";
  const double delta = *measured - *predicted;
  std::string text =
      delta == 0 ? "0s" : (delta > 0 ? "+" : "\u2212") + human_duration(std::abs(delta));
  if (*predicted != 0) {
    text += std::string(" (") + (delta < 0 ? "\u2212" : "+") +
            fixed(std::abs(100.0 * delta / *predicted), 1) + "%)";
  }
  return "<td class=\"num\">" + esc(text) + "</td>";
}

void write_prediction(std::ostringstream& html, const Scenario& scenario, const Outcome& outcome,
                      const Outcome& predicted) {
  std::map<std::string, const VmResult*> guesses;
  for (const VmResult& vm : predicted.vms) guesses[vm.name] = &vm;
  html << "<h2>Measured against predicted</h2>\n<p class=\"note\">Measured: this run on real "
          "hosts. Predicted: the simulator's run of the same scenario and seed"
       << (scenario.calibration ? ", calibrated with " + esc(scenario.calibration->file) +
                                      " (its values in place "
                                      "of the plan's)"
                                : std::string(", uncalibrated (the plan's own values)"))
       << ". A difference is a fact about the world (the engine's decisions are the same "
          "code).</p>\n"
          "<table id=\"prediction\"><thead><tr><th>VM</th><th>Measured result</th><th>Predicted "
          "result</th><th>Measured RTO</th><th>Predicted RTO</th><th>Difference</th><th>Measured "
          "RPO</th><th>Predicted RPO</th><th>Difference</th><th>RPO from data</th></tr></thead>"
          "<tbody>\n";
  for (const VmResult& vm : outcome.vms) {
    const auto found = guesses.find(vm.name);
    const VmResult* guess = found == guesses.end() ? nullptr : found->second;
    const std::optional<double> none;
    html << "<tr><td>" << esc(vm.name) << "</td><td>" << esc(to_string(vm.outcome)) << "</td><td>"
         << (guess ? esc(to_string(guess->outcome)) : "\u2013") << "</td>"
         << duration_cell(vm.rto_s) << duration_cell(guess ? guess->rto_s : none)
         << difference_cell(vm.rto_s, guess ? guess->rto_s : none) << duration_cell(vm.rpo_s)
         << duration_cell(guess ? guess->rpo_s : none)
         << difference_cell(vm.rpo_s, guess ? guess->rpo_s : none)
         << duration_cell(vm.rpo_from_data_s) << "</tr>\n";
  }
  html << "</tbody></table>\n";
}

void write_replication(std::ostringstream& html, const Outcome& outcome) {
  const Summary& s = outcome.summary;
  if (outcome.transfers.empty() && s.transfers_completed == 0) return;
  html << "<h2>Replication</h2>\n<p>" << s.transfers_completed << " transfer(s) completed, "
       << s.transfers_lost << " lost, " << s.ticks_skipped
       << " tick(s) skipped because the previous cycle was still in flight.</p>\n";
  html << shipped_bytes_html(outcome);
  std::size_t lost = 0;
  for (const TransferRecord& t : outcome.transfers) lost += t.result == TransferResult::lost;
  if (lost == 0) return;
  html << "<table id=\"lost-transfers\"><thead><tr><th>VM</th><th>Job</th><th>Kind</th><th>As of"
          "</th><th>Started</th><th>Bytes</th><th>Route</th></tr></thead><tbody>\n";
  for (const TransferRecord& t : outcome.transfers) {
    if (t.result != TransferResult::lost) continue;
    html << "<tr><td>" << esc(t.vm) << "</td><td>" << or_dash(t.job) << "</td><td>"
         << esc(to_string(t.kind)) << "</td><td>"
         << esc(at_text(t.as_of_s, outcome.incident_time_s)) << "</td><td>"
         << esc(at_text(t.start_s, outcome.incident_time_s)) << "</td><td class=\"num\">"
         << esc(human_size(t.bytes)) << "</td><td>" << or_dash(t.source_host) << " \u2192 "
         << or_dash(t.target_host) << "</td></tr>\n";
  }
  html << "</tbody></table>\n";
}

void write_plan(std::ostringstream& html, const Scenario& scenario) {
  const Plan& plan = scenario.plan;
  html << "<h2>The plan: " << esc(plan.name) << "</h2>\n";
  html << "<figure id=\"topology\">" << topology_svg(plan)
       << "<figcaption>Sites, hosts and the VMs on them (solid); replicas waiting on target hosts "
          "(dashed); replication jobs (dashed arrows) and links between sites.</figcaption>"
          "</figure>\n";
  html << "<figure id=\"start-order\">" << start_order_svg(plan)
       << "<figcaption>Start order: a VM boots once every VM it depends on (arrows) is ready and "
          "every lower priority group is done; VMs in one wave may boot in parallel."
          "</figcaption></figure>\n";
  const Recovery& r = plan.recovery;
  std::string mapping, re_ip;
  for (const auto& [from, to] : r.network_mapping) {
    mapping += (mapping.empty() ? "" : ", ") + from + " \u2192 " + to;
  }
  for (const ReIpRule& rule : r.re_ip)
    re_ip += (re_ip.empty() ? "" : ", ") + rule.from + " \u2192 " + rule.to;
  html << "<table id=\"recovery-settings\"><tbody>"
       << "<tr><th>Target site</th><td>" << or_dash(r.target_site) << "</td>"
       << "<th>Detection</th><td>" << esc(describe_duration(r.detection)) << "</td>"
       << "<th>Operator delay</th><td>" << esc(describe_duration(r.operator_delay)) << "</td></tr>"
       << "<tr><th>Network mapping</th><td>" << or_dash(mapping) << "</td><th>Re-IP</th><td>"
       << or_dash(re_ip) << "</td><th>Test network</th><td>" << or_dash(r.test_network)
       << "</td></tr><tr><th>Power off source</th><td>" << (r.power_off_source ? "yes" : "no")
       << "</td><th>Max concurrent boots</th><td>"
       << (r.max_concurrent_boots > 0 ? std::to_string(r.max_concurrent_boots) : "no cap")
       << "</td><th>Replication jobs</th><td>";
  std::string jobs;
  for (const ReplicationJob& job : plan.replication) {
    jobs += (jobs.empty() ? "" : "; ") + job.name + " \u2192 " + job.target_host + " every " +
            human_duration(job.interval_s) + ", keeps " + std::to_string(job.retention.points) +
            " points";
  }
  html << or_dash(jobs) << "</td></tr></tbody></table>\n";
}

// Why the run ended when it did, for the evidence list.
std::string ended_text(const Scenario& scenario, const Outcome& outcome) {
  if (outcome.ended == RunEnd::settled) {
    return "settled at " + duration_with_seconds(outcome.end_s) +
           " (--end-when-settled: every scripted event had fired and every operation had "
           "finished; the scenario's duration of " +
           duration_with_seconds(scenario.duration_s) + " was the deadline)";
  }
  if (outcome.ended == RunEnd::duration) return "at the scenario's duration";
  return to_string(outcome.ended);
}

// `run --calibration`: the file and each value it set, or that the plan's values stood.
std::string calibration_text(const Scenario& scenario) {
  if (!scenario.calibration) return "none: the plan's own values";
  const CalibrationUsed& used = *scenario.calibration;
  std::string text = esc(used.file) + " (SHA-256 <span class=\"mono\">" + esc(used.sha256) +
                     "</span>), fitted from real runs of " + esc(used.plan) + ":";
  for (const std::string& value : used.overrides) {
    text += "<br/><span class=\"mono\">" + esc(value) + "</span>";
  }
  return text;
}

void write_evidence(std::ostringstream& html, const Scenario& scenario, const Outcome& outcome,
                    const RunContext& context) {
  html << "<h2>Evidence</h2>\n<dl class=\"evidence\" id=\"evidence\">"
       << "<dt>Tool</dt><dd>firedrill " << esc(FIREDRILL_VERSION) << "</dd>"
       << "<dt>Backend</dt><dd>" << esc(context.backend)
       << (context.backend == "sim" ? " (SimGrid simulation)" : " (real hosts)") << "</dd>"
       << "<dt>Scenario</dt><dd>" << esc(scenario.name) << (scenario.file.empty() ? "" : " (")
       << esc(scenario.file) << (scenario.file.empty() ? "" : ")") << "</dd>"
       << "<dt>Seed</dt><dd>" << scenario.seed << "</dd>"
       << "<dt>Scenario SHA-256</dt><dd class=\"mono\">" << or_dash(scenario.input_sha256)
       << "</dd>"
       << "<dt>Wall-clock start</dt><dd>"
       << (context.started_utc.empty() ? "not recorded" : esc(context.started_utc)) << "</dd>"
       << "<dt>Wall-clock end</dt><dd>"
       << (context.ended_utc.empty() ? "not recorded" : esc(context.ended_utc)) << "</dd>"
       << "<dt>Run length</dt><dd>" << esc(duration_with_seconds(outcome.end_s))
       << (context.backend == "sim" ? " of simulated time" : "") << "</dd>"
       << "<dt>Run ended</dt><dd id=\"ended\">" << esc(ended_text(scenario, outcome)) << "</dd>"
       << "<dt>Calibration</dt><dd id=\"calibration\">" << calibration_text(scenario) << "</dd>"
       << "<dt>Reproduce</dt><dd class=\"mono\">firedrill run "
       << esc(scenario.file.empty() ? scenario.name : scenario.file) << " --backend "
       << esc(context.backend) << " --seed " << scenario.seed
       << (scenario.calibration ? " --calibration " + esc(scenario.calibration->file) : "")
       << "</dd></dl>\n";
  html << "<h3>Input files</h3>\n<table id=\"input-files\"><thead><tr><th>File</th><th>SHA-256"
          "</th></tr></thead><tbody>\n";
  if (scenario.input_files.empty())
    html << "<tr><td colspan=\"2\" class=\"na\">none recorded</td></tr>\n";
  for (const auto& [path, sha256] : scenario.input_files) {
    html << "<tr><td>" << esc(path) << "</td><td class=\"mono\">" << esc(sha256) << "</td></tr>\n";
  }
  html << "</tbody></table>\n";
  // Host URIs: the plan's, overridden by what the backend reports it used.
  std::map<std::string, std::string> uris;
  std::vector<std::string> order;
  for (const Site& site : scenario.plan.sites) {
    for (const Host& host : site.hosts) {
      if (host.libvirt_uri.empty()) continue;
      if (uris.emplace(host.name, host.libvirt_uri).second) order.push_back(host.name);
    }
  }
  for (const auto& [host, uri] : context.host_uris) {
    if (uris.count(host) == 0) order.push_back(host);
    uris[host] = uri;
  }
  html << "<h3>Host URIs</h3>\n";
  if (order.empty()) {
    html << "<p class=\"na\">None: "
         << (context.backend == "sim" ? "a simulated run touches no host." : "no URI recorded.")
         << "</p>\n";
  } else {
    html << "<table id=\"host-uris\"><thead><tr><th>Host</th><th>URI (credentials redacted)</th>"
            "</tr></thead><tbody>\n";
    for (const std::string& host : order) {
      html << "<tr><td>" << esc(host) << "</td><td class=\"mono\">" << esc(redact_uri(uris[host]))
           << "</td></tr>\n";
    }
    html << "</tbody></table>\n";
  }
}

}  // namespace

std::string render_report_html(const Scenario& scenario, const Outcome& outcome,
                               const RunContext& context) {
  std::ostringstream html;
  const bool pass = exit_status(outcome) == 0;
  html << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
       << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
       << "<meta name=\"generator\" content=\"firedrill " << esc(FIREDRILL_VERSION) << "\"/>\n"
       << "<title>" << (pass ? "PASS" : "FAIL") << " \u2014 " << esc(scenario.name)
       << " \u2014 firedrill report</title>\n<style>" << report_css()
       << "</style>\n</head>\n<body>\n";
  html << "<h1>DR drill report: " << esc(scenario.name) << "</h1>\n<p class=\"sub\">plan <strong>"
       << esc(scenario.plan.name) << "</strong> \u00B7 " << esc(drill_label(scenario))
       << " \u00B7 backend " << esc(context.backend) << " \u00B7 seed " << scenario.seed
       << "</p>\n";
  write_verdict(html, scenario, outcome);
  write_vm_table(html, outcome);
  html << "<h2>Timeline</h2>\n<figure id=\"timeline\">" << timeline_svg(scenario, outcome)
       << "<figcaption>Times are from the start of the run. Hover a shape for its exact times."
       << "</figcaption></figure>\n"
       << timeline_legend_html() << "\n";
  write_critical_paths(html, outcome);
  write_failback(html, outcome);
  if (context.prediction) write_prediction(html, scenario, outcome, *context.prediction);
  write_replication(html, outcome);
  write_plan(html, scenario);
  write_evidence(html, scenario, outcome, context);
  html << "<p class=\"note\">Generated by firedrill " << esc(FIREDRILL_VERSION)
       << ". The machine-readable results are in report.json next to this file.</p>\n"
       << "</body>\n</html>\n";
  return html.str();
}

}  // namespace firedrill::reports
