#include "pipeline/sarif_sink.hpp"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

TEST(SarifSink, UriEncodingKeepsSlashesAndUnreserved) {
  EXPECT_EQ(uri_encode_path("src/app.py"), "src/app.py");
  EXPECT_EQ(uri_encode_path("a b/c:d#e?f%g"), "a%20b/c%3Ad%23e%3Ff%25g");
  EXPECT_EQ(uri_encode_path("caf\xc3\xa9~_-."), "caf%C3%A9~_-.");
}

TEST(SarifSink, SecuritySeverityBands) {
  // GitHub: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
  EXPECT_GE(security_severity(engine::Severity::kCritical), 9.0);
  EXPECT_GE(security_severity(engine::Severity::kHigh), 7.0);
  EXPECT_LT(security_severity(engine::Severity::kHigh), 9.0);
  EXPECT_GE(security_severity(engine::Severity::kMedium), 4.0);
  EXPECT_LT(security_severity(engine::Severity::kMedium), 7.0);
  EXPECT_GT(security_severity(engine::Severity::kLow), 0.0);
  EXPECT_LT(security_severity(engine::Severity::kLow), 4.0);
}

}  // namespace
}  // namespace sluice::pipeline
