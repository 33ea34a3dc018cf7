#pragma once

#include "qovery_mcp/api_texts.hpp"
#include "qovery_mcp/audit_log.hpp"
#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/client_link.hpp"
#include "qovery_mcp/result.hpp"
#include "qovery_mcp/tool_registry.hpp"
#include "qovery_mcp/upstream.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qovery_mcp {

/// Why a call was not sent upstream.
enum class CallRefusal {
  None,             ///< it was sent: the outcome holds the answer
  InvalidArguments, ///< the arguments fail the tool's input schema
  NotAudited,       ///< a change whose audit intent could not be written
  Cancelled,        ///< the caller cancelled it before it was sent
};

/// What one call came to: refused before anything was sent, or the
/// upstream's answer. Each adapter shows it its own way: MCP as a
/// CallToolResult (ToolCaller::result), REST as a status and a JSON body.
struct CallOutcome {
  CallRefusal refusal = CallRefusal::None;
  /// With a refusal: why, lower-case, naming what was wrong ("argument
  /// 'jobId' must be a UUID, got \"abc\""); never a value the call sent.
  std::string message;
  UpstreamResponse response; ///< without a refusal: the upstream's answer
};

/// One call from validated arguments to its answer, the one way every adapter
/// reaches the upstream: the registry builds the request, the audit log
/// records a change before and after it is sent, the call is logged, and the
/// answer becomes a CallToolResult with advice from ApiTexts. MCP and REST both
/// call through it, so they cannot disagree on validation, audit or advice.
/// Safe to use from many threads at once.
class ToolCaller {
public:
  /// Says whether the call was cancelled; asked once, just before sending.
  using Cancelled = std::function<bool()>;

  /// What the adapter of a call gives beyond its arguments.
  struct Context {
    Cancelled cancelled; ///< may be empty: never cancelled
    /// The client, for a call that asks the person through it
    /// (elicitation); nullptr when the adapter cannot ask (REST, the page,
    /// a client that declared no elicitation).
    ClientLink *client = nullptr;
  };

  /// All must outlive the caller; with `audit`, every call that changes
  /// state (any method but GET) is recorded there.
  ToolCaller(const Capability &capability, const ToolRegistry &registry, Upstream &upstream,
             AuditLog *audit = nullptr);

  /// The tools it calls.
  const ToolRegistry &registry() const { return registry_; }
  /// The texts its messages use (the API's name, advice).
  const ApiTexts &texts() const { return texts_; }

  /// Validates `arguments` and builds the request (ToolRegistry::prepare),
  /// stops if `cancelled` says so, writes the audit intent of a change (and
  /// refuses it, having sent nothing, when that fails: a change that cannot
  /// be audited is not made), sends it, writes the outcome (a failure there
  /// is only logged: the change is made by then), and logs the call ("call":
  /// tool, path parameters, outcome, status, attempts, ms) at debug level, or
  /// at warning when the upstream failed it (a 5xx, or no answer).
  CallOutcome send(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                   CallOrigin origin, const Cancelled &cancelled = nullptr) const;

  /// The CallToolResult of `outcome`. A success is the upstream's JSON
  /// projected onto the tool's output schema (text block and
  /// structuredContent alike), so no `value` and no undeclared member reaches
  /// the model; a tool without an output schema gets the JSON as it came, in
  /// a text block only (MCP: structuredContent goes with an outputSchema). An
  /// empty success body gives the path arguments (and `deleted: true` for a
  /// DELETE). A refusal or an error is a tool error
  /// (isError) saying what happened and what to do: the upstream's detail
  /// with every value the call sent replaced by "[redacted]", the advice for
  /// its status, and for a change that may have been applied, how to check.
  nlohmann::json result(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                        const CallOutcome &outcome) const;

  /// send(), then result(): the whole of a model's tools/call. With a
  /// ValueEntry set (ask_values_with), a valid call of a tool that takes a
  /// secret's value (takes_value) but was given none is not sent: its answer
  /// is the entry's. A call that gives one to a registry without
  /// values_from_model() is refused (a tool error) and not sent: the value
  /// pages, which add the person's value, use send() and result() instead.
  /// A valid call of a tool the server serves itself (ToolRegistry::add_own_tool)
  /// is the OwnTools handler's (serve_own_tools_with), or a tool error without one.
  /// With a Confirm set (confirm_destructive_with), a valid call of a tool
  /// whose capability hints call it destructive is sent only when Confirm
  /// lets it.
  nlohmann::json call(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                      CallOrigin origin, const Context &context) const;
  /// call() with no client to ask.
  nlohmann::json call(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                      CallOrigin origin, const Cancelled &cancelled = nullptr) const {
    return call(tool, arguments, origin, Context{cancelled, nullptr});
  }

  /// What a call without its secret's value gets instead of being sent: the
  /// CallToolResult of a page where the person types the value (EntryPages,
  /// Elicitation), given the tool, its validated arguments, who called and
  /// the call's context.
  using ValueEntry = std::function<nlohmann::json(
      const ToolRegistry::Tool &, const nlohmann::json &arguments, CallOrigin, const Context &)>;
  /// Hands call()'s value-less calls to `entry` from now on, so that the value
  /// reaches the upstream from the person, never through the model. Set it
  /// before the caller is used from other threads.
  void ask_values_with(ValueEntry entry) { value_entry_ = std::move(entry); }

  /// What a call of a tool the server serves itself gets (the .env import:
  /// Elicitation::enter_value, a URL elicitation or a link), given the tool,
  /// its validated arguments, who called and the call's context.
  using OwnTools = std::function<nlohmann::json(
      const ToolRegistry::Tool &, const nlohmann::json &arguments, CallOrigin, const Context &)>;
  /// Hands call()'s calls of the server's own tools to `handler` from now on.
  /// Set it before the caller is used from other threads.
  void serve_own_tools_with(OwnTools handler) { own_tools_ = std::move(handler); }
  /// Asked before a destructive call is sent, with its validated arguments:
  /// nullopt lets it go; a CallToolResult (a tool error) is answered instead
  /// and nothing is sent.
  using Confirm = std::function<std::optional<nlohmann::json>(
      const ToolRegistry::Tool &, const nlohmann::json &arguments, CallOrigin, const Context &)>;
  /// Has every destructive call (the capability's `destructive` hint) pass
  /// `confirm` first from now on (Elicitation::confirm). Set it before the
  /// caller is used from other threads.
  void confirm_destructive_with(Confirm confirm) { confirm_ = std::move(confirm); }
  /// Whether destructive calls pass a Confirm first.
  bool confirms_destructive() const { return static_cast<bool>(confirm_); }

  /// Whether `tool` takes a secret's value: its input schema declares
  /// `body.value` (add, edit and override do).
  static bool takes_value(const ToolRegistry::Tool &tool);

private:
  /// result() of an answer.
  nlohmann::json answer_result(const ToolRegistry::Tool &tool, const nlohmann::json &arguments,
                               const UpstreamResponse &response) const;

  const ToolRegistry &registry_;
  Upstream &upstream_;
  AuditLog *audit_;
  ApiTexts texts_;
  /// The audit fields of each of the registry's tools, in its order.
  std::vector<AuditFields> audit_fields_;
  ValueEntry value_entry_; ///< empty: every call is sent
  OwnTools own_tools_;     ///< empty: the server's own tools answer a tool error
  Confirm confirm_;        ///< empty: destructive calls are sent unasked
};

/// The deepest nesting accepted in the upstream's answers: serializing JSON
/// recurses once per level, so a much deeper answer (200 KB of "[[[...")
/// would overflow the stack.
inline constexpr int kMaxAnswerDepth = 64;

/// The upstream's answer `body` parsed. The failure completes "Qovery
/// answered HTTP 200 with ...": "a body that is not JSON", or "JSON nested
/// deeper than 64 levels".
Result<nlohmann::json> parse_answer(const std::string &body);

/// The secret values a call sends, to redact wherever an answer quotes them:
/// every non-empty string member named `value` at any depth of
/// `arguments["body"]`, as sent and as JSON text spells it (escaped, and
/// escaped to ASCII), longest first. Even a one-character value is included:
/// a detail that reads oddly is better than one that leaks.
std::vector<std::string> sent_values(const nlohmann::json &arguments);

/// `text` with every occurrence of any of `values` (longest first, as
/// sent_values orders them) replaced by "[redacted]", in one pass over `text`.
std::string redact(std::string_view text, const std::vector<std::string> &values);

/// A CallToolResult with `isError: true` and `message` as its text.
nlohmann::json tool_error(std::string message);

} // namespace qovery_mcp
