// The triage page (-f html, sluice report), loaded in Debian's headless Chromium: the DOM after
// its script ran is checked (--dump-dom), with every request Chromium might make sent to a
// loopback trap that records it.

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "support.hpp"

namespace sluice::e2e {
namespace {

const char* const kChromium = "/usr/bin/chromium";

// argv: port, log. Logs the first line of every connection and refuses it.
constexpr const char* kTrap = R"PY(
import socket, sys
port, log = int(sys.argv[1]), sys.argv[2]
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(16)
while True:
    connection, _ = server.accept()
    first = connection.recv(200).split(b"\r\n")[0]
    if first:
        with open(log, "a") as out:
            out.write(first.decode("latin-1") + "\n")
    connection.close()
)PY";

class Browser {
 public:
  explicit Browser(const TempDir& dir)
      : port_(free_port()),
        log_(dir.path("trap.log")),
        profile_(dir.mkdir("profile")),
        trap_({"python3", "-c", kTrap, std::to_string(port_), log_}, port_) {}

  [[nodiscard]] bool ready() const { return trap_.running() && std::filesystem::exists(kChromium); }

  // The DOM of `page` (a file) at `fragment`, after its scripts ran; with `screenshot`, a PNG too.
  [[nodiscard]] RunResult dom(const std::string& page, const std::string& fragment,
                              const std::string& screenshot = {}) const {
    std::vector<std::string> argv = {kChromium,
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--no-first-run",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--no-pings",
                                     "--disable-domain-reliability",
                                     "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter",
                                     "--user-data-dir=" + profile_,
                                     "--proxy-server=http://127.0.0.1:" + std::to_string(port_),
                                     "--proxy-bypass-list=<-loopback>",
                                     "--virtual-time-budget=5000",
                                     "--window-size=1280,900"};
    if (screenshot.empty()) {
      argv.push_back("--dump-dom");
    } else {
      argv.push_back("--screenshot=" + screenshot);
    }
    argv.push_back("file://" + page + fragment);
    RunOptions options;
    options.timeout = std::chrono::seconds(120);
    return run(argv, options);
  }
  // Requests that reached the trap, but for Chromium's own (component updates, network time,
  // account checks to Google's hosts), which no page can cause or stop.
  [[nodiscard]] std::string requests() const {
    std::string out;
    std::istringstream lines(read_file(log_));
    for (std::string line; std::getline(lines, line);) {
      const std::size_t start = line.find(' ') + 1;
      std::string target = line.substr(start, line.find(' ', start) - start);
      if (target.starts_with("http://")) target = target.substr(7);
      const std::string host = target.substr(0, target.find_first_of(":/"));
      bool own = false;
      for (const char* google : {".google.com", ".googleapis.com", ".gvt1.com"}) {
        own = own || host.ends_with(google);
      }
      if (!own) out += line + "\n";
    }
    return out;
  }

 private:
  int port_;
  std::string log_;
  std::string profile_;
  LoopbackServer trap_;
};

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

TEST(HtmlReport, APageFromAScanShowsCountsFiltersCardsAndHostileNamesAsText) {
  TempDir dir;
  Browser browser(dir);
  ASSERT_TRUE(browser.ready()) << "Debian's chromium is needed (scripts/setup.sh installs it)";
  KeyGen gen(2401);
  const std::string keys[3] = {gen.personal_key(), gen.personal_key(), gen.personal_key()};
  dir.write("tree/app/.env", "POSTHOG_KEY=" + keys[0] + "\nAWS_ACCESS_KEY_ID=AKIAQ3EGRZLN5TJX2W7M\n");
  dir.write("tree/lib/config.yml", "posthog: " + keys[1] + "\n");
  const std::string hostile = "<img src=x onerror=alert(1)>.env";
  dir.write("tree/" + hostile, "K=" + keys[2] + "\n");
  const std::string page = dir.path("report.html");
  const RunResult scan = sluice({"scan", dir.path("tree"), "-f", "html", "-o", page});
  ASSERT_TRUE(exited_with(scan, kFindings)) << describe(scan);
  const std::string html = read_file(page);
  // Self-contained, secrets masked by default, nothing the page could load.
  for (const std::string& key : keys) EXPECT_EQ(html.find(key), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);

  const RunResult all = browser.dom(page, "");
  ASSERT_TRUE(exited_with(all, 0)) << describe(all);
  EXPECT_NE(all.out.find("data-ready=\"1\""), std::string::npos) << "the script did not run:\n"
                                                                 << all.out.substr(0, 2000);
  EXPECT_NE(all.out.find("<span class=\"number\" id=\"total\">4</span>"), std::string::npos);
  EXPECT_NE(all.out.find("(4 of 4)"), std::string::npos);
  EXPECT_EQ(count_of(all.out, "<tr data-fingerprint="), 4u);
  // The hostile name is text: escaped in the DOM, and no element came of it.
  EXPECT_NE(all.out.find("&lt;img src=x onerror=alert(1)&gt;.env"), std::string::npos);
  EXPECT_EQ(all.out.find("<img"), std::string::npos);
  EXPECT_NE(all.out.find("id=\"chart-vendor\""), std::string::npos);

  // A filter in the fragment narrows the table.
  const RunResult aws = browser.dom(page, "#vendor=AWS");
  ASSERT_TRUE(exited_with(aws, 0)) << describe(aws);
  EXPECT_NE(aws.out.find("(1 of 4)"), std::string::npos);
  EXPECT_EQ(count_of(aws.out, "<tr data-fingerprint="), 1u);
  const RunResult path = browser.dom(page, "#path=config.yml");
  EXPECT_NE(path.out.find("(1 of 4)"), std::string::npos);

  // A finding named in the fragment opens its card: description, impact, mitigation, places.
  const std::size_t at = all.out.find("<tr data-fingerprint=\"");
  ASSERT_NE(at, std::string::npos);
  const std::string fingerprint = all.out.substr(at + 22, all.out.find('"', at + 22) - at - 22);
  const RunResult card = browser.dom(page, "#open=" + fingerprint);
  EXPECT_NE(card.out.find("<aside id=\"card\" aria-label=\"Detector card\">"), std::string::npos)
      << "the card is not open";
  EXPECT_NE(card.out.find("Impact of a leak"), std::string::npos);
  EXPECT_NE(card.out.find("Mitigation"), std::string::npos);

  // A screenshot, kept beside the test binary's build tree as an artifact.
  const std::string shot = (std::filesystem::path(kSluiceBinary).parent_path().parent_path() / "html-report.png");
  const RunResult picture = browser.dom(page, "#open=" + fingerprint, shot);
  EXPECT_TRUE(exited_with(picture, 0)) << describe(picture);
  EXPECT_GT(std::filesystem::file_size(shot), 10000u);

  EXPECT_EQ(browser.requests(), "") << "the page made a network request";
}

TEST(HtmlReport, EarlierReportsMakeOnePageWithoutScanningAgain) {
  TempDir dir;
  Browser browser(dir);
  ASSERT_TRUE(browser.ready()) << "Debian's chromium is needed (scripts/setup.sh installs it)";
  KeyGen gen(2402);
  const std::string shared = gen.personal_key();
  dir.write("a/k.env", "K=" + shared + "\nL=" + gen.personal_key() + "\n");
  dir.write("b/k.env", "K=" + shared + "\n");
  const std::string json = dir.path("a.json");
  const std::string jsonl = dir.path("b.jsonl");
  ASSERT_TRUE(exited_with(sluice({"scan", dir.path("a"), "-f", "json", "-o", json}), kFindings));
  ASSERT_TRUE(exited_with(sluice({"scan", dir.path("b"), "-f", "jsonl", "-o", jsonl}), kFindings));
  const std::string page = dir.path("both.html");
  const RunResult made = sluice({"report", json, jsonl, "-f", "html", "-o", page});
  ASSERT_TRUE(exited_with(made, kClean)) << describe(made);
  EXPECT_EQ(read_file(page).find(shared), std::string::npos) << "a secret shown without --show-secrets";
  const RunResult dom = browser.dom(page, "");
  // The key in both reports is one finding with two places.
  EXPECT_NE(dom.out.find("<span class=\"number\" id=\"total\">2</span>"), std::string::npos) << dom.out.substr(0, 3000);
  EXPECT_NE(dom.out.find("<td><span>2</span></td>"), std::string::npos);
  // A SARIF log of sluice reads as the JSON report it stands for.
  const std::string sarif = dir.path("a.sarif");
  ASSERT_TRUE(exited_with(sluice({"scan", dir.path("a"), "-f", "sarif", "-o", sarif}), kFindings));
  const std::string from_sarif = dir.path("sarif.html");
  const RunResult made_sarif = sluice({"report", sarif, "-o", from_sarif});
  ASSERT_TRUE(exited_with(made_sarif, kClean)) << describe(made_sarif);
  const RunResult sarif_dom = browser.dom(from_sarif, "#vendor=PostHog");
  EXPECT_NE(sarif_dom.out.find("(2 of 2)"), std::string::npos) << sarif_dom.out.substr(0, 3000);
  // --show-secrets shows them.
  const std::string shown = dir.path("shown.html");
  ASSERT_TRUE(exited_with(sluice({"report", json, "--show-secrets", "-o", shown}), kClean));
  EXPECT_NE(read_file(shown).find(shared), std::string::npos);
  // What is not a report is named.
  const std::string junk = dir.write("junk.txt", "not json\n");
  const RunResult bad = sluice({"report", junk, "-o", dir.path("x.html")});
  EXPECT_TRUE(exited_with(bad, kFatal)) << describe(bad);
  EXPECT_NE(bad.err.find(junk), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path("x.html")));
  EXPECT_EQ(browser.requests(), "");
}

}  // namespace
}  // namespace sluice::e2e
