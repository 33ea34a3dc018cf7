#include "qovery_mcp/text.hpp"

#include <catch2/catch.hpp>

using namespace qovery_mcp;

TEST_CASE("Text: code points count characters, not bytes", "[text]") {
  CHECK(code_points("") == 0);
  CHECK(code_points("abc") == 3);
  CHECK(code_points("\xC3\xA9t\xC3\xA9") == 3);            // "été"
  CHECK(code_points("\xE2\x82\xAC\xF0\x9F\x94\x91") == 2); // "€" and a 4-byte key emoji
}

TEST_CASE("Text: a media type loses its parameters and blanks and is lower-cased", "[text]") {
  CHECK(media_type("Application/JSON; charset=utf-8") == "application/json");
  CHECK(media_type(" \ttext/event-stream ") == "text/event-stream");
  CHECK(media_type("") == "");
}

TEST_CASE("Text: a UUID is 8-4-4-4-12 hexadecimal digits, either case", "[text]") {
  CHECK(is_uuid("11111111-1111-4111-8111-111111111111"));
  CHECK(is_uuid("AAAAAAAA-bbbb-0000-ffff-123456789abc"));
  CHECK_FALSE(is_uuid(""));
  CHECK_FALSE(is_uuid("11111111-1111-4111-8111-11111111111g"));
  CHECK_FALSE(is_uuid("11111111-1111-4111-8111-1111111111111"));
  CHECK_FALSE(is_uuid("111111111-111-4111-8111-111111111111"));
  CHECK_FALSE(is_uuid("11111111_1111_4111_8111_111111111111"));
}

TEST_CASE("Text: loopback hosts", "[text]") {
  for (const char *host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "[::1]",
                           "::ffff:127.0.0.1", "localhost", "LocalHost"})
    CHECK(is_loopback_host(host));
}

TEST_CASE("Text: hosts reachable from elsewhere", "[text]") {
  for (const char *host :
       {"0.0.0.0", "::", "[::]", "10.0.0.1", "192.168.1.2", "128.0.0.1", "::ffff:10.0.0.1",
        "2001:db8::1", "example.com", "localhost.example", "", "127.0.0.1.nip.io"})
    CHECK_FALSE(is_loopback_host(host));
}

TEST_CASE("Text: a host as a URL writes it", "[text]") {
  CHECK(url_host("127.0.0.1") == "127.0.0.1");
  CHECK(url_host("localhost") == "localhost");
  CHECK(url_host("::1") == "[::1]");
  CHECK(url_host("2001:db8::1") == "[2001:db8::1]");
}
