// Real guests (SPEC 7) in the libvirt driver, after a restored domain runs:
//   agent       its QEMU guest agent answers (polled with a typed libvirt call);
//   re_ip       "agent": the plan's address is set on the NIC that has the restored MAC,
//               then read back through guest-network-get-interfaces;
//   check       every health check, run by the agent of the VM named by `from`, inside
//               the recovered network (never from the recovery host's namespace);
//   data_probe  the write time of the newest data the restored copy holds.
// Each rung is recorded in the readiness ladder (BootEnded.readiness) with its run time.
// guest-exec and the file calls exist only as virDomainQemuAgentCommand, which libvirt
// records as a taint of the domain: the boot's evidence says "tainted" when it was used.
#include <libvirt/virterror.h>

#include <cmath>
#include <cstdio>

#include "real/agent/guest_agent.hpp"
#include "real/agent/health_check.hpp"
#include "real/agent/health_probe.hpp"
#include "real/agent/libvirt_transport.hpp"
#include "real/libvirt_run.hpp"

namespace firedrill::libvirt_run {
namespace {

// The agent's answer to one typed call is awaited at most this long (libvirt's own
// default blocks forever on an agent that connected and then hung).
constexpr int kAgentResponseTimeout_s = 5;
constexpr double kAgentPoll_s = 0.5;
// The daemon's reply to an XML query can overtake the event it queued a moment earlier,
// and the client dispatches events on its own loop: the channel state counts only after
// it said connected this long with no event.
constexpr double kAgentEventGrace_s = 3.0;
constexpr double kReIpTimeout_s = 20.0;
constexpr double kDataProbeTimeout_s = 10.0;

struct RunEnded {};  // thrown by the check clock when the run ends: the checks stop there

// The health check runner's clock: real time, and a sleep that gives up when the run ends.
class RunCheckClock : public agent::CheckClock {
 public:
  explicit RunCheckClock(const std::atomic<bool>& finishing) : finishing_(finishing) {}
  double now_s() override { return steady_.now_s(); }
  void sleep_until_s(double t_s) override {
    for (double left = t_s - now_s(); left > 0; left = t_s - now_s()) {
      if (finishing_) throw RunEnded{};
      std::this_thread::sleep_for(std::chrono::duration<double>(std::min(kWaitSlice_s, left)));
    }
    if (finishing_) throw RunEnded{};
  }

 private:
  agent::SteadyCheckClock steady_;
  const std::atomic<bool>& finishing_;
};

agent::Millis millis(double seconds) {
  return agent::Millis(static_cast<long long>(std::llround(seconds * 1000.0)));
}

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

bool uses_agent(const Vm& vm) {
  return vm.guest.readiness == Readiness::agent || vm.guest.re_ip == GuestReIp::agent ||
         !vm.health.empty() || vm.data_probe.has_value();
}

bool LibvirtRun::wait_agent(virDomainPtr domain, double timeout_s, std::string& error,
                            bool until_run_ends, AgentConnect* connect) {
  virDomainAgentSetResponseTimeout(domain, kAgentResponseTimeout_s, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    if (connect && !connect->at_s) look_for_agent_connect(domain, *connect);
    if (!connect || connect->at_s) {
      char* name = virDomainGetHostname(domain, VIR_DOMAIN_GET_HOSTNAME_AGENT);
      if (name) {
        free(name);
        return true;
      }
      error = virt::last_error();
    } else {
      error = "the guest agent has not connected (no agent lifecycle event)";
    }
    if (!virt::is_active(domain)) {
      error = "the guest stopped before its agent answered";
      return false;
    }
    if (until_run_ends && finishing_) {
      error = "the run ended first";
      return false;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      error = "no answer from the guest agent within " + std::to_string(int(timeout_s)) +
              " s (last: " + error + ")";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(kAgentPoll_s));
  }
}

// The agent connected when the host's AGENT_LIFECYCLE event said so after the boot began;
// the live channel state is the fallback for a connection that missed the event (one that
// was reopened, or a driver without it), taken only when no event follows within the
// grace, and the evidence says which one it was.
void LibvirtRun::look_for_agent_connect(virDomainPtr domain, AgentConnect& connect) const {
  if (connect.conn) {
    if (const auto at = connect.conn->agent_connected_at(connect.instance)) {
      const double at_s = std::chrono::duration<double>(*at - start_).count();
      if (at_s >= connect.since_s) {
        connect.at_s = at_s;
        connect.by = "lifecycle event";
        return;
      }
    }
  }
  if (!connect.channel_seen_s) {
    if (virt::agent_channel_connected(domain)) connect.channel_seen_s = now();
    return;
  }
  if (!connect.conn || now() - *connect.channel_seen_s >= kAgentEventGrace_s) {
    connect.at_s = connect.channel_seen_s;
    connect.by = "channel state";
  }
}

// The copy of `vm` a check reaches: the recovered one when this run booted one, else its
// production copy (a VM the incident did not touch) at the plan's address.
LibvirtRun::GuestCopy LibvirtRun::copy_of(const std::string& vm) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return copy_of_locked(vm);
}

LibvirtRun::GuestCopy LibvirtRun::copy_of_locked(const std::string& vm) const {
  if (const auto found = recovered_.find(vm); found != recovered_.end()) return found->second;
  GuestCopy copy;
  if (const auto home = vm_host_.find(vm); home != vm_host_.end()) copy.host = home->second;
  copy.instance = vm;
  if (const Vm* plan_vm = find_vm(scenario_.plan, vm)) {
    const Network* network = find_network(scenario_.plan, plan_vm->network);
    copy.cidr = ip_with_prefix(plan_vm->ip, network ? network->subnet : "");
  }
  return copy;
}

bool LibvirtRun::re_ip_by_agent(const StartBoot& command, virDomainPtr domain,
                                agent::GuestAgent& guest, ReadinessStep& rung) {
  const auto facts = virt::domain_facts(domain);
  const std::string cidr = copy_of(command.vm).cidr;
  if (!facts || facts->mac.empty() || cidr.empty()) {
    rung.detail = !facts               ? "cannot read the domain: " + virt::last_error()
                  : facts->mac.empty() ? "the restored domain has no NIC"
                                       : "the plan gives " + command.vm + " no address";
    return false;
  }
  const auto slash = cidr.find('/');
  try {
    const agent::ReIpResult result =
        guest.set_address(facts->mac, cidr.substr(0, slash), std::stoi(cidr.substr(slash + 1)), "",
                          millis(kReIpTimeout_s));
    std::string seen;
    for (const agent::IpAddress& ip : result.read_back) {
      seen += (seen.empty() ? "" : ", ") + ip.address + "/" + std::to_string(ip.prefix);
    }
    rung.detail = result.interface + " (" + facts->mac + ") read back: " + seen;
    return true;
  } catch (const agent::AgentError& error) {
    rung.detail = "Re-IP to " + cidr + " on MAC " + facts->mac + ": " + error.what();
    return false;
  }
}

// One attempt of a check: through the agent of the `from` VM's copy, at the target's address.
agent::AttemptResult LibvirtRun::check_attempt(const StartBoot& command,
                                               const agent::HealthCheck& check, double budget_s,
                                               bool& tainted) {
  const GuestCopy runner = check.from.empty() || check.from == command.vm
                               ? GuestCopy{command.host, command.instance, ""}
                               : copy_of(check.from);
  HostState* h = host(runner.host);
  virt::Domain domain = h && h->up ? h->conn->domain(runner.instance) : nullptr;
  if (!domain) return {false, "no running copy of " + check.from + " to run the check from"};
  const std::string target = check.target_vm.empty() ? command.vm : check.target_vm;
  const std::string address = copy_of(target).address();
  if (address.empty() && (check.kind == HealthKind::tcp || check.kind == HealthKind::http)) {
    return {false, "the plan gives " + target + " no address to probe"};
  }
  agent::LibvirtAgentTransport transport(domain.get());
  agent::GuestAgent guest(transport);
  tainted = true;
  return agent::agent_attempt(guest, check, address, budget_s);
}

bool LibvirtRun::run_checks(const StartBoot& command, const Vm& vm, BootEnded& ended,
                            bool& tainted) {
  RunCheckClock clock(finishing_);
  const double started = now();
  agent::HealthResult result;
  try {
    result = agent::run_health_checks(
        vm.health,
        [&](const agent::HealthCheck& check, double budget_s) {
          return check_attempt(command, check, budget_s, tainted);
        },
        clock);
  } catch (const RunEnded&) {
    ended.readiness.push_back({"check", now(), false, 0, "the run ended first"});
    ended.detail = "the run ended before its health checks passed";
    return false;
  }
  for (const agent::CheckOutcome& outcome : result.checks) {
    ReadinessStep rung{"check", started, outcome.passed, outcome.attempts, outcome.check};
    if (outcome.first_pass_s) rung.at_s = started + *outcome.first_pass_s;
    if (!outcome.passed) {
      rung.at_s = now();
      rung.detail +=
          outcome.abandoned ? ": not finished (another check failed)" : ": " + outcome.last_error;
    }
    ended.readiness.push_back(rung);
  }
  if (!result.ready) ended.detail = result.reason;
  return result.ready;
}

// The probe prints a Unix time; it is taken as the guest writes it (no skew correction:
// an application's own timestamps are what its users see).
bool LibvirtRun::probe_data(const Vm& vm, agent::GuestAgent& guest, BootEnded& ended) {
  ReadinessStep rung{"data_probe", 0.0, false, 1, ""};
  try {
    const agent::ExecResult result = guest.exec(vm.data_probe->argv, millis(kDataProbeTimeout_s));
    const std::string out = trimmed(result.out);
    char* end = nullptr;
    const double written = std::strtod(out.c_str(), &end);
    if (!result.succeeded()) {
      rung.detail = "exit status " + std::to_string(result.exit_code.value_or(-1)) + ": " +
                    trimmed(result.err);
    } else if (out.empty() || *end != '\0' || !std::isfinite(written)) {
      rung.detail = "printed '" + out.substr(0, 80) + "', not a Unix time";
    } else {
      ended.data_as_of_s = written - epoch0_;
      rung.passed = true;
      rung.detail = "newest data written at " + out;
    }
  } catch (const agent::AgentError& error) {
    rung.detail = error.what();
  }
  rung.at_s = now();
  ended.readiness.push_back(rung);
  if (!rung.passed) ended.detail = "data_probe: " + rung.detail;
  return rung.passed;
}

// After the domain runs (and, for a console guest, printed READY): the agent rungs.
bool LibvirtRun::climb_agent_ladder(const StartBoot& command, virDomainPtr domain, const Vm& vm,
                                    double started_s, double deadline_s, BootEnded& ended,
                                    json& boot, bool& tainted) {
  if (!uses_agent(vm)) return true;
  std::string error;
  AgentConnect connect;
  if (HostState* h = host(command.host)) connect.conn = h->conn.get();
  connect.instance = command.instance;
  connect.since_s = started_s;
  const bool answers = wait_agent(domain, std::max(1.0, deadline_s - now()), error, true, &connect);
  boot["agent_connected"] =
      connect.at_s ? json{{"at", *connect.at_s}, {"by", connect.by}} : json(nullptr);
  if (!answers) {
    ended.readiness.push_back({"agent", now(), false, 1, error});
    ended.detail = error;
    return false;
  }
  char connected[96];
  std::snprintf(connected, sizeof connected, "guest agent connected at %.1f s (%s) and answers",
                *connect.at_s, connect.by.c_str());
  ended.readiness.push_back({"agent", now(), true, 1, connected});
  agent::LibvirtAgentTransport transport(domain);
  agent::GuestAgent guest(transport);
  if (vm.guest.re_ip == GuestReIp::agent) {
    ReadinessStep rung{"re_ip", 0.0, false, 1, ""};
    tainted = true;
    rung.passed = re_ip_by_agent(command, domain, guest, rung);
    rung.at_s = now();
    ended.readiness.push_back(rung);
    if (!rung.passed) {
      ended.detail = rung.detail;
      ended.retryable = false;  // the same guest refuses the same address again
      return false;
    }
  }
  if (!vm.health.empty() && !run_checks(command, vm, ended, tainted)) return false;
  if (vm.data_probe) {
    tainted = true;
    if (!probe_data(vm, guest, ended)) return false;
  }
  return true;
}

// A production copy that has no console watcher is alive when its agent answers (asked
// once the run is ending: finishing_ is already set).
bool LibvirtRun::agent_alive(virDomainPtr domain) {
  std::string error;
  return wait_agent(domain, kAliveAtEndTimeout_s, error, /*until_run_ends=*/false);
}

}  // namespace firedrill::libvirt_run
