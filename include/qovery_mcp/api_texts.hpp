#pragma once

#include "qovery_mcp/capability.hpp"

#include <map>
#include <string>

namespace qovery_mcp {

/// What the messages of a call say about the consumed API: its name, the
/// advice after an error status, what to do when a change's outcome is
/// unknown, and the server's instructions. Derived from the capability
/// (base URI, API key variable, path parameters, read-only tools), refined by
/// a small table keyed by the API's base URI (what the document cannot say:
/// "Qovery", that Qovery answers 403 for some unknown resources) and by the
/// capability's MCP namespace (the job-secret rules a 400 or a 409 means). A
/// capability the table does not know gets neutral text naming its own host,
/// parameters and tools.
class ApiTexts {
public:
  /// The texts for `capability`, which must outlive them.
  explicit ApiTexts(const Capability &capability);

  /// The API's name at the start of a sentence: "Qovery", or the base URI's
  /// host ("api.example.com") for an API the table does not know.
  const std::string &api_name() const { return api_name_; }

  /// What the model should do after `operation` was answered with the error
  /// `status` (3xx, 4xx or 5xx): one or more sentences, never empty.
  std::string advice(int status, const Operation &operation) const;

  /// Said after a change `tool` made may or may not have reached the API: a
  /// sentence with a leading space, telling how to check before retrying
  /// (the read-only tool whose path contains the change's, when one does).
  std::string outcome_unknown(const ToolSpec &tool) const;

  /// What still works when no change can be made (the audit log fails):
  /// "secrets can still be listed", or "the read-only tools still work".
  const std::string &reads_still_work() const { return reads_still_work_; }

  /// The embedded file (resource()) holding the server's instructions for a
  /// model; empty when the table has none for this capability, whose
  /// description then serves.
  const std::string &instructions_resource() const { return instructions_resource_; }

private:
  const Capability &capability_;
  std::string api_name_;
  /// Advice per status, placeholders left: {params} (the operation's path
  /// parameters); the API-wide ones ({api}, {env}, {base_uri}) filled in.
  std::map<int, std::string> advice_;
  std::string outcome_unknown_; ///< from the table; empty: derived per tool
  std::string reads_still_work_;
  std::string instructions_resource_;
};

} // namespace qovery_mcp
