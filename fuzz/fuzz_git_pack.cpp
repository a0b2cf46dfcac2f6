// libFuzzer harness: io::GitPackReader, sluice's own pack file reader (entry headers, offset
// and reference deltas, libdeflate inflation, the delta base cache), on packs it did not write.
//
// Input: one byte N (entries, 1..255), N little-endian 32-bit entry offsets, then the pack
// bytes. The harness writes a valid version 2 index for those offsets (object ids 0..N-1 as
// big-endian numbers, so a reference delta can name an entry), patches the pack header's
// entry count to N, and reads every entry as a blob with a small and then a large cache.
// scripts/fuzz writes seeds in this form from packs git made (deltified, several versions).

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "io/git_pack.hpp"

using namespace sluice;

namespace {

void put32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

const std::string& work_dir() {
  static const std::string dir = [] {
    std::string pattern = std::string(getenv("TMPDIR") != nullptr ? getenv("TMPDIR") : "/tmp") + "/fuzz-pack-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) abort();
    const std::string pack = pattern + "/pack";
    if (mkdir(pack.c_str(), 0700) != 0) abort();
    return pattern;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t n = data[0];
  if (n == 0 || size < 1 + 4 * n + 12) return 0;
  std::vector<std::uint32_t> offsets(n);
  for (std::size_t k = 0; k < n; ++k) {
    const std::uint8_t* p = data + 1 + 4 * k;
    offsets[k] =
        std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
  }
  std::string pack(reinterpret_cast<const char*>(data + 1 + 4 * n), size - 1 - 4 * n);
  pack.replace(0, 4, "PACK");
  std::string count;
  put32(count, static_cast<std::uint32_t>(n));
  pack.replace(8, 4, count);
  pack.append(20, '\0');  // trailer (its checksum is not verified by the reader)

  // Index v2: object ids are the entry numbers, sorted by construction.
  std::string index("\377tOc", 4);
  put32(index, 2);
  // Fan-out: every id starts with a zero byte, so all N ids have a first byte <= any byte.
  for (std::size_t byte = 0; byte < 256; ++byte) put32(index, static_cast<std::uint32_t>(n));
  for (std::size_t k = 0; k < n; ++k) {
    std::string oid(20, '\0');
    oid[18] = static_cast<char>((k >> 8) & 0xff);
    oid[19] = static_cast<char>(k & 0xff);
    index += oid;
  }
  for (std::size_t k = 0; k < n; ++k) put32(index, 0);  // CRCs (not checked)
  for (std::uint32_t offset : offsets) put32(index, offset & 0x7fffffffu);
  index.append(40, '\0');

  const std::string dir = work_dir();
  std::ofstream(dir + "/pack/fuzz.idx", std::ios::binary | std::ios::trunc) << index;
  std::ofstream(dir + "/pack/fuzz.pack", std::ios::binary | std::ios::trunc) << pack;
  const auto packs = io::GitPacks::open(dir);
  const auto entries = packs->entries();
  for (std::size_t cache : {std::size_t{0}, std::size_t{64} << 20}) {
    io::GitPackReader reader(packs, cache);
    for (const auto& [oid, at] : entries) (void)reader.read_blob(at, std::uint64_t{16} << 20);
  }
  return 0;
}
