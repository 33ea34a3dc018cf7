#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/schema.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using nlohmann::json;
using qovery_mcp::Schema;

namespace {

constexpr std::array<std::string_view, 6> kTools{
    "list-job-secrets",
    "add-secret-job",
    "delete-secret-job",
    "edit-secret-belonging-job",
    "create-secret-alias-job-level",
    "create-secret-override-job-level",
};

constexpr std::array<std::string_view, 4> kSecretTools{
    "add-secret-job",
    "edit-secret-belonging-job",
    "create-secret-alias-job-level",
    "create-secret-override-job-level",
};

constexpr std::string_view kJobId = "0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5c";
constexpr std::string_view kSecretId = "7D3E2B1A-9C8F-4E6D-A5B4-C3D2E1F0A9B8";
constexpr std::string_view kKeyPattern = "^[A-Za-z][A-Za-z0-9_]*$";
constexpr std::string_view kKeyRule =
    "must be letters, digits and underscores only, starting with a letter";
constexpr std::string_view kReservedRule =
    "must not start with QOVERY_ (reserved for Qovery's built-in variables)";

const std::filesystem::path kSchemaDir = QMCP_SOURCE_DIR "/schemas";

Schema compile(const json &document) {
  auto compiled = Schema::compile(document);
  INFO(document.dump());
  if (!compiled)
    FAIL(compiled.error());
  return compiled.value();
}

std::string compile_error(const json &document) {
  auto compiled = Schema::compile(document);
  INFO(document.dump());
  REQUIRE_FALSE(compiled);
  return compiled.error();
}

void require_valid(const Schema &schema, const json &instance) {
  const auto error = schema.validate(instance);
  INFO(instance.dump());
  if (error)
    FAIL("path \"" << error->path << "\": " << error->message);
}

void require_error(const Schema &schema, const json &instance, const std::string &path,
                   const std::string &message) {
  const auto error = schema.validate(instance);
  INFO(instance.dump());
  REQUIRE(error);
  CHECK(error->path == path);
  CHECK(error->message == message);
}

std::string read_file(const std::filesystem::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

json schema_file(std::string_view name) {
  return json::parse(read_file(kSchemaDir / std::string(name)));
}

Schema tool_schema(std::string_view tool, std::string_view kind) {
  return compile(schema_file(std::string(tool) + "." + std::string(kind) + ".json"));
}

/// Calls `visit` on every subschema of `schema`, with its JSON pointer.
void for_each_schema(const json &schema, const std::string &pointer,
                     const std::function<void(const json &, const std::string &)> &visit) {
  if (!schema.is_object())
    return;
  visit(schema, pointer);
  for (const char *keyword : {"properties", "$defs"}) {
    if (!schema.contains(keyword))
      continue;
    for (const auto &[name, child] : schema[keyword].items())
      for_each_schema(child, pointer + "/" + keyword + "/" + name, visit);
  }
  if (schema.contains("items"))
    for_each_schema(schema["items"], pointer + "/items", visit);
}

/// A secret as Qovery sends it: nulls where it has nothing to say, and a
/// field this project's schemas do not know.
json qovery_secret(std::string_view scope, std::string_view key) {
  return json{
      {"id", "5b8f2c1e-3a4d-4e6f-8a9b-0c1d2e3f4a5b"},
      {"created_at", "2026-03-02T09:14:07.512833Z"},
      {"updated_at", nullptr},
      {"key", key},
      {"scope", scope},
      {"variable_type", "VALUE"},
      {"overridden_secret", nullptr},
      {"aliased_secret", nullptr},
      {"service_id", nullptr},
      {"service_name", nullptr},
      {"service_type", nullptr},
      {"owned_by", "QOVERY"},
      {"description", nullptr},
      {"enable_interpolation_in_file", nullptr},
      {"mount_path", nullptr},
      {"is_secret_manager_reference", false},
  };
}

} // namespace

TEST_CASE("Schema: type names", "[schema]") {
  SECTION("string") {
    const Schema schema = compile({{"type", "string"}});
    require_valid(schema, "x");
    require_error(schema, 5, "", "must be a string, got number");
  }
  SECTION("number") {
    const Schema schema = compile({{"type", "number"}});
    require_valid(schema, 1.5);
    require_valid(schema, -3);
    require_error(schema, "1.5", "", "must be a number, got string");
  }
  SECTION("integer accepts floats with no fractional part") {
    const Schema schema = compile({{"type", "integer"}});
    require_valid(schema, 3);
    require_valid(schema, 3.0);
    require_error(schema, 3.5, "", "must be an integer, got 3.5");
    require_error(schema, true, "", "must be an integer, got boolean");
  }
  SECTION("boolean") {
    const Schema schema = compile({{"type", "boolean"}});
    require_valid(schema, false);
    require_error(schema, 0, "", "must be a boolean, got number");
  }
  SECTION("object") {
    const Schema schema = compile({{"type", "object"}});
    require_valid(schema, json::object());
    require_error(schema, json::array(), "", "must be an object, got array");
  }
  SECTION("array") {
    const Schema schema = compile({{"type", "array"}});
    require_valid(schema, json::array());
    require_error(schema, json::object(), "", "must be an array, got object");
  }
  SECTION("null") {
    const Schema schema = compile({{"type", "null"}});
    require_valid(schema, nullptr);
    require_error(schema, "", "", "must be null, got string");
  }
}

TEST_CASE("Schema: a list of types makes a value nullable", "[schema]") {
  const Schema nullable = compile({{"type", {"string", "null"}}});
  require_valid(nullable, nullptr);
  require_valid(nullable, "text");
  require_error(nullable, 5, "", "must be null or a string, got number");

  const Schema three = compile({{"type", {"string", "number", "null"}}});
  require_valid(three, 2);
  require_error(three, true, "", "must be null, a string or a number, got boolean");
}

TEST_CASE("Schema: properties give dotted paths", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object",
    "properties": {
      "body": {"type": "object", "properties": {"key": {"type": "string"}}},
      "results": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}}}}
    }
  })"));
  require_valid(schema,
                json::parse(R"({"body": {"key": "A"}, "results": [{"key": "B"}], "x": 1})"));
  require_error(schema, json::parse(R"({"body": {"key": 1}})"), "body.key",
                "must be a string, got number");
  require_error(schema, json::parse(R"({"results": [{}, {}, {}, {"key": null}]})"),
                "results[3].key", "must be a string, got null");
  require_error(schema, json::parse(R"({"body": []})"), "body", "must be an object, got array");
}

TEST_CASE("Schema: properties ignore non-objects", "[schema]") {
  const Schema schema = compile({{"properties", {{"a", {{"type", "string"}}}}}});
  require_valid(schema, 5);
  require_valid(schema, json::array({1}));
}

TEST_CASE("Schema: required", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object",
    "required": ["jobId", "body"],
    "properties": {"body": {"type": "object", "required": ["key"]}}
  })"));
  require_valid(schema, json::parse(R"({"jobId": "x", "body": {"key": "K"}})"));
  require_error(schema, json::parse(R"({"body": {"key": "K"}})"), "jobId", "is required");
  require_error(schema, json::parse(R"({"jobId": "x"})"), "body", "is required");
  require_error(schema, json::parse(R"({"jobId": "x", "body": {}})"), "body.key", "is required");
}

TEST_CASE("Schema: additionalProperties", "[schema]") {
  const Schema closed = compile(json::parse(R"({
    "type": "object",
    "properties": {"jobId": {"type": "string"}, "body": {"type": "object",
      "properties": {"key": {}}, "additionalProperties": false}},
    "additionalProperties": false
  })"));
  require_valid(closed, json::parse(R"({"jobId": "x", "body": {"key": 1}})"));
  require_error(closed, json::parse(R"({"jobId": "x", "secret": 1})"), "secret",
                "is not allowed here (allowed: body, jobId)");
  require_error(closed, json::parse(R"({"body": {"key": 1, "valu": "v"}})"), "body.valu",
                "is not allowed here (allowed: key)");

  const Schema empty = compile({{"additionalProperties", false}});
  require_valid(empty, json::object());
  require_error(empty, {{"a", 1}}, "a", "is not allowed here (no properties are allowed)");

  const Schema open =
      compile({{"properties", {{"a", {{"type", "string"}}}}}, {"additionalProperties", true}});
  require_valid(open, {{"a", "x"}, {"b", 2}});
}

TEST_CASE("Schema: items", "[schema]") {
  const Schema schema = compile({{"type", "array"}, {"items", {{"type", "integer"}}}});
  require_valid(schema, json::array({1, 2, 3}));
  require_error(schema, json::array({1, "2", 3}), "[1]", "must be an integer, got string");
}

TEST_CASE("Schema: boolean schemas", "[schema]") {
  const Schema none = compile({{"items", false}});
  require_valid(none, json::array());
  require_error(none, json::array({1}), "[0]", "is not allowed");

  const Schema any = compile(true);
  require_valid(any, json::object({{"anything", json::array()}}));
}

TEST_CASE("Schema: enum", "[schema]") {
  const Schema schema = compile({{"enum", {"A", "B", "C"}}});
  require_valid(schema, "B");
  require_error(schema, "D", "", "must be one of: A, B, C");
  require_error(schema, json::array({"A"}), "", "must be one of: A, B, C");

  const Schema mixed = compile({{"enum", {1, nullptr, true}}});
  require_valid(mixed, nullptr);
  require_valid(mixed, 1.0);
  require_error(mixed, false, "", "must be one of: 1, null, true");
}

TEST_CASE("Schema: const", "[schema]") {
  const Schema flag = compile({{"const", true}});
  require_valid(flag, true);
  require_error(flag, false, "", "must be true");

  const Schema text = compile({{"const", "JOB"}});
  require_valid(text, "JOB");
  require_error(text, "job", "", "must be \"JOB\"");
}

TEST_CASE("Schema: minLength and maxLength count code points", "[schema]") {
  const Schema schema = compile({{"minLength", 1}, {"maxLength", 3}});
  require_valid(schema, "abc");
  require_valid(schema, "\xC3\xA9\xC3\xA9\xF0\x9F\x94\x91"); // "éé🔑": 8 bytes, 3 code points
  require_error(schema, "", "", "must be at least 1 character, got 0");
  require_error(schema, "abcd", "", "must be at most 3 characters, got 4");
  require_valid(schema, 12345); // length keywords apply to strings only

  const Schema description = compile({{"maxLength", 255}});
  std::string accents;
  for (int i = 0; i < 255; ++i)
    accents += "\xC3\xA9";
  require_valid(description, accents);
  require_error(description, accents + "e", "", "must be at most 255 characters, got 256");

  const Schema two = compile({{"minLength", 2}});
  require_error(two, "a", "", "must be at least 2 characters, got 1");
}

TEST_CASE("Schema: pattern reports its rule in words", "[schema]") {
  const Schema schema = compile({{"pattern", "^[A-Za-z][A-Za-z0-9_]*$"},
                                 {"x-pattern-rule", std::string(kKeyRule)},
                                 {"maxLength", 255}});
  require_valid(schema, "DATABASE_URL");
  require_error(schema, "1ABC", "", std::string(kKeyRule) + ", got \"1ABC\"");
  require_valid(schema, 7); // pattern applies to strings only

  const Schema unanchored =
      compile({{"pattern", "b"}, {"x-pattern-rule", "must hold a b"}, {"maxLength", 10}});
  require_valid(unanchored, "abc");
  require_error(unanchored, "xyz", "", "must hold a b, got \"xyz\"");
}

TEST_CASE("Schema: a pattern and its rule come together", "[schema]") {
  CHECK(compile_error({{"pattern", "^a$"}, {"maxLength", 5}}) ==
        "keyword \"pattern\" at /pattern: needs an \"x-pattern-rule\" beside it (the words a "
        "failed match reports)");
  CHECK(compile_error({{"x-pattern-rule", "must be a"}}) ==
        "keyword \"x-pattern-rule\" at /x-pattern-rule: needs a \"pattern\" beside it");
  for (const json &rule : {json(""), json("Must be a"), json("be a"), json(1)})
    CHECK(compile_error({{"pattern", "^a$"}, {"maxLength", 5}, {"x-pattern-rule", rule}}) ==
          "keyword \"x-pattern-rule\" at /x-pattern-rule: must be a string that starts with "
          "\"must \"");
}

namespace {

/// body.key as the input schemas declare it.
json key_schema() {
  return {{"type", "string"},
          {"maxLength", 255},
          {"pattern", std::string(kKeyPattern)},
          {"x-pattern-rule", std::string(kKeyRule)},
          {"x-forbidden-prefix",
           {{"prefix", "QOVERY_"}, {"reason", "reserved for Qovery's built-in variables"}}},
          {"description", "must not start with QOVERY_"}};
}

} // namespace

TEST_CASE("Schema: the key rule refuses QOVERY_ in words and keeps case", "[schema]") {
  const Schema key = compile(key_schema());
  for (const char *allowed : {"qovery_token", "QOVERYTOKEN", "Qovery_X", "MY_QOVERY_KEY", "QOVERY"})
    require_valid(key, allowed);
  for (const char *reserved : {"QOVERY_TOKEN", "QOVERY_", "QOVERY_1", "QOVERY__X"})
    require_error(key, reserved, "", std::string(kReservedRule) + ", got " + json(reserved).dump());
  require_error(key, "MY-KEY", "", std::string(kKeyRule) + ", got \"MY-KEY\"");
  require_error(key, "QOVERY-X", "", std::string(kKeyRule) + ", got \"QOVERY-X\"");

  json hidden = key_schema();
  hidden["writeOnly"] = true;
  require_error(compile(hidden), "QOVERY_TOKEN", "", std::string(kReservedRule));
}

TEST_CASE("Schema: x-forbidden-prefix is well-formed and named in the description", "[schema]") {
  json no_reason = key_schema();
  no_reason["x-forbidden-prefix"] = {{"prefix", "QOVERY_"}};
  const std::string shape = "keyword \"x-forbidden-prefix\" at /x-forbidden-prefix: must be "
                            "{\"prefix\": \"...\", \"reason\": \"...\"}, both non-empty strings";
  CHECK(compile_error(no_reason) == shape);
  json empty_prefix = key_schema();
  empty_prefix["x-forbidden-prefix"]["prefix"] = "";
  CHECK(compile_error(empty_prefix) == shape);
  CHECK(compile_error({{"x-forbidden-prefix", "QOVERY_"}}) == shape);

  json undescribed = key_schema();
  undescribed["description"] = "the secret's name";
  CHECK(compile_error(undescribed) ==
        "keyword \"x-forbidden-prefix\" at /x-forbidden-prefix: needs a \"description\" beside "
        "it that names the prefix (clients do not see this keyword)");
}

TEST_CASE("Schema: x-nullable accepts null beside one type", "[schema]") {
  const Schema text = compile({{"type", "string"}, {"x-nullable", true}, {"maxLength", 3}});
  require_valid(text, nullptr);
  require_valid(text, "abc");
  require_error(text, false, "", "must be null or a string, got boolean");
  require_error(text, "abcd", "", "must be at most 3 characters, got 4");

  const Schema flag = compile({{"type", "boolean"}, {"x-nullable", true}});
  require_valid(flag, nullptr);
  require_valid(flag, true);
  require_error(flag, "yes", "", "must be null or a boolean, got string");

  const Schema off = compile({{"type", "string"}, {"x-nullable", false}});
  require_error(off, nullptr, "", "must be a string, got null");

  const std::string needs_type = "keyword \"x-nullable\" at /x-nullable: needs a \"type\" beside "
                                 "it that names one type, not null";
  CHECK(compile_error({{"x-nullable", true}}) == needs_type);
  CHECK(compile_error({{"type", {"string", "integer"}}, {"x-nullable", true}}) == needs_type);
  CHECK(compile_error({{"type", "null"}, {"x-nullable", true}}) == needs_type);
  CHECK(compile_error({{"type", "string"}, {"x-nullable", 1}}) ==
        "keyword \"x-nullable\" at /x-nullable: must be a boolean");
}

TEST_CASE("Schema: document() leaves the x- keywords out, at every depth", "[schema]") {
  json document = {
      {"type", "object"},
      {"x-nullable", true},
      {"properties",
       {{"key", key_schema()},
        {"x-nullable", {{"type", "string"}, {"x-nullable", true}}},
        {"list", {{"type", "array"}, {"items", {{"type", "string"}, {"x-nullable", true}}}}},
        {"all", {{"allOf", {{{"type", "string"}, {"x-nullable", true}}}}}}}},
      {"default", {{"x-kept", 1}}}};
  const Schema schema = compile(document);
  json listed = document;
  listed.erase("x-nullable");
  listed["properties"]["key"].erase("x-pattern-rule");
  listed["properties"]["key"].erase("x-forbidden-prefix");
  listed["properties"]["x-nullable"].erase("x-nullable"); // a property may be named x-...
  listed["properties"]["list"]["items"].erase("x-nullable");
  listed["properties"]["all"]["allOf"][0].erase("x-nullable");
  CHECK(schema.document() == listed);
  require_valid(schema, {{"x-nullable", nullptr}, {"list", {nullptr, "a"}}});
}

TEST_CASE("Schema: a pattern needs a bounded maxLength", "[schema]") {
  CHECK(compile_error({{"pattern", "^a$"}}) ==
        "keyword \"pattern\" at /pattern: needs a \"maxLength\" of at most 1024 beside it");
  CHECK(compile_error({{"properties", {{"k", {{"pattern", "^a$"}, {"maxLength", 5000}}}}}}) ==
        "keyword \"pattern\" at /properties/k/pattern: needs a \"maxLength\" of at most 1024 "
        "beside it");

  const Schema bounded = compile(
      {{"pattern", "^[A-Z]*$"}, {"x-pattern-rule", "must be A-Z only"}, {"maxLength", 1024}});
  require_error(bounded, std::string(200000, 'A'), "",
                "must be at most 1024 characters, got 200000");
}

TEST_CASE("Schema: uuid format", "[schema]") {
  const Schema schema = compile({{"format", "uuid"}});
  require_valid(schema, std::string(kJobId));
  require_valid(schema, std::string(kSecretId));
  require_error(schema, "abc", "", "must be a UUID, got \"abc\"");
  require_error(schema, "0b7c9a6e5d1f-4e2a-9c3b-8f6d2e1a4b5c-", "",
                "must be a UUID, got \"0b7c9a6e5d1f-4e2a-9c3b-8f6d2e1a4b5c-\"");
  require_error(schema, "0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5g", "",
                "must be a UUID, got \"0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5g\"");
  require_error(schema, "{0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5c}", "",
                "must be a UUID, got \"{0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5c}\"");
  require_valid(schema, 42); // format applies to strings only
}

TEST_CASE("Schema: date-time format", "[schema]") {
  const Schema schema = compile({{"format", "date-time"}});
  for (const char *valid :
       {"2026-11-26T22:40:00Z", "2026-11-26T22:40:00.123456Z", "2026-11-26T22:40:00+01:00",
        "2024-02-29T00:00:00-05:30", "2026-11-26t22:40:00z", "2016-12-31T23:59:60Z"}) {
    INFO(valid);
    require_valid(schema, valid);
  }
  for (const char *invalid :
       {"2026-11-26", "2026-11-26T22:40:00", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-11-26T24:00:00Z", "2026-11-26T22:60:00Z",
        "2026-11-26T22:40:61Z", "2026-11-26T22:40:00.Z", "2026-11-26T22:40:00+0100",
        "2026-11-26T22:40:00+24:00", "2026-11-26 22:40:00Z", "26-11-26T22:40:00Z"}) {
    require_error(schema, invalid, "",
                  "must be an RFC 3339 date-time, got " + json(invalid).dump());
  }
}

TEST_CASE("Schema: minProperties", "[schema]") {
  const Schema schema = compile({{"minProperties", 1}});
  require_valid(schema, {{"a", 1}});
  require_error(schema, json::object(), "", "must have at least 1 property, got 0");

  const Schema two = compile({{"minProperties", 2}});
  require_error(two, {{"a", 1}}, "", "must have at least 2 properties, got 1");
}

TEST_CASE("Schema: $ref to $defs", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object",
    "properties": {"secret": {"$ref": "#/$defs/Secret"}},
    "$defs": {"Secret": {"type": "object", "required": ["id"],
                         "properties": {"id": {"format": "uuid"}}}}
  })"));
  require_valid(schema, {{"secret", {{"id", kJobId}}}});
  require_error(schema, {{"secret", {{"id", "x"}}}}, "secret.id", "must be a UUID, got \"x\"");
  require_error(schema, {{"secret", json::object()}}, "secret.id", "is required");
}

TEST_CASE("Schema: $ref beside other keywords applies both", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object", "$ref": "#/$defs/Named",
    "$defs": {"Named": {"required": ["name"]}}
  })"));
  require_valid(schema, {{"name", "n"}});
  require_error(schema, json::object(), "name", "is required");
  require_error(schema, "x", "", "must be an object, got string");
}

TEST_CASE("Schema: recursive $defs compile and validate", "[schema]") {
  const Schema tree = compile(json::parse(R"({
    "$ref": "#/$defs/Node",
    "$defs": {"Node": {"type": "object", "required": ["name"], "properties": {
      "name": {"type": "string"},
      "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}
  })"));
  require_valid(tree, json::parse(R"({"name": "a", "children": [{"name": "b", "children": []}]})"));
  require_error(tree,
                json::parse(R"({"name": "a", "children": [{"name": "b", "children": [{}]}]})"),
                "children[0].children[0].name", "is required");
}

TEST_CASE("Schema: allOf applies every branch, and reports the first failing one", "[schema]") {
  // Qovery's Secret: allOf [Base, its own properties], Base by $ref.
  const Schema secret = compile(json::parse(R"({
    "allOf": [
      {"$ref": "#/$defs/Base"},
      {"type": "object", "required": ["key", "scope"], "properties": {
        "key": {"type": "string"}, "scope": {"enum": ["JOB", "PROJECT"]}}}
    ],
    "$defs": {"Base": {"type": "object", "required": ["id"], "properties": {
      "id": {"type": "string", "format": "uuid", "readOnly": true}}}}
  })"));
  require_valid(secret, {{"id", kJobId}, {"key", "K"}, {"scope", "JOB"}});
  require_error(secret, "x", "", "must be an object, got string");
  require_error(secret, {{"key", "K"}, {"scope", "JOB"}}, "id", "is required");
  require_error(secret, {{"id", "x"}, {"key", "K"}, {"scope", "JOB"}}, "id",
                "must be a UUID, got \"x\"");
  require_error(secret, {{"id", kJobId}, {"scope", "JOB"}}, "key", "is required");
  require_error(secret, {{"id", kJobId}, {"key", "K"}, {"scope", "APP"}}, "scope",
                "must be one of: JOB, PROJECT");

  // Beside other keywords (the branches are checked first), nested, and deep
  // in the instance.
  const Schema nested = compile(json::parse(R"({
    "type": "object", "properties": {"list": {"type": "array", "items": {
      "enum": ["0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5c"],
      "allOf": [{"minLength": 2}, {"allOf": [{"format": "uuid"}]}]}}}
  })"));
  require_valid(nested, {{"list", {kJobId, kJobId}}});
  require_error(nested, {{"list", {kJobId, kSecretId}}}, "list[1]",
                "must be one of: 0b7c9a6e-5d1f-4e2a-9c3b-8f6d2e1a4b5c");
  require_error(nested, {{"list", {"a"}}}, "list[0]", "must be at least 2 characters, got 1");
  require_error(nested, {{"list", {kJobId, "abc"}}}, "list[1]", "must be a UUID, got \"abc\"");
  require_error(compile({{"allOf", {true, false}}}), 1, "", "is not allowed");
  require_valid(compile({{"allOf", {true, json::object()}}}), 1);
}

TEST_CASE("Schema: minimum, maximum and their exclusive forms", "[schema]") {
  const Schema port =
      compile(json::parse(R"({"type": "integer", "minimum": 1, "maximum": 65535})"));
  require_valid(port, 1);
  require_valid(port, 65535);
  require_error(port, 0, "", "must be at least 1, got 0");
  require_error(port, -3, "", "must be at least 1, got -3");
  require_error(port, 65536, "", "must be at most 65535, got 65536");
  const Schema ratio = compile(json::parse(R"({"exclusiveMinimum": 0, "exclusiveMaximum": 1.5})"));
  require_valid(ratio, 0.25);
  require_valid(ratio, 1);
  require_error(ratio, 0, "", "must be greater than 0, got 0");
  require_error(ratio, -0.5, "", "must be greater than 0, got -0.5");
  require_error(ratio, 1.5, "", "must be less than 1.5, got 1.5");
  require_valid(ratio, "not a number"); // bounds apply to numbers only
  // Integers compare exactly past 2^53, across signed and unsigned.
  const Schema big = compile({{"maximum", std::uint64_t{18446744073709551614U}}});
  require_valid(big, std::uint64_t{18446744073709551614U});
  require_error(big, std::uint64_t{18446744073709551615U}, "",
                "must be at most 18446744073709551614, got 18446744073709551615");
  require_valid(big, std::int64_t{-9223372036854775807});
  const Schema negative = compile({{"minimum", std::int64_t{-2}}});
  require_valid(negative, std::uint64_t{18446744073709551615U});
  require_error(negative, std::int64_t{-3}, "", "must be at least -2, got -3");
  const Schema exact = compile({{"maximum", std::int64_t{9007199254740993}}}); // 2^53 + 1
  require_valid(exact, std::int64_t{9007199254740993});
  require_error(exact, std::int64_t{9007199254740994}, "",
                "must be at most 9007199254740993, got 9007199254740994");
  // A write-only number is not quoted.
  require_error(compile(json::parse(R"({"writeOnly": true, "maximum": 10})")), 4242, "",
                "must be at most 10");
}

TEST_CASE("Schema: minItems and maxItems", "[schema]") {
  const Schema schema = compile(json::parse(R"({"minItems": 1, "maxItems": 2})"));
  require_valid(schema, {1});
  require_valid(schema, {1, 2});
  require_error(schema, json::array(), "", "must have at least 1 item, got 0");
  require_error(schema, {1, 2, 3}, "", "must have at most 2 items, got 3");
  require_valid(schema, "abc");
}

TEST_CASE("Schema: anyOf and oneOf say how many alternatives and why", "[schema]") {
  // As Qovery's OpenAPI writes a choice of shapes (a oneOf of objects).
  const Schema storage = compile(json::parse(R"({
    "type": "object", "properties": {"storage": {"oneOf": [
      {"type": "object", "required": ["size"], "properties": {"size": {"type": "integer", "minimum": 1}}},
      {"type": "object", "required": ["volume_id"], "properties": {"volume_id": {"format": "uuid"}}}
    ]}}
  })"));
  require_valid(storage, {{"storage", {{"size", 4}}}});
  require_valid(storage, {{"storage", {{"volume_id", kJobId}}}});
  require_error(storage, {{"storage", {{"size", 0}}}}, "storage",
                "must match exactly one of its 2 alternatives (the first: size must be at least "
                "1, got 0)");
  require_error(storage, {{"storage", "big"}}, "storage",
                "must match exactly one of its 2 alternatives (the first: must be an object, got "
                "string)");
  require_error(storage, {{"storage", {{"size", 4}, {"volume_id", kJobId}}}}, "storage",
                "must match exactly one of its 2 alternatives, but matches alternatives 1 and 2");

  const Schema either = compile(
      json::parse(R"({"anyOf": [{"type": "integer"}, {"type": "string", "format": "uuid"}]})"));
  require_valid(either, 3);
  require_valid(either, kJobId);
  require_error(either, 2.5, "",
                "must match at least one of its 2 alternatives (the first: must be an integer, "
                "got 2.5)");
  require_error(either, "abc", "",
                "must match at least one of its 2 alternatives (the first: must be an integer, "
                "got string)");
  require_valid(compile(json::parse(R"({"anyOf": [true, true]})")), 1); // several may match

  // Beside other keywords: both apply. Nested inside a property path.
  const Schema beside =
      compile(json::parse(R"({"type": "string", "anyOf": [{"maxLength": 2}, {"minLength": 4}]})"));
  require_valid(beside, "ab");
  require_error(beside, 3, "", "must be a string, got number");
  require_error(beside, "abc", "",
                "must match at least one of its 2 alternatives (the first: must "
                "be at most 2 characters, got 3)");
}

TEST_CASE("Schema: anyOf and oneOf never quote a write-only value", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "properties": {
      "inside": {"oneOf": [{"type": "string", "writeOnly": true, "format": "uuid"}, {"type": "integer"}]},
      "beside": {"writeOnly": true, "anyOf": [{"format": "uuid"}, {"type": "integer"}]}
    }
  })"));
  for (const char *member : {"inside", "beside"}) {
    const auto error = schema.validate({{member, "hunter2-hunter2"}});
    REQUIRE(error);
    CHECK(error->message.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("Schema: anyOf and oneOf count toward the in-place bound and the cycle check",
          "[schema]") {
  const auto doubling = [](const char *keyword, int definitions) {
    json document = {{"$ref", "#/$defs/d0"}, {"$defs", json::object()}};
    for (int i = 0; i + 1 < definitions; ++i) {
      const json next = {{"$ref", "#/$defs/d" + std::to_string(i + 1)}};
      document["$defs"]["d" + std::to_string(i)] = {{keyword, {next, next}}};
    }
    document["$defs"]["d" + std::to_string(definitions - 1)] = {{"type", "integer"}};
    return document;
  };
  for (const char *keyword : {"anyOf", "oneOf"}) {
    INFO(keyword);
    CHECK(compile_error(doubling(keyword, 9)) ==
          "keyword \"" + std::string(keyword) + "\" at /$defs/d0/" + keyword +
              ": applies more than 1000 subschemas to one value (through $ref)");
    compile(doubling(keyword, 8));
  }
  CHECK(compile_error(json::parse(R"({"$defs": {"S": {"oneOf": [{"$ref": "#/$defs/S"}]}}})")) ==
        "keyword \"$ref\" at /$defs/S/oneOf/0/$ref: closes a cycle of $refs back to \"#/$defs/S\"");
}

TEST_CASE("Schema: date format; email, uri, binary, int32, int64 are annotations", "[schema]") {
  const Schema date = compile({{"format", "date"}});
  require_valid(date, "2024-02-29");
  require_error(date, "2023-02-29", "",
                "must be an RFC 3339 full-date (YYYY-MM-DD), got \"2023-02-29\"");
  require_error(date, "2024-02-29T00:00:00Z", "",
                "must be an RFC 3339 full-date (YYYY-MM-DD), got \"2024-02-29T00:00:00Z\"");
  require_error(date, "24-2-9", "", "must be an RFC 3339 full-date (YYYY-MM-DD), got \"24-2-9\"");
  for (const char *annotation : {"email", "uri", "binary", "int32", "int64"}) {
    INFO(annotation);
    const Schema schema = compile({{"format", annotation}, {"deprecated", true}});
    require_valid(schema, "not checked");
    CHECK(schema.document().at("format") == annotation); // listed for the model
  }
}

TEST_CASE("Schema: Qovery's SecretResponseList, as its OpenAPI writes it, validates and projects",
          "[schema]") {
  // qovery-openapi.yaml's components for GET /job/{jobId}/secret, in JSON
  // Schema's words: $ref to #/$defs, `nullable: true` as a type list,
  // `example` as `examples`, the x-stoplight ids left out.
  const Schema list = compile(json::parse(R"({
    "type": "object",
    "properties": {"results": {"type": "array", "items": {"$ref": "#/$defs/Secret"}}},
    "$defs": {
      "Base": {"type": "object", "required": ["id", "created_at"], "properties": {
        "id": {"type": "string", "format": "uuid", "readOnly": true},
        "created_at": {"type": "string", "format": "date-time", "readOnly": true},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": true}}},
      "APIVariableScopeEnum": {"type": "string", "enum": ["APPLICATION", "BUILT_IN",
        "ENVIRONMENT", "PROJECT", "CONTAINER", "JOB", "HELM", "TERRAFORM"]},
      "APIVariableTypeEnum": {"type": "string", "description": "type of the variable",
        "enum": ["VALUE", "ALIAS", "OVERRIDE", "BUILT_IN", "FILE"]},
      "LinkedServiceTypeEnum": {"type": "string",
        "enum": ["APPLICATION", "CONTAINER", "DATABASE", "JOB", "HELM", "TERRAFORM"]},
      "SecretAlias": {"type": "object", "required": ["id", "key", "mount_path", "scope",
        "variable_type"], "properties": {
        "id": {"type": "string", "format": "uuid"},
        "key": {"type": "string", "examples": ["QOVERY_DATABASE_PSQL_NAME"]},
        "mount_path": {"type": "string"},
        "scope": {"$ref": "#/$defs/APIVariableScopeEnum"},
        "variable_type": {"$ref": "#/$defs/APIVariableTypeEnum"},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "enable_interpolation_in_file": {"type": ["boolean", "null"]}}},
      "Secret": {"allOf": [{"$ref": "#/$defs/Base"}, {"type": "object",
        "required": ["key", "scope"], "properties": {
        "aliased_secret": {"$ref": "#/$defs/SecretAlias"},
        "description": {"type": ["string", "null"], "maxLength": 255},
        "enable_interpolation_in_file": {"type": ["boolean", "null"]},
        "key": {"type": "string", "description": "key is case sensitive"},
        "owned_by": {"type": "string"},
        "scope": {"$ref": "#/$defs/APIVariableScopeEnum"},
        "service_id": {"type": "string", "format": "uuid"},
        "service_name": {"type": "string"},
        "service_type": {"$ref": "#/$defs/LinkedServiceTypeEnum"},
        "variable_type": {"$ref": "#/$defs/APIVariableTypeEnum"}}}]}
    }
  })"));
  const json own = {{"id", kSecretId},          {"created_at", "2026-03-02T09:14:07.512833Z"},
                    {"key", "API_TOKEN"},       {"scope", "JOB"},
                    {"variable_type", "VALUE"}, {"description", nullptr},
                    {"value", "hunter2"},       {"is_secret_manager_reference", false}};
  json alias = own;
  alias["variable_type"] = "ALIAS";
  alias["aliased_secret"] = {{"id", kJobId},
                             {"key", "DB"},
                             {"mount_path", ""},
                             {"scope", "PROJECT"},
                             {"variable_type", "VALUE"},
                             {"value", "v"}};
  require_valid(list, {{"results", {own, alias}}});

  json wrong = alias;
  wrong["aliased_secret"]["scope"] = "ORGANIZATION";
  require_error(list, {{"results", {own, wrong}}}, "results[1].aliased_secret.scope",
                "must be one of: APPLICATION, BUILT_IN, ENVIRONMENT, PROJECT, CONTAINER, JOB, "
                "HELM, TERRAFORM");
  wrong = own;
  wrong.erase("created_at");
  require_error(list, {{"results", {wrong}}}, "results[0].created_at", "is required");
  wrong = own;
  wrong["description"] = std::string(256, 'd');
  require_error(list, {{"results", {wrong}}}, "results[0].description",
                "must be at most 255 characters, got 256");

  // What Base and the Secret's own branch declare is kept; values are not.
  json projected_alias = alias;
  projected_alias.erase("value");
  projected_alias.erase("is_secret_manager_reference");
  projected_alias["aliased_secret"].erase("value");
  CHECK(list.project({{"results", {alias}}}) == json{{"results", {projected_alias}}});
}

TEST_CASE("Schema: allOf is well-formed and cannot close a cycle", "[schema]") {
  CHECK(compile_error({{"allOf", json::array()}}) ==
        "keyword \"allOf\" at /allOf: must be a non-empty array of schemas");
  CHECK(compile_error({{"allOf", json::object()}}) ==
        "keyword \"allOf\" at /allOf: must be a non-empty array of schemas");
  CHECK(compile_error({{"allOf", {json::object(), 1}}}) ==
        "schema at /allOf/1 must be an object or a boolean");
  CHECK(compile_error({{"allOf", {{{"multipleOf", 1}}}}}) ==
        "unsupported keyword \"multipleOf\" at /allOf/0/multipleOf");
  CHECK(compile_error(json::parse(R"({"$ref": "#/$defs/A", "$defs": {
          "A": {"allOf": [{"type": "object"}, {"$ref": "#/$defs/B"}]},
          "B": {"allOf": [{"$ref": "#/$defs/A"}]}}})")) ==
        "keyword \"$ref\" at /$defs/B/allOf/0/$ref: closes a cycle of $refs back to \"#/$defs/A\"");
  CHECK(compile_error(json::parse(R"({"$defs": {"S": {"allOf": [{"$ref": "#/$defs/S"}]}}})")) ==
        "keyword \"$ref\" at /$defs/S/allOf/0/$ref: closes a cycle of $refs back to \"#/$defs/S\"");
  // Nine definitions, each applying the next one twice through two
  // branches: 1,021 subschemas (each definition, branch and $ref) for one
  // value; eight: 509, accepted.
  const auto doubling = [](int definitions) {
    json document = {{"$ref", "#/$defs/d0"}, {"$defs", json::object()}};
    for (int i = 0; i + 1 < definitions; ++i) {
      const json next = {{"$ref", "#/$defs/d" + std::to_string(i + 1)}};
      document["$defs"]["d" + std::to_string(i)] = {{"allOf", {next, next}}};
    }
    document["$defs"]["d" + std::to_string(definitions - 1)] = {{"type", "integer"}};
    return document;
  };
  CHECK(compile_error(doubling(9)) ==
        "keyword \"allOf\" at /$defs/d0/allOf: applies more than 1000 subschemas to one value "
        "(through $ref)");
  const Schema largest = compile(doubling(8));
  require_valid(largest, 1);
  require_error(largest, "1", "", "must be an integer, got string");
  // A $ref below a property consumes the instance: recursion, not a cycle.
  const Schema tree = compile(json::parse(R"({"$ref": "#/$defs/T", "$defs": {"T": {"allOf": [
          {"properties": {"child": {"$ref": "#/$defs/T"}}}, {"required": ["n"]}]}}})"));
  require_valid(tree, {{"n", 1}, {"child", {{"n", 2}}}});
  require_error(tree, {{"n", 1}, {"child", {{"child", {{"n", 3}}}}}}, "child.n", "is required");
}

TEST_CASE("Schema: annotations are accepted and ignored", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.com/s.json", "$comment": "c", "title": "t", "description": "d",
    "default": 1, "examples": [1], "readOnly": false, "writeOnly": false, "type": "integer"
  })"));
  require_valid(schema, 2);
  require_error(schema, "2", "", "must be an integer, got string");
}

TEST_CASE("Schema: unsupported keywords are refused with their location", "[schema]") {
  CHECK(compile_error({{"not", json::object()}}) == "unsupported keyword \"not\" at /not");
  CHECK(compile_error(json::parse(R"({"properties": {"body": {"properties": {"key": {
          "type": "string", "nullable": true}}}}})")) ==
        "unsupported keyword \"nullable\" at /properties/body/properties/key/nullable");
  CHECK(compile_error(json::parse(R"({"items": {"multipleOf": 1}})")) ==
        "unsupported keyword \"multipleOf\" at /items/multipleOf");
  CHECK(compile_error(json::parse(R"({"properties": {"a/b": {"uniqueItems": true}}})")) ==
        "unsupported keyword \"uniqueItems\" at /properties/a~1b/uniqueItems");
  CHECK(compile_error(json::parse(R"({"$defs": {"S": {"discriminator": {}}}})")) ==
        "unsupported keyword \"discriminator\" at /$defs/S/discriminator");
  CHECK(compile_error(json::parse(R"({"oneOf": [{"maxProperties": 1}]})")) ==
        "unsupported keyword \"maxProperties\" at /oneOf/0/maxProperties");
}

TEST_CASE("Schema: malformed keywords are refused", "[schema]") {
  CHECK(compile_error({{"type", "str"}}) == "keyword \"type\" at /type: unknown type \"str\"");
  CHECK(compile_error({{"type", 3}}) ==
        "keyword \"type\" at /type: must be a type name or an array of type names");
  CHECK(compile_error({{"type", json::array()}}) ==
        "keyword \"type\" at /type: must not be an empty array");
  CHECK(compile_error({{"maxLength", -1}}) ==
        "keyword \"maxLength\" at /maxLength: must be a non-negative integer");
  CHECK(compile_error({{"minProperties", 1.5}}) ==
        "keyword \"minProperties\" at /minProperties: must be a non-negative integer");
  CHECK(compile_error({{"format", "hostname"}}) ==
        "keyword \"format\" at /format: unsupported format \"hostname\" (asserted: uuid, "
        "date-time, date; annotations only: email, uri, binary, int32, int64)");
  CHECK(compile_error({{"minimum", "1"}}) == "keyword \"minimum\" at /minimum: must be a number");
  CHECK(compile_error({{"exclusiveMaximum", true}}) ==
        "keyword \"exclusiveMaximum\" at /exclusiveMaximum: must be a number");
  CHECK(compile_error({{"minItems", -1}}) ==
        "keyword \"minItems\" at /minItems: must be a non-negative integer");
  CHECK(compile_error({{"oneOf", json::array()}}) ==
        "keyword \"oneOf\" at /oneOf: must be a non-empty array of schemas");
  CHECK(compile_error({{"anyOf", {{"type", "string"}}}}) ==
        "keyword \"anyOf\" at /anyOf: must be a non-empty array of schemas");
  CHECK(compile_error({{"properties", json::array()}}) ==
        "keyword \"properties\" at /properties: must be an object");
  CHECK(compile_error({{"properties", {{"a", 5}}}}) ==
        "schema at /properties/a must be an object or a boolean");
  CHECK(compile_error(5) == "schema at the root must be an object or a boolean");
  CHECK(compile_error({{"required", {"a", 1}}}) ==
        "keyword \"required\" at /required: must be an array of property names");
  CHECK(compile_error({{"additionalProperties", json::object()}}) ==
        "keyword \"additionalProperties\" at /additionalProperties: must be a boolean");
  CHECK(compile_error({{"enum", json::array()}}) ==
        "keyword \"enum\" at /enum: must be a non-empty array");
  CHECK(compile_error({{"writeOnly", "yes"}}) == "keyword \"writeOnly\" at /writeOnly: must be a "
                                                 "boolean");
  CHECK(compile_error({{"description", 1}}) ==
        "keyword \"description\" at /description: must be a string");
  CHECK(compile_error({{"items", {{"$defs", json::object()}}}}) ==
        "keyword \"$defs\" at /items/$defs: is only supported at the root");
  CHECK(compile_error({{"$defs", json::array()}}) == "keyword \"$defs\" at /$defs: must be an "
                                                     "object");

  const std::string bad_regex = compile_error({{"pattern", "[a-"}, {"maxLength", 5}});
  CHECK(bad_regex.rfind("keyword \"pattern\" at /pattern: is not a valid ECMAScript regular "
                        "expression",
                        0) == 0);
}

TEST_CASE("Schema: bad $ref is refused", "[schema]") {
  CHECK(compile_error({{"$ref", "#/definitions/Secret"}}) ==
        "keyword \"$ref\" at /$ref: only \"#/$defs/<name>\" is supported, got "
        "\"#/definitions/Secret\"");
  CHECK(compile_error({{"$ref", "other.json#/$defs/Secret"}}) ==
        "keyword \"$ref\" at /$ref: only \"#/$defs/<name>\" is supported, got "
        "\"other.json#/$defs/Secret\"");
  CHECK(compile_error({{"$ref", "#/$defs/Secret/properties/id"}}) ==
        "keyword \"$ref\" at /$ref: only \"#/$defs/<name>\" is supported, got "
        "\"#/$defs/Secret/properties/id\"");
  CHECK(compile_error(json::parse(R"({"properties": {"s": {"$ref": "#/$defs/Secret"}},
                                      "$defs": {"Secert": {}}})")) ==
        "keyword \"$ref\" at /properties/s/$ref: no definition \"#/$defs/Secret\" in this "
        "document");
  CHECK(compile_error({{"$ref", "#/$defs/S"}, {"$defs", {{"S", {{"$ref", "#/$defs/S"}}}}}}) ==
        "keyword \"$ref\" at /$defs/S/$ref: closes a cycle of $refs back to \"#/$defs/S\"");
  CHECK(compile_error({{"$ref", 1}}) == "keyword \"$ref\" at /$ref: must be a string");
  CHECK(compile_error(json::parse(R"({"$ref": "#/$defs/A",
          "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"$ref": "#/$defs/A"}}})")) ==
        "keyword \"$ref\" at /$defs/B/$ref: closes a cycle of $refs back to \"#/$defs/A\"");
}

TEST_CASE("Schema: writeOnly values are never quoted", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object",
    "properties": {
      "value": {"type": "string", "writeOnly": true, "format": "uuid"},
      "pin": {"type": "string", "writeOnly": true, "minLength": 8, "maxLength": 10,
              "pattern": "^[0-9]*$", "x-pattern-rule": "must be digits only"},
      "vault": {"type": "object", "writeOnly": true, "properties": {"token": {"format": "uuid"}}},
      "count": {"type": "integer", "writeOnly": true}
    }
  })"));
  require_error(schema, {{"value", "hunter2-hunter2"}}, "value", "must be a UUID");
  require_error(schema, {{"value", 31337424242}}, "value", "must be a string, got number");
  require_error(schema, {{"pin", "s3cr3t-PIN"}}, "pin", "must be digits only");
  require_error(schema, {{"pin", "s3cr3t"}}, "pin", "must be at least 8 characters");
  require_error(schema, {{"pin", "s3cr3t-PIN-long"}}, "pin", "must be at most 10 characters");
  require_error(schema, {{"vault", {{"token", "tok-hunter2"}}}}, "vault.token", "must be a UUID");
  require_error(schema, {{"count", 12.75}}, "count", "must be an integer, got number");

  const auto error = schema.validate({{"value", "sk_live_hunter2"}});
  REQUIRE(error);
  CHECK(error->message.find("hunter2") == std::string::npos);
}

TEST_CASE("Schema: writeOnly beside, through $ref or in allOf hides the whole instance",
          "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object",
    "properties": {
      "ref": {"$ref": "#/$defs/Secret", "minLength": 8},
      "all": {"allOf": [{"format": "uuid"}, {"writeOnly": true}]},
      "deep": {"allOf": [{"allOf": [{"$ref": "#/$defs/Secret"}]}], "enum": ["a"]}
    },
    "$defs": {"Secret": {"type": "string", "writeOnly": true}}
  })"));
  require_error(schema, {{"ref", "hunter2"}}, "ref", "must be at least 8 characters");
  require_error(schema, {{"all", "hunter2"}}, "all", "must be a UUID");
  require_error(schema, {{"deep", "hunter2"}}, "deep", "must be one of: a");
  // Where no branch says writeOnly, the value is quoted as usual.
  require_error(compile({{"allOf", {{{"format", "uuid"}}, {{"title", "t"}}}}}), "x", "",
                "must be a UUID, got \"x\"");
}

TEST_CASE("Schema: long strings are not quoted", "[schema]") {
  const Schema schema = compile({{"format", "uuid"}});
  require_error(schema, std::string(64, 'x'), "",
                "must be a UUID, got \"" + std::string(64, 'x') + "\"");
  require_error(schema, std::string(65, 'x'), "", "must be a UUID, got a string of 65 characters");

  const Schema key = compile(
      {{"pattern", "^[a-z]*$"}, {"x-pattern-rule", "must be a-z only"}, {"maxLength", 1000}});
  const std::string long_key = "TOKEN_" + std::string(294, 'a');
  const auto error = key.validate(long_key);
  REQUIRE(error);
  CHECK(error->message == "must be a-z only, got a string of 300 characters");
  CHECK(error->message.find("TOKEN_") == std::string::npos);
}

TEST_CASE("Schema: quoted strings are JSON-escaped", "[schema]") {
  const Schema schema = compile({{"format", "uuid"}});
  require_error(schema, "a\"b\\c\n", "", R"(must be a UUID, got "a\"b\\c\n")");
}

TEST_CASE("Schema: document() is the compiled document when it has no x- keyword", "[schema]") {
  const json document = json::parse(R"({"type": "object", "title": "t"})");
  const Schema schema = compile(document);
  CHECK(schema.document() == document);
  const Schema copy = schema;
  CHECK(copy.document() == document);
  require_error(copy, 1, "", "must be an object, got number");
}

TEST_CASE("Schema: every file in schemas/ parses, compiles and is embedded", "[schema]") {
  std::set<std::string> names;
  for (const auto &entry : std::filesystem::directory_iterator(kSchemaDir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json")
      continue;
    names.insert(name);
    INFO(name);
    const std::string text = read_file(entry.path());
    const json document = json::parse(text);
    const Schema schema = compile(document);
    CHECK(document.value("$schema", "") == "https://json-schema.org/draft/2020-12/schema");
    CHECK(document.value("type", "") == "object");

    const auto embedded = qovery_mcp::resource(name);
    REQUIRE(embedded);
    CHECK(*embedded == text);

    if (name.size() > 11 && name.compare(name.size() - 11, 11, ".input.json") == 0) {
      CHECK(document.value("additionalProperties", true) == false);
      for (const auto &required : document.at("required"))
        CHECK(document.at("properties").contains(required.get<std::string>()));
    }
  }
  for (const auto tool : kTools) {
    CHECK(names.count(std::string(tool) + ".input.json") == 1);
    CHECK(names.count(std::string(tool) + ".output.json") == 1);
  }
  CHECK(names.size() == 2 * kTools.size());
}

TEST_CASE("Schema: input schemas follow the project's rules", "[schema]") {
  for (const auto tool : kTools) {
    INFO(tool);
    const json document = schema_file(std::string(tool) + ".input.json");
    const json &properties = document.at("properties");
    CHECK(properties.at("jobId").at("format") == "uuid");
    const bool has_secret_id = tool != "list-job-secrets" && tool != "add-secret-job";
    CHECK(properties.contains("secretId") == has_secret_id);
    const bool has_body = tool != "list-job-secrets" && tool != "delete-secret-job";
    CHECK(properties.contains("body") == has_body);
    std::set<std::string> required;
    for (const auto &name : document.at("required"))
      required.insert(name.get<std::string>());
    CHECK(required.size() == properties.size());

    for_each_schema(document, "", [](const json &schema, const std::string &pointer) {
      INFO(pointer);
      if (pointer.empty() || pointer == "/properties/body")
        CHECK(schema.value("additionalProperties", true) == false);
      CHECK(schema.contains("description")); // the root's is the tool's guidance
      const bool is_value = pointer.size() >= 6 && pointer.substr(pointer.size() - 6) == "/value";
      if (is_value)
        CHECK(schema.value("writeOnly", false));
      if (pointer == "/properties/body/properties/key") {
        CHECK(schema.at("minLength") == 1);
        CHECK(schema.at("pattern") == kKeyPattern);
        CHECK(schema.at("x-pattern-rule") == std::string(kKeyRule));
        CHECK(schema.at("x-forbidden-prefix").at("prefix") == "QOVERY_");
      }
    });
  }
}

TEST_CASE("Schema: output schemas stay open and never carry a value", "[schema]") {
  // A tool that answers a secret has the list's Secret as its root, and
  // the list's other definitions.
  json secret_defs = schema_file("list-job-secrets.output.json").at("$defs");
  const json secret = secret_defs.at("Secret");
  secret_defs.erase("Secret");
  for (const auto tool : kTools) {
    INFO(tool);
    const json document = schema_file(std::string(tool) + ".output.json");
    CHECK(document.at("type") == "object");
    if (tool != "delete-secret-job" && tool != "list-job-secrets") {
      json root = document;
      CHECK(root.at("$defs") == secret_defs);
      root.erase("$defs");
      root.erase("$schema");
      CHECK(root == secret);
    }
    for_each_schema(document, "", [](const json &schema, const std::string &pointer) {
      INFO(pointer);
      CHECK_FALSE(schema.contains("enum"));
      CHECK_FALSE(schema.contains("allOf"));
      CHECK(schema.value("additionalProperties", true));
      if (schema.contains("properties"))
        CHECK_FALSE(schema.at("properties").contains("value"));
    });
  }
}

TEST_CASE("Schema: a Qovery secret validates against every Secret output", "[schema]") {
  json alias = qovery_secret("JOB", "DB_PASSWORD");
  alias["variable_type"] = "ALIAS";
  alias["service_id"] = kJobId;
  alias["service_name"] = "nightly-backup";
  alias["service_type"] = "JOB";
  alias["updated_at"] = "2026-03-02T10:00:00+01:00";
  alias["aliased_secret"] = {{"id", kSecretId},
                             {"key", "POSTGRES_PASSWORD"},
                             {"mount_path", nullptr},
                             {"scope", "ENVIRONMENT"},
                             {"variable_type", "VALUE"},
                             {"description", nullptr},
                             {"enable_interpolation_in_file", nullptr}};

  for (const auto tool : kSecretTools) {
    INFO(tool);
    const Schema schema = tool_schema(tool, "output");
    require_valid(schema, qovery_secret("JOB", "API_TOKEN"));
    require_valid(schema, alias);

    json unknown_values = qovery_secret("SECRET_MANAGER", "X");
    unknown_values["variable_type"] = "EXTERNAL";
    unknown_values["service_type"] = "CRONJOB";
    require_valid(schema, unknown_values);

    json missing = qovery_secret("JOB", "API_TOKEN");
    missing.erase("created_at");
    require_error(schema, missing, "created_at", "is required");

    json bad_alias = alias;
    bad_alias["aliased_secret"]["id"] = "not-a-uuid";
    require_error(schema, bad_alias, "aliased_secret.id", "must be a UUID, got \"not-a-uuid\"");

    require_error(schema, json::array(), "", "must be an object, got array");
  }
}

TEST_CASE("Schema: a SecretResponseList of three scopes validates", "[schema]") {
  const Schema schema = tool_schema("list-job-secrets", "output");
  json override_secret = qovery_secret("JOB", "LOG_LEVEL");
  override_secret["variable_type"] = "OVERRIDE";
  override_secret["overridden_secret"] = {
      {"id", kSecretId},    {"key", "LOG_LEVEL"},       {"mount_path", nullptr},
      {"scope", "PROJECT"}, {"variable_type", "VALUE"}, {"description", "default level"}};
  json file_secret = qovery_secret("ENVIRONMENT", "TLS_CERT");
  file_secret["variable_type"] = "FILE";
  file_secret["mount_path"] = "/etc/tls/cert.pem";
  file_secret["enable_interpolation_in_file"] = false;
  const json list = {
      {"results", {qovery_secret("BUILT_IN", "QOVERY_JOB_ID"), file_secret, override_secret}}};
  require_valid(schema, list);
  require_valid(schema, {{"results", json::array()}});

  json broken = list;
  broken["results"][1].erase("id");
  require_error(schema, broken, "results[1].id", "is required");
  broken = list;
  broken["results"][2]["overridden_secret"] = "LOG_LEVEL";
  require_error(schema, broken, "results[2].overridden_secret",
                "must be null or an object, got string");
  broken = list;
  broken["results"][0]["created_at"] = "yesterday";
  require_error(schema, broken, "results[0].created_at",
                "must be an RFC 3339 date-time, got \"yesterday\"");
}

TEST_CASE("Schema: delete-secret-job output", "[schema]") {
  const Schema schema = tool_schema("delete-secret-job", "output");
  require_valid(schema, {{"deleted", true}, {"jobId", kJobId}, {"secretId", kSecretId}});
  require_error(schema, {{"deleted", false}, {"jobId", kJobId}, {"secretId", kSecretId}}, "deleted",
                "must be true");
  require_error(schema, {{"deleted", true}, {"jobId", kJobId}}, "secretId", "is required");
}

TEST_CASE("Schema: project keeps declared members and drops the rest at any depth", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object", "additionalProperties": true,
    "properties": {
      "name": {"type": "string"},
      "tags": {"type": "array", "items": {"type": "object", "properties": {"label": {}}}},
      "owner": {"type": ["object", "null"], "properties": {"id": {"type": "string"}}},
      "any": true,
      "never": false
    }
  })"));
  const json instance = json::parse(R"({
    "name": "n", "value": "top-secret", "internal_token": {"value": "deep"},
    "tags": [{"label": "a", "value": "x"}, {"label": null}, "plain", 3],
    "owner": {"id": "o", "value": "y", "nested": {"value": "z"}},
    "any": {"value": "w", "list": [{"value": "v"}]},
    "never": "dropped"
  })");
  CHECK(schema.project(instance) == json::parse(R"({
    "name": "n",
    "tags": [{"label": "a"}, {"label": null}, "plain", 3],
    "owner": {"id": "o"},
    "any": {}
  })"));
  // Scalars and null are kept as they are, even where the type differs.
  CHECK(schema.project({{"owner", nullptr}, {"name", 7}}) == json{{"owner", nullptr}, {"name", 7}});
  CHECK(schema.project("text") == "text");
  CHECK(schema.project(json::array({{{"value", "v"}}})) == json::array({json::object()}));
  // A declared member keeps its name; an undeclared one goes even when it is the only one.
  CHECK(schema.project({{"value", "v"}}) == json::object());
}

TEST_CASE("Schema: project follows $ref, recursion and $ref beside properties", "[schema]") {
  const Schema tree = compile(json::parse(R"({
    "$ref": "#/$defs/Node", "properties": {"root": {"const": true}},
    "$defs": {
      "Node": {"$ref": "#/$defs/Named", "properties": {
        "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}},
      "Named": {"properties": {"name": {"type": "string"}}}
    }
  })"));
  const json instance = json::parse(R"({
    "root": true, "name": "a", "value": "v1",
    "children": [{"name": "b", "value": "v2", "children": [{"name": "c", "secret": "v3"}]}]
  })");
  CHECK(tree.project(instance) == json::parse(R"({"root": true, "name": "a",
                        "children": [{"name": "b", "children": [{"name": "c"}]}]})"));

  const Schema nothing = compile(json::parse(R"({"properties": {"list": {"items": false}}})"));
  CHECK(nothing.project({{"list", {1, 2}}}) == json{{"list", json::array()}});
}

TEST_CASE("Schema: project follows allOf, as Qovery's Secret needs", "[schema]") {
  const Schema list = compile(json::parse(R"({
    "type": "object", "properties": {"results": {"type": "array", "items": {"$ref": "#/$defs/Secret"}}},
    "$defs": {
      "Base": {"properties": {"id": {"type": "string"}}},
      "Secret": {"allOf": [{"$ref": "#/$defs/Base"}, {"properties": {
        "key": {"type": "string"}, "value": false,
        "aliased_secret": {"allOf": [{"properties": {"key": {}}}]}}}]}
    }
  })"));
  const json instance = json::parse(R"({"results": [
    {"id": "i", "key": "K", "value": "v1", "extra": 1, "aliased_secret": {"key": "A", "value": "v2"}}
  ]})");
  CHECK(list.project(instance) == json::parse(R"({"results": [
    {"id": "i", "key": "K", "aliased_secret": {"key": "A"}}]})"));

  const Schema none = compile(json::parse(R"({"properties": {"list": {"allOf": [
    {"items": {"allOf": [true, false]}}]}}})"));
  CHECK(none.project({{"list", {1, 2}}}) == json{{"list", json::array()}});
}

TEST_CASE("Schema: project keeps what any anyOf or oneOf alternative declares", "[schema]") {
  const Schema schema = compile(json::parse(R"({
    "type": "object", "properties": {"storage": {"oneOf": [
      {"properties": {"size": {"type": "integer"}}},
      {"anyOf": [{"properties": {"volume_id": {}, "token": false}}]}
    ]}}
  })"));
  CHECK(schema.project(
            json::parse(R"({"storage": {"size": 1, "volume_id": "v", "token": "t", "x": 2}})")) ==
        json::parse(R"({"storage": {"size": 1, "volume_id": "v"}})"));
  // A `false` alternative rejects nothing by itself, unlike a `false` in allOf.
  const Schema alternatives =
      compile(json::parse(R"({"properties": {"a": {"anyOf": [false, {}]}}})"));
  CHECK(alternatives.project({{"a", 1}}) == json{{"a", 1}});
}

TEST_CASE("Schema: project onto every output schema drops values and undeclared members",
          "[schema]") {
  json aliased = qovery_secret("ENVIRONMENT", "POSTGRES_PASSWORD");
  aliased["value"] = "projected-out-1";
  json secret = qovery_secret("JOB", "DB_PASSWORD");
  secret["value"] = "projected-out-2";
  secret["internal_token"] = "projected-out-3";
  secret["aliased_secret"] = aliased;
  secret["overridden_secret"] = {{"id", kSecretId}, {"key", "K"}, {"value", "projected-out-4"}};

  json expected = qovery_secret("JOB", "DB_PASSWORD");
  expected.erase("is_secret_manager_reference");
  json expected_alias = qovery_secret("ENVIRONMENT", "POSTGRES_PASSWORD");
  for (const char *undeclared :
       {"is_secret_manager_reference", "created_at", "updated_at", "service_id", "service_name",
        "service_type", "owned_by", "aliased_secret", "overridden_secret"})
    expected_alias.erase(undeclared);
  expected["aliased_secret"] = expected_alias;
  expected["overridden_secret"] = {{"id", kSecretId}, {"key", "K"}};

  for (const auto tool : kSecretTools) {
    INFO(tool);
    const json projected = tool_schema(tool, "output").project(secret);
    CHECK(projected == expected);
    CHECK(projected.dump().find("projected-out") == std::string::npos);
  }
  const json list =
      tool_schema("list-job-secrets", "output")
          .project({{"results", {secret, secret}}, {"next", {{"value", "projected-out-5"}}}});
  CHECK(list == json{{"results", {expected, expected}}});

  const json deleted = {{"deleted", true}, {"jobId", kJobId}, {"secretId", kSecretId}};
  json noisy = deleted;
  noisy["value"] = "projected-out-6";
  CHECK(tool_schema("delete-secret-job", "output").project(noisy) == deleted);
}

TEST_CASE("Schema: tool arguments", "[schema]") {
  struct Case {
    std::string_view tool;
    json arguments;
    std::string path;    ///< empty with an empty message: valid
    std::string message; ///< empty: the arguments are valid
  };
  const std::string job(kJobId);
  const std::string secret(kSecretId);
  const std::string long_key(256, 'K');
  const std::string long_description(256, 'd');
  const std::string key_mismatch = std::string(kKeyRule) + ", got ";
  const std::string key_reserved = std::string(kReservedRule) + ", got ";
  const std::string add_allowed =
      "is not allowed here (allowed: description, enable_interpolation_in_file, key, mount_path, "
      "value)";

  const std::vector<Case> cases{
      {"list-job-secrets", {{"jobId", job}}, "", ""},
      {"list-job-secrets", json::object(), "jobId", "is required"},
      {"list-job-secrets", {{"jobId", "my-job"}}, "jobId", "must be a UUID, got \"my-job\""},
      {"list-job-secrets", {{"jobId", 42}}, "jobId", "must be a string, got number"},
      {"list-job-secrets",
       {{"jobId", job}, {"secretId", secret}},
       "secretId",
       "is not allowed here (allowed: jobId)"},
      {"list-job-secrets", json::array(), "", "must be an object, got array"},

      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "API_TOKEN"}, {"value", "v"}}}},
       "",
       ""},
      {"add-secret-job",
       {{"jobId", job},
        {"body",
         {{"key", "gcp_credentials"},
          {"value", "{}"},
          {"mount_path", "/etc/gcp/credentials.json"},
          {"description", "service account"},
          {"enable_interpolation_in_file", true}}}},
       "",
       ""},
      {"add-secret-job",
       {{"jobId", job},
        {"body",
         {{"key", "K"},
          {"mount_path", nullptr},
          {"description", nullptr},
          {"enable_interpolation_in_file", nullptr}}}},
       "",
       ""},
      {"add-secret-job", {{"body", {{"key", "K"}}}}, "jobId", "is required"},
      {"add-secret-job", {{"jobId", job}}, "body", "is required"},
      {"add-secret-job",
       {{"jobId", job}, {"body", "API_TOKEN=x"}},
       "body",
       "must be an object, got string"},
      {"add-secret-job", {{"jobId", job}, {"body", {{"value", "v"}}}}, "body.key", "is required"},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", ""}}}},
       "body.key",
       "must be at least 1 character, got 0"},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", long_key}}}},
       "body.key",
       "must be at most 255 characters, got 256"},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "1ABC"}}}},
       "body.key",
       key_mismatch + "\"1ABC\""},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "QOVERY_API_TOKEN"}}}},
       "body.key",
       key_reserved + "\"QOVERY_API_TOKEN\""},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "K"}, {"description", long_description}}}},
       "body.description",
       "must be at most 255 characters, got 256"},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "K"}, {"valeu", "v"}}}},
       "body.valeu",
       add_allowed},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "K"}, {"value", 1234}}}},
       "body.value",
       "must be a string, got number"},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "K"}, {"mount_path", false}}}},
       "body.mount_path",
       "must be null or a string, got boolean"},
      {"add-secret-job",
       {{"jobId", job}, {"body", {{"key", "K"}, {"enable_interpolation_in_file", "yes"}}}},
       "body.enable_interpolation_in_file",
       "must be null or a boolean, got string"},

      {"delete-secret-job", {{"jobId", job}, {"secretId", secret}}, "", ""},
      {"delete-secret-job", {{"jobId", job}}, "secretId", "is required"},
      {"delete-secret-job",
       {{"jobId", job}, {"secretId", "API_TOKEN"}},
       "secretId",
       "must be a UUID, got \"API_TOKEN\""},
      {"delete-secret-job",
       {{"jobId", job}, {"secretId", secret}, {"body", json::object()}},
       "body",
       "is not allowed here (allowed: jobId, secretId)"},

      {"edit-secret-belonging-job",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"key", "API_TOKEN"}, {"value", "new"}}}},
       "",
       ""},
      {"edit-secret-belonging-job",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"value", "v"}}}},
       "body.key",
       "is required"},
      {"edit-secret-belonging-job", {{"jobId", job}, {"secretId", secret}}, "body", "is required"},
      {"edit-secret-belonging-job",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"key", "K"}, {"mount_path", "/x"}}}},
       "body.mount_path",
       "is not allowed here (allowed: description, enable_interpolation_in_file, key, value)"},
      {"edit-secret-belonging-job",
       {{"jobId", "x"}, {"secretId", secret}, {"body", {{"key", "K"}}}},
       "jobId",
       "must be a UUID, got \"x\""},

      {"create-secret-alias-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"key", "DATABASE_PASSWORD"}}}},
       "",
       ""},
      {"create-secret-alias-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"key", "K"}, {"value", "v"}}}},
       "body.value",
       "is not allowed here (allowed: description, enable_interpolation_in_file, key)"},
      {"create-secret-alias-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"key", "QOVERY_X"}}}},
       "body.key",
       key_reserved + "\"QOVERY_X\""},
      {"create-secret-alias-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", nullptr}},
       "body",
       "must be an object, got null"},

      {"create-secret-override-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"value", "debug"}}}},
       "",
       ""},
      {"create-secret-override-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", json::object()}},
       "",
       ""},
      {"create-secret-override-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"key", "LOG_LEVEL"}}}},
       "body.key",
       "is not allowed here (allowed: description, enable_interpolation_in_file, value)"},
      {"create-secret-override-job-level",
       {{"jobId", job}, {"secretId", secret}, {"body", {{"description", long_description}}}},
       "body.description",
       "must be at most 255 characters, got 256"},
      {"create-secret-override-job-level",
       {{"jobId", job}, {"body", {{"value", "v"}}}},
       "secretId",
       "is required"},
  };

  for (const auto &test : cases) {
    INFO(test.tool << " " << test.arguments.dump());
    const Schema schema = tool_schema(test.tool, "input");
    if (test.message.empty())
      require_valid(schema, test.arguments);
    else
      require_error(schema, test.arguments, test.path, test.message);
  }
}

namespace {

/// The problems of an object schema whose one property `p` is `property`.
std::vector<std::string> property_problems(const json &property) {
  return qovery_mcp::portability_problems(
      {{"type", "object"}, {"properties", {{"p", property}}}, {"additionalProperties", false}});
}

std::vector<std::string> pattern_problems(const std::string &pattern) {
  return property_problems({{"type", "string"}, {"pattern", pattern}});
}

} // namespace

TEST_CASE("Portability: lookaround and backreferences are flagged", "[schema][portability]") {
  const std::vector<std::pair<std::string, std::string>> flagged{
      {"^(?!QOVERY_)[A-Z]+$", "a lookaround (?!"},
      {"^(?=.*[0-9])[a-z0-9]+$", "a lookaround (?="},
      {"(?<=a)b", "a lookaround (?<="},
      {"(?<!a)b", "a lookaround (?<!"},
      {"[a-z](?!x)", "a lookaround (?!"},
      {"^(a)\\1$", "a backreference \\1"},
      {"(a)(b)\\2", "a backreference \\2"},
      {"(?<n>a)\\k<n>", "a named backreference \\k<"},
  };
  for (const auto &[pattern, what] : flagged) {
    INFO(pattern);
    const auto problems = pattern_problems(pattern);
    REQUIRE(problems.size() == 1);
    CHECK(problems[0] == "/properties/p: \"pattern\" has " + what +
                             " (RE2, as in Go and Gemini, and OpenAI refuse it)");
  }
  // Escaped, inside a class, or a named group: portable.
  for (const char *pattern : {"^[A-Za-z][A-Za-z0-9_]*$", "^\\(?=$", "^[(?!]+$", "^\\\\1$",
                              "^(?<name>a)$", "^(?:ab)+$", "^[\\]\\\\(?=]$", "^a\\d{3}$"}) {
    INFO(pattern);
    CHECK(pattern_problems(pattern).empty());
  }
}

TEST_CASE("Portability: type lists, references and composition are flagged",
          "[schema][portability]") {
  CHECK(property_problems({{"type", {"string", "null"}}}) ==
        std::vector<std::string>{"/properties/p: \"type\" is [\"string\",\"null\"], not one type "
                                 "name (Gemini refuses type lists; make a nullable field optional "
                                 "instead)"});
  CHECK(property_problems({{"type", {"boolean"}}}).size() == 1);
  for (const char *keyword : {"$ref", "allOf", "oneOf", "not", "if", "then", "else",
                              "dependentRequired", "patternProperties", "prefixItems"}) {
    INFO(keyword);
    CHECK(property_problems({{"type", "string"}, {keyword, json::object()}}) ==
          std::vector<std::string>{"/properties/p: \"" + std::string(keyword) +
                                   "\" (OpenAI strict mode and Gemini refuse it)"});
  }
  // Deeper down too: in a nested object's property, in array items, in anyOf.
  const json nested = {
      {"type", "object"},
      {"additionalProperties", false},
      {"properties",
       {{"q", {{"type", "array"}, {"items", {{"type", {"string", "null"}}}}}},
        {"r", {{"anyOf", {{{"type", "string"}}, {{"not", {{"type", "null"}}}}}}}}}}};
  const auto problems = property_problems(nested);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].starts_with("/properties/p/properties/q/items: \"type\" is"));
  CHECK(problems[1].starts_with("/properties/p/properties/r/anyOf/1: \"not\""));
}

TEST_CASE("Portability: objects are closed and the root is an object", "[schema][portability]") {
  CHECK(qovery_mcp::portability_problems({{"type", "object"}, {"properties", json::object()}}) ==
        std::vector<std::string>{"/: an object without \"additionalProperties\": false (OpenAI "
                                 "strict mode requires it)"});
  CHECK(qovery_mcp::portability_problems({{"type", "string"}}) ==
        std::vector<std::string>{"/: the root is not \"type\": \"object\" (OpenAI strict mode)"});
  CHECK(property_problems({{"type", "object"}, {"additionalProperties", true}}).size() == 1);
  CHECK(property_problems({{"type", "object"}, {"additionalProperties", false}}).empty());
}

TEST_CASE("Portability: the server's own input schemas pass, as listed", "[schema][portability]") {
  for (const auto tool : kTools) {
    INFO(tool);
    const Schema input = tool_schema(tool, "input");
    CHECK(qovery_mcp::portability_problems(input.document()).empty());
    // The file itself holds x- keywords, which the listed document leaves out.
    CHECK(input.document().dump().find("\"x-") == std::string::npos);
  }
}
