#pragma once
// Shared helpers of the end-to-end tests: run the real binaries with a watchdog, build input
// trees in temporary directories, parse reports, make fake (never real) PostHog keys.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "../support/archive_writer.hpp"

namespace sluice::e2e {

// Archive fixtures, shared with the unit tests.
using testing::compress;
using testing::make_archive;
using testing::make_rpm;
using testing::Member;

inline const std::string kSluiceBinary = SLUICE_BINARY;
inline const std::string kCorpusBinary = SLUICE_CORPUS_BINARY;
inline const std::filesystem::path kSourceDir = SLUICE_SOURCE_DIR;

// sluice's documented exit codes.
inline constexpr int kClean = 0;
inline constexpr int kFindings = 1;
inline constexpr int kFatal = 2;
inline constexpr int kIncomplete = 3;

// ---------------------------------------------------------------------------------- processes

struct RunOptions {
  std::string input;                 // written to the child's standard input, then closed
  std::string cwd;                   // working directory of the child; empty: ours
  bool as_nobody = false;            // run as uid/gid 65534 (through setpriv when we are root)
  std::chrono::seconds timeout{60};  // watchdog: a child still running then is killed
};

struct RunResult {
  std::string command;  // for messages
  int exit_code = -1;   // -1 when the child did not exit normally
  int signal = 0;       // the signal that ended the child, if any
  bool timed_out = false;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] is looked up in PATH when it has no '/'), feeding `options.input` and
// collecting both output streams. Never hangs: the child is killed after `options.timeout`.
[[nodiscard]] RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});
// `text` as one word for `bash -c`: single-quoted, embedded single quotes escaped.
[[nodiscard]] std::string shell_quoted(const std::string& text);
// Runs the sluice binary with `args`.
[[nodiscard]] RunResult sluice(const std::vector<std::string>& args, const RunOptions& options = {});

// Command line, exit status and standard error of a run, for assertion messages. Standard
// output is included (cut) only when `with_stdout`.
[[nodiscard]] std::string describe(const RunResult& result, bool with_stdout = false);

// A run that finished on its own (no watchdog kill, no crash) with the given exit code.
[[nodiscard]] ::testing::AssertionResult exited_with(const RunResult& result, int code);

// None of `secrets` appears on standard error (sluice must never print secrets there).
[[nodiscard]] ::testing::AssertionResult no_secret_on_stderr(const RunResult& result,
                                                             const std::vector<std::string>& secrets);

// ------------------------------------------------------------------------------ loopback servers

// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
[[nodiscard]] int free_port();

// A server the test starts (argv[0] looked up in PATH), its standard output appended to
// `log` (or dropped when empty) and its standard error dropped; running() once it accepts
// connections on 127.0.0.1:`port` (within 30 s). Stopped (SIGTERM, then waited for) when
// destroyed.
class LoopbackServer {
 public:
  LoopbackServer(const std::vector<std::string>& argv, int port, const std::string& log = {});
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;
  [[nodiscard]] bool running() const noexcept { return pid_ > 0; }

 private:
  pid_t pid_ = 0;
};

// --------------------------------------------------------------------------------- temp trees

// A fresh directory under /tmp, mode 0755 so that an unprivileged child can traverse it;
// removed with everything in it (permissions restored first) when the test ends.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }
  [[nodiscard]] std::string path(const std::string& relative) const { return (root_ / relative).string(); }
  // Writes `content` to `relative` (parents created, mode 0644); returns the full path.
  std::string write(const std::string& relative, std::string_view content) const;
  // Creates `relative` and its parents (mode 0755); returns the full path.
  std::string mkdir(const std::string& relative) const;

 private:
  std::filesystem::path root_;
};

// Reads a whole file (empty string if it cannot be read).
[[nodiscard]] std::string read_file(const std::filesystem::path& path);

// Copies the built-in PostHog rule file into `dir` and returns its path: scans with
// `--no-builtin-rules --rules <it>` have a small confirmation window.
std::string copy_posthog_rules(const TempDir& dir);

// Runs `git -C repo ARGS...` with a test identity and no signing; an ADD_FAILURE if it fails.
void git_in(const std::string& repo, std::vector<std::string> args);

// ------------------------------------------------------------------------------------ reports

struct Location {
  std::string path;
  std::uint64_t offset = 0;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
};

struct Finding {
  std::string rule_id;
  std::string secret;
  std::uint64_t occurrences = 0;
  std::vector<Location> locations;
  nlohmann::json raw;  // the whole object as printed
};

// One (rule, secret, location) triple of a report: comparable, sortable.
struct Hit {
  std::string path;
  std::string rule_id;
  std::string secret;
  std::uint64_t offset = 0;
  std::uint64_t line = 0;
  std::uint64_t column = 0;
  friend auto operator<=>(const Hit&, const Hit&) = default;
  friend bool operator==(const Hit&, const Hit&) = default;
};
std::ostream& operator<<(std::ostream& out, const Hit& hit);

// Parses JSON Lines output: findings, then the closing {"summary": ...} record (skipped). A line
// that is not a JSON object, a missing summary or a record after it is an ADD_FAILURE.
[[nodiscard]] std::vector<Finding> parse_jsonl(const std::string& text);
// The closing summary record of JSON Lines output (null when there is none).
[[nodiscard]] nlohmann::json jsonl_summary(const std::string& text);
// Findings of a `-f json` document; ADD_FAILURE if it is not valid.
[[nodiscard]] std::vector<Finding> parse_json_findings(const std::string& text);
// Every location of every finding, sorted.
[[nodiscard]] std::vector<Hit> flatten(const std::vector<Finding>& findings);
// Findings with this rule id.
[[nodiscard]] std::vector<Finding> of_rule(const std::vector<Finding>& findings, std::string_view rule_id);

// 1-based line and byte column of `offset` in `bytes`, counting '\n' only.
struct Position {
  std::uint64_t line = 1;
  std::uint64_t column = 1;
};
[[nodiscard]] Position position_of(std::string_view bytes, std::uint64_t offset);

// ---------------------------------------------------------------------------------------- keys

// Fake, format-valid PostHog personal keys (phx_) and harmless filler, from a seeded RNG.
class KeyGen {
 public:
  explicit KeyGen(std::uint64_t seed) : rng_(seed) {}
  // era 0: 41-43 base62; era 1: 45-48 base62; era 2: 49 base57. Never placeholder-like.
  [[nodiscard]] std::string personal_key(int era);
  // A key of a random era.
  [[nodiscard]] std::string personal_key();
  // `size` bytes of lowercase words, spaces and newlines: nothing any rule can match.
  [[nodiscard]] std::string filler(std::size_t size);
  // A byte that ends a word (space, newline, quote, colon...).
  [[nodiscard]] char delimiter();
  [[nodiscard]] std::uint64_t below(std::uint64_t n) { return rng_() % n; }
  [[nodiscard]] std::mt19937_64& rng() noexcept { return rng_; }

 private:
  std::mt19937_64 rng_;
};

// Writes `key` at `offset` in `buffer` with a delimiter byte on both sides (offset - 1 and
// offset + key.size() must be inside the buffer, or be its ends).
void plant(std::string& buffer, std::size_t offset, const std::string& key, KeyGen& gen);

// Hex SHA-256 of `data` (through sha256sum), for image blob names.
[[nodiscard]] std::string sha256_hex(const std::string& data);

}  // namespace sluice::e2e
