#include "engine/rule_codec.hpp"

#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

namespace sluice::engine {
namespace {

using nlohmann::json;

// Bumped whenever a field is added, removed or reordered below.
constexpr std::int64_t kFormat = 6;

// The set is one flat CBOR array of scalars in a fixed order, a list being its length then
// its items: decoding reads it with nlohmann's SAX parser into a token list (strings moved,
// not copied, no document built), then takes the tokens in the order they were written.
class Writer {
 public:
  void put(std::string_view text) { out_.push_back(std::string(text)); }
  void put(std::int64_t number) { out_.push_back(number); }
  void put(bool flag) { out_.push_back(flag); }
  void put(double number) { out_.push_back(number); }
  void put(const std::vector<std::string>& list) {
    put(static_cast<std::int64_t>(list.size()));
    for (const std::string& text : list) put(std::string_view(text));
  }
  [[nodiscard]] json take() && { return std::move(out_); }

 private:
  json out_ = json::array();
};

struct Token {
  enum class Kind : std::uint8_t { kInteger, kFloat, kBool, kString } kind = Kind::kInteger;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;
};

class Collector final : public nlohmann::json_sax<json> {
 public:
  explicit Collector(std::vector<Token>& out) : out_(out) {}
  bool null() override { return false; }
  bool boolean(bool value) override {
    out_.push_back(Token{Token::Kind::kBool, value ? 1 : 0, 0, {}});
    return true;
  }
  bool number_integer(number_integer_t value) override {
    out_.push_back(Token{Token::Kind::kInteger, value, 0, {}});
    return true;
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (value > static_cast<number_unsigned_t>(INT64_MAX)) return false;
    out_.push_back(Token{Token::Kind::kInteger, static_cast<std::int64_t>(value), 0, {}});
    return true;
  }
  bool number_float(number_float_t value, const string_t&) override {
    out_.push_back(Token{Token::Kind::kFloat, 0, value, {}});
    return true;
  }
  bool string(string_t& value) override {
    out_.push_back(Token{Token::Kind::kString, 0, 0, std::move(value)});
    return true;
  }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override { return false; }
  bool key(string_t&) override { return false; }
  bool end_object() override { return false; }
  bool start_array(std::size_t) override { return ++depth_ == 1; }
  bool end_array() override { return --depth_ == 0; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  std::vector<Token>& out_;
  int depth_ = 0;
};

class Reader {
 public:
  explicit Reader(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}
  std::string text() { return std::move(next(Token::Kind::kString).text); }
  std::int64_t integer() { return next(Token::Kind::kInteger).integer; }
  double number() {
    Token& token = next_any();
    if (token.kind == Token::Kind::kInteger) return static_cast<double>(token.integer);
    if (token.kind != Token::Kind::kFloat) fail();
    return token.number;
  }
  bool flag() { return next(Token::Kind::kBool).integer != 0; }
  std::size_t count() {
    const std::int64_t n = integer();
    if (n < 0 || static_cast<std::size_t>(n) > tokens_.size() - at_) fail();
    return static_cast<std::size_t>(n);
  }
  std::vector<std::string> texts() {
    std::vector<std::string> out(count());
    for (std::string& item : out) item = text();
    return out;
  }
  [[nodiscard]] bool done() const { return at_ == tokens_.size(); }

 private:
  [[noreturn]] static void fail() { throw RuleError("encoded rules: malformed"); }
  Token& next_any() {
    if (at_ >= tokens_.size()) fail();
    return tokens_[at_++];
  }
  Token& next(Token::Kind kind) {
    Token& token = next_any();
    if (token.kind != kind) fail();
    return token;
  }
  std::vector<Token> tokens_;
  std::size_t at_ = 0;
};

void write(Writer& out, const std::vector<Allowlist>& lists) {
  out.put(static_cast<std::int64_t>(lists.size()));
  for (const Allowlist& list : lists) {
    out.put(std::string_view(list.description));
    out.put(list.regexes);
    out.put(static_cast<std::int64_t>(list.regex_target));
    out.put(list.stopwords);
    out.put(list.paths);
    out.put(static_cast<std::int64_t>(list.condition));
  }
}

std::vector<Allowlist> read_allowlists(Reader& in) {
  std::vector<Allowlist> lists(in.count());
  for (Allowlist& list : lists) {
    list.description = in.text();
    list.regexes = in.texts();
    list.regex_target = static_cast<Allowlist::Target>(in.integer());
    list.stopwords = in.texts();
    list.paths = in.texts();
    list.condition = static_cast<Allowlist::Condition>(in.integer());
  }
  return lists;
}

void write(Writer& out, const Rule& rule) {
  out.put(std::string_view(rule.id));
  out.put(std::string_view(rule.description));
  out.put(std::string_view(rule.regex));
  out.put(static_cast<std::int64_t>(rule.secret_group));
  out.put(rule.entropy);
  out.put(rule.keywords);
  out.put(std::string_view(rule.path));
  out.put(rule.tags);
  write(out, rule.allowlists);
  out.put(std::string_view(rule.name));
  out.put(std::string_view(rule.vendor));
  out.put(std::string_view(rule.family));
  out.put(static_cast<std::int64_t>(rule.severity));
  out.put(rule.security);
  out.put(rule.mitigation);
  out.put(rule.references);
  out.put(static_cast<std::int64_t>(rule.examples.size()));
  for (const RuleExample& example : rule.examples) {
    out.put(std::string_view(example.text));
    out.put(std::string_view(example.secret));
  }
  out.put(rule.negative_examples);
  out.put(rule.placeholder_filter);
  out.put(rule.prefilter);
  out.put(rule.fallback);
  out.put(rule.overrides);
  out.put(rule.enabled);
  out.put(std::string_view(rule.checksum));
  out.put(static_cast<std::int64_t>(rule.confidence ? static_cast<int>(*rule.confidence) : -1));
  out.put(std::string_view(rule.no_anchor));
  out.put(std::string_view(rule.decode));
  out.put(rule.each_secret);
  out.put(rule.validation.has_value());
  if (rule.validation) {
    const ValidationSpec& spec = *rule.validation;
    for (const std::string* text : {&spec.url, &spec.method, &spec.user, &spec.password, &spec.aws_sigv4, &spec.pair,
                                    &spec.body, &spec.valid_body}) {
      out.put(std::string_view(*text));
    }
    out.put(spec.regions);
    out.put(spec.headers);
    out.put(spec.invalid_body);
    for (const std::vector<int>* statuses : {&spec.valid, &spec.invalid}) {
      out.put(static_cast<std::int64_t>(statuses->size()));
      for (int status : *statuses) out.put(static_cast<std::int64_t>(status));
    }
  }
  out.put(std::string_view(rule.origin));
}

Rule read_rule(Reader& in) {
  Rule rule;
  rule.id = in.text();
  rule.description = in.text();
  rule.regex = in.text();
  rule.secret_group = static_cast<int>(in.integer());
  rule.entropy = in.number();
  rule.keywords = in.texts();
  rule.path = in.text();
  rule.tags = in.texts();
  rule.allowlists = read_allowlists(in);
  rule.name = in.text();
  rule.vendor = in.text();
  rule.family = in.text();
  rule.severity = static_cast<Severity>(in.integer());
  rule.security = in.texts();
  rule.mitigation = in.texts();
  rule.references = in.texts();
  rule.examples.resize(in.count());
  for (RuleExample& example : rule.examples) {
    example.text = in.text();
    example.secret = in.text();
  }
  rule.negative_examples = in.texts();
  rule.placeholder_filter = in.flag();
  rule.prefilter = in.flag();
  rule.fallback = in.flag();
  rule.overrides = in.texts();
  rule.enabled = in.flag();
  rule.checksum = in.text();
  if (const std::int64_t confidence = in.integer(); confidence >= 0) {
    rule.confidence = static_cast<Confidence>(confidence);
  }
  rule.no_anchor = in.text();
  rule.decode = in.text();
  rule.each_secret = in.flag();
  if (in.flag()) {
    ValidationSpec& spec = rule.validation.emplace();
    for (std::string* text : {&spec.url, &spec.method, &spec.user, &spec.password, &spec.aws_sigv4, &spec.pair,
                              &spec.body, &spec.valid_body}) {
      *text = in.text();
    }
    spec.regions = in.texts();
    spec.headers = in.texts();
    spec.invalid_body = in.texts();
    for (std::vector<int>* statuses : {&spec.valid, &spec.invalid}) {
      statuses->resize(in.count());
      for (int& status : *statuses) status = static_cast<int>(in.integer());
    }
  }
  rule.origin = in.text();
  return rule;
}

}  // namespace

std::string encode_rules(const RuleSet& set, std::size_t rules_per_part) {
  rules_per_part = std::max<std::size_t>(rules_per_part, 1);
  const std::size_t parts = std::max<std::size_t>(1, (set.rules.size() + rules_per_part - 1) / rules_per_part);
  std::string out;
  for (std::size_t part = 0; part < parts; ++part) {
    const std::size_t begin = part * rules_per_part;
    const std::size_t end = std::min(set.rules.size(), begin + rules_per_part);
    const bool last = part + 1 == parts;
    Writer writer;
    writer.put(kFormat);
    writer.put(static_cast<std::int64_t>(end - begin));
    for (std::size_t k = begin; k < end; ++k) write(writer, set.rules[k]);
    write(writer, last ? set.global_allowlists : std::vector<Allowlist>{});
    writer.put(last && set.extends_default);
    const std::vector<std::uint8_t> bytes = json::to_cbor(std::move(writer).take());
    const auto size = static_cast<std::uint32_t>(bytes.size());
    for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>((size >> shift) & 0xff));
    out.append(bytes.begin(), bytes.end());
  }
  return out;
}

namespace {

RuleSet decode_part(std::string_view bytes) {
  std::vector<Token> tokens;
  tokens.reserve(bytes.size() / 24);
  Collector collector(tokens);
  if (!json::sax_parse(bytes.begin(), bytes.end(), &collector, json::input_format_t::cbor)) {
    throw RuleError("encoded rules: not a CBOR array of scalars");
  }
  Reader in(std::move(tokens));
  if (in.integer() != kFormat) throw RuleError("encoded rules: another format version");
  RuleSet set;
  set.rules.resize(in.count());
  for (Rule& rule : set.rules) rule = read_rule(in);
  set.global_allowlists = read_allowlists(in);
  set.extends_default = in.flag();
  if (!in.done()) throw RuleError("encoded rules: trailing data");
  return set;
}

}  // namespace

RuleSet decode_rules(std::string_view bytes) {
  std::vector<std::string_view> parts;
  while (!bytes.empty()) {
    if (bytes.size() < 4) throw RuleError("encoded rules: cut short");
    std::uint32_t size = 0;
    for (int k = 0; k < 4; ++k) size |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k])) << (8 * k);
    bytes.remove_prefix(4);
    if (size > bytes.size()) throw RuleError("encoded rules: cut short");
    parts.push_back(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  std::vector<RuleSet> decoded(parts.size());
  oneapi::tbb::parallel_for(std::size_t{0}, parts.size(), [&](std::size_t k) { decoded[k] = decode_part(parts[k]); });
  RuleSet set;
  for (RuleSet& part : decoded) set.append(std::move(part));
  return set;
}

}  // namespace sluice::engine
