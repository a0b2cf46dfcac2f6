#include "io/git_pack.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <set>

namespace sluice::io {
namespace {

// Pack object types.
constexpr int kCommit = 1;
constexpr int kTag = 4;
constexpr int kBlob = 3;
constexpr int kOffsetDelta = 6;
constexpr int kReferenceDelta = 7;

// Deeper chains than git ever writes (its default is 50): a crafted pack cannot make a
// reader loop.
constexpr std::size_t kMaxChain = 10000;

constexpr std::size_t kIndexHeader = 8 + 256 * 4;
constexpr std::size_t kTrailer = 20;

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::uint64_t be64(const unsigned char* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

const unsigned char* bytes_of(const FileView& view) {
  return reinterpret_cast<const unsigned char*>(view.bytes().data());
}

// Applies a git delta (a copy/insert program) to `base`; false when the delta is malformed.
bool apply_delta(std::string_view base, std::string_view delta, std::uint64_t max_size, GitBytes& out) {
  const auto* d = reinterpret_cast<const unsigned char*>(delta.data());
  const std::size_t n = delta.size();
  std::size_t pos = 0;
  auto varint = [&](std::uint64_t& value) {
    value = 0;
    for (unsigned shift = 0; pos < n && shift < 64; shift += 7) {
      const unsigned char c = d[pos++];
      value |= std::uint64_t{c & 0x7fu} << shift;
      if ((c & 0x80) == 0) return true;
    }
    return false;
  };
  std::uint64_t source_size = 0;
  std::uint64_t target_size = 0;
  if (!varint(source_size) || !varint(target_size) || source_size != base.size() || target_size > max_size) {
    return false;
  }
  out.data = std::make_unique_for_overwrite<char[]>(target_size);
  out.size = target_size;
  char* to = out.data.get();
  std::uint64_t written = 0;
  while (pos < n) {
    const unsigned char op = d[pos++];
    if ((op & 0x80) != 0) {
      std::uint64_t offset = 0;
      std::uint64_t size = 0;
      for (unsigned k = 0; k < 4; ++k) {
        if ((op & (1u << k)) == 0) continue;
        if (pos >= n) return false;
        offset |= std::uint64_t{d[pos++]} << (8 * k);
      }
      for (unsigned k = 0; k < 3; ++k) {
        if ((op & (0x10u << k)) == 0) continue;
        if (pos >= n) return false;
        size |= std::uint64_t{d[pos++]} << (8 * k);
      }
      if (size == 0) size = 0x10000;
      if (offset > base.size() || size > base.size() - offset || size > target_size - written) return false;
      std::memcpy(to + written, base.data() + offset, size);
      written += size;
    } else if (op != 0) {
      if (op > n - pos || op > target_size - written) return false;
      std::memcpy(to + written, delta.data() + pos, op);
      written += op;
      pos += op;
    } else {
      return false;  // reserved opcode
    }
  }
  return written == target_size;
}

}  // namespace

// ------------------------------------------------------------------------------------ packs

const unsigned char* GitPacks::Pack::oids() const { return bytes_of(index) + kIndexHeader; }

std::uint64_t GitPacks::Pack::offset_at(std::uint32_t k) const {
  const unsigned char* base = bytes_of(index) + kIndexHeader + std::size_t{count} * 24;
  const std::uint32_t small = be32(base + std::size_t{k} * 4);
  if ((small & 0x80000000u) == 0) return small;
  const std::size_t large = kIndexHeader + std::size_t{count} * 28 + std::size_t{small & 0x7fffffffu} * 8;
  if (large + 8 > index.bytes().size() - 2 * kTrailer) return ~std::uint64_t{0};
  return be64(bytes_of(index) + large);
}

std::uint64_t GitPacks::Pack::entry_end(std::uint64_t offset) const {
  auto next = std::upper_bound(sorted_offsets.begin(), sorted_offsets.end(), offset);
  return next == sorted_offsets.end() ? data.bytes().size() - kTrailer : *next;
}

std::vector<std::string> GitPacks::without_index(const std::string& objects_dir) {
  const std::string dir = objects_dir + "/pack";
  std::set<std::string> packs;
  std::set<std::string> indexes;
  if (DIR* listing = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(listing)) {
      const std::string name = entry->d_name;
      if (name.size() > 5 && name.ends_with(".pack")) packs.insert(name.substr(0, name.size() - 5));
      if (name.size() > 4 && name.ends_with(".idx")) indexes.insert(name.substr(0, name.size() - 4));
    }
    ::closedir(listing);
  }
  std::vector<std::string> out;
  for (const std::string& name : packs) {
    if (indexes.count(name) == 0) out.push_back(dir + "/" + name + ".pack");
  }
  return out;
}

std::shared_ptr<const GitPacks> GitPacks::open(const std::string& objects_dir, std::vector<std::string>* skipped) {
  auto packs = std::make_shared<GitPacks>();
  const std::string dir = objects_dir + "/pack";
  std::vector<std::string> names;
  if (DIR* listing = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(listing)) {
      const std::string name = entry->d_name;
      if (name.size() > 4 && name.compare(name.size() - 4, 4, ".idx") == 0)
        names.push_back(name.substr(0, name.size() - 4));
    }
    ::closedir(listing);
  }
  std::sort(names.begin(), names.end());
  auto skip = [&](const std::string& name, const std::string& why) {
    if (skipped != nullptr) skipped->push_back(fmt::format("{}: {}", name, why));
  };
  for (const std::string& name : names) {
    auto index = read_file(dir + "/" + name + ".idx", 1);
    auto data = read_file(dir + "/" + name + ".pack", 1);
    if (index.index() != 0 || data.index() != 0) {
      skip(name, "unreadable");
      continue;
    }
    Pack pack;
    pack.name = name;
    pack.index = std::move(std::get<FileView>(index));
    pack.data = std::move(std::get<FileView>(data));
    const std::string_view idx = pack.index.bytes();
    const std::string_view body = pack.data.bytes();
    const auto* i = reinterpret_cast<const unsigned char*>(idx.data());
    const auto* p = reinterpret_cast<const unsigned char*>(body.data());
    if (idx.size() < kIndexHeader + 2 * kTrailer || std::memcmp(i, "\377tOc", 4) != 0 || be32(i + 4) != 2) {
      skip(name, "not a version 2 pack index");
      continue;
    }
    pack.count = be32(i + 8 + 255 * 4);
    if ((idx.size() - kIndexHeader - 2 * kTrailer) / 28 < pack.count) {
      skip(name, "pack index too short");
      continue;
    }
    if (body.size() < 12 + kTrailer || std::memcmp(p, "PACK", 4) != 0 || be32(p + 8) != pack.count) {
      skip(name, "pack header does not match its index");
      continue;
    }
    pack.sorted_offsets.reserve(pack.count);
    bool valid = true;
    for (std::uint32_t k = 0; k < pack.count && valid; ++k) {
      const std::uint64_t offset = pack.offset_at(k);
      valid = offset >= 12 && offset < body.size() - kTrailer;
      pack.sorted_offsets.push_back(offset);
    }
    if (!valid) {
      skip(name, "pack index names an offset outside the pack");
      continue;
    }
    std::sort(pack.sorted_offsets.begin(), pack.sorted_offsets.end());
    packs->packs_.push_back(std::move(pack));
  }
  return packs;
}

std::optional<PackPosition> GitPacks::find(const GitOid& oid) const {
  for (std::uint32_t k = 0; k < packs_.size(); ++k) {
    const Pack& pack = packs_[k];
    const auto* fanout = bytes_of(pack.index) + 8;
    const std::uint32_t first = oid.bytes[0];
    std::uint32_t lo = first == 0 ? 0 : be32(fanout + (first - 1) * 4);
    std::uint32_t hi = std::min(be32(fanout + first * 4), pack.count);
    const unsigned char* names = pack.oids();
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      const int order = std::memcmp(names + std::size_t{mid} * 20, oid.bytes, 20);
      if (order == 0) return PackPosition{k, pack.offset_at(mid)};
      if (order < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
  }
  return std::nullopt;
}

std::vector<std::pair<GitOid, PackPosition>> GitPacks::entries() const {
  std::vector<std::pair<GitOid, PackPosition>> out;
  for (std::uint32_t k = 0; k < packs_.size(); ++k) {
    const Pack& pack = packs_[k];
    for (std::uint32_t i = 0; i < pack.count; ++i) {
      GitOid oid;
      std::memcpy(oid.bytes, pack.oids() + std::size_t{i} * 20, 20);
      out.emplace_back(oid, PackPosition{k, pack.offset_at(i)});
    }
  }
  return out;
}

// ----------------------------------------------------------------------------------- reader

struct GitPackReader::Entry {
  PackPosition at;
  int type = 0;
  std::uint64_t size = 0;  // inflated size of the entry's data (the delta itself for deltas)
  std::uint64_t data_begin = 0;
  std::uint64_t data_end = 0;
  PackPosition base;  // for deltas
};

GitPackReader::GitPackReader(std::shared_ptr<const GitPacks> packs, std::size_t cache_bytes)
    : packs_(std::move(packs)), decompressor_(libdeflate_alloc_decompressor()), cache_limit_(cache_bytes) {
  if (decompressor_ == nullptr) throw std::bad_alloc();
}

GitPackReader::~GitPackReader() { libdeflate_free_decompressor(decompressor_); }

std::optional<GitPackReader::Entry> GitPackReader::parse(const PackPosition& at, std::string* error) const {
  if (at.pack >= packs_->packs_.size()) {
    *error = "no such pack";
    return std::nullopt;
  }
  const GitPacks::Pack& pack = packs_->packs_[at.pack];
  if (!std::binary_search(pack.sorted_offsets.begin(), pack.sorted_offsets.end(), at.offset)) {
    *error = fmt::format("offset {} is not an entry of pack {}", at.offset, pack.name);
    return std::nullopt;
  }
  const auto* p = bytes_of(pack.data);
  Entry entry;
  entry.at = at;
  entry.data_end = pack.entry_end(at.offset);
  std::uint64_t pos = at.offset;
  const std::uint64_t end = entry.data_end;
  unsigned char c = p[pos++];
  entry.type = (c >> 4) & 7;
  entry.size = c & 15u;
  for (unsigned shift = 4; (c & 0x80) != 0; shift += 7) {
    if (pos >= end || shift > 57) {
      *error = "bad entry header";
      return std::nullopt;
    }
    c = p[pos++];
    entry.size |= std::uint64_t{c & 0x7fu} << shift;
  }
  if (entry.type == kOffsetDelta) {
    if (pos >= end) {
      *error = "bad delta header";
      return std::nullopt;
    }
    c = p[pos++];
    std::uint64_t distance = c & 0x7fu;
    while ((c & 0x80) != 0) {
      if (pos >= end || distance > (std::uint64_t{1} << 56)) {
        *error = "bad delta base offset";
        return std::nullopt;
      }
      c = p[pos++];
      distance = ((distance + 1) << 7) | (c & 0x7fu);
    }
    if (distance == 0 || distance > at.offset) {
      *error = "delta base outside the pack";
      return std::nullopt;
    }
    entry.base = PackPosition{at.pack, at.offset - distance};
  } else if (entry.type == kReferenceDelta) {
    if (end - pos < 20) {
      *error = "bad delta header";
      return std::nullopt;
    }
    GitOid base;
    std::memcpy(base.bytes, p + pos, 20);
    pos += 20;
    auto found = packs_->find(base);
    if (!found) {
      *error = "delta base in no pack";
      return std::nullopt;
    }
    entry.base = *found;
  } else if (entry.type < kCommit || entry.type > kTag) {
    *error = fmt::format("unknown object type {}", entry.type);
    return std::nullopt;
  }
  entry.data_begin = pos;
  return entry;
}

bool GitPackReader::inflate(const GitPacks::Pack& pack, std::uint64_t from, std::uint64_t end, std::uint64_t size,
                            char* into) const {
  std::size_t used_in = 0;
  std::size_t produced = 0;
  const libdeflate_result result = libdeflate_zlib_decompress_ex(decompressor_, pack.data.bytes().data() + from,
                                                                 end - from, into, size, &used_in, &produced);
  return result == LIBDEFLATE_SUCCESS && produced == size;
}

GitPackReader::Object GitPackReader::cached(const PackPosition& at) {
  auto found = index_.find(at);
  if (found == index_.end()) return nullptr;
  lru_.splice(lru_.end(), lru_, found->second);  // most recently used last
  return found->second->second;
}

void GitPackReader::remember(const PackPosition& at, Object object) {
  if (object->size > cache_limit_ / 4 || index_.count(at) != 0) return;
  cache_used_ += object->size;
  lru_.emplace_back(at, std::move(object));
  index_.emplace(at, std::prev(lru_.end()));
  while (cache_used_ > cache_limit_ && !lru_.empty()) {
    cache_used_ -= lru_.front().second->size;
    index_.erase(lru_.front().first);
    lru_.pop_front();
  }
}

std::variant<GitPackReader::Object, std::string> GitPackReader::read_blob(const PackPosition& at,
                                                                          std::uint64_t max_size) {
  using Result = std::variant<Object, std::string>;
  auto failed = [](std::string why) { return Result(std::in_place_index<1>, std::move(why)); };
  // Follow the chain of bases down to a whole object (or one still in the cache), then
  // apply the deltas back up.
  std::vector<Entry> chain;
  Object base;
  PackPosition position = at;
  std::string error;
  for (;;) {
    if (chain.size() > kMaxChain) return failed("delta chain too long");
    if ((base = cached(position))) break;
    auto entry = parse(position, &error);
    if (!entry) return failed(error);
    if (entry->type == kOffsetDelta || entry->type == kReferenceDelta) {
      // A delta program is at most a few bytes per target byte plus its inserts.
      if (entry->size > max_size * 2 + 1024) return failed("delta larger than the size limit");
      position = entry->base;
      chain.push_back(*entry);
      continue;
    }
    if (entry->type != kBlob) return failed("not a blob");
    if (entry->size > max_size) return failed("object larger than the size limit");
    GitBytes bytes;
    bytes.data = std::make_unique_for_overwrite<char[]>(std::max<std::uint64_t>(entry->size, 1));
    bytes.size = entry->size;
    if (!inflate(packs_->packs_[position.pack], entry->data_begin, entry->data_end, entry->size, bytes.data.get())) {
      return failed("corrupt compressed data");
    }
    base = std::make_shared<const GitBytes>(std::move(bytes));
    remember(position, base);
    break;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (delta_capacity_ < it->size || !delta_) {
      delta_ = std::make_unique_for_overwrite<char[]>(std::max<std::uint64_t>(it->size, 1));
      delta_capacity_ = it->size;
    }
    if (!inflate(packs_->packs_[it->at.pack], it->data_begin, it->data_end, it->size, delta_.get())) {
      return failed("corrupt compressed delta");
    }
    GitBytes target;
    if (!apply_delta(base->view(), std::string_view(delta_.get(), it->size), max_size, target)) {
      return failed("malformed delta");
    }
    base = std::make_shared<const GitBytes>(std::move(target));
    remember(it->at, base);
  }
  return Result(std::in_place_index<0>, std::move(base));
}

}  // namespace sluice::io
