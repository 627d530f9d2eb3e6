// The plan drawings of report.html: the topology (sites side by side, their hosts, the
// VMs on each host and the replicas each target host holds, links and replication jobs)
// and the start order (VMs in waves left to right, arrows from dependency to dependent).
#include <algorithm>
#include <map>
#include <set>

#include "reports/html_parts.hpp"
#include "reports/svg.hpp"
#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

constexpr double kSiteGap = 40.0;
constexpr double kSiteWidth = 300.0;
constexpr double kPillHeight = 20.0;
constexpr int kPillsPerRow = 3;
constexpr std::size_t kMaxOrderNodes = 150;

std::string arrow_marker(const std::string& id) {
  return "<defs><marker id=\"" + id +
         "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" "
         "orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10Z\" class=\"arrowhead\"/>"
         "</marker></defs>";
}

std::string human_rate(double bytes_per_second) {
  const double bits = bytes_per_second * 8.0;
  constexpr const char* kUnits[] = {"bps", "kbps", "Mbps", "Gbps", "Tbps"};
  double value = bits;
  int unit = 0;
  while (value >= 1000.0 && unit < 4) {
    value /= 1000.0;
    ++unit;
  }
  std::string text = fixed(value, value < 10 ? 1 : 0);
  if (text.size() > 2 && text.substr(text.size() - 2) == ".0") text.resize(text.size() - 2);
  return text + kUnits[unit];
}

struct HostBox {
  double x = 0, y = 0, width = 0, height = 0;
};

}  // namespace

std::string describe_duration(const DurationSpec& spec) {
  switch (spec.kind) {
    case DurationSpec::Kind::fixed:
      return human_duration(spec.a_s);
    case DurationSpec::Kind::normal:
      return "normal(mean " + human_duration(spec.a_s) + ", sd " + human_duration(spec.b_s) + ")";
    case DurationSpec::Kind::uniform:
      return "uniform(" + human_duration(spec.a_s) + " to " + human_duration(spec.b_s) + ")";
    case DurationSpec::Kind::lognormal:
      return "lognormal(mean " + human_duration(spec.a_s) + ", sd " + human_duration(spec.b_s) +
             ")";
    case DurationSpec::Kind::exponential:
      return "exponential(mean " + human_duration(spec.a_s) + ")";
  }
  return "?";
}

std::string topology_svg(const Plan& plan) {
  // Who lives where: VMs by host, replicas by target host.
  std::map<std::string, std::vector<std::string>> vms_on, replicas_on;
  for (const Vm& vm : plan.vms) vms_on[vm.host].push_back(vm.name);
  for (const ReplicationJob& job : plan.replication) {
    for (const std::string& vm : job.vms) replicas_on[job.target_host].push_back(vm);
  }
  auto pill_rows = [](std::size_t count) {
    return static_cast<double>((count + kPillsPerRow - 1) / kPillsPerRow);
  };
  // Lay the sites out side by side, hosts stacked inside.
  std::map<std::string, HostBox> boxes;
  std::map<std::string, std::pair<double, double>> site_span;  // x centre, bottom
  double tallest = 0;
  const double site_top = 10;
  for (std::size_t s = 0; s < plan.sites.size(); ++s) {
    const Site& site = plan.sites[s];
    const double x = 10 + static_cast<double>(s) * (kSiteWidth + kSiteGap);
    double y = site_top + 30;
    for (const Host& host : site.hosts) {
      const double rows =
          pill_rows(vms_on[host.name].size()) + pill_rows(replicas_on[host.name].size());
      const double height = 28 + rows * (kPillHeight + 4) + 6;
      boxes[host.name] = {x + 10, y, kSiteWidth - 20, height};
      y += height + 10;
    }
    site_span[site.name] = {x + kSiteWidth / 2, y};
    tallest = std::max(tallest, y);
  }
  const double links_top = tallest + 14;
  const double height = links_top + 22.0 * static_cast<double>(plan.links.size()) + 10;
  const double width = std::max(
      20 + static_cast<double>(plan.sites.size()) * (kSiteWidth + kSiteGap) - kSiteGap, 400.0);
  Svg svg(width, height, "Plan topology: sites, hosts, VMs, links and replication");
  svg.raw(arrow_marker("fd-arrow-topology"));

  for (std::size_t s = 0; s < plan.sites.size(); ++s) {
    const Site& site = plan.sites[s];
    const double x = 10 + static_cast<double>(s) * (kSiteWidth + kSiteGap);
    svg.rect(x, site_top, kSiteWidth, tallest - site_top, "site", "site " + site.name, 6);
    svg.text(x + 10, site_top + 20, "site " + site.name, "site-label");
    for (const Host& host : site.hosts) {
      const HostBox& box = boxes[host.name];
      std::string tooltip = "host " + host.name + ": " + std::to_string(host.cores) + " cores, " +
                            human_size(host.memory_B) + " memory";
      if (!host.libvirt_uri.empty()) tooltip += ", " + redact_uri(host.libvirt_uri);
      svg.rect(box.x, box.y, box.width, box.height, "host", tooltip, 4);
      svg.text(box.x + 8, box.y + 17,
               host.name + "  \u00B7  " + std::to_string(host.cores) + " cores \u00B7 " +
                   human_size(host.memory_B),
               "host-label");
      double pill_y = box.y + 26;
      auto draw_pills = [&](const std::vector<std::string>& names, const char* css,
                            const char* what) {
        const double pill_width = (box.width - 16 - 8.0 * (kPillsPerRow - 1)) / kPillsPerRow;
        for (std::size_t i = 0; i < names.size(); ++i) {
          const double px = box.x + 8 + static_cast<double>(i % kPillsPerRow) * (pill_width + 8);
          const double py = pill_y + static_cast<double>(i / kPillsPerRow) * (kPillHeight + 4);
          svg.rect(px, py, pill_width, kPillHeight, css, std::string(what) + " " + names[i], 9);
          std::string label = names[i];
          const std::size_t fit = static_cast<std::size_t>(pill_width / 6.6);
          if (label.size() > fit && fit > 2) label = label.substr(0, fit - 1) + "\u2026";
          svg.text(px + pill_width / 2, py + 14, label, "pill-label", "middle");
        }
        pill_y += pill_rows(names.size()) * (kPillHeight + 4);
      };
      draw_pills(vms_on[host.name], "vm", "VM");
      draw_pills(replicas_on[host.name], "replica", "replica of VM");
    }
  }
  // Replication jobs: a dashed arrow from each source host to the target host.
  std::set<std::pair<std::string, std::string>> drawn;
  for (const ReplicationJob& job : plan.replication) {
    const auto target = boxes.find(job.target_host);
    if (target == boxes.end()) continue;
    for (const std::string& vm_name : job.vms) {
      std::string source_host;
      for (const Vm& vm : plan.vms) {
        if (vm.name == vm_name) source_host = vm.host;
      }
      const auto source = boxes.find(source_host);
      if (source == boxes.end() || !drawn.insert({source_host, job.target_host}).second) continue;
      const HostBox& a = source->second;
      const HostBox& b = target->second;
      const bool rightwards = b.x > a.x;
      const double x1 = rightwards ? a.x + a.width : a.x;
      const double x2 = rightwards ? b.x : b.x + b.width;
      const double y1 = a.y + 14, y2 = b.y + 14;
      const std::string d = "M" + coordinate(x1) + " " + coordinate(y1) + "C" +
                            coordinate((x1 + x2) / 2) + " " + coordinate(y1) + " " +
                            coordinate((x1 + x2) / 2) + " " + coordinate(y2) + " " +
                            coordinate(x2) + " " + coordinate(y2);
      svg.raw("<path d=\"" + d +
              "\" class=\"replication\" marker-end=\"url(#fd-arrow-topology)\"><title>" +
              xml_escape("replication " + job.name + ": " + source_host + " to " + job.target_host +
                         " every " + human_duration(job.interval_s)) +
              "</title></path>");
      svg.text((x1 + x2) / 2, std::min(y1, y2) - 4,
               job.name + " every " + human_duration(job.interval_s), "edge-label", "middle");
    }
  }
  // Links between sites, one band each under the sites.
  for (std::size_t i = 0; i < plan.links.size(); ++i) {
    const Link& link = plan.links[i];
    const auto a = site_span.find(link.between[0]);
    const auto b = site_span.find(link.between[1]);
    if (a == site_span.end() || b == site_span.end()) continue;
    const double y = links_top + 22.0 * static_cast<double>(i);
    const double x1 = std::min(a->second.first, b->second.first);
    const double x2 = std::max(a->second.first, b->second.first);
    std::string label = "link " + link.name + ": " + human_rate(link.bandwidth_Bps) + ", " +
                        human_duration(link.latency_s) + " latency";
    if (link.max_concurrent_transfers > 0) {
      label += ", at most " + std::to_string(link.max_concurrent_transfers) + " transfers at once";
    }
    svg.line(x1, y, x2, y, "link", label);
    svg.circle(x1, y, 3, "link-end");
    svg.circle(x2, y, 3, "link-end");
    svg.text((x1 + x2) / 2, y - 4, label, "edge-label", "middle");
  }
  return svg.str();
}

std::string start_order_svg(const Plan& plan) {
  const std::size_t count = std::min(plan.vms.size(), kMaxOrderNodes);
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < count; ++i) index[plan.vms[i].name] = i;
  // Wave of each VM: after all its dependencies and after every VM of a lower priority.
  // Bounded relaxation (a validated plan has no cycles; a bad one still terminates).
  std::vector<int> wave(count, 0);
  for (std::size_t round = 0; round <= count; ++round) {
    bool changed = false;
    for (std::size_t i = 0; i < count; ++i) {
      int w = 0;
      for (const std::string& dep : plan.vms[i].depends_on) {
        const auto found = index.find(dep);
        if (found != index.end()) w = std::max(w, wave[found->second] + 1);
      }
      for (std::size_t j = 0; j < count; ++j) {
        if (plan.vms[j].priority < plan.vms[i].priority) w = std::max(w, wave[j] + 1);
      }
      if (w != wave[i]) {
        wave[i] = w;
        changed = true;
      }
    }
    if (!changed) break;
  }
  constexpr double kNodeWidth = 150, kNodeHeight = 40, kColumn = 200, kRow = 54, kTop = 30;
  std::map<int, int> filled;
  std::vector<std::pair<double, double>> position(count);
  int max_wave = 0, max_rows = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const int row = filled[wave[i]]++;
    position[i] = {20 + wave[i] * kColumn, kTop + row * kRow};
    max_wave = std::max(max_wave, wave[i]);
    max_rows = std::max(max_rows, row + 1);
  }
  const double width = std::max(40 + max_wave * kColumn + kNodeWidth, 400.0);
  const double height = kTop + max_rows * kRow + 10;
  Svg svg(width, height, "Start order: VMs in boot waves, arrows from dependency to dependent");
  svg.raw(arrow_marker("fd-arrow-order"));
  for (int w = 0; w <= max_wave && count > 0; ++w) {
    svg.text(20 + w * kColumn + kNodeWidth / 2, 16, "wave " + std::to_string(w + 1), "axis",
             "middle");
  }
  for (std::size_t i = 0; i < count; ++i) {
    for (const std::string& dep : plan.vms[i].depends_on) {
      const auto found = index.find(dep);
      if (found == index.end()) continue;
      const auto [x1, y1] = position[found->second];
      const auto [x2, y2] = position[i];
      const double sx = x1 + kNodeWidth, sy = y1 + kNodeHeight / 2, tx = x2 - 2,
                   ty = y2 + kNodeHeight / 2;
      const std::string d = "M" + coordinate(sx) + " " + coordinate(sy) + "C" +
                            coordinate((sx + tx) / 2) + " " + coordinate(sy) + " " +
                            coordinate((sx + tx) / 2) + " " + coordinate(ty) + " " +
                            coordinate(tx) + " " + coordinate(ty);
      svg.raw("<path d=\"" + d + "\" class=\"dependency\" marker-end=\"url(#fd-arrow-order)\">" +
              "<title>" + xml_escape(plan.vms[i].name + " depends on " + dep) + "</title></path>");
    }
  }
  for (std::size_t i = 0; i < count; ++i) {
    const Vm& vm = plan.vms[i];
    const auto [x, y] = position[i];
    svg.rect(x, y, kNodeWidth, kNodeHeight, "order-node",
             vm.name + " on " + vm.host + ", priority " + std::to_string(vm.priority) + ", boot " +
                 describe_duration(vm.boot_time),
             6);
    svg.text(x + 8, y + 16, vm.name, "node-label");
    svg.text(x + 8, y + 32,
             "p" + std::to_string(vm.priority) + " \u00B7 boot " + describe_duration(vm.boot_time),
             "node-sub");
  }
  std::string result = svg.str();
  if (plan.vms.size() > kMaxOrderNodes) {
    result += "<p class=\"note\">Showing the first " + std::to_string(kMaxOrderNodes) + " of " +
              std::to_string(plan.vms.size()) + " VMs.</p>";
  }
  return result;
}

}  // namespace firedrill::reports
