#include "io/archive_format.hpp"

#include <gtest/gtest.h>

namespace sluice::io {
namespace {

std::string with_magic(std::string_view magic, std::size_t at = 0, std::size_t size = 1024) {
  std::string bytes(std::max(size, at + magic.size()), 'x');
  bytes.replace(at, magic.size(), magic);
  return bytes;
}

TEST(SniffContainer, RecognisesFormatsByMagicBytes) {
  struct Case {
    std::string bytes;
    ContainerKind kind;
    std::string_view name;
  };
  const Case cases[] = {
      {with_magic("\x1f\x8b\x08"), ContainerKind::kCompressed, "gzip"},
      {with_magic("BZh91AY&SY"), ContainerKind::kCompressed, "bzip2"},
      {with_magic(std::string_view("\xfd"
                                   "7zXZ\0",
                                   6)),
       ContainerKind::kCompressed, "xz"},
      {with_magic("\x28\xb5\x2f\xfd"), ContainerKind::kCompressed, "zstd"},
      {with_magic("\x04\x22\x4d\x18"), ContainerKind::kCompressed, "lz4"},
      {with_magic("PK\x03\x04"), ContainerKind::kArchive, "zip"},
      {with_magic("7z\xbc\xaf\x27\x1c"), ContainerKind::kArchive, "7z"},
      {with_magic("!<arch>\n"), ContainerKind::kArchive, "ar"},
      {with_magic("\xed\xab\xee\xdb"), ContainerKind::kArchive, "rpm"},
      {with_magic("070701"), ContainerKind::kArchive, "cpio"},
      {with_magic("ustar", 257), ContainerKind::kArchive, "tar"},
      {with_magic("CD001", 0x8001), ContainerKind::kArchive, "iso9660"},
  };
  for (const Case& c : cases) {
    const ContainerFormat format = sniff_container(c.bytes);
    EXPECT_EQ(format.kind, c.kind) << c.name;
    EXPECT_EQ(format.name, c.name);
  }
}

TEST(SniffContainer, PlainTextAndNearMissesAreNotContainers) {
  EXPECT_EQ(sniff_container("POSTHOG_PERSONAL_API_KEY=phx_...\n").kind, ContainerKind::kNone);
  EXPECT_EQ(sniff_container("").kind, ContainerKind::kNone);
  EXPECT_EQ(sniff_container("BZh9 not bzip2 data").kind, ContainerKind::kNone);     // no block magic
  EXPECT_EQ(sniff_container("\x1f\x8b").kind, ContainerKind::kNone);                // cut short
  EXPECT_EQ(sniff_container(std::string(600, ' ')).kind, ContainerKind::kNone);     // no tar checksum
  EXPECT_EQ(sniff_container(with_magic("ustar", 100)).kind, ContainerKind::kNone);  // wrong offset
}

TEST(SniffContainer, OldTarHeaderIsRecognisedByItsChecksum) {
  std::string header(512, '\0');
  auto put = [&](std::size_t at, std::string_view text) { header.replace(at, text.size(), text); };
  put(0, "file.txt");
  put(100, "0000644");
  put(124, "00000000012");
  unsigned sum = 0;
  for (std::size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(header[i]);
  char field[8];
  std::snprintf(field, sizeof field, "%06o", sum);
  put(148, std::string_view(field, 6));
  EXPECT_EQ(sniff_container(header).name, "tar");
  header[0] = 'g';  // the checksum no longer matches
  EXPECT_EQ(sniff_container(header).kind, ContainerKind::kNone);
}

TEST(DecompressedName, DropsTheCompressionSuffix) {
  EXPECT_EQ(decompressed_name("logs/app.log.gz"), "app.log");
  EXPECT_EQ(decompressed_name("x.tgz"), "x.tar");
  EXPECT_EQ(decompressed_name("dump.sql.zst"), "dump.sql");
  EXPECT_EQ(decompressed_name("blobs/sha256/abcd"), "data");
  EXPECT_EQ(decompressed_name(".gz"), "data");
}

}  // namespace
}  // namespace sluice::io
