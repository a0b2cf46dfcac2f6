// Writes the seed corpora of the fuzz harnesses into
// OUT/{rules,matcher,decoders,archive,image,glob,config}/:
// the built-in rule files, every built-in rule example with a few chunkings, small archives of
// every format sluice reads (nested ones too, and container images), and image metadata.
// Everything is generated here, so the repository holds no binary seeds; all secrets are the
// rule files' fake examples.

#include <archive.h>
#include <archive_entry.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/builtin_rules.hpp"
#include "engine/rule_loader.hpp"
#include "io/path_filter.hpp"

using namespace sluice;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Member {
  std::string name;
  std::string data;
  bool directory = false;
};

void check(archive* a, int status, const char* what) {
  if (status < ARCHIVE_WARN) {
    const char* message = archive_error_string(a);
    throw std::runtime_error(std::string(what) + ": " + (message != nullptr ? message : "failed"));
  }
}

// An archive in libarchive writer `format` ("pax", "zip", "7zip", "newc", "arsvr4",
// "iso9660"...) through `filters` ("gzip", "xz"...).
std::string make_archive(const std::string& format, const std::vector<std::string>& filters,
                         const std::vector<Member>& members) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  check(a.get(), archive_write_set_format_by_name(a.get(), format.c_str()), "format");
  for (const std::string& filter : filters) {
    check(a.get(), archive_write_add_filter_by_name(a.get(), filter.c_str()), "filter");
  }
  if (format != "iso9660") check(a.get(), archive_write_set_bytes_in_last_block(a.get(), 1), "block");
  std::string out;
  out.resize(std::size_t{4} << 20);
  std::size_t used = 0;
  check(a.get(), archive_write_open_memory(a.get(), out.data(), out.size(), &used), "open");
  for (const Member& m : members) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), m.name.c_str());
    archive_entry_set_filetype(e.get(), m.directory ? AE_IFDIR : AE_IFREG);
    archive_entry_set_perm(e.get(), m.directory ? 0755 : 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(m.data.size()));
    archive_entry_set_mtime(e.get(), 1700000000, 0);
    check(a.get(), archive_write_header(a.get(), e.get()), "header");
    if (!m.data.empty()) archive_write_data(a.get(), m.data.data(), m.data.size());
  }
  check(a.get(), archive_write_close(a.get()), "close");
  out.resize(used);
  return out;
}

// `data` as one compressed stream (a raw archive through one filter).
std::string compress(const std::string& filter, const std::string& data) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  check(a.get(), archive_write_set_format_raw(a.get()), "raw");
  check(a.get(), archive_write_add_filter_by_name(a.get(), filter.c_str()), "filter");
  std::string out(data.size() * 2 + 4096, '\0');
  std::size_t used = 0;
  check(a.get(), archive_write_open_memory(a.get(), out.data(), out.size(), &used), "open");
  std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
  archive_entry_set_filetype(e.get(), AE_IFREG);
  archive_entry_set_size(e.get(), static_cast<la_int64_t>(data.size()));
  check(a.get(), archive_write_header(a.get(), e.get()), "header");
  archive_write_data(a.get(), data.data(), data.size());
  check(a.get(), archive_write_close(a.get()), "close");
  out.resize(used);
  return out;
}

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// FuzzedDataProvider's ConsumeRandomLengthString form: backslashes doubled, "\\n" ends it.
std::string fdp_string(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\\') out += '\\';
  }
  return out + "\\n";
}

// A made-up digest (blob names are trusted as digests, so it need not be a real SHA-256).
std::string fake_digest(int n) {
  char hex[65];
  for (int i = 0; i < 64; ++i) hex[i] = "0123456789abcdef"[(n * 7 + i * 13) % 16];
  hex[64] = '\0';
  return std::string("sha256:") + hex;
}
std::string blob_path(const std::string& digest) { return "blobs/sha256/" + digest.substr(7); }

struct Image {
  std::vector<std::pair<std::string, std::string>> files;  // path, bytes
};

// A docker save tarball's files (manifest.json with a config and two layers, one whiteout)
// and an OCI layout's (oci-layout, index.json, manifest blob).
Image docker_image(const std::string& secret_line) {
  const std::string base = make_archive("pax", {}, {{"etc/", "", true}, {"etc/app.env", secret_line}});
  const std::string top = make_archive("pax", {}, {{"etc/.wh.app.env", ""}, {"srv/index.html", "<html></html>\n"}});
  const std::string d_base = fake_digest(1), d_top = fake_digest(2), d_config = fake_digest(3);
  const json config = {{"architecture", "amd64"},
                       {"config", {{"Env", {"PATH=/usr/bin", secret_line}}}},
                       {"rootfs", {{"type", "layers"}, {"diff_ids", {d_base, d_top}}}},
                       {"history", {{{"created_by", "/bin/sh -c #(nop) ENV " + secret_line}}}}};
  const json manifest = json::array(
      {{{"Config", blob_path(d_config)}, {"RepoTags", {"app:1"}}, {"Layers", {blob_path(d_base), blob_path(d_top)}}}});
  return Image{{{blob_path(d_base), base},
                {blob_path(d_top), top},
                {blob_path(d_config), config.dump()},
                {"manifest.json", manifest.dump()}}};
}

Image oci_image(const std::string& secret_line) {
  const std::string layer = make_archive("pax", {"gzip"}, {{"app/.env", secret_line}});
  const std::string d_layer = fake_digest(4), d_config = fake_digest(5), d_manifest = fake_digest(6);
  const json config = {{"config", {{"Env", {secret_line}}}}, {"rootfs", {{"diff_ids", {d_layer}}}}};
  const json manifest = {{"schemaVersion", 2},
                         {"config", {{"digest", d_config}, {"size", config.dump().size()}}},
                         {"layers", {{{"digest", d_layer}, {"size", layer.size()}}}}};
  const json index = {{"schemaVersion", 2},
                      {"manifests",
                       {{{"digest", d_manifest},
                         {"size", manifest.dump().size()},
                         {"annotations", {{"org.opencontainers.image.ref.name", "registry.example/app:1"}}}}}}};
  return Image{{{"oci-layout", R"({"imageLayoutVersion":"1.0.0"})"},
                {"index.json", index.dump()},
                {blob_path(d_manifest), manifest.dump()},
                {blob_path(d_config), config.dump()},
                {blob_path(d_layer), layer}}};
}

std::string image_tar(const Image& image) {
  std::vector<Member> members;
  for (const auto& [path, bytes] : image.files) members.push_back({path, bytes});
  return make_archive("pax", {}, members);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const fs::path out = argv[1];
  for (const char* dir : {"rules", "matcher", "decoders", "archive", "image", "glob", "config"}) {
    fs::create_directories(out / dir);
  }

  // Rules: every built-in rule file, plus a gitleaks-style one.
  for (const engine::EmbeddedRuleFile& file : engine::builtin_rule_files()) {
    write(out / "rules" / std::string(file.name), std::string(file.text));
  }
  const std::string gitleaks =
      "[extend]\nuseDefault = true\n[allowlist]\nregexes = ['''EXAMPLE''']\npaths = ['''\\.lock$''']\n"
      "[[rules]]\nid = \"x\"\nregex = '''key_([a-z0-9]{20})'''\nsecretGroup = 1\nentropy = 3.0\n"
      "keywords = [\"key_\"]\n[[rules.allowlists]]\nregexTarget = \"line\"\nregexes = ['''test''']\n"
      "condition = \"AND\"\nstopwords = [\"dummy\"]\n";
  write(out / "rules" / "gitleaks.toml", gitleaks);

  // Matcher: every example and negative example, with three chunkings each.
  const engine::RuleSet catalog = engine::builtin_rules();
  std::string secret_line = "token = \"not-a-secret\"\n";
  int n = 0;
  const std::string chunkings[] = {std::string("\x00\x00", 2), std::string("\x01\x07\x0d", 3),
                                   std::string("\x02\x01\x40\x11", 4)};
  for (const engine::Rule& rule : catalog.rules) {
    std::vector<std::string> texts;
    for (const auto& example : rule.examples) texts.push_back(example.text);
    for (const auto& negative : rule.negative_examples) texts.push_back(negative);
    for (const std::string& text : texts) {
      write(out / "matcher" / ("m" + std::to_string(n)), chunkings[n % 3] + text + "\n");
      ++n;
    }
    if (rule.id == "posthog_personal_key" && !rule.examples.empty()) secret_line = rule.examples.front().text + "\n";
  }

  // Decoders: one example of each encoding (tests/support/encoders.hpp writes them the same way).
  const std::string utf16("k\0e\0y\0=\0p\0h\0x\0_\0a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0", 38);
  const std::string decoder_seeds[] = {
      "token: cGh4X3FXZXJ0eVVpb3BBc2RmZ2hKa2xaeGN2Ym5NMTIzNDU2Nzg5MA==\n",
      "data:\n  key: |\n    LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCk1JSUV2Z0lCQURBTkJna3Foa2lHOXcwQkFRRUZBQVND\n"
      "    QktnZ2dTa0FnRUFBb0lCQVFDN1ZKVFV0OVVzOGNLago=\n",
      "id: 7068785f71576572747955696f7041736466676a6b6c\n",
      "url=https://u:p%40ss%2Fword@host/%7Epath\n",
      "{\"k\": \"-----BEGIN KEY-----\\nMIIE\\u002bab\\/cd\\x41\\n-----END KEY-----\"}\n",
      "<v a=\"phx&#95;abc&#x64;ef&amp;&quot;\"/>\n",
      "Subject: x\n\nkey=3Dphx=5Fabcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwx=\nyz\n",
      std::string("\xff\xfe", 2) + utf16,
  };
  for (std::size_t k = 0; k < std::size(decoder_seeds); ++k)
    write(out / "decoders" / ("d" + std::to_string(k)), decoder_seeds[k]);

  // Archives: each format and filter, nested archives, compressed streams, images.
  const std::vector<Member> files = {{"dir/", "", true}, {"dir/config.env", secret_line}, {"README", "hello\n"}};
  const std::string zip = make_archive("zip", {}, files);
  const std::string tgz = make_archive("pax", {"gzip"}, files);
  struct Seed {
    const char* name;
    std::string bytes;
  };
  std::vector<Seed> seeds = {
      {"pax.tar", make_archive("pax", {}, files)},
      {"gnu.tar.bz2", make_archive("gnutar", {"bzip2"}, files)},
      {"ustar.tar.xz", make_archive("ustar", {"xz"}, files)},
      {"v7.tar.zst", make_archive("v7tar", {"zstd"}, files)},
      {"pax.tar.lz4", make_archive("pax", {"lz4"}, files)},
      {"pax.tar.lzip", make_archive("pax", {"lzip"}, files)},
      {"pax.tar.Z", make_archive("pax", {"compress"}, files)},
      {"app.zip", zip},
      {"app.7z", make_archive("7zip", {}, files)},
      {"app.cpio", make_archive("newc", {}, files)},
      {"app.a", make_archive("arsvr4", {}, {{"config.env", secret_line}, {"README", "hello\n"}})},
      {"app.iso", make_archive("iso9660", {}, files)},
      {"app.xar", make_archive("xar", {}, files)},
      {"log.gz", compress("gzip", secret_line)},
      {"log.bz2", compress("bzip2", secret_line)},
      {"log.xz", compress("xz", secret_line)},
      {"log.lzma", compress("lzma", secret_line)},
      {"log.zst", compress("zstd", secret_line)},
      {"log.lz4", compress("lz4", secret_line)},
      {"nested.tar.gz",
       make_archive("pax", {"gzip"},
                    {{"lib/app.zip", zip}, {"lib/inner.tgz", tgz}, {"log.gz", compress("gzip", secret_line)}})},
      {"deep.zip", make_archive("zip", {}, {{"a.tar", make_archive("pax", {}, {{"b.zip", zip}})}})},
      {"docker-save.tar", image_tar(docker_image(secret_line))},
      {"oci.tar", image_tar(oci_image(secret_line))},
  };
  for (const Seed& seed : seeds) write(out / "archive" / seed.name, seed.bytes);

  // Image metadata, in fuzz_image's (path, contents) form.
  const std::pair<const char*, Image> images[] = {{"docker-save", docker_image(secret_line)},
                                                  {"oci-layout", oci_image(secret_line)}};
  for (const auto& [name, image] : images) {
    std::string encoded;
    for (const auto& [path, bytes] : image.files) encoded += fdp_string(path) + fdp_string(bytes);
    write(out / "image" / name, encoded);
  }
  // Globs, in fuzz_glob's form (pattern as a FuzzedDataProvider string, then the path): the
  // default excludes and each piece of gitignore syntax.
  std::vector<std::pair<std::string, std::string>> globs = {
      {"*.py", "app.py"},        {"src/**/*.py", "src/a/b/app.py"},
      {"docs/**", "docs/a/b"},   {"file?.txt", "file1.txt"},
      {"[a-c]x", "bx"},          {"[!a-c]x", "bx"},
      {"\\*lit", "*lit"},        {"[unclosed", "[unclosed"},
      {"!keep.log", "keep.log"}, {"build/", "build"},
      {"/top.txt", "top.txt"},   {"*a*a*a*a*b", std::string(40, 'a')}};
  for (const std::string& pattern : io::default_excludes()) globs.emplace_back(pattern, "web/node_modules/x/test");
  for (std::size_t i = 0; i < globs.size(); ++i) {
    write(out / "glob" / ("g" + std::to_string(i)), fdp_string(globs[i].first) + globs[i].second);
  }

  // Configs: a discovered-style one, one with every kind of key, and the gitleaks-style file.
  write(out / "config" / "narrowing.toml",
        "title = \"t\"\n[scan]\nexclude = [\"docs/\", \"*.snap\"]\ninclude = [\"*.py\"]\ndisable = [\"aws\"]\n"
        "[allowlist]\npaths = ['''^fixtures/''']\n[[allowlists]]\nregexes = ['''EXAMPLE''']\nregexTarget = \"line\"\n");
  write(out / "config" / "everything.toml",
        "[scan]\noutput = \"/tmp/x\"\nformat = \"sarif\"\nfollow-symlinks = true\nmax-depth = 32\nredact = true\n"
        "baseline = [\"/dev/zero\"]\nfail_on = \"critical\"\nno-archives = true\nthreads = 2\n"
        "[extend]\nuseDefault = true\n[[rules]]\nid = \"x\"\nregex = '''key_[a-z]{8}'''\n");
  write(out / "config" / "gitleaks.toml", gitleaks);
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "make_seeds: %s\n", error.what());
  return 1;
}
