#include "io/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::io {
namespace {

// A ustar archive of `members` (name, data), with no padding after its end marker.
std::string tar_of(const std::vector<std::pair<std::string, std::string>>& members) {
  archive* a = archive_write_new();
  archive_write_set_format_ustar(a);
  archive_write_set_bytes_in_last_block(a, 1);
  std::string out;
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* client, const void* buffer, std::size_t size) -> la_ssize_t {
        static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
        return static_cast<la_ssize_t>(size);
      },
      nullptr);
  for (const auto& [name, data] : members) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
    archive_write_header(a, entry);
    archive_write_data(a, data.data(), data.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

// After a member's data hit the end of a truncated archive, libarchive's next header read
// fails with a message of its own ("Truncated input file (needed 15480 bytes, only 0
// available)"); the reader keeps failing with the first fatal error, the one that says why.
TEST(ArchiveReader, TruncatedTarGivesTheReadBytesThenKeepsItsFirstFatalError) {
  const std::string first(3000, 'a');
  std::string tar = tar_of({{"first.txt", first}, {"second.txt", std::string(20000, 'b')}});
  tar.resize(512 + 3072 + 512 + 5000);  // inside the second member's data
  auto opened = ArchiveReader::open_memory(tar);
  ASSERT_TRUE(std::holds_alternative<ArchiveReader>(opened));
  ArchiveReader& reader = std::get<ArchiveReader>(opened);
  ArchiveMember member;
  std::string error;
  ASSERT_EQ(reader.next(member, &error), ArchiveReader::Step::kMember);
  std::string data;
  for (auto block = reader.read(&error); block && !block->empty(); block = reader.read(&error)) data.append(*block);
  EXPECT_EQ(data, first);
  ASSERT_EQ(reader.next(member, &error), ArchiveReader::Step::kMember);
  EXPECT_EQ(member.name, "second.txt");
  data.clear();
  std::optional<std::string_view> block;
  while ((block = reader.read(&error)) && !block->empty()) data.append(*block);
  EXPECT_FALSE(block.has_value()) << "a cut member ends in an error";
  EXPECT_EQ(data, std::string(5000, 'b')) << "every byte before the cut comes first";
  const std::string reason = error;
  EXPECT_FALSE(reason.empty());
  error.clear();
  EXPECT_EQ(reader.next(member, &error), ArchiveReader::Step::kError);
  EXPECT_EQ(error, reason);
}

}  // namespace
}  // namespace sluice::io
