// The run journal and the cleanup that replays it.
#include "real/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "real/blocks/pull_backup.hpp"
#include "real/virt.hpp"

namespace firedrill {

namespace {

std::string journal_path(const std::string& dir) {
  return dir + "/journal.jsonl";
}

nlohmann::json to_json(const char* event, const JournalObject& object) {
  nlohmann::json line = {{"event", event},
                         {"kind", object.kind},
                         {"host", object.host},
                         {"uri", object.uri},
                         {"name", object.name}};
  if (!object.domain.empty()) line["domain"] = object.domain;
  if (!object.uuid.empty()) line["uuid"] = object.uuid;
  return line;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

}  // namespace

Journal::Journal(const std::string& dir) : path_(journal_path(dir)) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  std::ofstream touch(path_, std::ios::app);
  ok_ = static_cast<bool>(touch);
}

void Journal::append(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  const std::string text = line + "\n";
  const ssize_t written = ::write(fd, text.data(), text.size());
  (void)written;
  ::fsync(fd);
  ::close(fd);
}

void Journal::run_started(const std::string& run_id) {
  append(nlohmann::json{
      {"event", "run"}, {"run_id", run_id}, {"pid", ::getpid()}, {"started", utc_now()}}
             .dump());
}
void Journal::created(const JournalObject& object) {
  append(to_json("created", object).dump());
}
void Journal::removed(const JournalObject& object) {
  append(to_json("removed", object).dump());
}
void Journal::ended() {
  append(nlohmann::json{{"event", "end"}, {"at", utc_now()}}.dump());
}

std::vector<JournalObject> journal_leftovers(const std::string& dir) {
  std::ifstream in(journal_path(dir));
  std::vector<JournalObject> objects;
  std::string text;
  while (std::getline(in, text)) {
    const auto line = nlohmann::json::parse(text, nullptr, false);
    if (line.is_discarded() || !line.is_object() || !line.contains("kind")) continue;
    JournalObject object{line.value("kind", ""), line.value("host", ""),   line.value("uri", ""),
                         line.value("name", ""), line.value("domain", ""), line.value("uuid", "")};
    const std::string event = line.value("event", "");
    if (event == "created") {
      std::erase(objects, object);
      objects.push_back(object);
    } else if (event == "removed") {
      std::erase(objects, object);
    }
  }
  return objects;
}

namespace {

// A snapshot overlay: merged back into a running domain's disk first, refused while a
// stopped domain still runs on it (a merge needs it running), then deleted.
bool undo_overlay(const virt::Connection& host, const JournalObject& object, bool doomed,
                  std::string& did) {
  virt::Domain domain = doomed ? nullptr : host.domain(object.domain);
  if (domain && !virt::is_active(domain.get())) {
    const auto facts = virt::domain_facts(domain.get(), true);
    if (facts && facts->disk_path == object.name) {
      did = "the stopped domain " + object.domain + " still runs on snapshot overlay " +
            object.name + ": start it and merge it (virsh blockcommit " + object.domain +
            " vda --active --pivot), then run cleanup again";
      return false;
    }
  }
  if (domain && virt::is_active(domain.get())) {
    const auto facts = virt::domain_facts(domain.get());
    if (facts && facts->disk_path == object.name) {
      std::string error;
      if (!virt::commit_and_pivot(domain.get(), "vda", 60, error)) {
        did = "could not commit snapshot overlay back into the disk of " + object.domain + ": " +
              error;
        return false;
      }
      did = "committed overlay back into " + object.domain + "'s disk; ";
    }
  }
  if (!virt::delete_volume_at(host, object.name)) {
    did += "could not delete overlay " + object.name + ": " + virt::last_error();
    return false;
  }
  did += "deleted overlay " + object.name;
  return true;
}

// A backup checkpoint: its bitmap and libvirt's record, or only the record when its domain
// goes next.
bool undo_checkpoint(const virt::Connection& host, const JournalObject& object, bool doomed,
                     std::string& did) {
  virt::Domain domain = host.domain(object.domain);
  if (!domain) {
    did = "checkpoint " + object.name + ": domain " + object.domain + " already gone";
    return true;
  }
  if (!blocks::delete_checkpoint(domain.get(), object.name, doomed)) {
    did = "could not delete checkpoint " + object.name + " of " + object.domain + ": " +
          virt::last_error();
    return false;
  }
  did = "deleted checkpoint " + object.name + " of " + object.domain;
  return true;
}

// A domain this run defined: destroyed and undefined with its checkpoints' metadata, but
// only while its UUID is the one this run made (a namesake is somebody else's).
bool undo_domain(const virt::Connection& host, const JournalObject& object, std::string& did) {
  virt::Domain domain = host.domain(object.name);
  if (!domain) {
    did = "domain " + object.name + " already gone";
    return true;
  }
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  virDomainGetUUIDString(domain.get(), uuid);
  if (!object.uuid.empty() && object.uuid != uuid) {
    did = "domain " + object.name + " has another UUID than the one this run made: left alone";
    return true;
  }
  if (virt::is_active(domain.get())) virDomainDestroy(domain.get());
  if (virDomainUndefineFlags(domain.get(), VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) < 0 &&
      host.domain(object.name)) {
    did = "could not undefine domain " + object.name + ": " + virt::last_error();
    return false;
  }
  did = "destroyed and undefined domain " + object.name;
  return true;
}

// Undoes one object on an open connection; true when it is gone.
// `doomed`: the domain itself is a leftover that goes next (its overlay needs no merge, its
// checkpoint only libvirt's record removed).
bool undo(const virt::Connection& host, const JournalObject& object, bool doomed,
          std::string& did) {
  if (object.kind == "overlay") return undo_overlay(host, object, doomed, did);
  if (object.kind == "checkpoint") return undo_checkpoint(host, object, doomed, did);
  if (object.kind == "domain") return undo_domain(host, object, did);
  if (object.kind == "volume") {
    if (!virt::delete_volume(host, object.name)) {
      did = "could not delete volume " + object.name + ": " + virt::last_error();
      return false;
    }
    did = "deleted volume " + object.name;
    return true;
  }
  did = "unknown journal object kind '" + object.kind + "'";
  return false;
}

}  // namespace

CleanupReport cleanup_journal(const std::string& dir, double answer_timeout_s) {
  CleanupReport report;
  std::vector<JournalObject> leftovers = journal_leftovers(dir);
  // Overlays and checkpoints first (they belong to a source that may still run), then
  // domains, then volumes.
  auto rank = [](const JournalObject& o) {
    return o.kind == "overlay" || o.kind == "checkpoint" ? 0 : o.kind == "domain" ? 1 : 2;
  };
  std::stable_sort(leftovers.begin(), leftovers.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  Journal journal(dir);
  std::map<std::string, std::unique_ptr<virt::Connection>> hosts;
  std::map<std::string, std::string> unreachable;  // uri -> why it could not be opened
  std::mutex report_mutex;
  auto undo_one = [&](const JournalObject& object, virt::Connection& host) {
    const bool doomed =
        (object.kind == "overlay" || object.kind == "checkpoint") &&
        std::any_of(leftovers.begin(), leftovers.end(), [&](const JournalObject& other) {
          return other.kind == "domain" && other.host == object.host && other.name == object.domain;
        });
    std::string did;
    const bool ok = undo(host, object, doomed, did);
    std::lock_guard<std::mutex> lock(report_mutex);
    if (ok) {
      journal.removed(object);
      ++report.removed;
      report.lines.push_back(object.host + ": " + did);
    } else {
      report.problems.push_back(object.host + ": " + did);
    }
  };
  // Domains are undone side by side (destroying a guest takes libvirt about 2 s on a loaded
  // machine); overlays before them and volumes after them, one by one.
  std::vector<std::thread> domains;
  for (std::size_t i = 0; i < leftovers.size(); ++i) {
    const JournalObject& object = leftovers[i];
    if (object.kind != "domain" && !domains.empty()) {
      for (auto& thread : domains) thread.join();
      domains.clear();
    }
    auto& host = hosts[object.uri];
    // One attempt per host: a host that does not answer costs answer_timeout_s once, not
    // once per object it holds.
    if (!host && !unreachable.count(object.uri)) {
      host = virt::Connection::open(object.uri, unreachable[object.uri], {}, answer_timeout_s);
      if (host) unreachable.erase(object.uri);
    }
    if (!host) {
      std::lock_guard<std::mutex> lock(report_mutex);
      report.unreachable = true;
      report.problems.push_back(object.host + ": cannot connect to " + object.uri + " (" +
                                unreachable[object.uri] + "): " + object.kind + " " + object.name +
                                " remains");
      continue;
    }
    if (object.kind == "domain") {
      domains.emplace_back(undo_one, std::cref(object), std::ref(*host));
    } else {
      undo_one(object, *host);
    }
  }
  for (auto& thread : domains) thread.join();
  return report;
}

}  // namespace firedrill
