#include <gtest/gtest.h>

#include <string>

#include "pipeline/finding.hpp"

namespace sluice::pipeline {
namespace {

TEST(Printable, ControlBytesAndBackslashesAreEscaped) {
  EXPECT_EQ(printable("a\nb\tc\rd\\e\x1b[31m\x7f"), "a\\nb\\tc\\rd\\\\e\\x1b[31m\\x7f");
}

TEST(Printable, ValidUtf8StaysAsItIs) {
  const std::string name = "r\xc3\xa9sum\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x94\x91.env";  // résumé-€-🔑.env
  EXPECT_EQ(printable(name), name);
}

TEST(Printable, BytesThatAreNotUtf8AreEscapedOneByOne) {
  EXPECT_EQ(printable(std::string("\xff\xfe-latin\xe9.env")), "\\xff\\xfe-latin\\xe9.env");
  EXPECT_EQ(printable(std::string("\xc0\xaf")), "\\xc0\\xaf");           // overlong '/'
  EXPECT_EQ(printable(std::string("\xed\xa0\x80")), "\\xed\\xa0\\x80");  // a surrogate
  EXPECT_EQ(printable(std::string("\x9b"
                                  "31m")),
            "\\x9b31m");                                                // a raw C1 CSI byte
  EXPECT_EQ(printable(std::string("cut \xe2\x82")), "cut \\xe2\\x82");  // a sequence cut short
}

TEST(Printable, MarksThatReorderOrHideTextAreEscaped) {
  // "invoice" + RIGHT-TO-LEFT OVERRIDE + "fdp.exe" would show as "invoiceexe.pdf".
  EXPECT_EQ(printable("invoice\xe2\x80\xae"
                      "fdp.exe"),
            "invoice\\u{202e}fdp.exe");
  EXPECT_EQ(printable("a\xe2\x81\xa6"
                      "b\xe2\x81\xa9"),
            "a\\u{2066}b\\u{2069}");
  EXPECT_EQ(printable("zero\xe2\x80\x8bwidth"), "zero\\u{200b}width");
  EXPECT_EQ(printable("c1\xc2\x9b"
                      "31m"),
            "c1\\u{009b}31m");  // CSI as a code point
}

}  // namespace
}  // namespace sluice::pipeline
