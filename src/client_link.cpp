#include "qovery_mcp/client_link.hpp"

namespace qovery_mcp {

ElicitationModes elicitation_modes(const nlohmann::json &capabilities) {
  if (!capabilities.is_object())
    return {};
  auto elicitation = capabilities.find("elicitation");
  if (elicitation == capabilities.end() || !elicitation->is_object())
    return {};
  // 2025-11-25: "an empty capabilities object is equivalent to declaring
  // support for form mode only".
  if (elicitation->empty())
    return {true, false};
  return {elicitation->contains("form"), elicitation->contains("url")};
}

} // namespace qovery_mcp
