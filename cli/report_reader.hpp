#pragma once
// An earlier JSON or JSON Lines (or SARIF) report of sluice, read back as it stands (`sluice
// validate`, `sluice report`).

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace sluice::cli {

struct ReadReport {
  bool lines = false;
  nlohmann::json document;              // JSON: the whole document
  std::vector<nlohmann::json> records;  // JSON Lines: every record, in order

  // The finding objects, in order (pointers into document or records).
  [[nodiscard]] std::vector<nlohmann::json*> findings();
  // The summary object (null when there is none).
  [[nodiscard]] nlohmann::json* summary();
};

// Reads `file`; throws std::runtime_error with a one-line message naming it (not readable, not
// a file, not a report of sluice; SARIF unless `sarif`, which reads a SARIF log of sluice as
// the JSON document it stands for: findings grouped from its results, its run's summary).
[[nodiscard]] ReadReport read_report(const std::string& file, bool sarif = false);

}  // namespace sluice::cli
