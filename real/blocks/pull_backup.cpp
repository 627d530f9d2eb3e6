// libvirt's backup and checkpoint XML for a pull-mode backup of one disk, and the calls.
#include "real/blocks/pull_backup.hpp"

#include <libvirt/virterror.h>

#include <sstream>

#include "real/xml_escape.hpp"

namespace firedrill::blocks {

namespace {

std::string escaped(const std::string& text) {
  return libvirt_xml_escape(text);
}

}  // namespace

std::string pull_backup_xml(const PullBackupRequest& request) {
  std::ostringstream xml;
  xml << "<domainbackup mode='pull'>";
  if (!request.incremental_from.empty()) {
    xml << "<incremental>" << escaped(request.incremental_from) << "</incremental>";
  }
  xml << "<server transport='unix' socket='" << escaped(request.socket_path) << "'/>"
      << "<disks><disk name='" << escaped(request.disk) << "' backup='yes' type='file'"
      << " exportname='" << escaped(request.export_name) << "'";
  if (!request.incremental_from.empty()) {
    xml << " exportbitmap='" << escaped(request.export_bitmap) << "'";
  }
  xml << "><scratch file='" << escaped(request.scratch_path) << "'/></disk></disks>"
      << "</domainbackup>";
  return xml.str();
}

std::string checkpoint_xml(const PullBackupRequest& request) {
  if (request.new_checkpoint.empty()) return "";
  return "<domaincheckpoint><name>" + escaped(request.new_checkpoint) +
         "</name><disks><disk name='" + escaped(request.disk) +
         "' checkpoint='bitmap'/></disks></domaincheckpoint>";
}

bool begin_pull_backup(virDomainPtr domain, const PullBackupRequest& request, std::string& error) {
  const std::string backup = pull_backup_xml(request);
  const std::string checkpoint = checkpoint_xml(request);
  if (virDomainBackupBegin(domain, backup.c_str(),
                           checkpoint.empty() ? nullptr : checkpoint.c_str(), 0) == 0) {
    return true;
  }
  const char* message = virGetLastErrorMessage();
  error = message ? message : "the backup did not begin";
  return false;
}

bool end_pull_backup(virDomainPtr domain) {
  virDomainJobInfo info{};
  if (virDomainAbortJob(domain) == 0) return true;
  // No job (it ended already) is what we wanted.
  return virDomainGetJobInfo(domain, &info) == 0 && info.type == VIR_DOMAIN_JOB_NONE;
}

bool delete_checkpoint(virDomainPtr domain, const std::string& name, bool metadata_only) {
  virDomainCheckpointPtr checkpoint = virDomainCheckpointLookupByName(domain, name.c_str(), 0);
  if (!checkpoint) return true;
  const bool deleted =
      virDomainCheckpointDelete(
          checkpoint, metadata_only ? VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY : 0) == 0;
  virDomainCheckpointFree(checkpoint);
  return deleted;
}

}  // namespace firedrill::blocks
