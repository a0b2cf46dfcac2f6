#include "io/git_remote.hpp"

#include <fmt/format.h>
#include <git2.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <system_error>
#include <thread>

#include "io/libgit2.hpp"

namespace sluice::io {
namespace {

struct RepositoryDeleter {
  void operator()(git_repository* p) const noexcept { git_repository_free(p); }
};
struct RemoteDeleter {
  void operator()(git_remote* p) const noexcept { git_remote_free(p); }
};
struct ConfigDeleter {
  void operator()(git_config* p) const noexcept { git_config_free(p); }
};
using Repository = std::unique_ptr<git_repository, RepositoryDeleter>;
using Remote = std::unique_ptr<git_remote, RemoteDeleter>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// URL userinfo is percent-encoded (a token holding ':' or '@' must be).
std::string percent_decoded(std::string_view text) {
  std::string out;
  for (std::size_t k = 0; k < text.size(); ++k) {
    if (text[k] == '%' && k + 2 < text.size() && hex_value(text[k + 1]) >= 0 && hex_value(text[k + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[k + 1]) * 16 + hex_value(text[k + 2])));
      k += 2;
    } else {
      out.push_back(text[k]);
    }
  }
  return out;
}

// What the libgit2 callbacks of one transfer share.
struct Transfer {
  const RemoteUrl* url = nullptr;
  const std::atomic<bool>* stop = nullptr;
  int credential_calls = 0;
};

// Credentials are offered once: a second request means the remote refused them, and asking
// again would loop.
int give_credentials(git_credential** out, const char* /*url*/, const char* user_from_url, unsigned int allowed,
                     void* payload) {
  Transfer& transfer = *static_cast<Transfer*>(payload);
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
  return transfer.stop != nullptr && transfer.stop->load(std::memory_order_relaxed) ? -1 : 0;
}

int keep_going_sideband(const char* /*text*/, int /*length*/, void* payload) { return keep_going(nullptr, payload); }

// Fetches every ref of the remote into the mirror (removing refs the remote no longer has),
// records what crossed the network, and points HEAD at the remote's default branch.
bool fetch(git_repository* repository, git_remote* remote, Transfer& transfer, MirrorOutcome& out) {
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
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
    git_repository_init_options init = GIT_REPOSITORY_INIT_OPTIONS_INIT;
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

MirrorOutcome sync_one(const std::string& given, const std::string& cache, const std::atomic<bool>* stop) {
  const RemoteUrl url = parse_remote_url(given);
  MirrorOutcome out;
  out.url = url.shown;
  out.path = mirror_path(cache, url.shown);
  Transfer transfer{&url, stop, 0};
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
    }
    return out;
  }
  const std::size_t authority = scheme_end + 3;
  const std::size_t authority_end = std::min(given.find('/', authority), given.size());
  const std::size_t at = given.substr(0, authority_end).rfind('@');
  if (at == std::string_view::npos || at < authority) {
    out.shown = std::string(given);
    return out;
  }
  const std::string_view userinfo = given.substr(authority, at - authority);
  const std::size_t colon = userinfo.find(':');
  out.user = percent_decoded(userinfo.substr(0, colon));
  if (colon != std::string_view::npos) out.password = percent_decoded(userinfo.substr(colon + 1));
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
  std::atomic<std::size_t> next{0};
  const auto worker = [&] {
    for (std::size_t k; (k = next.fetch_add(1)) < work.size();) {
      out[work[k]] = sync_one(urls[work[k]], cache, stop);
    }
  };
  std::vector<std::thread> threads;
  const std::size_t count = std::min<std::size_t>(std::max(parallel, 1u), work.size());
  try {
    for (std::size_t t = 1; t < count; ++t) threads.emplace_back(worker);
  } catch (const std::system_error&) {
    // No more threads: the ones running (and this one) take the rest.
  }
  worker();
  for (std::thread& thread : threads) thread.join();
  for (std::size_t k = 0; k < urls.size(); ++k) {
    const std::size_t source = first.at(mirror_path(cache, parse_remote_url(urls[k]).shown));
    if (source != k) out[k] = out[source];
  }
  return out;
}

}  // namespace sluice::io
