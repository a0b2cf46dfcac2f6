#pragma once
// Every message sluice writes on standard error goes through say(): it never throws (a closed,
// full or broken stderr must not end a scan or lose its report: the message is dropped) and,
// during a scan, it is masked by a Redactor first, whatever the message holds: what a rule
// matches always (a key in a file or member name), and under --redact every secret found too.

#include <fmt/format.h>

#include <string_view>
#include <utility>

namespace sluice::pipeline {
class Redactor;
}

namespace sluice::cli {

// Makes every later message pass through `redactor` (nullptr: none). Not thread-safe: set it
// before the scan starts.
void set_message_redactor(const pipeline::Redactor* redactor) noexcept;

// Writes `text` as it is (after masking); errors are ignored.
void say_text(std::string_view text) noexcept;

template <typename... Args>
void say(fmt::format_string<Args...> format, Args&&... args) noexcept {
  try {
    say_text(fmt::format(format, std::forward<Args>(args)...));
  } catch (...) {  // NOLINT(bugprone-empty-catch): formatting failed (out of memory); nothing to say
  }
}

// Makes sure file descriptors 0, 1 and 2 are open (on /dev/null when they were closed), so no
// file sluice opens later gets one of them: a report opened as fd 2 would get the messages.
void reserve_standard_descriptors() noexcept;

}  // namespace sluice::cli
