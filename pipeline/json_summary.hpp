#pragma once
// Objects the JSON report and SARIF share: the scan summary, an image reference, a git
// reference.

#include <nlohmann/json.hpp>

#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

[[nodiscard]] nlohmann::json summary_json(const ScanStats& stats);
// {name, layer | config: true, deleted_in_layer?}
[[nodiscard]] nlohmann::json image_json(const ImageRef& image);
// {repository, commit, author, date, summary (null when unknown), blob, staged?}
[[nodiscard]] nlohmann::json git_json(const GitRef& git);

}  // namespace sluice::pipeline
