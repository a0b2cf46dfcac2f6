#pragma once
// Bare mirrors of git remotes in a local cache (`--git-url`): each remote is cloned once into
// CACHE/<name>-<hash>.git with the mirror refspec (+refs/*:refs/*, every branch, tag and other
// ref) and later runs fetch into it, so that only new objects cross the network. A mirror is
// created in a temporary directory and renamed into place once the first fetch is complete: a
// run killed mid-clone leaves no half mirror that a later run would take as whole.
//
// Credentials in a URL (https://user:token@host/...) are given to libgit2 through its
// credential callback, never stored in the mirror's config, never part of the name shown; ssh
// remotes authenticate through the ssh agent. TLS certificates are verified (libgit2's
// default). Nothing of the remote is run: libgit2 runs no hooks and follows no submodules.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::io {

// A remote URL split into what may be shown and stored, and the credentials it carried.
struct RemoteUrl {
  std::string shown;  // the URL without user:password@ (the user alone is kept for ssh)
  std::string user;
  std::string password;
  bool malformed = false;  // looks like it holds credentials git cannot use: `shown` hides them
};

// Splits credentials off `given` (scheme://user:password@host/..., or scp-like user@host:path,
// which keeps its user: ssh has no password in the URL).
[[nodiscard]] RemoteUrl parse_remote_url(std::string_view given);

// The mirror directory for the shown URL under `cache`: <last path component>-<16 hex digits
// of the URL's hash>.git, the name cut to letters, digits, '.', '_' and '-'.
[[nodiscard]] std::string mirror_path(const std::string& cache, const std::string& shown_url);

struct MirrorOutcome {
  std::string url;      // as shown (no credentials)
  std::string path;     // the mirror directory
  std::string error;    // empty: the mirror is up to date
  bool cloned = false;  // made by this run (otherwise fetched into)
  std::uint64_t received_bytes = 0;
  std::uint64_t received_objects = 0;
};

// Brings a bare mirror of every URL (as given, credentials included) up to date under `cache`
// (created when missing), `parallel` remotes at a time. Outcomes in the order of `urls`; a
// failure is the outcome's error (a one-line reason, without credentials). `stop`, when set,
// cancels transfers in progress.
[[nodiscard]] std::vector<MirrorOutcome> sync_mirrors(const std::vector<std::string>& urls, const std::string& cache,
                                                      unsigned parallel, const std::atomic<bool>* stop = nullptr);

}  // namespace sluice::io
