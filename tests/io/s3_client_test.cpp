#include "io/s3_client.hpp"

#include "io/http_client.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::io {
namespace {

TEST(S3Encoded, LeavesOnlyUnreservedCharactersAndSlashesOfKeys) {
  EXPECT_EQ(s3_encoded("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(s3_encoded("a b+c=d/e&f", false), "a%20b%2Bc%3Dd%2Fe%26f");
  EXPECT_EQ(s3_encoded("other dir/key file.env", true), "other%20dir/key%20file.env");
  EXPECT_EQ(s3_encoded("/a//b/", true), "/a//b/");
  EXPECT_EQ(s3_encoded("a/../b\xc3\xa9", true), "a/../b%C3%A9");
}

// libcurl reads a length of 0 as "up to the NUL": an empty part must stay empty, not take in
// the rest of the text (an object key with "//" or a leading '/').
TEST(UrlEscaped, AnEmptyViewIsEmpty) {
  const std::string text = "abc def";
  EXPECT_EQ(url_escaped(std::string_view(text).substr(0, 0)), "");
  EXPECT_EQ(url_unescaped(std::string_view(text).substr(3, 0)), "");
}

TEST(S3Reference, BucketAndPrefix) {
  std::string error;
  const auto whole = parse_s3_reference("s3://my.bucket-1", &error);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->bucket, "my.bucket-1");
  EXPECT_EQ(whole->prefix, "");
  const auto prefixed = parse_s3_reference("s3://bkt/releases/2026/", &error);
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(prefixed->prefix, "releases/2026/");
  for (const char* bad : {"s3://Bad_Bucket", "s3://ab", "s3://-bkt", "s3://bkt./x", "https://bkt"}) {
    EXPECT_FALSE(parse_s3_reference(bad, &error)) << bad;
  }
}

}  // namespace
}  // namespace sluice::io
