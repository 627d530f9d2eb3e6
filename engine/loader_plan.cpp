// The plan's field tables: one table per JSON object of a plan, giving its keys, which
// are required, and how each is read into the model. To add a field to the plan, add it to
// the model (engine/model.hpp) and one line to its object's table here; validation of
// cross-references and ranges lives in engine/validate_*.cpp.
#include "engine/loader_plan.hpp"

#include <algorithm>
#include <set>

#include "engine/loader_fields.hpp"
#include "engine/loader_guest.hpp"

namespace firedrill::loading {
namespace {

constexpr long long kNoMax = 1LL << 40;

// Dotted quad, each octet 0..255 without leading zeros.
bool is_ipv4(std::string_view text) {
  int octets = 0;
  std::size_t i = 0;
  while (true) {
    const std::size_t start = i;
    int value = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
      value = value * 10 + (text[i] - '0');
      ++i;
    }
    const std::size_t length = i - start;
    if (length == 0 || value > 255 || (length > 1 && text[start] == '0')) return false;
    ++octets;
    if (i == text.size()) return octets == 4;
    if (text[i] != '.' || octets == 4) return false;
    ++i;
  }
}

bool is_cidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos || !is_ipv4(text.substr(0, slash))) return false;
  const std::string_view bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 2) return false;
  if (!std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  return std::stoi(std::string(bits)) <= 32;
}

auto as_ip() {
  return [](ReadContext& context, const Json& value,
            const std::string& path) -> std::optional<std::string> {
    const auto ip = read_name(context, value, path);
    if (!ip) return std::nullopt;
    if (!is_ipv4(*ip)) {
      context.error(path, "bad IP address '" + *ip + "': expected four octets like 10.0.0.10");
      return std::nullopt;
    }
    return ip;
  };
}

auto as_subnet() {
  return [](ReadContext& context, const Json& value,
            const std::string& path) -> std::optional<std::string> {
    const auto subnet = read_name(context, value, path);
    if (!subnet) return std::nullopt;
    if (!is_cidr(*subnet)) {
      context.error(path, "bad subnet '" + *subnet + "': expected an IPv4 prefix like 10.0.0.0/24");
      return std::nullopt;
    }
    return subnet;
  };
}

// An integer of at least 1 (`message` says why a smaller one is wrong), capped at 2^30.
auto as_count(const char* message) {
  return [message](ReadContext& context, const Json& value,
                   const std::string& path) -> std::optional<int> {
    const auto number = read_integer(context, value, path, -kNoMax, kNoMax);
    if (!number) return std::nullopt;
    if (*number < 1) {
      context.error(path, message + describe_json(value));
      return std::nullopt;
    }
    return static_cast<int>(std::min<long long>(*number, 1 << 30));
  };
}

auto as_priority() {
  return
      [](ReadContext& context, const Json& value, const std::string& path) -> std::optional<int> {
        const auto number = read_integer(context, value, path, -kNoMax, kNoMax);
        if (!number) return std::nullopt;
        if (*number < 1 || *number > 5) {
          context.error(path, "priority must be 1 (boots first) to 5 (boots last), got " +
                                  describe_json(value));
          return std::nullopt;
        }
        return static_cast<int>(*number);
      };
}

// --- topology ------------------------------------------------------------------------------

const ObjectTable<Host>& host_table() {
  static const ObjectTable<Host> table{
      "a host object",
      {
          field_of("name", true, &Host::name, as_name()),
          field_of("cores", true, &Host::cores, as_int(1, 1 << 20)),
          field_of("memory", true, &Host::memory_B, as_size(Sign::positive)),
          field_of("speed", false, &Host::speed_flops, as_speed()),
          field_of("libvirt", false, &Host::libvirt_uri, as_name()),
      }};
  return table;
}

const ObjectTable<Site>& site_table() {
  static const ObjectTable<Site> table{
      "a site object",
      {
          field_of("name", true, &Site::name, as_name()),
          {"hosts", true,
           [](ReadContext& context, const Json& value, const std::string& path, Site& site) {
             auto hosts = as_list(as_object(host_table()))(context, value, path);
             if (!hosts) return;
             for (Host& host : *hosts) host.site = site.name;
             site.hosts = std::move(*hosts);
           }},
      }};
  return table;
}

const ObjectTable<Datastore>& datastore_table() {
  static const ObjectTable<Datastore> table{
      "a datastore object",
      {
          field_of("name", true, &Datastore::name, as_name()),
          field_of("hosts", true, &Datastore::hosts, as_names(true)),
          field_of("read_bandwidth", false, &Datastore::read_bandwidth_Bps,
                   as_rate(Sign::positive)),
      }};
  return table;
}

void read_between(ReadContext& context, const Json& value, const std::string& path, Link& link) {
  const auto sites = read_name_list(context, value, path, true);
  if (!sites) return;
  if (sites->size() != 2) {
    context.error(path, "must name exactly two sites, got " + std::to_string(sites->size()));
    return;
  }
  link.between[0] = (*sites)[0];
  link.between[1] = (*sites)[1];
}

const ObjectTable<Link>& link_table() {
  static const ObjectTable<Link> table{
      "a link object",
      {
          field_of("name", true, &Link::name, as_name()),
          {"between", true, read_between},
          field_of("bandwidth", true, &Link::bandwidth_Bps, as_rate(Sign::positive)),
          field_of("latency", false, &Link::latency_s, as_duration(Sign::non_negative)),
          field_of("max_concurrent_transfers", false, &Link::max_concurrent_transfers,
                   as_count("must be at least 1 (leave it out for no limit), got ")),
      }};
  return table;
}

const ObjectTable<Network>& network_table() {
  static const ObjectTable<Network> table{
      "a network object",
      {
          field_of("name", true, &Network::name, as_name()),
          field_of("site", true, &Network::site, as_name()),
          field_of("subnet", false, &Network::subnet, as_subnet()),
          field_of("isolated", false, &Network::isolated, as_bool()),
          field_of("libvirt_name", false, &Network::libvirt_name, as_name()),
      }};
  return table;
}

// --- VMs and clusters ----------------------------------------------------------------------

const ObjectTable<Objectives>& objectives_table() {
  static const ObjectTable<Objectives> table{
      "an objectives object",
      {
          field_of("rto", false, &Objectives::rto_s, as_duration(Sign::positive)),
          field_of("rpo", false, &Objectives::rpo_s, as_duration(Sign::non_negative)),
      }};
  return table;
}

const ObjectTable<Vm>& vm_table() {
  static const ObjectTable<Vm> table{
      "a VM object",
      {
          field_of("name", true, &Vm::name, as_name()),
          field_of("host", true, &Vm::host, as_name()),
          field_of("vcpus", false, &Vm::vcpus, as_int(1, 1 << 16)),
          field_of("memory", false, &Vm::memory_B, as_size(Sign::positive)),
          field_of("disk", false, &Vm::disk_B, as_size(Sign::positive)),
          field_of("change_rate", false, &Vm::change_rate_Bps, as_rate(Sign::non_negative)),
          field_of("boot_time", false, &Vm::boot_time, as_duration_spec(Sign::positive)),
          field_of("shutdown_time", false, &Vm::shutdown_time,
                   as_duration_spec(Sign::non_negative)),
          field_of("network", false, &Vm::network, as_name()),
          field_of("ip", false, &Vm::ip, as_ip()),
          field_of("datastore", false, &Vm::datastore, as_name()),
          field_of("objectives", false, &Vm::objectives, as_object(objectives_table())),
          field_of("depends_on", false, &Vm::depends_on, as_names(false)),
          field_of("priority", false, &Vm::priority, as_priority()),
          field_of("boot_failure_probability", false, &Vm::boot_failure_probability,
                   as_probability()),
          field_of("guest", false, &Vm::guest, read_guest),
          field_of("health", false, &Vm::health, read_health),
          field_of("data_probe", false, &Vm::data_probe, read_data_probe),
      }};
  return table;
}

const ObjectTable<HaPolicy>& ha_table() {
  static const ObjectTable<HaPolicy> table{
      "an HA policy object",
      {
          field_of("failure_timeout", false, &HaPolicy::failure_timeout,
                   as_duration_spec(Sign::positive)),
      }};
  return table;
}

const ObjectTable<Cluster>& cluster_table() {
  static const ObjectTable<Cluster> table{
      "a cluster object",
      {
          field_of("name", true, &Cluster::name, as_name()),
          field_of("hosts", true, &Cluster::hosts, as_names(true)),
          field_of("datastore", true, &Cluster::datastore, as_name()),
          field_of("ha", false, &Cluster::ha, as_object(ha_table())),
      }};
  return table;
}

// --- replication and recovery --------------------------------------------------------------

const ObjectTable<Retention>& retention_table() {
  static const ObjectTable<Retention> table{
      "a retention object",
      {
          field_of("points", false, &Retention::points, as_int(1, kNoMax)),
          field_of("daily", false, &Retention::daily, as_int(0, kNoMax)),
          field_of("weekly", false, &Retention::weekly, as_int(0, kNoMax)),
          field_of("monthly", false, &Retention::monthly, as_int(0, kNoMax)),
      }};
  return table;
}

const ObjectTable<ReplicationJob>& replication_table() {
  static const ObjectTable<ReplicationJob> table{
      "a replication job object",
      {
          field_of("name", true, &ReplicationJob::name, as_name()),
          field_of("vms", true, &ReplicationJob::vms, as_names(true)),
          field_of("target_host", true, &ReplicationJob::target_host, as_name()),
          field_of("interval", false, &ReplicationJob::interval_s, as_duration(Sign::positive)),
          field_of("retention", false, &ReplicationJob::retention, as_object(retention_table())),
      }};
  return table;
}

const ObjectTable<ReIpRule>& re_ip_table() {
  static const ObjectTable<ReIpRule> table{"a Re-IP rule {\"from\": ..., \"to\": ...}",
                                           {
                                               field_of("from", true, &ReIpRule::from, as_name()),
                                               field_of("to", true, &ReIpRule::to, as_name()),
                                           }};
  return table;
}

void read_network_mapping(ReadContext& context, const Json& value, const std::string& path,
                          Recovery& recovery) {
  if (!value.is_object()) {
    context.error(path, "expected an object {\"source network\": \"recovery network\"}");
    return;
  }
  for (const auto& [from, to] : value.items()) {
    if (const auto target = read_name(context, to, json_path_join(path, from))) {
      recovery.network_mapping[from] = *target;
    }
  }
}

const ObjectTable<Recovery>& recovery_table() {
  static const ObjectTable<Recovery> table{
      "a recovery object",
      {
          field_of("target_site", false, &Recovery::target_site, as_name()),
          field_of("detection", false, &Recovery::detection, as_duration_spec(Sign::non_negative)),
          field_of("operator_delay", false, &Recovery::operator_delay,
                   as_duration_spec(Sign::non_negative)),
          {"network_mapping", false, read_network_mapping},
          field_of("re_ip", false, &Recovery::re_ip, as_list(as_object(re_ip_table()))),
          field_of("test_network", false, &Recovery::test_network, as_name()),
          field_of("power_off_source", false, &Recovery::power_off_source, as_bool()),
          field_of("max_concurrent_boots", false, &Recovery::max_concurrent_boots,
                   as_count("must be at least 1 (leave it out for no limit), got ")),
          field_of("host_timeout", false, &Recovery::host_timeout_s, as_duration(Sign::positive)),
          field_of("boot_retries", false, &Recovery::boot_retries, as_int(0, 100)),
          field_of("final_sync_timeout", false, &Recovery::final_sync_timeout_s,
                   as_duration(Sign::non_negative)),
      }};
  return table;
}

// --- the plan ------------------------------------------------------------------------------

template <typename T>
auto list_of(const ObjectTable<T>& table) {
  return as_list(as_object(table));
}

const ObjectTable<Plan>& plan_table() {
  static const ObjectTable<Plan> table{
      "a plan object",
      {
          field_of("name", true, &Plan::name, as_name()),
          ignored<Plan>("description", as_string()),
          {"sites", true,
           [](ReadContext& context, const Json& value, const std::string& path, Plan& plan) {
             if (auto sites = list_of(site_table())(context, value, path)) {
               plan.sites = std::move(*sites);
             }
             if (value.is_array() && value.empty()) {
               context.error(path, "a plan needs at least one site");
             }
           }},
          field_of("datastores", false, &Plan::datastores, list_of(datastore_table())),
          field_of("links", false, &Plan::links, list_of(link_table())),
          field_of("networks", false, &Plan::networks, list_of(network_table())),
          field_of("vms", false, &Plan::vms, list_of(vm_table())),
          field_of("clusters", false, &Plan::clusters, list_of(cluster_table())),
          field_of("replication", false, &Plan::replication, list_of(replication_table())),
          field_of("recovery", false, &Plan::recovery, as_object(recovery_table())),
      }};
  return table;
}

// A plan's recovery site defaults to the one site every replication job targets.
void infer_target_site(Plan& plan) {
  if (!plan.recovery.target_site.empty() || plan.replication.empty()) return;
  std::set<std::string> sites;
  for (const ReplicationJob& job : plan.replication) {
    const Host* host = find_host(plan, job.target_host);
    if (!host) return;
    sites.insert(host->site);
  }
  if (sites.size() == 1) plan.recovery.target_site = *sites.begin();
}

}  // namespace

Plan read_plan(ReadContext& context, const Json& value, const std::string& path) {
  Plan plan;
  if (!read_object(context, value, path, plan_table(), plan)) return plan;
  infer_target_site(plan);
  return plan;
}

}  // namespace firedrill::loading
