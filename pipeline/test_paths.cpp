#include "pipeline/test_paths.hpp"

#include <algorithm>
#include <array>

namespace sluice::pipeline {
namespace {

constexpr std::string_view kReason = "test-or-docs-path";

// Directory names that mark tests, test data or documentation, lower case.
constexpr std::array<std::string_view, 32> kDirectories{
    "t",         "test",          "tests",        "testing",   "testdata",  "test-data", "test_data",
    "testfiles", "testcases",     "unittest",     "unittests", "__tests__", "spec",      "specs",
    "fixture",   "fixtures",      "__fixtures__", "mock",      "mocks",     "__mocks__", "doc",
    "docs",      "documentation", "example",      "examples",  "sample",    "samples",   "demo",
    "demos",     "regress",       "regression",   "expected"};

// "test" followed by one of these is a test helper directory: testutils, testcerts...
constexpr std::array<std::string_view, 8> kTestCompounds{"util",    "utils",  "certs",   "keys",
                                                         "vectors", "helper", "helpers", "support"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return out;
}

bool is_separator(char c) noexcept { return c == '-' || c == '_' || c == '.'; }

// "test-…", "tests_…", "test.…".
bool starts_with_test_word(std::string_view name) noexcept {
  for (std::string_view word : {std::string_view("tests"), std::string_view("test")}) {
    if (name.size() > word.size() && name.substr(0, word.size()) == word && is_separator(name[word.size()])) {
      return true;
    }
  }
  return false;
}

// "…-test", "…_tests", "….test".
bool ends_with_test_word(std::string_view name) noexcept {
  for (std::string_view word : {std::string_view("tests"), std::string_view("test")}) {
    if (name.size() > word.size() && name.substr(name.size() - word.size()) == word &&
        is_separator(name[name.size() - word.size() - 1])) {
      return true;
    }
  }
  return false;
}

// Each '/'-separated part of `path` but the last goes to `directory`, the last to `file`;
// returns true as soon as one says so.
template <typename Directory, typename File>
bool any_part(std::string_view path, bool last_is_file, Directory directory, File file) {
  while (!path.empty()) {
    const std::size_t slash = path.find('/');
    const std::string_view part = path.substr(0, slash);
    const bool last = slash == std::string_view::npos;
    if (!part.empty() && (last && last_is_file ? file(part) : directory(part))) return true;
    if (last) break;
    path.remove_prefix(slash + 1);
  }
  return false;
}

// `path` below the longest root it lies under; nullopt when it lies under none (standard
// input, or a path the walk did not build from a root).
std::optional<std::string_view> below_root(std::string_view path, const std::vector<std::string>& roots) {
  std::optional<std::string_view> best;
  std::size_t best_length = 0;
  for (std::string_view root : roots) {
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    if (root == "." && !path.starts_with("./") && !path.starts_with('/')) {
      if (!best) best = path;  // the walk names what is under "." without the "./"
      continue;
    }
    if (root.empty() || root == "-" || root.size() < best_length) continue;
    if (path == root) {
      best = std::string_view();
      best_length = root.size();
    } else if (path.size() > root.size() && path.starts_with(root) && (root == "/" || path[root.size()] == '/')) {
      best = path.substr(root == "/" ? 1 : root.size() + 1);
      best_length = root.size();
    }
  }
  return best;
}

}  // namespace

bool is_test_or_docs_directory(std::string_view name) noexcept {
  if (name.size() > 64) return false;
  const std::string folded = lower(name);
  if (std::find(kDirectories.begin(), kDirectories.end(), folded) != kDirectories.end()) return true;
  if (starts_with_test_word(folded) || ends_with_test_word(folded)) return true;
  if (folded.starts_with("test")) {
    const std::string_view rest = std::string_view(folded).substr(4);
    return std::find(kTestCompounds.begin(), kTestCompounds.end(), rest) != kTestCompounds.end();
  }
  return false;
}

bool is_test_file(std::string_view name) noexcept {
  if (name.size() > 255) return false;
  const std::string folded = lower(name);
  if (folded == "conftest.py" || starts_with_test_word(folded)) return true;
  if (folded.find(".test.") != std::string::npos || folded.find(".spec.") != std::string::npos) return true;
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string_view stem = name.substr(0, dot);
  // FooTest.java, FooTests.cs: case-sensitive, so that "latest.json" is not one.
  if (stem.size() > 4 && (stem.ends_with("Test") || stem.ends_with("Tests"))) return true;
  const std::string_view folded_stem = std::string_view(folded).substr(0, dot);
  return ends_with_test_word(folded_stem) || folded_stem.ends_with("_spec");
}

bool in_tests_or_docs(const Location& location, const std::vector<std::string>& roots) {
  if (location.chain.empty()) return false;
  const auto directory = [](std::string_view part) { return is_test_or_docs_directory(part); };
  const auto file = [](std::string_view part) { return is_test_file(part); };
  const bool one_part = location.chain.size() == 1;
  std::optional<std::string_view> first = location.git ? std::optional<std::string_view>(location.chain.front())
                                                       : below_root(location.chain.front(), roots);
  if (!first) return false;
  if (any_part(*first, one_part, directory, file)) return true;
  for (std::size_t k = 1; k < location.chain.size(); ++k) {
    if (any_part(location.chain[k], k + 1 == location.chain.size(), directory, file)) return true;
  }
  return false;
}

std::size_t demote_test_and_docs_findings(std::vector<Finding>& findings, const std::vector<std::string>& roots,
                                          engine::Confidence min_confidence) {
  for (Finding& finding : findings) {
    if (finding.confidence == engine::Confidence::kLow || finding.locations.empty()) continue;
    const bool everywhere = std::all_of(finding.locations.begin(), finding.locations.end(),
                                        [&](const Location& location) { return in_tests_or_docs(location, roots); });
    if (everywhere) {
      finding.confidence = engine::Confidence::kLow;
      finding.confidence_reason = kReason;
    }
  }
  const auto hidden = static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(), [&](const Finding& f) {
    return f.confidence < min_confidence && f.confidence_reason == kReason;
  }));
  std::erase_if(findings, [&](const Finding& finding) { return finding.confidence < min_confidence; });
  return hidden;
}

}  // namespace sluice::pipeline
