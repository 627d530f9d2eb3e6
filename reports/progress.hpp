// Live progress of a run: a line per step that an operator watching a drill cares about
// (restores, boots and when they are ready, shutdowns, final and reverse syncs, deletions of
// test copies, injected failures, lost hosts, failed replication cycles), as text or as
// JSON Lines, on a stream (stderr). It is a DriveObserver (engine/drive.hpp), so both
// backends show the same steps. Periodic replication cycles that succeed are not shown:
// there are thousands of them in a day and they say nothing new.
//   text:  "  +38.5s web-test ready on lab3 (boot 10.3s)"
//   jsonl: {"t":38.5,"step":"ready","vm":"web","instance":"web-test","host":"lab3",
//           "ok":true,"took_s":10.3,"detail":""}
#pragma once

#include <iosfwd>
#include <map>
#include <string>

#include "engine/drive.hpp"

namespace firedrill::reports {

enum class ProgressFormat { text, jsonl };

class ProgressPrinter : public DriveObserver {
 public:
  ProgressPrinter(std::ostream& out, ProgressFormat format) : out_(out), format_(format) {}

  void on_commands(const char* call, double now_s, const std::vector<Command>& commands) override;
  void on_event(const Completion& completion, double now_s) override;

 private:
  struct Started {
    std::string step;  // "restore", "boot", "shutdown", "final_sync", "reverse_sync", ...
    std::string vm, instance, host;
    double at_s = 0.0;
    bool transfer = false;  // shown "to" its target host, not "on" it
  };
  struct Line {
    double t_s = 0.0;
    std::string step{}, vm{}, instance{}, host{};
    bool ok = true;
    double took_s = -1.0;  // < 0: not a completion
    std::string detail{};
    std::string preposition = "on";  // before the host: "on lab3", "to lab3" (a transfer)
  };
  void print(const Line& line);

  std::ostream& out_;
  ProgressFormat format_;
  std::map<ActivityId, Started> started_;  // activities whose end is shown
};

}  // namespace firedrill::reports
