#include "cli/report_output.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <re2/re2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string_view>

namespace sluice::cli {
namespace {

std::string error_text(int error) { return error != 0 ? std::strerror(error) : "unknown error"; }

// Whether the file at `path` is empty or is a report as sluice writes it, recognised by the
// exact layout of its beginning and end: text ends with the closing "sluice: N finding(s); scan
// ..." line, JSON Lines with the summary record, JSON begins with the findings array and ends
// with the tool object, SARIF begins with its schema and runs and ends with its version. A
// report being replaced by the next one; anything else inside a scanned directory is content,
// and -o must not destroy it.
bool replaceable_report(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  constexpr std::streamoff kPeek = 4096;
  std::string head(kPeek, '\0');
  in.read(head.data(), kPeek);
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.empty()) return true;
  in.clear();
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  std::string tail(static_cast<std::size_t>(std::min(size, kPeek)), '\0');
  in.seekg(size - static_cast<std::streamoff>(tail.size()));
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  if (head.starts_with("{\n  \"findings\": [") &&
      tail.find("\n  \"tool\": {\n    \"name\": \"sluice\",") != std::string::npos) {
    return true;
  }
  if (head.starts_with("{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"runs\": [") &&
      tail.ends_with("\n  \"version\": \"2.1.0\"\n}\n")) {
    return true;
  }
  while (!tail.empty() && tail.back() == '\n') tail.pop_back();
  const std::size_t line = tail.rfind('\n');
  const std::string last = tail.substr(line == std::string::npos ? 0 : line + 1);
  if (last.starts_with("{\"summary\":{\"archives\":") && last.ends_with("}}")) return true;
  static const RE2 kTextEnd(
      R"(sluice: [0-9]+ findings?( \([^;]*\))?; (scan complete|SCAN INTERRUPTED|SCAN INCOMPLETE).*)");
  return RE2::FullMatch(last, kTextEnd);
}

// The scanned directory that holds `target` (canonical), if any.
std::optional<std::string> scanned_directory_holding(const std::filesystem::path& target,
                                                     const std::vector<std::string>& inputs) {
  for (const std::string& input : inputs) {
    std::error_code error;
    if (input == "-" || !std::filesystem::is_directory(input, error)) continue;
    const std::filesystem::path directory = std::filesystem::canonical(input, error);
    if (error) continue;
    const std::string prefix = directory.string() == "/" ? "/" : directory.string() + "/";
    if (target.string().starts_with(prefix)) return input;
  }
  return std::nullopt;
}

// A target inside a scanned directory that reaches elsewhere through a symbolic link in the tree
// (the link itself, or a linked folder on its way): the tree would choose where the report goes.
std::optional<std::string> redirected_out_of_place(const std::string& path, const std::vector<std::string>& inputs) {
  std::error_code error;
  const std::filesystem::path lexical = std::filesystem::absolute(path, error).lexically_normal();
  if (error) return std::nullopt;
  for (const std::string& input : inputs) {
    if (input == "-" || !std::filesystem::is_directory(input, error)) continue;
    const std::filesystem::path root = std::filesystem::absolute(input, error).lexically_normal();
    const std::filesystem::path relative = lexical.lexically_relative(root);
    if (error || relative.empty() || *relative.begin() == "..") continue;
    const std::filesystem::path real_root = std::filesystem::canonical(input, error);
    if (error) continue;
    const std::filesystem::path real = std::filesystem::weakly_canonical(lexical, error);
    if (error) continue;
    if (real != (real_root / relative).lexically_normal()) {
      return fmt::format(
          "-o {} goes through a symbolic link inside the scanned directory {}: the scanned tree "
          "would choose where the report is written (write it elsewhere)",
          path, input);
    }
  }
  return std::nullopt;
}

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
  if (auto redirected = redirected_out_of_place(path, inputs)) return *redirected;
  if (exists && S_ISREG(target.st_mode)) {
    std::error_code error;
    const std::filesystem::path resolved = std::filesystem::canonical(path, error);
    if (!error) {
      if (auto directory = scanned_directory_holding(resolved, inputs)) {
        if (!replaceable_report(path)) {
          return fmt::format(
              "-o {} is a file inside the scanned directory {} and not an earlier report: the report "
              "would replace it (write the report elsewhere, or remove the file first)",
              path, *directory);
        }
        output->pass_over_.push_back(io::WalkOptions::PassOver{
            resolved.filename().string(), target.st_dev, target.st_ino,
            "the earlier report that -o replaces, not scanned (its findings would be reported again)"});
      }
    }
  }
  if (exists && !S_ISREG(target.st_mode)) {
    // A device, FIFO or terminal: written in place (nothing to rename over).
    // Non-blocking: a FIFO nobody reads would block open() (and signals) forever.
    output->fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
    if (output->fd_ < 0 && errno == ENXIO)
      return fmt::format("cannot open output file {}: a FIFO with no reader", path);
    if (output->fd_ < 0) return fmt::format("cannot open output file {}: {}", path, error_text(errno));
    if (const int flags = ::fcntl(output->fd_, F_GETFL); flags >= 0) ::fcntl(output->fd_, F_SETFL, flags & ~O_NONBLOCK);
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
