#pragma once
// Runs a scan: a oneTBB flow graph from the lazy directory walk to merged findings.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/compiled_rules.hpp"
#include "engine/stream_scanner.hpp"
#include "io/error.hpp"
#include "io/path_filter.hpp"
#include "io/walker.hpp"
#include "pipeline/finding.hpp"
#include "pipeline/shard.hpp"

namespace sluice::pipeline {

// Limits on what archives may cost; each is a `sluice scan` flag.
struct ArchiveLimits {
  bool enabled = true;                                                // false: archives are scanned as raw bytes
  std::size_t max_depth = 8;                                          // archives inside archives
  std::uint64_t max_member_size = std::uint64_t{8} << 30;             // bytes scanned per member
  double max_ratio = 100;                                             // decompressed bytes per input byte
  std::uint64_t ratio_allowance = std::uint64_t{256} << 20;           // decompressed bytes always allowed per input
  std::uint64_t max_decompression_memory = std::uint64_t{256} << 20;  // an xz/lzip dictionary bigger: not opened
};

class StateStore;

// A repository to read, and the name findings and messages give it: repository_name(path) for
// one the walk found, the remote's URL for a mirror of a git remote.
class RegistrySources;
class S3Sources;

struct GitRepository {
  std::string path;
  std::string name;
};

struct ScanOptions {
  std::vector<std::string> roots;                    // "-" is standard input
  std::size_t threads = 0;                           // 0: every core
  std::size_t chunk_size = std::size_t{1} << 20;     // read size for sequential inputs
  std::size_t map_threshold = std::size_t{1} << 20;  // files this large are memory-mapped
  std::size_t segment_size = std::size_t{16} << 20;  // mapped files over 1.5x this are split across cores
  std::size_t max_in_flight = 0;                     // batches of inputs queued at once; 0: 2 per thread
  bool follow_symlinks = false;
  bool dedup_content = true;
  // Matches below this confidence are not reported (engine::Confidence).
  engine::Confidence min_confidence = engine::Confidence::kMedium;
  // Findings seen only in test code, test data or documentation below the roots are lowered to
  // low confidence (pipeline/test_paths.hpp).
  bool demote_test_and_docs = true;
  ArchiveLimits archives;
  // Encoded spans (base64, hex, escapes...) are decoded and scanned to this depth (0: off).
  engine::DecodeLimits decode;
  bool git_history = true;  // git directories found by the walk: scan every blob of their history
  std::uint64_t max_blob_size = std::uint64_t{1} << 30;  // git blobs are read whole
  // When this becomes true (a signal), the scan stops taking inputs and work, and reports what
  // it found so far, marked interrupted.
  const std::atomic<bool>* stop = nullptr;
  // Seconds one top-level input (a file, a stream, an archive with everything in it, a
  // repository's history) may take; past it the rest of the input is not scanned (reported).
  double max_input_seconds = 3600;  // 0: no limit
  // Excludes and includes applied by the walk (nullptr: every path); see io/path_filter.hpp.
  std::shared_ptr<io::PathFilter> path_filter;
  // Files the walk reports as skipped instead of scanning (the report -o replaces).
  std::vector<io::WalkOptions::PassOver> pass_over;
  // Under `--shard I/N`: the top-level inputs this shard scans; the others' are left to the
  // other shards, unmentioned (nullptr: every input).
  std::shared_ptr<const ShardPlan> shard;
  // With `shard`: this shard's entries as the plan's walk found them; the scan takes its inputs
  // from them and does not walk the roots again (nullptr: it walks).
  std::shared_ptr<const std::vector<io::WalkEntry>> planned;
  // Under `--state FILE`: files unchanged and blobs scanned in an earlier run are taken from it,
  // and what this run scans is recorded there (pipeline/state_store.hpp; nullptr: none).
  std::shared_ptr<StateStore> state;
  // With `state`: report only findings seen in content this run read (--new-only).
  bool new_only = false;
  // Mirrors of git remotes (io/git_remote.hpp) whose history is scanned after the walk, named
  // by their URLs; under `shard` they are this shard's already (not filtered again).
  std::vector<GitRepository> repositories;
  // Problems met before the scan (a remote that could not be fetched): reported first, and
  // counted like the scan's own.
  std::vector<io::Error> issues;
  // Images in registries (pipeline/registry_source.hpp): their blobs are inputs after the
  // walk and the repositories, each fetched once (nullptr: none).
  std::shared_ptr<const RegistrySources> registry;
  // Objects in S3-compatible stores (pipeline/s3_source.hpp): inputs after the registries'
  // blobs, each named s3://bucket/key (nullptr: none).
  std::shared_ptr<const S3Sources> s3;
};

// An input that was not (completely) scanned, deliberately skipped, or worth a note: the one
// error type of io (io/error.hpp), under the name the pipeline gives it.
using InputIssue = io::Error;

struct ScanStats {
  std::uint64_t files = 0;         // inputs read (files and streams), duplicates among them too
  std::uint64_t bytes = 0;         // bytes scanned (decompressed bytes for archive members)
  std::uint64_t archives = 0;      // archives and compressed streams opened (nested ones too)
  std::uint64_t members = 0;       // archive members scanned
  std::uint64_t images = 0;        // container images found
  std::uint64_t repositories = 0;  // git repositories whose history was scanned
  std::uint64_t blobs = 0;         // git blobs read (once per run, whatever the number of repositories), duplicates too
  std::uint64_t duplicates = 0;    // inputs not rescanned because identical content was scanned
  std::uint64_t skipped = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  bool interrupted = false;  // stopped by ScanOptions::stop before every input was scanned
  // Findings seen only in test code, test data or docs, lowered to low confidence and so below
  // ScanOptions::min_confidence: not reported, counted (pipeline/test_paths.hpp).
  std::uint64_t hidden_in_tests_or_docs = 0;
  // Files and blobs whose findings were taken from --state, unchanged since an earlier run.
  std::uint64_t from_state = 0;
  // Encoded spans decoded and scanned, and those the decoding caps left undecoded.
  engine::DecodeStats decoded;
};

// What one top-level input whose content was scanned (not a duplicate) added to the stats, by
// its content id: sluice merge takes the share of a content that two shards both scanned off
// once (a single scan would have scanned it once and counted a duplicate).
struct InputShare {
  std::uint64_t content_high = 0;
  std::uint64_t content_low = 0;
  ScanStats stats;  // its bytes, archives, members, images, inner duplicates, decoded
};

// What a shard that scanned one byte range of a cut file (ShardPlan::Split) knows of it, for
// sluice merge to place the matches of the ranges after it: the newlines in [begin, end), and
// the last newline before the next range's first buffer (its start less the overlap).
struct SplitRange {
  std::string path;
  std::uint32_t range = 0;
  std::uint32_t ranges = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t newlines = 0;
  std::optional<std::uint64_t> last_newline;
};

struct ScanReport {
  std::vector<Finding> findings;
  std::vector<InputIssue> issues;
  ScanStats stats;
  // Under ScanOptions::shard: the share of each top-level file scanned.
  std::vector<InputShare> shares;
  // Under ScanOptions::shard: the byte ranges of cut files scanned.
  std::vector<SplitRange> splits;
  [[nodiscard]] bool incomplete() const noexcept { return stats.errors > 0 || stats.interrupted; }
};

// Where a running scan is, after each top-level input is merged.
struct ScanProgress {
  std::uint64_t inputs = 0;  // top-level inputs and archive members scanned so far
  std::uint64_t bytes = 0;
  std::uint64_t matches = 0;  // confirmed matches so far (before dedup and suppression)
  std::string_view current;   // the top-level input just finished
};

// Receives events while the scan runs, always from one thread at a time.
class ScanObserver {
 public:
  virtual ~ScanObserver() = default;
  virtual void on_issue(const InputIssue& /*issue*/) {}
  virtual void on_progress(const ScanProgress& /*progress*/) {}
};

[[nodiscard]] ScanReport run_scan(std::shared_ptr<const engine::CompiledRules> rules, const ScanOptions& options,
                                  ScanObserver* observer = nullptr);

}  // namespace sluice::pipeline
