// sluice-corpus: deterministic synthetic corpus generator for benchmarking and
// testing the sluice secret scanner. Standard library only.
//
//   sluice-corpus --out DIR --mb N [--seed S] [--truth FILE] [--secrets-per-mb R]
//
// Same (--mb, --seed, --secrets-per-mb) => byte-identical tree and truth file on
// every machine: only std::mt19937_64 raw output is used (own unbiased
// uniform()), no std distributions, no unordered containers, no clock.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

struct Rng {
  std::mt19937_64 eng;
  explicit Rng(uint64_t s) : eng(s) {}
  uint64_t uniform(uint64_t n) {  // unbiased, [0, n)
    if (n <= 1) return 0;
    const uint64_t threshold = (0 - n) % n;  // 2^64 mod n
    for (;;) {
      uint64_t x = eng();
      if (x >= threshold) return x % n;
    }
  }
  uint64_t range(uint64_t lo, uint64_t hi) { return lo + uniform(hi - lo + 1); }
  bool chance(unsigned pct) { return uniform(100) < pct; }
  template <size_t N>
  const char* pick(const char* const (&a)[N]) {
    return a[uniform(N)];
  }
};

static const char* const WORDS[] = {
    "account",   "action",  "active",    "adapter",  "alert",   "api",      "app",       "archive", "asset",
    "audit",     "auth",    "backend",   "batch",    "billing", "block",    "buffer",    "build",   "bundle",
    "cache",     "cart",    "channel",   "chart",    "check",   "client",   "cluster",   "cohort",  "column",
    "commit",    "config",  "consumer",  "context",  "counter", "cursor",   "dashboard", "data",    "debug",
    "deploy",    "device",  "digest",    "dispatch", "domain",  "draft",    "event",     "export",  "feature",
    "fetch",     "field",   "filter",    "flag",     "flush",   "form",     "frame",     "gateway", "graph",
    "group",     "handler", "hash",      "header",   "health",  "hook",     "host",      "import",  "index",
    "insight",   "item",    "job",       "journal",  "kafka",   "label",    "layer",     "ledger",  "limit",
    "link",      "loader",  "local",     "lookup",   "manager", "mapper",   "merge",     "meta",    "metric",
    "model",     "module",  "monitor",   "node",     "notify",  "offset",   "order",     "owner",   "page",
    "panel",     "parser",  "partition", "payload",  "person",  "pipeline", "plugin",    "policy",  "pool",
    "portal",    "product", "profile",   "project",  "proxy",   "query",    "queue",     "record",  "redis",
    "region",    "report",  "request",   "resolver", "result",  "retry",    "route",     "runner",  "sampler",
    "schema",    "scope",   "search",    "session",  "shard",   "signal",   "snapshot",  "source",  "stage",
    "state",     "storage", "stream",    "survey",   "sync",    "table",    "task",      "team",    "tenant",
    "trace",     "trend",   "upload",    "user",     "util",    "value",    "vendor",    "view",    "worker",
    "workspace", "zone"};
static const char* const UTF8_WORDS[] = {"café", "naïve",     "résumé", "Zürich",   "→",
                                         "✓",    "São Paulo", "日本語", "Ελληνικά", "🚀"};
static const char* const TOPDIRS[] = {"services", "packages", "apps", "libs",  "infra",  "site",   "scripts", "config",
                                      "data",     "logs",     "web",  "tools", "vendor", "deploy", "qa"};
static const char* const HOSTS[] = {"api.example.com", "us.i.posthog.com",    "eu.i.posthog.com", "cdn.jsdelivr.net",
                                    "github.com",      "internal.corp.local", "s3.amazonaws.com", "registry.npmjs.org",
                                    "hooks.slack.com", "localhost:8000"};
static const char* const LEVELS[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};

static const std::string B62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
static const std::string B57 = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
static const std::string B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const std::string B64 = B62 + "+/";
static const std::string HEX = "0123456789abcdef";

enum Rule { PERSONAL, SECURE, PROJECT, OAUTH_A, OAUTH_R, AWS, NRULES };
static const char* const RULE_ID[] = {"posthog_personal_key",        "posthog_feature_flags_secure_key",
                                      "posthog_project_key",         "posthog_oauth_access_token",
                                      "posthog_oauth_refresh_token", "aws_access_key_id"};
static const char* const ENV_NAMES[][3] = {
    {"POSTHOG_PERSONAL_API_KEY", "POSTHOG_API_KEY", "PH_PERSONAL_KEY"},
    {"POSTHOG_FEATURE_FLAGS_SECURE_API_KEY", "POSTHOG_SECURE_KEY", "FLAGS_SECURE_KEY"},
    {"POSTHOG_PROJECT_API_KEY", "NEXT_PUBLIC_POSTHOG_KEY", "POSTHOG_KEY"},
    {"POSTHOG_ACCESS_TOKEN", "PH_OAUTH_ACCESS_TOKEN", "OAUTH_ACCESS_TOKEN"},
    {"POSTHOG_REFRESH_TOKEN", "PH_OAUTH_REFRESH_TOKEN", "OAUTH_REFRESH_TOKEN"},
    {"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID", "S3_ACCESS_KEY_ID"}};
static const char* const KEY_NAMES[][3] = {{"personal_api_key", "posthog_api_key", "apiKey"},
                                           {"secure_api_key", "feature_flags_secure_api_key", "secureKey"},
                                           {"project_api_key", "posthog_token", "projectKey"},
                                           {"access_token", "oauth_access_token", "accessToken"},
                                           {"refresh_token", "oauth_refresh_token", "refreshToken"},
                                           {"aws_access_key_id", "access_key_id", "accessKeyId"}};

enum FT { PY, JS, TS, GO, YAML, JSON, ENV, MD, LOG, HTML, CSV, MINJS, BIN };
static const char* const EXT[] = {".py", ".js",  ".ts",   ".go",  ".yaml",   ".json", ".env",
                                  ".md", ".log", ".html", ".csv", ".min.js", ".bin"};
static const unsigned SMALL_WEIGHTS[] = {14, 12, 10, 10, 8, 10, 3, 10, 8, 6, 6};  // PY..CSV

struct Plant {
  uint64_t pos;
  bool decoy;
  int kind;
};  // kind: Rule, or decoy kind
struct Spec {
  std::string path;
  FT type;
  uint64_t size;
  bool nonutf8 = false, crlf = false;
  std::vector<Plant> plants;
};
struct Truth {
  std::string path;
  int rule;
  std::string secret;
  uint64_t offset, line, col;
};

static bool placeholderish(const std::string& s) {
  std::string up;
  for (char c : s) up += (c >= 'a' && c <= 'z') ? char(c - 32) : c;
  if (up.find("XXXX") != std::string::npos || up.find("EXAMPLE") != std::string::npos) return true;
  for (size_t i = 3; i < s.size(); ++i)
    if (s[i] == s[i - 1] && s[i] == s[i - 2] && s[i] == s[i - 3]) return true;
  return false;
}

struct Gen {
  Rng& r;
  std::string b;          // current file buffer
  const char* nl = "\n";  // line ending of the current file
  explicit Gen(Rng& rng) : r(rng) {}

  void eol() { b += nl; }
  std::string rs(const std::string& alpha, size_t n) {
    for (;;) {  // never emit something that looks like an AWS key id in filler
      std::string s(n, ' ');
      for (auto& c : s) c = alpha[r.uniform(alpha.size())];
      if (s.find("AKIA") == std::string::npos) return s;
    }
  }
  void word() { b += r.pick(WORDS); }
  void ident() {
    word();
    for (uint64_t i = r.uniform(3); i; --i) {
      b += '_';
      word();
    }
  }
  void camel() {
    word();
    for (uint64_t i = r.range(1, 2); i; --i) {
      std::string w = r.pick(WORDS);
      w[0] = char(w[0] - 32);
      b += w;
    }
  }
  void pascal() {
    size_t at = b.size();
    camel();
    b[at] = char(b[at] - 32);
  }
  void upper() {
    size_t at = b.size();
    ident();
    for (size_t i = at; i < b.size(); ++i)
      if (b[i] >= 'a') b[i] = char(b[i] - 32);
  }
  void num() { b += std::to_string(r.uniform(r.chance(70) ? 1000 : 10000000)); }
  void hex(size_t n) { b += rs(HEX, n); }
  void b64(size_t n) {
    b += rs(B64, n);
    if (r.chance(50)) b += "==";
  }
  void uuid() {
    hex(8);
    b += '-';
    hex(4);
    b += "-4";
    hex(3);
    b += '-';
    b += "89ab"[r.uniform(4)];
    hex(3);
    b += '-';
    hex(12);
  }
  void ip() {
    for (int i = 0; i < 4; ++i) {
      if (i) b += '.';
      b += std::to_string(r.range(1, 254));
    }
  }
  void two(uint64_t v) {
    if (v < 10) b += '0';
    b += std::to_string(v);
  }
  void ts() {
    b += "2024-";
    two(r.range(1, 12));
    b += '-';
    two(r.range(1, 28));
    b += 'T';
    two(r.uniform(24));
    b += ':';
    two(r.uniform(60));
    b += ':';
    two(r.uniform(60));
    b += '.';
    b += std::to_string(r.range(100, 999));
    b += 'Z';
  }
  void url() {
    b += "https://";
    b += r.pick(HOSTS);
    for (uint64_t i = r.range(1, 3); i; --i) {
      b += '/';
      word();
    }
    if (r.chance(30)) {
      b += "?id=";
      num();
      b += "&ref=";
      hex(8);
    }
  }
  void sentence(uint64_t lo = 6, uint64_t hi = 16) {
    size_t at = b.size();
    for (uint64_t n = r.range(lo, hi), i = 0; i < n; ++i) {
      if (i) b += ' ';
      if (r.chance(3)) b += r.pick(UTF8_WORDS);
      else word();
    }
    if (b[at] >= 'a' && b[at] <= 'z') b[at] = char(b[at] - 32);
    b += '.';
  }
  void strval() {  // a random-looking literal value
    switch (r.uniform(6)) {
      case 0:
        hex(r.chance(50) ? 40 : 64);
        break;
      case 1:
        uuid();
        break;
      case 2:
        url();
        break;
      case 3:
        b64(r.range(16, 120));
        break;
      case 4:
        sentence(2, 6);
        break;
      default:
        ident();
        break;
    }
  }

  // ---------------------------------------------------------------- fillers
  void py() {
    switch (r.uniform(10)) {
      case 0:
        b += "import ";
        word();
        eol();
        break;
      case 1:
        b += "from ";
        word();
        b += '.';
        word();
        b += " import ";
        pascal();
        b += ", ";
        ident();
        eol();
        break;
      case 2:
        eol();
        b += "def ";
        ident();
        b += '(';
        ident();
        b += ", ";
        ident();
        b += "=None):";
        eol();
        b += "    \"\"\"";
        sentence();
        b += "\"\"\"";
        eol();
        for (uint64_t i = r.range(1, 6); i; --i) {
          b += "    ";
          switch (r.uniform(4)) {
            case 0:
              ident();
              b += " = ";
              ident();
              b += '.';
              ident();
              b += '(';
              ident();
              b += ", ";
              num();
              b += ')';
              break;
            case 1:
              b += "logger.info(\"";
              sentence(3, 8);
              b += " %s\", ";
              ident();
              b += ')';
              break;
            case 2:
              b += "if ";
              ident();
              b += " is None:";
              eol();
              b += "        raise ValueError(\"";
              sentence(3, 6);
              b += "\")";
              break;
            default:
              b += "return {\"id\": \"";
              uuid();
              b += "\", \"count\": ";
              num();
              b += '}';
              break;
          }
          eol();
        }
        break;
      case 3:
        upper();
        b += " = \"";
        hex(40);
        b += '"';
        eol();
        break;
      case 4:
        b += "# ";
        sentence();
        eol();
        break;
      case 5:
        eol();
        b += "class ";
        pascal();
        b += "(Base";
        pascal();
        b += "):";
        eol();
        b += "    ";
        ident();
        b += " = ";
        num();
        eol();
        break;
      case 6:
        upper();
        b += "_URL = \"";
        url();
        b += '"';
        eol();
        break;
      case 7:
        ident();
        b += " = base64.b64decode(\"";
        b64(r.range(40, 200));
        b += "\")";
        eol();
        break;
      case 8:
        eol();
        break;
      default:
        ident();
        b += " = {\"";
        word();
        b += "\": ";
        num();
        b += ", \"id\": \"";
        uuid();
        b += "\"}";
        eol();
        break;
    }
  }
  void js(bool tsx) {
    switch (r.uniform(9)) {
      case 0:
        b += "import { ";
        camel();
        b += " } from '";
        b += r.chance(50) ? "./" : "@app/";
        word();
        b += "';";
        eol();
        break;
      case 1:
        eol();
        b += "export function ";
        camel();
        b += '(';
        camel();
        b += tsx ? ": string, " : ", ";
        camel();
        b += tsx ? ": number) {" : ") {";
        eol();
        for (uint64_t i = r.range(1, 5); i; --i) {
          b += "  ";
          switch (r.uniform(3)) {
            case 0:
              b += "const ";
              camel();
              b += " = await fetch(`";
              url();
              b += "`);";
              break;
            case 1:
              b += "console.log('";
              sentence(3, 7);
              b += "', ";
              camel();
              b += ");";
              break;
            default:
              b += "if (!";
              camel();
              b += ") return { id: '";
              uuid();
              b += "', n: ";
              num();
              b += " };";
              break;
          }
          eol();
        }
        b += '}';
        eol();
        break;
      case 2:
        b += "const ";
        camel();
        b += " = '";
        hex(40);
        b += "';";
        eol();
        break;
      case 3:
        b += "// ";
        sentence();
        eol();
        break;
      case 4:
        if (tsx) {
          b += "export interface ";
          pascal();
          b += " { ";
          camel();
          b += ": string; ";
          camel();
          b += ": number }";
          eol();
          break;
        }
        [[fallthrough]];
      case 5:
        b += "module.exports.";
        camel();
        b += " = { url: \"";
        url();
        b += "\", retries: ";
        num();
        b += " };";
        eol();
        break;
      case 6:
        b += "const ";
        camel();
        b += " = atob(\"";
        b64(r.range(30, 160));
        b += "\");";
        eol();
        break;
      case 7:
        eol();
        break;
      default:
        b += "  ";
        camel();
        b += ": \"";
        strval();
        b += "\",";
        eol();
        break;
    }
  }
  void go() {
    switch (r.uniform(7)) {
      case 0:
        eol();
        b += "func ";
        pascal();
        b += "(ctx context.Context, ";
        camel();
        b += " string) error {";
        eol();
        for (uint64_t i = r.range(1, 5); i; --i) {
          b += '\t';
          if (r.chance(50)) {
            b += "if err := ";
            camel();
            b += '.';
            pascal();
            b += "(ctx); err != nil {";
            eol();
            b += "\t\treturn fmt.Errorf(\"";
            word();
            b += ": %w\", err)";
            eol();
            b += "\t}";
          } else {
            b += "log.Printf(\"";
            sentence(3, 7);
            b += " %d\", ";
            num();
            b += ')';
          }
          eol();
        }
        b += "\treturn nil";
        eol();
        b += '}';
        eol();
        break;
      case 1:
        b += "var ";
        camel();
        b += " = \"";
        strval();
        b += '"';
        eol();
        break;
      case 2:
        b += "// ";
        pascal();
        b += ' ';
        sentence();
        eol();
        break;
      case 3:
        b += "type ";
        pascal();
        b += " struct {";
        eol();
        b += '\t';
        pascal();
        b += " string `json:\"";
        ident();
        b += "\"`";
        eol();
        b += '}';
        eol();
        break;
      case 4:
        b += "const ";
        camel();
        b += "Digest = \"";
        hex(64);
        b += '"';
        eol();
        break;
      case 5:
        eol();
        break;
      default:
        b += "\t";
        camel();
        b += " := []byte(\"";
        b64(r.range(20, 100));
        b += "\")";
        eol();
        break;
    }
  }
  void yaml() {
    if (r.chance(25)) {
      word();
      b += ':';
      eol();
      return;
    }
    b += r.chance(50) ? "  " : "    ";
    switch (r.uniform(5)) {
      case 0:
        ident();
        b += ": ";
        num();
        break;
      case 1:
        ident();
        b += ": \"";
        strval();
        b += '"';
        break;
      case 2:
        b += "- name: ";
        upper();
        eol();
        b += "      value: \"";
        strval();
        b += '"';
        break;
      case 3:
        b += "# ";
        sentence();
        break;
      default:
        b += "image: ghcr.io/";
        word();
        b += '/';
        word();
        b += "@sha256:";
        hex(64);
        break;
    }
    eol();
  }
  void jsonRec() {
    b += "  {\"id\": ";
    num();
    b += ", \"uuid\": \"";
    uuid();
    b += "\", \"";
    ident();
    b += "\": \"";
    strval();
    b += "\", \"created_at\": \"";
    ts();
    b += "\", \"score\": ";
    num();
    b += '.';
    num();
    b += "},";
    eol();
  }
  void env() {
    if (r.chance(15)) {
      b += "# ";
      sentence(3, 8);
      eol();
      return;
    }
    upper();
    b += '=';
    switch (r.uniform(4)) {
      case 0:
        num();
        break;
      case 1:
        url();
        break;
      case 2:
        hex(32);
        break;
      default:
        b += r.chance(50) ? "true" : "false";
    }
    eol();
  }
  void md() {
    switch (r.uniform(6)) {
      case 0:
        eol();
        b += "## ";
        sentence(2, 5);
        eol();
        eol();
        break;
      case 1:
        for (uint64_t i = r.range(2, 5); i; --i) {
          sentence();
          b += ' ';
        }
        eol();
        eol();
        break;
      case 2:
        b += "- ";
        sentence(3, 9);
        b += " (`";
        camel();
        b += "`)";
        eol();
        break;
      case 3:
        b += "```bash";
        eol();
        b += "curl -s ";
        url();
        b += " | jq .";
        eol();
        b += "```";
        eol();
        break;
      case 4:
        b += "See [";
        sentence(2, 4);
        b += "](";
        url();
        b += ") for details, commit `";
        hex(40);
        b += "`.";
        eol();
        break;
      default:
        b += "| ";
        word();
        b += " | ";
        num();
        b += " | ";
        uuid();
        b += " |";
        eol();
        break;
    }
  }
  void log(bool bad) {
    ts();
    b += ' ';
    b += r.pick(LEVELS);
    b += " [";
    word();
    b += '.';
    word();
    b += "] ";
    switch (r.uniform(4)) {
      case 0:
        b += "GET /api/";
        word();
        b += '/';
        num();
        b += "/?trace=";
        hex(16);
        b += " 200 ";
        num();
        b += "ms ip=";
        ip();
        break;
      case 1:
        sentence(4, 10);
        b += " request_id=";
        uuid();
        break;
      case 2:
        b += "payload=";
        b64(r.range(20, 150));
        break;
      default:
        b += "user=";
        word();
        b += " retries=";
        num();
        b += " took=";
        num();
        b += "ms";
        break;
    }
    if (bad && r.chance(15)) {  // invalid UTF-8: latin-1 bytes, lone continuation, truncated seq
      static const char* const BAD[] = {" name=Jos\xE9", " \xFF\xFE", " city=Z\xFCrich", " \xC3\x28 ok", " \x80\x81"};
      b += r.pick(BAD);
    }
    eol();
  }
  void html() {
    switch (r.uniform(4)) {
      case 0:
        b += "<div class=\"";
        word();
        b += '-';
        word();
        b += "\"><p>";
        sentence();
        b += "</p></div>";
        break;
      case 1:
        b += "  <a href=\"";
        url();
        b += "\">";
        sentence(1, 3);
        b += "</a>";
        break;
      case 2:
        b += "  <img src=\"data:image/png;base64,";
        b64(r.range(40, 300));
        b += "\" alt=\"";
        word();
        b += "\">";
        break;
      default:
        b += "  <script src=\"/static/";
        word();
        b += '.';
        hex(8);
        b += ".js\" integrity=\"sha384-";
        b64(64);
        b += "\"></script>";
        break;
    }
    eol();
  }
  void csv() {
    num();
    b += ',';
    uuid();
    b += ',';
    word();
    b += ',';
    word();
    b += '@';
    word();
    b += ".io,";
    num();
    b += '.';
    num();
    b += ',';
    hex(32);
    b += ',';
    ts();
    b += ",\"";
    sentence(2, 6);
    b += '"';
    eol();
  }
  void minjs() {
    switch (r.uniform(4)) {
      case 0:
        b += "function ";
        b += char('a' + r.uniform(26));
        num();
        b += "(e,t){return e.";
        camel();
        b += "(t)||\"";
        word();
        b += "\"}";
        break;
      case 1:
        b += "var ";
        b += char('a' + r.uniform(26));
        num();
        b += "=\"";
        b64(r.range(20, 120));
        b += '"';
        break;
      case 2:
        b += "e.exports={url:\"";
        url();
        b += "\",n:";
        num();
        b += '}';
        break;
      default:
        b += "n.d(t,{";
        camel();
        b += ":function(){return ";
        b += char('a' + r.uniform(26));
        b += "}})";
        break;
    }
    b += ';';
  }
  void filler(FT t, bool bad) {
    switch (t) {
      case PY:
        py();
        break;
      case JS:
        js(false);
        break;
      case TS:
        js(true);
        break;
      case GO:
        go();
        break;
      case YAML:
        yaml();
        break;
      case JSON:
        jsonRec();
        break;
      case ENV:
        env();
        break;
      case MD:
        md();
        break;
      case LOG:
        log(bad);
        break;
      case HTML:
        html();
        break;
      case CSV:
        csv();
        break;
      case MINJS:
        minjs();
        break;
      case BIN:
        break;
    }
  }
  void header(FT t) {
    switch (t) {
      case GO:
        b += "package ";
        word();
        eol();
        eol();
        b += "import (";
        eol();
        b += "\t\"context\"";
        eol();
        b += "\t\"fmt\"";
        eol();
        b += ')';
        eol();
        break;
      case JSON:
        b += '[';
        eol();
        break;
      case MD:
        b += "# ";
        sentence(2, 5);
        eol();
        eol();
        break;
      case HTML:
        b += "<!DOCTYPE html>";
        eol();
        b += "<html><head><title>";
        sentence(2, 4);
        b += "</title></head><body>";
        eol();
        break;
      case CSV:
        b += "id,uuid,name,email,amount,hash,created_at,note";
        eol();
        break;
      case MINJS:
        b += "/*! ";
        word();
        b += " v";
        num();
        b += " | MIT */";
        break;
      case PY:
        b += "#!/usr/bin/env python3";
        eol();
        break;
      default:
        break;
    }
  }
  void footer(FT t) {
    if (t == JSON) {
      b += "  {\"end\": true}";
      eol();
      b += ']';
      eol();
    } else if (t == HTML) {
      b += "</body></html>";
      eol();
    } else if (t == MINJS) {
      b += "//# sourceMappingURL=";
      word();
      b += ".min.js.map";
      eol();
    }
  }

  // ---------------------------------------------------------------- secrets
  std::string body(int rule) {
    auto era = [&](const char* pfx) {
      switch (r.uniform(3)) {
        case 0:
          return pfx + rs(B62, r.range(41, 43));
        case 1: {
          static const uint64_t L[] = {45, 46, 48};
          return pfx + rs(B62, r.chance(70) ? 47 : L[r.uniform(3)]);
        }
        default:
          return pfx + rs(B57, r.range(48, 49));
      }
    };
    for (;;) {
      std::string t;
      switch (rule) {
        case PERSONAL:
          t = era("phx_");
          break;
        case SECURE:
          t = era("phs_");
          break;
        case PROJECT:
          t = "phc_" + rs(B62, r.range(41, 44));
          break;
        case OAUTH_A:
          t = "pha_" + rs(B62, r.range(41, 44));
          break;
        case OAUTH_R:
          t = "phr_" + rs(B62, r.range(41, 44));
          break;
        default: {
          std::string s;
          for (int i = 0; i < 16; ++i) s += B32[r.uniform(32)];
          t = "AKIA" + s;
          break;
        }
      }
      if (!placeholderish(t)) return t;
    }
  }
  static constexpr int NDECOY = 11;
  // Returns decoy token and sets `rule` to the rule whose context it should imitate.
  std::string decoy(int kind, int& rule) {
    rule = PERSONAL;
    switch (kind) {
      case 0:
        return "phx_" + rs(B62, 44);
      case 1:
        return "phx_" + rs(B62, r.range(50, 64));
      case 2:
        return "phx_" + rs(B62, 60);
      case 3: {
        std::string s = "phx_" + rs(B62, 43) + "_";
        std::swap(s, b);
        ident();
        std::swap(s, b);
        return s;
      }  // right-glued
      case 4: {
        std::string s;
        std::swap(s, b);
        ident();
        std::swap(s, b);
        return s + "_phx_" + rs(B62, 47);
      }  // left-glued
      case 5:
        return "phx_" + std::string(r.range(41, 48), 'x');
      case 6:
        return "phx_EXAMPLE" + rs(B62, 40);
      case 7:
        rule = PROJECT;
        return r.chance(50) ? "phc_YOUR_PROJECT_KEY" : "phc_YOUR_PROJECT_API_KEY";
      case 8:
        rule = AWS;
        {
          std::string s = "AKIA";
          for (int i = 0; i < 15; ++i) s += B32[r.uniform(32)];
          return s;
        }
      case 9:
        rule = PROJECT;
        return "phc_" + rs(B62, r.range(45, 47));
      default:
        rule = OAUTH_A;
        return "pha_" + rs(B62, 40);
    }
  }
  // Appends a line/fragment containing tok for the given file type; returns tok offset.
  uint64_t emit(FT t, int rule, const std::string& tok) {
    const std::string K = ENV_NAMES[rule][r.uniform(3)], k = KEY_NAMES[rule][r.uniform(3)];
    const bool bearer = (rule == PERSONAL || rule == SECURE || rule == OAUTH_A) && r.chance(35);
    const bool init = rule == PROJECT && r.chance(60);
    const std::string host = r.chance(50) ? "https://us.i.posthog.com" : "https://eu.i.posthog.com";
    std::string pre, post;
    switch (t) {
      case ENV: {  // separate statements: operand order of operator+ is unspecified
        const bool exported = r.chance(20), quoted = r.chance(30);
        pre = (exported ? "export " : "") + K + (quoted ? "=\"" : "=");
        post = quoted ? "\"" : "";
        break;
      }
      case PY:
        if (bearer) {
          pre = "headers = {\"Authorization\": \"Bearer ";
          post = "\", \"Content-Type\": \"application/json\"}";
        } else if (init) {
          pre = "posthog = Posthog(project_api_key='";
          post = "', host='" + host + "')";
        } else if (rule == AWS && r.chance(50)) {
          pre = "s3 = boto3.client(\"s3\", aws_access_key_id=\"";
          post = "\", region_name=\"us-east-1\")";
        } else if (r.chance(50)) {
          pre = K + " = \"";
          post = "\"";
        } else {
          pre = "os.environ.setdefault(\"" + K + "\", '";
          post = "')";
        }
        break;
      case JS:
      case TS:
      case MINJS: {
        const bool m = t == MINJS;
        if (init) {
          pre = m ? "posthog.init(\"" : "posthog.init('";
          post = m ? "\",{api_host:\"" + host + "\"})" : "', { api_host: '" + host + "' });";
        } else if (bearer) {
          pre = m ? "headers:{Authorization:\"Bearer " : "  headers: { Authorization: `Bearer ";
          post = m ? "\"}" : "` },";
        } else {
          pre = m ? "const " + k + "=\"" : std::string("const ") + k + (t == TS ? ": string" : "") + " = \"";
          post = m ? "\"" : "\";";
        }
        if (m) {
          pre = ";" + pre;
          post += ";";
        }
        break;
      }
      case GO:
        if (bearer) {
          pre = "\treq.Header.Set(\"Authorization\", \"Bearer ";
          post = "\")";
        } else if (r.chance(50)) {
          pre = "const " + k + " = \"";
          post = "\"";
        } else {
          pre = "\tos.Setenv(\"" + K + "\", \"";
          post = "\")";
        }
        break;
      case YAML:
        switch (r.uniform(3)) {
          case 0:
            pre = "  " + k + ": ";
            break;
          case 1:
            pre = "  " + K + ": \"";
            post = "\"";
            break;
          default:
            pre = "  - name: " + K + nl + "    value: '";
            post = "'";
            break;
        }
        break;
      case JSON:
        pre = "  {\"id\": " + std::to_string(r.uniform(100000)) + ", \"" + k + "\": \"";
        post = "\", \"enabled\": true},";
        break;
      case MD:
        if (rule == AWS) {
          pre = std::string("```ini") + nl + "[default]" + nl + "aws_access_key_id = ";
          post = std::string(nl) + "region = us-west-2" + nl + "```";
        } else if (r.chance(50)) {
          pre = std::string("```bash") + nl + "export " + K + "=";
          post = std::string(nl) + "```";
        } else {
          pre = "Set `" + k + "` to `";
          post = "` in the dashboard.";
        }
        break;
      case LOG: {
        std::string head;
        std::swap(head, b);
        ts();
        b += " DEBUG [http.client] ";
        std::swap(head, b);
        if (bearer) {
          pre = head + "outgoing headers={'Authorization': 'Bearer ";
          post = "'}";
        } else if (r.chance(50)) {
          pre = head + "GET /decide/?v=3&token=";
          post = "&ip=1 200";
        } else {
          pre = head + "config loaded " + K + "=";
          post = " region=us-east-1";
        }
        break;
      }
      case HTML:
        if (init || r.chance(50)) {
          pre = "<script>posthog.init('";
          post = "', {api_host: '" + host + "'})</script>";
        } else {
          pre = "<meta name=\"" + k + "\" content=\"";
          post = "\">";
        }
        break;
      case CSV:
        pre = std::to_string(r.uniform(100000)) + "," + k + ",";
        post = ",2024-05-01T00:00:00Z,\"rotated\"";
        break;
      case BIN:
        break;
    }
    b += pre;
    const uint64_t off = b.size();
    b += tok;
    b += post;
    if (t != MINJS) eol();
    return off;
  }
};

static void usage() {
  std::fprintf(stderr, "usage: sluice-corpus --out DIR --mb N [--seed S] [--truth FILE] [--secrets-per-mb R]\n");
  std::exit(2);
}

int main(int argc, char** argv) {
  std::string outDir, truthPath;
  double mb = -1, perMb = 0.5;
  uint64_t seed = 42;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) usage();
    const char* v = argv[++i];
    if (a == "--out") outDir = v;
    else if (a == "--mb") mb = std::strtod(v, nullptr);
    else if (a == "--seed") seed = std::strtoull(v, nullptr, 10);
    else if (a == "--truth") truthPath = v;
    else if (a == "--secrets-per-mb") perMb = std::strtod(v, nullptr);
    else usage();
  }
  if (outDir.empty() || !(mb > 0) || perMb < 0) usage();
  std::error_code ec;
  fs::path root = fs::absolute(outDir).lexically_normal();
  if (root.filename().empty()) root = root.parent_path();
  if (fs::exists(root) && !fs::is_empty(root, ec)) {
    std::fprintf(stderr, "sluice-corpus: %s exists and is not empty\n", root.string().c_str());
    return 1;
  }
  if (truthPath.empty()) truthPath = (root.parent_path() / (root.filename().string() + ".truth.jsonl")).string();

  Rng r(seed);
  Gen g(r);
  const uint64_t budget = uint64_t(mb * 1e6 + 0.5);

  // ---- directories (depth 1-4)
  std::vector<std::string> dirs;
  {
    std::set<std::string> seen;
    const uint64_t nDirs = std::clamp<uint64_t>(budget / 60000, 12, 4000);
    while (dirs.size() < nDirs) {
      std::string d = r.pick(TOPDIRS);
      for (uint64_t depth = r.range(1, 4); depth > 1; --depth) {
        d += '/';
        d += r.pick(WORDS);
      }
      if (seen.insert(d).second) dirs.push_back(d);
    }
  }
  // ---- file plan
  std::set<std::string> paths;
  std::vector<Spec> specs;
  uint64_t planned = 0;
  auto addFile = [&](FT t, uint64_t size) -> Spec& {
    std::string name;
    g.b.clear();
    if (t == ENV) {
      static const char* const E[] = {".env", ".env.local", ".env.production", ".env.staging"};
      name = r.pick(E);
    } else if (t == MD && r.chance(20)) name = "README.md";
    else if (t == BIN) {
      static const char* const BE[] = {".png", ".bin", ".pyc", ".woff2"};
      g.ident();
      name = g.b + r.pick(BE);
    } else {
      g.ident();
      name = g.b + EXT[t];
    }
    std::string dir = dirs[r.uniform(dirs.size())], p = dir + "/" + name;
    for (int n = 2; !paths.insert(p).second; ++n) p = dir + "/" + std::to_string(n) + "_" + name;
    specs.push_back(Spec{p, t, size, false, false, {}});
    planned += size;
    return specs.back();
  };
  auto smallType = [&]() {
    uint64_t x = r.uniform(97);  // sum of SMALL_WEIGHTS
    for (int t = 0;; ++t) {
      if (x < SMALL_WEIGHTS[t]) return FT(t);
      x -= SMALL_WEIGHTS[t];
    }
  };
  if (budget >= 10000000) {
    static const FT LT[] = {LOG, CSV, JSON, JS, PY};
    for (uint64_t n = std::clamp<uint64_t>(budget / 40000000, 1, 5), i = 0; i < n; ++i) {
      const FT t = LT[r.uniform(5)];  // never two RNG draws in one argument list (unspecified order)
      addFile(t, std::min<uint64_t>(r.range(2000000, 6000000), budget / 4));
    }
  }
  if (budget >= 400000)
    for (uint64_t n = std::clamp<uint64_t>(budget / 15000000, 1, 8), i = 0; i < n; ++i)
      addFile(MINJS, std::min<uint64_t>(r.range(110000, 600000), std::max<uint64_t>(budget / 3, 110000)));
  for (uint64_t n = std::clamp<uint64_t>(budget / 25000000, 1, 6), i = 0; i < n; ++i) {
    addFile(BIN, r.range(2000, 64000));
    addFile(LOG, r.range(2000, 40000)).nonutf8 = true;
  }
  while (planned < budget) {
    const uint64_t u = r.uniform(1000), k = r.uniform(100);
    uint64_t size = k < 20   ? r.range(200, 1000)
                    : k < 90 ? 1000 + u * u * 19000 / 1000000
                    : k < 98 ? r.range(20000, 100000)
                             : r.range(100000, 500000);
    size = std::min<uint64_t>(size, budget - planned + 200);
    Spec& s = addFile(smallType(), size);
    s.crlf = r.chance(5);
  }
  // ---- plant secrets and decoys (position drawn uniformly over text bytes)
  std::vector<uint64_t> cum;  // cumulative sizes of eligible (non-binary) files
  std::vector<size_t> idx;
  uint64_t total = 0;
  for (size_t i = 0; i < specs.size(); ++i)
    if (specs[i].type != BIN) {
      total += specs[i].size;
      cum.push_back(total);
      idx.push_back(i);
    }
  auto place = [&](bool decoy, int kind) {
    const uint64_t p = r.uniform(total);
    const size_t j = size_t(std::upper_bound(cum.begin(), cum.end(), p) - cum.begin());
    Spec& s = specs[idx[j]];
    s.plants.push_back(Plant{p - (cum[j] - s.size), decoy, kind});
  };
  static const int RULE_W[] = {35, 15, 20, 10, 5, 15};
  const uint64_t nSecrets = uint64_t(perMb * mb + 0.5);
  for (uint64_t i = 0; i < nSecrets; ++i) {
    uint64_t x = r.uniform(100);
    int rule = 0;
    while (x >= uint64_t(RULE_W[rule])) x -= RULE_W[rule++];
    place(false, rule);
  }
  const uint64_t nDecoys = std::max<uint64_t>(Gen::NDECOY, nSecrets);
  for (uint64_t i = 0; i < nDecoys; ++i) place(true, int(i % Gen::NDECOY));
  for (auto& s : specs)
    std::stable_sort(s.plants.begin(), s.plants.end(), [](const Plant& a, const Plant& b) { return a.pos < b.pos; });

  // ---- duplicate sources: small text files, preferring ones that hold secrets
  std::vector<size_t> dupSrc;
  const size_t nDup = std::clamp<size_t>(budget / 10000000, 3, 20);
  auto dupOk = [&](size_t i) {
    return specs[i].type != BIN && specs[i].size < 50000 && std::find(dupSrc.begin(), dupSrc.end(), i) == dupSrc.end();
  };
  for (size_t i = 0; i < specs.size() && dupSrc.size() < nDup / 2; ++i)
    if (dupOk(i) &&
        std::any_of(specs[i].plants.begin(), specs[i].plants.end(), [](const Plant& p) { return !p.decoy; }))
      dupSrc.push_back(i);
  for (int tries = 0; tries < 10000 && dupSrc.size() < nDup; ++tries) {
    const size_t i = r.uniform(specs.size());
    if (dupOk(i)) dupSrc.push_back(i);
  }
  std::sort(dupSrc.begin(), dupSrc.end());

  // ---- generate and write
  std::vector<Truth> truth;
  std::set<std::string> madeDirs;
  uint64_t written = 0, nFiles = 0, nDecoyOut = 0;
  auto writeFile = [&](const std::string& rel, const std::string& data) {
    const fs::path full = root / fs::path(rel);
    const std::string pd = full.parent_path().string();
    if (madeDirs.insert(pd).second) fs::create_directories(full.parent_path());
    std::FILE* f = std::fopen(full.string().c_str(), "wb");
    if (!f || std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "sluice-corpus: cannot write %s\n", full.string().c_str());
      std::exit(1);
    }
    written += data.size();
    ++nFiles;
  };
  std::vector<std::pair<std::string, size_t>> dupData;  // content, first truth index
  for (size_t i = 0; i < specs.size(); ++i) {
    Spec& s = specs[i];
    g.b.clear();
    g.b.reserve(s.size + 4096);
    g.nl = s.crlf ? "\r\n" : "\n";
    const size_t firstTruth = truth.size();
    if (s.type == BIN) {
      static const char* const MAGIC[] = {"\x89PNG\r\n\x1a\n", "\177ELF\002\001\001", "\x00\x61\x73\x6d",
                                          "wOF2\x00\x01\x00\x00"};
      const char* m = r.pick(MAGIC);
      g.b.append(m, 8 - (m[0] == 0 ? 4 : 0));
      while (g.b.size() < s.size) {
        if (r.chance(5)) {
          g.b += "\x00\x00\x00";
          g.word();
          g.b += '\0';
        } else {
          const uint64_t x = r.uniform(uint64_t(1) << 48);
          for (int k = 0; k < 6; ++k) g.b += char((x >> (8 * k)) & 0xff);
        }
      }
    } else {
      g.header(s.type);
      std::vector<uint64_t> offs;
      size_t pi = 0;
      while (g.b.size() < s.size || pi < s.plants.size()) {
        if (pi < s.plants.size() && g.b.size() >= s.plants[pi].pos) {
          const Plant& p = s.plants[pi++];
          int rule = p.kind;
          const std::string tok = p.decoy ? g.decoy(p.kind, rule) : g.body(p.kind);
          const uint64_t off = g.emit(s.type, rule, tok);
          if (p.decoy) {
            ++nDecoyOut;
            continue;
          }
          truth.push_back(Truth{s.path, p.kind, tok, off, 0, 0});
          offs.push_back(off);
        } else {
          g.filler(s.type, s.nonutf8);
        }
      }
      g.footer(s.type);
      uint64_t line = 1, lineStart = 0, pos = 0;
      for (size_t t = firstTruth; t < truth.size(); ++t) {
        for (; pos < truth[t].offset; ++pos)
          if (g.b[pos] == '\n') {
            ++line;
            lineStart = pos + 1;
          }
        truth[t].line = line;
        truth[t].col = truth[t].offset - lineStart + 1;
      }
    }
    writeFile(s.path, g.b);
    if (std::binary_search(dupSrc.begin(), dupSrc.end(), i)) dupData.emplace_back(g.b, i);
  }
  for (auto& [data, si] : dupData) {
    const Spec& s = specs[si];
    const std::string name = s.path.substr(s.path.rfind('/') + 1);
    std::string p;
    do {
      const std::string& dir = dirs[r.uniform(dirs.size())];
      p = dir + "/" + (r.chance(50) ? name : "copy_of_" + name);
    } while (!paths.insert(p).second);
    writeFile(p, data);
    const size_t n = truth.size();
    for (size_t t = 0; t < n; ++t)
      if (truth[t].path == s.path) {
        Truth c = truth[t];
        c.path = p;
        truth.push_back(c);
      }
  }
  // ---- truth file, sorted by (path, offset)
  std::sort(truth.begin(), truth.end(),
            [](const Truth& a, const Truth& b) { return a.path != b.path ? a.path < b.path : a.offset < b.offset; });
  std::string out;
  for (const Truth& t : truth) {
    out += "{\"path\": \"" + t.path + "\", \"rule_id\": \"" + RULE_ID[t.rule] + "\", \"secret\": \"" + t.secret +
           "\", \"offset\": " + std::to_string(t.offset) + ", \"line\": " + std::to_string(t.line) +
           ", \"column\": " + std::to_string(t.col) + "}\n";
  }
  if (fs::path(truthPath).has_parent_path()) fs::create_directories(fs::path(truthPath).parent_path());
  std::FILE* f = std::fopen(truthPath.c_str(), "wb");
  if (!f || std::fwrite(out.data(), 1, out.size(), f) != out.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "sluice-corpus: cannot write %s\n", truthPath.c_str());
    return 1;
  }
  std::fprintf(
      stderr, "sluice-corpus: %llu files, %llu bytes, %zu secrets (%zu dup-inclusive truth lines), %llu decoys -> %s\n",
      (unsigned long long)nFiles, (unsigned long long)written, size_t(nSecrets), truth.size(),
      (unsigned long long)nDecoyOut, truthPath.c_str());
  return 0;
}
