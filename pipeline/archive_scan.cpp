#include "pipeline/archive_scan.hpp"

#include <fmt/format.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "io/archive_format.hpp"
#include "io/container_image.hpp"
#include "io/decompressor.hpp"
#include "io/opened_archive.hpp"
#include "pipeline/buffer_pool.hpp"
#include "pipeline/content_scan.hpp"
#include "pipeline/input_budget.hpp"

namespace sluice::pipeline {
namespace {

using io::OpenedArchive;

// Nested archives up to this size are read whole: they can be hashed (the same jar in many
// wars is scanned once) and opened seekable (zip central directories).
constexpr std::size_t kBufferNested = std::size_t{64} << 20;

// A member too big for one segment: its segments are scanned in parallel and placed
// together by whichever task finishes last.
struct BigMember {
  ContentRecord* parent = nullptr;
  std::string name;
  std::string path;  // the chain joined, for rule path filters
  ContentId id;
  std::mutex mutex;
  std::deque<ScannedSegment> segments;
  std::atomic<int> outstanding{1};  // the producer's share, released when the member ends
};

// A member read whole, waiting to be scanned.
struct WholeMember {
  ContentRecord* parent = nullptr;
  std::string name;  // empty: the bytes of `parent` itself
  std::string path;  // the chain joined, for rule path filters
  std::string bytes;
  ContentId id;
  bool id_known = false;
};

class ArchiveScan {
 public:
  ArchiveScan(ContentService& service, const ContentScanOptions& content, InputBudget& budget, ArchiveOutcome& out)
      : service_(service),
        content_(content),
        options_(content.archives),
        out_(out),
        // A segment must also hold what confirmations see after a hit near its end.
        window_(service.context().rules().required_overlap()),
        segment_(std::max(options_.segment_size, 4 * window_)),
        budget_(budget) {}

  // `whole`: the input in memory (empty for a stream: `open` reads it).
  void run(const std::vector<std::string>& chain, const ContentId& id, std::uint64_t input_size,
           const std::function<std::unique_ptr<OpenedArchive>()>& open, std::string_view whole) {
    input_size_ = input_size;
    top_name_ = join_chain(chain);
    std::exception_ptr failure;
    oneapi::tbb::this_task_arena::isolate([&] {
      // Tasks refer to this object: they are waited for even when decompression throws.
      try {
        read_archive(chain, id, open, whole);
      } catch (...) {
        failure = std::current_exception();
      }
      top_ = nullptr;
      try {
        flush_batch();
      } catch (...) {
        if (!failure) failure = std::current_exception();
      }
      tasks_.wait();
    });
    if (failure) std::rethrow_exception(failure);
    for (ContentRecord& record : records_) {
      if (!record.matches.empty() || !record.children.empty() || !record.whiteouts.empty()) {
        out_.contents.push_back(std::move(record));
      }
    }
  }

 private:
  // How reading an archive ended.
  // kEmpty: the archive ended before its first member. Inside a compressed stream that is
  // suspicious: a tar reader takes a zero block for the end of an archive, so "512 zero bytes,
  // then anything" compressed would hide the anything.
  enum class Walked { kComplete, kUnreadable /* not even one member */, kBroken, kEmpty };

  void read_archive(const std::vector<std::string>& chain, const ContentId& id,
                    const std::function<std::unique_ptr<OpenedArchive>()>& open, std::string_view whole) {
    ContentRecord* record = new_record(id);
    std::vector<std::string> path = chain;
    std::unique_ptr<OpenedArchive> opened = open();
    if (opened->reader() == nullptr) return not_an_archive(path, opened->error(), record, whole, id);
    top_ = opened.get();
    ++out_.archives;
    const Walked walked = walk(*opened->reader(), path, 1, record);
    top_ = nullptr;
    settle(walked, *opened, path, 1, record, whole, id);
  }

  // What an archive that did not end cleanly leaves to do (the same at every depth).
  // `whole`: its bytes when they are in memory (empty when streamed).
  void settle(Walked walked, const OpenedArchive& opened, std::vector<std::string>& chain, std::size_t depth,
              ContentRecord* record, std::string_view whole, const ContentId& id) {
    switch (walked) {
      case Walked::kComplete:
        // The reader saw the cut as a clean end (a compressed file of plain bytes, a tar cut
        // between members).
        report_cut(chain, opened.cut(), opened.delivered(), walked_raw_);
        return;
      case Walked::kBroken:
        report_cut(chain, opened.cut().empty() ? broken_reason_ : opened.cut(), opened.delivered(), walked_raw_);
        return;
      case Walked::kEmpty:
        if (!opened.compressed()) return;
        if (!whole.empty()) {
          walk_decompressed(whole, chain, depth, record);
        } else {
          issue(chain,
                "an archive with no member inside a compressed stream: the bytes after its end marker were not "
                "scanned (scan it from a file to have them read)",
                true);
          report_cut(chain, opened.cut(), opened.delivered(), false);
        }
        return;
      case Walked::kUnreadable:
        if (opened.delivered() > 0) {
          // Recognised and decompressed, but no member header could be read from what came out:
          // the decompressed bytes are the content.
          if (!whole.empty()) {
            issue(chain,
                  fmt::format("corrupt or truncated archive ({}) inside a compressed stream; its decompressed "
                              "bytes were scanned as plain bytes",
                              unreadable_reason_),
                  true);
            walk_decompressed(whole, chain, depth, record);
          } else {
            issue(chain,
                  fmt::format("corrupt or truncated archive: {}",
                              opened.cut().empty() ? unreadable_reason_ : opened.cut()),
                  true);
          }
          return;
        }
        not_an_archive(chain, opened.cut().empty() ? unreadable_reason_ : opened.cut(), record, whole, id);
        return;
    }
  }

  // An archive or compressed stream that ended early (`reason`; nothing when empty), after the
  // members of the walk just done (`raw`: the one member of a compressed file) were read.
  void report_cut(const std::vector<std::string>& chain, const std::string& reason, std::uint64_t decoded, bool raw) {
    if (reason.empty() || budget_.exhausted() || stopped()) return;
    if (raw) {
      issue(chain,
            fmt::format("compressed stream unreadable after {} decoded ({}); those were scanned",
                        describe_size(decoded), reason),
            true);
      return;
    }
    issue(chain,
          fmt::format("truncated or corrupt archive after {} member{} (the last '{}'): {}; the members before were "
                      "scanned, the rest was not",
                      walked_members_, walked_members_ == 1 ? "" : "s", walked_last_, reason),
          true);
  }

  // Nothing in the content was recognised: its own bytes are scanned, when they are at hand.
  void not_an_archive(const std::vector<std::string>& chain, const std::string& reason, ContentRecord* record,
                      std::string_view whole, const ContentId& id) {
    if (whole.empty()) {
      issue(chain, fmt::format("cannot be read as an archive ({}); not scanned", reason), true);
      return;
    }
    issue(chain, fmt::format("cannot be read as an archive ({}); scanned as plain bytes", reason), true);
    queue_whole(record, "", join_chain(chain), std::string(whole), id, true);
  }

  ContentRecord* new_record(const ContentId& id) {
    std::lock_guard lock(mutex_);
    records_.push_back(ContentRecord{id, {}, {}, {}});
    return &records_.back();
  }

  void issue(const std::vector<std::string>& chain, std::string reason, bool incomplete) {
    std::lock_guard lock(mutex_);
    out_.issues.push_back(InputIssue{join_chain(chain), std::move(reason),
                                     incomplete ? InputIssue::Kind::kIncomplete : InputIssue::Kind::kSkipped});
  }

  void add_duplicate(ContentRecord* parent, std::string name, const ContentId& id) {
    std::lock_guard lock(mutex_);
    ++out_.duplicates;
    parent->children.push_back(ChildRef{std::move(name), id});
  }

  void add_child(ContentRecord* parent, std::string name, const ContentId& id) {
    std::lock_guard lock(mutex_);
    parent->children.push_back(ChildRef{std::move(name), id});
  }

  bool stopped() const { return budget_.stopped(); }

  // Every decompressed byte passes here: the expansion budget of the whole input.
  std::optional<std::string_view> pull(io::ArchiveReader& reader, std::string* error) {
    if (halted(error)) return std::nullopt;
    // A member over the limit costs only itself: it ends here, and the next member is read. A
    // zip (or a plain tar in memory) passes over the rest of it for free; a compressed stream
    // decompresses it unscanned, within InputBudget::kPassedOverCaps; a compressed file has no next member.
    const std::uint64_t budget = budget_.member_limit(consumed_input());
    const std::uint64_t before = reader.member_bytes_read();
    if (before >= budget) {
      if (!marked_cut(reader)) {
        auto block = reader.read(error);
        if (!block || block->empty()) return block;  // it ends at the limit exactly
        mark_cut(reader, before);
        budget_.charge_passed_over(block->size());
      }
      if (!reader.skips_members_cheaply() && !reader.raw() && !pass_over(reader, error)) return std::nullopt;
      return std::string_view();
    }
    auto block = reader.read(error);
    if (!block) return block;
    if (before + block->size() > budget) {  // scanned up to the limit exactly
      const std::size_t keep = static_cast<std::size_t>(budget - before);
      mark_cut(reader, budget);
      budget_.charge_passed_over(block->size() - keep);
      block = block->substr(0, keep);
    }
    if (std::string why; !budget_.charge_scanned(block->size(), consumed_input(), &why)) return stop_input(why, error);
    return block;
  }

  void mark_cut(const io::ArchiveReader& reader, std::uint64_t scanned) {
    budget_.count_cut_member();
    std::lock_guard lock(mutex_);
    cut_members_[&reader] = Cut{scanned, consumed_input()};
  }

  bool marked_cut(const io::ArchiveReader& reader) {
    std::lock_guard lock(mutex_);
    return cut_members_.contains(&reader);
  }

  // Whether reading must stop (interrupted, out of time, input stopped), with `error` set.
  bool halted(std::string* error) {
    if (budget_.expire_once()) {
      issue({top_name_}, "time budget for this input exhausted (--max-input-seconds); the rest was not scanned", true);
    }
    if (stopped()) {
      *error = "interrupted";
      return true;
    }
    if (budget_.exhausted()) {
      *error = "scan of this input stopped";
      return true;
    }
    return false;
  }

  // Reads the rest of the current member of `reader` without scanning it. False when the
  // input must stop (`error` set).
  bool pass_over(io::ArchiveReader& reader, std::string* error) {
    for (;;) {
      if (std::string why; !budget_.may_pass_over(consumed_input(), &why)) {
        stop_input(why, error);
        return false;
      }
      if (halted(error)) return false;
      auto block = reader.read(error);
      if (!block) return false;
      if (block->empty()) return true;
      budget_.charge_passed_over(block->size());
    }
  }

  // Stops the whole input at the expansion limit (`why`); the rest is named as not scanned.
  std::optional<std::string_view> stop_input(const std::string& why, std::string* error) {
    *error = fmt::format("expansion limit: {}; the rest of this input was not scanned", why);
    expansion_error_ = *error;
    return std::nullopt;
  }

  // What pull() did when it ended the current member of `reader` at the expansion limit (and
  // forgets it); nullopt if it did not.
  struct Cut {
    std::uint64_t scanned = 0;         // member bytes scanned
    std::uint64_t consumed_input = 0;  // input bytes read by then (the limit's base)
  };
  std::optional<Cut> was_cut(const io::ArchiveReader& reader) {
    std::lock_guard lock(mutex_);
    auto it = cut_members_.find(&reader);
    if (it == cut_members_.end()) return std::nullopt;
    const Cut cut = it->second;
    cut_members_.erase(it);
    return cut;
  }

  // A file's size is known; a stream's input is what its reader consumed so far.
  std::uint64_t consumed_input() const { return input_size_ > 0 ? input_size_ : top_ ? top_->consumed() : 0; }

  // Appends member bytes to `buffer` until it holds `limit` bytes or the member ends
  // (`*ended`). False on a read error, with `error` set.
  bool fill(io::ArchiveReader& reader, std::string& buffer, std::size_t limit, bool* ended, std::string* error) {
    while (!*ended && buffer.size() < limit) {
      auto block = pull(reader, error);
      if (!block) return false;
      if (block->empty()) {
        *ended = true;
      } else {
        buffer.append(*block);
      }
    }
    return true;
  }

  // The decompressed bytes of a compressed stream `bytes` whose archive had no member, walked
  // as one member (nothing for a stream only libarchive's filters recognise).
  void walk_decompressed(std::string_view bytes, std::vector<std::string>& chain, std::size_t depth,
                         ContentRecord* record) {
    if (io::sniff_container(bytes.substr(0, io::kSniffBytes)).kind != io::ContainerKind::kCompressed) return;
    std::unique_ptr<OpenedArchive> raw = OpenedArchive::open_raw(bytes);
    if (raw->reader() == nullptr) {
      issue(chain, fmt::format("compressed stream unreadable: {}", raw->error()), true);
      return;
    }
    walk(*raw->reader(), chain, depth, record);
    report_cut(chain, raw->cut(), raw->delivered(), true);
  }

  Walked walk(io::ArchiveReader& reader, std::vector<std::string>& chain, std::size_t depth, ContentRecord* record) {
    Walked walked = Walked::kComplete;
    std::map<std::string, std::string> image_files;         // metadata of a container image
    std::unordered_map<std::string, ContentId> member_ids;  // ids of members an image may name
    std::string last_member;
    std::uint64_t members = 0;
    std::string error;
    for (;;) {
      if (budget_.exhausted() || stopped()) break;
      io::ArchiveMember member;
      const io::ArchiveReader::Step step = reader.next(member, &error);
      if (!reader.header_warning().empty()) {
        issue(chain,
              fmt::format("damaged member header ({}) after {}: the bytes up to the next readable header were not "
                          "scanned",
                          reader.header_warning(),
                          last_member.empty() ? std::string("the start") : "'" + last_member + "'"),
              true);
      }
      if (step == io::ArchiveReader::Step::kEnd) {
        if (last_member.empty() && !reader.raw()) walked = Walked::kEmpty;
        break;
      }
      if (step == io::ArchiveReader::Step::kError) {
        if (last_member.empty()) {
          unreadable_reason_ = error;
          walked = Walked::kUnreadable;
        } else {
          broken_reason_ = error;
          walked = Walked::kBroken;
        }
        break;
      }
      std::string name = reader.raw() ? io::decompressed_name(chain.back()) : member.name;
      last_member = name;
      ++members;
      chain.push_back(name);
      switch (member.type) {
        case io::ArchiveMember::Type::kFile:
          if (io::is_whiteout(name)) {
            std::lock_guard lock(mutex_);
            record->whiteouts.push_back(name);
          } else if (member.encrypted) {
            issue(chain, "encrypted member, not scanned (no password is tried)", true);
          } else {
            scan_member(reader, member, chain, depth, record, image_files, member_ids);
            if (const auto cut = was_cut(reader)) {
              // The limit as it was at the cut: a stream's input had been read only so far.
              issue(chain,
                    fmt::format("member over the expansion limit: its first {} were scanned, the rest was not "
                                "(--max-ratio {} of the {} of input read by then, at least {})",
                                describe_size(cut->scanned), options_.limits.max_ratio,
                                describe_size(cut->consumed_input), describe_size(options_.limits.ratio_allowance)),
                    true);
            }
            if (!reader.data_warning().empty()) {
              issue(chain, fmt::format("member is damaged ({}); its bytes were scanned as read", reader.data_warning()),
                    true);
            }
          }
          break;
        case io::ArchiveMember::Type::kSymlink:
          issue(chain, fmt::format("symbolic link member not followed (-> {})", member.link_target), false);
          break;
        case io::ArchiveMember::Type::kDirectory:
        case io::ArchiveMember::Type::kHardlink:  // its content is another member's
        case io::ArchiveMember::Type::kOther:     // devices, FIFOs: no content
          break;
      }
      chain.pop_back();
    }
    walked_members_ = members;
    walked_last_ = last_member;
    walked_raw_ = reader.raw();
    if (!expansion_error_.empty() && depth == 1) issue(chain, expansion_error_, true);
    if (!image_files.empty()) collect_images(chain, image_files, member_ids);
    return walked;
  }

  void collect_images(const std::vector<std::string>& chain, const std::map<std::string, std::string>& files,
                      const std::unordered_map<std::string, ContentId>& member_ids) {
    std::string error;
    auto read = [&](const std::string& path) -> std::optional<std::string> {
      auto it = files.find(path);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    std::vector<io::ImageManifest> images = io::read_image_manifests(read, &error);
    if (!error.empty()) issue(chain, fmt::format("container image metadata: {}", error), true);
    for (const io::ImageManifest& manifest : images) {
      ImageRecord image;
      image.name = manifest.name;
      auto blob = [&](const io::ImageBlob& from) -> std::optional<ImageRecord::Blob> {
        auto id = member_ids.find(std::string(io::normalize_layer_path(from.path)));
        if (id == member_ids.end()) {
          issue(chain,
                fmt::format("image {}: blob {} is listed but missing from the archive", manifest.name, from.path),
                true);
          return std::nullopt;
        }
        std::vector<std::string> at = chain;
        at.push_back(from.path);
        return ImageRecord::Blob{from.digest, std::move(at), id->second};
      };
      if (manifest.config) image.config = blob(*manifest.config);
      for (const io::ImageBlob& layer : manifest.layers) {
        if (auto found = blob(layer)) image.layers.push_back(std::move(*found));
      }
      std::lock_guard lock(mutex_);
      out_.images.push_back(std::move(image));
    }
  }

  void scan_member(io::ArchiveReader& reader, const io::ArchiveMember& member, std::vector<std::string>& chain,
                   std::size_t depth, ContentRecord* parent, std::map<std::string, std::string>& image_files,
                   std::unordered_map<std::string, ContentId>& member_ids) {
    const std::string& name = chain.back();
    const std::string key(io::normalize_layer_path(name));
    ++out_.members;
    // Image blobs are named by digest: a blob seen before in this run (a shared base layer)
    // is not read again.
    std::optional<ContentId> digest_id;
    if (auto digest = io::blob_digest(key)) {
      digest_id = digest_content_id(*digest);
      member_ids[key] = *digest_id;
      if (content_.dedup && !service_.claim(*digest_id)) return add_duplicate(parent, name, *digest_id);
    }
    // The first bytes say whether the member is itself an archive.
    // Sized for the whole member when the archive says how big it is (up to one segment).
    std::string head = pool_.take(static_cast<std::size_t>(
        std::min<std::uint64_t>(member.size.value_or(io::kSniffBytes), segment_ + window_) + 1));
    std::string error;
    bool ended = false;
    if (!fill(reader, head, io::kSniffBytes, &ended, &error)) {
      if (head.empty()) return member_failed(chain, error, parent, name, digest_id);
      // Cut short (a truncated archive): what was read is the member, scanned like any.
      member_failed(chain, error, parent, name, std::nullopt);
      ended = true;
    }
    const ContentKind kind = classify_content(head, options_.limits);
    if (kind.refused) issue(chain, *kind.refused, true);
    const io::ContainerFormat& format = kind.format;
    if (kind.container()) {
      if (depth < options_.limits.max_depth) {
        return open_nested(reader, chain, depth, parent, std::move(head), ended, digest_id, member_ids);
      }
      issue(chain,
            fmt::format("{} nested deeper than --max-depth {}: scanned as raw bytes", format.name,
                        options_.limits.max_depth),
            true);
    }
    // A leaf: plain bytes.
    const std::size_t first = head.find_first_not_of(" \t\r\n");
    const bool metadata = io::image_metadata_candidate(key, member.size.value_or(head.size())) &&
                          first != std::string::npos && (head[first] == '{' || head[first] == '[');
    if (ended && (metadata || digest_id)) {
      // Small enough to be whole already; an image may name it, so its id is settled here.
      ContentId id = digest_id ? *digest_id : content_.dedup ? hash_content(head) : service_.unique_id();
      member_ids[key] = id;
      if (metadata) image_files[key] = head;
      if (!digest_id && content_.dedup && !service_.claim(id)) return add_duplicate(parent, name, id);
      queue_whole(parent, name, join_chain(chain), std::move(head), id, true);
      return;
    }
    stream_leaf(reader, chain, parent, std::move(head), ended, digest_id);
  }

  void member_failed(const std::vector<std::string>& chain, const std::string& error, ContentRecord* parent,
                     const std::string& name, const std::optional<ContentId>& id) {
    if (!budget_.exhausted() && !stopped())
      issue(chain, fmt::format("member could not be read completely: {}", error), true);
    // A claimed blob that failed still gets its (empty) record so that it is not awaited.
    if (id) add_child(parent, name, *id);
  }

  void open_nested(io::ArchiveReader& reader, std::vector<std::string>& chain, std::size_t depth, ContentRecord* parent,
                   std::string head, bool ended, const std::optional<ContentId>& digest_id,
                   std::unordered_map<std::string, ContentId>& member_ids) {
    const std::string name = chain.back();
    const std::string key(io::normalize_layer_path(name));
    std::string error;
    // Read it whole when it is small enough.
    std::string whole = std::move(head);
    if (!fill(reader, whole, kBufferNested + 1, &ended, &error)) {
      // Cut short: what was read is opened like a whole (truncated) archive.
      member_failed(chain, error, parent, name, std::nullopt);
      ended = true;
    }
    ++out_.archives;
    if (ended) {
      ContentId id = digest_id ? *digest_id : content_.dedup ? hash_content(whole) : service_.unique_id();
      member_ids[key] = id;
      if (!digest_id && content_.dedup && !service_.claim(id)) return add_duplicate(parent, name, id);
      ContentRecord* record = new_record(id);
      add_child(parent, name, id);
      std::unique_ptr<OpenedArchive> opened = OpenedArchive::open(whole, {}, false);
      if (opened->reader() == nullptr) return not_an_archive(chain, opened->error(), record, whole, id);
      const Walked walked = walk(*opened->reader(), chain, depth + 1, record);
      settle(walked, *opened, chain, depth + 1, record, whole, id);
      return;
    }
    // Too big to hold: streamed straight from the enclosing archive.
    const ContentId id = digest_id ? *digest_id : service_.unique_id();
    member_ids[key] = id;
    ContentRecord* record = new_record(id);
    add_child(parent, name, id);
    std::unique_ptr<OpenedArchive> opened = OpenedArchive::open(
        whole, [this, &reader](std::string* failure) { return pull(reader, failure); }, false);
    if (opened->reader() == nullptr) return not_an_archive(chain, opened->error(), record, {}, id);
    const Walked walked = walk(*opened->reader(), chain, depth + 1, record);
    settle(walked, *opened, chain, depth + 1, record, {}, id);
  }

  // Runs `work` on another core, or here when too many bytes already wait for one.
  template <typename Work>
  void dispatch(Work&& work, std::size_t bytes) {
    if (in_flight_.load(std::memory_order_relaxed) + bytes > options_.max_in_flight) {
      work();
      return;
    }
    in_flight_ += bytes;
    // task_group runs a const functor; the work moves what it captured.
    auto held = std::make_shared<std::decay_t<Work>>(std::forward<Work>(work));
    tasks_.run([this, bytes, held] {
      (*held)();
      in_flight_ -= bytes;
    });
  }

  // A member read whole. Small ones are queued and handed to another core in batches (one
  // task per ~1 MiB rather than per file); a task hashes (when `id_known` is false), claims
  // and scans each.
  void queue_whole(ContentRecord* parent, std::string name, std::string path, std::string bytes, ContentId id,
                   bool id_known) {
    out_.bytes += bytes.size();
    // The memory a queued member holds is its buffer's capacity, not its size.
    batch_bytes_ += bytes.capacity();
    batch_.push_back(WholeMember{parent, std::move(name), std::move(path), std::move(bytes), id, id_known});
    if (batch_bytes_ >= kBatchBytes || batch_.size() >= kBatchMembers) flush_batch();
  }

  void flush_batch() {
    if (batch_.empty()) return;
    const std::size_t size = batch_bytes_;
    dispatch(
        [this, members = std::move(batch_)]() mutable {
          for (WholeMember& member : members) scan_member_bytes(member);
        },
        size);
    batch_.clear();
    batch_bytes_ = 0;
  }

  // A member's bytes are a content like any other: the walk has decided they are plain bytes.
  void scan_member_bytes(WholeMember& member) {
    try {
      Content content{{member.path}, member.path, false};
      if (member.id_known) content.claimed = member.id;
      content.plain = true;
      ContentResult result = ContentScanner(service_, content_).scan(content, member.bytes, budget_);
      pool_.give(std::move(member.bytes));
      std::lock_guard lock(mutex_);
      if (result.duplicate) {
        ++out_.duplicates;
        if (!member.name.empty()) member.parent->children.push_back(ChildRef{member.name, *result.content});
        return;
      }
      if (result.error) out_.issues.push_back(InputIssue{member.path, std::move(*result.error)});
      if (result.matches.empty()) return;
      if (member.name.empty()) {
        // The bytes of `parent` itself (an archive that could not be opened).
        for (PlacedMatch& m : result.matches) member.parent->matches.push_back(std::move(m));
        return;
      }
      const ContentId id = result.content ? *result.content : service_.unique_id();
      records_.push_back(ContentRecord{id, std::move(result.matches), {}, {}});
      member.parent->children.push_back(ChildRef{member.name, id});
    } catch (const std::exception& failure) {
      std::lock_guard lock(mutex_);
      out_.issues.push_back(InputIssue{member.path, fmt::format("internal error: {}", failure.what())});
    }
  }

  // A member of any size, read block by block and cut into overlapping segments.
  void stream_leaf(io::ArchiveReader& reader, const std::vector<std::string>& chain, ContentRecord* parent,
                   std::string head, bool ended, const std::optional<ContentId>& digest_id) {
    const std::string& name = chain.back();
    std::string path = join_chain(chain);
    const std::uint64_t cap = options_.limits.max_member_size;
    std::string buffer = std::move(head);
    std::string error;
    bool capped = false;
    if (buffer.size() > cap) {
      buffer.resize(cap);
      capped = true;
    }
    // Most members fit in one segment.
    while (!ended && !capped && buffer.size() < segment_ + window_) {
      auto block = pull(reader, &error);
      if (!block) break;
      if (block->empty()) {
        ended = true;
        break;
      }
      std::string_view bytes = *block;
      if (buffer.size() + bytes.size() > cap) {
        bytes = bytes.substr(0, cap - buffer.size());
        capped = true;
      }
      buffer.append(bytes);
    }
    if (ended || capped || !error.empty()) {
      if (!error.empty()) member_failed(chain, error, parent, name, std::nullopt);
      if (capped) member_capped(chain);
      const bool known = digest_id.has_value();
      queue_whole(parent, name, std::move(path), std::move(buffer), known ? *digest_id : ContentId{}, known);
      return;
    }
    // A big member: segments of `segment_` bytes, each buffer holding one window before and
    // one window after its owned range.
    auto big = std::make_shared<BigMember>();
    big->parent = parent;
    big->name = name;
    big->path = std::move(path);
    big->id = digest_id ? *digest_id : service_.unique_id();
    std::uint64_t from = 0;   // absolute offset of buffer[0]
    std::uint64_t begin = 0;  // owned range start of the segment being filled
    std::uint64_t total = buffer.size();
    for (;;) {
      // Dispatch every segment whose buffer is complete (owned range plus one window).
      while (buffer.size() >= (begin + segment_ + window_) - from) {
        const std::uint64_t end = begin + segment_;
        const std::uint64_t next_from = end - window_;
        std::string next = pool_.take(segment_ + 2 * window_);
        next.append(buffer, static_cast<std::size_t>(next_from - from));
        buffer.resize(static_cast<std::size_t>(end + window_ - from));
        dispatch_segment(big, std::move(buffer), {from, begin, end, next_from, false});
        buffer = std::move(next);
        from = next_from;
        begin = end;
      }
      if (ended || capped) break;
      auto block = pull(reader, &error);
      if (!block) {
        member_failed(chain, error, parent, name, std::nullopt);
        break;
      }
      if (block->empty()) {
        ended = true;
        continue;
      }
      std::string_view bytes = *block;
      if (total + bytes.size() > cap) {
        bytes = bytes.substr(0, cap - total);
        capped = true;
      }
      total += bytes.size();
      buffer.append(bytes);
    }
    if (capped) member_capped(chain);
    dispatch_segment(big, std::move(buffer), {from, begin, total, total, false});
    out_.bytes += total;
    release(big);
  }

  void member_capped(const std::vector<std::string>& chain) {
    issue(chain,
          fmt::format("member larger than --max-member-size ({}): only its first {} were scanned",
                      describe_size(options_.limits.max_member_size), describe_size(options_.limits.max_member_size)),
          true);
  }

  // Scans the segment `span` of a big member, its buffer holding the bytes from span.from.
  void dispatch_segment(const std::shared_ptr<BigMember>& big, std::string buffer, engine::SegmentSpan span) {
    ScannedSegment* slot = nullptr;
    {
      std::lock_guard lock(big->mutex);
      big->segments.push_back(ScannedSegment{engine::SegmentLines(span), {}, false});
      slot = &big->segments.back();
    }
    ++big->outstanding;
    const std::size_t size = buffer.size();
    dispatch(
        [this, big, slot, buffer = std::move(buffer), span]() mutable {
          try {
            engine::ScanContext& context = service_.context();
            const engine::DecodeStats before = context.decode_stats();
            *slot = scan_segment(context, buffer, big->path, span);
            engine::DecodeStats delta = context.decode_stats();
            delta -= before;
            budget_.add_decoded(delta);
            pool_.give(std::move(buffer));
          } catch (const std::exception& failure) {
            slot->ok = false;
          }
          release(big);
        },
        size);
  }

  // The last of a big member's tasks to finish places its matches.
  void release(const std::shared_ptr<BigMember>& big) {
    if (--big->outstanding != 0) return;
    bool ok = true;
    for (const ScannedSegment& segment : big->segments) ok = ok && segment.ok;
    std::vector<ScannedSegment> segments(std::make_move_iterator(big->segments.begin()),
                                         std::make_move_iterator(big->segments.end()));
    std::vector<PlacedMatch> placed = place_segments(segments);
    std::lock_guard lock(mutex_);
    if (!ok) out_.issues.push_back(InputIssue{big->path, "the matcher failed on this member"});
    if (placed.empty()) return;
    records_.push_back(ContentRecord{big->id, std::move(placed), {}, {}});
    big->parent->children.push_back(ChildRef{big->name, big->id});
  }

  ContentService& service_;
  const ContentScanOptions& content_;  // how a member's bytes are scanned
  const ArchiveScanOptions& options_;  // content_.archives
  ArchiveOutcome& out_;
  const std::size_t window_;
  const std::size_t segment_;
  static constexpr std::size_t kBatchBytes = std::size_t{1} << 20;
  static constexpr std::size_t kBatchMembers = 256;
  std::vector<WholeMember> batch_;  // producer only
  std::size_t batch_bytes_ = 0;
  BufferPool pool_;
  oneapi::tbb::task_group tasks_;
  std::atomic<std::size_t> in_flight_{0};
  std::mutex mutex_;  // records_, record children, out_.issues and out_.images
  std::deque<ContentRecord> records_;
  const OpenedArchive* top_ = nullptr;
  std::uint64_t input_size_ = 0;
  InputBudget& budget_;
  std::string top_name_;  // the input, for the time budget message
  std::string expansion_error_;
  std::unordered_map<const io::ArchiveReader*, Cut> cut_members_;  // guarded by mutex_
  std::string unreadable_reason_;                                  // of the last archive that had no readable member
  // How the last walk ended (read by settle() right after it).
  std::string broken_reason_;
  std::uint64_t walked_members_ = 0;
  std::string walked_last_;
  bool walked_raw_ = false;
};

}  // namespace

ContentId digest_content_id(std::string_view digest) {
  // The first 128 bits of the sha256, tagged so that they never equal an XXH3 content id of
  // the same bytes' other name.
  const std::size_t colon = digest.find(':');
  const std::string_view hex = colon == std::string_view::npos ? digest : digest.substr(colon + 1);
  ContentId id;
  if (hex.size() >= 32) {
    std::from_chars(hex.data(), hex.data() + 16, id.high, 16);
    std::from_chars(hex.data() + 16, hex.data() + 32, id.low, 16);
  }
  id.high ^= 0x6469676573743a00ULL;  // "digest:"
  return id;
}

void scan_archive(ContentService& service, const ContentScanOptions& options, InputBudget& budget,
                  const std::vector<std::string>& chain, const ContentId& id, std::string_view bytes,
                  ArchiveOutcome& out) {
  ArchiveScan scan(service, options, budget, out);
  // A compressed input (a .tar.gz, a .tar.zst) may be inflated on a thread of its own while this
  // one parses the archive inside it.
  scan.run(
      chain, id, bytes.size(), [&] { return OpenedArchive::open(bytes, {}, options.archives.decompress_ahead); },
      bytes);
}

void scan_archive_stream(ContentService& service, const ContentScanOptions& options, InputBudget& budget,
                         const std::vector<std::string>& chain, const ContentId& id, std::string_view head,
                         io::PullSource source, ArchiveOutcome& out) {
  ArchiveScan scan(service, options, budget, out);
  scan.run(chain, id, 0, [&] { return OpenedArchive::open(head, std::move(source), false); }, {});
}

}  // namespace sluice::pipeline
