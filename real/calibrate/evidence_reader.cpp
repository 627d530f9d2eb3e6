// Reading a run folder (evidence.hpp). Every check names the file and the JSON path, so a
// run folder that is not what `firedrill run --backend libvirt` wrote exits 2 with the
// reason instead of giving a calibration from half the evidence.
#include <filesystem>

#include "engine/json_reader.hpp"
#include "engine/loader_text.hpp"
#include "engine/sha256.hpp"
#include "real/calibrate/evidence.hpp"

namespace firedrill::calibrate {

namespace {

namespace fs = std::filesystem;

// Typed fields of one file; the first problem is kept and every later read returns a
// harmless default, so a reader can read a whole record and check once.
class Fields {
 public:
  explicit Fields(std::string file) : file_(std::move(file)) {}

  const Json* member(const Json& object, const std::string& path, const std::string& key,
                     bool required = true) {
    const auto found = object.find(key);
    if (found != object.end()) return &*found;
    if (required) fail(path, "missing \"" + key + "\"");
    return nullptr;
  }
  std::string text(const Json& object, const std::string& path, const std::string& key) {
    const Json* value = member(object, path, key);
    if (value && value->is_string()) return value->get<std::string>();
    if (value) fail(json_path_join(path, key), "expected a string, got " + value->dump());
    return {};
  }
  double number(const Json& object, const std::string& path, const std::string& key) {
    const Json* value = member(object, path, key);
    if (value && value->is_number()) return value->get<double>();
    if (value) fail(json_path_join(path, key), "expected a number, got " + value->dump());
    return 0;
  }
  bool flag(const Json& object, const std::string& path, const std::string& key) {
    const Json* value = member(object, path, key);
    if (value && value->is_boolean()) return value->get<bool>();
    if (value) fail(json_path_join(path, key), "expected true or false, got " + value->dump());
    return false;
  }
  // An optional string field that may also be null: nullopt for both.
  std::optional<std::string> text_or_null(const Json& object, const std::string& path,
                                          const std::string& key) {
    const Json* value = member(object, path, key, false);
    if (!value || value->is_null()) return std::nullopt;
    if (value->is_string()) return value->get<std::string>();
    fail(json_path_join(path, key), "expected a string or null, got " + value->dump());
    return std::nullopt;
  }
  const Json& array(const Json& object, const std::string& path, const std::string& key) {
    static const Json kEmpty = Json::array();
    const Json* value = member(object, path, key);
    if (value && value->is_array()) return *value;
    if (value) fail(json_path_join(path, key), "expected a list");
    return kEmpty;
  }
  void fail(const std::string& path, std::string message) {
    if (!error_) error_ = Diagnostic{Diagnostic::Severity::error, file_, path, std::move(message)};
  }
  const std::optional<Diagnostic>& error() const { return error_; }

 private:
  std::string file_;
  std::optional<Diagnostic> error_;
};

Diagnostic error_in(const std::string& file, const std::string& path, std::string message) {
  return {Diagnostic::Severity::error, file, path, std::move(message)};
}

// The file's text and its JSON object, or why not.
struct JsonFile {
  std::string text;
  Json root;
};
Result<JsonFile> read_json_file(const std::string& file) {
  std::string reason;
  const auto text = read_input_file(file, &reason);
  if (!text) return error_in(file, "", "cannot read: " + reason);
  ParsedJson parsed = parse_json(*text, file);
  if (!parsed.value) return *parsed.error;
  if (!parsed.value->is_object()) return error_in(file, "", "expected a JSON object");
  return JsonFile{*text, std::move(*parsed.value)};
}

std::optional<Diagnostic> read_report(const std::string& file, const JsonFile& report,
                                      RunEvidence& run) {
  Fields fields(file);
  const Json& root = report.root;
  const std::string backend = fields.text(root, "", "backend");
  if (!fields.error() && backend != "libvirt") {
    return error_in(file, "backend",
                    "a " + (backend == "sim" ? std::string("simulated") : "\"" + backend + "\"") +
                        " run measures nothing real: calibrate reads runs made with "
                        "`firedrill run --backend libvirt`");
  }
  run.plan = fields.text(root, "", "plan");
  run.scenario = fields.text(root, "", "scenario");
  if (const Json* seed = fields.member(root, "", "seed")) run.seed = *seed;
  const Json& vms = fields.array(root, "", "vms");
  for (std::size_t i = 0; i < vms.size(); ++i) {
    const std::string at = json_path_index("vms", i);
    if (!vms[i].is_object()) {
      fields.fail(at, "expected a VM object");
      break;
    }
    run.vms.push_back(fields.text(vms[i], at, "name"));
  }
  if (!fields.error() && run.plan.empty()) fields.fail("plan", "the plan has no name");
  run.report_sha256 = sha256_hex(report.text);
  return fields.error();
}

void read_boot(Fields& fields, const Json& boot, const std::string& at, RunEvidence& run) {
  BootSample sample;
  sample.vm = fields.text(boot, at, "vm");
  sample.instance = fields.text(boot, at, "instance");
  sample.host = fields.text(boot, at, "host");
  sample.test = fields.flag(boot, at, "test");
  sample.start_s = fields.number(boot, at, "start");
  // A boot in "boots" reached ready; one that did not has no "ready" and is filed under
  // failed_boots (libvirt_instances.cpp). Either way an unready boot times nothing.
  if (!boot.contains("ready")) {
    ++run.failed_boots[sample.vm];
    return;
  }
  sample.ready_s = fields.number(boot, at, "ready");
  if (boot.contains("expected_boot_time")) {
    sample.expected_s = fields.number(boot, at, "expected_boot_time");
  }
  if (!fields.error() && !(sample.ready_s > sample.start_s)) {
    fields.fail(at, "ready (" + std::to_string(sample.ready_s) + ") is not after start (" +
                        std::to_string(sample.start_s) + ")");
  }
  run.boots.push_back(sample);
}

void read_failed_boot(Fields& fields, const Json& boot, const std::string& at, RunEvidence& run) {
  ++run.failed_boots[fields.text(boot, at, "vm")];
}

void read_transfer(Fields& fields, const Json& transfer, const std::string& at, RunEvidence& run) {
  TransferSample sample;
  sample.vm = fields.text(transfer, at, "vm");
  sample.target = fields.text(transfer, at, "target");
  sample.has_link_field = transfer.contains("link");
  sample.link = fields.text_or_null(transfer, at, "link");
  if (transfer.contains("seed")) sample.seed = fields.flag(transfer, at, "seed");
  sample.copy = fields.text_or_null(transfer, at, "copy");
  sample.ok = fields.flag(transfer, at, "ok");
  sample.as_of_s = fields.number(transfer, at, "as_of");
  sample.start_s = fields.number(transfer, at, "start");
  sample.end_s = fields.number(transfer, at, "end");
  sample.bytes_B = fields.number(transfer, at, "bytes");
  if (!fields.error() && sample.ok && sample.end_s < sample.start_s) {
    fields.fail(at, "end (" + std::to_string(sample.end_s) + ") is before start (" +
                        std::to_string(sample.start_s) + ")");
  }
  run.transfers.push_back(sample);
}

std::optional<Diagnostic> read_libvirt(const std::string& file, const Json& root,
                                       RunEvidence& run) {
  Fields fields(file);
  const auto each = [&](const char* key, const auto& read) {
    const Json& list = fields.array(root, "", key);
    for (std::size_t i = 0; i < list.size() && !fields.error(); ++i) {
      const std::string at = json_path_index(key, i);
      if (!list[i].is_object()) {
        fields.fail(at, "expected an object");
      } else {
        read(fields, list[i], at, run);
      }
    }
  };
  each("boots", read_boot);
  each("failed_boots", read_failed_boot);
  each("transfers", read_transfer);
  return fields.error();
}

}  // namespace

Result<RunEvidence> read_run(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return error_in(dir, "",
                    fs::exists(dir, error) ? "not a folder (give the --out folder of a run)"
                                           : "no such folder");
  }
  RunEvidence run;
  run.dir = dir;
  const std::string report_file = (fs::path(dir) / "report.json").string();
  Result<JsonFile> report = read_json_file(report_file);
  if (!report.ok()) return report.errors();
  if (auto problem = read_report(report_file, report.value(), run)) return *problem;
  const std::string libvirt_file = (fs::path(dir) / "libvirt.json").string();
  Result<JsonFile> libvirt = read_json_file(libvirt_file);
  if (!libvirt.ok()) return libvirt.errors();
  if (auto problem = read_libvirt(libvirt_file, libvirt.value().root, run)) return *problem;
  return run;
}

}  // namespace firedrill::calibrate
