#include "pipeline/ignore_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::pipeline {
namespace {

class Scratch {
 public:
  Scratch() {
    std::string templ = (std::filesystem::temp_directory_path() / "sluice-ignore-file-XXXXXX").string();
    root_ = ::mkdtemp(templ.data());
  }
  ~Scratch() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  [[nodiscard]] std::string path(const std::string& name) const { return (root_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
    return path(name);
  }

 private:
  std::filesystem::path root_;
};

TEST(DiscoveredFile, ReadsARegularFile) {
  Scratch dir;
  const DiscoveredFile file = read_discovered_file(dir.write(".sluiceignore", "docs/\n"));
  EXPECT_TRUE(file.present);
  EXPECT_EQ(file.error, "");
  EXPECT_EQ(file.text, "docs/\n");
  const DiscoveredFile absent = read_discovered_file(dir.path("nothing"));
  EXPECT_FALSE(absent.present);
  EXPECT_EQ(absent.error, "");
}

TEST(DiscoveredFile, RefusesSymlinksFifosDirectoriesAndDevices) {
  Scratch dir;
  const std::string target = dir.write("outside.toml", "[scan]\n");
  ASSERT_EQ(::symlink(target.c_str(), dir.path("link").c_str()), 0);
  EXPECT_EQ(read_discovered_file(dir.path("link")).error, "a symbolic link (not followed)");
  // A FIFO with no writer: reading it would block forever; it is never opened.
  ASSERT_EQ(::mkfifo(dir.path("fifo").c_str(), 0600), 0);
  EXPECT_EQ(read_discovered_file(dir.path("fifo")).error, "a FIFO, not a regular file");
  std::filesystem::create_directory(dir.path("dir"));
  EXPECT_EQ(read_discovered_file(dir.path("dir")).error, "a directory, not a regular file");
  const DiscoveredFile zero = read_discovered_file("/dev/zero");
  EXPECT_TRUE(zero.present);
  EXPECT_EQ(zero.error, "a device, not a regular file");
}

TEST(DiscoveredFile, RefusesFilesOverTheCap) {
  Scratch dir;
  EXPECT_EQ(read_discovered_file(dir.write("big", std::string(101, 'x')), 100).error, "bigger than 100 bytes");
  EXPECT_EQ(read_discovered_file(dir.write("fits", std::string(100, 'x')), 100).text.size(), 100u);
}

TEST(IgnoreFile, DiscoveredPatternsAreCapped) {
  Suppressions s;
  io::PathFilter filter;
  std::string text = "# comment\n\na\nb\n";
  text += std::string(io::kMaxPatternLength + 1, '*') + "\n";
  text += "c\nd\ne\n";
  const std::vector<std::string> problems = parse_ignore_file(text, "f", s, filter, 3);
  ASSERT_EQ(filter.excludes().size(), 3u);  // a, b, c: the long line is refused and not counted
  EXPECT_EQ(filter.excludes()[2].text, "c");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0], "f:5: pattern longer than 4096 bytes (or too complex); ignored");
  EXPECT_EQ(problems[1], "f:7: more than 3 path patterns; this one and the rest are ignored");
}

}  // namespace
}  // namespace sluice::pipeline
