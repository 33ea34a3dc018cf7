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
