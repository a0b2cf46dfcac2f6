#include "cli/config.hpp"

#include <fmt/format.h>
#include <re2/re2.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"
#include "io/path_filter.hpp"
#include "pipeline/ignore_file.hpp"

namespace sluice::cli {
namespace {

std::string scalar_text(const toml::node& node, const std::string& where) {
  if (auto text = node.value<std::string>()) return *text;
  if (auto flag = node.value_exact<bool>()) return *flag ? "true" : "false";
  if (auto integer = node.value_exact<std::int64_t>()) return std::to_string(*integer);
  if (auto number = node.value_exact<double>()) return fmt::format("{}", *number);
  throw ConfigError(fmt::format("{}: expected a string, number or boolean", where));
}

std::string flag_name(std::string_view key) {
  std::string out(key);
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

// Options a config may not set at all (the config file itself, help, the positional paths).
CLI::Option* config_option(CLI::App& command, const std::string& key) {
  static const std::set<std::string> kNotConfigurable = {"config", "help", "paths"};
  return kNotConfigurable.count(key) != 0 ? nullptr : command.get_option_no_throw("--" + key);
}

// Why a [scan] key other than the narrowing ones is refused in a discovered config.
std::string_view refusal_reason(const std::string& key) {
  static const std::map<std::string, std::string_view, std::less<>> kReasons = {
      {"output", "it would write a file"},
      {"baseline", "it would read another file"},
      {"ignore-file", "it would read another file"},
      {"rules", "it would read another file and add rules"},
      {"repos-from", "it would read another file and scan what it lists"},
      {"enable", "it would add rules"},
      {"no-builtin-rules", "it would replace the rule set"},
      {"follow-symlinks", "it would widen what is scanned"},
      {"no-default-excludes", "it would widen what is scanned"},
      {"no-dedup", "it would change what is scanned"},
      {"git-history", "it would change what is scanned"},
      {"no-archives", "it would change what is scanned"},
      {"staged", "it would change what is scanned"},
      {"format", "it would change the report"},
      {"redact", "it would change the report"},
      {"quiet", "it would change the report and hide messages"},
      {"verbose", "it would change the messages"},
      {"no-progress", "it would change the messages"},
      {"report-unused-ignores", "it would change the messages"},
      {"fail-on", "it would change the exit code"},
      {"validate", "it would send secrets to vendors"},
      {"validate-dry-run", "it would change the messages"},
      {"validate-endpoint", "it would send secrets elsewhere"},
  };
  if (const auto it = kReasons.find(key); it != kReasons.end()) return it->second;
  if (key.rfind("max-", 0) == 0) return "it would change a limit";
  return "it would change how the scan runs";
}

// Strings of a key's value: one string or an array of strings.
bool string_items(const toml::node& value, std::vector<std::string>& items) {
  if (auto text = value.value_exact<std::string>()) {
    items.push_back(*text);
    return true;
  }
  const toml::array* array = value.as_array();
  if (array == nullptr) return false;
  for (const toml::node& element : *array) {
    auto text = element.value_exact<std::string>();
    if (!text) return false;
    items.push_back(*text);
  }
  return true;
}

std::string line_of(const toml::node& node) { return fmt::format("line {}", node.source().begin.line); }

// The global allowlists of a discovered config whose regexes all compile in RE2 (a bad one
// would otherwise stop the scan when the rules are compiled).
void read_allowlists(const toml::table& document, ConfigFile& config) {
  toml::table narrowed = document;
  std::vector<std::string> others;
  for (const auto& [key, value] : narrowed) {
    if (key.str() != "allowlist" && key.str() != "allowlists") others.emplace_back(key.str());
  }
  if (others.size() == narrowed.size()) return;
  for (const std::string& key : others) narrowed.erase(key);
  std::ostringstream text;
  text << narrowed;
  engine::RuleSet set;
  try {
    set = engine::parse_rules(text.str(), config.path);
  } catch (const engine::RuleError&) {
    // The message may quote the file's values: say where, not what.
    config.problems.push_back(
        fmt::format("{}: [allowlist]: not a valid allowlist (see the gitleaks schema); ignored", config.path));
    return;
  }
  // Every table together holds at most kMaxDiscoveredPatterns entries, and each regex compiles
  // within 1 MiB of RE2 program memory: a file in the tree must not cost minutes and gigabytes
  // before the scan starts.
  std::size_t entries = 0;
  for (const engine::Allowlist& list : set.global_allowlists) {
    entries += list.regexes.size() + list.paths.size() + list.stopwords.size();
  }
  if (entries > pipeline::kMaxDiscoveredPatterns) {
    config.problems.push_back(fmt::format("{}: allowlists: more than {} entries in all; every allowlist is ignored",
                                          config.path, pipeline::kMaxDiscoveredPatterns));
    return;
  }
  RE2::Options small = engine::rule_re2_options();
  small.set_max_mem(std::int64_t{1} << 20);
  for (std::size_t i = 0; i < set.global_allowlists.size(); ++i) {
    engine::Allowlist& list = set.global_allowlists[i];
    bool ok = true;
    for (const std::vector<std::string>* regexes : {&list.regexes, &list.paths}) {
      for (const std::string& regex : *regexes) {
        ok = ok && regex.size() <= io::kMaxPatternLength && RE2(regex, small).ok();
      }
    }
    if (ok) {
      config.allowlists.push_back(std::move(list));
    } else {
      config.problems.push_back(
          fmt::format("{}: allowlist {}: a regex does not compile in RE2 (or is too large); that allowlist is ignored",
                      config.path, i + 1));
    }
  }
}

void apply_narrowing_key(CLI::Option& option, const std::string& key, const toml::node& value, ConfigFile& config) {
  const std::string where = fmt::format("{}: [scan] {}", config.path, key);
  std::vector<std::string> items;
  if (!string_items(value, items)) {
    config.problems.push_back(fmt::format("{}: expected a string or an array of strings; ignored", where));
    return;
  }
  if (items.size() > pipeline::kMaxDiscoveredPatterns) {
    config.problems.push_back(
        fmt::format("{}: more than {} entries; ignored", where, pipeline::kMaxDiscoveredPatterns));
    return;
  }
  if (std::any_of(items.begin(), items.end(),
                  [](const std::string& item) { return item.size() > io::kMaxPatternLength; })) {
    config.problems.push_back(fmt::format("{}: an entry longer than {} bytes; ignored", where, io::kMaxPatternLength));
    return;
  }
  if (key == "disable") {
    config.disable.insert(config.disable.end(), items.begin(), items.end());
    return;
  }
  if (key == "exclude") {
    // "!pattern" re-includes: from scanned content it could undo a default or --exclude.
    const auto negations = std::erase_if(items, [](const std::string& item) {
      const std::size_t first = item.find_first_not_of(" \t\r\n\v\f");
      return first != std::string::npos && item[first] == '!';
    });
    if (negations > 0) {
      config.problems.push_back(
          fmt::format("{}: {} \"!\" pattern{} refused in a discovered config (it would widen the walk)", where,
                      negations, negations == 1 ? "" : "s"));
    }
    if (items.empty()) return;
  }
  // --include globs from a trusted source are kept whole: adding more would widen them.
  if (key == "include" && option.count() > 0) return;
  try {
    option.add_result(items);  // --exclude: added to those given elsewhere
    option.run_callback();
  } catch (const CLI::Error&) {
    config.problems.push_back(fmt::format("{}: not a valid value; ignored", where));
  }
}

}  // namespace

std::optional<std::string> discovery_root(const std::vector<std::string>& roots) {
  const std::vector<std::string> defaulted = roots.empty() ? std::vector<std::string>{"."} : roots;
  std::error_code error;
  if (defaulted.size() == 1 && defaulted[0] != "-" && std::filesystem::is_directory(defaulted[0], error)) {
    return defaulted[0];
  }
  return std::nullopt;
}

std::vector<std::string> discovered_elsewhere(const std::vector<std::string>& roots, std::string_view name) {
  std::vector<std::string> found;
  if (roots.size() < 2) return found;
  for (const std::string& root : roots) {
    std::error_code error;
    if (root == "-" || !std::filesystem::is_directory(root, error)) continue;
    const std::filesystem::path candidate = std::filesystem::path(root) / name;
    if (!std::filesystem::exists(std::filesystem::symlink_status(candidate, error))) continue;
    // The same directory named twice (`scan A A`, `scan A ./A`) is named once.
    const bool named = std::any_of(found.begin(), found.end(), [&](const std::string& other) {
      std::error_code same_error;
      return std::filesystem::equivalent(other, candidate, same_error);
    });
    if (!named) found.push_back(candidate.string());
  }
  return found;
}

std::optional<std::string> discovered_config_path(const std::vector<std::string>& roots) {
  const auto root = discovery_root(roots);
  if (!root) return std::nullopt;
  const std::filesystem::path candidate = std::filesystem::path(*root) / kConfigFileName;
  std::error_code error;
  if (std::filesystem::exists(std::filesystem::symlink_status(candidate, error))) return candidate.string();
  return std::nullopt;
}

std::optional<std::string> user_config_path() {
  std::filesystem::path base;
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (xdg != nullptr && xdg[0] == '/') {
    base = xdg;
  } else if (home != nullptr && home[0] != '\0') {
    base = std::filesystem::path(home) / ".config";
  } else {
    return std::nullopt;
  }
  const std::filesystem::path candidate = base / "sluice" / "config.toml";
  std::error_code error;
  if (std::filesystem::exists(candidate, error)) return candidate.string();
  return std::nullopt;
}

const std::set<std::string>& narrowing_scan_keys() {
  // exclude and include leave paths out; disable turns rules off. Nothing else: fail-on, for
  // one, reports everything but would let the scanned tree decide whether the scan fails.
  static const std::set<std::string> kKeys = {"disable", "exclude", "include"};
  return kKeys;
}

const std::set<std::string>& narrowing_tables() {
  static const std::set<std::string> kTables = {"scan", "allowlist", "allowlists", "title", "description"};
  return kTables;
}

ConfigFile apply_config(CLI::App& command, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("{}: cannot open the config file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(fmt::format("{}: cannot read the config file", path));
  return apply_trusted_config(command, path, text.str());
}

ConfigFile apply_trusted_config(CLI::App& command, const std::string& path, std::string_view text) {
  toml::table document;
  try {
    document = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw ConfigError(fmt::format("{}:{}:{}: {}", path, where.line, where.column, error.description()));
  }
  ConfigFile config;
  config.path = path;
  config.has_rules = document.contains("rules") || document.contains("allowlist") || document.contains("allowlists") ||
                     document.contains("extend");
  const toml::node* scan_node = document.get("scan");
  if (scan_node == nullptr) return config;
  const toml::table* scan = scan_node->as_table();
  if (scan == nullptr) throw ConfigError(fmt::format("{}: 'scan' must be a table ([scan])", path));
  for (const auto& [key_node, value] : *scan) {
    const std::string key = flag_name(key_node.str());
    const std::string where = fmt::format("{}: [scan] {}", path, key);
    CLI::Option* option = config_option(command, key);
    if (option == nullptr) throw ConfigError(fmt::format("{}: not a `sluice scan` flag", where));
    if (option->count() > 0) continue;  // set by a source that takes precedence
    try {
      if (option->get_expected_min() == 0) {
        option->add_result(option->get_flag_value(key, scalar_text(value, where)));
      } else if (const toml::array* array = value.as_array()) {
        std::vector<std::string> items;
        for (std::size_t i = 0; i < array->size(); ++i) {
          items.push_back(scalar_text(*array->get(i), fmt::format("{}[{}]", where, i)));
        }
        option->add_result(items);
      } else {
        option->add_result(scalar_text(value, where));
      }
      option->run_callback();
    } catch (const CLI::Error& error) {
      throw ConfigError(fmt::format("{}: {}", where, error.what()));
    }
  }
  return config;
}

ConfigFile apply_discovered_config(CLI::App& command, const std::string& path, std::string_view text) {
  ConfigFile config;
  config.path = path;
  auto refuse = [&](const std::string& what, std::string_view reason) {
    config.problems.push_back(fmt::format("{}: {}: refused in a discovered config ({}); pass --config {} to trust it",
                                          path, what, reason, path));
  };
  toml::table document;
  try {
    document = toml::parse(text, path);
  } catch (const toml::parse_error& error) {
    // The description can quote the file; the position is enough to find the mistake.
    const auto& where = error.source().begin;
    config.problems.push_back(
        fmt::format("{}: not valid TOML (line {}, column {}); the file is ignored", path, where.line, where.column));
    return config;
  }
  for (const auto& [key_node, value] : document) {
    const std::string key(key_node.str());
    if (narrowing_tables().count(key) != 0) continue;
    if (key == "rules") {
      refuse("[[rules]]", "it would add rules");
    } else if (key == "extend") {
      refuse("[extend]", "it would change the rule set");
    } else {
      // Not echoed: a key of scanned content could be anything, a secret included.
      config.problems.push_back(fmt::format("{}: unknown top-level key at {}; ignored", path, line_of(value)));
    }
  }
  if (const toml::node* scan_node = document.get("scan")) {
    const toml::table* scan = scan_node->as_table();
    if (scan == nullptr) {
      config.problems.push_back(fmt::format("{}: 'scan' is not a table; ignored", path));
    } else {
      for (const auto& [key_node, value] : *scan) {
        const std::string key = flag_name(key_node.str());
        CLI::Option* option = config_option(command, key);
        if (key == "config") {
          refuse("[scan] config", "it would read another file");
        } else if (option == nullptr) {
          config.problems.push_back(
              fmt::format("{}: [scan] key at {}: not a `sluice scan` flag; ignored", path, line_of(value)));
        } else if (narrowing_scan_keys().count(key) == 0) {
          refuse("[scan] " + key, refusal_reason(key));
        } else {
          apply_narrowing_key(*option, key, value, config);
        }
      }
    }
  }
  read_allowlists(document, config);
  return config;
}

}  // namespace sluice::cli
