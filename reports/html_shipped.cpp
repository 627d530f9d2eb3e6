// report.html: what a real run's replication cycles shipped beside what the engine
// modelled for them (SPEC 8), per VM. The gap is what `firedrill calibrate` fits change
// rates from: a whole-disk copy ships the disk however little changed.
#include <map>
#include <sstream>

#include "reports/html_parts.hpp"
#include "reports/report_transfers.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {
namespace {

// "×1.25" shipped over modelled, "—" when the model moved nothing.
std::string ratio_text(const ShippedBytes& totals) {
  if (totals.modelled_B <= 0.0) return "\u2014";
  return "\u00d7" + fixed(totals.shipped_B / totals.modelled_B, 2);
}

}  // namespace

std::string shipped_bytes_html(const Outcome& outcome) {
  std::vector<std::string> order;  // VMs in the order of their first measured transfer
  std::map<std::string, ShippedBytes> by_vm;
  for (const TransferRecord& transfer : outcome.transfers) {
    if (!transfer.shipped_B) continue;
    auto [found, added] = by_vm.try_emplace(transfer.vm);
    if (added) order.push_back(transfer.vm);
    found->second.add(transfer);
  }
  if (order.empty()) return "";
  std::ostringstream html;
  html << "<table id=\"shipped-bytes\"><caption>Bytes the engine modelled (change rate \u00d7 "
          "time since the previous point) and bytes really shipped, over the completed "
          "transfers of the run</caption><thead><tr><th>VM</th><th>Transfers</th><th>Modelled"
          "</th><th>Shipped</th><th>Shipped / modelled</th></tr></thead><tbody>\n";
  for (const std::string& vm : order) {
    const ShippedBytes& totals = by_vm.at(vm);
    html << "<tr><td>" << xml_escape(vm) << "</td><td class=\"num\">" << totals.transfers
         << "</td><td class=\"num\">" << xml_escape(human_size(totals.modelled_B))
         << "</td><td class=\"num\">" << xml_escape(human_size(totals.shipped_B))
         << "</td><td class=\"num\">" << xml_escape(ratio_text(totals)) << "</td></tr>\n";
  }
  html << "</tbody></table>\n";
  return html.str();
}

}  // namespace firedrill::reports
