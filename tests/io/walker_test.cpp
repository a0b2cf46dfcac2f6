#include "io/walker.hpp"

#include <sys/stat.h>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <filesystem>
#include <map>

#include "temp_tree.hpp"

namespace sluice::io {
namespace {

using Kind = WalkEntry::Kind;

std::map<std::string, WalkEntry> walk(const std::string& root, WalkOptions options = {}) {
  Walker walker({root}, options);
  std::map<std::string, WalkEntry> out;
  while (auto entry = walker.next()) {
    const std::string relative = entry->path.substr(std::min(entry->path.size(), root.size() + 1));
    out[relative.empty() ? entry->path : relative] = *entry;
  }
  return out;
}

TEST(Walker, EnumeratesFilesAndReportsSpecialEntries) {
  testing::TempTree tree;
  tree.write("a.txt", "a");
  tree.write("sub/deeper/b.txt", "b");
  tree.write("empty.txt", "");
  std::filesystem::create_symlink("a.txt", tree.root() / "link");
  std::filesystem::create_symlink("missing", tree.root() / "broken");
  ASSERT_EQ(mkfifo(tree.path("pipe").c_str(), 0600), 0);

  auto entries = walk(tree.root().string());
  EXPECT_EQ(entries.at("a.txt").kind, Kind::kFile);
  EXPECT_EQ(entries.at("sub/deeper/b.txt").kind, Kind::kFile);
  EXPECT_EQ(entries.at("empty.txt").kind, Kind::kFile);
  EXPECT_EQ(entries.at("link").kind, Kind::kSkipped);
  EXPECT_EQ(entries.at("broken").kind, Kind::kSkipped);  // not followed: not an error
  EXPECT_EQ(entries.at("pipe").kind, Kind::kSkipped);
  EXPECT_THAT(entries.at("pipe").reason, ::testing::HasSubstr("FIFO"));
}

// With stamp_files, each regular file found in a directory comes with what stat says of it
// (taken relative to the directory as it is listed, inline or read ahead); a root named on the
// command line, a followed symbolic link and anything that is not a file come without one.
TEST(Walker, StampsFilesWhenAskedAsStatWould) {
  testing::TempTree tree;
  tree.write("a.txt", "alpha");
  tree.write("sub/b.txt", "bravo bravo");
  std::filesystem::create_symlink("a.txt", tree.root() / "link");
  for (std::size_t read_ahead : {0u, 64u}) {
    WalkOptions options{true, true, read_ahead};
    options.stamp_files = true;
    auto entries = walk(tree.root().string(), options);
    for (const char* name : {"a.txt", "sub/b.txt"}) {
      const WalkEntry& entry = entries.at(name);
      ASSERT_TRUE(entry.stamp.has_value()) << name;
      EXPECT_EQ(entry.stamp, stamp_of(entry.path)) << name;
    }
    EXPECT_EQ(entries.at("sub/b.txt").stamp->size, 11u);
    EXPECT_EQ(entries.at("link").kind, Kind::kFile);
    EXPECT_FALSE(entries.at("link").stamp.has_value());
    EXPECT_FALSE(walk(tree.path("a.txt"), options).begin()->second.stamp.has_value());
  }
  EXPECT_FALSE(walk(tree.root().string()).at("a.txt").stamp.has_value());  // not asked
}

TEST(Walker, GitDirectoriesAreRepositoriesOrSkipped) {
  testing::TempTree tree;
  tree.write("work/src.txt", "s");
  tree.write("work/.git/HEAD", "ref: refs/heads/main\n");
  tree.write("work/.git/objects/ab/" + std::string(38, 'e'), "z");
  tree.write("work/.git/refs/heads/.keep", "");
  tree.write("bare.git/HEAD", "ref: refs/heads/main\n");
  tree.write("bare.git/objects/info/packs", "");
  tree.write("bare.git/refs/tags/.keep", "");
  tree.write("half/HEAD", "not a repository: no objects/ or refs/\n");

  auto found = walk(tree.root().string());
  EXPECT_EQ(found.at("work/src.txt").kind, Kind::kFile);
  EXPECT_EQ(found.at("work/.git").kind, Kind::kRepository);
  // Its files but the object store are walked as files too (config, hooks, logs...).
  EXPECT_EQ(found.at("work/.git/HEAD").kind, Kind::kFile);
  EXPECT_EQ(found.count("work/.git/objects/ab/" + std::string(38, 'e')), 0u);
  EXPECT_EQ(found.at("bare.git").kind, Kind::kRepository);
  EXPECT_EQ(found.at("bare.git/HEAD").kind, Kind::kFile);
  EXPECT_EQ(found.count("bare.git/objects/info/packs"), 0u);
  EXPECT_EQ(found.at("half/HEAD").kind, Kind::kFile);

  // The root itself may be a repository.
  auto root = walk(tree.path("bare.git"));
  std::size_t repositories = 0;
  for (const auto& [path, entry] : root) {
    if (entry.kind == Kind::kRepository) ++repositories;
    EXPECT_EQ(path.find("objects/"), std::string::npos) << path;
  }
  EXPECT_EQ(repositories, 1u);

  // History off (--git-history none): .git skipped, bare repositories are plain files.
  auto off = walk(tree.root().string(), WalkOptions{false, false});
  EXPECT_EQ(off.at("work/.git").kind, Kind::kSkipped);
  EXPECT_EQ(off.count("work/.git/HEAD"), 0u);
  EXPECT_EQ(off.at("bare.git/HEAD").kind, Kind::kFile);
}

TEST(Walker, FollowingSymlinksReportsBrokenLinksAndLoops) {
  testing::TempTree tree;
  tree.write("dir/file.txt", "x");
  std::filesystem::create_symlink("file.txt", tree.root() / "dir/alias");
  std::filesystem::create_symlink("..", tree.root() / "dir/up");  // a loop back to the root
  std::filesystem::create_symlink("nowhere", tree.root() / "dir/broken");
  std::filesystem::create_symlink("self", tree.root() / "dir/self");

  auto entries = walk(tree.root().string(), WalkOptions{true, true});
  EXPECT_EQ(entries.at("dir/alias").kind, Kind::kFile);
  EXPECT_EQ(entries.at("dir/broken").kind, Kind::kError);
  EXPECT_EQ(entries.at("dir/broken").reason, "broken symbolic link");
  EXPECT_EQ(entries.at("dir/self").kind, Kind::kError);
  EXPECT_EQ(entries.at("dir/self").reason, "symbolic link loop");
  EXPECT_EQ(entries.at("dir/up").kind, Kind::kError);
  EXPECT_EQ(entries.at("dir/up").reason, "symbolic link loop");
}

TEST(Walker, RootsCanBeFilesStdinFifosOrMissing) {
  testing::TempTree tree;
  const std::string file = tree.write("f.txt", "x");
  ASSERT_EQ(mkfifo(tree.path("fifo").c_str(), 0600), 0);
  Walker walker({file, "-", tree.path("fifo"), tree.path("missing")}, {});
  std::vector<Kind> kinds;
  while (auto entry = walker.next()) kinds.push_back(entry->kind);
  EXPECT_THAT(kinds, ::testing::ElementsAre(Kind::kFile, Kind::kStream, Kind::kStream, Kind::kError));
}

TEST(Walker, UnreadableDirectoryIsAnErrorAndTheWalkGoesOn) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads every directory; the end-to-end suite covers this as nobody";
  testing::TempTree tree;
  tree.write("locked/secret.txt", "x");
  tree.write("open/ok.txt", "y");
  chmod(tree.path("locked").c_str(), 0);
  auto entries = walk(tree.root().string());
  EXPECT_EQ(entries.at("locked").kind, Kind::kError);
  EXPECT_EQ(entries.at("open/ok.txt").kind, Kind::kFile);
}

}  // namespace
}  // namespace sluice::io

namespace sluice::io {
namespace {

TEST(Walker, ReadAheadInParallelGivesTheSameWalkAsInline) {
  testing::TempTree tree;
  for (int a = 0; a < 12; ++a) {
    for (int b = 0; b < 12; ++b) {
      const std::string folder = fmt::format("d{}/e{}", a, b);  // not "d" + std::string: GCC 12 -Wrestrict
      tree.write(folder + "/f.txt", "x");
      tree.write(folder + "/g/h.txt", "y");
    }
  }
  auto sequence = [&](std::size_t read_ahead) {
    Walker walker({tree.root().string()}, WalkOptions{false, true, read_ahead});
    std::vector<std::string> paths;
    while (auto entry = walker.next()) paths.push_back(entry->path);
    return paths;
  };
  const std::vector<std::string> inline_walk = sequence(0);
  EXPECT_EQ(inline_walk.size(), 12u * 12u * 2u);
  for (std::size_t read_ahead : {1u, 8u, 64u, 1000u}) EXPECT_EQ(sequence(read_ahead), inline_walk) << read_ahead;
}

}  // namespace
}  // namespace sluice::io

namespace sluice::io {
namespace {

// In a git object store, the files git wrote (loose objects, packs, their indexes, info files)
// are read through the history; any other file there is walked like every file.
TEST(Walker, OnlyGitsOwnFilesOfAnObjectStoreArePassedOver) {
  testing::TempTree tree;
  tree.write("repo/.git/HEAD", "ref: refs/heads/main\n");
  tree.write("repo/.git/refs/heads/.keep", "");
  tree.write("repo/.git/objects/ab/" + std::string(38, 'c'), "z");
  tree.write("repo/.git/objects/ab/notes.txt", "planted");
  tree.write("repo/.git/objects/pack/pack-" + std::string(40, 'd') + ".pack", "p");
  tree.write("repo/.git/objects/pack/pack-" + std::string(40, 'd') + ".idx", "i");
  tree.write("repo/.git/objects/pack/readme.txt", "planted");
  tree.write("repo/.git/objects/info/packs", "P pack-x.pack\n");
  tree.write("repo/.git/objects/info/extra", "planted");
  tree.write("repo/.git/objects/secret.env", "planted");
  auto found = walk(tree.root().string());
  EXPECT_EQ(found.at("repo/.git").kind, Kind::kRepository);
  for (const char* planted : {"repo/.git/objects/ab/notes.txt", "repo/.git/objects/pack/readme.txt",
                              "repo/.git/objects/info/extra", "repo/.git/objects/secret.env"}) {
    ASSERT_EQ(found.count(planted), 1u) << planted;
    EXPECT_EQ(found.at(planted).kind, Kind::kFile) << planted;
  }
  EXPECT_EQ(found.count("repo/.git/objects/ab/" + std::string(38, 'c')), 0u);
  EXPECT_EQ(found.count("repo/.git/objects/pack/pack-" + std::string(40, 'd') + ".pack"), 0u);
  EXPECT_EQ(found.count("repo/.git/objects/pack/pack-" + std::string(40, 'd') + ".idx"), 0u);
  EXPECT_EQ(found.count("repo/.git/objects/info/packs"), 0u);
}

}  // namespace
}  // namespace sluice::io
