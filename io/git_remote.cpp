#include "io/git_remote.hpp"

#include <fmt/format.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "io/http_client.hpp"
#include "io/libgit2.hpp"

namespace sluice::io {
namespace {

struct RemoteDeleter {
  void operator()(git_remote* p) const noexcept { git_remote_free(p); }
};
struct ConfigDeleter {
  void operator()(git_config* p) const noexcept { git_config_free(p); }
};
using Repository = std::unique_ptr<git_repository, RepositoryDeleter>;
using Remote = std::unique_ptr<git_remote, RemoteDeleter>;

// A fetch with no sign of life (no data, no progress) for this long is abandoned.
constexpr std::int64_t kStallSeconds = 120;

// What the libgit2 callbacks of one transfer share.
struct Transfer {
  const RemoteUrl* url = nullptr;
  const std::atomic<bool>* stop = nullptr;
  int credential_calls = 0;
  std::atomic<std::int64_t>* heard = nullptr;  // steady-clock ns of the last sign of life
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int give_credentials(git_credential** out, const char* asking_url, const char* user_from_url, unsigned int allowed,
                     void* payload) {
  Transfer& transfer = *static_cast<Transfer*>(payload);
  // A remote that redirected elsewhere gets no credentials: they were given for the URL named.
  if (asking_url != nullptr && url_origin(asking_url) != url_origin(transfer.url->shown)) {
    git_error_set_str(GIT_ERROR_NET,
                      "the remote redirected to another host, which asks for credentials: they are only sent to the "
                      "host named");
    return GIT_EAUTH;
  }
  if (transfer.credential_calls++ > 0) {
    git_error_set_str(GIT_ERROR_NET, "authentication failed: the remote refused the credentials given");
    return GIT_EAUTH;
  }
  const RemoteUrl& url = *transfer.url;
  if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 && !url.user.empty()) {
    return git_credential_userpass_plaintext_new(out, url.user.c_str(), url.password.c_str());
  }
  const std::string user = user_from_url != nullptr && *user_from_url != '\0' ? user_from_url : url.user;
  if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0 && !user.empty()) {
    return git_credential_ssh_key_from_agent(out, user.c_str());
  }
  if ((allowed & GIT_CREDENTIAL_USERNAME) != 0 && !user.empty()) return git_credential_username_new(out, user.c_str());
  git_error_set_str(GIT_ERROR_NET,
                    "the remote asks for credentials: give them in the URL (https://USER:TOKEN@HOST/...) or, for "
                    "ssh, through the ssh agent");
  return GIT_EAUTH;
}

int keep_going(const git_indexer_progress* /*stats*/, void* payload) {
  const Transfer& transfer = *static_cast<Transfer*>(payload);
  if (transfer.heard != nullptr) transfer.heard->store(now_ns(), std::memory_order_relaxed);
  return transfer.stop != nullptr && transfer.stop->load(std::memory_order_relaxed) ? -1 : 0;
}

int keep_going_sideband(const char* /*text*/, int /*length*/, void* payload) { return keep_going(nullptr, payload); }

// Fetches every ref of the remote into the mirror (removing refs the remote no longer has),
// records what crossed the network, and points HEAD at the remote's default branch.
bool fetch(git_repository* repository, git_remote* remote, Transfer& transfer, MirrorOutcome& out) {
  git_fetch_options options;  // the init function, not the macro: clang warns on its missing fields
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.prune = GIT_FETCH_PRUNE;
  options.update_fetchhead = 0;
  options.proxy_opts.type = GIT_PROXY_AUTO;  // http(s)_proxy from the environment, as git does
  options.callbacks.credentials = give_credentials;
  options.callbacks.transfer_progress = keep_going;
  options.callbacks.sideband_progress = keep_going_sideband;
  options.callbacks.payload = &transfer;
  if (git_remote_fetch(remote, nullptr, &options, nullptr) != 0) {
    const bool stopped = transfer.stop != nullptr && transfer.stop->load();
    out.error = stopped ? "fetch stopped by a signal" : "fetch failed: " + libgit2_error("unknown error");
    return false;
  }
  const git_indexer_progress* stats = git_remote_stats(remote);
  out.received_bytes = stats->received_bytes;
  out.received_objects = stats->received_objects;
  git_buf head = GIT_BUF_INIT;
  if (git_remote_default_branch(&head, remote) == 0) git_repository_set_head(repository, head.ptr);
  git_buf_dispose(&head);
  return true;
}

void clone(const RemoteUrl& url, const std::string& path, Transfer& transfer, MirrorOutcome& out) {
  static std::atomic<unsigned> counter{0};
  const std::string partial = fmt::format("{}.partial-{}-{}", path, ::getpid(), counter++);
  bool fetched = false;
  {
    git_repository_init_options init;
    git_repository_init_options_init(&init, GIT_REPOSITORY_INIT_OPTIONS_VERSION);
    init.flags = GIT_REPOSITORY_INIT_BARE | GIT_REPOSITORY_INIT_NO_REINIT |
                 GIT_REPOSITORY_INIT_MKDIR;  // no template: no hooks copied
    init.mode = GIT_REPOSITORY_INIT_SHARED_UMASK;
    git_repository* raw = nullptr;
    if (git_repository_init_ext(&raw, partial.c_str(), &init) != 0) {
      out.error = "cannot create the mirror: " + libgit2_error("unknown error");
      return;
    }
    Repository repository(raw);
    git_remote* raw_remote = nullptr;
    git_config* raw_config = nullptr;
    if (git_remote_create_with_fetchspec(&raw_remote, repository.get(), "origin", url.shown.c_str(),
                                         "+refs/*:refs/*") != 0) {
      out.error = "not a remote URL: " + libgit2_error("unknown error");
    } else {
      Remote remote(raw_remote);
      if (git_repository_config(&raw_config, repository.get()) == 0) {
        std::unique_ptr<git_config, ConfigDeleter> config(raw_config);
        git_config_set_bool(config.get(), "remote.origin.mirror", 1);
      }
      fetched = fetch(repository.get(), remote.get(), transfer, out);
    }
  }
  std::error_code ignored;
  if (!fetched) {
    std::filesystem::remove_all(partial, ignored);
    return;
  }
  if (::rename(partial.c_str(), path.c_str()) != 0) {
    const int error = errno;
    std::filesystem::remove_all(partial, ignored);
    // Another run made the mirror meanwhile: this run's copy is the same, and the other is kept.
    if (error != EEXIST && error != ENOTEMPTY) {
      out.error = fmt::format("cannot put the mirror in place: {}", std::strerror(error));
      return;
    }
  }
  out.cloned = true;
}

void update(const RemoteUrl& url, const std::string& path, Transfer& transfer, MirrorOutcome& out) {
  git_repository* raw = nullptr;
  if (git_repository_open_bare(&raw, path.c_str()) != 0) {
    out.error = fmt::format("the mirror {} cannot be opened (remove it to clone again): {}", path,
                            libgit2_error("unknown error"));
    return;
  }
  Repository repository(raw);
  git_remote* raw_remote = nullptr;
  if (git_remote_lookup(&raw_remote, repository.get(), "origin") != 0) {
    out.error = fmt::format("the mirror {} has no remote 'origin' (remove it to clone again)", path);
    return;
  }
  Remote remote(raw_remote);
  const char* stored = git_remote_url(remote.get());
  if (stored == nullptr || url.shown != stored) {
    out.error = fmt::format("the mirror {} is of another remote (remove it to clone again)", path);
    return;
  }
  fetch(repository.get(), remote.get(), transfer, out);
}

MirrorOutcome sync_one(const std::string& given, const std::string& cache, const std::atomic<bool>* stop,
                       std::atomic<std::int64_t>* heard) {
  const RemoteUrl url = parse_remote_url(given);
  MirrorOutcome out;
  out.url = url.shown;
  out.path = mirror_path(cache, url.shown);
  if (url.malformed) {
    out.error =
        "not a valid URL (credentials in a URL are user:password@ after the scheme, with '/', '@' and ':' in them "
        "percent-encoded): it was not used and is not shown";
    return out;
  }
  Transfer transfer{&url, stop, 0, heard};
  try {
    struct stat info {};
    if (::stat(out.path.c_str(), &info) == 0) {
      update(url, out.path, transfer, out);
    } else {
      clone(url, out.path, transfer, out);
    }
  } catch (const std::exception& error) {
    out.error = fmt::format("internal error: {}", error.what());
  }
  return out;
}

// mkdir -p, new directories readable by the user only: mirrors may hold private code.
std::string make_cache(const std::string& cache) {
  std::string path;
  std::size_t at = 0;
  while (at != std::string::npos) {
    at = cache.find('/', at + 1);
    path = cache.substr(0, at);
    if (path.empty() || ::mkdir(path.c_str(), 0700) == 0 || errno == EEXIST) continue;
    return fmt::format("cannot create the clone directory {}: {}", path, std::strerror(errno));
  }
  struct stat info {};
  if (::stat(cache.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return fmt::format("the clone directory {} is not a directory", cache);
  }
  return {};
}

}  // namespace

RemoteUrl parse_remote_url(std::string_view given) {
  RemoteUrl out;
  const std::size_t scheme_end = given.find("://");
  if (scheme_end == std::string_view::npos) {
    // A local path, or scp-like [user@]host:path (whose user is kept: it is ssh's login).
    out.shown = std::string(given);
    const std::size_t colon = given.find(':');
    const std::size_t at = given.find('@');
    if (colon != std::string_view::npos && at != std::string_view::npos && at < colon && given.find('/') > colon) {
      out.user = std::string(given.substr(0, at));
    } else if (colon != std::string_view::npos && at != std::string_view::npos && colon < at &&
               given.substr(0, at).find('/') == std::string_view::npos) {
      // user:password@host:path has no meaning for git (ssh takes no password): what is
      // before the '@' may be a secret, and is never shown.
      out.malformed = true;
      out.shown = "...@" + std::string(given.substr(at + 1));
    }
    return out;
  }
  const std::size_t authority = scheme_end + 3;
  const std::size_t authority_end = std::min(given.find('/', authority), given.size());
  const std::size_t at = given.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority) {
    out.shown = std::string(given);
    // host:port with a port that is not a number, and an '@' further on: a password holding a
    // '/' that was not percent-encoded. Never shown, never used.
    const std::string_view host = given.substr(authority, authority_end - authority);
    const std::size_t colon = host.rfind(':');
    const bool bad_port = colon != std::string_view::npos && !host.empty() && host.front() != '[' &&
                          host.substr(colon + 1).find_first_not_of("0123456789") != std::string_view::npos;
    if (bad_port && given.find('@', authority_end) != std::string_view::npos) {
      out.malformed = true;
      out.shown = std::string(given.substr(0, authority)) + "...@" + std::string(given.substr(given.rfind('@') + 1));
    }
    return out;
  }
  const std::string_view userinfo = given.substr(authority, at - authority);
  const std::size_t colon = userinfo.find(':');
  out.user = url_unescaped(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) out.password = url_unescaped(userinfo.substr(colon + 1));
  const std::string_view scheme = given.substr(0, scheme_end);
  // ssh keeps its login in the URL shown (it names an account, not a secret); every other
  // scheme loses the userinfo whole.
  const bool ssh = scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git";
  out.shown = std::string(given.substr(0, authority));
  if (ssh && !out.user.empty()) out.shown += std::string(userinfo.substr(0, colon)) + "@";
  out.shown += std::string(given.substr(at + 1));
  return out;
}

std::string mirror_path(const std::string& cache, const std::string& shown_url) {
  std::string_view name = shown_url;
  while (!name.empty() && name.back() == '/') name.remove_suffix(1);
  if (name.size() > 4 && name.substr(name.size() - 4) == ".git") name.remove_suffix(4);
  const std::size_t cut = name.find_last_of("/:");
  if (cut != std::string_view::npos) name.remove_prefix(cut + 1);
  std::string safe;
  for (const char c : name) {
    if (safe.size() == 64) break;
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    safe.push_back(plain ? c : '_');
  }
  if (safe.empty() || safe.front() == '.') safe.insert(0, "repo");
  return fmt::format("{}/{}-{:016x}.git", cache, safe, XXH3_64bits(shown_url.data(), shown_url.size()));
}

std::vector<MirrorOutcome> sync_mirrors(const std::vector<std::string>& urls, const std::string& cache,
                                        unsigned parallel, const std::atomic<bool>* stop) {
  std::vector<MirrorOutcome> out(urls.size());
  if (urls.empty()) return out;
  if (const std::string problem = make_cache(cache); !problem.empty()) {
    for (std::size_t k = 0; k < urls.size(); ++k) {
      out[k].url = parse_remote_url(urls[k]).shown;
      out[k].error = problem;
    }
    return out;
  }
  ensure_libgit2();
  // One transfer per mirror: a URL given twice (or with other credentials) is fetched once.
  std::map<std::string, std::size_t> first;
  std::vector<std::size_t> work;
  for (std::size_t k = 0; k < urls.size(); ++k) {
    if (first.emplace(mirror_path(cache, parse_remote_url(urls[k]).shown), k).second) work.push_back(k);
  }

  // libgit2 1.5 has no network timeout and checks for cancellation only when data arrives: a
  // fetch is run on a thread of its own, and one that gives no sign of life for kStallSeconds,
  // or is still running when `stop` is set, is abandoned (its thread is left to end by itself,
  // writing only to state it shares; a partial clone directory may be left behind).
  struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> urls;
    std::string cache;
    std::vector<MirrorOutcome> results;
    std::vector<char> settled;                     // per work item: result final
    std::vector<std::atomic<std::int64_t>> heard;  // per work item: last sign of life, 0 not started
    std::size_t finished = 0;
  };
  auto shared = std::make_shared<Shared>();
  shared->urls = urls;
  shared->cache = cache;
  shared->results.resize(work.size());
  shared->settled.assign(work.size(), 0);
  shared->heard = std::vector<std::atomic<std::int64_t>>(work.size());
  auto next = std::make_shared<std::atomic<std::size_t>>(0);
  const auto start_worker = [&]() -> bool {
    try {
      std::thread([shared, next, work, stop] {
        for (std::size_t k; (k = next->fetch_add(1)) < work.size();) {
          if (stop != nullptr && stop->load()) break;
          shared->heard[k].store(now_ns());
          MirrorOutcome result = sync_one(shared->urls[work[k]], shared->cache, stop, &shared->heard[k]);
          std::lock_guard lock(shared->mutex);
          if (!shared->settled[k]) {
            shared->results[k] = std::move(result);
            shared->settled[k] = 1;
            ++shared->finished;
          }
          shared->changed.notify_all();
        }
      }).detach();
      return true;
    } catch (const std::system_error&) {
      return false;
    }
  };
  std::size_t workers = 0;
  const std::size_t wanted = std::min<std::size_t>(std::max(parallel, 1u), work.size());
  while (workers < wanted && start_worker()) ++workers;
  std::unique_lock lock(shared->mutex);
  bool abandoned_all = workers == 0;
  while (shared->finished < work.size() && !abandoned_all) {
    shared->changed.wait_for(lock, std::chrono::milliseconds(100));
    const bool stopping = stop != nullptr && stop->load();
    const std::int64_t now = now_ns();
    for (std::size_t k = 0; k < work.size(); ++k) {
      if (shared->settled[k]) continue;
      const std::int64_t heard = shared->heard[k].load();
      const bool started = heard != 0;
      const bool stalled = started && now - heard > kStallSeconds * 1'000'000'000LL;
      if (!stopping && !stalled) continue;
      if (!started && !stopping) continue;
      MirrorOutcome& result = shared->results[k];
      result.url = parse_remote_url(urls[work[k]]).shown;
      result.path = mirror_path(cache, result.url);
      result.error = stopping ? std::string("fetch stopped by a signal")
                              : fmt::format("no data from the remote for {} s: the fetch was abandoned", kStallSeconds);
      shared->settled[k] = 1;
      ++shared->finished;
      // The stalled fetch keeps its thread: another takes the rest of the work.
      if (stalled && !stopping && start_worker()) ++workers;
    }
    if (stopping) abandoned_all = true;
  }
  for (std::size_t k = 0; k < work.size(); ++k) out[work[k]] = shared->results[k];
  lock.unlock();
  for (std::size_t k = 0; k < urls.size(); ++k) {
    const std::size_t source = first.at(mirror_path(cache, parse_remote_url(urls[k]).shown));
    if (source != k) out[k] = out[source];
  }
  return out;
}

}  // namespace sluice::io
