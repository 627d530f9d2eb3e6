// Progress lines of a run (progress.hpp).
#include "reports/progress.hpp"

#include <nlohmann/json.hpp>
#include <ostream>
#include <type_traits>

#include "reports/text.hpp"

namespace firedrill::reports {

namespace {

// The verb of a completed step, as the operator says it.
std::string done_step(const std::string& started, bool ok) {
  if (!ok) return started + " failed";
  if (started == "boot") return "ready";
  if (started == "restore") return "restored";
  if (started == "shutdown") return "stopped";
  return started + " done";
}

// Run time and step lengths to a tenth of a second, a fixed format that lines up in a log.
std::string seconds_text(double seconds) {
  return fixed(seconds, 1) + "s";
}

}  // namespace

void ProgressPrinter::on_commands(const char*, double now_s, const std::vector<Command>& commands) {
  for (const Command& command : commands) {
    std::visit(
        [&](const auto& c) {
          using C = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<C, StartTransfer>) {
            const Started s{to_string(c.kind), c.vm, c.instance, c.target_host, now_s, true};
            started_[c.id] = s;
            if (c.kind != TransferKind::replication) {
              print({now_s, s.step, c.vm, c.instance, c.target_host, true, -1.0, "", "to"});
            }
          } else if constexpr (std::is_same_v<C, CancelTransfer>) {
            started_.erase(c.id);
          } else if constexpr (std::is_same_v<C, StartRestore>) {
            started_[c.id] = {"restore", c.vm, c.instance, c.host, now_s};
            print({now_s, "restore", c.vm, c.instance, c.host});
          } else if constexpr (std::is_same_v<C, StartBoot>) {
            started_[c.id] = {"boot", c.vm, c.instance, c.host, now_s};
            print({now_s, "boot", c.vm, c.instance, c.host});
          } else if constexpr (std::is_same_v<C, StartShutdown>) {
            started_[c.id] = {"shutdown", c.vm, c.instance, c.host, now_s};
            print({now_s, "shutdown", c.vm, c.instance, c.host});
          } else if constexpr (std::is_same_v<C, PowerOff>) {
            print({now_s, "power off", c.vm, c.instance, c.host});
          } else if constexpr (std::is_same_v<C, DeleteInstance>) {
            print({now_s, "delete", c.vm, c.instance, c.host});
          } else if constexpr (std::is_same_v<C, InjectFailure>) {
            print({now_s, "fails", "", std::string(to_string(c.kind)) + " " + c.target, ""});
          } else if constexpr (std::is_same_v<C, Repair>) {
            print({now_s, "repaired", "", std::string(to_string(c.kind)) + " " + c.target, ""});
          } else if constexpr (std::is_same_v<C, CorruptData>) {
            print({now_s, "corruption begins", c.vm, c.vm, c.host});
          }
        },
        command);
  }
}

void ProgressPrinter::on_event(const Completion& completion, double now_s) {
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, HostLost>) {
          print({now_s, "lost", "", "host " + e.host, "", false, -1.0, "it stopped answering"});
        } else {
          const auto found = started_.find(e.id);
          if (found == started_.end()) return;
          const Started s = found->second;
          started_.erase(found);
          const bool quiet_cycle = s.step == to_string(TransferKind::replication) && e.ok;
          if (quiet_cycle) return;
          print({now_s, done_step(s.step, e.ok), s.vm, s.instance, s.host, e.ok, now_s - s.at_s,
                 e.detail, s.transfer ? "to" : "on"});
        }
      },
      completion.event);
}

void ProgressPrinter::print(const Line& line) {
  if (format_ == ProgressFormat::jsonl) {
    nlohmann::json j = {
        {"t", line.t_s},
        {"step", line.step},
        {"vm", line.vm},
        {"instance", line.instance},
        {"host", line.host},
        {"ok", line.ok},
        {"took_s", line.took_s < 0 ? nlohmann::json(nullptr) : nlohmann::json(line.took_s)},
        {"detail", line.detail}};
    out_ << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n' << std::flush;
    return;
  }
  std::string text = "  +" + seconds_text(line.t_s) + " " + line.instance + " " + line.step;
  if (!line.host.empty()) text += " " + line.preposition + " " + line.host;
  if (line.took_s >= 0) {
    const std::string what = line.step == "ready" ? "boot " : "";
    text += " (" + what + seconds_text(line.took_s) + ")";
  }
  if (!line.detail.empty()) text += ": " + line.detail;
  out_ << text << '\n' << std::flush;
}

}  // namespace firedrill::reports
