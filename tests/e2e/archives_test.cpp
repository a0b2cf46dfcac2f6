// End-to-end: archives and compressed streams. Every fixture is built here with libarchive's
// writer. A planted fake PostHog key must be reported at the right chain
// ("outer!member!nested member") in every format, nested three deep, across segment
// boundaries of big members, and bad archives (bomb, truncated, corrupt, encrypted, symlink
// member) must give their documented message and exit code while findings elsewhere in the
// same scan are still reported.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "support.hpp"

namespace sluice::e2e {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string env_line(const std::string& key) { return "# app settings\nPOSTHOG_PERSONAL_API_KEY=" + key + "\n"; }

// Where the key was reported (archive chains joined with '!').
std::vector<std::string> paths_of_key(const RunResult& result, const std::string& key) {
  std::vector<std::string> paths;
  for (const Finding& finding : parse_jsonl(result.out)) {
    if (finding.secret != key) continue;
    for (const Location& at : finding.locations) paths.push_back(at.path);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

struct FormatCase {
  const char* label;
  const char* format;
  std::vector<std::string> filters;
  const char* file_name;  // deliberately not always the conventional extension
};

class EveryFormat : public ::testing::TestWithParam<FormatCase> {};

TEST_P(EveryFormat, KeyIsFoundAtItsChain) {
  const FormatCase& c = GetParam();
  TempDir dir;
  KeyGen gen(std::hash<std::string>{}(c.label));
  const std::string key = gen.personal_key();
  const std::vector<Member> members{Member{"docs/readme.txt", gen.filler(3000)},
                                    Member{"config/app.env", gen.filler(500) + env_line(key)}};
  const std::string path = dir.write(c.file_name, make_archive(c.format, c.filters, members));
  const RunResult result = sluice({"scan", path, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  EXPECT_EQ(paths_of_key(result, key), std::vector<std::string>{path + "!config/app.env"}) << describe(result, true);
}

INSTANTIATE_TEST_SUITE_P(
    Archives, EveryFormat,
    ::testing::Values(FormatCase{"tar", "pax", {}, "plain.tar"}, FormatCase{"targz", "pax", {"gzip"}, "a.tgz"},
                      FormatCase{"tarbz2", "gnutar", {"bzip2"}, "b.tar.bz2"},
                      FormatCase{"tarxz", "ustar", {"xz"}, "c.tar.xz"},
                      FormatCase{"tarzst", "pax", {"zstd"}, "layer"},  // no extension at all
                      FormatCase{"tarlz4", "pax", {"lz4"}, "d.tar.lz4"}, FormatCase{"zip", "zip", {}, "e.zip"},
                      FormatCase{"jar", "zip", {}, "app.jar"}, FormatCase{"whl", "zip", {}, "pkg-1.0-py3-none-any.whl"},
                      FormatCase{"zip_named_txt", "zip", {}, "notes.txt"}, FormatCase{"sevenzip", "7zip", {}, "f.7z"},
                      FormatCase{"cpio", "newc", {}, "g.cpio"}, FormatCase{"cpiogz", "odc", {"gzip"}, "h.cpio.gz"},
                      FormatCase{"iso", "iso9660", {}, "i.iso"}),
    [](const ::testing::TestParamInfo<FormatCase>& info) { return std::string(info.param.label); });

TEST(Archives, ArMemberAndDebPackage) {
  TempDir dir;
  KeyGen gen(7);
  const std::string key = gen.personal_key();
  // A .deb is an ar archive holding a compressed data tarball.
  const std::string data_tar = make_archive("gnutar", {"xz"}, {Member{"./etc/app/app.env", env_line(key)}});
  const std::string deb =
      make_archive("arsvr4", {},
                   {Member{"debian-binary", "2.0\n"},
                    Member{"control.tar.xz", make_archive("gnutar", {"xz"}, {Member{"./control", "Package: x\n"}})},
                    Member{"data.tar.xz", data_tar}});
  const std::string path = dir.write("pool/app_1.0_amd64.deb", deb);
  const RunResult result = sluice({"scan", path, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  EXPECT_EQ(paths_of_key(result, key), std::vector<std::string>{path + "!data.tar.xz!./etc/app/app.env"});
}

TEST(Archives, RpmPayload) {
  TempDir dir;
  KeyGen gen(8);
  const std::string key = gen.personal_key();
  const std::string path = dir.write("app.rpm", make_rpm({Member{"./opt/app/app.env", env_line(key)}}));
  const RunResult result = sluice({"scan", path, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  EXPECT_EQ(paths_of_key(result, key), std::vector<std::string>{path + "!./opt/app/app.env"});
}

TEST(Archives, CompressedFilesAreScannedUnderTheirDecompressedName) {
  TempDir dir;
  KeyGen gen(9);
  std::vector<std::string> keys;
  std::vector<std::string> expected;
  for (const char* filter : {"gzip", "bzip2", "xz", "zstd", "lz4"}) {
    const std::string key = gen.personal_key();
    const std::string name = std::string("logs/app.") + filter;
    const std::string ext = std::string(filter) == "gzip"    ? ".gz"
                            : std::string(filter) == "bzip2" ? ".bz2"
                            : std::string(filter) == "zstd"  ? ".zst"
                            : std::string(filter) == "xz"    ? ".xz"
                                                             : ".lz4";
    const std::string path = dir.write(name + ".log" + ext, compress(filter, gen.filler(4000) + env_line(key)));
    keys.push_back(key);
    expected.push_back(path + "!app." + filter + ".log");
  }
  const RunResult result = sluice({"scan", dir.root().string(), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  for (std::size_t i = 0; i < keys.size(); ++i) {
    EXPECT_EQ(paths_of_key(result, keys[i]), std::vector<std::string>{expected[i]}) << describe(result, true);
  }
}

TEST(Archives, StandardInputArchive) {
  KeyGen gen(10);
  const std::string key = gen.personal_key();
  RunOptions options;
  options.input = make_archive("pax", {"gzip"}, {Member{"a/app.env", env_line(key)}});
  const RunResult result = sluice({"scan", "-", "-f", "jsonl"}, options);
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  EXPECT_EQ(paths_of_key(result, key), std::vector<std::string>{"-!a/app.env"});
}

TEST(Archives, ThreeLevelsOfNestingNameTheWholeChainInEveryFormat) {
  TempDir dir;
  KeyGen gen(11);
  const std::string key = gen.personal_key();
  const std::string zip = make_archive("zip", {}, {Member{"WEB-INF/classes/app.properties", env_line(key)}});
  const std::string targz = make_archive("pax", {"gzip"}, {Member{"lib/app.jar", zip}});
  const std::string deb = make_archive("arsvr4", {}, {Member{"data.tar.gz", targz}});
  const std::string path = dir.write("app.deb", deb);
  const std::string chain = path + "!data.tar.gz!lib/app.jar!WEB-INF/classes/app.properties";
  for (const char* format : {"jsonl", "json", "text"}) {
    const RunResult result = sluice({"scan", path, "-f", format});
    EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
    EXPECT_THAT(result.out, HasSubstr(chain)) << format;
    if (std::string(format) == "jsonl") {
      const std::vector<Finding> findings = parse_jsonl(result.out);
      ASSERT_EQ(findings.size(), 1u);
      EXPECT_EQ(findings[0].raw["locations"][0]["archive_chain"],
                nlohmann::json({path, "data.tar.gz", "lib/app.jar", "WEB-INF/classes/app.properties"}));
      EXPECT_EQ(findings[0].locations[0].line, 2u);
      EXPECT_EQ(findings[0].locations[0].column, 26u);
    }
  }
  // --max-depth 2 opens the deb and the tarball but scans the jar as raw (compressed) bytes.
  const RunResult shallow = sluice({"scan", path, "-f", "jsonl", "--max-depth", "2"});
  EXPECT_TRUE(exited_with(shallow, kIncomplete)) << describe(shallow, true);
  EXPECT_THAT(shallow.err, HasSubstr("lib/app.jar: zip nested deeper than --max-depth 2"));
  // --no-archives: nothing is opened, the compressed bytes hide the key.
  const RunResult raw = sluice({"scan", path, "-f", "jsonl", "--no-archives"});
  EXPECT_TRUE(exited_with(raw, kClean)) << describe(raw, true);
}

// Members bigger than a segment: keys planted all along (so that some straddle every kind of
// segment boundary) are found once each, with the line and column a plain file gives.
TEST(Archives, KeysAcrossSegmentBoundariesOfBigMembers) {
  TempDir dir;
  KeyGen gen(12);
  std::string text = gen.filler(std::size_t{3} << 20);
  std::vector<std::pair<std::string, std::size_t>> planted;
  for (std::size_t at = 1000; at + 100 < text.size(); at += 7919) {
    const std::string key = gen.personal_key();
    plant(text, at, key, gen);
    planted.emplace_back(key, at);
  }
  const std::string archive = dir.write("big.tar.zst", make_archive("pax", {"zstd"}, {Member{"big.txt", text}}));
  std::vector<Hit> expected;
  for (const auto& [key, at] : planted) {
    const Position p = position_of(text, at);
    expected.push_back(Hit{archive + "!big.txt", "posthog_personal_key", key, at, p.line, p.column});
  }
  std::sort(expected.begin(), expected.end());
  for (const char* threads : {"1", "2"}) {
    // --segment-size 4096 makes member segments their minimum (4 confirmation windows).
    const RunResult result = sluice({"scan", archive, "-f", "jsonl", "-j", threads, "--segment-size", "4096"});
    EXPECT_TRUE(exited_with(result, kFindings)) << describe(result);
    const std::vector<Hit> hits = flatten(of_rule(parse_jsonl(result.out), "posthog_personal_key"));
    EXPECT_EQ(hits, expected) << "threads " << threads;
  }
}

TEST(Archives, IdenticalMembersAndArchivesAreScannedOnce) {
  TempDir dir;
  KeyGen gen(13);
  const std::string key = gen.personal_key();
  const std::string inner = make_archive("zip", {}, {Member{"app.env", env_line(key)}});
  const std::string outer = make_archive("pax", {"gzip"}, {Member{"a/lib.zip", inner}, Member{"b/lib.zip", inner}});
  const std::string one = dir.write("one.tar.gz", outer);
  const std::string two = dir.write("copy/two.tar.gz", outer);
  const RunResult result = sluice({"scan", dir.root().string(), "-f", "json"});
  EXPECT_TRUE(exited_with(result, kFindings)) << describe(result, true);
  const std::vector<Finding> findings = parse_json_findings(result.out);
  ASSERT_EQ(findings.size(), 1u);
  std::vector<std::string> paths;
  for (const Location& at : findings[0].locations) paths.push_back(at.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{two + "!a/lib.zip!app.env", two + "!b/lib.zip!app.env",
                                             one + "!a/lib.zip!app.env", one + "!b/lib.zip!app.env"}));
  const nlohmann::json summary = nlohmann::json::parse(result.out)["summary"];
  EXPECT_EQ(summary["duplicates"], 2) << "one archive and one nested zip are copies";
}

// ------------------------------------------------------------------------------- bad archives

// A scan of `bad` next to a good file with a key: the good key is still reported.
struct BadArchive {
  TempDir dir;
  KeyGen gen;
  std::string good_key;
  std::string good_path;
  explicit BadArchive(std::uint64_t seed) : gen(seed) {
    good_key = gen.personal_key();
    good_path = dir.write("good/app.env", env_line(good_key));
  }
  RunResult scan(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{"scan", dir.root().string(), "-f", "jsonl"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunOptions options;
    options.timeout = std::chrono::seconds(120);
    return sluice(args, options);
  }
};

bool reports(const RunResult& result, const std::string& key, const std::string& path) {
  return paths_of_key(result, key) == std::vector<std::string>{path};
}

// A bomb member costs only itself where the rest of it can be passed over (a zip, read
// through its central directory): it is cut at the expansion limit and named, and the members
// after it are scanned (issue 18).
TEST(BadArchives, ZipBombMemberCostsOnlyItself) {
  BadArchive tree(21);
  const std::string after = tree.gen.personal_key();
  // 300 MiB of zeros deflate to about 300 KB: a ratio near 1000, past the default 100.
  const std::string bomb =
      tree.dir.write("bomb.zip", make_archive("zip", {},
                                              {Member{"zeros.bin", std::string(std::size_t{300} << 20, '\0')},
                                               Member{"ok.txt", env_line(after)}}));
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err,
              HasSubstr("sluice: error: " + bomb + "!zeros.bin: member over the expansion limit: its first 256."));
  EXPECT_THAT(result.err, Not(HasSubstr("the rest of this input was not scanned")));
  EXPECT_TRUE(reports(result, after, bomb + "!ok.txt")) << describe(result, true);
  EXPECT_TRUE(reports(result, tree.good_key, tree.good_path)) << describe(result, true);

  // Many bomb members: the whole input stops after a few of them, and says so.
  std::vector<Member> bombs;
  for (int k = 0; k < 5; ++k)
    bombs.push_back(Member{"zeros" + std::to_string(k) + ".bin", std::string(std::size_t{300} << 20, '\0')});
  bombs.push_back(Member{"ok.txt", env_line(after)});
  const std::string many = tree.dir.write("many.zip", make_archive("zip", {}, bombs));
  std::filesystem::remove(bomb);
  const RunResult stopped = tree.scan();
  EXPECT_TRUE(exited_with(stopped, kIncomplete)) << describe(stopped);
  EXPECT_THAT(stopped.err, HasSubstr("sluice: error: " + many + ": expansion limit: more than 1.0 GiB decompressed"));
  EXPECT_TRUE(reports(stopped, tree.good_key, tree.good_path));
}

// In a compressed stream (tar.gz, tar.zst, a zip read from standard input) a bomb member costs
// only itself too: it is cut at the limit, the rest of it is decompressed unscanned, and the
// member after it is scanned; on either thread count (2: decompressed on a thread of its own).
// The same one level nested (a tar.gz in a zip). The budget for what is passed over is
// covered at smaller limits in ArchiveScan.* (unit tests).
TEST(BadArchives, StreamedBombMemberCostsOnlyItself) {
  BadArchive tree(29);
  const std::string after = tree.gen.personal_key();
  // 300 MiB of zeros: about 300 KB as gzip, 10 KB as zstd; a ratio far past the default 100.
  const std::vector<Member> members{Member{"zeros.bin", std::string(std::size_t{300} << 20, '\0')},
                                    Member{"ok.txt", env_line(after)}};
  const std::string gz = make_archive("pax", {"gzip"}, members);
  const std::string tgz = tree.dir.write("bomb.tar.gz", gz);
  const std::string tzst = tree.dir.write("bomb.tar.zst", make_archive("pax", {"zstd"}, members));
  const std::string nested = tree.dir.write("outer.zip", make_archive("zip", {}, {Member{"lib/bomb.tgz", gz}}));
  for (const char* threads : {"1", "2"}) {
    const RunResult result = tree.scan({"-j", threads, "--no-dedup"});  // the two gzip'd bombs are one content
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
    for (const std::string& bomb : {tgz, tzst, nested + "!lib/bomb.tgz"}) {
      EXPECT_THAT(result.err, HasSubstr("sluice: error: " + bomb + "!zeros.bin: member over the expansion limit"))
          << threads << " threads\n"
          << describe(result);
      EXPECT_THAT(paths_of_key(result, after), ::testing::Contains(bomb + "!ok.txt")) << describe(result, true);
    }
    EXPECT_THAT(result.err, Not(HasSubstr("the rest of this input was not scanned"))) << describe(result);
    EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
  }
  // A compressed file has no next member: it stops at the limit.
  std::filesystem::remove_all(tree.dir.root() / "bomb.tar.gz");
  std::filesystem::remove_all(tree.dir.root() / "bomb.tar.zst");
  std::filesystem::remove_all(tree.dir.root() / "outer.zip");
  const std::string plain = tree.dir.write("zeros.bin.gz", compress("gzip", std::string(std::size_t{300} << 20, '\0')));
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + plain + "!zeros.bin: member over the expansion limit"));
  EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
}

// A zip read from standard input is streamed (no central directory): same as a tar.gz.
TEST(BadArchives, ZipBombFromStandardInput) {
  KeyGen gen(30);
  const std::string after = gen.personal_key();
  RunOptions options;
  options.input = make_archive(
      "zip", {}, {Member{"zeros.bin", std::string(std::size_t{300} << 20, '\0')}, Member{"ok.txt", env_line(after)}});
  options.timeout = std::chrono::seconds(120);
  const RunResult result = sluice({"scan", "-", "-f", "jsonl"}, options);
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: -!zeros.bin: member over the expansion limit"));
  EXPECT_EQ(paths_of_key(result, after), std::vector<std::string>{"-!ok.txt"}) << describe(result, true);
}

TEST(BadArchives, RecursiveBombIsDefusedByDedupAndStoppedWithout) {
  BadArchive tree(22);
  // 16 copies of 16 copies of 16 copies of 1 MiB of zeros: 4 GiB from about 4 MB.
  std::string level = std::string(std::size_t{1} << 20, '\0');
  std::string name = "zeros.bin";
  for (int depth = 0; depth < 3; ++depth) {
    std::vector<Member> copies;
    for (int k = 0; k < 16; ++k) copies.push_back(Member{std::to_string(k) + "-" + name, level});
    level = make_archive("zip", {}, copies);
    name = "level" + std::to_string(depth) + ".zip";
  }
  const std::string bomb = tree.dir.write("42.zip", level);
  // Identical members are scanned once: the whole thing costs a few MB.
  const RunResult deduped = tree.scan();
  EXPECT_TRUE(exited_with(deduped, kFindings)) << describe(deduped);
  EXPECT_TRUE(reports(deduped, tree.good_key, tree.good_path));
  // Scanning every copy runs into the expansion limit instead of decompressing 4 GiB.
  const RunResult every_copy = tree.scan({"--no-dedup"});
  EXPECT_TRUE(exited_with(every_copy, kIncomplete)) << describe(every_copy);
  EXPECT_THAT(every_copy.err, HasSubstr("sluice: error: " + bomb + ": expansion limit"));
  EXPECT_TRUE(reports(every_copy, tree.good_key, tree.good_path));
}

TEST(BadArchives, TruncatedTarGzReportsWhatWasReadAndWhereItBroke) {
  BadArchive tree(23);
  const std::string key = tree.gen.personal_key();
  std::string archive =
      make_archive("pax", {"gzip"},
                   {Member{"first/app.env", env_line(key)},
                    Member{"second/big.bin", tree.gen.filler(std::size_t{2} << 20)}, Member{"third/other.txt", "x"}});
  archive.resize(archive.size() * 6 / 10);
  const std::string path = tree.dir.write("cut.tar.gz", archive);
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + "!second/big.bin: ")) << describe(result);
  EXPECT_TRUE(reports(result, key, path + "!first/app.env")) << describe(result, true);
  EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
  EXPECT_TRUE(no_secret_on_stderr(result, {key, tree.good_key}));
}

// Regression: a tar header with a bad checksum made libarchive skip to the next readable
// header, and the member behind it (with its key) vanished from a scan that said "complete".
// The skip is reported (exit 3) and the members around it are scanned, plain and gzip'd.
TEST(BadArchives, DamagedTarHeaderIsReportedAndTheOtherMembersScanned) {
  BadArchive tree(341);
  std::vector<std::string> keys;
  std::vector<Member> members;
  for (const char* name : {"m0.env", "m1.env", "m2.env"}) {
    keys.push_back(tree.gen.personal_key());
    members.push_back(Member{name, env_line(keys.back())});
  }
  std::string tar = make_archive("ustar", {}, members);
  // ustar: each member is a 512-byte header and one 512-byte data block; m1's header is at 1024.
  ASSERT_EQ(tar.substr(1024, 6), "m1.env");
  tar.replace(1024 + 148, 8, std::string(8, '\0'));  // its checksum field
  const std::string plain = tree.dir.write("damaged.tar", tar);
  const std::string gz = tree.dir.write("damaged.tar.gz", compress("gzip", tar));
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  for (const std::string& path : {plain, gz}) {
    EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + ": damaged member header"));
    EXPECT_THAT(paths_of_key(result, keys[0]), ::testing::Contains(path + "!m0.env")) << describe(result, true);
    EXPECT_THAT(paths_of_key(result, keys[2]), ::testing::Contains(path + "!m2.env")) << describe(result, true);
  }
  EXPECT_TRUE(no_secret_on_stderr(result, {keys[0], keys[1], keys[2], tree.good_key}));
}

TEST(BadArchives, CorruptZipMemberIsNamedAndTheOthersAreScanned) {
  BadArchive tree(24);
  const std::string key = tree.gen.personal_key();
  const std::string filler = tree.gen.filler(200000);
  std::string zip = make_archive("zip", {}, {Member{"ok/app.env", env_line(key)}, Member{"broken/data.txt", filler}});
  // Damage the middle of the second member's compressed bytes.
  const std::size_t middle = zip.size() / 2 + 2000;
  for (std::size_t i = middle; i < middle + 64; ++i) zip[i] = static_cast<char>(zip[i] ^ 0x5a);
  const std::string path = tree.dir.write("damaged.zip", zip);
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + "!broken/data.txt: ")) << describe(result);
  EXPECT_TRUE(reports(result, key, path + "!ok/app.env")) << describe(result, true);
  EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
}

TEST(BadArchives, GarbageAfterZipMagicIsScannedAsPlainBytes) {
  BadArchive tree(25);
  const std::string key = tree.gen.personal_key();
  const std::string path =
      tree.dir.write("fake.zip", std::string("PK\x03\x04", 4) + tree.gen.filler(100) + env_line(key));
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + ": cannot be read as an archive"));
  EXPECT_TRUE(reports(result, key, path)) << describe(result, true);
}

// Regression: a tar reader takes a zero block for the end of an archive, so compressed bytes
// that start with 512 zeros were read as an empty tar and the rest was never scanned.
TEST(BadArchives, ZeroBlockBeforeTheSecretInACompressedStreamDoesNotHideIt) {
  TempDir dir;
  KeyGen gen(310);
  const std::string key = gen.personal_key();
  const std::string payload = std::string(1024, '\0') + "KEY=" + key + "\n";
  dir.write("in/zeros.gz", compress("gzip", payload));
  dir.write("in/zeros.xz", compress("xz", payload));
  dir.write("in/outer.zip", make_archive("zip", {}, {{"inner/zeros.gz", compress("gzip", payload)}}));
  for (const char* threads : {"1", "2"}) {
    const RunResult result = sluice({"scan", dir.path("in"), "-f", "json", "-j", threads});
    ASSERT_TRUE(exited_with(result, kFindings)) << describe(result, true);
    const std::vector<Finding> findings = parse_json_findings(result.out);
    ASSERT_EQ(findings.size(), 1u);
    EXPECT_EQ(findings[0].occurrences, 3u) << describe(result, true);
  }
  // Streamed, the bytes cannot be read twice: the scan says what it missed.
  RunOptions piped;
  piped.input = compress("gzip", payload);
  const RunResult stream = sluice({"scan", "-"}, piped);
  EXPECT_TRUE(exited_with(stream, kIncomplete)) << describe(stream);
  EXPECT_THAT(stream.err, HasSubstr("no member inside a compressed stream"));
}

// An xz header may declare a dictionary of up to 1.5 GiB, which its decoder allocates: such a
// stream is not opened past --max-decompression-memory (top level, nested, any thread count).
TEST(BadArchives, XzDictionaryOverTheMemoryCapIsNotDecompressed) {
  TempDir dir;
  KeyGen gen(311);
  const std::string key = gen.personal_key();
  const std::string plain = dir.write("work/secret.env", gen.filler(3000) + env_line(key));
  const RunResult xz = run({"xz", "-k", "-T1", "--lzma2=preset=0,dict=512MiB", plain});
  ASSERT_TRUE(exited_with(xz, 0)) << describe(xz);
  const std::string compressed = read_file(plain + ".xz");
  dir.write("in/big-dict.env.xz", compressed);
  dir.write("in/outer.tar", make_archive("pax", {}, {{"inner/big-dict.env.xz", compressed}}));
  for (const char* threads : {"1", "2"}) {
    const RunResult result = sluice({"scan", dir.path("in"), "-f", "json", "-j", threads});
    ASSERT_TRUE(exited_with(result, kIncomplete)) << describe(result, true);
    EXPECT_THAT(result.err, HasSubstr(dir.path("in/big-dict.env.xz") + ": its decoder would need 5"));
    EXPECT_THAT(result.err, HasSubstr("outer.tar!inner/big-dict.env.xz: its decoder would need"));
    EXPECT_TRUE(parse_json_findings(result.out).empty());
  }
  // Raised, the same files are opened and the key found in both.
  const RunResult raised = sluice({"scan", dir.path("in"), "-f", "json", "--max-decompression-memory", "1000000000"});
  ASSERT_TRUE(exited_with(raised, kFindings)) << describe(raised, true);
  EXPECT_EQ(parse_json_findings(raised.out).at(0).occurrences, 2u);
  // An ordinary xz (8 MiB dictionary at -6) is opened under the default cap.
  const RunResult ordinary = run({"xz", "-k", "-T1", "-6", "-c", plain});
  dir.write("small/ordinary.env.xz", ordinary.out);
  const RunResult normal = sluice({"scan", dir.path("small")});
  EXPECT_TRUE(exited_with(normal, kFindings)) << describe(normal);
}

TEST(BadArchives, EncryptedMemberIsReportedAsNotScanned) {
  BadArchive tree(26);
  const std::string hidden = tree.gen.personal_key();
  const std::string path = tree.dir.write(
      "locked.zip",
      make_archive("zip", {}, {Member{"vault/app.env", env_line(hidden)}}, "zip:encryption=zipcrypt", "correct horse"));
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + "!vault/app.env: encrypted member, not scanned"));
  EXPECT_TRUE(paths_of_key(result, hidden).empty());
  EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
}

TEST(BadArchives, SymlinkMemberPointingOutsideIsNotFollowed) {
  BadArchive tree(27);
  const std::string outside_key = tree.gen.personal_key();
  TempDir elsewhere;
  const std::string outside = elsewhere.write("secret.env", env_line(outside_key));
  const std::string path = tree.dir.write(
      "links.tar", make_archive("pax", {},
                                {Member{"etc/link.env", "", Member::Kind::kSymlink, outside},
                                 Member{"etc/up.env", "", Member::Kind::kSymlink, "../../../../" + outside}}));
  const RunResult result = tree.scan({"-v"});
  EXPECT_TRUE(exited_with(result, kFindings)) << "a symlink member is skipped by design\n" << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: skipped: " + path + "!etc/link.env: symbolic link member not followed"));
  EXPECT_TRUE(paths_of_key(result, outside_key).empty()) << describe(result, true);
  EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
  // Not named without --verbose: archives of real systems hold thousands.
  EXPECT_THAT(tree.scan().err, Not(HasSubstr("symbolic link member")));
}

TEST(BadArchives, OversizedMemberIsCutAtTheLimit) {
  BadArchive tree(28);
  const std::string early = tree.gen.personal_key();
  const std::string late = tree.gen.personal_key();
  const std::string member = env_line(early) + tree.gen.filler(200000) + env_line(late);
  const std::string path = tree.dir.write("big.tar.gz", make_archive("pax", {"gzip"}, {Member{"app.env", member}}));
  const RunResult result = tree.scan({"--max-member-size", "100000"});
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + "!app.env: member larger than --max-member-size"));
  EXPECT_TRUE(reports(result, early, path + "!app.env"));
  EXPECT_TRUE(paths_of_key(result, late).empty());
}

// ------------------------------------------------------------------------- truncated inputs

// Random bytes: no compressor shrinks them, so the compressed archive is about as big as its
// content and a cut at a byte offset keeps the members before it whole.
std::string incompressible(KeyGen& gen, std::size_t size) {
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(gen.rng()() & 0xff);
  return out;
}

// A first member holding a key, then about 1 MiB of incompressible members.
std::vector<Member> key_then_filler(KeyGen& gen, const std::string& key) {
  std::vector<Member> members{Member{"first/app.env", env_line(key) + gen.filler(2000)}};
  for (int k = 0; k < 16; ++k) {
    members.push_back(Member{"filler/" + std::to_string(k) + ".bin", incompressible(gen, 65536)});
  }
  return members;
}

struct TruncatedCase {
  const char* label;
  const char* format;
  std::vector<std::string> filters;
  const char* options;
  const char* file_name;
};

class TruncatedArchive : public ::testing::TestWithParam<TruncatedCase> {};

// Regression: a compressed archive cut short lost the members read before the cut (the
// decompressor dropped its last partial block, and with it the first header: "cannot be read
// as an archive (truncated gzip input); scanned as plain bytes").
TEST_P(TruncatedArchive, MembersBeforeTheCutAreScannedAndTheCutIsReported) {
  const TruncatedCase& c = GetParam();
  BadArchive tree(std::hash<std::string>{}(c.label));
  const std::string key = tree.gen.personal_key();
  std::string archive = make_archive(c.format, c.filters, key_then_filler(tree.gen, key), c.options);
  archive.resize(archive.size() * 6 / 10);
  const std::string path = tree.dir.write(c.file_name, archive);
  for (const char* threads : {"1", "2"}) {  // 2: decompressed on a thread of its own
    const RunResult result = tree.scan({"-j", threads});
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
    EXPECT_TRUE(reports(result, key, path + "!first/app.env")) << describe(result, true);
    EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
    EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + ": truncated or corrupt archive after "))
        << describe(result);
    EXPECT_THAT(result.err, Not(HasSubstr("scanned as plain bytes"))) << describe(result);
    EXPECT_TRUE(no_secret_on_stderr(result, {key, tree.good_key}));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Archives, TruncatedArchive,
    ::testing::Values(TruncatedCase{"tar", "pax", {}, "", "cut.tar"},
                      TruncatedCase{"targz", "pax", {"gzip"}, "", "cut.tar.gz"},
                      TruncatedCase{"tarzst", "pax", {"zstd"}, "", "cut.tar.zst"},
                      TruncatedCase{"tarxz", "pax", {"xz"}, "", "cut.tar.xz"},
                      // bzip2 decodes whole blocks: 100 KB ones, so that the first is before the cut.
                      TruncatedCase{"tarbz2", "pax", {"bzip2"}, "bzip2:compression-level=1", "cut.tar.bz2"},
                      // The central directory is gone: the local headers are read in order.
                      TruncatedCase{"zip", "zip", {}, "", "cut.zip"}),
    [](const ::testing::TestParamInfo<TruncatedCase>& info) { return std::string(info.param.label); });

// Regression: a member named with a key ("cfg/API_KEY=phx_...") was printed whole in the
// error line about it, without --redact too (stderr ends up in CI logs). What a rule matches is
// masked in every message.
TEST(TruncatedArchives, AKeyInAMemberNameIsNotPrintedOnStderr) {
  BadArchive tree(335);
  const std::string key = tree.gen.personal_key();
  std::string archive =
      make_archive("pax", {}, {Member{"cfg/POSTHOG_PERSONAL_API_KEY=" + key, tree.gen.filler(20000)}});
  archive.resize(5000);
  const std::string path = tree.dir.write("named.tar", archive);
  const RunResult result = tree.scan({"-q"});
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + "!cfg/POSTHOG_PERSONAL_API_KEY=")) << result.err;
  EXPECT_TRUE(no_secret_on_stderr(result, {key})) << result.err;
}

// Regression: a plain tar cut inside its first member lost the member's first bytes.
TEST(TruncatedArchives, TarCutInsideItsFirstMember) {
  BadArchive tree(330);
  const std::string key = tree.gen.personal_key();
  std::string archive = make_archive("pax", {}, {Member{"app.env", env_line(key) + tree.gen.filler(20000)}});
  archive.resize(5000);
  const std::string path = tree.dir.write("short.tar", archive);
  const RunResult result = tree.scan();
  EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
  EXPECT_TRUE(reports(result, key, path + "!app.env")) << describe(result, true);
  EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + "!app.env: member could not be read completely"));
  EXPECT_TRUE(no_secret_on_stderr(result, {key, tree.good_key}));
}

// Regression: a compressed file cut short lost every byte its decoder produced before the cut.
TEST(TruncatedArchives, CompressedFileCutShortYieldsWhatItsDecoderProduced) {
  BadArchive tree(331);
  std::vector<std::pair<std::string, std::string>> cases;  // (path, key)
  for (const auto& [filter, ext] : std::vector<std::pair<std::string, std::string>>{
           {"gzip", ".gz"}, {"zstd", ".zst"}, {"xz", ".xz"}, {"bzip2", ".bz2"}}) {
    const std::string key = tree.gen.personal_key();
    // About 3 MB compressed, cut at 100 KB; the key is on the first line.
    const std::string data = env_line(key) + incompressible(tree.gen, std::size_t{3} << 20);
    std::string compressed = compress(filter, data, filter == "bzip2" ? "bzip2:compression-level=1" : "");
    compressed.resize(100000 + (filter == "bzip2" ? 100000 : 0));
    cases.emplace_back(tree.dir.write("logs/app.log" + ext, compressed), key);
  }
  for (const char* threads : {"1", "2"}) {
    const RunResult result = tree.scan({"-j", threads});
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
    for (const auto& [path, key] : cases) {
      EXPECT_TRUE(reports(result, key, path + "!app.log")) << path << "\n" << describe(result, true);
      EXPECT_THAT(result.err, HasSubstr("sluice: error: " + path + ": compressed stream unreadable after "))
          << describe(result);
      EXPECT_TRUE(no_secret_on_stderr(result, {key}));
    }
  }
}

// Regression: when fewer bytes were decoded before the cut than libarchive reads ahead to
// recognise a format (tens of KiB), the cut made it give up: "cannot be read as an archive;
// scanned as plain bytes", and the decoded bytes were lost.
TEST(TruncatedArchives, CutWithinTheFirstKilobytesOfDecodedBytes) {
  BadArchive tree(334);
  const std::string plain_key = tree.gen.personal_key();
  const std::string tar_key = tree.gen.personal_key();
  std::string gz = compress("gzip", env_line(plain_key) + tree.gen.filler(20000));
  gz.resize(gz.size() / 2);
  const std::string gz_path = tree.dir.write("small.env.gz", gz);
  std::string tgz = make_archive("pax", {"xz"}, {Member{"app.env", env_line(tar_key) + tree.gen.filler(20000)}});
  tgz.resize(tgz.size() / 2);
  const std::string tgz_path = tree.dir.write("small.tar.xz", tgz);
  for (const char* threads : {"1", "2"}) {
    const RunResult result = tree.scan({"-j", threads});
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
    EXPECT_TRUE(reports(result, plain_key, gz_path + "!small.env")) << describe(result, true);
    EXPECT_TRUE(reports(result, tar_key, tgz_path + "!app.env")) << describe(result, true);
    EXPECT_THAT(result.err, HasSubstr("sluice: error: " + gz_path + ": compressed stream unreadable after "));
    EXPECT_THAT(result.err, HasSubstr("sluice: error: " + tgz_path + ": truncated or corrupt archive after 1 member"));
    EXPECT_THAT(result.err, Not(HasSubstr("scanned as plain bytes"))) << describe(result);
  }
}

// Streamed from standard input, the same cut archive gives the same.
TEST(TruncatedArchives, StandardInputCutShort) {
  KeyGen gen(332);
  const std::string key = gen.personal_key();
  for (const char* filter : {"gzip", "zstd"}) {
    RunOptions options;
    options.input = make_archive("pax", {filter}, key_then_filler(gen, key));
    options.input.resize(options.input.size() / 2);
    const RunResult result = sluice({"scan", "-", "-f", "jsonl"}, options);
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
    EXPECT_EQ(paths_of_key(result, key), std::vector<std::string>{"-!first/app.env"}) << describe(result, true);
    EXPECT_THAT(result.err, HasSubstr("sluice: error: -: truncated or corrupt archive after ")) << describe(result);
  }
}

// A truncated tar.gz inside a good zip: the members read before its cut carry the whole chain.
TEST(TruncatedArchives, NestedOneLevel) {
  BadArchive tree(333);
  const std::string key = tree.gen.personal_key();
  std::string inner = make_archive("pax", {"gzip"}, key_then_filler(tree.gen, key));
  inner.resize(inner.size() / 2);
  const std::string zip = tree.dir.write(
      "outer.zip", make_archive("zip", {}, {Member{"lib/cut.tar.gz", inner}, Member{"z.txt", "last\n"}}));
  for (const char* threads : {"1", "2"}) {
    const RunResult result = tree.scan({"-j", threads});
    EXPECT_TRUE(exited_with(result, kIncomplete)) << describe(result);
    EXPECT_TRUE(reports(result, key, zip + "!lib/cut.tar.gz!first/app.env")) << describe(result, true);
    EXPECT_THAT(result.err, HasSubstr("sluice: error: " + zip + "!lib/cut.tar.gz: truncated or corrupt archive after "))
        << describe(result);
    EXPECT_TRUE(reports(result, tree.good_key, tree.good_path));
  }
}

}  // namespace
}  // namespace sluice::e2e
