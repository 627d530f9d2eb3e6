// One-line descriptions of commands, for logs, --verbose and tests.
#include "engine/commands.hpp"

#include <sstream>

namespace firedrill {

const char* to_string(FailureTarget kind) {
  switch (kind) {
    case FailureTarget::host:
      return "host";
    case FailureTarget::site:
      return "site";
    case FailureTarget::datastore:
      return "datastore";
    case FailureTarget::link:
      return "link";
    case FailureTarget::vm:
      return "vm";
  }
  return "?";
}

namespace {

struct Describer {
  std::ostringstream& out;
  void operator()(const SeedReplica& c) {
    out << "seed " << c.vm << " " << c.source_host << "->" << c.target_host << " " << c.bytes
        << "B";
  }
  void operator()(const StartTransfer& c) {
    out << "transfer#" << c.id << " " << to_string(c.kind) << " " << c.vm << " " << c.source_host
        << "->" << c.target_host << " " << c.bytes << "B as_of=" << c.as_of_s;
  }
  void operator()(const CancelTransfer& c) { out << "cancel transfer#" << c.id; }
  void operator()(const PrunePoint& c) {
    out << "prune " << c.vm << "@" << c.as_of_s << " on " << c.host;
  }
  void operator()(const StartRestore& c) {
    out << "restore#" << c.id << " " << c.instance << " on " << c.host << " from " << c.vm << "@"
        << c.point_as_of_s << " net=" << c.network << " ip=" << c.ip << (c.test ? " test" : "")
        << (c.failback ? " failback" : "");
  }
  void operator()(const StartBoot& c) {
    out << "boot#" << c.id << " " << c.instance << " on " << c.host << " " << c.boot_time_s << "s"
        << (c.from_shared_storage ? " (shared storage)" : "");
  }
  void operator()(const StartShutdown& c) {
    out << "shutdown#" << c.id << " " << c.instance << " on " << c.host << " " << c.shutdown_time_s
        << "s";
  }
  void operator()(const PowerOff& c) { out << "power-off " << c.instance << " on " << c.host; }
  void operator()(const DeleteInstance& c) { out << "delete " << c.instance << " on " << c.host; }
  void operator()(const InjectFailure& c) {
    out << (c.hang ? "hang " : "fail ") << to_string(c.kind) << " " << c.target;
  }
  void operator()(const Repair& c) { out << "repair " << to_string(c.kind) << " " << c.target; }
  void operator()(const CorruptData& c) { out << "corrupt " << c.vm << " on " << c.host; }
};

}  // namespace

std::string describe(const Command& command) {
  std::ostringstream out;
  std::visit(Describer{out}, command);
  return out.str();
}

}  // namespace firedrill
