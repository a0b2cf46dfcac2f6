#include "io/archive_reader.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <array>
#include <cerrno>
#include <vector>

namespace sluice::io {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const noexcept { archive_read_free(a); }
};
using ArchiveHandle = std::unique_ptr<archive, ArchiveDeleter>;

using Enable = int (*)(archive*);

// Decompressors libarchive implements itself. A filter whose library libarchive was built
// without would fall back to running an external program (it says so with ARCHIVE_WARN):
// those are found once and never enabled.
const std::vector<Enable>& builtin_filters() {
  static const std::vector<Enable> filters = [] {
    const std::array<Enable, 9> candidates{
        archive_read_support_filter_gzip, archive_read_support_filter_bzip2,    archive_read_support_filter_xz,
        archive_read_support_filter_lzma, archive_read_support_filter_lzip,     archive_read_support_filter_zstd,
        archive_read_support_filter_lz4,  archive_read_support_filter_compress, archive_read_support_filter_rpm};
    std::vector<Enable> usable;
    for (Enable enable : candidates) {
      ArchiveHandle probe(archive_read_new());
      if (probe && enable(probe.get()) == ARCHIVE_OK) usable.push_back(enable);
    }
    return usable;
  }();
  return filters;
}

constexpr std::array<Enable, 10> kFormats{archive_read_support_format_tar,  archive_read_support_format_zip,
                                          archive_read_support_format_7zip, archive_read_support_format_cpio,
                                          archive_read_support_format_ar,   archive_read_support_format_iso9660,
                                          archive_read_support_format_rar,  archive_read_support_format_rar5,
                                          archive_read_support_format_cab,  archive_read_support_format_xar};

std::string message(archive* a, std::string_view fallback) {
  const char* text = archive_error_string(a);
  std::string out = text != nullptr && *text != '\0' ? std::string(text) : std::string(fallback);
  // Some of libarchive's messages end in a newline: a reason is one line.
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ')) out.pop_back();
  return out.empty() ? std::string(fallback) : out;
}

}  // namespace

struct ArchiveReader::State {
  ArchiveHandle handle;
  archive_entry* entry = nullptr;
  // Streamed input.
  std::string_view head;
  bool head_given = false;
  PullSource source;
  std::string source_error;
  bool data_done = false;
  std::string data_warning;
  std::string header_warning;      // damaged header blocks passed over before this member
  std::string fatal_error;         // the first fatal error: every later call fails with it
  bool in_memory = false;          // opened on a whole view: libarchive can seek
  std::uint64_t member_bytes = 0;  // of the current member, read so far
};

ArchiveReader::ArchiveReader(std::unique_ptr<State> state) noexcept : state_(std::move(state)) {}
ArchiveReader::ArchiveReader(ArchiveReader&&) noexcept = default;
ArchiveReader& ArchiveReader::operator=(ArchiveReader&&) noexcept = default;
ArchiveReader::~ArchiveReader() = default;

namespace {

std::variant<std::unique_ptr<ArchiveReader::State>, std::string> configure(bool formats = true) {
  auto state = std::make_unique<ArchiveReader::State>();
  state->handle.reset(archive_read_new());
  if (!state->handle) return std::string("out of memory");
  archive* a = state->handle.get();
  for (Enable enable : builtin_filters()) enable(a);
  if (formats) {
    for (Enable enable : kFormats) enable(a);
  }
  // A compressed stream whose content is no archive is read as one unnamed member (raw
  // bids lowest, so any real archive format inside wins).
  archive_read_support_format_raw(a);
  return state;
}

}  // namespace

std::variant<ArchiveReader, std::string> ArchiveReader::open_memory(std::string_view bytes) {
  auto configured = configure();
  if (auto* error = std::get_if<std::string>(&configured)) return std::move(*error);
  auto state = std::move(std::get<std::unique_ptr<State>>(configured));
  if (archive_read_open_memory(state->handle.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return message(state->handle.get(), "unrecognised archive");
  }
  state->in_memory = true;
  return ArchiveReader(std::move(state));
}

std::variant<ArchiveReader, std::string> ArchiveReader::open_memory_raw(std::string_view bytes) {
  auto configured = configure(false);
  if (auto* error = std::get_if<std::string>(&configured)) return std::move(*error);
  auto state = std::move(std::get<std::unique_ptr<State>>(configured));
  if (archive_read_open_memory(state->handle.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return message(state->handle.get(), "unrecognised compression");
  }
  return ArchiveReader(std::move(state));
}

std::variant<ArchiveReader, std::string> ArchiveReader::open_stream(std::string_view head, PullSource source) {
  return open_pulled(head, std::move(source), true);
}

std::variant<ArchiveReader, std::string> ArchiveReader::open_stream_raw(std::string_view head, PullSource source) {
  return open_pulled(head, std::move(source), false);
}

std::variant<ArchiveReader, std::string> ArchiveReader::open_pulled(std::string_view head, PullSource source,
                                                                    bool formats) {
  auto configured = configure(formats);
  if (auto* error = std::get_if<std::string>(&configured)) return std::move(*error);
  auto state = std::move(std::get<std::unique_ptr<State>>(configured));
  state->head = head;
  state->source = std::move(source);
  auto read = [](archive* a, void* client, const void** buffer) -> la_ssize_t {
    auto* self = static_cast<State*>(client);
    if (!self->head_given) {
      self->head_given = true;
      if (!self->head.empty()) {
        *buffer = self->head.data();
        return static_cast<la_ssize_t>(self->head.size());
      }
    }
    try {
      auto block = self->source(&self->source_error);
      if (!block) {
        archive_set_error(a, EIO, "%s", self->source_error.c_str());
        return -1;
      }
      *buffer = block->data();
      return static_cast<la_ssize_t>(block->size());
    } catch (const std::exception& error) {
      archive_set_error(a, EIO, "%s", error.what());
      return -1;
    }
  };
  if (archive_read_open(state->handle.get(), state.get(), nullptr, read, nullptr) != ARCHIVE_OK) {
    return message(state->handle.get(), "unrecognised archive");
  }
  return ArchiveReader(std::move(state));
}

ArchiveReader::Step ArchiveReader::next(ArchiveMember& member, std::string* error) {
  archive* a = state_->handle.get();
  // After a fatal error libarchive's later messages describe its state, not the cause: the
  // first one is kept.
  if (!state_->fatal_error.empty()) {
    *error = state_->fatal_error;
    return Step::kError;
  }
  // libarchive answers ARCHIVE_RETRY for a damaged header (a bad tar checksum) and looks for
  // the next readable one: what lay in between was not read, and is said (header_warning).
  state_->header_warning.clear();
  int status = ARCHIVE_RETRY;
  for (int tries = 0; status == ARCHIVE_RETRY && tries < 16; ++tries) {
    status = archive_read_next_header(a, &state_->entry);
    if (status == ARCHIVE_RETRY && state_->header_warning.empty()) {
      state_->header_warning = message(a, "damaged header");
    }
  }
  if (status == ARCHIVE_EOF) return Step::kEnd;
  if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
    *error = message(a, "unreadable member header");
    if (status == ARCHIVE_FATAL) state_->fatal_error = *error;
    return Step::kError;
  }
  state_->data_done = false;
  state_->data_warning.clear();
  state_->member_bytes = 0;
  archive_entry* entry = state_->entry;
  const char* name = archive_entry_pathname(entry);
  member.name = name != nullptr ? name : "";
  member.size = archive_entry_size_is_set(entry)
                    ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(archive_entry_size(entry)))
                    : std::nullopt;
  member.encrypted = archive_entry_is_data_encrypted(entry) != 0;
  member.link_target.clear();
  if (const char* hardlink = archive_entry_hardlink(entry); hardlink != nullptr) {
    member.type = ArchiveMember::Type::kHardlink;
    member.link_target = hardlink;
    return Step::kMember;
  }
  switch (archive_entry_filetype(entry)) {
    case AE_IFREG:
      member.type = ArchiveMember::Type::kFile;
      break;
    case AE_IFDIR:
      member.type = ArchiveMember::Type::kDirectory;
      break;
    case AE_IFLNK: {
      member.type = ArchiveMember::Type::kSymlink;
      const char* target = archive_entry_symlink(entry);
      member.link_target = target != nullptr ? target : "";
      break;
    }
    case 0:
      // Formats without file types (raw, ar) describe plain content.
      member.type = ArchiveMember::Type::kFile;
      break;
    default:
      member.type = ArchiveMember::Type::kOther;
      break;
  }
  return Step::kMember;
}

std::optional<std::string_view> ArchiveReader::read(std::string* error) {
  if (state_->data_done) return std::string_view();
  if (!state_->fatal_error.empty()) {
    *error = state_->fatal_error;
    return std::nullopt;
  }
  archive* a = state_->handle.get();
  const void* buffer = nullptr;
  std::size_t size = 0;
  la_int64_t offset = 0;
  // Empty blocks (sparse holes, format bookkeeping) are skipped.
  for (;;) {
    const int status = archive_read_data_block(a, &buffer, &size, &offset);
    if (status == ARCHIVE_EOF) {
      state_->data_done = true;
      return std::string_view();
    }
    if (status != ARCHIVE_OK && status != ARCHIVE_WARN) {
      *error = message(a, "unreadable member data");
      if (status == ARCHIVE_FATAL) state_->fatal_error = *error;
      return std::nullopt;
    }
    if (status == ARCHIVE_WARN && state_->data_warning.empty()) state_->data_warning = message(a, "damaged data");
    if (size > 0) {
      state_->member_bytes += size;
      return std::string_view(static_cast<const char*>(buffer), size);
    }
  }
}

std::uint64_t ArchiveReader::member_bytes_read() const { return state_->member_bytes; }

bool ArchiveReader::skips_members_cheaply() const { return state_->in_memory && !compressed(); }

const std::string& ArchiveReader::data_warning() const { return state_->data_warning; }

const std::string& ArchiveReader::header_warning() const { return state_->header_warning; }

bool ArchiveReader::raw() const { return archive_format(state_->handle.get()) == ARCHIVE_FORMAT_RAW; }

bool ArchiveReader::compressed() const { return archive_filter_count(state_->handle.get()) > 1; }

std::uint64_t ArchiveReader::compressed_bytes_read() const {
  const la_int64_t n = archive_filter_bytes(state_->handle.get(), -1);
  return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

}  // namespace sluice::io
