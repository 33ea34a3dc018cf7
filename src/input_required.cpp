#include "qovery_mcp/input_required.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/secret_import.hpp"
#include "qovery_mcp/session_token.hpp"
#include "qovery_mcp/text.hpp"

#include <chrono>

namespace qovery_mcp::mcp {
namespace {

using nlohmann::json;

/// The most used states remembered at once (each a few dozen bytes): every
/// one names a page, and EntryPages holds at most a few hundred.
constexpr std::size_t kMaxUsed = 4096;

/// The subject of an input request: the value of `inputResponses[key]`, or
/// nullptr when the client sent none.
const json *input_response(const json &params, const char *key) {
  auto responses = params.find("inputResponses");
  if (responses == params.end() || !responses->is_object())
    return nullptr;
  auto response = responses->find(key);
  return response != responses->end() && response->is_object() ? &*response : nullptr;
}

} // namespace

InputRequired::InputRequired(const ToolCaller &caller, EntryPages &pages, RequestStates states,
                             ConfirmPolicy confirm)
    : caller_(caller), pages_(pages), states_(std::move(states)), confirm_(confirm) {}

json InputRequired::ask_value(const std::string &url, const std::string &message,
                              const std::string &state) const {
  return {{"resultType", "input_required"},
          {"inputRequests",
           {{kPageInput,
             {{"method", "elicitation/create"},
              {"params", {{"mode", "url"}, {"message", message}, {"url", url}}}}}}},
          {"requestState", state}};
}

Result<RequestStateClaims> InputRequired::verified(const json &state, std::string_view purpose,
                                                   const ToolRegistry::Tool &tool,
                                                   const json &arguments, std::int64_t now) const {
  using Verified = Result<RequestStateClaims>;
  if (!state.is_string())
    return Verified::failure("invalid params: requestState must be the string this server gave");
  Verified claims = states_.open(state.get_ref<const std::string &>(), now);
  if (!claims)
    return Verified::failure("invalid params: " + claims.error() + "; call " + tool.spec->name +
                             " again without requestState and inputResponses");
  if (claims->purpose != purpose || claims->tool != tool.spec->name ||
      claims->arguments != call_digest(arguments))
    return Verified::failure("invalid params: requestState belongs to another call; echo it "
                             "only with the arguments of the call that received it");
  return claims;
}

bool InputRequired::use_once(const std::string &subject, std::int64_t expires_at) {
  const std::int64_t now = SessionTokens::now();
  std::lock_guard lock(mutex_);
  if (used_.size() >= kMaxUsed)
    std::erase_if(used_, [now](const auto &used) { return used.second <= now; });
  return used_.emplace(subject, expires_at).second;
}

std::optional<Result<json>> InputRequired::answer(const ToolRegistry::Tool &tool,
                                                  const json &arguments, const json &params,
                                                  CallOrigin origin, const AwaitHooks &hooks) {
  using Answer = Result<json>;
  auto body = arguments.find("body");
  const bool value_given = body != arguments.end() && body->is_object() && body->contains("value");
  // The server's own tool, the .env import, waits on its page as a value does.
  const bool import = tool.spec->operation == nullptr && tool.spec->name == kImportToolName;
  const bool enters = import || (tool.takes_value && !value_given);
  // Nothing to ask of a call that neither enters a value nor destroys: it goes on untouched.
  if (!enters && !tool.spec->hints.destructive)
    return std::nullopt;
  static const json kNone = json::object();
  const json *capabilities = &kNone;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object())
    if (auto declared = meta->find(kMetaClientCapabilities); declared != meta->end())
      capabilities = &*declared;
  const ElicitationModes modes = elicitation_modes(*capabilities);
  if (!import && confirmation_for(tool, confirm_, modes.form) == Confirmation::Ask) {
    if (caller_.registry().prepare(tool, arguments))
      return confirm(tool, arguments, params, origin, hooks);
    return std::nullopt; // the usual tool error says what is wrong
  }
  if (!enters || !modes.url)
    return std::nullopt;
  const bool valid = import ? !caller_.registry().check_arguments(tool, arguments)
                            : static_cast<bool>(caller_.registry().prepare(tool, arguments));
  if (!valid)
    return std::nullopt;

  auto state = params.find("requestState");
  if (state == params.end()) {
    Result<OpenedEntry> opened = import ? pages_.open_import_entry(tool, arguments, origin)
                                        : pages_.open_entry(tool, arguments, origin);
    if (!opened)
      return Answer(tool_error(opened.error()));
    return Answer(
        ask_value(opened->url, opened->message,
                  states_.seal({kPageInput, tool.spec->name, call_digest(arguments), opened->id,
                                SessionTokens::now() + pages_.options().ttl.count()})));
  }
  const std::int64_t now = SessionTokens::now();
  Result<RequestStateClaims> claims = verified(*state, kPageInput, tool, arguments, now);
  if (!claims)
    return Answer::failure(claims.error());

  const std::string &page = claims->subject;
  const json *response = input_response(params, kPageInput);
  if (response == nullptr)
    return Answer(ask_value(pages_.options().origin + kEntryPrefix + page,
                            import ? "Give the .env file on this page."
                                   : "Type the secret's value on this page.",
                            *state));
  const std::string action = response->value("action", "");
  if (action != "accept") {
    pages_.revoke(page, "You declined, so nothing was changed.");
    // Sealed, the revocation reaches this replica only (README, "Several replicas").
    const std::string elsewhere =
        pages_.sealed()
            ? " Another replica of this server may still serve the link until it expires (" +
                  std::to_string(std::max<std::int64_t>(claims->expires_at - now, 0)) +
                  " s): if the user says they submitted it anyway, list the job's secrets to "
                  "check."
            : std::string();
    return Answer(tool_error("the user declined to open the page (" +
                             (action.empty() ? std::string("no action") : "action " + action) +
                             "), so nothing was sent to " + caller_.texts().api_name() +
                             " and nothing changed." + elsewhere));
  }
  // No use_once() here: the page itself takes one submission, so this state
  // can make no second write; a client whose retry timed out may retry it
  // and still learn the outcome (kept 10 minutes after the page ended).
  // Sealed (--stateless), the page may be submitted on another replica,
  // which this one would never learn of: it says how the page stands here
  // without waiting, and else hands over to the model as the link flow does.
  const std::chrono::seconds left(std::max<std::int64_t>(claims->expires_at - now, 0));
  const auto deadline =
      std::chrono::steady_clock::now() + (pages_.sealed() ? std::chrono::seconds(0) : left);
  EntryOutcome outcome = pages_.await(page, deadline, hooks);
  if (pages_.sealed() &&
      (outcome.state == EntryState::Pending || outcome.state == EntryState::Unknown))
    return Answer(pages_.awaiting(tool, page, left));
  const std::string again =
      " Nothing was changed by this call; call " + tool.spec->name + " again for a new page.";
  switch (outcome.state) {
  case EntryState::Submitted:
    return Answer(std::move(outcome.result));
  case EntryState::Pending:
  case EntryState::Expired:
    return Answer(tool_error("the page expired before the user submitted it." + again));
  case EntryState::Revoked:
    return Answer(tool_error("the page was closed: " + outcome.reason + again));
  case EntryState::Cancelled:
    pages_.revoke(page, "The assistant's request was cancelled, so nothing was changed.");
    return Answer(tool_error("the call was cancelled." + again));
  case EntryState::Unknown:
    break;
  }
  return Answer(tool_error("this server no longer knows the page (it restarted since it "
                           "gave it), so whether the user submitted it is unknown." +
                           caller_.texts().outcome_unknown(*tool.spec)));
}

Result<json> InputRequired::confirm(const ToolRegistry::Tool &tool, const json &arguments,
                                    const json &params, CallOrigin origin,
                                    const AwaitHooks &hooks) {
  using Answer = Result<json>;
  auto state = params.find("requestState");
  const std::int64_t now = SessionTokens::now();
  if (state == params.end()) {
    json request = confirmation_request(tool, arguments, listed_secret(caller_, arguments, origin));
    return json{
        {"resultType", "input_required"},
        {"inputRequests",
         {{kConfirmInput, {{"method", "elicitation/create"}, {"params", std::move(request)}}}}},
        {"requestState", states_.seal({kConfirmInput, tool.spec->name, call_digest(arguments),
                                       random_hex(16), now + pages_.options().ttl.count()})}};
  }
  Result<RequestStateClaims> claims = verified(*state, kConfirmInput, tool, arguments, now);
  if (!claims)
    return Answer::failure(claims.error());
  const json *response = input_response(params, kConfirmInput);
  if (response == nullptr) // asked again, under the same state
    return json{{"resultType", "input_required"},
                {"inputRequests",
                 {{kConfirmInput,
                   {{"method", "elicitation/create"},
                    {"params", confirmation_request(tool, arguments, std::nullopt)}}}}},
                {"requestState", *state}};
  if (!use_once(claims->subject, claims->expires_at))
    return Answer::failure("invalid params: requestState was used already; call " +
                           tool.spec->name + " again without it to be asked again");
  if (!confirms(*response)) {
    log::write(log::Level::Info, "a destructive call was not confirmed: nothing sent",
               {{"tool", tool.spec->name}, {"reason", "the user did not confirm it"}});
    return tool_error("nothing was deleted in " + caller_.texts().api_name() +
                      ": the user did not confirm it.");
  }
  // Confirmed: sent as it is (not call(), whose Confirm would ask again).
  return caller_.result(tool, arguments, caller_.send(tool, arguments, origin, hooks.cancelled));
}

} // namespace qovery_mcp::mcp
