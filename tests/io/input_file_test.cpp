#include "io/input_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_tree.hpp"

namespace sluice::io {
namespace {

TEST(InputFile, SmallFilesAreReadLargeOnesMapped) {
  testing::TempTree tree;
  const std::string small = tree.write("small", "hello");
  const std::string large = tree.write("large", std::string(100000, 'z'));
  auto a = read_file(small, 4096);
  ASSERT_TRUE(std::holds_alternative<FileView>(a));
  EXPECT_FALSE(std::get<FileView>(a).mapped());
  EXPECT_EQ(std::get<FileView>(a).bytes(), "hello");
  auto b = read_file(large, 4096);
  ASSERT_TRUE(std::holds_alternative<FileView>(b));
  EXPECT_TRUE(std::get<FileView>(b).mapped());
  EXPECT_EQ(std::get<FileView>(b).bytes().size(), 100000u);
  auto empty = read_file(tree.write("empty", ""), 0);
  ASSERT_TRUE(std::holds_alternative<FileView>(empty));
  EXPECT_TRUE(std::get<FileView>(empty).bytes().empty());
}

TEST(InputFile, MissingFileIsAnError) {
  auto result = read_file("/nonexistent/sluice/file", 4096);
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).reason, "vanished before it could be read");
}

TEST(InputFile, FileTruncatedWhileMappedIsReportedNotFatal) {
  testing::TempTree tree;
  const std::size_t size = 1 << 20;
  const std::string path = tree.write("shrinks", std::string(size, 'q'));
  auto result = read_file(path, 4096);
  ASSERT_TRUE(std::holds_alternative<FileView>(result));
  const FileView& view = std::get<FileView>(result);
  ASSERT_TRUE(view.mapped());
  ASSERT_EQ(truncate(path.c_str(), 4096), 0);
  // Reading past the new end would raise SIGBUS; the guard turns it into zeros.
  std::size_t zeros = 0;
  for (char c : view.bytes()) zeros += c == '\0' ? 1 : 0;
  EXPECT_EQ(zeros, size - 4096);
  EXPECT_TRUE(view.truncated());
}

TEST(InputFile, SequentialReaderReadsAPipe) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  ASSERT_EQ(write(fds[1], "abc", 3), 3);
  close(fds[1]);
  const std::string path = "/proc/self/fd/" + std::to_string(fds[0]);
  auto opened = SequentialReader::open(path);
  ASSERT_TRUE(std::holds_alternative<SequentialReader>(opened));
  char buffer[16];
  auto n = std::get<SequentialReader>(opened).read(buffer, sizeof buffer, nullptr);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(std::string(buffer, *n), "abc");
  close(fds[0]);
}

}  // namespace
}  // namespace sluice::io
