#include "qovery_mcp/api_texts.hpp"

#include "qovery_mcp/resources.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace qovery_mcp;

namespace {

std::string read_text(const std::string &path) {
  std::ifstream in(path);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A capability of tests/unit/data, with its base URI replaced by `base_uri` when given.
Capability sibling(const std::string &name, const std::string &base_uri = {}) {
  std::string text = read_text(QMCP_SOURCE_DIR "/tests/unit/data/" + name + ".naftiko.yaml");
  if (!base_uri.empty())
    text.replace(text.find("https://api.qovery.com"), 22, base_uri);
  Result<Capability> capability = parse_capability(text);
  REQUIRE(capability);
  return std::move(capability.value());
}

const ToolSpec &tool(const Capability &capability, const std::string &name) {
  const ToolSpec *spec = capability.find_tool(name);
  REQUIRE(spec != nullptr);
  return *spec;
}

/// Every text a call of `spec` may end with.
std::vector<std::string> every_text(const ApiTexts &texts, const ToolSpec &spec) {
  std::vector<std::string> all{texts.outcome_unknown(spec), texts.reads_still_work()};
  for (int status : {301, 400, 401, 403, 404, 405, 409, 422, 429, 500, 502, 503})
    all.push_back(texts.advice(status, *spec.operation));
  return all;
}

} // namespace

TEST_CASE("Texts: the job-secret capability keeps Qovery's job-secret advice", "[texts]") {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ApiTexts texts(capability);
  const Operation &remove = *tool(capability, "delete-secret-job").operation;
  CHECK(texts.api_name() == "Qovery");
  CHECK(texts.advice(404, remove) == "Not found: check that jobId is the job's id and that "
                                     "secretId comes from listing this job's secrets.");
  CHECK(texts.advice(409, remove).starts_with("A secret with this key already exists"));
  CHECK(texts.advice(400, remove).find("BUILT_IN secrets cannot be edited") != std::string::npos);
  CHECK(texts.advice(401, remove) ==
        "Qovery did not accept the API key. The user must set QOVERY_API_KEY to a valid Qovery API "
        "token (or check --auth-scheme); retrying will not help.");
  CHECK(texts.advice(307, remove) ==
        "The API's address answered with a redirect, which this server does not follow; nothing "
        "was done. The user should check --api-url (the API's base URL, https://api.qovery.com "
        "by default).");
  CHECK(texts.advice(429, remove) == "Qovery is rate limiting requests: wait before retrying.");
  CHECK(texts.advice(502, remove) == "Qovery failed to handle the request: retry later.");
  CHECK(texts.advice(418, remove) == "Qovery refused the request.");
  CHECK(texts.outcome_unknown(tool(capability, "add-secret-job")) ==
        " The change may or may not have been applied: list the job's secrets to check before "
        "trying again.");
  CHECK(texts.reads_still_work() == "secrets can still be listed");
  CHECK(texts.instructions_resource() == "server-instructions.md");
  CHECK(resource(texts.instructions_resource()));
}

TEST_CASE("Texts: another Qovery capability gets advice from its own paths and tools", "[texts]") {
  Capability capability = sibling("qovery-job-environment-variable");
  ApiTexts texts(capability);
  const ToolSpec &remove = tool(capability, "delete-environment-variable-job");
  CHECK(texts.api_name() == "Qovery");
  CHECK(texts.advice(404, *remove.operation) ==
        "Not found: check the values of jobId and environmentVariableId with the user.");
  CHECK(texts.advice(403, *remove.operation) ==
        "Qovery refused access: the API key may lack permission, or what jobId and "
        "environmentVariableId name may not exist (Qovery answers 403 for some unknown "
        "resources). Check jobId and environmentVariableId with the user.");
  CHECK(texts.advice(401, *remove.operation).find("QOVERY_API_KEY") != std::string::npos);
  CHECK(texts.outcome_unknown(remove) == " The change may or may not have been applied: call "
                                         "list-environment-variables to check before trying "
                                         "again.");
  CHECK(texts.reads_still_work() == "the read-only tools still work");
  CHECK(texts.instructions_resource().empty());
  for (const ToolSpec &spec : capability.tools) {
    for (const std::string &text : every_text(texts, spec)) {
      INFO(spec.name << ": " << text);
      CHECK(text.find("secret") == std::string::npos);
      CHECK(text.find("BUILT_IN") == std::string::npos);
      CHECK(text.find("job's") == std::string::npos);
    }
  }
}

TEST_CASE("Texts: an API the table does not know is named by its host, never as Qovery",
          "[texts]") {
  Capability capability = sibling("qovery-application-secret", "https://api.example.com");
  ApiTexts texts(capability);
  CHECK(texts.api_name() == "api.example.com");
  const ToolSpec &add = tool(capability, "add-secret-application");
  CHECK(texts.advice(429, *add.operation) ==
        "api.example.com is rate limiting requests: wait before retrying.");
  CHECK(texts.advice(301, *add.operation).find("https://api.example.com by default") !=
        std::string::npos);
  CHECK(texts.outcome_unknown(add) == " The change may or may not have been applied: call "
                                      "list-application-secrets to check before trying again.");
  for (const ToolSpec &spec : capability.tools) {
    for (const std::string &text : every_text(texts, spec)) {
      INFO(spec.name << ": " << text);
      CHECK(text.find("Qovery") == std::string::npos);
      CHECK(text.find("job") == std::string::npos);
      CHECK(text.find("BUILT_IN") == std::string::npos);
    }
  }
}
