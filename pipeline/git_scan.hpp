#pragma once
// Scans the history of git repositories: every blob of a repository's object database once
// per run (deduplicated by object id across all repositories of the run, and by content with
// every other input: a working-tree file identical to a committed blob is scanned once), read
// and scanned on every core. Where a blob came from is not looked up while scanning: after
// the scan, locate_blobs() finds the introducing commit and path only for blobs with findings.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/git_objects.hpp"
#include "pipeline/content_scan.hpp"

namespace sluice::pipeline {

class StateStore;

struct GitScanOptions {
  ContentScanOptions content;                            // each blob is a content (a committed archive is opened)
  std::uint64_t max_blob_size = std::uint64_t{1} << 30;  // blobs are read whole: bigger ones are reported
  std::size_t pack_cache_bytes = std::size_t{96} << 20;  // decoded delta bases kept per reading thread
  const std::atomic<bool>* stop = nullptr;               // set: read no more blobs
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();  // time budget
  StateStore* state = nullptr;  // --state: blobs scanned before are taken from it, new ones recorded
};

// A blob whose content has something to report, or was scanned as another input (it may).
struct GitBlobRef {
  io::GitOid oid;
  ContentId content;
};

struct GitOutcome {
  std::vector<ContentRecord> contents;  // with something to report
  std::vector<ImageRecord> images;      // of image tarballs committed to the repository
  std::vector<GitBlobRef> blobs;
  std::vector<InputIssue> issues;
  std::uint64_t from_state = 0;     // blobs whose matches came from --state
  std::uint64_t blobs_scanned = 0;  // blobs read, those whose content was scanned as another input too
  std::uint64_t bytes = 0;          // blob bytes scanned (decompressed bytes for archives)
  std::uint64_t shared = 0;         // blobs already claimed by another repository of the run
  std::uint64_t duplicates = 0;     // blobs whose content was scanned as another input
  std::uint64_t archives = 0;
  std::uint64_t members = 0;
};

// "x/.git" -> "x"; a bare repository keeps its name.
[[nodiscard]] std::string repository_name(const std::string& path);

// Scans every blob of `repository` that `claim_blob` grants (true once per object id in a
// run). Called from a worker thread; reads and scans on every core.
void scan_repository(ContentService& service, const GitScanOptions& options, const GitRepository& repository,
                     const std::function<bool(const io::GitOid&)>& claim_blob, GitOutcome& out);

// A blob with findings, placed in one repository's history.
struct GitLocated {
  std::vector<std::string> chain;  // the path in the commit (or the blob id when it has none)
  ContentId content;
  GitRef git;
};

// For every one of `repositories`, where each of `targets` (blob -> content) it holds entered
// its history. Repositories are searched in parallel; problems become issues.
[[nodiscard]] std::vector<GitLocated> locate_blobs(
    const std::vector<GitRepository>& repositories,
    const std::unordered_map<io::GitOid, ContentId, io::GitOidHash>& targets, std::vector<InputIssue>& issues);

}  // namespace sluice::pipeline
