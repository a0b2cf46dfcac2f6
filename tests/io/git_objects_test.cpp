#include "io/git_objects.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "temp_tree.hpp"

namespace sluice::io {
namespace {

using testing::TempTree;

// Runs git in `dir` with a fixed identity; fails the test on a non-zero exit.
void git(const std::string& dir, const std::string& args) {
  const std::string command = testing::git_command(dir, args);
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::map<std::string, std::string> blobs_of(const GitObjects& objects) {
  std::map<std::string, std::string> out;  // content -> oid
  std::size_t visits = 0;
  const auto error = objects.for_each_blob([&](const GitOid& oid, std::uint64_t size) {
    ++visits;
    auto bytes = objects.read_blob(oid);
    ASSERT_EQ(bytes.index(), 0u) << std::get<1>(bytes);
    EXPECT_EQ(std::get<0>(bytes).size(), size);
    out[std::get<0>(bytes)] = oid.hex();
  });
  EXPECT_FALSE(error.has_value()) << *error;
  EXPECT_EQ(visits, out.size()) << "a blob was visited twice";
  return out;
}

TEST(GitObjects, EveryBlobOnceWhetherDeletedOnASideBranchUnreachableOrDeltified) {
  TempTree tree;
  const std::string repo = tree.root().string() + "/repo";
  std::filesystem::create_directories(repo);
  git(repo, "init -q");
  std::string big;
  for (int i = 0; i < 4000; ++i) big += "line " + std::to_string(i) + " of a long configuration file\n";
  tree.write("repo/config.txt", big);
  tree.write("repo/deleted.env", "removed in the next commit\n");
  git(repo, "add -A");
  git(repo, "commit -q -m first");
  git(repo, "rm -q deleted.env");
  tree.write("repo/config.txt", big + "one more line\n");  // stored as a delta after gc
  git(repo, "commit -q -am second");
  git(repo, "checkout -q -b side");
  tree.write("repo/side.txt", "only on a side branch\n");
  git(repo, "add side.txt");
  git(repo, "commit -q -m side");
  git(repo, "checkout -q main");
  tree.write("loose.txt", "written but never committed\n");
  git(repo, "hash-object -w ../loose.txt");
  git(repo, "gc -q --aggressive");

  auto opened = GitObjects::open(repo);
  ASSERT_EQ(opened.index(), 0u) << std::get<1>(opened);
  const auto blobs = blobs_of(std::get<0>(opened));
  for (const std::string& content :
       {big, big + "one more line\n", std::string("removed in the next commit\n"),
        std::string("only on a side branch\n"), std::string("written but never committed\n")}) {
    EXPECT_EQ(blobs.count(content), 1u) << "missing blob of " << content.size() << " bytes";
  }
  // The same database through the .git directory.
  auto through_git_dir = GitObjects::open(repo + "/.git");
  ASSERT_EQ(through_git_dir.index(), 0u);
  EXPECT_EQ(blobs_of(std::get<0>(through_git_dir)), blobs);
}

TEST(GitObjects, NotARepositoryAndMissingObjectsAreErrors) {
  TempTree tree;
  tree.write("plain/file.txt", "x");
  auto opened = GitObjects::open(tree.path("plain"));
  ASSERT_EQ(opened.index(), 1u);
  EXPECT_NE(std::get<1>(opened).find("not a readable git repository"), std::string::npos);

  const std::string repo = tree.root().string() + "/empty";
  std::filesystem::create_directories(repo);
  git(repo, "init -q");
  auto empty = GitObjects::open(repo);
  ASSERT_EQ(empty.index(), 0u);
  EXPECT_TRUE(blobs_of(std::get<0>(empty)).empty());
  GitOid missing;
  missing.bytes[0] = 0xab;
  EXPECT_EQ(std::get<0>(empty).read_blob(missing).index(), 1u);
}

}  // namespace
}  // namespace sluice::io
