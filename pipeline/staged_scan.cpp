#include "pipeline/staged_scan.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>

#include "io/error.hpp"
#include "io/git_staged.hpp"

namespace sluice::pipeline {
namespace {

// A private directory removed with its contents when it goes out of scope.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/sluice-staged-XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchDirectory() {
    if (path_.empty()) return;
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

std::optional<std::string> write_private(const std::string& path, const std::string& bytes) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), error);
  if (error) return error.message();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return io::describe_errno(errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      return io::describe_errno(e);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) return io::describe_errno(errno);
  return std::nullopt;
}

// Names scratch paths as the repository does.
class Renamer {
 public:
  explicit Renamer(std::string prefix) : prefix_(std::move(prefix)) {}
  void operator()(std::string& path) const {
    if (path.compare(0, prefix_.size(), prefix_) == 0) path.erase(0, prefix_.size());
  }

 private:
  std::string prefix_;
};

class RenamingObserver final : public ScanObserver {
 public:
  RenamingObserver(ScanObserver* inner, const Renamer& rename) : inner_(inner), rename_(rename) {}
  void on_issue(const InputIssue& issue) override {
    InputIssue renamed = issue;
    rename_(renamed.path);
    inner_->on_issue(renamed);
  }
  void on_progress(const ScanProgress& progress) override {
    std::string current(progress.current);
    rename_(current);
    ScanProgress renamed = progress;
    renamed.current = current;
    inner_->on_progress(renamed);
  }

 private:
  ScanObserver* inner_;
  const Renamer& rename_;
};

}  // namespace

std::variant<ScanReport, std::string> run_staged_scan(std::shared_ptr<const engine::CompiledRules> rules,
                                                      ScanOptions options, const std::string& path,
                                                      ScanObserver* observer) {
  auto staged = io::read_staged(path);
  if (auto* error = std::get_if<std::string>(&staged)) return *error;
  const io::StagedChanges& changes = std::get<io::StagedChanges>(staged);
  ScratchDirectory scratch;
  if (scratch.path().empty()) return std::string("cannot create a temporary directory: ") + io::describe_errno(errno);
  for (const io::StagedFile& file : changes.files) {
    if (auto error = write_private(scratch.path() + "/" + file.path, file.bytes)) {
      return "cannot stage " + file.path + " for scanning: " + *error;
    }
  }
  options.roots = {scratch.path()};
  const Renamer rename(scratch.path() + "/");
  RenamingObserver renaming(observer, rename);
  ScanReport report = run_scan(std::move(rules), options, observer != nullptr ? &renaming : nullptr);
  for (Finding& finding : report.findings) {
    for (Location& at : finding.locations) {
      rename(at.path);
      if (!at.chain.empty()) rename(at.chain.front());
    }
  }
  for (InputIssue& issue : report.issues) rename(issue.path);
  return report;
}

}  // namespace sluice::pipeline
