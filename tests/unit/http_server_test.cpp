#include "qovery_mcp/http_server.hpp"

#include <catch2/catch.hpp>

using namespace qovery_mcp;

TEST_CASE("HTTP server: loopback hosts", "[http_server]") {
  for (const char *host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]",
                           "::ffff:127.0.0.1", "localhost", "LocalHost"})
    CHECK(is_loopback_host(host));
}

TEST_CASE("HTTP server: hosts reachable from elsewhere", "[http_server]") {
  for (const char *host :
       {"0.0.0.0", "::", "[::]", "10.0.0.1", "192.168.1.2", "128.0.0.1", "::ffff:10.0.0.1",
        "2001:db8::1", "example.com", "localhost.example", "", "127.0.0.1.nip.io"})
    CHECK_FALSE(is_loopback_host(host));
}

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
