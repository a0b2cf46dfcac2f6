#pragma once
// Test code, test data and documentation: where a credential-shaped value is most often a test
// vector or a documented example rather than a leak. A finding seen only in such places is
// reported at low confidence (reason "test-or-docs-path"), so the default output keeps real
// leaks and `--min-confidence low` shows the rest.
//
// Only the part of a path below the scan root counts: the temporary or checkout directory a
// scan runs in often has "test" in its name, and a user who points sluice at `tests/` asked
// for what is in it.

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/finding.hpp"

namespace sluice::pipeline {

// Whether a directory name marks test code, test data or documentation: `test`, `tests`, `t`,
// `testdata`, `fixtures`, `spec`, `__tests__`, `mocks`, `docs`, `examples`, `samples`,
// `regress`, `reg-tests`, `testutils`... (ASCII case-insensitive).
[[nodiscard]] bool is_test_or_docs_directory(std::string_view name) noexcept;

// Whether a file name is a test source: `foo_test.go`, `test_foo.py`, `test-crypto.c`,
// `foo.spec.ts`, `foo_spec.rb`, `FooTest.java`, `conftest.py`...
[[nodiscard]] bool is_test_file(std::string_view name) noexcept;

// Whether `location` lies in test code, test data or documentation below the scan root it was
// found under (`roots` as given to the scan). Every name of an archive chain counts; for a git
// location, the path in the commit.
[[nodiscard]] bool in_tests_or_docs(const Location& location, const std::vector<std::string>& roots);

// Lowers to low confidence (reason "test-or-docs-path") every finding whose locations are all
// in tests or docs, then drops the findings below `min_confidence`. Returns how many lowered
// findings were dropped.
std::size_t demote_test_and_docs_findings(std::vector<Finding>& findings, const std::vector<std::string>& roots,
                                          engine::Confidence min_confidence);

}  // namespace sluice::pipeline
