#pragma once
// `sluice scan --staged`: the staged version of every file a commit would add or change.

#include <memory>
#include <string>
#include <variant>

#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

// Reads the staged blobs of the repository containing `path` (io/git_staged), writes them to a
// private temporary directory (mode 0700, removed before returning) and scans that tree with
// `options` (its roots are replaced); findings and issues name paths relative to the
// repository's top directory, as git does. The whole staged file is scanned, not only its
// added lines. Returns an error text when the repository cannot be read.
[[nodiscard]] std::variant<ScanReport, std::string> run_staged_scan(std::shared_ptr<const engine::CompiledRules> rules,
                                                                    ScanOptions options, const std::string& path,
                                                                    ScanObserver* observer = nullptr);

}  // namespace sluice::pipeline
