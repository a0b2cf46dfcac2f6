#pragma once
// A temporary directory removed with everything in it when the test ends.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::testing {

// The command line that runs git in `dir` with a fixed identity, quietly (for std::system).
inline std::string git_command(const std::string& dir, const std::string& args) {
  return "git -C '" + dir + "' -c user.name=test -c user.email=test@example.invalid " +
         "-c init.defaultBranch=main -c commit.gpgsign=false " + args + " >/dev/null 2>&1";
}

class TempTree {
 public:
  TempTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
    root_ = mkdtemp(pattern.data());
  }
  ~TempTree() {
    std::error_code ignored;
    std::filesystem::permissions(root_, std::filesystem::perms::owner_all, ignored);
    std::filesystem::remove_all(root_, ignored);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const { return root_; }
  [[nodiscard]] std::string path(const std::string& relative) const { return (root_ / relative).string(); }

  std::string write(const std::string& relative, const std::string& content) const {
    const std::filesystem::path file = root_ / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file.string();
  }

 private:
  std::filesystem::path root_;
};

}  // namespace sluice::testing
