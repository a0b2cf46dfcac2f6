#pragma once
// SARIF 2.1.0 output (GitHub code scanning and other viewers). Kept apart from sink.hpp: it
// needs what the plain formats do not (the scan roots, to write URIs relative to them, and the
// inputs that could not be scanned, for the run's invocation).

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "pipeline/scanner.hpp"
#include "pipeline/sink.hpp"

namespace sluice::pipeline {

struct SarifOptions {
  // The scan roots as given. Locations under a root that is a directory get a URI relative to
  // it (uriBaseId "ROOT<i>", absolute file URI in originalUriBaseIds); others an absolute one.
  std::vector<std::string> roots;
  // Inputs that were not (completely) scanned: reported as tool execution notifications, and
  // executionSuccessful is false when there is any.
  const std::vector<InputIssue>* issues = nullptr;
};

// Key of the finding fingerprint in each result's partialFingerprints (read back by baselines).
inline constexpr const char* kSarifFingerprintKey = "sluiceFingerprint/v1";

// SARIF's numeric security-severity (0.0-10.0, as GitHub reads it) of a rule severity.
[[nodiscard]] double security_severity(engine::Severity severity) noexcept;
// A relative URI reference for a file path: bytes other than unreserved characters and '/'
// are percent-encoded.
[[nodiscard]] std::string uri_encode_path(std::string_view path);

[[nodiscard]] std::unique_ptr<Sink> make_sarif_sink(std::ostream& out, const engine::CompiledRules& rules,
                                                    const SinkOptions& options, SarifOptions sarif);

}  // namespace sluice::pipeline
