#include "cli/report_output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace sluice::cli {
namespace {

std::string error_text(int error) { return error != 0 ? std::strerror(error) : "unknown error"; }

}  // namespace

std::variant<std::unique_ptr<ReportOutput>, std::string> ReportOutput::open(const std::string& path, bool raw_secrets,
                                                                            const std::vector<std::string>& inputs) {
  std::unique_ptr<ReportOutput> output(new ReportOutput());
  output->path_ = path;
  if (path.empty()) {
    output->stream_ = &std::cout;
    return output;
  }
  struct stat target {};
  const bool exists = ::stat(path.c_str(), &target) == 0;
  if (exists) {
    for (const std::string& input : inputs) {
      struct stat in {};
      if (input == "-" || ::stat(input.c_str(), &in) != 0) continue;
      if (in.st_dev == target.st_dev && in.st_ino == target.st_ino) {
        return fmt::format("-o {} is also an input of the scan ({}): the report would replace it", path, input);
      }
    }
  }
  if (exists && !S_ISREG(target.st_mode)) {
    // A device, FIFO or terminal: written in place (nothing to rename over).
    output->fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (output->fd_ < 0) return fmt::format("cannot open output file {}: {}", path, error_text(errno));
  } else {
    std::error_code ignored;
    const std::filesystem::path resolved =
        exists ? std::filesystem::canonical(path, ignored) : std::filesystem::path(path);
    output->final_ = (ignored || resolved.empty() ? std::filesystem::path(path) : resolved).string();
    const std::filesystem::path final_path(output->final_);
    const std::filesystem::path directory = final_path.has_parent_path() ? final_path.parent_path() : ".";
    std::string name = final_path.filename().string();
    name.insert(0, 1, '.');
    name.append(".sluice-XXXXXX");
    std::string pattern = (directory / name).string();
    output->fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);  // mode 0600
    if (output->fd_ < 0) return fmt::format("cannot open output file {}: {}", path, error_text(errno));
    output->temporary_ = pattern;
    if (!raw_secrets) {
      // Nothing secret inside: the usual mode for a new file.
      const mode_t mask = ::umask(0);
      ::umask(mask);
      ::fchmod(output->fd_, 0666 & ~mask);
    }
  }
  output->buffer_ = std::make_unique<__gnu_cxx::stdio_filebuf<char>>(output->fd_, std::ios::out | std::ios::binary);
  output->owned_stream_ = std::make_unique<std::ostream>(output->buffer_.get());
  output->stream_ = output->owned_stream_.get();
  return output;
}

ReportOutput::~ReportOutput() {
  if (buffer_) buffer_->close();  // closes fd_
  if (!committed_ && !temporary_.empty()) ::unlink(temporary_.c_str());
}

int ReportOutput::commit(bool& removed) {
  removed = false;
  stream_->flush();
  bool ok = static_cast<bool>(*stream_);
  if (path_.empty()) {
    ok = std::fflush(stdout) == 0 && std::ferror(stdout) == 0 && ok;
    committed_ = ok;
    return ok ? 0 : (errno != 0 ? errno : EIO);
  }
  int error = 0;
  if (!ok) error = errno != 0 ? errno : EIO;
  if (error == 0 && !temporary_.empty() && ::fsync(fd_) != 0) error = errno;
  if (buffer_->close() == nullptr && error == 0) error = errno != 0 ? errno : EIO;
  buffer_.reset();
  if (error == 0 && !temporary_.empty() && ::rename(temporary_.c_str(), final_.c_str()) != 0) error = errno;
  if (error != 0) {
    removed = !temporary_.empty() && ::unlink(temporary_.c_str()) == 0;
    temporary_.clear();
    return error;
  }
  committed_ = true;
  return 0;
}

}  // namespace sluice::cli
