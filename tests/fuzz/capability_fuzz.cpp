// Fuzz target for the capability loader: the input as a capability document
// (YAML, as given with --capability). When it loads, the ToolRegistry is built
// from it with the embedded schemas, as the server does at start, and then
// used: every tool prepares a call, and the REST routes match a few requests.
//
// Beyond crashes, it checks that a refused document gets a message, and that
// what loads is consistent: tools and routes point at one of its operations,
// and the tools/list and initialize answers it makes serialize as JSON.
#include "fuzz_target.hpp"

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/rest_adapter.hpp"
#include "qovery_mcp/tool_registry.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace qovery_mcp;
using nlohmann::json;

[[noreturn]] void violated(std::string_view rule) {
  std::fprintf(stderr, "invariant violated: %.*s\n", static_cast<int>(rule.size()), rule.data());
  std::abort();
}

bool is_own_operation(const Capability &capability, const Operation *operation) {
  return operation != nullptr && capability.find_operation(operation->name) == operation;
}

void check_consistent(const Capability &capability) {
  if (capability.tools.empty())
    violated("a capability that loads has tools");
  for (const auto &tool : capability.tools)
    if (!is_own_operation(capability, tool.operation))
      violated("a tool calls one of the capability's operations");
  for (const auto &route : capability.rest_routes)
    if (!is_own_operation(capability, route.operation))
      violated("a route calls one of the capability's operations");
}

/// Arguments that satisfy every tool of the shipped capability.
const json &sample_arguments() {
  static const json kArguments = {{"jobId", FakeQovery::kJobId},
                                  {"secretId", FakeQovery::kProjectSecretId},
                                  {"body", {{"key", "API_TOKEN"}, {"value", "s3cret"}}}};
  return kArguments;
}

void use_registry(const Capability &capability) {
  Result<ToolRegistry> registry = ToolRegistry::create(capability, resource);
  if (!registry) {
    if (registry.error().empty())
      violated("a refused registry gets a message");
    return;
  }
  for (const auto &tool : registry->tools()) {
    Result<UpstreamRequest> request = registry->prepare(tool, sample_arguments());
    if (request && request->method != tool.spec->operation->method)
      violated("a request uses its operation's method");
  }
  try {
    // What tools/list and initialize send: a throw here is a 500 over HTTP.
    (void)registry->tools_list().dump();
    (void)json({capability.label, capability.description}).dump();
  } catch (const json::exception &e) {
    violated(std::string("what the capability says serializes as strict JSON: ") + e.what());
  }
}

void use_routes(const Capability &capability) {
  const std::string job = std::string("/v1/job/") + FakeQovery::kJobId;
  for (const char *method : {"GET", "POST", "PUT", "DELETE"})
    for (const std::string &path : {job + "/secret", job + "/secret/x", job + "/secret/x/alias",
                                    std::string("/"), std::string("")}) {
      RouteMatch match = match_route(capability.rest_routes, method, path);
      if (match.route && match.route->method != method)
        violated("a matched route takes the request's method");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size) {
  Result<Capability> capability =
      parse_capability(std::string_view(reinterpret_cast<const char *>(data), size));
  if (!capability) {
    if (capability.error().empty())
      violated("a refused capability gets a message");
    return 0;
  }
  check_consistent(capability.value());
  use_registry(capability.value());
  use_routes(capability.value());
  return 0;
}
