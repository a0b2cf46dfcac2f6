#pragma once
// Blobs read straight from a repository's pack files, for speed: libgit2 inflates with zlib
// and reads in object-id order; this reader inflates with libdeflate (about twice zlib's
// speed, bench/git.sh) and is meant to be driven in pack order, so that a delta's base was
// usually just decoded and is still in the reader's cache.
//
// Only what a blob scan needs: pack index v2 lookup, whole objects and deltas (offset deltas,
// and reference deltas whose base is in one of the packs). Anything else (a loose object, an
// index v1, a base outside the packs, any malformed entry) is an error value: the caller
// reads that object through libgit2 instead, which also words the error. Every length and
// offset read from a pack is checked: packs are untrusted input.

#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "io/git_objects.hpp"
#include "io/input_file.hpp"

struct libdeflate_decompressor;

namespace sluice::io {

// Where an object is stored: which pack, at which byte offset.
struct PackPosition {
  std::uint32_t pack = 0;
  std::uint64_t offset = 0;
  friend auto operator<=>(const PackPosition&, const PackPosition&) = default;
};

// The packs of one object directory, mapped and indexed. Immutable once opened: shared by
// the readers of every thread.
class GitPacks {
 public:
  // Every objects/pack/*.idx (version 2) with its .pack. Packs that cannot be used are left
  // out and named in `skipped` (their objects are then read through libgit2).
  // Pack files in objects_dir/pack that have no index beside them: git (and libgit2) cannot
  // read their objects until `git index-pack` rebuilds it, so a scan does not see them.
  [[nodiscard]] static std::vector<std::string> without_index(const std::string& objects_dir);
  [[nodiscard]] static std::shared_ptr<const GitPacks> open(const std::string& objects_dir,
                                                            std::vector<std::string>* skipped = nullptr);

  [[nodiscard]] std::optional<PackPosition> find(const GitOid& oid) const;
  // Every entry of every pack, in index order (tests and the fuzz harness read them all).
  [[nodiscard]] std::vector<std::pair<GitOid, PackPosition>> entries() const;
  [[nodiscard]] std::size_t size() const noexcept { return packs_.size(); }

 private:
  friend class GitPackReader;
  struct Pack {
    std::string name;
    FileView index;
    FileView data;
    std::uint32_t count = 0;
    std::vector<std::uint64_t> sorted_offsets;  // entry starts, ascending: where each entry ends
    [[nodiscard]] const unsigned char* oids() const;
    [[nodiscard]] std::uint64_t offset_at(std::uint32_t k) const;
    [[nodiscard]] std::uint64_t entry_end(std::uint64_t offset) const;
  };
  std::vector<Pack> packs_;
};

// Decoded object bytes (not zero-filled before decoding: every byte is written).
struct GitBytes {
  std::unique_ptr<char[]> data;
  std::size_t size = 0;
  [[nodiscard]] std::string_view view() const noexcept { return {data.get(), size}; }
};

// Decodes objects of a GitPacks; one per thread.
class GitPackReader {
 public:
  using Object = std::shared_ptr<const GitBytes>;

  explicit GitPackReader(std::shared_ptr<const GitPacks> packs, std::size_t cache_bytes = std::size_t{96} << 20);
  ~GitPackReader();
  GitPackReader(const GitPackReader&) = delete;
  GitPackReader& operator=(const GitPackReader&) = delete;

  // The bytes of the blob at `at` (shared with the reader's cache), or why not (then read it
  // another way). Objects larger than `max_size` are not decoded.
  [[nodiscard]] std::variant<Object, std::string> read_blob(const PackPosition& at, std::uint64_t max_size);

 private:
  struct Entry;
  [[nodiscard]] std::optional<Entry> parse(const PackPosition& at, std::string* error) const;
  // Inflates the entry data at [from, end) of `pack` into exactly `size` bytes at `into`.
  [[nodiscard]] bool inflate(const GitPacks::Pack& pack, std::uint64_t from, std::uint64_t end, std::uint64_t size,
                             char* into) const;
  [[nodiscard]] Object cached(const PackPosition& at);
  void remember(const PackPosition& at, Object object);

  std::shared_ptr<const GitPacks> packs_;
  libdeflate_decompressor* decompressor_ = nullptr;
  // Least recently used first.
  std::size_t cache_limit_;
  std::size_t cache_used_ = 0;
  std::list<std::pair<PackPosition, Object>> lru_;
  std::unique_ptr<char[]> delta_;  // reused for each delta program
  struct PositionHash {
    std::size_t operator()(const PackPosition& p) const noexcept { return p.offset * 31 + p.pack; }
  };
  std::unordered_map<PackPosition, std::list<std::pair<PackPosition, Object>>::iterator, PositionHash> index_;
  std::size_t delta_capacity_ = 0;
};

}  // namespace sluice::io
