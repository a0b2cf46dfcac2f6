#pragma once
// Encoders written for the tests of the decoders (engine/decoders.hpp): each produces what a
// leak looks like once encoded, and the decoders must undo it.

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::testing {

inline std::string base64(std::string_view in, bool url = false) {
  const char* digits = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                           : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(digits[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(digits[(acc << (6 - bits)) & 63]);
  if (!url) {
    while (out.size() % 4 != 0) out.push_back('=');
  }
  return out;
}

// `encoded` cut into lines of `width`, each after `indent`.
inline std::string wrapped(std::string_view encoded, std::size_t width, std::string_view indent = "") {
  std::string out;
  for (std::size_t at = 0; at < encoded.size(); at += width) {
    out += indent;
    out += encoded.substr(at, width);
    out += '\n';
  }
  return out;
}

inline std::string hex(std::string_view in) {
  std::string out;
  for (unsigned char c : in) out += fmt::format("{:02x}", c);
  return out;
}

// Every byte as %XX.
inline std::string percent(std::string_view in) {
  std::string out;
  for (unsigned char c : in) out += fmt::format("%{:02X}", c);
  return out;
}

// A JSON string body: quotes, backslashes and control bytes escaped, every '_' and '-' as \u00XX.
inline std::string json_escaped(std::string_view in) {
  std::string out;
  for (char c : in) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '"' || c == '\\' || c == '/') {
      out += '\\';
      out += c;
    } else if (c == '_' || c == '-' || static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

// Every byte that is not a letter or digit as a numeric character reference.
inline std::string html(std::string_view in) {
  std::string out;
  for (unsigned char c : in) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    out += alnum ? std::string(1, static_cast<char>(c)) : fmt::format("&#{};", c);
  }
  return out;
}

// Quoted-printable: every byte that is not a letter or digit as =XX, lines soft-broken at 76.
inline std::string quoted_printable(std::string_view in) {
  std::string out;
  std::size_t line = 0;
  for (unsigned char c : in) {
    const bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    const std::string piece = alnum ? std::string(1, static_cast<char>(c)) : fmt::format("={:02X}", c);
    if (line + piece.size() > 75) {
      out += "=\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  }
  return out;
}

// ASCII text as UTF-16 or UTF-32 code units.
inline std::string units(std::string_view in, std::size_t width, bool little) {
  std::string out;
  for (char c : in) {
    std::string unit(width, '\0');
    unit[little ? 0 : width - 1] = c;
    out += unit;
  }
  return out;
}

}  // namespace sluice::testing
