#include "pipeline/baseline.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <streambuf>

#include "pipeline/sarif_sink.hpp"

namespace sluice::pipeline {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxDepth = 64;  // sluice reports nest 6 deep; deeper is no report
constexpr std::size_t kReadBlock = std::size_t{1} << 20;

// A file descriptor read in blocks, refusing to go past `max_bytes`: the parser sees the end
// of input there, and `over_limit()` says why.
class FileStreamBuf final : public std::streambuf {
 public:
  FileStreamBuf(int fd, std::uint64_t max_bytes) : fd_(fd), max_bytes_(max_bytes), block_(kReadBlock) {}
  [[nodiscard]] bool over_limit() const noexcept { return over_limit_; }
  [[nodiscard]] int error() const noexcept { return error_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (over_limit_ || error_ != 0) return traits_type::eof();
    for (;;) {
      const ssize_t n = ::read(fd_, block_.data(), block_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = errno;
        return traits_type::eof();
      }
      if (n == 0) return traits_type::eof();
      total_ += static_cast<std::uint64_t>(n);
      if (total_ > max_bytes_) {
        over_limit_ = true;
        return traits_type::eof();
      }
      setg(block_.data(), block_.data(), block_.data() + n);
      return traits_type::to_int_type(*gptr());
    }
  }

 private:
  int fd_;
  std::uint64_t max_bytes_;
  std::uint64_t total_ = 0;
  bool over_limit_ = false;
  int error_ = 0;
  std::vector<char> block_;
};

// Report text already in memory.
class ViewStreamBuf final : public std::streambuf {
 public:
  explicit ViewStreamBuf(std::string_view text) {
    char* begin = const_cast<char*>(text.data());  // read only: the get area is never written
    setg(begin, begin, begin + text.size());
  }
};

// Where a value sits in a sluice report; only the places that hold fingerprints are told apart.
enum class Place : std::uint8_t {
  kOther,
  kTop,         // the top-level object (a document, or one JSON Lines record)
  kFindings,    // top.findings (-f json)
  kFinding,     // top.findings[i]
  kRuns,        // top.runs (SARIF)
  kRun,         // top.runs[r]
  kResults,     // top.runs[r].results
  kResult,      // top.runs[r].results[i]
  kPartial,     // ...results[i].partialFingerprints
  kProperties,  // ...results[i].properties
};

// One top-level JSON value, read as SAX events: keeps the fingerprints it finds in the places
// sluice writes them and nothing else, so memory follows the fingerprints, not the document.
class ReportHandler final : public nlohmann::json_sax<json> {
 public:
  // The fingerprints of a list's elements, back to back (32 bytes each, no allocation per
  // element), and where the first element without a valid one is.
  struct Collected {
    std::string fingerprints;
    std::string first_invalid;  // "findings[3]", "runs[0].results[7]"; empty when all are valid
  };

  void reset() { *this = ReportHandler(); }

  // What the value was, once parsed.
  bool top_is_object = false;
  bool has_runs = false;
  bool has_findings = false;
  bool has_fingerprint = false;
  bool has_summary = false;
  std::size_t top_keys = 0;
  std::string top_fingerprint;
  Collected findings;  // -f json
  Collected results;   // SARIF: each result's partial fingerprint, else its properties'
  bool too_deep = false;

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool binary(binary_t&) override { return scalar(); }
  bool string(string_t& value) override {
    element_begins(false);
    if (stack_.empty()) return true;
    const Frame& parent = stack_.back();
    if (parent.place == Place::kTop && parent.key == "fingerprint") {
      top_fingerprint = std::move(value);
    } else if (parent.place == Place::kFinding && parent.key == "fingerprint") {
      current_ = std::move(value);
    } else if (parent.place == Place::kPartial && parent.key == kSarifFingerprintKey) {
      current_ = std::move(value);
    } else if (parent.place == Place::kProperties && parent.key == "fingerprint") {
      current_property_ = std::move(value);
    }
    return true;
  }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& value) override {
    Frame& frame = stack_.back();
    frame.key = std::move(value);
    if (frame.place == Place::kTop) {
      has_runs = has_runs || frame.key == "runs";
      has_findings = has_findings || frame.key == "findings";
      has_fingerprint = has_fingerprint || frame.key == "fingerprint";
      has_summary = has_summary || frame.key == "summary";
      ++top_keys;
    }
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;  // the caller reports it, without the token (content is not echoed)
  }

 private:
  struct Frame {
    Place place = Place::kOther;
    bool array = false;
    std::string key;        // objects: the current key
    std::size_t count = 0;  // arrays: elements begun so far
    std::size_t index = 0;  // this container's index in its parent array
  };

  // A value begins in the current container: count it; an element of a list that holds one
  // fingerprint per element starts a new one (and is no finding at all if not an object).
  void element_begins(bool object) {
    if (stack_.empty()) return;
    Frame& parent = stack_.back();
    if (!parent.array) return;
    const std::size_t index = parent.count++;
    if (parent.place == Place::kFindings || parent.place == Place::kResults) {
      element_index_ = index;
      current_.clear();
      current_property_.clear();
      if (!object) element_ends(parent.place == Place::kFindings ? findings : results);
    } else if (parent.place == Place::kRuns) {
      run_index_ = index;
    }
  }

  void element_ends(Collected& list) {
    const std::string& fingerprint = current_.empty() ? current_property_ : current_;
    if (is_fingerprint(fingerprint)) {
      list.fingerprints += fingerprint;
    } else if (list.first_invalid.empty()) {
      list.first_invalid = &list == &findings ? fmt::format("findings[{}]", element_index_)
                                              : fmt::format("runs[{}].results[{}]", run_index_, element_index_);
    }
  }

  bool scalar() {
    element_begins(false);
    return true;
  }

  bool open(bool array) {
    if (stack_.size() >= kMaxDepth) {
      too_deep = true;
      return false;
    }
    element_begins(!array);
    Frame frame;
    frame.array = array;
    if (stack_.empty()) {
      top_is_object = !array;
      frame.place = array ? Place::kOther : Place::kTop;
    } else {
      const Frame& parent = stack_.back();
      switch (parent.place) {
        case Place::kTop:
          if (array && parent.key == "findings") frame.place = Place::kFindings;
          if (array && parent.key == "runs") frame.place = Place::kRuns;
          break;
        case Place::kFindings:
          if (!array) frame.place = Place::kFinding;
          break;
        case Place::kRuns:
          if (!array) frame.place = Place::kRun;
          break;
        case Place::kRun:
          if (array && parent.key == "results") frame.place = Place::kResults;
          break;
        case Place::kResults:
          if (!array) frame.place = Place::kResult;
          break;
        case Place::kResult:
          if (!array && parent.key == "partialFingerprints") frame.place = Place::kPartial;
          if (!array && parent.key == "properties") frame.place = Place::kProperties;
          break;
        default:
          break;
      }
    }
    stack_.push_back(std::move(frame));
    return true;
  }

  bool close() {
    if (stack_.back().place == Place::kFinding) element_ends(findings);
    if (stack_.back().place == Place::kResult) element_ends(results);
    stack_.pop_back();
    return true;
  }

  std::vector<Frame> stack_;
  std::size_t run_index_ = 0;
  std::size_t element_index_ = 0;
  std::string current_;           // the current element's fingerprint (SARIF: the partial one)
  std::string current_property_;  // SARIF: properties.fingerprint of the current result
};

std::string not_a_report(const std::string& origin, std::size_t line) {
  return fmt::format("{}:{}: not a sluice report (expected the output of -f json, -f jsonl or -f sarif)", origin, line);
}

// Skips whitespace, counting lines; false at the end of input.
bool skip_space(std::streambuf& in, std::size_t& line) {
  for (;;) {
    const auto c = in.sgetc();
    if (c == std::streambuf::traits_type::eof()) return false;
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return true;
    if (c == '\n') ++line;
    in.sbumpc();
  }
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

bool is_fingerprint(std::string_view text) noexcept {
  return text.size() == 32 &&
         std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

void Suppressions::add(std::string fingerprint, std::string origin) {
  auto [it, inserted] = index_.try_emplace(std::move(fingerprint));
  // A report repeats a fingerprint (SARIF: one result per location): one entry per origin.
  for (std::size_t entry : it->second) {
    if (entries_[entry].origin == origin) return;
  }
  it->second.push_back(entries_.size());
  entries_.push_back(Entry{it->first, std::move(origin), 0});
}

void Suppressions::add_report(const std::string& path, std::uint64_t max_bytes) {
  // stat before open: opening a device can have effects, and a directory or /dev/zero would be
  // read forever. A FIFO or pipe (`--baseline <(...)`, /dev/stdin) is named on purpose.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw SuppressionError(fmt::format("{}: cannot open baseline: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode)) {
    throw SuppressionError(fmt::format("{}: is {}, not a sluice report", path, kind_of(info.st_mode)));
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw SuppressionError(fmt::format("{}: cannot open baseline: {}", path, std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &info) != 0 || (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode))) {
    throw SuppressionError(fmt::format("{}: is {}, not a sluice report", path, kind_of(info.st_mode)));
  }
  FileStreamBuf buffer(fd, max_bytes);
  auto check_input = [&] {
    if (buffer.over_limit()) {
      throw SuppressionError(
          fmt::format("{}: larger than {} bytes (--max-baseline-size): not read as a baseline", path, max_bytes));
    }
    if (buffer.error() != 0) {
      throw SuppressionError(fmt::format("{}: cannot read baseline: {}", path, std::strerror(buffer.error())));
    }
  };
  try {
    add_report_stream(buffer, path);
  } catch (const SuppressionError&) {
    check_input();  // a cut-off or failed read explains the error better than the parse does
    throw;
  }
  check_input();
}

void Suppressions::add_report_text(std::string_view text, const std::string& origin) {
  ViewStreamBuf buffer(text);
  add_report_stream(buffer, origin);
}

void Suppressions::add_report_stream(std::streambuf& buffer, const std::string& origin) {
  auto take = [&](const std::string& fingerprint, const std::string& where) {
    if (!is_fingerprint(fingerprint)) {
      throw SuppressionError(fmt::format("{}: {}: not a sluice fingerprint", origin, where));
    }
    add(fingerprint, origin);
  };
  std::istream in(&buffer);
  ReportHandler handler;
  std::size_t line = 1;
  // Each top-level value in turn: a JSON or SARIF document is one, JSON Lines one per line.
  for (std::size_t record = 0;; ++record) {
    if (!skip_space(buffer, line)) return;  // an empty report is an empty file
    handler.reset();
    const bool parsed = json::sax_parse(in, &handler, json::input_format_t::json, /*strict=*/false);
    if (handler.too_deep) {
      throw SuppressionError(
          fmt::format("{}:{}: nested deeper than {} levels: not a sluice report", origin, line, kMaxDepth));
    }
    if (!parsed || !handler.top_is_object) throw SuppressionError(not_a_report(origin, line));
    const bool document = handler.has_runs || handler.has_findings;
    if (document) {
      if (record > 0) throw SuppressionError(not_a_report(origin, line));
      // SARIF: each result's partial fingerprint (one result per location: repeats are fine).
      const ReportHandler::Collected& list = handler.has_runs ? handler.results : handler.findings;
      if (!list.first_invalid.empty()) {
        throw SuppressionError(fmt::format("{}: {}: not a sluice fingerprint", origin, list.first_invalid));
      }
      for (std::size_t at = 0; at < list.fingerprints.size(); at += 32) add(list.fingerprints.substr(at, 32), origin);
      std::size_t after = line;
      if (skip_space(buffer, after)) throw SuppressionError(not_a_report(origin, after));
      return;
    }
    // JSON Lines: one finding per line, then the report's closing {"summary": ...} record.
    if (handler.has_summary && handler.top_keys == 1) continue;
    take(handler.top_fingerprint, fmt::format("line {}", line));
  }
}

std::size_t Suppressions::apply(std::vector<Finding>& findings) {
  if (index_.empty()) return 0;
  const std::size_t before = findings.size();
  std::erase_if(findings, [&](const Finding& finding) {
    auto it = index_.find(finding.fingerprint);
    if (it == index_.end()) return false;
    for (std::size_t entry : it->second) ++entries_[entry].hits;
    return true;
  });
  return before - findings.size();
}

}  // namespace sluice::pipeline
