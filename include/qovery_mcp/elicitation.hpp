#pragma once

#include "qovery_mcp/client_link.hpp"
#include "qovery_mcp/entry_page.hpp"
#include "qovery_mcp/tool_caller.hpp"
#include "qovery_mcp/tool_registry.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace qovery_mcp {

/// --confirm-destructive: when a destructive call (the capability's
/// `destructive` hint) needs the person's yes first.
enum class ConfirmPolicy {
  Auto,   ///< ask when the client can ask the person; send unasked when it cannot
  Always, ///< ask; a client that cannot ask gets a tool error and nothing is sent
  Never,  ///< never ask
};

/// The policy named "auto", "always" or "never"; nullopt for anything else.
std::optional<ConfirmPolicy> parse_confirm_policy(std::string_view name);

/// What is done with a call before it is sent (confirmation_for()).
enum class Confirmation {
  Send,   ///< send it unasked
  Ask,    ///< ask the person first; send it only on their yes
  Refuse, ///< send nothing: the answer is confirmation_refused()
};

/// Whether a call of `tool` needs the person's confirmation, and whether the
/// client can give it: Send for a tool whose capability hints do not call it
/// destructive, or under ConfirmPolicy::Never; otherwise Ask when `can_ask`
/// (the client declared form elicitation: 2025-11-25 capabilities, or the
/// 2026-07-28 request's), else Send under Auto and Refuse under Always. The
/// one place that decides it, for both protocol eras.
Confirmation confirmation_for(const ToolRegistry::Tool &tool, ConfirmPolicy policy, bool can_ask);

/// The tool error of Confirmation::Refuse: nothing was sent, the server asks
/// the person before `tool` and this client cannot ask, and how the person
/// running the server can allow it (--confirm-destructive=auto or never).
nlohmann::json confirmation_refused(const ToolRegistry::Tool &tool, const ApiTexts &texts);

/// The params of the form elicitation that asks the person to confirm a
/// call of `tool` (client/elicitation "Form Mode"): a message naming the
/// secret's key and scope (from `listed`, listed_secret()'s object, when
/// known), the secret's id and the job, and a requestedSchema with one
/// required boolean, `confirm`, default false.
nlohmann::json confirmation_request(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                                    const std::optional<nlohmann::json> &listed);

/// Whether an elicitation's result confirms: action "accept" with
/// content.confirm true. Decline, cancel, false or anything else does not.
bool confirms(const nlohmann::json &result);

/// What Elicitation does.
struct ElicitationOptions {
  ConfirmPolicy confirm = ConfirmPolicy::Auto;
  /// How often a call that waits on the person sends notifications/progress
  /// when the request gave a progress token (basic/utilities/progress), so
  /// that a client whose request timeout resets on progress keeps waiting.
  std::chrono::milliseconds progress_every{std::chrono::seconds(10)};
};

/// The person asked through the client during a call (MCP 2025-11-25,
/// client/elicitation), as the ToolCaller's hooks (ToolCaller::ValueEntry
/// and ToolCaller::Confirm). The value never passes through an MCP message:
/// a URL elicitation names the value-entry page (EntryPages), where the
/// person types it. Safe to use from many threads at once.
class Elicitation {
public:
  /// `caller` and `pages` must outlive it.
  Elicitation(const ToolCaller &caller, EntryPages &pages, ElicitationOptions options);

  const ElicitationOptions &options() const { return options_; }

  /// ToolCaller::ValueEntry. For a client that declared URL elicitation
  /// (context.client's modes), opens a pending entry and sends
  /// `elicitation/create` with mode "url", the entry's link, a message
  /// naming the job, the key and the action, and an elicitationId; then
  /// waits on the entry (EntryPages::await), sending notifications/progress
  /// every options.progress_every when the request gave a progress token.
  /// Submitted: notifications/elicitation/complete, then the submitted
  /// call's result (the created or edited secret, no value). The person
  /// declined or dismissed it (the response's action), the client answered
  /// with an error, or the request ended (cancelled, the client went away,
  /// the server stops): the link is revoked and the answer is a tool error
  /// saying nothing was changed; the link expired or was revoked: the same.
  /// Any other client gets the link flow (EntryPages::open).
  /// The .env import (the server's own tool, ToolCaller::OwnTools) is asked
  /// for the same way, its page an import's (EntryPages::open_import_entry),
  /// and answers the lines' keys and outcomes once the person applied them.
  nlohmann::json enter_value(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                             CallOrigin origin, const ToolCaller::Context &context);

  /// ToolCaller::Confirm, as confirmation_for() decides with the client's
  /// form elicitation: Send lets the call go; Refuse answers
  /// confirmation_refused(); Ask sends `elicitation/create` in form mode
  /// (confirmation_request(), the secret read with listed_secret()) and
  /// waits for the answer, at most the pages' link ttl, with progress as
  /// enter_value(): a yes lets the call go; anything else (decline, cancel,
  /// false, an error, no answer in time, the request ended) is a tool error
  /// saying nothing was deleted.
  std::optional<nlohmann::json> confirm(const ToolRegistry::Tool &tool,
                                        const nlohmann::json &arguments, CallOrigin origin,
                                        const ToolCaller::Context &context);

private:
  const ToolCaller &caller_;
  EntryPages &pages_;
  ElicitationOptions options_;
};

} // namespace qovery_mcp
