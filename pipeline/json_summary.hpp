#pragma once
// Objects the JSON report and SARIF share: the scan summary, an image reference, a git
// reference, a validation.

#include <nlohmann/json.hpp>

#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

[[nodiscard]] nlohmann::json summary_json(const ScanStats& stats);
// A shard's shares (ScanReport::shares): [content id in hex, 0 (files), bytes, archives, members,
// images, duplicates, decoded spans, decoded bytes, capped spans, capped bytes] each.
[[nodiscard]] nlohmann::json shares_json(const std::vector<InputShare>& shares);
// {name, layer | config: true, deleted_in_layer?}
[[nodiscard]] nlohmann::json image_json(const ImageRef& image);
// {repository, commit, author, date, summary (null when unknown), blob, staged?}
[[nodiscard]] nlohmann::json git_json(const GitRef& git);
// {status, http_status (null when no answer decided), checked_at, detail}
[[nodiscard]] nlohmann::json validation_json(const Validation& validation);
// A location of a JSON report read back (sluice merge, sluice validate). Throws
// nlohmann::json::exception when a field is missing or of the wrong type.
[[nodiscard]] Location location_from_json(const nlohmann::json& at);

}  // namespace sluice::pipeline
