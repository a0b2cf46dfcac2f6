#pragma once
// .sluice.toml: scan flags in a [scan] table (any long flag of `sluice scan`, without its
// dashes: `format = "sarif"`, `exclude = ["docs/**"]`, `redact = true`, `no-archives = true`),
// plus extra rules and allowlists in sluice's rule schema ([[rules]], [allowlist],
// [extend]), which is why a .gitleaks.toml is accepted as is.
//
// Trust (issue 15): a config named with --config and the user's own config
// ($XDG_CONFIG_HOME/sluice/config.toml, else ~/.config/sluice/config.toml) are trusted in
// full. A .sluice.toml discovered in the first directory scanned is part of the scanned
// content: it may only narrow what is reported (the keys of narrowing_scan_keys() and
// narrowing_tables()); every other key is refused with one message and ignored, and a file
// that cannot be read or parsed is ignored with one message. Precedence: command line >
// --config > user config > discovered config; a discovered config's excludes, disables and
// allowlists add to the others', its include globs apply only when no trusted source gives any.

#include <CLI/CLI.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/rule.hpp"

namespace sluice::cli {

inline constexpr const char* kConfigFileName = ".sluice.toml";

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where .sluice.toml and .sluiceignore are discovered: the scan's one root when it is a
// directory ("." when none is given). With several roots there is none: what a discovered
// file narrows would apply to every root, so one scanned tree could hide another's secrets
// (see discovered_elsewhere).
[[nodiscard]] std::optional<std::string> discovery_root(const std::vector<std::string>& roots);

// With several roots: each `name` file found in a root that is a directory, not applied.
[[nodiscard]] std::vector<std::string> discovered_elsewhere(const std::vector<std::string>& roots,
                                                            std::string_view name);

// .sluice.toml in the discovery root, when something is there (not necessarily a regular
// file: read it with pipeline::read_discovered_file).
[[nodiscard]] std::optional<std::string> discovered_config_path(const std::vector<std::string>& roots);

// The user's own config: $XDG_CONFIG_HOME/sluice/config.toml (when XDG_CONFIG_HOME is set and
// absolute), else $HOME/.config/sluice/config.toml; nullopt when there is no such file.
[[nodiscard]] std::optional<std::string> user_config_path();

// [scan] keys a discovered config may set, and top-level keys it may hold: each one only
// narrows what is reported (an allowlist, not a denylist: a flag added later is refused until
// it is added here). `title` and `description` are gitleaks metadata and do nothing.
[[nodiscard]] const std::set<std::string>& narrowing_scan_keys();
[[nodiscard]] const std::set<std::string>& narrowing_tables();

struct ConfigFile {
  std::string path;
  bool has_rules = false;  // trusted: [[rules]], allowlists or [extend]: load it as a rule file too
  // Discovered only: what it may contribute besides excludes and includes, and one message
  // ("PATH: ...", no "sluice: error:" prefix) per key refused or part ignored.
  std::vector<engine::Allowlist> allowlists;  // global [allowlist] / [[allowlists]] whose regexes compile
  std::vector<std::string> disable;           // rule selectors; unknown ones are ignored
  std::vector<std::string> problems;
};

// A trusted config: reads `path` and sets every option of `command` named in its [scan] table
// that is not set yet. Throws ConfigError (unreadable file, unknown key, bad value).
ConfigFile apply_config(CLI::App& command, const std::string& path);
// The same for a config already read; `path` names it in messages.
ConfigFile apply_trusted_config(CLI::App& command, const std::string& path, std::string_view text);

// A discovered config whose bytes are `text`: applies the narrowing keys only (exclude is added
// to what is set, include only when nothing set it, disable is returned), refuses the rest.
// Never throws for anything in `text`.
ConfigFile apply_discovered_config(CLI::App& command, const std::string& path, std::string_view text);

}  // namespace sluice::cli
