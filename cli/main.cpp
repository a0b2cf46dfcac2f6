// sluice: bulk secret scanner.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"
#include "cli/messages.hpp"
#include "cli/validate_command.hpp"
#include "sluice/version.hpp"

int main(int argc, char** argv) {
  // Before anything opens a file: a closed 0, 1 or 2 would be handed to it.
  sluice::cli::reserve_standard_descriptors();
  // A file-size limit makes writes fail with EFBIG (reported, partial report removed) instead
  // of killing the process with a half-written report behind it.
  ::signal(SIGXFSZ, SIG_IGN);
  CLI::App app{"sluice: find leaked credentials in large corpora, fast"};
  app.require_subcommand(1);
  app.footer(
      "Run `sluice scan --help` or `sluice rules --help` for the options of each command.\n"
      "Examples:\n"
      "  sluice scan .                               scan the current directory\n"
      "  sluice scan repo/ -f sarif -o sluice.sarif  SARIF 2.1.0 for code scanning\n"
      "  sluice scan . --baseline old.json           only findings that are not in an earlier report\n"
      "  sluice scan --staged                        what `git commit` would record (pre-commit)\n"
      "  docker save app:1 | sluice scan -           a container image from standard input\n"
      "  sluice scan --shard 0/4 -o s0.jsonl DIR     one of four parts (then: sluice merge s*.jsonl)\n"
      "  sluice rules show posthog_personal_key      a detector card");
  app.set_version_flag("--version", "sluice " + std::string(sluice::kVersion));
  int exit_code = sluice::cli::kClean;
  sluice::cli::register_scan(app, exit_code);
  sluice::cli::register_merge(app, exit_code);
  sluice::cli::register_validate(app, exit_code);
  sluice::cli::register_report(app, exit_code);
  sluice::cli::register_rules(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : sluice::cli::kFatal;
  } catch (const sluice::engine::RuleError& error) {
    sluice::cli::say("sluice: rule error: {}\n", error.what());
    return sluice::cli::kFatal;
  } catch (const std::exception& error) {
    sluice::cli::say("sluice: fatal: {}\n", error.what());
    return sluice::cli::kFatal;
  }
  return exit_code;
}
