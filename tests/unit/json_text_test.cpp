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

TEST_CASE("JSON text: nesting deeper than 64 levels stops the parse as it is reached", "[json]") {
  auto arrays = [](std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  CHECK(parse_json(arrays(kMaxJsonDepth)).value.is_array());
  for (std::size_t depth : {kMaxJsonDepth + 1, std::size_t{100000}}) {
    INFO(depth);
    ParsedJson deep = parse_json(arrays(depth));
    CHECK(deep.value.is_discarded());
    CHECK(deep.limited);
    CHECK(deep.error == "nested deeper than 64 levels");
  }
  std::string objects;
  for (std::size_t i = 0; i < 100000; ++i)
    objects += R"({"a":)";
  ParsedJson parsed = parse_json(objects + "1" + std::string(100000, '}'));
  CHECK(parsed.value.is_discarded());
  CHECK(parsed.error == "nested deeper than 64 levels");
  // Left open, it is the depth that stops it, not the missing end.
  CHECK(parse_json(std::string(100000, '[')).error == "nested deeper than 64 levels");
  // Deep in a message, after the id: the id is kept for the answer.
  ParsedJson message = parse_json(R"({"id":"r-1","params":)" + arrays(200) + "}");
  CHECK(message.id == "r-1");
}

TEST_CASE("JSON text: more than 100,000 values stop the parse as they are reached", "[json]") {
  auto zeros = [](std::size_t count) {
    std::string text = "[0";
    for (std::size_t i = 1; i < count; ++i)
      text += ",0";
    return text + "]";
  };
  // The array itself counts as a value.
  CHECK(parse_json(zeros(kMaxJsonValues - 1)).value.size() == kMaxJsonValues - 1);
  ParsedJson many = parse_json(zeros(kMaxJsonValues));
  CHECK(many.value.is_discarded());
  CHECK(many.limited);
  CHECK(many.error == "made of more than 100000 values");
  std::string members = "{";
  for (std::size_t i = 0; i < kMaxJsonValues; ++i)
    members += (i ? ",\"" : "\"") + std::to_string(i) + "\":{}";
  CHECK(parse_json(members + "}").limited);
}

TEST_CASE("JSON text: an error keeps the id read before it, and only a JSON-RPC id", "[json]") {
  CHECK(parse_json(R"({"jsonrpc":"2.0","id":7,"params":{"x":tru}})").id == 7);
  CHECK(parse_json(R"({"id":"a","x":tru})").id == "a");
  CHECK(parse_json(R"({"x":tru,"id":"a"})").id.is_null());     // after the fault
  CHECK(parse_json(R"({"id":1.5,"x":tru})").id.is_null());     // not an id
  CHECK(parse_json(R"({"id":{"a":1},"x":tru})").id.is_null()); // not an id
  CHECK(parse_json(R"({"id":"\xff"})").id.is_null());          // the id itself is bad
  CHECK(parse_json(R"([{"id":1},tru])").id.is_null());         // not at the root
  CHECK(parse_json(R"({"id":2})").id.is_null());               // no error: in value
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
  // A lone surrogate where U+FDD0 (the parser's stand-in) is also written.
  CHECK(parse_json(R"({"a":"\ud800","b":"\ufdd0"})")
            .error.starts_with("invalid string: surrogate U+D800"));
  CHECK(parse_json("{\"a\":\"\\ud800\",\"b\":\"\xEF\xB7\x90\"}")
            .error.starts_with("invalid string: surrogate U+D800"));
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

TEST_CASE("JSON text: U+2028 and U+2029 are written as escapes", "[json]") {
  std::string text = json{{"s", "a\u2028b\u2029c\u2027d\u20ACe"}}.dump(-1, ' ', false);
  escape_line_separators(text);
  CHECK(text == "{\"s\":\"a\\u2028b\\u2029c\u2027d\u20ACe\"}");
  CHECK(json::parse(text)["s"] == "a\u2028b\u2029c\u2027d\u20ACe");
  std::string cut = "\xE2\x80";
  escape_line_separators(cut); // a truncated sequence at the end is left alone
  CHECK(cut == "\xE2\x80");
}

TEST_CASE("JSON text: a lone UTF-16 surrogate parses, marked, and is found with its path",
          "[json]") {
  struct Row {
    std::string text;
    std::string path;
  };
  for (const Row &row : std::vector<Row>{
           {R"({"id":5,"params":{"arguments":{"body":{"value":"ab\ud83d"}}}})",
            "params.arguments.body.value"},
           {R"({"v":"\udc00x"})", "v"},              // a low half alone
           {R"({"v":"\ud83d\ud83d\ude00"})", "v"}, // a high half, then a pair
           {R"({"v":"\uD83D"})", "v"},               // upper case
           {R"({"a":[1,{"k":"\ud800"}]})", "a[1].k"},
           {R"(["\\", "\udbff"])", "[1]"}, // after an escaped backslash
           {R"({"v":"\ud83d\u0041"})", "v"},        // a high half, then not a low one
       }) {
    INFO(row.text);
    ParsedJson parsed = parse_json(row.text);
    REQUIRE(parsed.error.empty());
    CHECK(parsed.lone_surrogates);
    CHECK(lone_surrogate_path(parsed.value) == row.path);
  }
  // Each is kept as its WTF-8 bytes, in the order of the text.
  ParsedJson value = parse_json(R"({"v":"ab\ud83d"})");
  CHECK(value.value["v"] == "ab\xED\xA0\xBD");
  CHECK(parse_json(R"({"v":"\udc00x"})").value["v"] == "\xED\xB0\x80x");
  CHECK(parse_json(R"({"v":"\ud83d\ud83d\ude00"})").value["v"] ==
        "\xED\xA0\xBD\xF0\x9F\x98\x80");
  ParsedJson two = parse_json(R"({"a":"\udbff","b":["\ud800","\udc01"]})");
  CHECK(two.value["a"] == "\xED\xAF\xBF");
  CHECK(two.value["b"] == json{"\xED\xA0\x80", "\xED\xB0\x81"});

  ParsedJson name = parse_json(R"({"o":{"k\ud83d":1}})");
  CHECK(name.lone_surrogates);
  CHECK(lone_surrogate_path(name.value) == "o (a member name)");

  // Pairs, and a backslash escaped before "ud83d", are ordinary text.
  for (const char *text : {R"({"v":"\ud83d\ude00"})", R"({"v":"\\ud83d"})", R"({"v":"\u00e9"})"}) {
    INFO(text);
    ParsedJson parsed = parse_json(text);
    CHECK_FALSE(parsed.lone_surrogates);
    CHECK(parsed.value == json::parse(text));
    CHECK_FALSE(lone_surrogate_path(parsed.value));
  }
  // A text that is not JSON for another reason stays an error.
  ParsedJson broken = parse_json(R"({"id":3,"v":"\ud83d",})");
  CHECK(broken.value.is_discarded());
  CHECK(broken.id == 3);
}
