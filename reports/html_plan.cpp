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
         "\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
         "markerHeight=\"7\" "
         "orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10Z\" "
         "class=\"arrowhead\"/>"
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

// A cubic curve from (x1, y1) to (x2, y2) leaving and arriving horizontally.
std::string horizontal_curve(double x1, double y1, double x2, double y2) {
  return "M" + coordinate(x1) + " " + coordinate(y1) + "C" + coordinate((x1 + x2) / 2) + " " +
         coordinate(y1) + " " + coordinate((x1 + x2) / 2) + " " + coordinate(y2) + " " +
         coordinate(x2) + " " + coordinate(y2);
}

// ---- topology ----

using NamesByHost = std::map<std::string, std::vector<std::string>>;

// Who lives where: VMs by host, replicas by target host.
struct HostContents {
  NamesByHost vms_on, replicas_on;
};

HostContents host_contents(const Plan& plan) {
  HostContents contents;
  for (const Vm& vm : plan.vms) contents.vms_on[vm.host].push_back(vm.name);
  for (const ReplicationJob& job : plan.replication) {
    for (const std::string& vm : job.vms) contents.replicas_on[job.target_host].push_back(vm);
  }
  return contents;
}

const std::vector<std::string>& names_on(const NamesByHost& names, const std::string& host) {
  static const std::vector<std::string> kNone;
  const auto found = names.find(host);
  return found == names.end() ? kNone : found->second;
}

double pill_rows(std::size_t count) {
  return static_cast<double>((count + kPillsPerRow - 1) / kPillsPerRow);
}

constexpr double kSiteTop = 10;

double site_x(std::size_t site_index) {
  return 10 + static_cast<double>(site_index) * (kSiteWidth + kSiteGap);
}

// Sites side by side, hosts stacked inside, one band per link under them.
struct TopologyLayout {
  std::map<std::string, HostBox> boxes;                        // by host
  std::map<std::string, std::pair<double, double>> site_span;  // by site: x centre, bottom
  double tallest = 0;                                          // the bottom of the tallest site
  double links_top = 0, width = 0, height = 0;
};

TopologyLayout lay_out_topology(const Plan& plan, const HostContents& contents) {
  TopologyLayout layout;
  for (std::size_t s = 0; s < plan.sites.size(); ++s) {
    const Site& site = plan.sites[s];
    const double x = site_x(s);
    double y = kSiteTop + 30;
    for (const Host& host : site.hosts) {
      const double rows = pill_rows(names_on(contents.vms_on, host.name).size()) +
                          pill_rows(names_on(contents.replicas_on, host.name).size());
      const double height = 28 + rows * (kPillHeight + 4) + 6;
      layout.boxes[host.name] = {x + 10, y, kSiteWidth - 20, height};
      y += height + 10;
    }
    layout.site_span[site.name] = {x + kSiteWidth / 2, y};
    layout.tallest = std::max(layout.tallest, y);
  }
  layout.links_top = layout.tallest + 14;
  layout.height = layout.links_top + 22.0 * static_cast<double>(plan.links.size()) + 10;
  layout.width = std::max(
      20 + static_cast<double>(plan.sites.size()) * (kSiteWidth + kSiteGap) - kSiteGap, 400.0);
  return layout;
}

// One pill per name, kPillsPerRow a row, from `top`; returns the y below the last row.
double draw_pills(Svg& svg, const HostBox& box, double top, const std::vector<std::string>& names,
                  const char* css, const char* what) {
  const double pill_width = (box.width - 16 - 8.0 * (kPillsPerRow - 1)) / kPillsPerRow;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const double px = box.x + 8 + static_cast<double>(i % kPillsPerRow) * (pill_width + 8);
    const double py = top + static_cast<double>(i / kPillsPerRow) * (kPillHeight + 4);
    svg.rect(px, py, pill_width, kPillHeight, css, std::string(what) + " " + names[i], 9);
    std::string label = names[i];
    const std::size_t fit = static_cast<std::size_t>(pill_width / 6.6);
    if (label.size() > fit && fit > 2) label = label.substr(0, fit - 1) + "\u2026";
    svg.text(px + pill_width / 2, py + 14, label, "pill-label", "middle");
  }
  return top + pill_rows(names.size()) * (kPillHeight + 4);
}

void draw_host(Svg& svg, const Host& host, const HostBox& box, const HostContents& contents) {
  std::string tooltip = "host " + host.name + ": " + std::to_string(host.cores) + " cores, " +
                        human_size(host.memory_B) + " memory";
  if (!host.libvirt_uri.empty()) tooltip += ", " + redact_uri(host.libvirt_uri);
  svg.rect(box.x, box.y, box.width, box.height, "host", tooltip, 4);
  svg.text(box.x + 8, box.y + 17,
           host.name + "  \u00B7  " + std::to_string(host.cores) + " cores \u00B7 " +
               human_size(host.memory_B),
           "host-label");
  const double replicas_top =
      draw_pills(svg, box, box.y + 26, names_on(contents.vms_on, host.name), "vm", "VM");
  draw_pills(svg, box, replicas_top, names_on(contents.replicas_on, host.name), "replica",
             "replica of VM");
}

void draw_sites(Svg& svg, const Plan& plan, const TopologyLayout& layout,
                const HostContents& contents) {
  for (std::size_t s = 0; s < plan.sites.size(); ++s) {
    const Site& site = plan.sites[s];
    const double x = site_x(s);
    svg.rect(x, kSiteTop, kSiteWidth, layout.tallest - kSiteTop, "site", "site " + site.name, 6);
    svg.text(x + 10, kSiteTop + 20, "site " + site.name, "site-label");
    for (const Host& host : site.hosts) draw_host(svg, host, layout.boxes.at(host.name), contents);
  }
}

// The host of the last VM of that name ("" for none).
std::string host_of_vm(const Plan& plan, const std::string& vm_name) {
  std::string host;
  for (const Vm& vm : plan.vms) {
    if (vm.name == vm_name) host = vm.host;
  }
  return host;
}

// Replication jobs: a dashed arrow from each source host to the target host, once per pair.
void draw_replication(Svg& svg, const Plan& plan, const std::map<std::string, HostBox>& boxes) {
  std::set<std::pair<std::string, std::string>> drawn;
  for (const ReplicationJob& job : plan.replication) {
    const auto target = boxes.find(job.target_host);
    if (target == boxes.end()) continue;
    for (const std::string& vm_name : job.vms) {
      const std::string source_host = host_of_vm(plan, vm_name);
      const auto source = boxes.find(source_host);
      if (source == boxes.end() || !drawn.insert({source_host, job.target_host}).second) continue;
      const HostBox& a = source->second;
      const HostBox& b = target->second;
      const bool rightwards = b.x > a.x;
      const double x1 = rightwards ? a.x + a.width : a.x;
      const double x2 = rightwards ? b.x : b.x + b.width;
      const double y1 = a.y + 14, y2 = b.y + 14;
      svg.raw("<path d=\"" + horizontal_curve(x1, y1, x2, y2) +
              "\" class=\"replication\" "
              "marker-end=\"url(#fd-arrow-topology)\"><title>" +
              xml_escape("replication " + job.name + ": " + source_host + " to " + job.target_host +
                         " every " + human_duration(job.interval_s)) +
              "</title></path>");
      svg.text((x1 + x2) / 2, std::min(y1, y2) - 4,
               job.name + " every " + human_duration(job.interval_s), "edge-label", "middle");
    }
  }
}

// Links between sites, one band each under the sites.
void draw_links(Svg& svg, const Plan& plan, const TopologyLayout& layout) {
  for (std::size_t i = 0; i < plan.links.size(); ++i) {
    const Link& link = plan.links[i];
    const auto a = layout.site_span.find(link.between[0]);
    const auto b = layout.site_span.find(link.between[1]);
    if (a == layout.site_span.end() || b == layout.site_span.end()) continue;
    const double y = layout.links_top + 22.0 * static_cast<double>(i);
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
}

// ---- start order ----

constexpr double kNodeWidth = 150, kNodeHeight = 40, kColumn = 200, kRow = 54, kTop = 30;

using VmIndex = std::map<std::string, std::size_t>;

// Wave of each of the first `count` VMs: after all its dependencies and after every VM of a lower
// priority. Bounded relaxation (a validated plan has no cycles; a bad one still terminates).
std::vector<int> boot_waves(const Plan& plan, std::size_t count, const VmIndex& index) {
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
  return wave;
}

// One column per wave, its VMs stacked in plan order.
struct OrderLayout {
  std::vector<std::pair<double, double>> position;  // of each node's top left corner
  int max_wave = 0, max_rows = 0;
};

OrderLayout lay_out_waves(const std::vector<int>& wave) {
  OrderLayout layout;
  layout.position.resize(wave.size());
  std::map<int, int> filled;
  for (std::size_t i = 0; i < wave.size(); ++i) {
    const int row = filled[wave[i]]++;
    layout.position[i] = {20 + wave[i] * kColumn, kTop + row * kRow};
    layout.max_wave = std::max(layout.max_wave, wave[i]);
    layout.max_rows = std::max(layout.max_rows, row + 1);
  }
  return layout;
}

void draw_dependencies(Svg& svg, const Plan& plan, const VmIndex& index,
                       const OrderLayout& layout) {
  for (std::size_t i = 0; i < layout.position.size(); ++i) {
    for (const std::string& dep : plan.vms[i].depends_on) {
      const auto found = index.find(dep);
      if (found == index.end()) continue;
      const auto [x1, y1] = layout.position[found->second];
      const auto [x2, y2] = layout.position[i];
      const double sx = x1 + kNodeWidth, sy = y1 + kNodeHeight / 2, tx = x2 - 2,
                   ty = y2 + kNodeHeight / 2;
      svg.raw("<path d=\"" + horizontal_curve(sx, sy, tx, ty) +
              "\" class=\"dependency\" marker-end=\"url(#fd-arrow-order)\">" + "<title>" +
              xml_escape(plan.vms[i].name + " depends on " + dep) + "</title></path>");
    }
  }
}

void draw_order_nodes(Svg& svg, const Plan& plan, const OrderLayout& layout) {
  for (std::size_t i = 0; i < layout.position.size(); ++i) {
    const Vm& vm = plan.vms[i];
    const auto [x, y] = layout.position[i];
    svg.rect(x, y, kNodeWidth, kNodeHeight, "order-node",
             vm.name + " on " + vm.host + ", priority " + std::to_string(vm.priority) + ", boot " +
                 describe_duration(vm.boot_time),
             6);
    svg.text(x + 8, y + 16, vm.name, "node-label");
    svg.text(x + 8, y + 32,
             "p" + std::to_string(vm.priority) + " \u00B7 boot " + describe_duration(vm.boot_time),
             "node-sub");
  }
}

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
  const HostContents contents = host_contents(plan);
  const TopologyLayout layout = lay_out_topology(plan, contents);
  Svg svg(layout.width, layout.height, "Plan topology: sites, hosts, VMs, links and replication");
  svg.raw(arrow_marker("fd-arrow-topology"));
  draw_sites(svg, plan, layout, contents);
  draw_replication(svg, plan, layout.boxes);
  draw_links(svg, plan, layout);
  return svg.str();
}

std::string start_order_svg(const Plan& plan) {
  const std::size_t count = std::min(plan.vms.size(), kMaxOrderNodes);
  VmIndex index;
  for (std::size_t i = 0; i < count; ++i) index[plan.vms[i].name] = i;
  const OrderLayout layout = lay_out_waves(boot_waves(plan, count, index));
  const double width = std::max(40 + layout.max_wave * kColumn + kNodeWidth, 400.0);
  const double height = kTop + layout.max_rows * kRow + 10;
  Svg svg(width, height, "Start order: VMs in boot waves, arrows from dependency to dependent");
  svg.raw(arrow_marker("fd-arrow-order"));
  for (int w = 0; w <= layout.max_wave && count > 0; ++w) {
    svg.text(20 + w * kColumn + kNodeWidth / 2, 16, "wave " + std::to_string(w + 1), "axis",
             "middle");
  }
  draw_dependencies(svg, plan, index, layout);
  draw_order_nodes(svg, plan, layout);
  std::string result = svg.str();
  if (plan.vms.size() > kMaxOrderNodes) {
    result += "<p class=\"note\">Showing the first " + std::to_string(kMaxOrderNodes) + " of " +
              std::to_string(plan.vms.size()) + " VMs.</p>";
  }
  return result;
}

}  // namespace firedrill::reports
