#pragma once
// The scan summary as JSON: the same object in the JSON report and in SARIF run properties.

#include <nlohmann/json.hpp>

#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

[[nodiscard]] nlohmann::json summary_json(const ScanStats& stats);

}  // namespace sluice::pipeline
