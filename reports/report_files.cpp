// Writing every output file of firedrill (report.json/html, junit.xml, the history views,
// whatif.json/csv/html and runs.jsonl): each through a temporary file, fsync and rename(),
// then an fsync of the directory, so a full disk or a crash leaves the previous file or
// none, never half of one.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "reports/report.hpp"

namespace firedrill::reports {

std::string write_file_atomically(const std::string& path, const std::string& content) {
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return path + ": cannot create: " + std::strerror(errno);
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(temporary.c_str());
      return path + ": cannot write: " + std::strerror(error);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    return path + ": cannot write: " + std::strerror(error);
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return path + ": cannot write: " + std::strerror(error);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    return path + ": cannot rename into place: " + std::strerror(error);
  }
  // The rename itself reaches the disk with the directory. A directory that cannot be
  // opened or synced (some file systems refuse) leaves the file written all the same.
  const std::string directory = std::filesystem::path(path).parent_path().string();
  const int directory_fd =
      ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (directory_fd >= 0) {
    ::fsync(directory_fd);
    ::close(directory_fd);
  }
  return {};
}

Result<std::vector<std::string>> write_reports(const std::string& out_dir, const Scenario& scenario,
                                               const Outcome& outcome, const RunContext& context) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) {
    return Diagnostic{Diagnostic::Severity::error, out_dir, "",
                      "cannot create the report directory: " + error.message()};
  }
  const std::filesystem::path dir(out_dir);
  const std::pair<const char*, std::string> files[] = {
      {"report.json", render_report_json(scenario, outcome, context)},
      {"report.html", render_report_html(scenario, outcome, context)},
      {"junit.xml", render_junit_xml(scenario, outcome, context)},
  };
  std::vector<std::string> written;
  for (const auto& [name, content] : files) {
    const std::string path = (dir / name).string();
    const std::string problem = write_file_atomically(path, content);
    if (!problem.empty()) {
      return Diagnostic{Diagnostic::Severity::error, path, "", problem.substr(path.size() + 2)};
    }
    written.push_back(path);
  }
  return written;
}

}  // namespace firedrill::reports
