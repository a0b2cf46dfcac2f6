#include "cli/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <filesystem>
#include <set>

namespace sluice::cli {
namespace {

std::string scalar_text(const toml::node& node, const std::string& where) {
  if (auto text = node.value<std::string>()) return *text;
  if (auto flag = node.value_exact<bool>()) return *flag ? "true" : "false";
  if (auto integer = node.value_exact<std::int64_t>()) return std::to_string(*integer);
  if (auto number = node.value_exact<double>()) return fmt::format("{}", *number);
  throw ConfigError(fmt::format("{}: expected a string, number or boolean", where));
}

}  // namespace

std::optional<std::string> first_directory_root(const std::vector<std::string>& roots) {
  const std::vector<std::string> defaulted = roots.empty() ? std::vector<std::string>{"."} : roots;
  for (const std::string& root : defaulted) {
    std::error_code error;
    if (root != "-" && std::filesystem::is_directory(root, error)) return root;
  }
  return std::nullopt;
}

std::optional<std::string> find_config(const std::string& explicit_path, const std::vector<std::string>& roots) {
  if (!explicit_path.empty()) return explicit_path;
  const auto root = first_directory_root(roots);
  if (!root) return std::nullopt;
  const std::filesystem::path candidate = std::filesystem::path(*root) / kConfigFileName;
  std::error_code error;
  if (std::filesystem::is_regular_file(candidate, error)) return candidate.string();
  return std::nullopt;
}

ConfigFile apply_config(CLI::App& command, const std::string& path) {
  toml::table document;
  try {
    document = toml::parse_file(path);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw ConfigError(fmt::format("{}:{}:{}: {}", path, where.line, where.column, error.description()));
  }
  ConfigFile config{path, document.contains("rules") || document.contains("allowlist") ||
                              document.contains("allowlists") || document.contains("extend")};
  const toml::node* scan_node = document.get("scan");
  if (scan_node == nullptr) return config;
  const toml::table* scan = scan_node->as_table();
  if (scan == nullptr) throw ConfigError(fmt::format("{}: 'scan' must be a table ([scan])", path));
  static const std::set<std::string> kNotConfigurable = {"config", "help", "paths"};
  for (const auto& [key_node, value] : *scan) {
    std::string key(key_node.str());
    for (char& c : key) c = c == '_' ? '-' : c;
    const std::string where = fmt::format("{}: [scan] {}", path, key);
    CLI::Option* option = kNotConfigurable.count(key) != 0 ? nullptr : command.get_option_no_throw("--" + key);
    if (option == nullptr) throw ConfigError(fmt::format("{}: not a `sluice scan` flag", where));
    if (option->count() > 0) continue;  // given on the command line: the flag wins
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

}  // namespace sluice::cli
