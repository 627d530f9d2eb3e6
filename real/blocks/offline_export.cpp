#include "real/blocks/offline_export.hpp"

#include "real/blocks/block_reader.hpp"
#include "real/blocks/bounded_command.hpp"

namespace firedrill::blocks {

std::vector<std::string> qemu_nbd_args(const OfflineExportRequest& request) {
  // No --persistent: qemu-nbd ends when its one client (this cycle's reader) disconnects,
  // so a run killed mid-read leaves no server behind.
  std::vector<std::string> args = {"qemu-nbd",
                                   "--read-only",
                                   "--fork",
                                   "--shared=1",
                                   "--format=qcow2",
                                   "--socket=" + request.socket_path,
                                   "--pid-file=" + request.pid_path,
                                   "--export-name=" + request.export_name};
  if (!request.bitmap.empty()) args.push_back("--bitmap=" + request.bitmap);
  args.push_back(request.disk_path);
  return args;
}

std::vector<std::string> OfflineExport::on_host(const std::vector<std::string>& argv) const {
  return ssh_ ? ssh_command_args(*ssh_, argv, timeout_s_) : argv;
}

OfflineExport::OfflineExport(const OfflineExportRequest& request,
                             const std::optional<SshTarget>& ssh, double timeout_s)
    : request_(request), ssh_(ssh), timeout_s_(timeout_s) {
  std::string said;
  // `--fork` returns once the server listens, or fails with its reason.
  const int status = run_bounded(on_host(qemu_nbd_args(request_)), timeout_s_, said);
  if (status != 0) {
    throw BlockError("qemu-nbd did not export " + request_.disk_path +
                     (ssh_ ? " on " + ssh_->host : std::string()) +
                     (status < 0 ? " within " + std::to_string(static_cast<int>(timeout_s_)) + " s"
                                 : " (exit " + std::to_string(status) + ")") +
                     (said.empty() ? "" : ": " + said));
  }
}

OfflineExport::~OfflineExport() {
  // Whatever still runs under the pid file goes, and so do its files: a reader that never
  // connected leaves qemu-nbd waiting for a client.
  // The pid is killed only while it is still a qemu-nbd: it may have ended and been reused.
  const std::string pid_file = shell_quoted(request_.pid_path);
  const std::string script = "pid=$(cat " + pid_file +
                             " 2>/dev/null) && grep -qa qemu-nbd /proc/$pid/cmdline 2>/dev/null "
                             "&& kill $pid; rm -f " +
                             pid_file + " " + shell_quoted(request_.socket_path) + "; true";
  std::string said;
  run_bounded(on_host({"sh", "-c", script}), timeout_s_, said);
}

}  // namespace firedrill::blocks
