// The one content entry point (pipeline/content_scan.hpp): the same bytes give the same
// matches, at the same offset, line and column, scanned whole, split across cores, read as a
// stream in chunks of any size, as a small or a big archive member, and as a compressed
// stream; ids are claimed once.

#include "pipeline/content_scan.hpp"

#include <gtest/gtest.h>
#include <oneapi/tbb/enumerable_thread_specific.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>
#include <set>
#include <tuple>

#include "../engine/test_keys.hpp"
#include "../engine/test_rules.hpp"
#include "../support/archive_writer.hpp"

namespace sluice::pipeline {
namespace {

std::shared_ptr<const engine::CompiledRules> posthog_only() {
  static const auto rules = sluice::testing::builtin_subset({"posthog_personal_key"});
  return rules;
}

class TestService final : public ContentService {
 public:
  TestService() : contexts_([] { return std::make_unique<engine::ScanContext>(posthog_only()); }) {}
  engine::ScanContext& context() override { return *contexts_.local(); }
  bool claim(const ContentId& id) override {
    std::lock_guard lock(mutex_);
    return claimed_.insert({id.high, id.low}).second;
  }
  ContentId unique_id() override {
    std::lock_guard lock(mutex_);
    return ContentId{~std::uint64_t{0}, next_++};
  }

 private:
  oneapi::tbb::enumerable_thread_specific<std::unique_ptr<engine::ScanContext>> contexts_;
  std::mutex mutex_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> claimed_;
  std::uint64_t next_ = 0;
};

using Placed = std::tuple<std::string, std::uint64_t, std::uint64_t, std::uint64_t>;  // secret, offset, line, column

std::vector<Placed> sorted(const std::vector<PlacedMatch>& matches) {
  std::vector<Placed> out;
  for (const PlacedMatch& m : matches) out.emplace_back(m.secret, m.offset, m.line, m.column);
  std::sort(out.begin(), out.end(), [](const Placed& a, const Placed& b) { return std::get<1>(a) < std::get<1>(b); });
  return out;
}

struct ContentScan : ::testing::Test {
  TestService service;
  std::mt19937_64 rng{5};
  std::string text;
  std::vector<Placed> expected;

  // About 3 MB of lines of every length (some longer than a segment), keys planted at line
  // starts and in the middle of lines; `expected` counted from the start.
  void SetUp() override {
    std::uint64_t line = 1;
    std::uint64_t line_start = 0;
    while (text.size() < 3'000'000) {
      const std::size_t length = rng() % 50 == 0 ? 70'000 + rng() % 5'000 : rng() % 120;
      const bool key_here = rng() % 40 == 0;
      std::string filler(length, 'a');
      for (char& c : filler) c = "abc de=:,."[rng() % 10];
      if (key_here) {
        const std::string key = sluice::testing::personal_key(rng, static_cast<int>(rng() % 3));
        const std::size_t cut = rng() % 2 == 0 ? 0 : length / 2;
        const std::string before = filler.substr(0, cut) + (cut == 0 ? "" : " ");
        const std::uint64_t offset = text.size() + before.size();
        expected.emplace_back(key, offset, line, offset - line_start + 1);
        text += before + key + " " + filler.substr(cut);
      } else {
        text += filler;
      }
      text += '\n';
      ++line;
      line_start = text.size();
    }
    ASSERT_GE(expected.size(), 10u);
  }

  ContentScanOptions options() const {
    ContentScanOptions o;
    o.split = true;
    o.segment_size = 64 << 10;  // many segments: every kind of boundary is crossed
    o.archives.segment_size = 64 << 10;
    o.dedup = false;
    return o;
  }

  InputBudget budget(const ContentScanOptions& o) const {
    return InputBudget(o.archives.limits, std::chrono::steady_clock::time_point::max(), nullptr);
  }

  // The matches of the one member record of an archive scan.
  static std::vector<PlacedMatch> member_matches(const ContentResult& result) {
    std::vector<PlacedMatch> all;
    if (!result.archive) return all;
    for (const ContentRecord& record : result.archive->contents) {
      for (const PlacedMatch& m : record.matches) all.push_back(m);
    }
    return all;
  }
};

TEST_F(ContentScan, WholeAndSplitGiveTheSamePositions) {
  for (bool shared : {false, true}) {  // not shared: never split
    const ContentScanOptions o = options();
    InputBudget limits = budget(o);
    const ContentResult result = ContentScanner(service, o).scan(Content{{"t.txt"}, "t.txt", shared}, text, limits);
    EXPECT_FALSE(result.error) << *result.error;
    EXPECT_TRUE(result.scanned);
    EXPECT_EQ(result.bytes, text.size());
    EXPECT_EQ(sorted(result.matches), expected) << "shared " << shared;
  }
}

TEST_F(ContentScan, StreamChunksOfAnySizeGiveTheSamePositions) {
  for (std::size_t chunk : {std::size_t{97}, std::size_t{4096}, std::size_t{65536}, std::size_t{1} << 20}) {
    ContentScanOptions o = options();
    o.chunk_size = chunk;
    std::size_t at = 0;
    std::mt19937_64 sizes(chunk);
    // Reads of uneven sizes, as a pipe gives them.
    const io::ReadSome read = [&](char* into, std::size_t capacity, std::string*) -> std::optional<std::size_t> {
      const std::size_t n = std::min({capacity, text.size() - at, 1 + sizes() % 70'000});
      std::memcpy(into, text.data() + at, n);
      at += n;
      return n;
    };
    InputBudget limits = budget(o);
    const ContentResult result = ContentScanner(service, o).scan(Content{{"-"}, "-", false}, read, limits);
    EXPECT_FALSE(result.error) << *result.error;
    EXPECT_EQ(result.bytes, text.size());
    EXPECT_EQ(sorted(result.matches), expected) << "chunk " << chunk;
  }
}

TEST_F(ContentScan, ArchiveMembersAndCompressedStreamsGiveTheSamePositions) {
  const ContentScanOptions o = options();
  // A big member (segments on other cores) and a small one (scanned whole).
  const std::string tar =
      testing::make_archive("pax", {"gzip"}, {{"big.txt", text}, {"small.txt", text.substr(0, 50'000)}});
  InputBudget limits = budget(o);
  const ContentResult result = ContentScanner(service, o).scan(Content{{"a.tar.gz"}, "a.tar.gz", true}, tar, limits);
  ASSERT_TRUE(result.archive);
  EXPECT_TRUE(result.archive->issues.empty());
  std::vector<Placed> both = expected;
  for (const Placed& p : expected) {
    if (std::get<1>(p) + std::get<0>(p).size() < 50'000) both.push_back(p);
  }
  std::sort(both.begin(), both.end(), [](const Placed& a, const Placed& b) { return std::get<1>(a) < std::get<1>(b); });
  EXPECT_EQ(sorted(member_matches(result)), both);

  // The compressed text alone, as a stream: one member.
  const std::string gz = testing::compress("gzip", text);
  std::size_t at = 0;
  const io::ReadSome read = [&](char* into, std::size_t capacity, std::string*) -> std::optional<std::size_t> {
    const std::size_t n = std::min(capacity, gz.size() - at);
    std::memcpy(into, gz.data() + at, n);
    at += n;
    return n;
  };
  InputBudget stream_limits = budget(o);
  const ContentResult streamed = ContentScanner(service, o).scan(Content{{"-"}, "-", false}, read, stream_limits);
  EXPECT_EQ(sorted(member_matches(streamed)), expected);
}

TEST_F(ContentScan, AContentIsClaimedOnceAndACallerMayDecideItIsPlain) {
  ContentScanOptions o = options();
  o.dedup = true;
  InputBudget limits = budget(o);
  ContentScanner scanner(service, o);
  const ContentResult first = scanner.scan(Content{{"a.txt"}, "a.txt", false}, text, limits);
  const ContentResult second = scanner.scan(Content{{"b.txt"}, "b.txt", false}, text, limits);
  EXPECT_TRUE(first.scanned);
  EXPECT_FALSE(first.duplicate);
  ASSERT_TRUE(second.duplicate);
  EXPECT_FALSE(second.scanned);
  EXPECT_TRUE(second.matches.empty());
  EXPECT_EQ(*first.content, *second.content);

  // Claimed by the caller: scanned without a claim of its own, under the caller's id.
  Content claimed{{"c.txt"}, "c.txt", false};
  claimed.claimed = ContentId{1, 2};
  const ContentResult third = scanner.scan(claimed, text, limits);
  EXPECT_TRUE(third.scanned);
  EXPECT_EQ(*third.content, (ContentId{1, 2}));
  EXPECT_EQ(sorted(third.matches), expected);

  // An archive the caller decided to read as plain bytes (nested past --max-depth) is not opened.
  const std::string tar = testing::make_archive("pax", {}, {{"k.txt", text.substr(0, 100'000)}});
  Content plain{{"d.tar"}, "d.tar", false};
  plain.plain = true;
  const ContentResult raw = scanner.scan(plain, tar, limits);
  EXPECT_FALSE(raw.archive);
  EXPECT_FALSE(raw.matches.empty());
  const ContentResult opened = scanner.scan(Content{{"e.tar"}, "e.tar", false}, tar, limits);
  EXPECT_TRUE(opened.duplicate);  // the same bytes: claimed by the plain scan
}

}  // namespace
}  // namespace sluice::pipeline
