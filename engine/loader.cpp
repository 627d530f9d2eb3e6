// The scenario loader: file -> JSON (line and column on syntax errors) -> overrides ->
// typed Plan and Scenario (every error with file, JSON path and reason; unknown fields
// with a did-you-mean) -> validation (engine/validate.cpp). Nothing here throws to the
// caller: every failure is a Diagnostic.
#include "engine/loader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>

#include "engine/json_reader.hpp"
#include "engine/loader_text.hpp"
#include "engine/overrides.hpp"
#include "engine/sha256.hpp"
#include "engine/validate.hpp"

namespace firedrill {
namespace {

constexpr long long kNoMax = 1LL << 40;

using Warnings = Result<std::vector<Diagnostic>>;

using FieldReader = std::function<void(const Json& value, const std::string& path)>;

// Calls `read` with the member `key` of `object` when it is there.
void field(ReadContext& context, const Json& object, const std::string& path, std::string_view key,
           bool required, const FieldReader& read) {
  if (const Json* value = member(context, object, path, key, required)) {
    read(*value, json_path_join(path, key));
  }
}

// Reads the list `key` of `object`, one element at a time.
void list_field(ReadContext& context, const Json& object, const std::string& path,
                std::string_view key, bool required, const FieldReader& read_element) {
  field(context, object, path, key, required, [&](const Json& list, const std::string& list_path) {
    if (!list.is_array()) {
      context.error(list_path, "expected a list, got " +
                                   std::string(list.is_object() ? "an object" : "a single value"));
      return;
    }
    for (std::size_t i = 0; i < list.size(); ++i)
      read_element(list[i], json_path_index(list_path, i));
  });
}

template <typename T>
void set_if(std::optional<T> value, T& target) {
  if (value) target = std::move(*value);
}

FieldReader name_into(ReadContext& context, std::string& target) {
  return [&](const Json& value, const std::string& path) {
    set_if(read_name(context, value, path), target);
  };
}

FieldReader int_into(ReadContext& context, int& target, long long min, long long max) {
  return [&, min, max](const Json& value, const std::string& path) {
    if (const auto number = read_integer(context, value, path, min, max)) {
      target = static_cast<int>(*number);
    }
  };
}

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

Host read_host(ReadContext& context, const Json& value, const std::string& path,
               const std::string& site) {
  Host host;
  host.site = site;
  if (!check_object(context, value, path, "a host object",
                    {"name", "cores", "memory", "speed", "libvirt"})) {
    return host;
  }
  field(context, value, path, "name", true, name_into(context, host.name));
  field(context, value, path, "cores", true, int_into(context, host.cores, 1, 1 << 20));
  field(context, value, path, "memory", true, [&](const Json& v, const std::string& p) {
    set_if(read_size(context, v, p, Sign::positive), host.memory_B);
  });
  field(context, value, path, "speed", false, [&](const Json& v, const std::string& p) {
    set_if(read_speed(context, v, p), host.speed_flops);
  });
  field(context, value, path, "libvirt", false, name_into(context, host.libvirt_uri));
  return host;
}

Site read_site(ReadContext& context, const Json& value, const std::string& path) {
  Site site;
  if (!check_object(context, value, path, "a site object", {"name", "hosts"})) return site;
  field(context, value, path, "name", true, name_into(context, site.name));
  list_field(context, value, path, "hosts", true, [&](const Json& v, const std::string& p) {
    site.hosts.push_back(read_host(context, v, p, site.name));
  });
  return site;
}

FieldReader names_into(ReadContext& context, std::vector<std::string>& target, bool non_empty) {
  return [&, non_empty](const Json& value, const std::string& path) {
    set_if(read_name_list(context, value, path, non_empty), target);
  };
}

Datastore read_datastore(ReadContext& context, const Json& value, const std::string& path) {
  Datastore datastore;
  if (!check_object(context, value, path, "a datastore object",
                    {"name", "hosts", "read_bandwidth"})) {
    return datastore;
  }
  field(context, value, path, "name", true, name_into(context, datastore.name));
  field(context, value, path, "hosts", true, names_into(context, datastore.hosts, true));
  field(context, value, path, "read_bandwidth", false, [&](const Json& v, const std::string& p) {
    if (const auto rate = read_rate(context, v, p, Sign::positive)) {
      datastore.read_bandwidth_Bps = *rate;
    }
  });
  return datastore;
}

Link read_link(ReadContext& context, const Json& value, const std::string& path) {
  Link link;
  if (!check_object(context, value, path, "a link object",
                    {"name", "between", "bandwidth", "latency"})) {
    return link;
  }
  field(context, value, path, "name", true, name_into(context, link.name));
  field(context, value, path, "between", true, [&](const Json& v, const std::string& p) {
    const auto sites = read_name_list(context, v, p, true);
    if (!sites) return;
    if (sites->size() != 2) {
      context.error(p, "must name exactly two sites, got " + std::to_string(sites->size()));
      return;
    }
    link.between[0] = (*sites)[0];
    link.between[1] = (*sites)[1];
  });
  field(context, value, path, "bandwidth", true, [&](const Json& v, const std::string& p) {
    set_if(read_rate(context, v, p, Sign::positive), link.bandwidth_Bps);
  });
  field(context, value, path, "latency", false, [&](const Json& v, const std::string& p) {
    set_if(read_duration(context, v, p, Sign::non_negative), link.latency_s);
  });
  return link;
}

Network read_network(ReadContext& context, const Json& value, const std::string& path) {
  Network network;
  if (!check_object(context, value, path, "a network object",
                    {"name", "site", "subnet", "isolated"})) {
    return network;
  }
  field(context, value, path, "name", true, name_into(context, network.name));
  field(context, value, path, "site", true, name_into(context, network.site));
  field(context, value, path, "subnet", false, [&](const Json& v, const std::string& p) {
    const auto subnet = read_name(context, v, p);
    if (!subnet) return;
    if (!is_cidr(*subnet)) {
      context.error(p, "bad subnet '" + *subnet + "': expected an IPv4 prefix like 10.0.0.0/24");
      return;
    }
    network.subnet = *subnet;
  });
  field(context, value, path, "isolated", false, [&](const Json& v, const std::string& p) {
    set_if(read_bool(context, v, p), network.isolated);
  });
  return network;
}

Objectives read_objectives(ReadContext& context, const Json& value, const std::string& path) {
  Objectives objectives;
  if (!check_object(context, value, path, "an objectives object", {"rto", "rpo"})) {
    return objectives;
  }
  field(context, value, path, "rto", false, [&](const Json& v, const std::string& p) {
    if (const auto rto = read_duration(context, v, p, Sign::positive)) objectives.rto_s = *rto;
  });
  field(context, value, path, "rpo", false, [&](const Json& v, const std::string& p) {
    if (const auto rpo = read_duration(context, v, p, Sign::non_negative)) objectives.rpo_s = *rpo;
  });
  return objectives;
}

Vm read_vm(ReadContext& context, const Json& value, const std::string& path) {
  Vm vm;
  if (!check_object(
          context, value, path, "a VM object",
          {"name", "host", "vcpus", "memory", "disk", "change_rate", "boot_time", "shutdown_time",
           "network", "ip", "datastore", "objectives", "depends_on", "priority"})) {
    return vm;
  }
  field(context, value, path, "name", true, name_into(context, vm.name));
  field(context, value, path, "host", true, name_into(context, vm.host));
  field(context, value, path, "vcpus", false, int_into(context, vm.vcpus, 1, 1 << 16));
  field(context, value, path, "memory", false, [&](const Json& v, const std::string& p) {
    set_if(read_size(context, v, p, Sign::positive), vm.memory_B);
  });
  field(context, value, path, "disk", false, [&](const Json& v, const std::string& p) {
    set_if(read_size(context, v, p, Sign::positive), vm.disk_B);
  });
  field(context, value, path, "change_rate", false, [&](const Json& v, const std::string& p) {
    set_if(read_rate(context, v, p, Sign::non_negative), vm.change_rate_Bps);
  });
  field(context, value, path, "boot_time", false, [&](const Json& v, const std::string& p) {
    set_if(read_duration_spec(context, v, p, Sign::positive), vm.boot_time);
  });
  field(context, value, path, "shutdown_time", false, [&](const Json& v, const std::string& p) {
    set_if(read_duration_spec(context, v, p, Sign::non_negative), vm.shutdown_time);
  });
  field(context, value, path, "network", false, name_into(context, vm.network));
  field(context, value, path, "ip", false, [&](const Json& v, const std::string& p) {
    const auto ip = read_name(context, v, p);
    if (!ip) return;
    if (!is_ipv4(*ip)) {
      context.error(p, "bad IP address '" + *ip + "': expected four octets like 10.0.0.10");
      return;
    }
    vm.ip = *ip;
  });
  field(context, value, path, "datastore", false, name_into(context, vm.datastore));
  field(context, value, path, "objectives", false, [&](const Json& v, const std::string& p) {
    vm.objectives = read_objectives(context, v, p);
  });
  field(context, value, path, "depends_on", false, names_into(context, vm.depends_on, false));
  field(context, value, path, "priority", false, [&](const Json& v, const std::string& p) {
    const auto number = read_integer(context, v, p, -kNoMax, kNoMax);
    if (!number) return;
    if (*number < 1 || *number > 5) {
      context.error(p,
                    "priority must be 1 (boots first) to 5 (boots last), got " + describe_json(v));
      return;
    }
    vm.priority = static_cast<int>(*number);
  });
  return vm;
}

Cluster read_cluster(ReadContext& context, const Json& value, const std::string& path) {
  Cluster cluster;
  if (!check_object(context, value, path, "a cluster object",
                    {"name", "hosts", "datastore", "ha"})) {
    return cluster;
  }
  field(context, value, path, "name", true, name_into(context, cluster.name));
  field(context, value, path, "hosts", true, names_into(context, cluster.hosts, true));
  field(context, value, path, "datastore", true, name_into(context, cluster.datastore));
  field(context, value, path, "ha", false, [&](const Json& v, const std::string& p) {
    if (!check_object(context, v, p, "an HA policy object", {"failure_timeout"})) return;
    HaPolicy ha;
    field(context, v, p, "failure_timeout", false, [&](const Json& t, const std::string& tp) {
      set_if(read_duration_spec(context, t, tp, Sign::positive), ha.failure_timeout);
    });
    cluster.ha = ha;
  });
  return cluster;
}

Retention read_retention(ReadContext& context, const Json& value, const std::string& path) {
  Retention retention;
  if (!check_object(context, value, path, "a retention object",
                    {"points", "daily", "weekly", "monthly"})) {
    return retention;
  }
  field(context, value, path, "points", false, int_into(context, retention.points, 1, kNoMax));
  field(context, value, path, "daily", false, int_into(context, retention.daily, 0, kNoMax));
  field(context, value, path, "weekly", false, int_into(context, retention.weekly, 0, kNoMax));
  field(context, value, path, "monthly", false, int_into(context, retention.monthly, 0, kNoMax));
  return retention;
}

ReplicationJob read_replication(ReadContext& context, const Json& value, const std::string& path) {
  ReplicationJob job;
  if (!check_object(context, value, path, "a replication job object",
                    {"name", "vms", "target_host", "interval", "retention"})) {
    return job;
  }
  field(context, value, path, "name", true, name_into(context, job.name));
  field(context, value, path, "vms", true, names_into(context, job.vms, true));
  field(context, value, path, "target_host", true, name_into(context, job.target_host));
  field(context, value, path, "interval", false, [&](const Json& v, const std::string& p) {
    set_if(read_duration(context, v, p, Sign::positive), job.interval_s);
  });
  field(context, value, path, "retention", false, [&](const Json& v, const std::string& p) {
    job.retention = read_retention(context, v, p);
  });
  return job;
}

Recovery read_recovery(ReadContext& context, const Json& value, const std::string& path) {
  Recovery recovery;
  if (!check_object(context, value, path, "a recovery object",
                    {"target_site", "detection", "operator_delay", "network_mapping", "re_ip",
                     "test_network", "power_off_source", "max_concurrent_boots"})) {
    return recovery;
  }
  field(context, value, path, "target_site", false, name_into(context, recovery.target_site));
  field(context, value, path, "detection", false, [&](const Json& v, const std::string& p) {
    set_if(read_duration_spec(context, v, p, Sign::non_negative), recovery.detection);
  });
  field(context, value, path, "operator_delay", false, [&](const Json& v, const std::string& p) {
    set_if(read_duration_spec(context, v, p, Sign::non_negative), recovery.operator_delay);
  });
  field(context, value, path, "network_mapping", false, [&](const Json& v, const std::string& p) {
    if (!v.is_object()) {
      context.error(p, "expected an object {\"source network\": \"recovery network\"}");
      return;
    }
    for (const auto& [from, to] : v.items()) {
      if (const auto target = read_name(context, to, json_path_join(p, from))) {
        recovery.network_mapping[from] = *target;
      }
    }
  });
  list_field(context, value, path, "re_ip", false, [&](const Json& v, const std::string& p) {
    if (!check_object(context, v, p, "a Re-IP rule {\"from\": ..., \"to\": ...}", {"from", "to"})) {
      return;
    }
    ReIpRule rule;
    field(context, v, p, "from", true, name_into(context, rule.from));
    field(context, v, p, "to", true, name_into(context, rule.to));
    recovery.re_ip.push_back(rule);
  });
  field(context, value, path, "test_network", false, name_into(context, recovery.test_network));
  field(context, value, path, "power_off_source", false, [&](const Json& v, const std::string& p) {
    set_if(read_bool(context, v, p), recovery.power_off_source);
  });
  field(context, value, path, "max_concurrent_boots", false,
        [&](const Json& v, const std::string& p) {
          const auto number = read_integer(context, v, p, -kNoMax, kNoMax);
          if (!number) return;
          if (*number < 1) {
            context.error(
                p, "must be at least 1 (leave it out for no limit), got " + describe_json(v));
            return;
          }
          recovery.max_concurrent_boots = static_cast<int>(std::min<long long>(*number, 1 << 30));
        });
  return recovery;
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

Plan read_plan(ReadContext& context, const Json& value, const std::string& path) {
  Plan plan;
  if (!check_object(context, value, path, "a plan object",
                    {"name", "description", "sites", "datastores", "links", "networks", "vms",
                     "clusters", "replication", "recovery"})) {
    return plan;
  }
  field(context, value, path, "name", true, name_into(context, plan.name));
  field(context, value, path, "description", false,
        [&](const Json& v, const std::string& p) { read_string(context, v, p); });
  list_field(context, value, path, "sites", true, [&](const Json& v, const std::string& p) {
    plan.sites.push_back(read_site(context, v, p));
  });
  if (const auto it = value.find("sites"); it != value.end() && it->is_array() && it->empty()) {
    context.error(json_path_join(path, "sites"), "a plan needs at least one site");
  }
  list_field(context, value, path, "datastores", false, [&](const Json& v, const std::string& p) {
    plan.datastores.push_back(read_datastore(context, v, p));
  });
  list_field(context, value, path, "links", false, [&](const Json& v, const std::string& p) {
    plan.links.push_back(read_link(context, v, p));
  });
  list_field(context, value, path, "networks", false, [&](const Json& v, const std::string& p) {
    plan.networks.push_back(read_network(context, v, p));
  });
  list_field(context, value, path, "vms", false, [&](const Json& v, const std::string& p) {
    plan.vms.push_back(read_vm(context, v, p));
  });
  list_field(context, value, path, "clusters", false, [&](const Json& v, const std::string& p) {
    plan.clusters.push_back(read_cluster(context, v, p));
  });
  list_field(context, value, path, "replication", false, [&](const Json& v, const std::string& p) {
    plan.replication.push_back(read_replication(context, v, p));
  });
  field(context, value, path, "recovery", false,
        [&](const Json& v, const std::string& p) { plan.recovery = read_recovery(context, v, p); });
  infer_target_site(plan);
  return plan;
}

struct EventKindName {
  const char* name;
  Event::Kind kind;
};
constexpr EventKindName kFailKinds[] = {{"host", Event::Kind::fail_host},
                                        {"site", Event::Kind::fail_site},
                                        {"datastore", Event::Kind::fail_datastore},
                                        {"link", Event::Kind::fail_link},
                                        {"vm", Event::Kind::fail_vm}};
constexpr EventKindName kActions[] = {{"test_failover", Event::Kind::test_failover},
                                      {"planned_failover", Event::Kind::planned_failover},
                                      {"failback", Event::Kind::failback}};

template <std::size_t N>
std::optional<Event::Kind> pick_kind(ReadContext& context, const Json& value,
                                     const std::string& path, const EventKindName (&kinds)[N]) {
  const auto text = read_name(context, value, path);
  if (!text) return std::nullopt;
  std::vector<std::string> names;
  for (const EventKindName& kind : kinds) {
    if (*text == kind.name) return kind.kind;
    names.push_back(kind.name);
  }
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  context.error(
      path, "unknown kind '" + *text + "': expected one of " + list + did_you_mean(*text, names));
  return std::nullopt;
}

std::optional<Event> read_event(ReadContext& context, const Json& value, const std::string& path) {
  if (!check_object(context, value, path, "an event object",
                    {"at", "fail", "target", "repair_after", "corrupt", "action"})) {
    return std::nullopt;
  }
  const std::size_t errors_before = context.error_count();
  Event event;
  field(context, value, path, "at", true, [&](const Json& v, const std::string& p) {
    set_if(read_duration_spec(context, v, p, Sign::non_negative), event.at);
  });
  const int kinds =
      int(value.contains("fail")) + int(value.contains("corrupt")) + int(value.contains("action"));
  if (kinds != 1) {
    context.error(path, kinds == 0 ? "an event needs one of \"fail\", \"corrupt\" or \"action\""
                                   : "an event has exactly one of \"fail\", \"corrupt\" or "
                                     "\"action\"");
    return std::nullopt;
  }
  if (value.contains("fail")) {
    field(context, value, path, "fail", true, [&](const Json& v, const std::string& p) {
      set_if(pick_kind(context, v, p, kFailKinds), event.kind);
    });
    field(context, value, path, "target", true, name_into(context, event.target));
    field(context, value, path, "repair_after", false, [&](const Json& v, const std::string& p) {
      if (const auto repair = read_duration_spec(context, v, p, Sign::positive)) {
        event.repair_after = *repair;
      }
    });
  } else {
    for (const char* key : {"target", "repair_after"}) {
      if (value.contains(key)) {
        context.error(json_path_join(path, key),
                      "\"" + std::string(key) + "\" only goes with a \"fail\" event");
      }
    }
    if (value.contains("corrupt")) {
      event.kind = Event::Kind::corrupt;
      field(context, value, path, "corrupt", true, names_into(context, event.vms, true));
    } else {
      field(context, value, path, "action", true, [&](const Json& v, const std::string& p) {
        set_if(pick_kind(context, v, p, kActions), event.kind);
      });
    }
  }
  if (context.error_count() != errors_before) return std::nullopt;
  return event;
}

// --- files ------------------------------------------------------------------------------

struct Input {
  std::string file;
  std::string text;
};

std::string plan_path_for(const std::string& scenario_file, const std::string& plan) {
  const std::filesystem::path plan_path(plan);
  if (plan_path.is_absolute()) return plan_path.lexically_normal().string();
  return (std::filesystem::path(scenario_file).parent_path() / plan_path)
      .lexically_normal()
      .string();
}

Diagnostic error_at(const std::string& file, const std::string& path, std::string message) {
  return {Diagnostic::Severity::error, file, path, std::move(message)};
}

// Applies every override of `target_scenario` kind (plan or scenario) to `root`.
void apply_overrides(ReadContext& context, Json& root, const std::vector<Override>& overrides,
                     bool target_scenario, const std::string& prefix) {
  for (const Override& override : overrides) {
    if (override.scenario != target_scenario) continue;
    std::string reason;
    const auto applied = apply_override(root, override, &reason);
    if (!applied) {
      context.error("", "--set " + override.text + ": " + reason);
      continue;
    }
    context.mark_overridden(json_path_join(prefix, applied->json_path), override.text,
                            applied->created);
  }
}

std::optional<std::vector<Override>> parse_overrides(const LoadOptions& options,
                                                     const std::string& file,
                                                     std::vector<Diagnostic>& diagnostics) {
  std::vector<Override> overrides;
  bool ok = true;
  for (const std::string& text : options.overrides) {
    std::string reason;
    if (auto parsed = parse_override(text, &reason)) {
      overrides.push_back(std::move(*parsed));
    } else {
      diagnostics.push_back(error_at(file, "", "--set " + text + ": " + reason));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return overrides;
}

std::vector<Diagnostic> only(const std::vector<Diagnostic>& diagnostics,
                             Diagnostic::Severity severity) {
  std::vector<Diagnostic> selected;
  for (const Diagnostic& diagnostic : diagnostics) {
    if (diagnostic.severity == severity) selected.push_back(diagnostic);
  }
  return selected;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Diagnostic::Severity::error; });
}

Result<Loaded> load_scenario_unguarded(std::string_view text, const std::string& file,
                                       const LoadOptions& options) {
  std::vector<Diagnostic> diagnostics;
  const auto overrides = parse_overrides(options, file, diagnostics);
  if (!overrides) return diagnostics;
  ParsedJson parsed = parse_json(text, file);
  if (!parsed.value) return *parsed.error;
  Json& root = *parsed.value;

  Scenario scenario;
  scenario.file = file;
  scenario.input_sha256 = sha256_hex(text);
  scenario.input_files.emplace_back(file, scenario.input_sha256);

  ReadContext context(file, &diagnostics);
  if (!root.is_object()) {
    context.error("",
                  "expected a scenario object {\"name\", \"plan\", \"duration\", "
                  "\"events\"}, got " +
                      describe_json(root));
    return diagnostics;
  }
  apply_overrides(context, root, *overrides, true, "");
  if (has_errors(diagnostics)) return diagnostics;

  // The plan: inline, or a file next to the scenario.
  std::optional<Json> plan_json;
  std::string plan_file = file;
  std::string plan_prefix = "plan";
  if (const auto it = root.find("plan"); it != root.end()) {
    if (it->is_string()) {
      const std::string& relative = it->get_ref<const std::string&>();
      if (relative.empty() || relative.find('\0') != std::string::npos) {
        context.error(
            "plan", "expected a plan object or the path of a plan file, got " + describe_json(*it));
      } else {
        plan_file = plan_path_for(file, relative);
        plan_prefix = "";
        std::string reason;
        if (const auto plan_text = read_input_file(plan_file, &reason)) {
          scenario.plan_file = plan_file;
          scenario.input_files.emplace_back(plan_file, sha256_hex(*plan_text));
          ParsedJson parsed_plan = parse_json(*plan_text, plan_file);
          if (parsed_plan.value) {
            plan_json = std::move(*parsed_plan.value);
          } else {
            diagnostics.push_back(*parsed_plan.error);
          }
        } else {
          context.error("plan", "cannot read plan file '" + plan_file + "': " + reason);
        }
      }
    } else if (it->is_object()) {
      plan_json = std::move(*it);
      *it = Json::object();  // moved out; the scenario reader does not look inside
    } else {
      context.error("plan",
                    "expected a plan object or the path of a plan file, got " + describe_json(*it));
    }
  }
  ReadContext separate_plan_context(plan_file, &diagnostics);
  ReadContext& plan_context = plan_prefix.empty() ? separate_plan_context : context;
  if (plan_json) {
    apply_overrides(plan_context, *plan_json, *overrides, false, plan_prefix);
    if (has_errors(diagnostics)) return diagnostics;
    scenario.plan = read_plan(plan_context, *plan_json, plan_prefix);
  } else if (std::any_of(overrides->begin(), overrides->end(),
                         [](const Override& o) { return !o.scenario; }) &&
             !root.contains("plan")) {
    context.error("", "--set: the scenario has no plan to override");
  }

  // The scenario's own fields.
  check_object(context, root, "", "a scenario object",
               {"name", "description", "plan", "seed", "duration", "events"});
  field(context, root, "", "name", true, name_into(context, scenario.name));
  field(context, root, "", "description", false,
        [&](const Json& v, const std::string& p) { read_string(context, v, p); });
  member(context, root, "", "plan", true);
  field(context, root, "", "seed", false, [&](const Json& v, const std::string& p) {
    set_if(read_unsigned(context, v, p), scenario.seed);
  });
  field(context, root, "", "duration", true, [&](const Json& v, const std::string& p) {
    set_if(read_duration(context, v, p, Sign::positive), scenario.duration_s);
  });
  list_field(context, root, "", "events", false, [&](const Json& v, const std::string& p) {
    if (auto event = read_event(context, v, p)) scenario.events.push_back(std::move(*event));
  });
  if (has_errors(diagnostics)) return diagnostics;

  if (options.seed) scenario.seed = *options.seed;
  std::vector<Diagnostic> checks = validate(scenario);
  if (has_errors(checks)) return only(checks, Diagnostic::Severity::error);
  return Loaded{std::move(scenario), std::move(checks)};
}

Result<std::vector<Diagnostic>> validate_plan_unguarded(Json& root, const std::string& file,
                                                        const LoadOptions& options) {
  std::vector<Diagnostic> diagnostics;
  const auto overrides = parse_overrides(options, file, diagnostics);
  if (!overrides) return Warnings::failure(diagnostics);
  ReadContext context(file, &diagnostics);
  for (const Override& override : *overrides) {
    if (override.scenario) {
      context.error("", "--set " + override.text + ": this file is a plan, not a scenario");
    }
  }
  apply_overrides(context, root, *overrides, false, "");
  if (has_errors(diagnostics)) return Warnings::failure(diagnostics);
  Plan plan = read_plan(context, root, "");
  if (has_errors(diagnostics)) return Warnings::failure(diagnostics);
  std::vector<Diagnostic> checks = validate_plan(plan, file, "");
  if (has_errors(checks)) return Warnings::failure(only(checks, Diagnostic::Severity::error));
  return checks;
}

Diagnostic internal_error(const std::string& file, const char* what) {
  return error_at(file, "", std::string("internal error while loading: ") + what);
}

}  // namespace

std::optional<std::string> read_input_file(const std::string& path, std::string* error) {
  std::error_code code;
  const auto status = std::filesystem::status(path, code);
  if (code || !std::filesystem::exists(status)) {
    *error = "no such file";
    return std::nullopt;
  }
  if (std::filesystem::is_directory(status)) {
    *error = "it is a directory";
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status)) {
    *error = "not a regular file";
    return std::nullopt;
  }
  std::ifstream stream(path, std::ios::binary);
  if (!stream) {
    *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[65536];
  while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(stream.gcount()));
    if (text.size() > kMaxInputBytes) {
      *error = "larger than " + std::to_string(kMaxInputBytes / (1024 * 1024)) + " MiB";
      return std::nullopt;
    }
  }
  if (stream.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return text;
}

Result<Loaded> load_scenario_text(std::string_view text, const std::string& file,
                                  const LoadOptions& options) {
  try {
    return load_scenario_unguarded(text, file, options);
  } catch (const std::exception& e) {
    return internal_error(file, e.what());
  }
}

Result<std::vector<Diagnostic>> validate_text(std::string_view text, const std::string& file,
                                              const LoadOptions& options) {
  try {
    ParsedJson parsed = parse_json(text, file);
    if (!parsed.value) return *parsed.error;
    Json& root = *parsed.value;
    const bool plan_alone =
        root.is_object() &&
        (root.contains("sites") ||
         (!root.contains("plan") && !root.contains("events") && !root.contains("duration")));
    if (plan_alone) {
      return validate_plan_unguarded(root, file, options);
    }
    Result<Loaded> loaded = load_scenario_unguarded(text, file, options);
    if (!loaded.ok()) return Warnings::failure(loaded.errors());
    return loaded.value().warnings;
  } catch (const std::exception& e) {
    return internal_error(file, e.what());
  }
}

Result<Loaded> load_scenario(const std::string& path, const LoadOptions& options) {
  std::string reason;
  try {
    const auto text = read_input_file(path, &reason);
    if (!text) return error_at(path, "", "cannot read: " + reason);
    return load_scenario_text(*text, path, options);
  } catch (const std::exception& e) {
    return internal_error(path, e.what());
  }
}

Result<std::vector<Diagnostic>> validate_file(const std::string& path, const LoadOptions& options) {
  std::string reason;
  try {
    const auto text = read_input_file(path, &reason);
    if (!text) return error_at(path, "", "cannot read: " + reason);
    return validate_text(*text, path, options);
  } catch (const std::exception& e) {
    return internal_error(path, e.what());
  }
}

}  // namespace firedrill
