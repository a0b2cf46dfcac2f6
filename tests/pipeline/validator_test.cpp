#include "pipeline/validator.hpp"

#include <gtest/gtest.h>

namespace sluice::pipeline {
namespace {

engine::ValidationSpec spec_of(std::string url) {
  engine::ValidationSpec spec;
  spec.url = std::move(url);
  spec.headers = {"Authorization: Bearer {secret}"};
  spec.valid = {200};
  spec.invalid = {401};
  return spec;
}

TEST(ValidationRequest, PlacesTheSecretAndKeepsTheCardsHost) {
  engine::ValidationSpec spec = spec_of("https://api.{region}.example.com/bot{secret}/me?k={key}");
  spec.regions = {"eu"};
  spec.pair = "other";
  const auto request = validation_request(spec, "a/b?c#d", "id 1", "eu", "");
  ASSERT_TRUE(request.has_value());
  // Percent-encoded in the URL: '/', '?' and '#' in a secret cannot move it to another path,
  // query or host.
  EXPECT_EQ(request->url, "https://api.eu.example.com/bota%2Fb%3Fc%23d/me?k=id%201");
  // "." and ".." are no path steps; a secret holding "{key}" is not filled in.
  EXPECT_EQ(validation_request(spec, "..", "k", "eu", "")->url, "https://api.eu.example.com/bot%2E%2E/me?k=k");
  EXPECT_EQ(validation_request(spec, "{key}", "k", "eu", "")->url, "https://api.eu.example.com/bot%7Bkey%7D/me?k=k");
  EXPECT_EQ(request->headers, (std::vector<std::string>{"Authorization: Bearer a/b?c#d"}));
  EXPECT_FALSE(request->follow_redirects);
  EXPECT_FALSE(request->post_body.has_value());
  EXPECT_EQ(validation_host(spec, "eu", ""), "api.eu.example.com");
}

TEST(ValidationRequest, ALoopbackEndpointReplacesOnlyTheOrigin) {
  engine::ValidationSpec spec = spec_of("https://api.example.com/v1/me?x=1");
  spec.method = "POST";
  spec.body = R"({"token":"{secret}"})";
  const auto request = validation_request(spec, R"(t"o\k)", "", "", "http://127.0.0.1:8080/prefix/");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->url, "http://127.0.0.1:8080/prefix/v1/me?x=1");
  ASSERT_TRUE(request->post_body.has_value());
  EXPECT_EQ(*request->post_body, R"({"token":"t\"o\\k"})");  // a JSON string: no field can be added
  EXPECT_TRUE(request->no_proxy);                            // a loopback imitation is never asked through a proxy
  EXPECT_EQ(validation_host(spec, "", "http://127.0.0.1:8080/prefix/"), "127.0.0.1:8080");
}

TEST(ValidationRequest, RefusesValuesThatWouldBreakTheRequest) {
  const engine::ValidationSpec spec = spec_of("https://api.example.com/me");
  EXPECT_FALSE(validation_request(spec, "a\r\nHost: evil", "", "", "").has_value());
  EXPECT_FALSE(validation_request(spec, "", "", "", "").has_value());
  EXPECT_FALSE(validation_request(spec, "ok", std::string("k\0y", 3), "", "").has_value());
}

TEST(ValidationAnswer, MeansWhatTheCardSays) {
  engine::ValidationSpec spec = spec_of("https://api.example.com/me");
  spec.valid_body = R"("ok":true)";
  spec.invalid_body = {R"("error":"invalid_auth")"};
  auto answer = [&](long status, std::string body = {}, bool timed_out = false) {
    io::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.timed_out = timed_out;
    return classify_answer(spec, response);
  };
  EXPECT_EQ(answer(200, R"({"ok":true})").status, Validation::Status::kValid);
  // A valid status without the card's mark is no yes; a mark of the invalid is a no.
  EXPECT_EQ(answer(200, R"({"ok":false,"error":"ratelimited"})").status, Validation::Status::kUnknown);
  EXPECT_EQ(answer(200, R"({"ok":false,"error":"ratelimited"})").detail, "unconfirmed");
  EXPECT_EQ(answer(200, R"({"ok":false,"error":"invalid_auth"})").status, Validation::Status::kInvalid);
  EXPECT_EQ(answer(401).status, Validation::Status::kInvalid);
  EXPECT_EQ(answer(401).http_status, 401);
  EXPECT_EQ(answer(429).detail, "rate-limited");
  EXPECT_EQ(answer(503).detail, "server-error");
  EXPECT_EQ(answer(302).detail, "redirect");
  EXPECT_EQ(answer(404).detail, "unexpected-status");
  EXPECT_EQ(answer(0, "", true).detail, "timeout");
  EXPECT_EQ(answer(0).detail, "network");
  EXPECT_EQ(answer(0).status, Validation::Status::kUnknown);
}

TEST(ValidationEndpoint, OnlyLoopback) {
  EXPECT_EQ(loopback_endpoint_error("http://127.0.0.1:9000"), "");
  EXPECT_EQ(loopback_endpoint_error("https://localhost/base"), "");
  EXPECT_EQ(loopback_endpoint_error("http://[::1]:9000"), "");
  for (const char* url :
       {"http://10.0.0.1", "https://example.com", "http://127.0.0.1.nip.io", "http://localhost@evil.com",
        "http://127.0.0.1:9/?q", "file:///etc/passwd", "127.0.0.1:9000", "http://0.0.0.0:9"}) {
    EXPECT_NE(loopback_endpoint_error(url), "") << url;
  }
}

TEST(Validator, PairsASecretWithTheNearestIdInTheSameContent) {
  std::vector<engine::Rule> rules(2);
  rules[0].id = "demo_id";
  rules[1].id = "demo_secret";
  rules[1].validation = spec_of("https://api.example.com/me?id={key}");
  rules[1].validation->pair = "demo_id";
  auto at = [](std::string path, std::uint64_t offset) {
    Location location;
    location.path = path;
    location.chain = {path};
    location.offset = offset;
    return location;
  };
  auto finding = [](std::uint32_t rule, std::string secret, Location location) {
    Finding out;
    out.rule = rule;
    out.secret = std::move(secret);
    out.locations = {std::move(location)};
    return out;
  };
  std::vector<Finding> findings = {finding(0, "ID-FAR", at("a", 0)), finding(0, "ID-NEAR", at("a", 500)),
                                   finding(1, "S1", at("a", 520)), finding(1, "S2", at("b", 10))};
  Validator validator(rules, {});
  const ValidationPlan plan = validator.plan(findings);
  EXPECT_EQ(plan.secrets, 1u);  // S2 has no id in its file
  EXPECT_EQ(plan.unsupported, 2u);
  EXPECT_EQ(plan.requests_by_host, (std::map<std::string, std::size_t>{{"api.example.com", 1}}));
  validator.validate(findings, false);
  EXPECT_EQ(findings[2].validation->detail, "dry-run");
  EXPECT_EQ(findings[3].validation->detail, "no-pair");
  EXPECT_EQ(findings[0].validation->detail, "unsupported");
}

}  // namespace
}  // namespace sluice::pipeline
