#include "pipeline/state_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "pipeline/finding.hpp"

namespace sluice::pipeline {
namespace {

// A transaction takes what was recorded in the last kBatchSeconds, up to kBatch records: a killed
// run redoes at most that. Each commit writes every B-tree page it touched to the WAL again, and
// records arrive in walk order (random for the keys), so a few big transactions write far less
// than many small ones (the Linux tree: 241,000 page writes with a commit whenever the writer
// was idle).
constexpr std::size_t kBatch = 65536;
constexpr auto kBatchSeconds = std::chrono::seconds(2);

std::string id_bytes(const ContentId& id) {
  std::string out(16, '\0');
  for (int k = 0; k < 8; ++k) {
    out[static_cast<std::size_t>(k)] = static_cast<char>(id.high >> (56 - 8 * k));
    out[static_cast<std::size_t>(8 + k)] = static_cast<char>(id.low >> (56 - 8 * k));
  }
  return out;
}

ContentId id_of(const void* data, int size) {
  ContentId id;
  if (size != 16 || data == nullptr) return id;
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (int k = 0; k < 8; ++k) {
    id.high = (id.high << 8) | bytes[k];
    id.low = (id.low << 8) | bytes[8 + k];
  }
  return id;
}

// The key of a path or object id in the state's tables.
ContentId key_of(std::string_view text) noexcept { return hash_content(text); }

}  // namespace

template <class Value>
void StateStore::Table<Value>::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.used) put(slot.key, slot.value);
  }
}

template <class Value>
void StateStore::Table<Value>::put(const ContentId& key, const Value& value) {
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();  // at most three quarters full
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = key.low & mask;; at = (at + 1) & mask) {
    Slot& slot = slots_[at];
    if (!slot.used) {
      slot = Slot{key, true, value};
      ++size_;
      return;
    }
    if (slot.key == key) {
      slot.value = value;
      return;
    }
  }
}

template <class Value>
const Value* StateStore::Table<Value>::find(const ContentId& key) const {
  if (slots_.empty()) return nullptr;
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t at = key.low & mask;; at = (at + 1) & mask) {
    const Slot& slot = slots_[at];
    if (!slot.used) return nullptr;
    if (slot.key == key) return &slot.value;
  }
}

std::unique_ptr<StateStore> StateStore::open(const std::string& path,
                                             std::shared_ptr<const engine::CompiledRules> rules) {
  std::unique_ptr<StateStore> store(new StateStore());
  store->path_ = path;
  store->name_ = "--state " + printable(path);
  store->rules_ = std::move(rules);
  store->catalog_ = store->rules_->catalog_hash();
  for (std::size_t k = 0; k < store->rules_->rules().size(); ++k) {
    store->rule_index_.emplace(store->rules_->rules()[k].id, static_cast<std::uint32_t>(k));
  }
  store->open_database(true);
  store->load();
  store->put_file_ = store->prepare(
      "INSERT OR REPLACE INTO files(path, device, inode, size, modified, changed, content) VALUES(?, ?, ?, ?, ?, ?, "
      "?)");
  store->put_content_ =
      store->prepare("INSERT OR REPLACE INTO contents(content, catalog, bytes, matches) VALUES(?, ?, ?, ?)");
  store->put_blob_ = store->prepare("INSERT OR REPLACE INTO blobs(oid, catalog, content) VALUES(?, ?, ?)");
  store->put_archive_ = store->prepare("INSERT OR REPLACE INTO archives(content, catalog, outcome) VALUES(?, ?, ?)");
  store->put_validation_ = store->prepare(
      "INSERT OR REPLACE INTO validations(key, checked, status, http_status, detail) VALUES(?, ?, ?, ?, ?)");
  store->writer_ = std::thread([raw = store.get()] { raw->write_loop(); });
  return store;
}

bool StateStore::looks_like_state(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[16] = {};
  return in.read(magic, sizeof magic) && std::memcmp(magic, "SQLite format 3", 16) == 0;
}

void StateStore::merge(const std::string& path, const std::vector<std::string>& inputs) {
  // Every input is a state of this schema, and none is the output, before anything is written.
  const std::optional<FileStamp> out = stamp_of(path);
  for (const std::string& input : inputs) {
    const std::optional<FileStamp> in = stamp_of(input);
    if (!in) throw StateError(fmt::format("{}: not a regular file", printable(input)));
    if (out && in->device == out->device && in->inode == out->inode) {
      throw StateError(fmt::format("{}: is the --state file merged into; give it once, as --state", printable(input)));
    }
    StateStore from;  // read as a state of its own: its errors name it
    from.path_ = input;
    from.name_ = printable(input);
    from.open_database(false);
    from.exec("PRAGMA wal_checkpoint(TRUNCATE)");  // what a killed run left in its WAL, into the file
  }
  StateStore store;
  store.path_ = path;
  store.name_ = "--state " + printable(path);
  store.open_database(true);
  for (const std::string& input : inputs) {
    sqlite3_stmt* attach = store.prepare("ATTACH DATABASE ? AS input");
    sqlite3_bind_text(attach, 1, input.c_str(), -1, SQLITE_TRANSIENT);
    const int attached = sqlite3_step(attach);
    sqlite3_finalize(attach);
    if (attached != SQLITE_DONE) {
      throw StateError(fmt::format("{}: cannot be read ({})", printable(input), sqlite3_errmsg(store.db_)));
    }
    try {
      store.exec("BEGIN IMMEDIATE");
      // A path two runs saw: the record of the later state of the file.
      store.exec(
          "INSERT INTO main.files SELECT * FROM input.files WHERE true ON CONFLICT(path) DO UPDATE SET "
          "device = excluded.device, inode = excluded.inode, size = excluded.size, modified = excluded.modified, "
          "changed = excluded.changed, content = excluded.content WHERE excluded.changed >= files.changed");
      store.exec("INSERT OR IGNORE INTO main.contents SELECT * FROM input.contents");
      store.exec("INSERT OR IGNORE INTO main.blobs SELECT * FROM input.blobs");
      store.exec("INSERT OR IGNORE INTO main.archives SELECT * FROM input.archives");
      store.exec("COMMIT");
    } catch (const StateError&) {
      sqlite3_exec(store.db_, "ROLLBACK", nullptr, nullptr, nullptr);
      sqlite3_exec(store.db_, "DETACH DATABASE input", nullptr, nullptr, nullptr);
      throw;
    }
    store.exec("DETACH DATABASE input");
  }
}

void StateStore::open_database(bool create) {
  const std::string& path = path_;
  // It holds the secrets found: created readable by its owner only (SQLite gives its journal
  // the same mode).
  if (const int fd = ::open(path.c_str(), O_RDWR | (create ? O_CREAT : 0) | O_CLOEXEC | O_NOFOLLOW, 0600); fd >= 0) {
    ::close(fd);
  } else if (errno != EEXIST) {
    throw StateError(fmt::format("{}: cannot be opened ({})", name_, std::strerror(errno)));
  }
  const int opened = sqlite3_open_v2(
      path.c_str(), &db_, SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX, nullptr);
  if (opened != SQLITE_OK) {
    throw StateError(fmt::format("{}: cannot be opened ({})", name_, sqlite3_errstr(opened)));
  }
  // One run at a time: the first write takes an exclusive lock it keeps; a second run gets
  // SQLITE_BUSY at once (no wait), which names the file.
  exec("PRAGMA locking_mode=EXCLUSIVE");
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=OFF");
  exec("PRAGMA cache_size=-65536");
  exec("PRAGMA wal_autocheckpoint=16384");
  exec("BEGIN IMMEDIATE");
  if (!create) {
    // Another run's state, read: never made into one.
    sqlite3_stmt* tables =
        prepare("SELECT count(*) FROM sqlite_schema WHERE name IN ('meta', 'files', 'contents', 'blobs', 'archives')");
    const bool complete = sqlite3_step(tables) == SQLITE_ROW && sqlite3_column_int(tables, 0) == 5;
    sqlite3_finalize(tables);
    if (!complete) throw StateError(fmt::format("{}: not a sluice state file", name_));
  }
  exec(
      "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS files(path BLOB PRIMARY KEY, device INTEGER, inode INTEGER, size INTEGER,"
      " modified INTEGER, changed INTEGER, content BLOB NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS contents(content BLOB NOT NULL, catalog TEXT NOT NULL, bytes INTEGER,"
      " matches TEXT NOT NULL, PRIMARY KEY(content, catalog)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS blobs(oid TEXT NOT NULL, catalog TEXT NOT NULL, content BLOB NOT NULL,"
      " PRIMARY KEY(oid, catalog)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS archives(content BLOB NOT NULL, catalog TEXT NOT NULL, outcome TEXT NOT NULL,"
      " PRIMARY KEY(content, catalog)) WITHOUT ROWID;"
      "CREATE TABLE IF NOT EXISTS validations(key TEXT PRIMARY KEY, checked INTEGER NOT NULL, status TEXT NOT NULL,"
      " http_status INTEGER, detail TEXT) WITHOUT ROWID;");
  sqlite3_stmt* schema = prepare("SELECT value FROM meta WHERE key = 'schema'");
  std::optional<std::string> found;
  if (sqlite3_step(schema) == SQLITE_ROW) found = reinterpret_cast<const char*>(sqlite3_column_text(schema, 0));
  sqlite3_finalize(schema);
  if (!found && !create) {
    throw StateError(fmt::format("{}: not a sluice state file (no schema)", name_));
  } else if (!found) {
    exec(fmt::format("INSERT INTO meta(key, value) VALUES('schema', '{}')", kSchema).c_str());
  } else if (*found != std::to_string(kSchema)) {
    throw StateError(
        fmt::format("{}: a state file of schema {}; this sluice reads schema {} only (use a new "
                    "file, or the sluice that wrote it)",
                    name_, printable(*found), kSchema));
  }
  exec("COMMIT");
}

StateStore::~StateStore() {
  {
    std::lock_guard lock(queue_mutex_);
    closing_ = true;
  }
  queue_ready_.notify_all();
  if (writer_.joinable()) writer_.join();
  for (sqlite3_stmt* statement : {put_file_, put_content_, put_blob_, put_archive_, put_validation_}) {
    sqlite3_finalize(statement);
  }
  sqlite3_close_v2(db_);
}

void StateStore::exec(const char* sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return;
  const std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
    throw StateError(fmt::format("{}: in use by another sluice run (one run at a time per state file)", name_));
  }
  if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT) {
    throw StateError(fmt::format("{}: not a sluice state file ({})", name_, text));
  }
  throw StateError(fmt::format("{}: {}", name_, text));
}

sqlite3_stmt* StateStore::prepare(const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    throw StateError(fmt::format("{}: {}", name_, sqlite3_errmsg(db_)));
  }
  return statement;
}

void StateStore::load() {
  const auto each_row = [&](const char* sql, bool with_catalog, const auto& row) {
    sqlite3_stmt* statement = prepare(sql);
    if (with_catalog) sqlite3_bind_text(statement, 1, catalog_.c_str(), -1, SQLITE_TRANSIENT);
    int rc = SQLITE_ROW;
    while ((rc = sqlite3_step(statement)) == SQLITE_ROW) row(statement);
    sqlite3_finalize(statement);
    if (rc != SQLITE_DONE) throw StateError(fmt::format("{}: {}", name_, sqlite3_errstr(rc)));
  };
  each_row("SELECT path, device, inode, size, modified, changed, content FROM files", false, [&](sqlite3_stmt* r) {
    const auto* key = static_cast<const char*>(sqlite3_column_blob(r, 0));
    const std::string_view path(key != nullptr ? key : "", static_cast<std::size_t>(sqlite3_column_bytes(r, 0)));
    const FileStamp stamp{
        static_cast<std::uint64_t>(sqlite3_column_int64(r, 1)), static_cast<std::uint64_t>(sqlite3_column_int64(r, 2)),
        static_cast<std::uint64_t>(sqlite3_column_int64(r, 3)), sqlite3_column_int64(r, 4), sqlite3_column_int64(r, 5)};
    files_.put(key_of(path), FileRow{stamp, id_of(sqlite3_column_blob(r, 6), sqlite3_column_bytes(r, 6))});
  });
  each_row("SELECT content, bytes, matches FROM contents WHERE catalog = ?", true, [&](sqlite3_stmt* r) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(r, 2));
    std::string_view matches(text != nullptr ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(r, 2)));
    if (matches == "[]") matches = {};
    contents_.put(id_of(sqlite3_column_blob(r, 0), sqlite3_column_bytes(r, 0)),
                  ContentRow{static_cast<std::uint64_t>(sqlite3_column_int64(r, 1)), matches_.size(), matches.size()});
    matches_.append(matches);
  });
  each_row("SELECT content, outcome FROM archives WHERE catalog = ?", true, [&](sqlite3_stmt* r) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(r, 1));
    const std::string_view outcome(text != nullptr ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(r, 1)));
    archives_.put(id_of(sqlite3_column_blob(r, 0), sqlite3_column_bytes(r, 0)),
                  ContentRow{0, matches_.size(), outcome.size()});
    matches_.append(outcome);
  });
  each_row("SELECT key, checked, status, http_status, detail FROM validations", false, [&](sqlite3_stmt* r) {
    const auto text = [r](int column) {
      const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(r, column));
      return std::string(value != nullptr ? value : "");
    };
    const std::optional<Validation::Status> status = parse_validation_status(text(2));
    // Not an answer this sluice wrote (an unknown status, or asked in the future): asked again.
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    if (!status || *status == Validation::Status::kUnknown || sqlite3_column_int64(r, 1) > now + 60) return;
    Validation answer;
    answer.status = *status;
    answer.http_status = static_cast<long>(sqlite3_column_int64(r, 3));
    answer.detail = text(4);
    answer.checked_at = utc_timestamp(sqlite3_column_int64(r, 1));
    validations_[text(0)] = {sqlite3_column_int64(r, 1), std::move(answer)};
  });
  each_row("SELECT oid, content FROM blobs WHERE catalog = ?", true, [&](sqlite3_stmt* r) {
    const auto* oid = reinterpret_cast<const char*>(sqlite3_column_text(r, 0));
    blobs_.put(key_of(oid != nullptr ? oid : ""), id_of(sqlite3_column_blob(r, 1), sqlite3_column_bytes(r, 1)));
  });
}

std::optional<std::vector<PlacedMatch>> StateStore::parse_matches(std::string_view text) const {
  if (text.empty()) return std::vector<PlacedMatch>{};
  return matches_of(nlohmann::json::parse(text, nullptr, false));
}

std::optional<std::vector<PlacedMatch>> StateStore::matches_of(const nlohmann::json& matches) const {
  std::vector<PlacedMatch> out;
  if (!matches.is_array()) return std::nullopt;  // unreadable: scanned again
  try {
    for (const nlohmann::json& m : matches) {
      PlacedMatch match;
      const auto rule = rule_index_.find(m.at(0).get<std::string>());
      if (rule == rule_index_.end()) return std::nullopt;
      match.rule = rule->second;
      match.secret = m.at(1).get<std::string>();
      match.offset = m.at(2).get<std::uint64_t>();
      match.line = m.at(3).get<std::uint64_t>();
      match.column = m.at(4).get<std::uint64_t>();
      match.confidence = static_cast<engine::Confidence>(m.at(5).get<int>());
      match.confidence_reason = interned_reason(m.at(6).get<std::string>());
      for (const nlohmann::json& step : m.at(7)) {
        match.decodings = match.decodings.then(static_cast<engine::Decoding>(step.get<int>()));
      }
      match.encoded_end = m.at(8).get<std::uint64_t>();
      match.rule_decoded = m.at(9).get<bool>();
      match.key = m.at(10).get<std::string>();
      match.from_state = true;
      out.push_back(std::move(match));
    }
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return out;
}

std::optional<StoredContent> StateStore::content(const ContentId& id) const {
  const ContentRow* found = contents_.find(id);
  if (found == nullptr) {
    std::optional<ArchiveOutcome> outcome = archive(id);
    if (!outcome) return std::nullopt;
    return StoredContent{id, 0, {}, std::move(outcome)};
  }
  auto matches = parse_matches(std::string_view(matches_).substr(found->matches_at, found->matches_size));
  if (!matches) return std::nullopt;
  return StoredContent{id, found->bytes, std::move(*matches), std::nullopt};
}

std::optional<StoredContent> StateStore::file(const std::string& path, const FileStamp& stamp) {
  const FileRow* found = files_.find(key_of(path));
  if (found == nullptr || found->stamp != stamp) return std::nullopt;
  return content(found->id);
}

std::optional<StoredContent> StateStore::blob(std::string_view oid_hex) {
  const ContentId* found = blobs_.find(key_of(oid_hex));
  if (found == nullptr) return std::nullopt;
  std::optional<StoredContent> stored = content(*found);
  // A blob holding what an archive file held: the history scan reads archive outcomes from no
  // state (it would place none of their findings), so the blob is read again, as before.
  if (stored && stored->archive) return std::nullopt;
  return stored;
}

namespace {

nlohmann::json matches_array(const engine::CompiledRules& rules, const std::vector<PlacedMatch>& matches) {
  nlohmann::json list = nlohmann::json::array();
  for (const PlacedMatch& m : matches) {
    nlohmann::json steps = nlohmann::json::array();
    for (std::size_t k = 0; k < m.decodings.depth; ++k) steps.push_back(static_cast<int>(m.decodings.steps[k]));
    list.push_back({rules.rules()[m.rule].id, m.secret, m.offset, m.line, m.column, static_cast<int>(m.confidence),
                    std::string(m.confidence_reason), std::move(steps), m.encoded_end, m.rule_decoded, m.key});
  }
  return list;
}

std::string matches_json(const engine::CompiledRules& rules, const std::vector<PlacedMatch>& matches) {
  return matches_array(rules, matches).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string hex_of(const ContentId& id) { return fmt::format("{:016x}{:016x}", id.high, id.low); }

std::optional<ContentId> id_of_hex(const nlohmann::json& text) {
  if (!text.is_string() || text.get_ref<const std::string&>().size() != 32) return std::nullopt;
  const std::string& hex = text.get_ref<const std::string&>();
  ContentId id;
  const auto parse = [](std::string_view part, std::uint64_t& out) {
    return std::from_chars(part.data(), part.data() + part.size(), out, 16).ec == std::errc{};
  };
  if (!parse(std::string_view(hex).substr(0, 16), id.high) || !parse(std::string_view(hex).substr(16), id.low)) {
    return std::nullopt;
  }
  return id;
}

nlohmann::json image_blob_json(const std::optional<ImageRecord::Blob>& blob) {
  if (!blob) return nullptr;
  return {{"digest", blob->digest}, {"chain", blob->chain}, {"id", hex_of(blob->id)}};
}

// An archive's outcome in the state: its members' records, its images and its counts.
std::string outcome_json(const engine::CompiledRules& rules, const ArchiveOutcome& outcome) {
  nlohmann::json contents = nlohmann::json::array();
  for (const ContentRecord& record : outcome.contents) {
    nlohmann::json children = nlohmann::json::array();
    for (const ChildRef& child : record.children) children.push_back({child.name, hex_of(child.id)});
    contents.push_back({{"id", hex_of(record.id)},
                        {"matches", matches_array(rules, record.matches)},
                        {"children", std::move(children)},
                        {"whiteouts", record.whiteouts}});
  }
  nlohmann::json images = nlohmann::json::array();
  for (const ImageRecord& image : outcome.images) {
    nlohmann::json layers = nlohmann::json::array();
    for (const ImageRecord::Blob& layer : image.layers) layers.push_back(image_blob_json(layer));
    images.push_back({{"name", image.name}, {"config", image_blob_json(image.config)}, {"layers", std::move(layers)}});
  }
  return nlohmann::json{{"contents", std::move(contents)},
                        {"images", std::move(images)},
                        {"members", outcome.members},
                        {"archives", outcome.archives},
                        {"duplicates", outcome.duplicates}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void StateStore::record_file(const std::string& path, const FileStamp& stamp, const ContentId& id, std::uint64_t bytes,
                             const std::vector<PlacedMatch>* matches) {
  Record record{Record::Kind::kFile, path, stamp, id, bytes, std::nullopt};
  if (matches != nullptr) record.matches = matches_json(*rules_, *matches);
  enqueue(std::move(record));
}

void StateStore::record_blob(std::string_view oid_hex, const ContentId& id, std::uint64_t bytes,
                             const std::vector<PlacedMatch>* matches) {
  Record record{Record::Kind::kBlob, std::string(oid_hex), {}, id, bytes, std::nullopt};
  if (matches != nullptr) record.matches = matches_json(*rules_, *matches);
  enqueue(std::move(record));
}

void StateStore::record_archive(const std::string& path, const FileStamp& stamp, const ContentId& id,
                                const ArchiveOutcome& outcome) {
  enqueue(Record{Record::Kind::kFile, path, stamp, id, 0, std::nullopt});
  enqueue(Record{Record::Kind::kArchive, {}, {}, id, 0, outcome_json(*rules_, outcome)});
}

void StateStore::record_named(const ContentId& id, std::uint64_t bytes, const std::vector<PlacedMatch>* matches,
                              const ArchiveOutcome* outcome) {
  if (outcome != nullptr) {
    enqueue(Record{Record::Kind::kArchive, {}, {}, id, 0, outcome_json(*rules_, *outcome)});
  } else if (matches != nullptr) {
    enqueue(Record{Record::Kind::kContent, {}, {}, id, bytes, matches_json(*rules_, *matches)});
  }
}

std::optional<ArchiveOutcome> StateStore::archive(const ContentId& id) const {
  const ContentRow* found = archives_.find(id);
  if (found == nullptr) return std::nullopt;
  const nlohmann::json stored =
      nlohmann::json::parse(std::string_view(matches_).substr(found->matches_at, found->matches_size), nullptr, false);
  if (!stored.is_object()) return std::nullopt;
  ArchiveOutcome out;
  try {
    std::set<std::pair<std::uint64_t, std::uint64_t>> held;
    std::vector<ContentId> referenced;
    for (const nlohmann::json& item : stored.at("contents")) {
      ContentRecord record;
      const auto record_id = id_of_hex(item.at("id"));
      auto matches = matches_of(item.at("matches"));
      if (!record_id || !matches) return std::nullopt;
      record.id = *record_id;
      record.matches = std::move(*matches);
      for (const nlohmann::json& child : item.at("children")) {
        const auto child_id = id_of_hex(child.at(1));
        if (!child_id) return std::nullopt;
        record.children.push_back(ChildRef{child.at(0).get<std::string>(), *child_id});
        referenced.push_back(*child_id);
      }
      record.whiteouts = item.at("whiteouts").get<std::vector<std::string>>();
      held.emplace(record.id.high, record.id.low);
      out.contents.push_back(std::move(record));
    }
    // Members that were other inputs' content (a duplicate of a file scanned first): their
    // records from the state, or the archive is scanned again.
    for (const ContentId& child : referenced) {
      if (!held.emplace(child.high, child.low).second) continue;
      const ContentRow* row = contents_.find(child);
      if (row == nullptr) return std::nullopt;
      auto matches = parse_matches(std::string_view(matches_).substr(row->matches_at, row->matches_size));
      if (!matches) return std::nullopt;
      if (!matches->empty()) out.contents.push_back(ContentRecord{child, std::move(*matches), {}, {}});
    }
    const auto blob_of = [](const nlohmann::json& item) -> std::optional<ImageRecord::Blob> {
      if (item.is_null()) return std::nullopt;
      const auto blob_id = id_of_hex(item.at("id"));
      if (!blob_id) throw nlohmann::json::other_error::create(501, "bad image blob id", nullptr);
      return ImageRecord::Blob{item.at("digest").get<std::string>(), item.at("chain").get<std::vector<std::string>>(),
                               *blob_id};
    };
    for (const nlohmann::json& item : stored.at("images")) {
      ImageRecord image;
      image.name = item.at("name").get<std::string>();
      image.config = blob_of(item.at("config"));
      for (const nlohmann::json& layer : item.at("layers")) {
        if (auto blob = blob_of(layer)) image.layers.push_back(std::move(*blob));
      }
      out.images.push_back(std::move(image));
    }
    out.members = stored.at("members").get<std::uint64_t>();
    out.archives = stored.at("archives").get<std::uint64_t>();
    out.duplicates = stored.at("duplicates").get<std::uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  return out;
}

void StateStore::enqueue(Record record) {
  bool wake = false;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(record));
    wake = queue_.size() == 1 || queue_.size() >= kBatch;
  }
  if (wake) queue_ready_.notify_one();
}

std::optional<Validation> StateStore::validation(const std::string& key, std::int64_t not_before) const {
  const auto it = validations_.find(key);
  if (it == validations_.end() || it->second.first < not_before) return std::nullopt;
  return it->second.second;
}

void StateStore::record_validation(const std::string& key, std::int64_t checked, const Validation& answer) {
  Record record;
  record.kind = Record::Kind::kValidation;
  record.key = key;
  record.bytes = static_cast<std::uint64_t>(checked);
  record.matches = fmt::format("{}\t{}\t{}", to_string(answer.status), answer.http_status, answer.detail);
  enqueue(std::move(record));
}

void StateStore::write(const Record& record) {
  const auto step = [&](sqlite3_stmt* statement) {
    if (sqlite3_step(statement) != SQLITE_DONE) {
      throw StateError(fmt::format("{}: {}", name_, sqlite3_errmsg(db_)));
    }
  };
  if (record.kind == Record::Kind::kValidation) {
    // matches: "status\thttp_status\tdetail"; bytes: when asked.
    const std::string& fields = *record.matches;
    const std::size_t tab1 = fields.find('\t');
    const std::size_t tab2 = fields.find('\t', tab1 + 1);
    sqlite3_reset(put_validation_);
    sqlite3_bind_text(put_validation_, 1, record.key.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(put_validation_, 2, static_cast<sqlite3_int64>(record.bytes));
    sqlite3_bind_text(put_validation_, 3, fields.substr(0, tab1).c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(put_validation_, 4, std::atoll(fields.substr(tab1 + 1, tab2 - tab1 - 1).c_str()));
    sqlite3_bind_text(put_validation_, 5, fields.substr(tab2 + 1).c_str(), -1, SQLITE_TRANSIENT);
    step(put_validation_);
    return;
  }
  const std::string key = id_bytes(record.id);
  if (record.kind == Record::Kind::kArchive) {
    sqlite3_reset(put_archive_);
    sqlite3_bind_blob(put_archive_, 1, key.data(), 16, SQLITE_TRANSIENT);
    sqlite3_bind_text(put_archive_, 2, catalog_.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(put_archive_, 3, record.matches->c_str(), static_cast<int>(record.matches->size()),
                      SQLITE_TRANSIENT);
    step(put_archive_);
    return;
  }
  if (record.matches) {
    sqlite3_reset(put_content_);
    sqlite3_bind_blob(put_content_, 1, key.data(), 16, SQLITE_TRANSIENT);
    sqlite3_bind_text(put_content_, 2, catalog_.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(put_content_, 3, static_cast<sqlite3_int64>(record.bytes));
    sqlite3_bind_text(put_content_, 4, record.matches->c_str(), static_cast<int>(record.matches->size()),
                      SQLITE_TRANSIENT);
    step(put_content_);
  }
  if (record.kind == Record::Kind::kContent) return;
  if (record.kind == Record::Kind::kFile) {
    sqlite3_reset(put_file_);
    sqlite3_bind_blob(put_file_, 1, record.key.data(), static_cast<int>(record.key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(put_file_, 2, static_cast<sqlite3_int64>(record.stamp.device));
    sqlite3_bind_int64(put_file_, 3, static_cast<sqlite3_int64>(record.stamp.inode));
    sqlite3_bind_int64(put_file_, 4, static_cast<sqlite3_int64>(record.stamp.size));
    sqlite3_bind_int64(put_file_, 5, record.stamp.modified_ns);
    sqlite3_bind_int64(put_file_, 6, record.stamp.changed_ns);
    sqlite3_bind_blob(put_file_, 7, key.data(), 16, SQLITE_TRANSIENT);
    step(put_file_);
  } else {
    sqlite3_reset(put_blob_);
    sqlite3_bind_text(put_blob_, 1, record.key.data(), static_cast<int>(record.key.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(put_blob_, 2, catalog_.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(put_blob_, 3, key.data(), 16, SQLITE_TRANSIENT);
    step(put_blob_);
  }
}

void StateStore::write_loop() {
  std::unique_lock lock(queue_mutex_);
  for (;;) {
    queue_ready_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (queue_.empty()) break;  // closing, and nothing left
    const auto due = std::chrono::steady_clock::now() + kBatchSeconds;
    queue_ready_.wait_until(lock, due, [&] { return queue_.size() >= kBatch || closing_ || flushing_; });
    // One transaction per batch taken from the queue; the workers go on queueing meanwhile.
    std::deque<Record> batch;
    while (!queue_.empty() && batch.size() < kBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    writing_ = true;
    const bool failed = write_error_.has_value();
    lock.unlock();
    try {
      if (!failed) {
        exec("BEGIN IMMEDIATE");
        for (const Record& record : batch) write(record);
        exec("COMMIT");
      }
    } catch (const StateError& error) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      lock.lock();
      write_error_ = error.what();
      lock.unlock();
    }
    lock.lock();
    writing_ = false;
    if (queue_.empty()) queue_drained_.notify_all();
  }
  queue_drained_.notify_all();
}

void StateStore::commit() {
  std::unique_lock lock(queue_mutex_);
  flushing_ = true;
  queue_ready_.notify_one();
  queue_drained_.wait(lock, [&] { return queue_.empty() && !writing_; });
  flushing_ = false;
  if (write_error_) throw StateError(*write_error_);
}

}  // namespace sluice::pipeline
