// The backup and checkpoint XML handed to virDomainBackupBegin: full and incremental forms,
// and values escaped (a socket path is a folder the user chose).
#include <gtest/gtest.h>

#include "real/blocks/pull_backup.hpp"

using firedrill::blocks::checkpoint_xml;
using firedrill::blocks::pull_backup_xml;
using firedrill::blocks::PullBackupRequest;

TEST(PullBackupXml, AFullBackupExportsTheDiskWithoutABitmap) {
  PullBackupRequest request;
  request.socket_path = "/run/fd/seed.sock";
  request.scratch_path = "/run/fd/seed.scratch";
  request.new_checkpoint = "fd-1";
  EXPECT_EQ(pull_backup_xml(request),
            "<domainbackup mode='pull'><server transport='unix' socket='/run/fd/seed.sock'/>"
            "<disks><disk name='vda' backup='yes' type='file' exportname='vda'>"
            "<scratch file='/run/fd/seed.scratch'/></disk></disks></domainbackup>");
  EXPECT_EQ(checkpoint_xml(request),
            "<domaincheckpoint><name>fd-1</name><disks><disk name='vda' checkpoint='bitmap'/>"
            "</disks></domaincheckpoint>");
}

TEST(PullBackupXml, AnIncrementalBackupNamesItsCheckpointAndExportsTheBitmap) {
  PullBackupRequest request;
  request.socket_path = "/run/fd/c.sock";
  request.scratch_path = "/run/fd/c.scratch";
  request.incremental_from = "fd-1";
  const std::string xml = pull_backup_xml(request);
  EXPECT_NE(xml.find("<incremental>fd-1</incremental>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("exportbitmap='dirty'"), std::string::npos) << xml;
  EXPECT_EQ(checkpoint_xml(request), "") << "no new checkpoint was asked for";
}

TEST(PullBackupXml, ValuesAreEscaped) {
  PullBackupRequest request;
  request.socket_path = "/tmp/o'neil & <co>/s.sock";
  request.scratch_path = "/tmp/x";
  const std::string xml = pull_backup_xml(request);
  EXPECT_NE(xml.find("socket='/tmp/o&apos;neil &amp; &lt;co&gt;/s.sock'"), std::string::npos)
      << xml;
}
