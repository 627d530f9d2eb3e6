// Boot times per VM (fits.hpp): every boot that reached ready, test-failover copies
// included (they boot the same guest image), from every run given.
#include <algorithm>
#include <map>
#include <set>

#include "real/calibrate/fits.hpp"

namespace firedrill::calibrate {

namespace {

using json = nlohmann::ordered_json;

struct VmBoots {
  std::vector<double> samples_s;
  json samples = json::array();
  std::set<std::string> runs;
  std::size_t failed = 0;
};

Fitted boot_fit(const std::string& vm, const VmBoots& boots) {
  Fitted fitted;
  fitted.path = element_path("vms", vm, "boot_time");
  const std::size_t n = boots.samples_s.size();
  fitted.fit = {{"path", fitted.path},
                {"method", nullptr},  // set below; here so that it is written second
                {"samples", boots.samples},
                {"runs", boots.runs.size()},
                {"failed_boots", boots.failed}};
  const std::string counted = std::to_string(n) + (n == 1 ? " boot" : " boots") + " in " +
                              std::to_string(boots.runs.size()) +
                              (boots.runs.size() == 1 ? " run" : " runs");
  if (n == 1) {
    fitted.value = duration_text_ms(boots.samples_s.front());
    fitted.fit["method"] = "fixed: the one boot's ready - start (a distribution needs two or more)";
    fitted.summary = "fixed, from " + counted;
    return fitted;
  }
  const Lognormal fit = fit_lognormal(boots.samples_s);
  // The loader refuses a lognormal mean of zero; a boot under half a millisecond would
  // print as "0s", so the mean is written as at least one millisecond.
  const std::string mean = duration_text_ms(std::max(fit.mean_s, 0.001));
  fitted.value = {{"dist", "lognormal"}, {"mean", mean}, {"sd", duration_text_ms(fit.sd_s)}};
  fitted.fit["method"] =
      "lognormal by maximum likelihood: mu and sigma are the mean and population sd of "
      "ln(ready - start); mean = exp(mu + sigma^2/2), sd = mean * sqrt(exp(sigma^2) - 1)";
  fitted.fit["mu"] = round_micro(fit.mu);
  fitted.fit["sigma"] = round_micro(fit.sigma);
  fitted.fit["mean_s"] = round_micro(fit.mean_s);
  fitted.fit["sd_s"] = round_micro(fit.sd_s);
  fitted.summary = "lognormal, from " + counted;
  return fitted;
}

}  // namespace

void fit_boot_times(const std::vector<RunEvidence>& runs, Fits& fits) {
  std::map<std::string, VmBoots> by_vm;
  std::set<std::string> known;  // every VM a report names, fitted or not
  for (const RunEvidence& run : runs) {
    for (const std::string& vm : run.vms) known.insert(vm);
    for (const auto& [vm, failed] : run.failed_boots) by_vm[vm].failed += failed;
    for (const BootSample& boot : run.boots) {
      VmBoots& boots = by_vm[boot.vm];
      const double seconds = boot.ready_s - boot.start_s;
      boots.samples_s.push_back(seconds);
      boots.runs.insert(run.dir);
      json sample = {{"run", run.dir},
                     {"instance", boot.instance},
                     {"host", boot.host},
                     {"test", boot.test},
                     {"seconds", round_micro(seconds)}};
      if (boot.expected_s) sample["expected_s"] = round_micro(*boot.expected_s);
      boots.samples.push_back(sample);
    }
  }
  for (const auto& [vm, boots] : by_vm) known.insert(vm);
  for (const std::string& vm : known) {
    const auto found = by_vm.find(vm);
    if (found != by_vm.end() && !found->second.samples_s.empty()) {
      fits.fitted.push_back(boot_fit(vm, found->second));
      continue;
    }
    const std::size_t failed = found == by_vm.end() ? 0 : found->second.failed;
    fits.not_fitted.push_back(
        {element_path("vms", vm, "boot_time"),
         "no boot of " + vm + " reached ready in these runs" +
             (failed ? " (" + std::to_string(failed) + " never did)" : std::string())});
  }
}

}  // namespace firedrill::calibrate
