#pragma once
// Where the report goes: standard output, or a file written atomically. A report file is
// written to a temporary file beside the target (created 0600 when it holds raw secrets) and
// renamed into place only once every byte is written, so an interrupted, killed or failing run
// never leaves a partial or empty report under the target's name, and an earlier report stays
// whole until the new one replaces it. Targets that are not regular files (/dev/null, a FIFO,
// /dev/stdout) are written in place.

#include <sys/types.h>

#include <ext/stdio_filebuf.h>
#include <memory>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "io/walker.hpp"

namespace sluice::cli {

class ReportOutput {
 public:
  // `path` empty: standard output. `raw_secrets`: the report holds unmasked secrets (0600).
  // `inputs`: the scan's paths; a target that is one of them is refused. Returns the output or
  // a one-line error naming the target.
  [[nodiscard]] static std::variant<std::unique_ptr<ReportOutput>, std::string> open(
      const std::string& path, bool raw_secrets, const std::vector<std::string>& inputs);
  ~ReportOutput();
  ReportOutput(const ReportOutput&) = delete;
  ReportOutput& operator=(const ReportOutput&) = delete;

  [[nodiscard]] std::ostream& stream() noexcept { return *stream_; }
  // What messages call the target: the path, or "standard output".
  [[nodiscard]] std::string name() const { return path_.empty() ? std::string("standard output") : path_; }
  [[nodiscard]] bool is_file() const noexcept { return !path_.empty(); }
  // The earlier report this one replaces, when it lies inside a scanned directory: the walk
  // passes over it (scanning it would report its findings again, at the report's path).
  [[nodiscard]] const std::vector<io::WalkOptions::PassOver>& pass_over() const noexcept { return pass_over_; }

  // Flushes, syncs and moves the report into place. Returns 0, or the errno of the first
  // failure; then no partial file is left under the target's name (`removed` says whether a
  // temporary file had to be deleted).
  [[nodiscard]] int commit(bool& removed);

 private:
  ReportOutput() = default;

  std::string path_;       // the target as given ("" for standard output)
  std::string final_;      // where the temporary file is renamed to (symbolic links resolved)
  std::string temporary_;  // "" when writing in place
  int fd_ = -1;
  std::unique_ptr<__gnu_cxx::stdio_filebuf<char>> buffer_;
  std::unique_ptr<std::ostream> owned_stream_;
  std::ostream* stream_ = nullptr;
  bool committed_ = false;
  std::vector<io::WalkOptions::PassOver> pass_over_;
};

}  // namespace sluice::cli
