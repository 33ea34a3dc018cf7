#include "qovery_mcp/http_server.hpp"

#include <catch2/catch.hpp>

using namespace qovery_mcp;

TEST_CASE("HTTP server: token comparison", "[http_server]") {
  CHECK(token_matches("s3cr3t-token", "s3cr3t-token"));
  CHECK_FALSE(token_matches("s3cr3t-tokem", "s3cr3t-token"));
  CHECK_FALSE(token_matches("s3cr3t-token ", "s3cr3t-token"));
  CHECK_FALSE(token_matches("s3cr3t", "s3cr3t-token"));
  CHECK_FALSE(token_matches("", "s3cr3t-token"));
  CHECK_FALSE(token_matches("S3CR3T-TOKEN", "s3cr3t-token"));
  std::string with_nul("a\0b", 3);
  CHECK_FALSE(token_matches(with_nul, "a"));
  CHECK(token_matches(with_nul, with_nul));
}
