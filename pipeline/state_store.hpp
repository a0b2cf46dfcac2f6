#pragma once
// What earlier runs scanned (`sluice scan --state FILE`): a SQLite database (WAL) of the
// content of top-level files by path and stat, the matches of each content and of each git
// blob by the catalog that found them. A run reads a file unchanged since it was recorded
// (same device, inode, size, modification and change times, as git's index tells) and a blob
// already scanned from the database instead of scanning them again, and reports the same
// findings. Archives are scanned every time.
//
// Robustness: every record is committed in transactions of its own batch, so a run killed at
// any point leaves a database the next run uses (at most the batch in flight is redone); one
// run holds the file at a time (a second gets StateError naming it); a database of another
// schema is refused, never misread.

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/compiled_rules.hpp"
#include "io/walker.hpp"
#include "pipeline/archive_scan.hpp"
#include "pipeline/finding_set.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace sluice::pipeline {

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using io::FileStamp;
using io::stamp_of;

// A content recorded by an earlier run.
struct StoredContent {
  ContentId id;
  std::uint64_t bytes = 0;
  std::vector<PlacedMatch> matches;  // marked `from_state`
  // An archive or compressed stream: what scanning it gave (its members' records, with the
  // records of members scanned as other inputs looked up too), `bytes` 0.
  std::optional<ArchiveOutcome> archive;
};

class StateStore {
 public:
  // The schema this sluice writes; a database of another is refused.
  static constexpr int kSchema = 2;

  // Opens (creating it) the database at `path` for a run with `rules`. Throws StateError with
  // a one-line message naming the file.
  [[nodiscard]] static std::unique_ptr<StateStore> open(const std::string& path,
                                                        std::shared_ptr<const engine::CompiledRules> rules);
  // Merges the state files `inputs` (of shards, or of earlier runs) into the one at `path`
  // (created if missing): every content and blob record, and for each path the record of the
  // file as it was last seen (the newest change time). Throws StateError naming the file that
  // is not a state file of this schema, or in use.
  static void merge(const std::string& path, const std::vector<std::string>& inputs);

  // Whether the file at `path` begins as an SQLite database does (a state file, or not: the
  // schema is checked when it is opened).
  [[nodiscard]] static bool looks_like_state(const std::string& path);

  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // The content of the file at `path` if it was recorded with this stamp, and its matches if
  // they were found with this catalog. Any thread.
  [[nodiscard]] std::optional<StoredContent> file(const std::string& path, const FileStamp& stamp);
  // The content and matches of a git blob scanned with this catalog (not an archive's outcome:
  // such a blob is scanned again). Any thread.
  [[nodiscard]] std::optional<StoredContent> blob(std::string_view oid_hex);

  // Records what a scan found (batched; any thread). Without `matches`, the file or blob is
  // only named as holding content `id` (a duplicate: the content's own record comes from the
  // input that was scanned).
  void record_file(const std::string& path, const FileStamp& stamp, const ContentId& id, std::uint64_t bytes,
                   const std::vector<PlacedMatch>* matches);
  void record_blob(std::string_view oid_hex, const ContentId& id, std::uint64_t bytes,
                   const std::vector<PlacedMatch>* matches);
  // Records the file at `path`, an archive or compressed stream whose scan gave `outcome` (with
  // no issue: an archive not read whole is scanned again next time).
  void record_archive(const std::string& path, const FileStamp& stamp, const ContentId& id,
                      const ArchiveOutcome& outcome);

  // A content named by its id alone (a registry blob, by its digest), scanned with this catalog:
  // its matches, or an archive's outcome. Any thread.
  [[nodiscard]] std::optional<StoredContent> named_content(const ContentId& id) const { return content(id); }
  // Records such a content: plain bytes and their `matches`, or an archive and its `outcome`
  // (with no issue).
  void record_named(const ContentId& id, std::uint64_t bytes, const std::vector<PlacedMatch>* matches,
                    const ArchiveOutcome* outcome);

  // What a vendor said of a secret (`--validate`) under `key` (a digest, never the secret), if it
  // was asked at `not_before` (Unix seconds) or later. Any thread.
  [[nodiscard]] std::optional<Validation> validation(const std::string& key, std::int64_t not_before) const;
  // Records an answer, asked at `checked` (Unix seconds).
  void record_validation(const std::string& key, std::int64_t checked, const Validation& answer);

  // Waits until what is recorded is committed; throws StateError if a write failed. The
  // destructor commits too.
  void commit();

 private:
  StateStore() = default;
  // Opens (or creates) the database at path_, takes the lock and checks the schema.
  void open_database(bool create);
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  void load();
  std::optional<StoredContent> content(const ContentId& id) const;
  std::optional<std::vector<PlacedMatch>> parse_matches(std::string_view json) const;
  std::optional<std::vector<PlacedMatch>> matches_of(const nlohmann::json& matches) const;
  std::optional<ArchiveOutcome> archive(const ContentId& id) const;
  // A record for the writer thread.
  struct Record {
    enum class Kind : unsigned char { kFile, kBlob, kArchive, kContent, kValidation } kind = Kind::kFile;
    std::string key;  // path or blob id
    FileStamp stamp;
    ContentId id;
    std::uint64_t bytes = 0;
    std::optional<std::string> matches;  // JSON (an archive's outcome); none: only the name of the content
  };
  void enqueue(Record record);
  void write_loop();
  void write(const Record& record);

  std::string path_;
  std::string name_;  // in messages: "--state FILE", or the file
  std::shared_ptr<const engine::CompiledRules> rules_;
  std::string catalog_;
  std::unordered_map<std::string, std::uint32_t> rule_index_;  // rule id -> index in rules_
  sqlite3* db_ = nullptr;
  sqlite3_stmt* put_file_ = nullptr;
  sqlite3_stmt* put_content_ = nullptr;
  sqlite3_stmt* put_blob_ = nullptr;
  sqlite3_stmt* put_archive_ = nullptr;
  sqlite3_stmt* put_validation_ = nullptr;
  // Answers of earlier runs: digest -> (asked at, Unix seconds; the answer).
  std::unordered_map<std::string, std::pair<std::int64_t, Validation>> validations_;

  // What earlier runs recorded, read once at open (lookups then take no lock): open-addressing
  // tables keyed by 128-bit hashes (of the path, of the blob id, the content id itself), so
  // that loading and dropping a state of millions of files costs no allocation per row.
  struct FileRow {
    FileStamp stamp;
    ContentId id;
  };
  struct ContentRow {
    std::uint64_t bytes = 0;
    std::uint64_t matches_at = 0;  // matches JSON in matches_ (length 0: none)
    std::uint64_t matches_size = 0;
  };
  template <class Value>
  class Table {
   public:
    void put(const ContentId& key, const Value& value);
    [[nodiscard]] const Value* find(const ContentId& key) const;

   private:
    struct Slot {
      ContentId key;
      bool used = false;
      Value value;
    };
    void grow();
    std::vector<Slot> slots_;
    std::size_t size_ = 0;
  };
  Table<FileRow> files_;        // by the hash of the path
  Table<ContentRow> contents_;  // of this catalog
  Table<ContentRow> archives_;  // of this catalog: the outcome JSON in matches_
  Table<ContentId> blobs_;      // of this catalog, by the hash of the object id
  std::string matches_;         // the matches JSON of contents_, one after another

  // Records go to one writer thread, in transactions of a batch each.
  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::condition_variable queue_drained_;
  std::deque<Record> queue_;
  bool writing_ = false;
  bool closing_ = false;
  bool flushing_ = false;  // commit() waits: write what is queued now
  std::optional<std::string> write_error_;
  std::thread writer_;
};

}  // namespace sluice::pipeline
