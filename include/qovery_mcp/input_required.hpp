#pragma once

#include "qovery_mcp/elicitation.hpp"
#include "qovery_mcp/entry_page.hpp"
#include "qovery_mcp/request_state.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/tool_caller.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace qovery_mcp::mcp {

/// The key, in an input_required result's inputRequests, of the URL
/// elicitation that sends the person to a page of this server (a secret's
/// value, a .env import).
inline constexpr const char *kPageInput = "page";

/// The key, in an input_required result's inputRequests, of the form
/// elicitation that asks the person to confirm a destructive call.
inline constexpr const char *kConfirmInput = "confirm";

/// The 2026-07-28 era's way of asking the person during a tools/call
/// (basic/patterns/mrtr, client/elicitation "URL Mode Flow"): a call of a
/// tool that takes a secret's value (ToolCaller::takes_value) made without it,
/// or of the .env import tool (kImportToolName), by a client that declares
/// URL elicitation, is answered with an
/// `input_required` result instead of the link flow's text: its
/// inputRequests hold one `elicitation/create` in URL mode (kPageInput)
/// naming a page (EntryPages::open_entry, open_import_entry), and its requestState
/// (RequestStates) binds the retry to this tool, these arguments, that page
/// and the page's expiry. Nothing is sent to Qovery until the person submits
/// the page.
///
/// The client opens the page with the person's consent and retries the call
/// with the person's answer in inputResponses and the state echoed. On
/// `accept` the retry waits until the person has submitted (the page made
/// the call), then answers with that call's result (the secret, never the
/// value; for an import, each line's key and outcome); on decline or cancel the page is revoked and
/// the answer is a tool error saying nothing changed; with no answer for kPageInput, the same
/// input_required comes back (mrtr, "Error Handling"). A state that fails
/// verification, lapsed or belongs to another call is refused (mrtr: "MUST
/// reject state that fails verification"). Single use, which the spec
/// leaves to the server, is the page's: it takes one submission, so a state
/// can make one write at most; retried, it reads the same outcome again
/// (a client whose first retry timed out still learns it).
/// A destructive call (the capability's hint) is confirmed the same way when
/// confirmation_for() says Ask for a client whose request declares form
/// elicitation: an input_required result whose inputRequests hold the form
/// of confirmation_request() (kConfirmInput), and whose requestState binds
/// the retry to the call and a random nonce, usable once; the retry with
/// the person's yes (confirms()) is sent, anything else is a tool error
/// saying nothing was deleted. Nothing is sent before the yes.
///
/// Safe to use from many threads at once.
class InputRequired {
public:
  /// `caller` and `pages` must outlive it; `confirm` is --confirm-destructive.
  InputRequired(const ToolCaller &caller, EntryPages &pages, RequestStates states,
                ConfirmPolicy confirm);

  /// The answer to a tools/call of `tool` with `arguments`, whose request's
  /// params are `params` (`_meta`, `inputResponses`, `requestState`), when the
  /// call needs the person: a result (input_required, or a CallToolResult),
  /// or a failure to answer as a -32602 error (a refused requestState; the
  /// message says what to do). Nullopt when it does not (the call goes on
  /// as ToolCaller::call would make it): a tool that takes no value, a value
  /// given, a client without URL elicitation, or arguments that are not
  /// valid (the usual tool error then says why). While a retry waits on the
  /// person, `hooks` are called as EntryPages::await does.
  std::optional<Result<nlohmann::json>> answer(const ToolRegistry::Tool &tool,
                                               const nlohmann::json &arguments,
                                               const nlohmann::json &params, CallOrigin origin,
                                               const AwaitHooks &hooks);

private:
  /// answer() for a destructive call a form-eliciting client must confirm.
  Result<nlohmann::json> confirm(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                                 const nlohmann::json &params, CallOrigin origin,
                                 const AwaitHooks &hooks);
  /// The input_required result asking for the value on page `url`.
  nlohmann::json ask_value(const std::string &url, const std::string &message,
                           const std::string &state) const;
  /// The claims of `state` (a retry's requestState) when it verifies, has
  /// not lapsed at `now`, and was made for `purpose` and this very call;
  /// else the -32602 message saying which and what to do.
  Result<RequestStateClaims> verified(const nlohmann::json &state, std::string_view purpose,
                                      const ToolRegistry::Tool &tool,
                                      const nlohmann::json &arguments, std::int64_t now) const;
  /// Marks the state naming `subject` used; false when it was already.
  bool use_once(const std::string &subject, std::int64_t expires_at);

  const ToolCaller &caller_;
  EntryPages &pages_;
  RequestStates states_;
  ConfirmPolicy confirm_;
  std::mutex mutex_;
  /// The subjects of the states used, with their expiry (forgotten after).
  std::unordered_map<std::string, std::int64_t> used_;
};

} // namespace qovery_mcp::mcp
