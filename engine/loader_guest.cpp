// The real-guest fields of a VM (SPEC 7), through the same field tables as the rest of the
// plan. A health check is one object whose kind is the one key of tcp, http, exec, file it
// has; its other keys (from, timeout, interval, initial_delay, and contains for a file) are
// common. Defaults are those of engine/model.hpp (the lab guest; 5m, 2s, 0s).
#include "engine/loader_guest.hpp"

#include <algorithm>
#include <string_view>

#include "engine/loader_fields.hpp"

namespace firedrill::loading {
namespace {

constexpr EnumName<GuestReIp> kReIp[] = {{"kernel-cmdline", GuestReIp::kernel_cmdline},
                                         {"agent", GuestReIp::agent},
                                         {"cloud-init", GuestReIp::cloud_init},
                                         {"none", GuestReIp::none}};
constexpr EnumName<GuestOs> kOs[] = {{"linux", GuestOs::linux}, {"windows", GuestOs::windows}};
constexpr EnumName<DiskFormat> kDiskFormats[] = {{"raw", DiskFormat::raw},
                                                 {"qcow2", DiskFormat::qcow2}};

constexpr std::string_view kKinds[] = {"tcp", "http", "exec", "file"};
constexpr long long kMaxPort = 65535;

const ObjectTable<Guest>& guest_table() {
  static const ObjectTable<Guest> table{
      "a guest object",
      {
          field_of("readiness", false, &Guest::readiness, as_choice("readiness", kReadinessNames)),
          field_of("re_ip", false, &Guest::re_ip, as_choice("re_ip", kReIp)),
          field_of("os", false, &Guest::os, as_choice("os", kOs)),
          field_of("disk_format", false, &Guest::disk_format,
                   as_choice("disk_format", kDiskFormats)),
      }};
  return table;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// 5432 (a port of this VM) or "db:5432" (a port of another VM of the plan).
void read_tcp(ReadContext& context, const Json& value, const std::string& path,
              HealthCheckSpec& check) {
  check.kind = HealthKind::tcp;
  if (value.is_number()) {
    if (const auto port = read_integer(context, value, path, 1, kMaxPort)) {
      check.port = static_cast<int>(*port);
    }
    return;
  }
  const std::string text = value.is_string() ? value.get<std::string>() : "";
  const std::size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || !all_digits(text.substr(colon + 1)) ||
      text.size() - colon > 6) {
    context.error(
        path, "expected a port (5432) or \"VM:port\" (\"db:5432\"), got " + describe_json(value));
    return;
  }
  const int port = std::stoi(text.substr(colon + 1));
  if (port < 1 || port > kMaxPort) {
    context.error(path, "the port must be in 1..65535, got " + describe_json(value));
    return;
  }
  check.target_vm = text.substr(0, colon);
  check.port = port;
}

// A path in the guest or of a URL: it must start with '/'.
auto as_rooted(const char* what) {
  return [what](ReadContext& context, const Json& value,
                const std::string& path) -> std::optional<std::string> {
    auto text = read_name(context, value, path);
    if (!text) return std::nullopt;
    if (text->front() != '/') {
      context.error(path, std::string(what) + " must start with /, got " + describe_json(value));
      return std::nullopt;
    }
    return text;
  };
}

const ObjectTable<HealthCheckSpec>& http_table() {
  static const ObjectTable<HealthCheckSpec> table{
      "an http check object {\"port\": 80, ...}",
      {
          field_of("port", true, &HealthCheckSpec::port, as_int(1, kMaxPort)),
          field_of("path", false, &HealthCheckSpec::path, as_rooted("a URL path")),
          field_of("status", false, &HealthCheckSpec::status, as_int(100, 599)),
          field_of("body", false, &HealthCheckSpec::body, as_string()),
          field_of("target", false, &HealthCheckSpec::target_vm, as_name()),
      }};
  return table;
}

// A program and its arguments, run in the guest without a shell.
std::optional<std::vector<std::string>> read_command(ReadContext& context, const Json& value,
                                                     const std::string& path) {
  if (!value.is_array()) {
    context.error(path,
                  "expected a command as a list of strings like [\"pg_isready\", \"-q\"], "
                  "got " +
                      std::string(value.is_object() ? "an object" : describe_json(value)));
    return std::nullopt;
  }
  if (value.empty()) {
    context.error(path, "a command needs at least the program to run");
    return std::nullopt;
  }
  std::vector<std::string> argv;
  for (std::size_t i = 0; i < value.size(); ++i) {
    auto arg = read_string(context, value[i], json_path_index(path, i));
    if (!arg) return std::nullopt;
    argv.push_back(std::move(*arg));
  }
  if (argv.front().empty()) {
    context.error(json_path_index(path, 0), "the program must not be empty");
    return std::nullopt;
  }
  return argv;
}

const ObjectTable<HealthCheckSpec>& health_table() {
  static const ObjectTable<HealthCheckSpec> table{
      "a health check object",
      {
          {"tcp", false, read_tcp},
          {"http", false,
           [](ReadContext& context, const Json& value, const std::string& path,
              HealthCheckSpec& check) {
             check.kind = HealthKind::http;
             read_object(context, value, path, http_table(), check);
           }},
          {"exec", false,
           [](ReadContext& context, const Json& value, const std::string& path,
              HealthCheckSpec& check) {
             check.kind = HealthKind::exec;
             if (auto argv = read_command(context, value, path)) check.argv = std::move(*argv);
           }},
          {"file", false,
           [](ReadContext& context, const Json& value, const std::string& path,
              HealthCheckSpec& check) {
             check.kind = HealthKind::file;
             if (auto file = as_rooted("a file in the guest")(context, value, path)) {
               check.file = std::move(*file);
             }
           }},
          field_of("contains", false, &HealthCheckSpec::contains, as_string()),
          field_of("from", false, &HealthCheckSpec::from, as_name()),
          field_of("timeout", false, &HealthCheckSpec::timeout_s, as_duration(Sign::positive)),
          field_of("interval", false, &HealthCheckSpec::interval_s, as_duration(Sign::positive)),
          field_of("initial_delay", false, &HealthCheckSpec::initial_delay_s,
                   as_duration(Sign::non_negative)),
      }};
  return table;
}

// One check: its keys are known, it has exactly one kind, `contains` only with a file.
std::optional<HealthCheckSpec> read_health_check(ReadContext& context, const Json& value,
                                                 const std::string& path) {
  std::vector<std::string_view> keys;
  append_keys(keys, health_table().fields);
  if (!check_object(context, value, path, health_table().what, keys)) return std::nullopt;
  std::string kinds;
  int count = 0;
  for (const std::string_view kind : kKinds) {
    if (!value.contains(std::string(kind))) continue;
    kinds += (count++ == 0 ? "" : " and ") + std::string(kind);
  }
  if (count != 1) {
    context.error(path, "a health check has exactly one of tcp, http, exec, file; this one has " +
                            (count == 0 ? std::string("none") : kinds));
    return std::nullopt;
  }
  HealthCheckSpec check;
  read_each(context, value, path, health_table().fields, check);
  if (check.contains && check.kind != HealthKind::file) {
    context.error(json_path_join(path, "contains"),
                  "\"contains\" is for a file check only (the text the file must hold)");
  }
  return check;
}

const ObjectTable<DataProbe>& data_probe_table() {
  static const ObjectTable<DataProbe> table{
      "a data probe object {\"exec\": [...]}",
      {
          field_of("exec", true, &DataProbe::argv, read_command),
      }};
  return table;
}

}  // namespace

std::optional<Guest> read_guest(ReadContext& context, const Json& value, const std::string& path) {
  return as_object(guest_table())(context, value, path);
}

std::optional<std::vector<HealthCheckSpec>> read_health(ReadContext& context, const Json& value,
                                                        const std::string& path) {
  return as_list(read_health_check)(context, value, path);
}

std::optional<DataProbe> read_data_probe(ReadContext& context, const Json& value,
                                         const std::string& path) {
  return as_object(data_probe_table())(context, value, path);
}

}  // namespace firedrill::loading
