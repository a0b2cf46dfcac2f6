#include "io/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

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

// procfs reports st_size 0 for files that have content: trusting it scanned them as empty.
TEST(InputFile, ProcfsFileIsReadToItsEndNotToItsReportedSize) {
  struct stat info {};
  ASSERT_EQ(stat("/proc/self/cmdline", &info), 0);
  ASSERT_EQ(info.st_size, 0) << "the premise: procfs reports no size";
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::ostringstream expected;
  expected << in.rdbuf();
  ASSERT_FALSE(expected.str().empty());
  ReadBuffer buffer;
  for (ReadBuffer* into : {&buffer, static_cast<ReadBuffer*>(nullptr)}) {
    auto result = read_file("/proc/self/cmdline", 0, into);
    ASSERT_TRUE(std::holds_alternative<FileView>(result)) << std::get<Error>(result).reason;
    EXPECT_EQ(std::get<FileView>(result).bytes(), expected.str());
  }
}

TEST(InputFile, ReadBufferKeepsWhatItHoldsWhenItGrows) {
  ReadBuffer buffer;
  std::memcpy(buffer.reserve(4), "abcd", 4);
  const char* grown = buffer.reserve(1 << 20, 4);
  EXPECT_EQ(std::string(grown, 4), "abcd");
}

// A FIFO with no writer: a blocking open(2) waited in the kernel, out of reach of the stop flag.
TEST(InputFile, OpeningAFifoWithNoWriterEndsWhenStopped) {
  testing::TempTree tree;
  const std::string fifo = tree.path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::atomic<bool> stop{false};
  std::thread stopper([&] { stop = true; });  // whenever it runs: before, during or after open
  auto opened = SequentialReader::open(fifo, &stop);
  stopper.join();
  ASSERT_TRUE(std::holds_alternative<Error>(opened));
  EXPECT_EQ(std::get<Error>(opened).reason, describe_errno(EINTR));
}

TEST(InputFile, FifoIsReadOnceItsWriterComes) {
  testing::TempTree tree;
  const std::string fifo = tree.path("fifo");
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    const int fd = open(fifo.c_str(), O_WRONLY);  // blocks until the reader opens
    if (fd >= 0) {
      (void)!write(fd, "abc", 3);
      close(fd);
    }
  });
  std::atomic<bool> stop{false};
  auto opened = SequentialReader::open(fifo, &stop);
  ASSERT_TRUE(std::holds_alternative<SequentialReader>(opened));
  std::string got;
  char buffer[16];
  for (;;) {
    auto n = std::get<SequentialReader>(opened).read(buffer, sizeof buffer, nullptr);
    ASSERT_TRUE(n.has_value());
    if (*n == 0) break;
    got.append(buffer, *n);
  }
  writer.join();
  EXPECT_EQ(got, "abc");
}

}  // namespace
}  // namespace sluice::io
