// Effective bandwidth per link (fits.hpp): the bytes completed transfers really shipped
// over the plan link, divided by the seconds the link was busy. Transfers that ran at the
// same time shared the link, so busy time is the union of their [start, end] intervals, not
// the sum. Seeds count (they crossed the same link) but run before the run's clock starts,
// on another clock, so each run's seeds and its cycles are two separate unions.
#include <cmath>
#include <map>
#include <set>

#include "real/calibrate/fits.hpp"

namespace firedrill::calibrate {

namespace {

using json = nlohmann::ordered_json;

struct LinkTransfers {
  double bytes_B = 0;
  double busy_s = 0;
  std::size_t transfers = 0;
  std::size_t seeds = 0;
  std::size_t failed = 0;
  std::set<std::string> runs;
};

using Intervals = std::vector<std::pair<double, double>>;

// One run's transfers into `links`; what the evidence could not attribute goes to notes.
void add_run(const RunEvidence& run, std::map<std::string, LinkTransfers>& links,
             std::vector<std::string>& notes) {
  std::map<std::pair<std::string, bool>, Intervals> busy;  // (link, seed) -> intervals
  std::size_t unnamed = 0;
  for (const TransferSample& transfer : run.transfers) {
    if (!transfer.has_link_field) {
      ++unnamed;
      continue;
    }
    if (!transfer.link) continue;  // same site: no link crossed
    LinkTransfers& link = links[*transfer.link];
    if (!transfer.ok) {
      ++link.failed;
      continue;
    }
    link.bytes_B += transfer.bytes_B;
    ++link.transfers;
    if (transfer.seed) ++link.seeds;
    link.runs.insert(run.dir);
    busy[{*transfer.link, transfer.seed}].push_back({transfer.start_s, transfer.end_s});
  }
  for (const auto& [key, intervals] : busy) links[key.first].busy_s += union_seconds(intervals);
  if (unnamed) {
    notes.push_back(run.dir + ": " + std::to_string(unnamed) +
                    " transfers name no link (evidence older than the \"link\" field); no "
                    "bandwidth counts them");
  }
}

Fitted link_fit(const std::string& name, const LinkTransfers& link) {
  Fitted fitted;
  fitted.path = element_path("links", name, "bandwidth");
  fitted.value = rate_text_Bps(link.bytes_B / link.busy_s);
  fitted.fit = {{"path", fitted.path},
                {"method",
                 "bytes shipped by completed transfers over the link / seconds it was busy "
                 "(the union of the transfers' [start, end]; seeds and cycles on their own "
                 "clocks)"},
                {"bytes", std::llround(link.bytes_B)},
                {"busy_s", round_micro(link.busy_s)},
                {"transfers", link.transfers},
                {"seeds", link.seeds},
                {"failed_transfers", link.failed},
                {"runs", link.runs.size()}};
  fitted.summary = "from " + std::to_string(link.transfers) + " transfers in " +
                   std::to_string(link.runs.size()) + (link.runs.size() == 1 ? " run" : " runs");
  return fitted;
}

}  // namespace

void fit_link_bandwidths(const std::vector<RunEvidence>& runs, Fits& fits) {
  std::map<std::string, LinkTransfers> links;
  for (const RunEvidence& run : runs) add_run(run, links, fits.notes);
  for (const auto& [name, link] : links) {
    const std::string path = element_path("links", name, "bandwidth");
    if (link.transfers == 0) {
      fits.not_fitted.push_back({path, "no transfer over " + name + " completed (" +
                                           std::to_string(link.failed) + " failed)"});
    } else if (!(link.busy_s > 0) || !(link.bytes_B > 0)) {
      fits.not_fitted.push_back(
          {path, "the transfers over " + name + " shipped no bytes or took no measurable time"});
    } else {
      fits.fitted.push_back(link_fit(name, link));
    }
  }
}

}  // namespace firedrill::calibrate
