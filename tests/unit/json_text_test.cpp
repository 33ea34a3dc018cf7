#include "qovery_mcp/json_text.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;
using namespace qovery_mcp;

TEST_CASE("JSON text: parses what json::parse parses, to the same value", "[json]") {
  for (const char *text : {R"({"a":[1,-2,3.5,true,false,null,"s",{"b":{}}],"c":[]})", "[]", "0",
                           R"("x")", R"([[1],[2,[3]],{"k":[{"k":1}]}])", "\xEF\xBB\xBF{\"bom\":1}",
                           R"({"big":18446744073709551615})"}) {
    INFO(text);
    ParsedJson parsed = parse_json(text);
    CHECK(parsed.error.empty());
    CHECK_FALSE(parsed.has_duplicate);
    CHECK(parsed.value == json::parse(text));
  }
}

TEST_CASE("JSON text: nesting 100,000 deep is parsed and freed without recursion", "[json]") {
  constexpr std::size_t kDepth = 100000;
  ParsedJson arrays = parse_json(std::string(kDepth, '[') + std::string(kDepth, ']'));
  CHECK(arrays.value.is_array());
  std::string objects;
  for (std::size_t i = 0; i < kDepth; ++i)
    objects += R"({"a":)";
  objects += "1" + std::string(kDepth, '}');
  ParsedJson parsed = parse_json(objects);
  REQUIRE(parsed.value.is_object());
  CHECK(parsed.value.contains("a"));
  CHECK(parse_json(std::string(kDepth, '[')).value.is_discarded());
}

TEST_CASE("JSON text: an error says what and where, and quotes nothing", "[json]") {
  const std::string secret = "hunter2-s3cr3t";
  ParsedJson utf8 = parse_json("{\"value\":\"" + secret + "\xff\"}");
  CHECK(utf8.value.is_discarded());
  CHECK(utf8.error == "invalid string: ill-formed UTF-8 byte at line 1, column 25");
  CHECK(utf8.error.find(secret) == std::string::npos);

  CHECK(parse_json("{\n  \"n\": 1e999999}").error ==
        "a number is too large to represent at line 2, column 15");
  CHECK(parse_json("").error ==
        "unexpected end of input; expected '[', '{', or a literal at line 1, column 0");
  CHECK(parse_json(R"({"a":"\ud800"})").error.starts_with("invalid string: surrogate U+D800"));
  CHECK(parse_json(R"({"a":1,})").error.starts_with("unexpected '}'; expected string literal"));
  ParsedJson trailing = parse_json(R"({"a":1} {"secret":"hunter2-s3cr3t"})");
  CHECK(trailing.value.is_discarded());
  CHECK(trailing.error.find("hunter2") == std::string::npos);
}

TEST_CASE("JSON text: a member name twice in one object is noted", "[json]") {
  ParsedJson top = parse_json(R"({"id":1,"id":2})");
  CHECK(top.has_duplicate);
  CHECK(top.duplicate_name == "id");
  CHECK(top.value == json{{"id", 2}}); // the last one, as json::parse keeps

  ParsedJson nested = parse_json(R"({"a":{"k":1},"b":[{"k":1},{"k":2,"x":1,"x":2}]})");
  CHECK(nested.has_duplicate);
  CHECK(nested.duplicate_name == "x");

  ParsedJson apart = parse_json(R"({"k":1,"o":{"k":2},"l":[{"k":3},{"k":4}]})");
  CHECK_FALSE(apart.has_duplicate); // the same name in different objects is fine

  ParsedJson empty_names = parse_json(R"({"":1,"":2})");
  CHECK(empty_names.has_duplicate);
  CHECK(empty_names.duplicate_name.empty());
}

TEST_CASE("JSON text: a long name is described, not quoted", "[json]") {
  CHECK(name_for_message("tools/list") == "\"tools/list\"");
  CHECK(name_for_message("list-secrets", '\'') == "'list-secrets'");
  CHECK(name_for_message(std::string(64, 'x')) == "\"" + std::string(64, 'x') + "\"");
  CHECK(name_for_message(std::string(65, 'x')) == "a name of 65 characters");
  CHECK(name_for_message(std::string(1 << 20, 'x')) == "a name of 1048576 characters");
  // Characters, not bytes: 64 two-byte characters are still quoted.
  std::string accents;
  for (int i = 0; i < 64; ++i)
    accents += "\xc3\xa9";
  CHECK(name_for_message(accents) == "\"" + accents + "\"");
}
