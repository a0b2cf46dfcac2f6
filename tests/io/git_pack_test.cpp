#include "io/git_pack.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include "temp_tree.hpp"

namespace sluice::io {
namespace {

using testing::TempTree;

void git(const std::string& dir, const std::string& args) {
  const std::string command = "git -C '" + dir + "' -c user.name=test -c user.email=test@example.invalid " +
                              "-c init.defaultBranch=main -c commit.gpgsign=false -c gc.auto=0 " + args +
                              " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// A repository whose history stores most versions of a few files as deltas of each other,
// packed with offset deltas (`offset = true`) or reference deltas.
std::string make_history(const TempTree& tree, bool offset) {
  const std::string repo = tree.root().string() + "/repo";
  std::filesystem::create_directories(repo);
  git(repo, "init -q");
  std::mt19937 rng(7);
  std::vector<std::string> lines;
  for (int i = 0; i < 2000; ++i)
    lines.push_back("line " + std::to_string(i) + " value " + std::to_string(rng() % 1000));
  for (int version = 0; version < 12; ++version) {
    for (int f = 0; f < 3; ++f) {
      std::string text;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        if ((i + static_cast<std::size_t>(f)) % 7 != 0) text += lines[i] + "\n";
      }
      tree.write("repo/file" + std::to_string(f) + ".txt", text);
    }
    tree.write("repo/empty.txt", "");
    for (int edit = 0; edit < 40; ++edit) lines[rng() % lines.size()] = "edited in version " + std::to_string(version);
    git(repo, "add -A");
    git(repo, "commit -q -m v" + std::to_string(version));
  }
  git(repo, std::string("-c repack.useDeltaBaseOffset=") + (offset ? "true" : "false") +
                " repack -q -a -d -f --depth=50 --window=50");
  return repo;
}

// Every blob through the pack reader and through libgit2: the same bytes.
void expect_same_blobs(const std::string& repo, std::size_t cache_bytes) {
  auto opened = GitObjects::open(repo);
  ASSERT_EQ(opened.index(), 0u);
  const GitObjects& objects = std::get<0>(opened);
  auto packs = GitPacks::open(objects.objects_dir());
  ASSERT_EQ(packs->size(), 1u);
  GitPackReader reader(packs, cache_bytes);
  std::size_t packed = 0;
  const auto error = objects.for_each_blob([&](const GitOid& oid, std::uint64_t size) {
    auto at = packs->find(oid);
    ASSERT_TRUE(at.has_value()) << oid.hex();
    ++packed;
    auto fast = reader.read_blob(*at, std::uint64_t{1} << 30);
    ASSERT_EQ(fast.index(), 0u) << oid.hex() << ": " << std::get<1>(fast);
    auto slow = objects.read_blob(oid);
    ASSERT_EQ(slow.index(), 0u);
    EXPECT_EQ(std::get<0>(fast)->view(), std::get<0>(slow)) << oid.hex();
    EXPECT_EQ(std::get<0>(fast)->size, size);
  });
  EXPECT_FALSE(error.has_value());
  EXPECT_GT(packed, 30u);
}

TEST(GitPack, OffsetDeltasReadLikeLibgit2) {
  TempTree tree;
  const std::string repo = make_history(tree, true);
  expect_same_blobs(repo, std::size_t{96} << 20);
  expect_same_blobs(repo, 0);  // no cache: every chain decoded from its base
}

TEST(GitPack, ReferenceDeltasReadLikeLibgit2) {
  TempTree tree;
  const std::string repo = make_history(tree, false);
  expect_same_blobs(repo, std::size_t{96} << 20);
}

TEST(GitPack, SizeLimitNonBlobsAndUnknownIdsAreRefused) {
  TempTree tree;
  const std::string repo = make_history(tree, true);
  auto objects = std::get<0>(GitObjects::open(repo));
  auto packs = GitPacks::open(objects.objects_dir());
  GitPackReader reader(packs);
  GitOid unknown;
  unknown.bytes[0] = 0x42;
  EXPECT_FALSE(packs->find(unknown).has_value());
  bool refused_big = false;
  const auto listed = objects.for_each_blob([&](const GitOid& oid, std::uint64_t size) {
    if (size > 1000) refused_big |= reader.read_blob(*packs->find(oid), 1000).index() == 1;
  });
  EXPECT_FALSE(listed.has_value()) << *listed;
  EXPECT_TRUE(refused_big);
  // The pack also holds commits and trees: positions of those are not blobs.
  {
    const std::string command = "git -C '" + repo + "' rev-parse HEAD HEAD^{tree} > '" + tree.path("ids") + "'";
    ASSERT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(tree.path("ids"));
    for (std::string hex; in >> hex;) {
      GitOid oid;
      for (int k = 0; k < 20; ++k)
        oid.bytes[k] = static_cast<unsigned char>(std::stoi(hex.substr(2 * k, 2), nullptr, 16));
      auto at = packs->find(oid);
      ASSERT_TRUE(at.has_value());
      auto read = reader.read_blob(*at, std::uint64_t{1} << 30);
      ASSERT_EQ(read.index(), 1u);
      EXPECT_EQ(std::get<1>(read), "not a blob");
    }
  }
}

// Damaged packs and indexes: every read ends with bytes or an error, never a crash or a hang
// (the sanitizer builds run this too).
TEST(GitPack, CorruptPacksGiveErrorsNotCrashes) {
  TempTree tree;
  const std::string repo = make_history(tree, true);
  auto objects = std::get<0>(GitObjects::open(repo));
  std::vector<GitOid> blobs;
  (void)objects.for_each_blob([&](const GitOid& oid, std::uint64_t) { blobs.push_back(oid); });
  std::string pack_path;
  for (const auto& entry : std::filesystem::directory_iterator(objects.objects_dir() + "/pack")) {
    if (entry.path().extension() == ".pack") pack_path = entry.path().string();
  }
  ASSERT_FALSE(pack_path.empty());
  std::string original;
  {
    std::ifstream in(pack_path, std::ios::binary);
    original.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::filesystem::permissions(pack_path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::mt19937 rng(11);
  std::size_t errors = 0;
  for (int round = 0; round < 40; ++round) {
    std::string damaged = original;
    for (int k = 0; k < 1 + round % 8; ++k) {
      damaged[12 + rng() % (damaged.size() - 32)] = static_cast<char>(rng());
    }
    {
      std::ofstream out(pack_path, std::ios::binary | std::ios::trunc);
      out << damaged;
    }
    auto packs = GitPacks::open(objects.objects_dir());
    if (packs->size() == 0) continue;
    GitPackReader reader(packs);
    for (const GitOid& oid : blobs) {
      auto at = packs->find(oid);
      if (!at) continue;
      errors += reader.read_blob(*at, std::uint64_t{1} << 26).index();
    }
  }
  EXPECT_GT(errors, 0u) << "damage was never detected";
  // A truncated index is not used at all.
  std::string index_path = pack_path.substr(0, pack_path.size() - 5) + ".idx";
  std::filesystem::permissions(index_path, std::filesystem::perms::owner_write, std::filesystem::perm_options::add);
  std::filesystem::resize_file(index_path, 600);
  std::vector<std::string> skipped;
  EXPECT_EQ(GitPacks::open(objects.objects_dir(), &skipped)->size(), 0u);
  EXPECT_EQ(skipped.size(), 1u);
}

}  // namespace
}  // namespace sluice::io
