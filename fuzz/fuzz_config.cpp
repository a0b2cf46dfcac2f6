// libFuzzer harness: arbitrary bytes as a .sluice.toml, applied to the real `sluice scan`
// options (register_scan) twice: as a config discovered in scanned content, and as a trusted
// one (--config). A finding: a crash, a sanitizer report, an exception out of the discovered
// path (it must never throw), any exception but ConfigError out of the trusted path, or a
// discovered config that set any option other than the narrowing ones.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/commands.hpp"
#include "cli/config.hpp"

using namespace sluice;

namespace {

CLI::App* scan_command(CLI::App& app, int& exit_code) {
  cli::register_scan(app, exit_code);
  return app.get_subcommand("scan");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    CLI::App app;
    int exit_code = 0;
    CLI::App* scan = scan_command(app, exit_code);
    const cli::ConfigFile config = cli::apply_discovered_config(*scan, "fuzz/.sluice.toml", text);
    for (const CLI::Option* option : scan->get_options()) {
      if (option->count() == 0) continue;
      if (!option->check_lname("exclude") && !option->check_lname("include")) std::abort();
    }
    if (config.has_rules) std::abort();
  }
  {
    CLI::App app;
    int exit_code = 0;
    CLI::App* scan = scan_command(app, exit_code);
    try {
      (void)cli::apply_trusted_config(*scan, "fuzz.toml", text);
    } catch (const cli::ConfigError&) {
      // A bad trusted config is reported as one.
    }
  }
  return 0;
}
