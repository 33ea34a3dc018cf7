#include "qovery_mcp/openapi.hpp"

#include "qovery_mcp/derived_schemas.hpp"
#include "qovery_mcp/input_schema.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/schema.hpp"
#include "qovery_mcp/tool_registry.hpp"

#include "catalog.hpp"

#include <catch2/catch.hpp>

#include <set>

using nlohmann::json;
using namespace qovery_mcp;
using namespace qovery_mcp::test;

namespace {

/// An OpenAPI with what the conversion must handle: nullable members, $ref
/// to components, an allOf of a reference and an object, enums, readOnly and
/// writeOnly members, parameters of the path item and of the operation.
const char *const kOpenApi = R"(openapi: 3.0.0
info: {title: Things, version: '1'}
servers:
- url: https://example.test/v2
paths:
  /thing/{id}:
    parameters:
    - $ref: '#/components/parameters/thingId'
    get:
      description: |
        Reads a thing.
      parameters:
      - name: view
        in: query
        required: true
        description: How much to show
        schema: {type: string, enum: [SHORT, FULL], example: SHORT}
      - name: limit
        in: query
        schema: {type: integer, minimum: 1, maximum: 100}
      responses:
        '200':
          description: the thing
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
    post:
      summary: Make a thing
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ThingRequest'}
      responses:
        '201':
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
    delete:
      responses:
        '204': {description: gone}
components:
  parameters:
    thingId: {name: id, in: path, required: true, description: The thing's id,
              schema: {type: string, format: uuid}}
  schemas:
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string, format: uuid, readOnly: true}
    Thing:
      allOf:
      - $ref: '#/components/schemas/Base'
      - type: object
        required: [name]
        properties:
          name: {type: string, maxLength: 10, x-stoplight: {id: abc}}
          note: {type: string, nullable: true, example: hello}
          kind: {$ref: '#/components/schemas/Kind'}
          secret: {type: string, writeOnly: true}
          parent: {$ref: '#/components/schemas/Parent'}
          shape:
            oneOf:
            - {type: object, required: [radius],
               properties: {radius: {type: number, minimum: 0, exclusiveMinimum: true}}}
            - {type: object, properties: {side: {type: integer, format: int64, maximum: 9}}}
            discriminator: {propertyName: kind}
    Parent:
      type: object
      title: ParentObject
      properties:
        name: {type: string, pattern: '^[a-z]+$'}
    Kind:
      type: string
      description: the kind
      enum: [RED, BLUE]
    ThingRequest:
      type: object
      required: [name]
      properties:
        id: {type: string, readOnly: true}
        name: {type: string, maxLength: 10}
        note: {type: string, nullable: true}
        kind: {$ref: '#/components/schemas/Kind'}
        secret: {type: string, writeOnly: true}
)";

/// A capability over https://example.test/v2 with one tool per operation of
/// kOpenApi, and one the OpenAPI lacks.
const std::string kCapability = example_capability(R"(    - name: thing
      path: /thing/{thingId}
      operations:
      - name: getthing
        method: GET
        inputParameters:
        - name: view
          in: query
          type: string
        - name: limit
          in: query
          type: integer
      - name: makething
        method: POST
        inputParameters:
        - name: body
          in: body
          type: object
      - name: dropthing
        method: DELETE
      - name: patchthing
        method: PATCH
)",
                                                   R"(  - type: mcp
    tools:
    - name: get-thing
      description: Get a thing
      call: api.getthing
    - name: make-thing
      description: Make a thing
      call: api.makething
      with:
        body: tools.body
    - name: drop-thing
      description: Drop a thing
      call: api.dropthing
    - name: patch-thing
      description: Patch a thing
      call: api.patchthing
)");

Capability things_capability() {
  std::string text = kCapability;
  text.replace(text.find("https://example.test"), 20, "https://example.test/v2");
  Result<Capability> parsed = parse_capability(text);
  REQUIRE(parsed);
  return std::move(parsed.value());
}

OpenApi things_openapi() {
  Result<OpenApi> parsed = OpenApi::parse(kOpenApi, "things.yaml");
  REQUIRE(parsed);
  return std::move(parsed.value());
}

struct Fixture {
  Capability capability = things_capability();
  OpenApi openapi = things_openapi();

  ToolSchemas derived(const std::string &tool) {
    const ToolSpec *spec = capability.find_tool(tool);
    REQUIRE(spec != nullptr);
    Result<ToolSchemas> schemas = derive_tool_schemas(capability, *spec, &openapi);
    REQUIRE(schemas);
    CHECK(Schema::compile(schemas->input));
    if (schemas->output)
      CHECK(Schema::compile(*schemas->output));
    return std::move(schemas.value());
  }
};

OpenApi read_qovery_openapi() {
  const std::string path = QMCP_SOURCE_DIR "/tests/unit/data/qovery-openapi.yaml";
  Result<OpenApi> parsed = OpenApi::parse(read_text(path), path);
  REQUIRE(parsed);
  return std::move(parsed.value());
}

/// Qovery's whole OpenAPI, read once.
const OpenApi &qovery_openapi() {
  static const OpenApi whole = read_qovery_openapi();
  return whole;
}

std::string schema_file(const std::string &name) {
  return read_text(QMCP_SOURCE_DIR "/schemas/" + name);
}

} // namespace

TEST_CASE("OpenAPI: the answer becomes a lenient output schema", "[openapi]") {
  Fixture f;
  const json output = f.derived("get-thing").output.value();
  // The allOf of Base and an object is one object; Thing, referred to only
  // by the root, is the root.
  CHECK(output["type"] == "object");
  CHECK_FALSE(output.contains("allOf"));
  CHECK(output["required"] == json{"id", "name"});
  const json &properties = output["properties"];
  CHECK(properties["id"] == json::parse(R"({"type":"string","format":"uuid"})"));
  // Not required, or nullable: null is allowed. Neither example nor x-* stays.
  CHECK(properties["name"] == json::parse(R"({"type":"string","maxLength":10})"));
  CHECK(properties["note"] == json::parse(R"({"type":["string","null"]})"));
  // An enum is no constraint of an output: its values are told.
  CHECK(properties["kind"] == json::parse(R"({"type":["string","null"],"description":
    "the kind. Known values: RED, BLUE; example.test may add others."})"));
  // writeOnly members never come back.
  CHECK_FALSE(properties.contains("secret"));
  // An object component is a definition, nullable where a member may be null.
  CHECK(properties["parent"] == json::parse(R"({"$ref":"#/$defs/Parent"})"));
  CHECK(output["$defs"] == json::parse(R"({"Parent":{"type":["object","null"],
    "properties":{"name":{"type":["string","null"]}}}})"));
  // Alternatives stay (without the discriminator, an OpenAPI keyword); one
  // more lets the member be null. 3.0's boolean exclusiveMinimum becomes 2020-12's bound.
  CHECK(properties["shape"] == json::parse(R"({"oneOf":[
    {"type":"object","required":["radius"],"properties":{"radius":{"type":"number",
      "exclusiveMinimum":0}}},
    {"type":"object","properties":{"side":{"type":["integer","null"],"format":"int64",
      "maximum":9}}},
    {"type":"null"}]})"));
  // Never closed, at any depth.
  CHECK(output.dump().find("additionalProperties") == std::string::npos);
  CHECK(output["$schema"] == kJsonSchemaDialect);
}

TEST_CASE("OpenAPI: a JSON document reads as its YAML form does", "[openapi]") {
  Result<Capability> capability = parse_capability(example_capability(R"(    - name: a
      path: /a/{id}
      operations:
      - name: geta
        method: GET
)",
                                                                      R"(  - type: mcp
    tools:
    - name: get-a
      description: Get an a
      call: api.geta
)"));
  REQUIRE(capability);
  Result<OpenApi> yaml = OpenApi::parse(R"(openapi: 3.0.3
paths:
  /a/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer, minimum: 1}}]
      responses:
        '200':
          content:
            application/json:
              schema: {type: object, properties: {n: {type: number, nullable: true}, s: {enum: [x, 'y', 1]}}}
)",
                                        "a.yaml");
  Result<OpenApi> json_form = OpenApi::parse(R"( {"openapi": "3.0.3", "paths": {"/a/{id}": {"get": {
    "parameters": [{"name": "id", "in": "path", "required": true,
                    "schema": {"type": "integer", "minimum": 1}}],
    "responses": {"200": {"content": {"application/json": {"schema": {"type": "object",
      "properties": {"n": {"type": "number", "nullable": true}, "s": {"enum": ["x", "y", 1]}}}}}}}}}}})",
                                             "a.json");
  REQUIRE(yaml);
  REQUIRE(json_form);
  const ToolSpec &tool = capability->tools.at(0);
  Result<ToolSchemas> from_yaml = derive_tool_schemas(capability.value(), tool, &yaml.value());
  Result<ToolSchemas> from_json = derive_tool_schemas(capability.value(), tool, &json_form.value());
  REQUIRE(from_yaml);
  REQUIRE(from_json);
  CHECK(from_yaml->input == from_json->input);
  CHECK(from_yaml->output == from_json->output);
  CHECK(from_yaml->input["properties"]["id"]["minimum"] == 1);
  CHECK(from_yaml->output.value()["properties"]["s"]["description"] ==
        "Known values: x, y, 1; example.test may add others.");
}

TEST_CASE("OpenAPI: parameters refine the arguments", "[openapi]") {
  Fixture f;
  const json input = f.derived("get-thing").input;
  const json &properties = input["properties"];
  // A path-item parameter, named as the capability's placeholder at its position.
  CHECK(properties["thingId"] ==
        json::parse(R"({"type":"string","format":"uuid","description":"The thing's id"})"));
  // Required by the OpenAPI, with its enum (kept in an input) and description.
  CHECK(properties["view"] == json::parse(R"({"type":"string","enum":["SHORT","FULL"],
    "description":"How much to show"})"));
  CHECK(input["required"] == json{"thingId", "view"});
  CHECK(properties["limit"] == json::parse(R"({"type":"integer","minimum":1,"maximum":100,
    "description":"Query parameter limit of GET /thing/{thingId}"})"));
  CHECK(input["additionalProperties"] == false);
  CHECK(input["description"] == "Reads a thing.");
  CHECK(portability_problems(Schema::compile(input)->document()).empty());
}

TEST_CASE("OpenAPI: the request body becomes the body argument, closed", "[openapi]") {
  Fixture f;
  const json input = f.derived("make-thing").input;
  const json &body = input["properties"]["body"];
  // No readOnly member; the enum kept; nullable as x-nullable (one type: portable).
  CHECK(body == json::parse(R"json({"type":"object",
    "description":"Request body of POST /thing/{thingId} (a JSON object)",
    "properties":{
      "name":{"type":"string","maxLength":10},
      "note":{"type":"string","x-nullable":true},
      "kind":{"type":"string","enum":["RED","BLUE"],"description":"the kind"},
      "secret":{"type":"string","writeOnly":true}},
    "required":["name"],"additionalProperties":false})json"));
  CHECK(input["required"] == json{"thingId", "body"});
  // The summary is the tool's description already: no guidance added.
  CHECK_FALSE(input.contains("description"));
  // Portable, as listed (x-nullable stays on the server).
  CHECK(portability_problems(Schema::compile(input)->document()).empty());
  // The output of a 201 is the same Thing.
  CHECK(f.derived("make-thing").output == f.derived("get-thing").output);
}

TEST_CASE("OpenAPI: an answer with no body is what the ToolCaller makes of it", "[openapi]") {
  Fixture f;
  CHECK(f.derived("drop-thing").output == json::parse(R"({
    "$schema":"https://json-schema.org/draft/2020-12/schema","type":"object",
    "description":"Confirms the deletion (example.test answers 204 with no body).",
    "properties":{"deleted":{"const":true,"description":"Always true: the deletion is done."},
      "thingId":{"type":"string","format":"uuid","description":"The thing's id"}},
    "required":["deleted","thingId"]})"));
}

TEST_CASE("OpenAPI: an operation it lacks keeps the capability's derivation", "[openapi]") {
  Fixture f;
  const ToolSchemas schemas = f.derived("patch-thing");
  CHECK(schemas.input == derive_input_schema(*f.capability.find_tool("patch-thing")));
  CHECK_FALSE(schemas.output);
}

TEST_CASE("OpenAPI: a malformed document names the file and what is wrong", "[openapi]") {
  auto error_of = [](const std::string &text) {
    Result<OpenApi> parsed = OpenApi::parse(text, "bad.yaml");
    REQUIRE_FALSE(parsed);
    return parsed.error();
  };
  CHECK(error_of("openapi: 3.0.0\npaths: [\n")
            .starts_with("bad.yaml: not YAML: yaml-cpp: error at line"));
  CHECK(error_of("swagger: '2.0'\npaths: {}\n") ==
        "bad.yaml: not an OpenAPI 3 document (no \"openapi: 3.x\" at the top)");
  CHECK(error_of("openapi: 3.0.0\n") == "bad.yaml: no \"paths\" mapping");
  CHECK(error_of(" {\"openapi\": \"3.0.0\", \"paths\": {}").starts_with("bad.yaml: not JSON: "));

  // A reference that goes nowhere, found when the operation is read.
  Fixture f;
  std::string text = kOpenApi;
  text.replace(text.find("'#/components/schemas/Parent'"), 29, "'#/components/schemas/Nope'");
  Result<OpenApi> broken = OpenApi::parse(text, "things.yaml");
  REQUIRE(broken);
  Result<ToolSchemas> derived =
      derive_tool_schemas(f.capability, *f.capability.find_tool("get-thing"), &broken.value());
  REQUIRE_FALSE(derived);
  CHECK(derived.error() == "things.yaml: /components/schemas/Thing/allOf/1/properties/parent/$ref: "
                           "the reference \"#/components/schemas/Nope\" does not resolve");
  // And the registry says which tool.
  Result<ToolRegistry> registry = ToolRegistry::create(
      f.capability, [](std::string_view) { return std::nullopt; }, {}, &broken.value());
  REQUIRE_FALSE(registry);
  CHECK(registry.error().starts_with("tool get-thing: things.yaml: "));
}

TEST_CASE("OpenAPI: every catalog tool derived from Qovery's whole OpenAPI compiles and routes "
          "as before",
          "[openapi][catalog]") {
  const auto no_files = [](std::string_view) { return std::optional<std::string_view>(); };
  std::size_t refined = 0, with_output = 0;
  for (const char *name : kCatalog) {
    Capability capability = catalog_capability(name);
    Result<ToolRegistry> plain = ToolRegistry::create(capability, no_files);
    Result<ToolRegistry> typed = ToolRegistry::create(capability, no_files, {}, &qovery_openapi());
    INFO(name << ": " << (typed ? "" : typed.error()));
    REQUIRE(plain);
    REQUIRE(typed);
    for (std::size_t i = 0; i < capability.tools.size(); ++i) {
      const ToolRegistry::Tool &before = plain->tools()[i];
      const ToolRegistry::Tool &after = typed->tools()[i];
      INFO(before.spec->name << ": " << after.input.document().dump());
      // Every operation of the catalog is in the OpenAPI.
      CHECK(after.input.document().contains("$schema"));
      refined += after.input.document() != before.input.document() ? 1 : 0;
      with_output += after.output ? 1 : 0;
      // The same arguments, built from what the refined schema requires,
      // make the same request either way.
      json arguments = json::object();
      for (const json &required : after.input.document().value("required", json::array())) {
        const json &property = after.input.document()["properties"][required.get<std::string>()];
        if (required == "body")
          continue;
        if (property.contains("enum"))
          arguments[required.get<std::string>()] = property["enum"][0];
        else if (property.value("format", "") == "uuid")
          arguments[required.get<std::string>()] = "11111111-1111-4111-8111-111111111111";
        else if (property["type"] == "integer" || property["type"] == "number")
          arguments[required.get<std::string>()] = 1;
        else if (property["type"] == "boolean")
          arguments[required.get<std::string>()] = true;
        else
          arguments[required.get<std::string>()] = "x";
      }
      if (after.spec->sends_body)
        continue; // the body's members differ per operation
      Result<UpstreamRequest> typed_request = typed->prepare(after, arguments);
      Result<UpstreamRequest> plain_request = plain->prepare(before, arguments);
      INFO(arguments.dump() << " " << (typed_request ? "" : typed_request.error()));
      REQUIRE(typed_request);
      REQUIRE(plain_request);
      CHECK(typed_request->method == plain_request->method);
      CHECK(typed_request->path == plain_request->path);
    }
  }
  CHECK(refined == 52);
  CHECK(with_output > 30);
}

TEST_CASE("OpenAPI: schemas/ is the derivation from Qovery's job-secret OpenAPI and the overlays",
          "[openapi][snapshot]") {
  Result<Capability> capability = parse_capability(*resource("capability.naftiko.yaml"));
  REQUIRE(capability);
  const std::string openapi_file = QMCP_SOURCE_DIR "/schemas/qovery-job-secret.openapi.yml";
  Result<OpenApi> openapi = OpenApi::parse(read_text(openapi_file), openapi_file);
  REQUIRE(openapi);
  const auto overlays = [](const std::string &name) -> std::optional<std::string> {
    std::string text = read_text(QMCP_SOURCE_DIR "/schemas/overlay/" + name);
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
  };
  Result<std::vector<SchemaFile>> files =
      derive_schema_files(capability.value(), openapi.value(), overlays);
  REQUIRE(files);
  std::set<std::string> names;
  for (const SchemaFile &file : files.value()) {
    INFO("schemas/" << file.name
                    << " differs from its derivation; after a deliberate change to the "
                       "OpenAPI, an overlay or the derivation, regenerate schemas/ with: "
                       "./build/qovery-job-secret-mcp schemas --openapi "
                       "schemas/qovery-job-secret.openapi.yml --overlay schemas/overlay --out "
                       "schemas");
    CHECK(schema_file(file.name) == file.text);
    names.insert(file.name);
  }
  CHECK(names.size() == 12); // an input and an output per tool
}
