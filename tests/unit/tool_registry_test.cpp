#include "qovery_mcp/tool_registry.hpp"

#include "qovery_mcp/input_schema.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/secret_import.hpp"

#include "catalog.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

const char *kJob = "11111111-1111-4111-8111-111111111111";
const char *kSecret = "22222222-2222-4222-8222-222222222222";

struct Registry {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());

  const ToolRegistry::Tool &tool(const std::string &name) {
    const auto *found = registry.find(name);
    REQUIRE(found != nullptr);
    return *found;
  }
};

} // namespace

TEST_CASE("Registry: tools/list matches the snapshot byte for byte", "[registry]") {
  Registry r;
  add_import_tool(r.registry); // as the server does
  std::string actual = r.registry.tools_list().dump(2) + "\n";
  const std::string path = QMCP_SOURCE_DIR "/tests/snapshots/tools-list.json";
  if (std::getenv("UPDATE_SNAPSHOTS") != nullptr) {
    std::ofstream(path) << actual;
    WARN("snapshot rewritten: " << path);
  }
  std::ifstream in(path);
  std::ostringstream expected;
  expected << in.rdbuf();
  CHECK(actual == expected.str());
}

TEST_CASE("Registry: every tool carries the capability's name, hints and schemas", "[registry]") {
  Registry r;
  json list = r.registry.tools_list();
  const json &tools = list["tools"];
  REQUIRE(tools.size() == 6);
  for (const auto &tool : tools) {
    const ToolSpec *spec = r.capability.find_tool(tool["name"].get<std::string>());
    REQUIRE(spec != nullptr);
    INFO(spec->name);
    CHECK(tool["annotations"]["readOnlyHint"] == spec->hints.read_only);
    CHECK(tool["annotations"]["destructiveHint"] == spec->hints.destructive);
    CHECK(tool["annotations"]["idempotentHint"] == spec->hints.idempotent);
    CHECK(tool["annotations"]["openWorldHint"] == true);
    CHECK(tool["title"] == spec->description);
    CHECK(tool["inputSchema"]["type"] == "object");
    CHECK(tool["outputSchema"]["type"] == "object");
    CHECK(tool["description"].get<std::string>().starts_with(spec->description));
    const json &required = tool["inputSchema"]["required"];
    for (const auto &param : spec->operation->path_params)
      CHECK(std::find(required.begin(), required.end(), param) != required.end());
  }
}

TEST_CASE("Registry: each tool maps to its upstream request", "[registry]") {
  Registry r;
  json secret_args = {{"jobId", kJob}, {"secretId", kSecret}};
  struct Case {
    std::string tool;
    json arguments;
    std::string method, path, body;
  };
  std::vector<Case> cases = {
      {"list-job-secrets", {{"jobId", kJob}}, "GET", "/job/" + std::string(kJob) + "/secret", ""},
      {"add-secret-job",
       {{"jobId", kJob}, {"body", {{"key", "API_TOKEN"}, {"value", "s3cr3t"}}}},
       "POST",
       "/job/" + std::string(kJob) + "/secret",
       R"({"key":"API_TOKEN","value":"s3cr3t"})"},
      {"delete-secret-job", secret_args, "DELETE",
       "/job/" + std::string(kJob) + "/secret/" + kSecret, ""},
      {"edit-secret-belonging-job",
       {{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"key", "API_TOKEN"}, {"value", "n3w"}}}},
       "PUT",
       "/job/" + std::string(kJob) + "/secret/" + kSecret,
       R"({"key":"API_TOKEN","value":"n3w"})"},
      {"create-secret-alias-job-level",
       {{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"key", "DB_PASS"}}}},
       "POST",
       "/job/" + std::string(kJob) + "/secret/" + kSecret + "/alias",
       R"({"key":"DB_PASS"})"},
      {"create-secret-override-job-level",
       {{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"value", "other"}}}},
       "POST",
       "/job/" + std::string(kJob) + "/secret/" + kSecret + "/override",
       R"({"value":"other"})"},
  };
  for (const auto &c : cases) {
    INFO(c.tool);
    auto request = r.registry.prepare(r.tool(c.tool), c.arguments);
    REQUIRE(request);
    CHECK(request->method == c.method);
    CHECK(request->path == c.path);
    CHECK(request->body == c.body);
  }
}

TEST_CASE("Registry: invalid arguments name the argument and never echo a value", "[registry]") {
  Registry r;
  auto error_of = [&](const std::string &tool, const json &arguments) {
    auto request = r.registry.prepare(r.tool(tool), arguments);
    REQUIRE_FALSE(request);
    return request.error();
  };
  CHECK(error_of("list-job-secrets", json::object()) == "argument 'jobId' is required");
  CHECK(error_of("list-job-secrets", {{"jobId", "abc"}}) ==
        "argument 'jobId' must be a UUID, got \"abc\"");
  CHECK(error_of("delete-secret-job", {{"jobId", kJob}}) == "argument 'secretId' is required");
  CHECK(error_of("add-secret-job", {{"jobId", kJob}, {"body", "KEY=1"}})
            .starts_with("argument 'body' must be an object"));
  CHECK(error_of("add-secret-job", {{"jobId", kJob}, {"body", {{"value", "x"}}}}) ==
        "argument 'body.key' is required");
  CHECK(
      error_of("add-secret-job",
               {{"jobId", kJob}, {"body", {{"key", "A"}, {"description", std::string(256, 'd')}}}})
          .starts_with("argument 'body.description' must be at most 255 characters"));
  std::string leaked =
      error_of("add-secret-job", {{"jobId", kJob}, {"body", {{"key", "A"}, {"value", 12345678}}}});
  CHECK(leaked.starts_with("argument 'body.value' must be a string"));
  CHECK(leaked.find("12345678") == std::string::npos);
  CHECK(error_of("list-job-secrets", {{"jobId", kJob}, {"extra", 1}})
            .starts_with("argument 'extra' is not allowed"));
}

TEST_CASE("Registry: selection by read-only and by name", "[registry]") {
  auto capability = parse_capability(*resource("capability.naftiko.yaml"));
  auto read_only = ToolRegistry::create(capability.value(), resource, {true, {}});
  REQUIRE(read_only);
  REQUIRE(read_only->tools_list()["tools"].size() == 1);
  CHECK(read_only->tools_list()["tools"][0]["name"] == "list-job-secrets");
  CHECK(read_only->find("list-job-secrets") != nullptr);
  CHECK(read_only->find("delete-secret-job") == nullptr);
  const Operation &remove = *capability->find_tool("delete-secret-job")->operation;
  REQUIRE(read_only->find_for(remove) != nullptr);
  CHECK_FALSE(read_only->find_for(remove)->selected);

  auto named = ToolRegistry::create(capability.value(), resource,
                                    {false, {"delete-secret-job", "list-job-secrets"}});
  REQUIRE(named);
  CHECK(named->tools_list()["tools"].size() == 2);
  CHECK(named->find("add-secret-job") == nullptr);
  CHECK(named->find("delete-secret-job") != nullptr);

  auto both = ToolRegistry::create(capability.value(), resource,
                                   {true, {"delete-secret-job", "list-job-secrets"}});
  REQUIRE(both);
  CHECK(both->tools_list()["tools"].size() == 1);

  auto unknown = ToolRegistry::create(capability.value(), resource, {false, {"list-secrets"}});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error() ==
        "unknown tool 'list-secrets' (tools: list-job-secrets, add-secret-job, "
        "delete-secret-job, edit-secret-belonging-job, create-secret-alias-job-level, "
        "create-secret-override-job-level)");
}

TEST_CASE("Registry: schemas that disagree with the capability are refused", "[registry]") {
  auto capability = parse_capability(*resource("capability.naftiko.yaml"));
  auto with_input = [](std::string input) {
    return [input](std::string_view name) -> std::optional<std::string_view> {
      static std::string kept;
      if (name == "list-job-secrets.input.json") {
        kept = input;
        return kept;
      }
      return resource(name);
    };
  };
  auto missing_job =
      ToolRegistry::create(capability.value(), with_input(R"({"type":"object","properties":{}})"));
  REQUIRE_FALSE(missing_job);
  CHECK(missing_job.error() ==
        "tool list-job-secrets: list-job-secrets.input.json must require the path parameter "
        "'jobId'");
  auto with_body = ToolRegistry::create(
      capability.value(),
      with_input(R"({"type":"object","properties":{"jobId":{"type":"string"},"body":{}},
                   "required":["jobId"]})"));
  REQUIRE_FALSE(with_body);
  CHECK(with_body.error().ends_with("declares 'body', but the tool sends none"));
}

TEST_CASE("Registry: a tool without schema files gets a derived input and no output schema",
          "[registry]") {
  auto capability = parse_capability(*resource("capability.naftiko.yaml"));
  auto registry = ToolRegistry::create(
      capability.value(), [](std::string_view name) -> std::optional<std::string_view> {
        if (name.starts_with("add-secret-job."))
          return std::nullopt;
        return resource(name);
      });
  REQUIRE(registry);
  const ToolRegistry::Tool *add = registry->find("add-secret-job");
  REQUIRE(add != nullptr);
  CHECK_FALSE(add->output.has_value());
  CHECK(add->input.document() == derive_input_schema(*add->spec));
  const json list = registry->tools_list();
  for (const json &tool : list["tools"]) {
    INFO(tool["name"]);
    CHECK(tool.contains("outputSchema") == (tool["name"] != "add-secret-job"));
  }
  // The files of the other tools still win.
  CHECK(registry->find("list-job-secrets")->input.document() ==
        json::parse(*resource("list-job-secrets.input.json")));
}

TEST_CASE("Registry: every catalog capability lists every tool with its hints and no outputSchema",
          "[registry]") {
  const ToolRegistry::SchemaSource no_files = [](std::string_view) {
    return std::optional<std::string_view>();
  };
  for (const char *name : test::kCatalog) {
    Capability capability = test::catalog_capability(name);
    auto registry = ToolRegistry::create(capability, no_files);
    INFO(name);
    if (!registry)
      FAIL(registry.error());
    const json list = registry->tools_list();
    REQUIRE(list["tools"].size() == capability.tools.size());
    for (std::size_t i = 0; i < capability.tools.size(); ++i) {
      const ToolSpec &spec = capability.tools[i];
      const json &tool = list["tools"][i];
      INFO(spec.name);
      CHECK(tool["name"] == spec.name);
      CHECK(tool["description"] == spec.description);
      CHECK(tool["annotations"]["readOnlyHint"] == spec.hints.read_only);
      CHECK(tool["annotations"]["destructiveHint"] == spec.hints.destructive);
      CHECK(tool["annotations"]["idempotentHint"] == spec.hints.idempotent);
      CHECK(tool["inputSchema"] == derive_input_schema(spec));
      CHECK_FALSE(tool.contains("outputSchema"));
    }
    // The hints as the document spells them: as many of each as its text holds.
    const std::string text = test::catalog_text(name);
    auto count = [](const std::string &haystack, const std::string &needle) {
      std::size_t n = 0;
      for (std::size_t at = haystack.find(needle); at != std::string::npos;
           at = haystack.find(needle, at + 1))
        ++n;
      return n;
    };
    for (const auto &[hint, word] : {std::pair{"readOnlyHint", "readOnly: true"},
                                     std::pair{"destructiveHint", "destructive: true"},
                                     std::pair{"idempotentHint", "idempotent: true"}}) {
      INFO(hint);
      CHECK(std::count_if(list["tools"].begin(), list["tools"].end(), [&](const json &tool) {
              return tool["annotations"][hint] == true;
            }) == static_cast<long>(count(text, word)));
    }
  }
}

TEST_CASE("Registry: every listed input schema is portable to every model vendor", "[registry]") {
  Registry r;
  const json list = r.registry.tools_list();
  REQUIRE(list["tools"].size() == r.capability.tools.size());
  for (const auto &tool : list["tools"]) {
    const json &input = tool["inputSchema"];
    INFO(tool["name"].get<std::string>() << ": " << input.dump());
    CHECK(portability_problems(input).empty());
    // The same, read off the text clients receive, without the walker: no type
    // list, no reference, no lookaround or backreference, no server-side keyword.
    const std::string text = input.dump();
    for (const char *construct : {"\"type\":[", "\"$ref\"", "\"$defs\"", "(?=", "(?!",
                                  "(?<=", "(?<!", "\\\\1", "\\\\k<", "\"x-"})
      CHECK(text.find(construct) == std::string::npos);
  }
}

TEST_CASE("Registry: a non-portable input schema is refused at start", "[registry]") {
  auto capability = parse_capability(*resource("capability.naftiko.yaml"));
  auto list_input = [](const json &job_id) {
    return json{{"type", "object"},
                {"properties", {{"jobId", job_id}}},
                {"required", {"jobId"}},
                {"additionalProperties", false}};
  };
  const std::vector<std::pair<json, std::string>> cases{
      {list_input({{"type", {"string", "null"}}}),
       "/properties/jobId: \"type\" is [\"string\",\"null\"], not one type name"},
      {list_input({{"type", "string"},
                   {"maxLength", 36},
                   {"pattern", "^(?!0)[0-9a-f-]+$"},
                   {"x-pattern-rule", "must be hex"}}),
       "/properties/jobId: \"pattern\" has a lookaround (?!"},
      {list_input({{"type", "string"},
                   {"maxLength", 36},
                   {"pattern", "^(a)\\1$"},
                   {"x-pattern-rule", "must be aa"}}),
       "/properties/jobId: \"pattern\" has a backreference \\1"},
      {[&] {
         json schema = list_input({{"$ref", "#/$defs/id"}});
         schema["$defs"] = {{"id", {{"type", "string"}}}};
         return schema;
       }(),
       "/: \"$defs\" (OpenAI strict mode and Gemini refuse it)"},
      {json{{"type", "object"},
            {"properties", {{"jobId", {{"type", "string"}}}}},
            {"required", {"jobId"}}},
       "/: an object without \"additionalProperties\": false"},
  };
  for (const auto &[input, problem] : cases) {
    const std::string text = input.dump();
    INFO(text);
    auto registry = ToolRegistry::create(
        capability.value(), [&text](std::string_view name) -> std::optional<std::string_view> {
          if (name == "list-job-secrets.input.json")
            return text;
          return resource(name);
        });
    REQUIRE_FALSE(registry);
    CHECK(registry.error().starts_with(
        "tool list-job-secrets: list-job-secrets.input.json is not portable: " + problem));
  }
}

TEST_CASE("Registry: null is still accepted for the optional body fields, and sent as is",
          "[registry]") {
  Registry r;
  const json job_and_secret = {{"jobId", kJob}, {"secretId", kSecret}};
  std::size_t checked = 0;
  const json list = r.registry.tools_list();
  for (const auto &tool : list["tools"]) {
    const std::string name = tool["name"];
    const json &input = tool["inputSchema"];
    if (!input["properties"].contains("body"))
      continue;
    const json &fields = input["properties"]["body"]["properties"];
    for (const char *field : {"mount_path", "description", "enable_interpolation_in_file"}) {
      if (!fields.contains(field))
        continue;
      INFO(name << " body." << field);
      json arguments = job_and_secret;
      if (!input["properties"].contains("secretId"))
        arguments.erase("secretId");
      arguments["body"] = json::object();
      if (fields.contains("key"))
        arguments["body"]["key"] = "API_TOKEN";
      arguments["body"][field] = nullptr;
      auto request = r.registry.prepare(r.tool(name), arguments);
      if (!request)
        FAIL(request.error());
      CHECK(json::parse(request->body) == arguments["body"]);
      // Still one type or null: anything else is refused.
      arguments["body"][field] = json::array();
      auto refused = r.registry.prepare(r.tool(name), arguments);
      REQUIRE_FALSE(refused);
      CHECK(refused.error().starts_with("argument 'body." + std::string(field) +
                                        "' must be null or "));
      ++checked;
    }
  }
  CHECK(checked == 9); // 3 fields of add-secret-job, 2 of each of the other three
}

TEST_CASE("Registry: a QOVERY_ key is refused in words by every tool that takes a key",
          "[registry]") {
  Registry r;
  std::size_t tools_with_key = 0;
  const json list = r.registry.tools_list();
  for (const auto &tool : list["tools"]) {
    const std::string name = tool["name"];
    const json &properties = tool["inputSchema"]["properties"];
    if (!properties.contains("body") || !properties["body"]["properties"].contains("key"))
      continue;
    ++tools_with_key;
    INFO(name);
    json arguments = {{"jobId", kJob}, {"body", {{"value", "v"}}}};
    if (properties.contains("secretId"))
      arguments["secretId"] = kSecret;
    if (!properties["body"]["properties"].contains("value"))
      arguments["body"].erase("value");
    for (const char *key : {"QOVERY_API_TOKEN", "QOVERY_", "QOVERY_1", "QOVERY__X"}) {
      arguments["body"]["key"] = key;
      auto request = r.registry.prepare(r.tool(name), arguments);
      REQUIRE_FALSE(request);
      CHECK(request.error() == "argument 'body.key' must not start with QOVERY_ (reserved for "
                               "Qovery's built-in variables), got " +
                                   json(key).dump());
    }
    for (const char *key : {"qovery_api_token", "QOVERY", "QOVERYX", "MY_QOVERY_KEY", "Qovery_X"}) {
      arguments["body"]["key"] = key;
      auto request = r.registry.prepare(r.tool(name), arguments);
      if (!request)
        FAIL(key << ": " << request.error());
    }
    for (const char *key : {"1KEY", "MY-KEY", "QOVERY-X", "_KEY"}) {
      arguments["body"]["key"] = key;
      auto request = r.registry.prepare(r.tool(name), arguments);
      REQUIRE_FALSE(request);
      CHECK(request.error() == "argument 'body.key' must be letters, digits and underscores only, "
                               "starting with a letter, got " +
                                   json(key).dump());
    }
  }
  CHECK(tools_with_key == 3);
}

TEST_CASE("Registry: path arguments are percent-encoded", "[registry]") {
  CHECK(expand_path("/job/{jobId}/secret", {{"jobId", "a b/c"}}) == "/job/a%20b%2Fc/secret");
  CHECK(expand_path("/zone/{zone}/{id}", {{"zone", "ignored"}, {"id", 7}},
                    {{"zone", "fr-par 1"}}) == "/zone/fr-par%201/7");
}

TEST_CASE("Registry: the .env import tool is the server's own, offered with the tools it uses",
          "[registry][import]") {
  Registry r;
  add_import_tool(r.registry);
  const ToolRegistry::Tool &import = r.tool(kImportToolName);
  CHECK(import.spec->operation == nullptr);
  json list = r.registry.tools_list();
  REQUIRE(list["tools"].size() == 7);
  const json &listed = list["tools"][6];
  CHECK(listed["name"] == kImportToolName);
  CHECK(listed["annotations"]["readOnlyHint"] == false);
  CHECK(listed["annotations"]["destructiveHint"] == true);
  CHECK(listed["annotations"]["idempotentHint"] == false);
  // Its input is the job's id, as the list tool takes it.
  CHECK(listed["inputSchema"]["required"] == json::array({"jobId"}));
  CHECK(listed["inputSchema"]["properties"]["jobId"] ==
        r.tool("list-job-secrets").input.document()["properties"]["jobId"]);
  // Its output: the link, or each line's outcome once a waiting client's person applied the file.
  const json &outputs = listed["outputSchema"]["anyOf"];
  REQUIRE(outputs.size() == 2);
  CHECK(outputs[0]["required"] == json::array({"status", "link", "expiresInSeconds"}));
  CHECK(outputs[1]["required"] == json::array({"status", "lines"}));
  CHECK(outputs[1]["properties"]["status"]["const"] == kImported);
  for (const char *named : {"list-job-secrets", "add-secret-job", "edit-secret-belonging-job",
                            "create-secret-override-job-level"})
    CHECK(listed["description"].get<std::string>().find(named) != std::string::npos);
  CHECK_FALSE(r.registry.check_arguments(import, {{"jobId", kJob}}));
  CHECK(r.registry.check_arguments(import, {{"jobId", kJob}, {"body", json::object()}}));
  CHECK_FALSE(r.registry.prepare(import, {{"jobId", kJob}}));

  // The roles are found by method and path, whatever the tools are called.
  std::optional<ImportTools> tools = import_tools(r.registry);
  REQUIRE(tools);
  CHECK(tools->list->spec->name == "list-job-secrets");
  CHECK(tools->create->spec->name == "add-secret-job");
  CHECK(tools->replace->spec->name == "edit-secret-belonging-job");
  CHECK(tools->override_secret->spec->name == "create-secret-override-job-level");

  SECTION("not offered when one of its tools is not") {
    for (const ToolSelection &selection :
         {ToolSelection{true, {}},
          ToolSelection{false, {"list-job-secrets", "add-secret-job", "edit-secret-belonging-job"}},
          ToolSelection{false,
                        {"add-secret-job", "edit-secret-belonging-job",
                         "create-secret-override-job-level"}}}) {
      ToolRegistry selected =
          std::move(ToolRegistry::create(r.capability, resource, selection).value());
      CHECK_FALSE(import_tools(selected));
      add_import_tool(selected);
      CHECK(selected.find(kImportToolName) == nullptr);
    }
  }
}

TEST_CASE("Registry: an import line becomes the arguments of its tool", "[registry][import]") {
  Registry r;
  ImportTools tools = import_tools(r.registry).value();
  const json job = {{"jobId", kJob}};
  CHECK(import_call_arguments(tools, {1, "NEW", ImportAction::Create, "", ""}, job, "v1") ==
        json{{"jobId", kJob}, {"body", {{"key", "NEW"}, {"value", "v1"}}}});
  CHECK(import_call_arguments(tools, {2, "OWN", ImportAction::Replace, kSecret, ""}, job, "v2") ==
        json{{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"key", "OWN"}, {"value", "v2"}}}});
  // The override's body takes no key (its key is the inherited secret's).
  CHECK(import_call_arguments(tools, {3, "UP", ImportAction::Override, kSecret, ""}, job, "") ==
        json{{"jobId", kJob}, {"secretId", kSecret}, {"body", {{"value", ""}}}});
  for (ImportAction action :
       {ImportAction::Create, ImportAction::Replace, ImportAction::Override}) {
    json arguments = import_call_arguments(tools, {4, "K", action, kSecret, ""}, job, "v");
    CHECK_FALSE(r.registry.check_arguments(import_tool_for(tools, action), arguments));
  }
}
