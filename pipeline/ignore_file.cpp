#include "pipeline/ignore_file.hpp"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace sluice::pipeline {

void load_ignore_file(const std::string& path, Suppressions& suppressions, io::PathFilter& filter) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SuppressionError(fmt::format("{}: cannot open ignore file", path));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw SuppressionError(fmt::format("{}: cannot read ignore file", path));
  parse_ignore_file(text.str(), path, suppressions, filter);
}

void parse_ignore_file(std::string_view text, const std::string& origin, Suppressions& suppressions,
                       io::PathFilter& filter) {
  std::size_t start = 0;
  std::size_t number = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string where = fmt::format("{}:{}", origin, number);
    // A fingerprint, possibly with a trailing comment saying why it is accepted.
    std::string_view head = line.substr(0, line.find('#'));
    while (!head.empty() && (head.back() == ' ' || head.back() == '\t')) head.remove_suffix(1);
    while (!head.empty() && (head.front() == ' ' || head.front() == '\t')) head.remove_prefix(1);
    if (is_fingerprint(head)) {
      suppressions.add(std::string(head), where);
      continue;
    }
    filter.add_exclude(line, where);
  }
}

}  // namespace sluice::pipeline
