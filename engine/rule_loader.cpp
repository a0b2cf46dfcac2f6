#include "engine/rule_loader.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <oneapi/tbb/parallel_for.h>
#include <sys/stat.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <xxhash.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "engine/builtin_rules.hpp"

namespace sluice::engine {
namespace {

[[noreturn]] void fail(const std::string& origin, std::string_view rule_id, std::string_view what) {
  if (rule_id.empty()) throw RuleError(fmt::format("{}: {}", origin, what));
  throw RuleError(fmt::format("{}: rule '{}': {}", origin, rule_id, what));
}

std::string get_string(const toml::table& table, std::string_view key, const std::string& origin,
                       std::string_view rule_id) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return {};
  if (auto value = node->value<std::string>()) return *value;
  fail(origin, rule_id, fmt::format("'{}' must be a string", key));
}

std::vector<std::string> get_strings(const toml::table& table, std::string_view key, const std::string& origin,
                                     std::string_view rule_id) {
  std::vector<std::string> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) fail(origin, rule_id, fmt::format("'{}' must be an array of strings", key));
  for (const toml::node& element : *array) {
    auto value = element.value<std::string>();
    if (!value) fail(origin, rule_id, fmt::format("'{}' must be an array of strings", key));
    out.push_back(*value);
  }
  return out;
}

Allowlist parse_allowlist(const toml::table& table, const std::string& origin, std::string_view rule_id) {
  Allowlist list;
  list.description = get_string(table, "description", origin, rule_id);
  list.regexes = get_strings(table, "regexes", origin, rule_id);
  list.stopwords = get_strings(table, "stopwords", origin, rule_id);
  list.paths = get_strings(table, "paths", origin, rule_id);
  const std::string target = get_string(table, "regexTarget", origin, rule_id);
  if (target == "match") {
    list.regex_target = Allowlist::Target::kMatch;
  } else if (target == "line") {
    list.regex_target = Allowlist::Target::kLine;
  } else if (!target.empty() && target != "secret") {
    fail(origin, rule_id, fmt::format("unknown allowlist regexTarget '{}'", target));
  }
  const std::string condition = get_string(table, "condition", origin, rule_id);
  if (condition == "AND" || condition == "and") {
    list.condition = Allowlist::Condition::kAnd;
  } else if (!condition.empty() && condition != "OR" && condition != "or") {
    fail(origin, rule_id, fmt::format("unknown allowlist condition '{}'", condition));
  }
  return list;
}

// Both gitleaks spellings: [allowlist] (one table) and [[allowlists]] (array of tables).
std::vector<Allowlist> parse_allowlists(const toml::table& table, std::string_view single, std::string_view multiple,
                                        const std::string& origin, std::string_view rule_id) {
  std::vector<Allowlist> out;
  if (const toml::table* one = table[single].as_table()) {
    out.push_back(parse_allowlist(*one, origin, rule_id));
  }
  if (const toml::node* many = table.get(multiple)) {
    const toml::array* array = many->as_array();
    if (array == nullptr) fail(origin, rule_id, fmt::format("'{}' must be an array of tables", multiple));
    for (const toml::node& element : *array) {
      const toml::table* entry = element.as_table();
      if (entry == nullptr) fail(origin, rule_id, fmt::format("'{}' must be an array of tables", multiple));
      out.push_back(parse_allowlist(*entry, origin, rule_id));
    }
  }
  return out;
}

// The host part of a URL template: between "://" and the first '/', '?' or '#'.
std::string_view template_host(std::string_view url) {
  const std::size_t start = url.find("://");
  if (start == std::string_view::npos) return {};
  const std::string_view rest = url.substr(start + 3);
  return rest.substr(0, rest.find_first_of("/?#"));
}

bool only_of(std::string_view text, std::string_view alphabet) {
  return !text.empty() && text.find_first_not_of(alphabet) == std::string_view::npos;
}

// The placeholders of a template: each "{name}" (a lower-case word in braces; other braces,
// a GraphQL query's, are text) must be one of `allowed`.
void check_placeholders(std::string_view text, std::initializer_list<std::string_view> allowed,
                        const std::string& origin, std::string_view id, std::string_view key) {
  for (std::size_t at = text.find('{'); at != std::string_view::npos; at = text.find('{', at + 1)) {
    const std::size_t end = text.find_first_not_of("abcdefghijklmnopqrstuvwxyz_", at + 1);
    if (end == std::string_view::npos || text[end] != '}' || end == at + 1) continue;
    const std::string_view name = text.substr(at, end - at + 1);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      fail(origin, id,
           fmt::format("validation: '{}' has an unknown placeholder {} (known: {})", key, name,
                       fmt::join(allowed, ", ")));
    }
  }
}

std::vector<int> get_statuses(const toml::table& table, std::string_view key, const std::string& origin,
                              std::string_view id) {
  std::vector<int> out;
  const toml::node* node = table.get(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) fail(origin, id, fmt::format("validation: '{}' must be an array of HTTP statuses", key));
  for (const toml::node& element : *array) {
    auto value = element.value<std::int64_t>();
    if (!value || *value < 100 || *value > 599) {
      fail(origin, id, fmt::format("validation: '{}' must be an array of HTTP statuses (100-599)", key));
    }
    out.push_back(static_cast<int>(*value));
  }
  return out;
}

ValidationSpec parse_validation(const toml::table& table, const std::string& origin, std::string_view id) {
  static constexpr std::string_view kKeys[] = {"url",      "regions",    "method",      "headers", "user",
                                               "password", "aws_sigv4",  "pair",        "body",    "valid",
                                               "invalid",  "valid_body", "invalid_body"};
  for (const auto& [key, value] : table) {
    if (std::find(std::begin(kKeys), std::end(kKeys), key.str()) == std::end(kKeys)) {
      fail(origin, id, fmt::format("validation: unknown key '{}'", key.str()));
    }
  }
  ValidationSpec spec;
  spec.url = get_string(table, "url", origin, id);
  spec.regions = get_strings(table, "regions", origin, id);
  spec.method = get_string(table, "method", origin, id);
  if (spec.method.empty()) spec.method = "GET";
  spec.headers = get_strings(table, "headers", origin, id);
  spec.user = get_string(table, "user", origin, id);
  spec.password = get_string(table, "password", origin, id);
  spec.aws_sigv4 = get_string(table, "aws_sigv4", origin, id);
  spec.pair = get_string(table, "pair", origin, id);
  spec.body = get_string(table, "body", origin, id);
  spec.valid = get_statuses(table, "valid", origin, id);
  spec.invalid = get_statuses(table, "invalid", origin, id);
  spec.valid_body = get_string(table, "valid_body", origin, id);
  spec.invalid_body = get_strings(table, "invalid_body", origin, id);

  // The request goes to the vendor's host and nowhere else: https, a host the card spells out,
  // {region} its only variable part, taking values the card lists.
  if (!spec.url.starts_with("https://")) fail(origin, id, "validation: 'url' must start with https://");
  const std::string_view host = template_host(spec.url);
  const bool regional = host.find("{region}") != std::string_view::npos;
  std::string fixed(host);
  if (regional) fixed.replace(fixed.find("{region}"), 8, "x");
  // A DNS name of the vendor: not an address (127.0.0.1, 0x7f.1), not a local name.
  const bool address = fixed.find_first_not_of("0123456789.x") == std::string::npos ||
                       fixed.find_last_of("abcdefghijklmnopqrstuvwxyz") < fixed.rfind('.');
  if (!only_of(fixed, "abcdefghijklmnopqrstuvwxyz0123456789.-") || fixed.find('.') == std::string::npos ||
      fixed.front() == '.' || fixed.back() == '.' || address || fixed.ends_with(".localhost") ||
      fixed.ends_with(".local") || fixed.ends_with(".internal")) {
    fail(origin, id,
         "validation: the host of 'url' must be a vendor's fixed DNS name ({region} is its only placeholder)");
  }
  // What follows the host: printable, no blank, no fragment (it is never sent).
  const std::string_view rest = std::string_view(spec.url).substr(spec.url.find(host) + host.size());
  if (rest.find_first_of(" #\\") != std::string_view::npos ||
      std::any_of(rest.begin(), rest.end(), [](char c) { return static_cast<unsigned char>(c) < 0x21 || c == 0x7f; })) {
    fail(origin, id, "validation: 'url' holds a blank, a control byte, a backslash or a fragment");
  }
  if (regional != !spec.regions.empty()) {
    fail(origin, id, "validation: 'regions' and a {region} in the host of 'url' go together");
  }
  for (const std::string& region : spec.regions) {
    if (!only_of(region, "abcdefghijklmnopqrstuvwxyz0123456789-.")) {
      fail(origin, id, "validation: a region must be lower-case letters, digits, '-' and '.'");
    }
  }
  check_placeholders(spec.url.substr(spec.url.find(host) + host.size()), {"{secret}", "{key}"}, origin, id, "url");
  for (const std::string& header : spec.headers) {
    if (header.find(':') == std::string::npos ||
        std::any_of(header.begin(), header.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      fail(origin, id, "validation: a header must be one line 'Name: value'");
    }
    // Headers that would change where or how the request goes are libcurl's to set.
    std::string name = header.substr(0, header.find(':'));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name == "host" || name == "content-length" || name == "transfer-encoding" || name == "connection" ||
        name.starts_with("proxy-")) {
      fail(origin, id, fmt::format("validation: the header '{}' may not be set by a card", name));
    }
    check_placeholders(header, {"{secret}", "{key}"}, origin, id, "headers");
  }
  check_placeholders(spec.user, {"{secret}", "{key}"}, origin, id, "user");
  check_placeholders(spec.password, {"{secret}", "{key}"}, origin, id, "password");
  check_placeholders(spec.body, {"{secret}", "{key}"}, origin, id, "body");
  if (spec.method != "GET" && spec.method != "POST") fail(origin, id, "validation: 'method' must be GET or POST");
  if (!spec.body.empty() && spec.method != "POST") fail(origin, id, "validation: a 'body' needs method POST");
  if (!spec.aws_sigv4.empty() && !spec.aws_sigv4.starts_with("aws:amz:")) {
    fail(origin, id, "validation: 'aws_sigv4' must be aws:amz:REGION:SERVICE");
  }
  if (spec.valid.empty()) fail(origin, id, "validation: 'valid' must list the statuses of a working secret");
  for (int status : spec.valid) {
    if (std::find(spec.invalid.begin(), spec.invalid.end(), status) != spec.invalid.end()) {
      fail(origin, id, fmt::format("validation: status {} is both valid and invalid", status));
    }
  }
  const auto uses_key = [&spec](std::string_view placeholder) {
    const auto in = [&](const std::string& text) { return text.find(placeholder) != std::string::npos; };
    return in(spec.url) || in(spec.user) || in(spec.password) || in(spec.body) ||
           std::any_of(spec.headers.begin(), spec.headers.end(), in);
  };
  if (!uses_key("{secret}")) fail(origin, id, "validation: the request never uses {secret}");
  if (uses_key("{key}") == spec.pair.empty()) fail(origin, id, "validation: {key} and 'pair' go together");
  return spec;
}

Rule parse_rule(const toml::table& table, const std::string& origin) {
  Rule rule;
  rule.origin = origin;
  rule.id = get_string(table, "id", origin, "");
  if (rule.id.empty()) fail(origin, "", "a rule has no 'id'");
  const std::string& id = rule.id;
  rule.description = get_string(table, "description", origin, id);
  rule.regex = get_string(table, "regex", origin, id);
  rule.path = get_string(table, "path", origin, id);
  if (rule.regex.empty() && rule.path.empty()) fail(origin, id, "needs a 'regex' (or a 'path')");
  if (const toml::node* group = table.get("secretGroup")) {
    auto value = group->value<std::int64_t>();
    if (!value || *value < 0 || *value > 64) fail(origin, id, "'secretGroup' must be an integer 0..64");
    rule.secret_group = static_cast<int>(*value);
  }
  if (const toml::node* entropy = table.get("entropy")) {
    auto value = entropy->value<double>();
    if (!value || *value < 0 || *value > 8) fail(origin, id, "'entropy' must be a number 0..8");
    rule.entropy = *value;
  }
  rule.keywords = get_strings(table, "keywords", origin, id);
  for (std::string& keyword : rule.keywords) {
    for (char& c : keyword) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  rule.tags = get_strings(table, "tags", origin, id);
  rule.allowlists = parse_allowlists(table, "allowlist", "allowlists", origin, id);

  rule.name = get_string(table, "name", origin, id);
  rule.vendor = get_string(table, "vendor", origin, id);
  rule.family = get_string(table, "family", origin, id);
  const std::string severity = get_string(table, "severity", origin, id);
  if (!severity.empty()) {
    auto parsed = parse_severity(severity);
    if (!parsed) fail(origin, id, fmt::format("unknown severity '{}' (critical|high|medium|low|info)", severity));
    rule.severity = *parsed;
  }
  const std::string confidence = get_string(table, "confidence", origin, id);
  if (!confidence.empty()) {
    auto parsed = parse_confidence(confidence);
    if (!parsed) fail(origin, id, fmt::format("unknown confidence '{}' (high|medium|low)", confidence));
    rule.confidence = *parsed;
  }
  rule.security = get_strings(table, "security", origin, id);
  rule.mitigation = get_strings(table, "mitigation", origin, id);
  rule.references = get_strings(table, "references", origin, id);
  rule.negative_examples = get_strings(table, "negative_examples", origin, id);
  rule.no_anchor = get_string(table, "no_anchor", origin, id);
  if (const toml::node* placeholders = table.get("placeholder_filter")) {
    auto value = placeholders->value<bool>();
    if (!value) fail(origin, id, "'placeholder_filter' must be a boolean");
    rule.placeholder_filter = *value;
  }
  auto flag = [&](const char* key, bool& into) {
    if (const toml::node* node = table.get(key)) {
      auto value = node->value<bool>();
      if (!value) fail(origin, id, fmt::format("'{}' must be a boolean", key));
      into = *value;
    }
  };
  flag("prefilter", rule.prefilter);
  flag("fallback", rule.fallback);
  flag("enabled", rule.enabled);
  flag("each_secret", rule.each_secret);
  rule.decode = get_string(table, "decode", origin, id);
  if (!rule.decode.empty() && rule.decode != "base64") {
    fail(origin, id, fmt::format("unknown decode '{}' (known: base64)", rule.decode));
  }
  rule.overrides = get_strings(table, "overrides", origin, id);
  rule.checksum = get_string(table, "checksum", origin, id);
  if (!rule.checksum.empty() && rule.checksum != "github-crc32") {
    fail(origin, id, fmt::format("unknown checksum '{}' (known: github-crc32)", rule.checksum));
  }
  if (const toml::node* examples = table.get("examples")) {
    const toml::array* array = examples->as_array();
    if (array == nullptr) fail(origin, id, "'examples' must be an array of {text, secret} tables");
    for (const toml::node& element : *array) {
      const toml::table* example = element.as_table();
      if (example == nullptr) fail(origin, id, "'examples' must be an array of {text, secret} tables");
      rule.examples.push_back({get_string(*example, "text", origin, id), get_string(*example, "secret", origin, id)});
    }
  }
  if (const toml::node* validation = table.get("validation")) {
    const toml::table* spec = validation->as_table();
    if (spec == nullptr) fail(origin, id, "'validation' must be a table ([rules.validation])");
    rule.validation = parse_validation(*spec, origin, id);
  }
  if (rule.name.empty()) rule.name = rule.id;
  if (rule.family.empty()) rule.family = "Custom";
  return rule;
}

}  // namespace

void RuleSet::append(RuleSet other) {
  for (Rule& rule : other.rules) rules.push_back(std::move(rule));
  for (Allowlist& list : other.global_allowlists) global_allowlists.push_back(std::move(list));
  extends_default = extends_default || other.extends_default;
}

RuleSet parse_rules(std::string_view toml_text, const std::string& origin, const RuleLimits& limits) {
  toml::table document;
  try {
    document = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw RuleError(fmt::format("{}:{}:{}: {}", origin, where.line, where.column, error.description()));
  }
  RuleSet set;
  set.global_allowlists = parse_allowlists(document, "allowlist", "allowlists", origin, "");
  if (const toml::table* extend = document["extend"].as_table()) {
    set.extends_default = (*extend)["useDefault"].value_or(false);
  }
  if (const toml::node* rules = document.get("rules")) {
    const toml::array* array = rules->as_array();
    if (array == nullptr) fail(origin, "", "'rules' must be an array of tables ([[rules]])");
    if (array->size() > limits.max_rules) {
      fail(origin, "",
           fmt::format("{} rules, more than --max-rules {} (raise it to load them)", array->size(), limits.max_rules));
    }
    std::unordered_set<std::string> seen;
    for (const toml::node& element : *array) {
      const toml::table* table = element.as_table();
      if (table == nullptr) fail(origin, "", "'rules' must be an array of tables ([[rules]])");
      Rule rule = parse_rule(*table, origin);
      if (!seen.insert(rule.id).second) fail(origin, rule.id, "duplicate rule id");
      set.rules.push_back(std::move(rule));
    }
  }
  return set;
}

RuleSet load_rule_file(const std::string& path, const RuleLimits& limits) {
  // stat first: a directory or a device (/dev/zero) is refused before it is opened or read.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    throw RuleError(fmt::format("{}: cannot open rule file: {}", path, std::strerror(errno)));
  }
  if (S_ISDIR(info.st_mode)) throw RuleError(fmt::format("{}: is a directory, not a rule file", path));
  if (!S_ISREG(info.st_mode) && !S_ISFIFO(info.st_mode)) {
    throw RuleError(fmt::format("{}: is not a regular file, not a rule file", path));
  }
  const auto too_large = [&] {
    return RuleError(fmt::format("{}: larger than --max-rule-file-size {} bytes (raise it to load the file)", path,
                                 limits.max_file_bytes));
  };
  if (S_ISREG(info.st_mode) && static_cast<std::uint64_t>(info.st_size) > limits.max_file_bytes) throw too_large();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw RuleError(fmt::format("{}: cannot open rule file: {}", path, std::strerror(errno)));
  std::string text;
  int error_number = 0;
  for (;;) {
    // Read one byte past the cap, so a FIFO that goes on is known to be too large.
    const std::size_t want = static_cast<std::size_t>(
        std::min<std::uint64_t>(std::uint64_t{1} << 20, limits.max_file_bytes + 1 - text.size()));
    const std::size_t filled = text.size();
    text.resize(filled + want);
    const ssize_t n = ::read(fd, text.data() + filled, want);
    text.resize(filled + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error_number = errno;
    if (n <= 0) break;
    if (text.size() > limits.max_file_bytes) {
      ::close(fd);
      throw too_large();
    }
  }
  ::close(fd);
  if (error_number != 0) {
    throw RuleError(fmt::format("{}: cannot read rule file: {}", path, std::strerror(error_number)));
  }
  return parse_rules(text, path, limits);
}

RuleSet builtin_rules() {
  const std::span<const EmbeddedRuleFile> files = builtin_rule_files();
  // Every scan starts by reading the catalog (1.7 MB of TOML): its files are independent and
  // parsed on every core, then joined in their order.
  std::vector<RuleSet> parsed(files.size());
  oneapi::tbb::parallel_for(std::size_t{0}, files.size(), [&](std::size_t k) {
    parsed[k] = parse_rules(files[k].text, fmt::format("builtin:{}", files[k].name));
  });
  RuleSet set;
  for (RuleSet& file : parsed) set.append(std::move(file));
  return set;
}

std::string builtin_rules_key() {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state) throw std::bad_alloc();
  XXH3_128bits_reset(state.get());
  for (const EmbeddedRuleFile& file : builtin_rule_files()) {
    XXH3_128bits_update(state.get(), file.name.data(), file.name.size());
    XXH3_128bits_update(state.get(), "", 1);
    XXH3_128bits_update(state.get(), file.text.data(), file.text.size());
    XXH3_128bits_update(state.get(), "", 1);
  }
  const XXH128_hash_t digest = XXH3_128bits_digest(state.get());
  return fmt::format("{:016x}{:016x}", digest.high64, digest.low64);
}

RuleSet enabled_rules(RuleSet set) {
  std::erase_if(set.rules, [](const Rule& rule) { return !rule.enabled; });
  return set;
}

}  // namespace sluice::engine
