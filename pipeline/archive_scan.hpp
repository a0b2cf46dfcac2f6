#pragma once
// Scans archives and compressed streams without temporary files. The calling thread
// decompresses (libarchive, nested archives recursively); member bytes are cut into
// overlapping segments that other cores scan (bounded bytes in flight: past the bound the
// calling thread scans the segment itself). Members are identified by content so identical
// members, nested archives and image layers are scanned once per run.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/stream_scanner.hpp"
#include "io/archive_reader.hpp"
#include "pipeline/finding_set.hpp"
#include "pipeline/input_budget.hpp"
#include "pipeline/scanner.hpp"

namespace sluice::pipeline {

// What an archive scan needs from the scan that runs it. Called from any worker thread.
class ContentService {
 public:
  virtual ~ContentService() = default;
  // The calling thread's matcher context (used by one task at a time).
  virtual engine::ScanContext& context() = 0;
  // True the first time `id` is claimed in this run: the caller scans it; later claimants
  // only refer to it.
  virtual bool claim(const ContentId& id) = 0;
  // An id for content that is not hashed (streamed members, --no-dedup).
  virtual ContentId unique_id() = 0;
};

struct ArchiveScanOptions {
  ArchiveLimits limits;
  std::size_t segment_size = std::size_t{4} << 20;    // member bytes per scan task
  std::size_t max_in_flight = std::size_t{64} << 20;  // member bytes queued for other cores
  bool decompress_ahead = false;                      // inflate compressed inputs on a thread of their own
};

struct ArchiveOutcome {
  std::vector<ContentRecord> contents;  // with something to report
  std::vector<ImageRecord> images;
  std::vector<InputIssue> issues;
  std::uint64_t bytes = 0;  // member bytes scanned
  std::uint64_t members = 0;
  std::uint64_t archives = 0;
  std::uint64_t duplicates = 0;  // members not scanned again
};

struct ContentScanOptions;  // content_scan.hpp: how members are scanned (archives inside them too)

// Content id of an "sha256:<hex>" digest (image blobs are named by it).
[[nodiscard]] ContentId digest_content_id(std::string_view digest);

// Scans the archive or compressed stream `bytes` (the whole input at `chain`, whose content
// id `id` is already claimed), within the input's `budget`.
void scan_archive(ContentService& service, const ContentScanOptions& options, InputBudget& budget,
                  const std::vector<std::string>& chain, const ContentId& id, std::string_view bytes,
                  ArchiveOutcome& out);

// The same for a streamed input: `head` was already read from `source`.
void scan_archive_stream(ContentService& service, const ContentScanOptions& options, InputBudget& budget,
                         const std::vector<std::string>& chain, const ContentId& id, std::string_view head,
                         io::PullSource source, ArchiveOutcome& out);

}  // namespace sluice::pipeline
