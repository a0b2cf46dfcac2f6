#pragma once
// .sluice.toml: scan flags in a [scan] table (any long flag of `sluice scan`, without its
// dashes: `format = "sarif"`, `exclude = ["docs/**"]`, `redact = true`, `no-archives = true`),
// plus extra rules and allowlists in sluice's rule schema ([[rules]], [allowlist],
// [extend]), which is why a .gitleaks.toml is accepted as is. Precedence: a flag on the
// command line > the config file > the built-in default.

#include <CLI/CLI.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::cli {

inline constexpr const char* kConfigFileName = ".sluice.toml";

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The first root that is a directory (roots "-" and files are passed over), or nullopt.
[[nodiscard]] std::optional<std::string> first_directory_root(const std::vector<std::string>& roots);

// The config to use: `explicit_path` when given, else .sluice.toml in the first root that is a
// directory, if there is one.
[[nodiscard]] std::optional<std::string> find_config(const std::string& explicit_path,
                                                     const std::vector<std::string>& roots);

struct ConfigFile {
  std::string path;
  bool has_rules = false;  // [[rules]], allowlists or [extend]: load it as a rule file too
};

// Reads `path` and sets every option of `command` named in its [scan] table that was not given
// on the command line. Throws ConfigError (unreadable file, unknown key, bad value).
ConfigFile apply_config(CLI::App& command, const std::string& path);

}  // namespace sluice::cli
