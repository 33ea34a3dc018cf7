#pragma once

#include "qovery_mcp/capability.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <fstream>
#include <sstream>
#include <string>

namespace qovery_mcp::test {

/// The catalog's capabilities that the reference folder holds, copied to
/// tests/unit/data as `<name>.naftiko.yaml`.
inline constexpr std::array<const char *, 8> kCatalog{"qovery-account-info",
                                                      "qovery-application-secret",
                                                      "qovery-cloud-provider",
                                                      "qovery-environment-export",
                                                      "qovery-job-environment-variable",
                                                      "qovery-members",
                                                      "qovery-organization-api-token",
                                                      "qovery-project-secret"};

/// The whole text of the file at `path`; "" when it cannot be read.
inline std::string read_text(const std::string &path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The text of tests/unit/data/`name`.naftiko.yaml; fails the test when it cannot be read.
inline std::string catalog_text(const std::string &name) {
  const std::string path = QMCP_SOURCE_DIR "/tests/unit/data/" + name + ".naftiko.yaml";
  std::string text = read_text(path);
  if (text.empty())
    FAIL("cannot read " << path);
  return text;
}

/// The catalog's capability `name`, parsed; fails the test when it does not parse.
inline Capability catalog_capability(const std::string &name) {
  Result<Capability> capability = parse_capability(catalog_text(name));
  if (!capability)
    FAIL(name << ": " << capability.error());
  return std::move(capability.value());
}

/// A capability document over https://example.test whose consumed API's
/// namespace is `api`: `resources` holds the items of its `resources` list,
/// `exposes` those of `exposes`, each indented as in a whole document.
inline std::string example_capability(const std::string &resources, const std::string &exposes) {
  return "naftiko: 1.0.0-alpha2\ncapability:\n  consumes:\n  - type: http\n    namespace: api\n"
         "    baseUri: https://example.test\n    resources:\n" +
         resources + "  exposes:\n" + exposes;
}

/// A capability with what the catalog's documents do not use: a fixed path
/// value and a fixed query value (`with:` values that are no arguments), an
/// integer path parameter, number and integer query parameters, a required
/// query parameter and a required body.
inline const std::string kFixedValuesCapability = example_capability(R"(    - name: zone-pages
      path: /region/{region}/zone/{zoneId}/page/{page}
      operations:
      - name: putpage
        method: PUT
        description: Replace a page
        inputParameters:
        - name: page
          in: path
          type: integer
          description: page number
        - name: ratio
          in: query
          type: number
        - name: limit
          in: query
          type: integer
          required: true
          description: at most this many
        - name: mode
          in: query
          type: string
        - name: X-Request-Id
          in: header
        - name: If-Match
          in: header
          type: integer
        - name: X-Tenant
          in: header
        - name: body
          in: body
          type: object
          required: true
)",
                                                                     R"(  - type: mcp
    tools:
    - name: replace-page
      description: Replace a page
      call: api.putpage
      with:
        region: eu west/1
        mode: a b&c
        X-Tenant: acme corp
        body: tools.body
)");

} // namespace qovery_mcp::test
