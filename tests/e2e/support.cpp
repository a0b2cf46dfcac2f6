#include "support.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/filters.hpp"

extern char** environ;

namespace sluice::e2e {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kBase62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kBase57 = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

struct Pipe {
  int read = -1;
  int write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe2: ") + std::strerror(errno));
    read = fds[0];
    write = fds[1];
  }
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string cut(const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return text;
  return text.substr(0, limit) + "\n... (" + std::to_string(text.size()) + " bytes in all)";
}

Finding to_finding(const nlohmann::json& item) {
  Finding finding;
  finding.raw = item;
  finding.rule_id = item.value("rule_id", std::string());
  finding.secret = item.value("secret", std::string());
  finding.occurrences = item.value("occurrences", std::uint64_t{0});
  if (item.contains("locations") && item["locations"].is_array()) {
    for (const nlohmann::json& at : item["locations"]) {
      finding.locations.push_back(Location{at.value("path", std::string()), at.value("offset", std::uint64_t{0}),
                                           at.value("line", std::uint64_t{0}), at.value("column", std::uint64_t{0})});
    }
  }
  return finding;
}

}  // namespace

// ---------------------------------------------------------------------------------- processes

namespace {

// The build tree may sit under a directory `nobody` cannot enter (CI clones anywhere, e.g.
// under /root): run a copy of the binary from a world-readable place instead.
std::string binary_nobody_can_run(const std::string& binary) {
  static const std::string copy = [] {
    const fs::path dir = fs::temp_directory_path() / ("sluice-e2e-bin-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                             fs::perms::others_exec);
    const fs::path target = dir / "sluice";
    fs::copy_file(kSluiceBinary, target, fs::copy_options::overwrite_existing);
    fs::permissions(target, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(fs::temp_directory_path() / ("sluice-e2e-bin-" + std::to_string(::getpid())), ignored);
    });
    return target.string();
  }();
  return binary == kSluiceBinary ? copy : binary;
}

}  // namespace

// Sanitized builds run several times slower (scripts/sanitize sets SLUICE_E2E_TIMEOUT_SCALE):
// the watchdog is there to catch hangs, not slowness.
static int timeout_scale() {
  static const int scale = [] {
    const char* value = std::getenv("SLUICE_E2E_TIMEOUT_SCALE");
    const int parsed = value != nullptr ? std::atoi(value) : 1;
    return parsed > 0 ? parsed : 1;
  }();
  return scale;
}

RunResult run(const std::vector<std::string>& argv_in, const RunOptions& options) {
  static const bool ignore_sigpipe = [] {
    ::signal(SIGPIPE, SIG_IGN);  // the child may exit without reading all of its input
    return true;
  }();
  (void)ignore_sigpipe;

  std::vector<std::string> argv;
  if (options.as_nobody && ::geteuid() == 0) {
    argv = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  }
  argv.insert(argv.end(), argv_in.begin(), argv_in.end());
  if (options.as_nobody && ::geteuid() == 0 && argv.size() > 5) argv[5] = binary_nobody_can_run(argv[5]);

  RunResult result;
  for (const std::string& arg : argv) result.command += (result.command.empty() ? "" : " ") + arg;
  if (!options.cwd.empty()) result.command = "(cd " + options.cwd + " && " + result.command + ")";

  std::vector<char*> raw;
  for (const std::string& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
  raw.push_back(nullptr);
  const char* cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();

  Pipe in;
  Pipe out;
  Pipe err;
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Child: only async-signal-safe calls.
    ::dup2(in.read, STDIN_FILENO);
    ::dup2(out.write, STDOUT_FILENO);
    ::dup2(err.write, STDERR_FILENO);
    if (cwd != nullptr && ::chdir(cwd) != 0) ::_exit(126);
    ::execvp(raw[0], raw.data());
    ::_exit(127);
  }
  close_fd(in.read);
  close_fd(out.write);
  close_fd(err.write);
  ::fcntl(in.write, F_SETFL, ::fcntl(in.write, F_GETFL) | O_NONBLOCK);

  std::size_t written = 0;
  if (options.input.empty()) close_fd(in.write);
  const auto deadline = std::chrono::steady_clock::now() + options.timeout * timeout_scale();
  char buffer[65536];
  while (out.read >= 0 || err.read >= 0) {
    std::vector<pollfd> fds;
    if (out.read >= 0) fds.push_back({out.read, POLLIN, 0});
    if (err.read >= 0) fds.push_back({err.read, POLLIN, 0});
    if (in.write >= 0) fds.push_back({in.write, POLLOUT, 0});
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 && !result.timed_out) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      close_fd(in.write);
      continue;
    }
    const int timeout_ms = result.timed_out ? 1000 : static_cast<int>(std::min<long long>(left.count(), 1000));
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in.write) {
        const ssize_t n = ::write(in.write, options.input.data() + written, options.input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == options.input.size()) close_fd(in.write);
        continue;
      }
      const ssize_t n = ::read(p.fd, buffer, sizeof buffer);
      if (n > 0) {
        (p.fd == out.read ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        if (p.fd == out.read) {
          close_fd(out.read);
        } else {
          close_fd(err.read);
        }
      }
    }
  }
  close_fd(in.write);
  close_fd(out.read);
  close_fd(err.read);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  return result;
}

std::string shell_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

RunResult sluice(const std::vector<std::string>& args, const RunOptions& options) {
  std::vector<std::string> argv{kSluiceBinary};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, options);
}

std::string describe(const RunResult& result, bool with_stdout) {
  std::ostringstream text;
  text << "command: " << result.command << "\n";
  if (result.timed_out) text << "KILLED BY THE WATCHDOG (the command hung)\n";
  if (result.signal != 0) text << "ended by signal " << result.signal << "\n";
  text << "exit code: " << result.exit_code << "\n";
  text << "stderr:\n" << cut(result.err, 3000) << "\n";
  if (with_stdout) text << "stdout:\n" << cut(result.out, 3000) << "\n";
  return text.str();
}

::testing::AssertionResult exited_with(const RunResult& result, int code) {
  if (!result.timed_out && result.signal == 0 && result.exit_code == code) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected exit code " << code << "\n" << describe(result, true);
}

::testing::AssertionResult no_secret_on_stderr(const RunResult& result, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) {
    if (!secret.empty() && result.err.find(secret) != std::string::npos) {
      return ::testing::AssertionFailure()
             << "a secret (" << secret.substr(0, 8) << "...) was printed on standard error\n"
             << describe(result);
    }
  }
  return ::testing::AssertionSuccess();
}

// ------------------------------------------------------------------------------ loopback servers

namespace {

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

LoopbackServer::LoopbackServer(const std::vector<std::string>& args, int port, const std::string& log) {
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.empty() ? "/dev/null" : log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < until) {
    if (accepts(port)) {
      pid_ = pid;
      return;
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return;  // it exited (the port was taken meanwhile)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

LoopbackServer::~LoopbackServer() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

// --------------------------------------------------------------------------------- temp trees

TempDir::TempDir() {
  std::string pattern = "/tmp/sluice-e2e-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  root_ = pattern;
  ::chmod(root_.c_str(), 0755);
}

TempDir::~TempDir() {
  // Tests chmod 000 files and directories: give everything back before removing it.
  std::error_code ignored;
  fs::permissions(root_, fs::perms::owner_all, fs::perm_options::add, ignored);
  for (auto it = fs::recursive_directory_iterator(root_, fs::directory_options::skip_permission_denied, ignored);
       it != fs::recursive_directory_iterator(); it.increment(ignored)) {
    if (ignored) break;
    if (!it->is_symlink(ignored)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }
  // A second pass catches directories that were unreadable during the first.
  for (auto it = fs::recursive_directory_iterator(root_, fs::directory_options::skip_permission_denied, ignored);
       it != fs::recursive_directory_iterator(); it.increment(ignored)) {
    if (ignored) break;
    if (!it->is_symlink(ignored)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }
  fs::remove_all(root_, ignored);
}

std::string TempDir::write(const std::string& relative, std::string_view content) const {
  const fs::path file = root_ / relative;
  if (file.has_parent_path()) mkdir(fs::relative(file.parent_path(), root_).string());
  std::ofstream stream(file, std::ios::binary | std::ios::trunc);
  stream.write(content.data(), static_cast<std::streamsize>(content.size()));
  stream.close();
  if (!stream) throw std::runtime_error("cannot write " + file.string());
  ::chmod(file.c_str(), 0644);
  return file.string();
}

std::string TempDir::mkdir(const std::string& relative) const {
  fs::path current = root_;
  for (const fs::path& part : fs::path(relative)) {
    if (part.empty() || part == ".") continue;
    current /= part;
    if (::mkdir(current.c_str(), 0755) != 0 && errno != EEXIST) {
      throw std::runtime_error("cannot create " + current.string() + ": " + std::strerror(errno));
    }
    ::chmod(current.c_str(), 0755);
  }
  return current.string();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void git_in(const std::string& repo, std::vector<std::string> args) {
  args.insert(args.begin(), {"git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c",
                             "commit.gpgsign=false"});
  const RunResult result = run(args);
  EXPECT_TRUE(exited_with(result, 0)) << describe(result);
}

std::string copy_posthog_rules(const TempDir& dir) {
  const std::string text = read_file(kSourceDir / "engine" / "rules" / "posthog.toml");
  EXPECT_FALSE(text.empty()) << "cannot read engine/rules/posthog.toml under " << kSourceDir;
  return dir.write("posthog-only.toml", text);
}

// ------------------------------------------------------------------------------------ reports

std::ostream& operator<<(std::ostream& out, const Hit& hit) {
  return out << "{" << hit.path << " " << hit.rule_id << " " << hit.secret << " @" << hit.offset << " " << hit.line
             << ":" << hit.column << "}";
}

std::vector<Finding> parse_jsonl(const std::string& text) {
  std::vector<Finding> findings;
  std::istringstream lines(text);
  std::string line;
  std::size_t number = 0;
  bool summary = false;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty()) continue;
    nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
    if (item.is_discarded() || !item.is_object()) {
      ADD_FAILURE() << "JSONL line " << number << " is not a JSON object: " << cut(line, 300);
      continue;
    }
    if (summary) ADD_FAILURE() << "JSONL line " << number << " comes after the summary record";
    if (item.size() == 1 && item.contains("summary")) {
      summary = true;
      continue;
    }
    findings.push_back(to_finding(item));
  }
  if (!summary) ADD_FAILURE() << "the JSONL report has no closing summary record: " << cut(text, 300);
  return findings;
}

nlohmann::json jsonl_summary(const std::string& text) {
  const std::size_t end = text.find_last_not_of('\n');
  if (end == std::string::npos) return nullptr;
  const std::size_t start = text.rfind('\n', end);
  const nlohmann::json item =
      nlohmann::json::parse(text.substr(start == std::string::npos ? 0 : start + 1, end + 1), nullptr, false);
  if (item.is_discarded() || !item.is_object() || !item.contains("summary")) return nullptr;
  return item["summary"];
}

std::vector<Finding> parse_json_findings(const std::string& text) {
  std::vector<Finding> findings;
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object() || !document.contains("findings") ||
      !document["findings"].is_array()) {
    ADD_FAILURE() << "the JSON report is not an object with a findings array: " << cut(text, 500);
    return findings;
  }
  for (const nlohmann::json& item : document["findings"]) findings.push_back(to_finding(item));
  return findings;
}

std::vector<Hit> flatten(const std::vector<Finding>& findings) {
  std::vector<Hit> hits;
  for (const Finding& finding : findings) {
    for (const Location& at : finding.locations) {
      hits.push_back(Hit{at.path, finding.rule_id, finding.secret, at.offset, at.line, at.column});
    }
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

std::vector<Finding> of_rule(const std::vector<Finding>& findings, std::string_view rule_id) {
  std::vector<Finding> out;
  for (const Finding& finding : findings) {
    if (finding.rule_id == rule_id) out.push_back(finding);
  }
  return out;
}

Position position_of(std::string_view bytes, std::uint64_t offset) {
  Position position;
  std::uint64_t line_start = 0;
  for (std::uint64_t i = 0; i < offset && i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ++position.line;
      line_start = i + 1;
    }
  }
  position.column = offset - line_start + 1;
  return position;
}

// ---------------------------------------------------------------------------------------- keys

std::string KeyGen::personal_key(int era) {
  std::size_t length = 49;
  std::string_view alphabet = kBase57;
  if (era == 0) {
    length = 41 + below(3);
    alphabet = kBase62;
  } else if (era == 1) {
    length = 45 + below(4);
    alphabet = kBase62;
  }
  for (;;) {
    std::string key = "phx_";
    for (std::size_t i = 0; i < length; ++i) key.push_back(alphabet[below(alphabet.size())]);
    const std::string_view body = std::string_view(key).substr(4);
    // The same filters sluice applies: a generated key must be one it is bound to report.
    if (!engine::looks_like_placeholder(key) && engine::shannon_entropy(key) >= 4.0 &&
        !engine::looks_like_placeholder(body)) {
      return key;
    }
  }
}

std::string KeyGen::personal_key() { return personal_key(static_cast<int>(below(3))); }

std::string KeyGen::filler(std::size_t size) {
  static constexpr std::string_view kWords[] = {"lorem", "ipsum", "dolor",  "sit",  "amet",   "config",
                                                "value", "river", "sluice", "gate", "stream", "data"};
  std::string text;
  text.reserve(size + 16);
  while (text.size() < size) {
    text += kWords[below(std::size(kWords))];
    text.push_back(below(8) == 0 ? '\n' : ' ');
  }
  text.resize(size);
  return text;
}

char KeyGen::delimiter() {
  static constexpr char kDelimiters[] = {' ', '\n', '"', '\'', ':', '=', ',', '\t'};
  return kDelimiters[below(sizeof kDelimiters)];
}

void plant(std::string& buffer, std::size_t offset, const std::string& key, KeyGen& gen) {
  if (offset > 0) buffer[offset - 1] = gen.delimiter();
  buffer.replace(offset, key.size(), key);
  if (offset + key.size() < buffer.size()) buffer[offset + key.size()] = gen.delimiter();
}

std::string sha256_hex(const std::string& data) {
  RunOptions options;
  options.input = data;
  const RunResult result = run({"sha256sum"}, options);
  if (result.exit_code != 0 || result.out.size() < 64) throw std::runtime_error("sha256sum failed");
  return result.out.substr(0, 64);
}

}  // namespace sluice::e2e
