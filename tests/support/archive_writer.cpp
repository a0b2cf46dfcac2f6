#include "archive_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

namespace sluice::testing {
namespace {

struct WriterDeleter {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

void check(archive* a, int status, const char* what) {
  if (status < ARCHIVE_WARN) {
    const char* message = archive_error_string(a);
    throw std::runtime_error(std::string(what) + ": " + (message != nullptr ? message : "failed"));
  }
}

}  // namespace

std::string make_archive(const std::string& format, const std::vector<std::string>& filters,
                         const std::vector<Member>& members, const std::string& options,
                         const std::string& passphrase) {
  std::unique_ptr<archive, WriterDeleter> writer(archive_write_new());
  archive* a = writer.get();
  check(a, archive_write_set_format_by_name(a, format.c_str()), "format");
  for (const std::string& filter : filters) check(a, archive_write_add_filter_by_name(a, filter.c_str()), "filter");
  if (!options.empty()) check(a, archive_write_set_options(a, options.c_str()), "options");
  if (!passphrase.empty()) check(a, archive_write_set_passphrase(a, passphrase.c_str()), "passphrase");
  archive_write_set_bytes_in_last_block(a, 1);
  std::string out;
  auto append = [](archive*, void* client, const void* buffer, std::size_t size) -> la_ssize_t {
    static_cast<std::string*>(client)->append(static_cast<const char*>(buffer), size);
    return static_cast<la_ssize_t>(size);
  };
  check(a, archive_write_open(a, &out, nullptr, append, nullptr), "open");
  for (const Member& member : members) {
    std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), member.name.c_str());
    archive_entry_set_mtime(entry.get(), 1700000000, 0);
    switch (member.kind) {
      case Member::Kind::kFile:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(member.data.size()));
        break;
      case Member::Kind::kDirectory:
        archive_entry_set_filetype(entry.get(), AE_IFDIR);
        archive_entry_set_perm(entry.get(), 0755);
        break;
      case Member::Kind::kSymlink:
        archive_entry_set_filetype(entry.get(), AE_IFLNK);
        archive_entry_set_perm(entry.get(), 0777);
        archive_entry_set_symlink(entry.get(), member.target.c_str());
        break;
    }
    check(a, archive_write_header(a, entry.get()), "header");
    if (member.kind == Member::Kind::kFile && !member.data.empty()) {
      if (archive_write_data(a, member.data.data(), member.data.size()) < 0) check(a, ARCHIVE_FATAL, "data");
    }
  }
  check(a, archive_write_close(a), "close");
  return out;
}

std::string compress(const std::string& filter, const std::string& data, const std::string& options) {
  return make_archive("raw", {filter}, {Member{"data", data}}, options);
}

std::string make_rpm(const std::vector<Member>& members) {
  // Lead: 96 bytes starting with the rpm magic; then the signature and the header, each an
  // index of 0 entries (magic, reserved, count, data size), the signature padded to 8 bytes.
  std::string rpm(96, '\0');
  rpm.replace(0, 4, "\xed\xab\xee\xdb");
  rpm[4] = 3;   // format version 3.0
  rpm[79] = 5;  // signature type: header-style signature
  const std::string empty_index("\x8e\xad\xe8\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
  rpm += empty_index;  // signature (16 bytes, already a multiple of 8)
  rpm += empty_index;  // header
  rpm += make_archive("newc", {"gzip"}, members);
  return rpm;
}

}  // namespace sluice::testing
