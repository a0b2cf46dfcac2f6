// Secrets inside encoded text (engine/decoders.hpp): every decoding alone and nested two deep,
// for a PostHog key, an AWS key pair, a GitHub token and a PEM private key, in a file, on
// standard input, in an archive member and in a git blob, each at the offset of its encoded
// text with its chain of decodings; noise gives nothing; spans across chunk boundaries.

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "../support/encoders.hpp"
#include "support.hpp"

namespace sluice::e2e {
namespace {

using testing::base64;

// A location found in decoded text.
struct Decoded {
  std::string rule_id;
  std::string secret;
  std::uint64_t offset = 0;
  std::string decoders;  // joined with ' '
  friend auto operator<=>(const Decoded&, const Decoded&) = default;
};

std::ostream& operator<<(std::ostream& out, const Decoded& d) {
  return out << d.rule_id << " @" << d.offset << " [" << d.decoders << "] " << d.secret.substr(0, 24);
}

std::set<Decoded> decoded_of(const RunResult& result) {
  std::set<Decoded> out;
  for (const Finding& finding : parse_jsonl(result.out)) {
    for (const auto& at : finding.raw["locations"]) {
      if (!at.contains("decoders")) continue;
      std::string chain;
      for (const auto& d : at["decoders"]) {
        if (!chain.empty()) chain += ' ';
        chain += d.get<std::string>();
      }
      out.insert({finding.rule_id, finding.secret, at["offset"].get<std::uint64_t>(), chain});
    }
  }
  return out;
}

std::string random_of(KeyGen& gen, std::size_t n, std::string_view alphabet) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(alphabet[gen.below(alphabet.size())]);
  return out;
}

// A leak: the text that is encoded, and what it must give.
struct Leak {
  std::string text;
  std::vector<std::pair<std::string, std::string>> expect;  // rule id, secret
};

std::vector<Leak> leaks(KeyGen& gen) {
  std::vector<Leak> out;
  const std::string posthog = gen.personal_key();
  out.push_back({"POSTHOG_KEY=" + posthog, {{"posthog_personal_key", posthog}}});

  const std::string id = "AKIA" + random_of(gen, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
  const std::string secret = random_of(gen, 39, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+") +
                             random_of(gen, 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  out.push_back({"aws_access_key_id = " + id + "\naws_secret_access_key = " + secret,
                 {{"aws_access_key_id", id}, {"aws_secret_access_key", secret}}});

  // GitHub's checksum: CRC32 of the random part, six base62 digits.
  const std::string entropy = random_of(gen, 30, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  static const std::string kDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::uint64_t crc = crc32(0L, reinterpret_cast<const Bytef*>(entropy.data()), static_cast<uInt>(entropy.size()));
  std::string checksum(6, '0');
  for (int i = 5; i >= 0 && crc > 0; --i, crc /= 62) checksum[static_cast<std::size_t>(i)] = kDigits[crc % 62];
  const std::string github = "ghp_" + entropy + checksum;
  out.push_back({"GITHUB_TOKEN=" + github, {{"github_classic_pat", github}}});

  std::string body;
  for (int i = 0; i < 600; ++i) body.push_back(static_cast<char>(gen.below(256)));
  std::string pem = "-----BEGIN PRIVATE KEY-----\n" + testing::wrapped(base64(body), 64) + "-----END PRIVATE KEY-----";
  out.push_back({pem, {{"private_key_pem", pem}}});
  return out;
}

// One line per (leak, encoding): the content and the decoded locations it must give.
struct Corpus {
  std::string bytes;
  std::set<Decoded> expected;
};

Corpus corpus(KeyGen& gen) {
  Corpus c;
  struct Encoding {
    std::string chain;
    std::string (*encode)(const std::string&);
    std::string before;  // bytes between the line's label and the encoded span's start
    std::string after;
    bool at_line_start = false;  // the span starts at its line's start (quoted-printable)
  };
  const std::vector<Encoding> encodings{
      {"base64", [](const std::string& s) { return base64(s); }, "", ""},
      {"base64", [](const std::string& s) { return base64(s, true); }, "", ""},
      {"base64", [](const std::string& s) { return testing::wrapped(base64(s), 76, "    "); }, "|\n", ""},
      {"hex", [](const std::string& s) { return testing::hex(s); }, "", ""},
      {"percent", [](const std::string& s) { return testing::percent(s); }, "", ""},
      {"escape", [](const std::string& s) { return testing::json_escaped(s); }, "\"", "\""},
      {"html", [](const std::string& s) { return testing::html(s); }, "", ""},
      {"quoted-printable", [](const std::string& s) { return testing::quoted_printable(s); }, "\n", "", true},
      {"utf-16le", [](const std::string& s) { return testing::units(s, 2, true); }, "", ""},
      {"utf-16be", [](const std::string& s) { return testing::units(s, 2, false); }, "\xfe\xff", ""},
      {"utf-32le", [](const std::string& s) { return testing::units(s, 4, true); }, "", ""},
      {"utf-32be", [](const std::string& s) { return testing::units(s, 4, false); }, std::string("\0\0\xfe\xff", 4),
       ""},
      {"base64 utf-16le", [](const std::string& s) { return base64(testing::units(s, 2, true)); }, "", ""},
      {"base64 base64", [](const std::string& s) { return base64(base64(s)); }, "", ""},
      {"percent base64", [](const std::string& s) { return testing::percent(base64(s)); }, "", ""},
      {"hex base64", [](const std::string& s) { return testing::hex(base64(s)); }, "", ""},
  };
  std::size_t n = 0;
  for (const Leak& leak : leaks(gen)) {
    for (const Encoding& e : encodings) {
      c.bytes += gen.filler(1 + gen.below(200)) + "\n";
      c.bytes += "case " + std::to_string(n++) + ": " + e.before;
      // A wrapped span starts at its first line's indentation's end.
      const std::string encoded = e.encode(leak.text);
      const std::size_t indent = encoded.find_first_not_of(' ');
      const std::uint64_t offset = c.bytes.size() + (e.at_line_start ? 0 : indent);
      c.bytes += encoded + e.after + "\n";
      // A secret the encoding leaves as it is (a key id among escapes) is found plain.
      for (const auto& [rule, secret] : leak.expect) {
        if (encoded.find(secret) == std::string::npos) c.expected.insert({rule, secret, offset, e.chain});
      }
    }
  }
  c.bytes += gen.filler(100) + "\n";
  return c;
}

TEST(Decoding, EveryDecodingAloneAndNestedInEveryInputPath) {
  TempDir dir;
  KeyGen gen(2026);
  const Corpus c = corpus(gen);
  dir.write("file/leaks.txt", c.bytes);
  dir.write("tgz/leaks.tar.gz", make_archive("pax", {"gzip"}, {testing::Member{"leaks.txt", c.bytes}}));
  const std::string repo = (dir.root() / "repo").string();
  dir.write("repo/leaks.txt", c.bytes);
  for (std::vector<std::string> args : {std::vector<std::string>{"init", "-q"},
                                        {"add", "leaks.txt"},
                                        {"-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c",
                                         "commit.gpgsign=false", "commit", "-q", "-m", "leaks"},
                                        {"rm", "-q", "leaks.txt"}}) {
    args.insert(args.begin(), {"git", "-C", repo});
    ASSERT_TRUE(exited_with(run(args), 0)) << args[3];
  }
  const std::vector<std::pair<std::vector<std::string>, std::string>> runs{
      {{dir.path("file")}, ""}, {{"-", "--chunk-size", "4096"}, c.bytes},
      {{dir.path("tgz")}, ""},  {{dir.path("tgz"), "--segment-size", "65536", "-j", "1"}, ""},
      {{dir.path("repo")}, ""},
  };
  for (const auto& [where, input] : runs) {
    std::vector<std::string> args{"scan", "-f", "jsonl"};
    args.insert(args.end(), where.begin(), where.end());
    RunOptions options;
    options.input = input;
    const RunResult result = sluice(args, options);
    ASSERT_TRUE(exited_with(result, 1)) << describe(result);
    const std::set<Decoded> got = decoded_of(result);
    std::vector<Decoded> missing, added;
    std::set_difference(c.expected.begin(), c.expected.end(), got.begin(), got.end(), std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), c.expected.begin(), c.expected.end(), std::back_inserter(added));
    EXPECT_TRUE(missing.empty()) << where[0] << ": missing " << ::testing::PrintToString(missing);
    EXPECT_TRUE(added.empty()) << where[0] << ": unexpected " << ::testing::PrintToString(added);
  }

  // Depth 1 finds no nested leak; 0 finds nothing decoded.
  RunResult one = sluice({"scan", dir.path("file"), "-f", "jsonl", "--max-decode-depth", "1"});
  for (const Decoded& d : decoded_of(one)) EXPECT_EQ(d.decoders.find(' '), std::string::npos) << d;
  EXPECT_FALSE(decoded_of(one).empty());
  RunResult none = sluice({"scan", dir.path("file"), "-f", "jsonl", "--max-decode-depth", "0"});
  EXPECT_TRUE(decoded_of(none).empty());
}

TEST(Decoding, TheChainIsInEveryFormat) {
  TempDir dir;
  KeyGen gen(7);
  const std::string key = gen.personal_key();
  const std::string path = dir.write("k.yaml", "data:\n  token: " + base64(testing::units("k=" + key, 2, true)) + "\n");
  const RunResult text = sluice({"scan", path});
  EXPECT_NE(text.out.find("decoded: base64 > utf-16le"), std::string::npos) << text.out;
  const RunResult sarif = sluice({"scan", path, "-f", "sarif"});
  const auto doc = nlohmann::json::parse(sarif.out);
  const auto& result = doc["runs"][0]["results"][0];
  EXPECT_EQ(result["properties"]["decoders"], (nlohmann::json{"base64", "utf-16le"}));
  EXPECT_EQ(result["locations"][0]["physicalLocation"]["region"]["startColumn"], 10);
  const RunResult redacted = sluice({"scan", path, "--redact", "-f", "json"});
  EXPECT_EQ(redacted.out.find(key), std::string::npos);
}

TEST(Decoding, SpansAcrossChunkAndSegmentBoundaries) {
  TempDir dir;
  KeyGen gen(11);
  const Leak pem = leaks(gen)[3];
  const std::string encoded = base64(pem.text);
  for (std::size_t chunk : {std::size_t{64}, std::size_t{1000}, std::size_t{4096}}) {
    for (std::size_t at : {chunk - 3, chunk, chunk + 1, 3 * chunk + 17}) {
      std::string bytes = gen.filler(at - 1) + " " + encoded + "\n" + gen.filler(500);
      const RunResult result = sluice({"scan", "-", "-f", "jsonl", "--chunk-size", std::to_string(chunk)},
                                      RunOptions{bytes, "", false, std::chrono::seconds{60}});
      const std::set<Decoded> expected{{"private_key_pem", pem.text, at, "base64"}};
      EXPECT_EQ(decoded_of(result), expected) << "chunk " << chunk << " at " << at;
    }
  }
  // A mapped file split in segments of 64 KiB.
  for (std::size_t at : {std::size_t{65536} - 700, std::size_t{65536}, std::size_t{131072} - 1}) {
    const std::string bytes = gen.filler(at - 1) + " " + encoded + "\n" + gen.filler(200'000 - at);
    const std::string path = dir.write("split.txt", bytes);
    const RunResult result =
        sluice({"scan", path, "-f", "jsonl", "--segment-size", "65536", "--mmap-threshold", "4096"});
    const std::set<Decoded> expected{{"private_key_pem", pem.text, at, "base64"}};
    EXPECT_EQ(decoded_of(result), expected) << "segment boundary at " << at;
  }
}

// The formats that name a value as base64 (engine/rules: decode = "base64", a `key` group,
// each_secret): a Docker config's auth per registry, every data value of a Kubernetes Secret with
// its key, an Authorization: Basic header and .npmrc _auth are reported decoded, at the encoded
// value, in a file and in an archive member alike.
TEST(Decoding, ContainerShapedValuesAreDecodedByName) {
  TempDir dir;
  KeyGen gen(4242);
  const std::string alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const std::string docker_a = "ci-bot:" + random_of(gen, 20, alnum);
  const std::string docker_b = "deploy:" + random_of(gen, 24, alnum);
  const std::string db_password = random_of(gen, 22, alnum);
  const std::string api_key = "rk-" + random_of(gen, 28, alnum);
  const std::string basic = "svc-" + random_of(gen, 5, "abcdefghijklmnopqrstuvwxyz") + ":" + random_of(gen, 18, alnum);
  const std::string npm = "ci:" + random_of(gen, 16, alnum);
  const std::string github = leaks(gen)[2].expect[0].second;
  std::string binary;
  for (int i = 0; i < 24; ++i) binary.push_back(static_cast<char>(0x80 + gen.below(64)));
  binary[3] = '\0';
  const std::string binary_b64 = base64(binary);

  const std::string docker = "{\n  \"auths\": {\n    \"registry.acme.internal:5000\": {\n      \"auth\": \"" +
                             base64(docker_a) +
                             "\"\n    },\n    \"https://index.docker.io/v1/\": {\n      \"auth\": \"" +
                             base64(docker_b) + "\"\n    }\n  }\n}\n";
  const std::string manifest =
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: billing\ntype: Opaque\ndata:\n"
      "  username: YXBw\n  DB_PASSWORD: " +
      base64(db_password) + "\n  RELAY_API_KEY: " + base64(api_key) + "\n  GITHUB_TOKEN: " + base64(github) +
      "\n  tls.bin: " + binary_b64 + "\n";
  const std::string headers = "curl -H 'Authorization: Basic " + base64(basic) + "' https://api.acme.internal/v1\n";
  const std::string npmrc = "registry=https://npm.acme.internal/\n_auth=" + base64(npm) + "\n";
  dir.write("tree/config.json", docker);
  dir.write("tree/secret.yaml", manifest);
  dir.write("tree/call.sh", headers);
  dir.write("tree/.npmrc", npmrc);
  dir.write("tgz/all.tar.gz",
            make_archive("pax", {"gzip"},
                         {testing::Member{"config.json", docker}, testing::Member{"secret.yaml", manifest},
                          testing::Member{"call.sh", headers}, testing::Member{".npmrc", npmrc}}));

  // rule, secret, file, offset of the encoded value, decoders, key
  using Row = std::tuple<std::string, std::string, std::string, std::uint64_t, std::string, std::string>;
  const auto at = [](const std::string& text, const std::string& what) {
    const std::size_t found = text.find(what);
    EXPECT_NE(found, std::string::npos) << what;
    return static_cast<std::uint64_t>(found);
  };
  const std::set<Row> expected{
      {"docker_config_auth", docker_a, "config.json", at(docker, base64(docker_a)), "base64",
       "registry.acme.internal:5000"},
      {"docker_config_auth", docker_b, "config.json", at(docker, base64(docker_b)), "base64",
       "https://index.docker.io/v1/"},
      {"kubernetes_secret_data", db_password, "secret.yaml", at(manifest, base64(db_password)), "base64",
       "DB_PASSWORD"},
      {"kubernetes_secret_data", api_key, "secret.yaml", at(manifest, base64(api_key)), "base64", "RELAY_API_KEY"},
      // Not text: reported as it stands.
      {"kubernetes_secret_data", binary_b64, "secret.yaml", at(manifest, binary_b64), "", "tls.bin"},
      // The value is a GitHub token: its own rule reports it, and the Secret's rule yields.
      {"github_classic_pat", github, "secret.yaml", at(manifest, base64(github)), "base64", ""},
      {"generic_basic_auth_header", basic, "call.sh", at(headers, base64(basic)), "base64", ""},
      {"npmrc_auth", npm, ".npmrc", at(npmrc, base64(npm)), "base64", ""},
  };
  for (const std::string& where : {dir.path("tree"), dir.path("tgz")}) {
    const RunResult result = sluice({"scan", where, "-f", "jsonl"});
    ASSERT_TRUE(exited_with(result, 1)) << describe(result);
    std::set<Row> got;
    for (const Finding& finding : parse_jsonl(result.out)) {
      for (const auto& loc : finding.raw["locations"]) {
        std::string chain;
        for (const auto& d : loc.value("decoders", nlohmann::json::array())) chain += d.get<std::string>();
        const std::string path = loc["path"].get<std::string>();
        got.insert({finding.rule_id, finding.secret, path.substr(path.find_last_of("/!") + 1),
                    loc["offset"].get<std::uint64_t>(), chain, loc.value("key", std::string())});
      }
    }
    EXPECT_EQ(got, expected) << where;
  }

  // The key in the other formats; --redact hides the decoded secrets.
  const RunResult text = sluice({"scan", dir.path("tree/secret.yaml")});
  EXPECT_NE(text.out.find("key: DB_PASSWORD"), std::string::npos) << text.out;
  const RunResult sarif = sluice({"scan", dir.path("tree/config.json"), "-f", "sarif"});
  const auto doc = nlohmann::json::parse(sarif.out);
  std::set<std::string> keys;
  for (const auto& result : doc["runs"][0]["results"]) keys.insert(result["properties"]["key"].get<std::string>());
  EXPECT_EQ(keys, (std::set<std::string>{"registry.acme.internal:5000", "https://index.docker.io/v1/"}));
  const RunResult redacted = sluice({"scan", dir.path("tree"), "--redact", "-f", "json"});
  for (const std::string& secret : {docker_a, docker_b, db_password, api_key, basic, npm, github}) {
    EXPECT_EQ(redacted.out.find(secret), std::string::npos);
  }
}

// Random base64 (what a key file, an image or an encrypted blob looks like) gives no finding: the
// token-shaped pieces a prefix rule meets in it (one or two per 100 MB) are low, "in-base64".
TEST(Decoding, RandomBase64GivesNoFinding) {
  TempDir dir;
  std::mt19937_64 rng(8);  // a seed whose data holds a token-shaped piece
  std::string random(24'000'000, '\0');
  for (std::size_t i = 0; i + 8 <= random.size(); i += 8) {
    const std::uint64_t word = rng();
    std::memcpy(random.data() + i, &word, 8);
  }
  const std::string path = dir.write("noise/one-line.b64", base64(random) + "\n");
  const RunResult clean = sluice({"scan", path, "-f", "jsonl"});
  EXPECT_TRUE(exited_with(clean, 0)) << describe(clean, true);
  const RunResult low = sluice({"scan", path, "-f", "jsonl", "--min-confidence", "low"});
  std::size_t pieces = 0;
  for (const Finding& finding : parse_jsonl(low.out)) {
    EXPECT_EQ(finding.raw.value("confidence_reason", std::string()), "in-base64") << finding.rule_id;
    ++pieces;
  }
  EXPECT_GE(pieces, 1u) << "this seed's data holds token-shaped pieces: the test would not see the filter go";
}

// A span over the 1 MiB a decoding takes at once (a UTF-16 registry export, a base64 blob) is
// decoded in parts that share 8 KiB: a key is found once wherever it lies, across a cut too,
// at the offset of the part it starts in.
TEST(Decoding, LongSpansAreDecodedInParts) {
  TempDir dir;
  KeyGen gen(77);
  constexpr std::size_t kCut = (std::size_t{1} << 20) - 8192;  // the first part's own bytes
  std::string filler = gen.filler(1'400'000);
  std::replace(filler.begin(), filler.end(), '\0', ' ');
  for (long shift : {-150L, -94L, -60L, -10L, 0L, 30L}) {
    // UTF-16LE with a byte-order mark: the key's code units start `shift` bytes from the cut.
    const std::string key = gen.personal_key();
    const std::size_t at = static_cast<std::size_t>((static_cast<long>(kCut) + shift - 2) / 2);
    std::string text = filler;
    text.replace(at - 1, key.size() + 2, " " + key + " ");
    const std::string path = dir.write("utf16.reg", "\xff\xfe" + testing::units(text, 2, true));
    RunResult result = sluice({"scan", path, "-f", "jsonl"});
    ASSERT_TRUE(exited_with(result, 1)) << describe(result);
    std::vector<Finding> found = parse_jsonl(result.out);
    ASSERT_EQ(found.size(), 1u) << "shift " << shift;
    EXPECT_EQ(found[0].secret, key);
    EXPECT_EQ(found[0].locations.size(), 1u) << "shift " << shift;
    EXPECT_EQ(found[0].raw["locations"][0]["decoders"], (nlohmann::json{"utf-16le"}));

    // One line of base64: the key starts `shift` bytes from the cut, in decoded bytes.
    const std::size_t decoded_cut = kCut / 4 * 3;
    text = filler;
    text.replace(decoded_cut + static_cast<std::size_t>(shift + 200) - 201, key.size() + 2, " " + key + " ");
    const std::string blob = dir.write("blob.b64", base64(text) + "\n");
    result = sluice({"scan", blob, "-f", "jsonl"});
    ASSERT_TRUE(exited_with(result, 1)) << describe(result);
    found = parse_jsonl(result.out);
    ASSERT_EQ(found.size(), 1u) << "shift " << shift;
    EXPECT_EQ(found[0].secret, key);
    EXPECT_EQ(found[0].locations.size(), 1u) << "shift " << shift;
  }
}

// A span that runs past the bytes one read or one segment holds: on standard input its bytes
// are kept until its end comes (up to 4 MiB past the chunk), in a mapped file it is followed
// into the next segments, and where neither can be (a longer span on standard input, a big
// archive member read in segments) what is not decoded is counted, never dropped silently.
TEST(Decoding, SpansLongerThanAReadAreFollowedOrCounted) {
  TempDir dir;
  KeyGen gen(19);
  std::string filler = gen.filler(240'000);
  std::replace(filler.begin(), filler.end(), '\0', ' ');
  const std::string key = gen.personal_key();
  std::string text = filler;
  text.replace(230'000, key.size() + 2, " " + key + " ");
  const std::string encoded = base64(text);  // 320,000 bytes on one line, the key near its end
  const std::string bytes = gen.filler(50'000) + " " + encoded + "\n" + gen.filler(30'000) + "\n";
  const std::set<Decoded> expected{{"posthog_personal_key", key, 50'001, "base64"}};
  const auto not_decoded = [](const RunResult& r) {
    return r.err.find("not decoded, or only in part") != std::string::npos;
  };

  // Standard input, read 64 KiB at a time: the span crosses five reads.
  RunResult result = sluice({"scan", "-", "-f", "jsonl", "--chunk-size", "65536"},
                            RunOptions{bytes, "", false, std::chrono::seconds{60}});
  EXPECT_EQ(decoded_of(result), expected) << describe(result);
  EXPECT_FALSE(not_decoded(result)) << result.err;

  // A mapped file in segments of 64 KiB.
  const std::string path = dir.write("split/blob.txt", bytes);
  result = sluice({"scan", path, "-f", "jsonl", "--segment-size", "65536", "--mmap-threshold", "4096"});
  EXPECT_EQ(decoded_of(result), expected) << describe(result);
  EXPECT_FALSE(not_decoded(result)) << result.err;

  // A UTF-16 file of 2.9 MB in segments of 1 MiB: followed, then decoded in parts.
  std::string wide = gen.filler(1'450'000);
  std::replace(wide.begin(), wide.end(), '\0', ' ');
  wide.replace(1'100'000, key.size() + 2, " " + key + " ");
  const std::string reg = dir.write("wide/export.reg", "\xff\xfe" + testing::units(wide, 2, true));
  result = sluice({"scan", reg, "-f", "jsonl", "--segment-size", "1048576", "--mmap-threshold", "4096"});
  const std::vector<Finding> found = parse_jsonl(result.out);
  ASSERT_EQ(found.size(), 1u) << describe(result);
  EXPECT_EQ(found[0].secret, key);
  EXPECT_EQ(found[0].raw["locations"][0]["decoders"], (nlohmann::json{"utf-16le"}));

  // Longer than standard input keeps (4 MiB past a read): decoded as far as it was held, and counted.
  std::string long_text = gen.filler(4'000'000);
  std::replace(long_text.begin(), long_text.end(), '\0', ' ');
  const std::string long_bytes = base64(long_text) + "\n";
  result = sluice({"scan", "-", "--chunk-size", "65536"}, RunOptions{long_bytes, "", false, std::chrono::seconds{60}});
  EXPECT_TRUE(not_decoded(result)) << result.err;

  // A member of a tar.gz read in segments of 64 KiB: the span is counted.
  dir.write("tgz/blob.tar.gz", make_archive("pax", {"gzip"}, {testing::Member{"blob.txt", bytes}}));
  result = sluice({"scan", dir.path("tgz"), "-f", "jsonl", "--segment-size", "65536", "-j", "1"});
  EXPECT_TRUE(not_decoded(result)) << result.err;
  EXPECT_NE(result.err.find("1 encoded span"), std::string::npos) << result.err;
}

TEST(Decoding, NoiseGivesNothingAndCapsAreCounted) {
  TempDir dir;
  KeyGen gen(3);
  std::string random;
  for (int i = 0; i < 200'000; ++i) random.push_back(static_cast<char>(gen.below(256)));
  std::string hashes;
  for (int i = 0; i < 500; ++i)
    hashes += "sha256:" + testing::hex(random.substr(static_cast<std::size_t>(i) * 32, 32)) + "\n";
  dir.write("noise/random.b64", testing::wrapped(base64(random), 76));
  dir.write("noise/random-one-line.b64", base64(random.substr(0, 50'000)) + "\n");
  dir.write("noise/hashes.txt", hashes);
  dir.write(
      "noise/app.min.js",
      "!function(e){var t={};function n(r){if(t[r])return t[r].exports;var o=t[r]={i:r,l:!1,exports:{}};"
      "return e[r].call(o.exports,o,o.exports,n),o.l=!0,o.exports}n.m=e,n.c=t,n.d=function(e,t,r){n.o(e,t)||"
      "Object.defineProperty(e,t,{enumerable:!0,get:r})};var s=\"\\u0041\\u0042\\n\\t%20%3D&amp;&#x41;\"}([]);\n");
  const RunResult clean = sluice({"scan", dir.path("noise"), "-f", "jsonl"});
  EXPECT_TRUE(exited_with(clean, 0)) << describe(clean, true);

  // A span longer than the 1 MiB cap that cannot be cut in parts (quoted-printable lines joined
  // by soft breaks) is not decoded, and the summary says so.
  const std::string key = gen.personal_key();
  dir.write("big/one.eml", testing::quoted_printable(std::string(1'100'000, '=') + " " + key) + "\n");
  const RunResult big = sluice({"scan", dir.path("big")});
  EXPECT_TRUE(exited_with(big, 0)) << describe(big);
  EXPECT_NE(big.err.find("1 encoded span"), std::string::npos) << big.err;
  EXPECT_NE(big.err.find("not decoded"), std::string::npos) << big.err;
}

}  // namespace
}  // namespace sluice::e2e
