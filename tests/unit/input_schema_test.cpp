#include "qovery_mcp/input_schema.hpp"

#include "qovery_mcp/schema.hpp"

#include "catalog.hpp"

#include <catch2/catch.hpp>

using nlohmann::json;
using namespace qovery_mcp;
using namespace qovery_mcp::test;

namespace {

/// The derived input schema of the catalog tool `tool` of capability `name`.
json derived(const std::string &name, const std::string &tool) {
  Capability capability = catalog_capability(name);
  const ToolSpec *spec = capability.find_tool(tool);
  REQUIRE(spec != nullptr);
  return derive_input_schema(*spec);
}

} // namespace

TEST_CASE("Derived input schema: a name says it holds an id only when id is a word of its own",
          "[input-schema]") {
  for (const char *name : {"id", "ID", "Id", "jobId", "organizationId", "apiTokenId", "jobID",
                           "job2ID", "job_id", "JOB_ID", "job-id", "job.id", "APIId"})
    CHECK(names_an_id(name));
  for (const char *name : {"zone", "region", "valid", "paid", "UUID", "GUID", "i", "", "idx",
                           "identifier", "jobIds", "Ids"})
    CHECK_FALSE(names_an_id(name));
}

TEST_CASE("Derived input schema: path placeholders are required strings (a UUID for an id)",
          "[input-schema]") {
  CHECK(derived("qovery-members", "get-invited-members") ==
        json::parse(R"({"type":"object","properties":{"organizationId":{"type":"string",
          "format":"uuid","description":
          "Path parameter organizationId of GET /organization/{organizationId}/inviteMember"}},
          "required":["organizationId"],"additionalProperties":false})"));
  // Two placeholders, in the path's order.
  CHECK(derived("qovery-members", "get-member-invitation")["required"] ==
        json{"organizationId", "inviteId"});
  // Declared, with a description: still a UUID by its name.
  CHECK(derived("qovery-organization-api-token",
                "delete-organization-api-token")["properties"]["apiTokenId"] ==
        json::parse(R"({"type":"string","format":"uuid",
          "description":"Organization Api Token ID"})"));
  // {zone} (declared) and {region} (not): plain strings.
  CHECK(derived("qovery-cloud-provider", "list-scaleway-kapsule-available-instance") ==
        json::parse(R"({"type":"object","properties":{"zone":{"type":"string",
          "description":"zone name"}},"required":["zone"],"additionalProperties":false})"));
  CHECK(
      derived("qovery-cloud-provider", "list-aws-eks-available-instance")["properties"]["region"] ==
      json::parse(R"({"type":"string",
          "description":"Path parameter region of GET /aws/eks/instanceType/{region}"})"));
  // No input at all: an empty closed object.
  CHECK(derived("qovery-cloud-provider", "list-aws-regions") ==
        json::parse(R"({"type":"object","properties":{},"additionalProperties":false})"));
}

TEST_CASE("Derived input schema: query parameters are optional arguments of their type",
          "[input-schema]") {
  json schema = derived("qovery-cloud-provider", "list-aws-eks-available-instance");
  CHECK(schema["properties"]["only_meets_resource_reqs"] ==
        json::parse(R"({"type":"boolean","description":
          "Query parameter only_meets_resource_reqs of GET /aws/eks/instanceType/{region}"})"));
  CHECK(schema["properties"]["with_gpu"] ==
        json::parse(R"({"type":"boolean","description":"deprecated field, use `gpu` instead"})"));
  CHECK(schema["properties"]["gpu"]["type"] == "string");
  CHECK(schema["required"] == json{"region"});
  CHECK(schema["additionalProperties"] == false);
  CHECK(derived("qovery-organization-api-token",
                "list-organization-api-tokens")["properties"]["creatorName"] ==
        json::parse(R"({"type":"string",
          "description":"Name of the token creator to filter results by."})"));
}

TEST_CASE("Derived input schema: a body when the tool sends one (a DELETE too)", "[input-schema]") {
  CHECK(derived("qovery-members", "remove-member") == json::parse(R"({"type":"object","properties":{
          "organizationId":{"type":"string","format":"uuid","description":
            "Path parameter organizationId of DELETE /organization/{organizationId}/member"},
          "body":{"type":"object","description":"Request body (JSON)."}},
          "required":["organizationId"],"additionalProperties":false})"));
  // The same operation's body parameter, but a tool that does not send it.
  CHECK_FALSE(derived("qovery-members", "remove-invited-member")["properties"].contains("body"));
}

TEST_CASE("Derived input schema: fixed values are no arguments; declared types and required",
          "[input-schema]") {
  Result<Capability> capability = parse_capability(kFixedValuesCapability);
  REQUIRE(capability);
  CHECK(derive_input_schema(capability->tools.at(0)) == json::parse(R"json({"type":"object",
    "properties":{
      "zoneId":{"type":"string","format":"uuid","description":
        "Path parameter zoneId of PUT /region/{region}/zone/{zoneId}/page/{page}"},
      "page":{"type":"integer","description":"page number"},
      "ratio":{"type":"number","description":
        "Query parameter ratio of PUT /region/{region}/zone/{zoneId}/page/{page}"},
      "limit":{"type":"integer","description":"at most this many"},
      "X-Request-Id":{"type":"string","description":
        "Header parameter X-Request-Id of PUT /region/{region}/zone/{zoneId}/page/{page}"},
      "If-Match":{"type":"integer","description":
        "Header parameter If-Match of PUT /region/{region}/zone/{zoneId}/page/{page}"},
      "body":{"type":"object","description":
        "Request body of PUT /region/{region}/zone/{zoneId}/page/{page} (a JSON object)"}},
    "required":["zoneId","page","limit","body"],"additionalProperties":false})json"));
}

TEST_CASE("Derived input schema: every catalog tool's compiles and only a body is not portable",
          "[input-schema]") {
  std::size_t with_body = 0, checked = 0;
  for (const char *name : kCatalog) {
    Capability capability = catalog_capability(name);
    for (const ToolSpec &tool : capability.tools) {
      json schema = derive_input_schema(tool);
      INFO(name << " " << tool.name << ": " << schema.dump());
      CHECK(Schema::compile(schema));
      // A body whose members the document does not declare cannot be a
      // closed object: OpenAI's strict mode refuses it, and says so.
      std::vector<std::string> expected;
      if (tool.sends_body) {
        expected.push_back("/properties/body: an object without \"additionalProperties\": false "
                           "(OpenAI strict mode requires it)");
        ++with_body;
      }
      CHECK(portability_problems(schema) == expected);
      ++checked;
    }
  }
  CHECK(checked == 52); // the tools of the eight documents
  CHECK(with_body == 19);
}
