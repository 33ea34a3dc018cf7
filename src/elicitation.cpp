#include "qovery_mcp/elicitation.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/text.hpp"

namespace qovery_mcp {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

/// The string member `name` of `object`, or "".
std::string string_of(const json &object, const char *name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Sends notifications/progress for a request that gave a progress token
/// (basic/utilities/progress: progress increases with each one), and nothing
/// for one that gave none.
class Progress {
public:
  explicit Progress(ClientLink &client) : client_(client) {}
  void tick(const std::string &message) {
    const json &token = client_.progress_token();
    if (token.is_null())
      return;
    client_.notify("notifications/progress",
                   {{"progressToken", token}, {"progress", ++count_}, {"message", message}});
  }

private:
  ClientLink &client_;
  int count_ = 0;
};

/// Seconds from now to `then`, at least 0.
long seconds_until(Clock::time_point then) {
  return std::max<long>(
      0, std::chrono::duration_cast<std::chrono::seconds>(then - Clock::now()).count());
}

} // namespace

std::optional<ConfirmPolicy> parse_confirm_policy(std::string_view name) {
  if (name == "auto")
    return ConfirmPolicy::Auto;
  if (name == "always")
    return ConfirmPolicy::Always;
  if (name == "never")
    return ConfirmPolicy::Never;
  return std::nullopt;
}

Confirmation confirmation_for(const ToolRegistry::Tool &tool, ConfirmPolicy policy, bool can_ask) {
  if (!tool.spec->hints.destructive || policy == ConfirmPolicy::Never)
    return Confirmation::Send;
  if (can_ask)
    return Confirmation::Ask;
  return policy == ConfirmPolicy::Always ? Confirmation::Refuse : Confirmation::Send;
}

json confirmation_refused(const ToolRegistry::Tool &tool, const ApiTexts &texts) {
  return tool_error("nothing was sent to " + texts.api_name() + ": this server asks the user to " +
                    "confirm every call of " + tool.spec->name +
                    " (--confirm-destructive=always), and this client cannot ask them (it "
                    "declared no form elicitation). The person who runs the server can allow "
                    "it by restarting it with --confirm-destructive=auto (asks clients that "
                    "can, and lets the others go) or --confirm-destructive=never, or by using "
                    "a client that supports elicitation.");
}

json confirmation_request(const ToolRegistry::Tool &tool, const json &arguments,
                          const std::optional<json> &listed) {
  std::string secret = string_of(arguments, "secretId");
  std::string key = listed ? string_of(*listed, "key") : std::string();
  std::string scope = listed ? string_of(*listed, "scope") : std::string();
  std::string what = key.empty()
                         ? "the secret " + secret
                         : "the secret " + key + (scope.empty() ? "" : " (" + scope + " scope)") +
                               ", id " + secret + ",";
  std::string message = tool.spec->name + ": " + what + " of the job " +
                        string_of(arguments, "jobId") +
                        ". Confirm to go on; this cannot be undone.";
  return {{"mode", "form"},
          {"message", std::move(message)},
          {"requestedSchema",
           {{"type", "object"},
            {"properties",
             {{"confirm",
               {{"type", "boolean"},
                {"title", key.empty() ? "Delete the secret" : "Delete " + key},
                {"description", "Yes to " + tool.spec->name + " as described; no to keep it."},
                {"default", false}}}}},
            {"required", json::array({"confirm"})}}}};
}

bool confirms(const json &result) {
  if (!result.is_object() || string_of(result, "action") != "accept")
    return false;
  auto content = result.find("content");
  if (content == result.end() || !content->is_object())
    return false;
  auto confirm = content->find("confirm");
  return confirm != content->end() && *confirm == true;
}

Elicitation::Elicitation(const ToolCaller &caller, EntryPages &pages, ElicitationOptions options)
    : caller_(caller), pages_(pages), options_(options) {}

json Elicitation::enter_value(const ToolRegistry::Tool &tool, const json &arguments,
                              CallOrigin origin, const ToolCaller::Context &context) {
  // The server's own tool is the .env import; the others enter one value.
  const bool import = tool.spec->operation == nullptr;
  ClientLink *client = context.client;
  if (client == nullptr || !client->modes().url)
    return import ? pages_.open_import(tool, arguments, origin)
                  : pages_.open(tool, arguments, origin);
  Result<OpenedEntry> opened = import ? pages_.open_import_entry(tool, arguments, origin)
                                      : pages_.open_entry(tool, arguments, origin);
  if (!opened)
    return tool_error(opened.error());
  const std::string api = caller_.texts().api_name();
  // What the person gives on the page, in the messages below.
  const std::string thing = import ? "the .env file" : "the value";
  std::string elicitation = random_hex(16);
  std::string asked = client->request(
      "elicitation/create", {{"mode", "url"},
                             {"message", opened->message + ". Open the page and " +
                                             (import ? "give the .env file there: its values go to "
                                                     : "type the value there: it goes to ") +
                                             api + " without passing through the assistant."},
                             {"url", opened->url},
                             {"elicitationId", elicitation}});
  Clock::time_point expires = Clock::now() + pages_.options().ttl;
  Progress progress(*client);
  std::optional<Result<json>> answer;
  AwaitHooks hooks;
  hooks.tick_every = options_.progress_every;
  hooks.on_tick = [&] {
    progress.tick("waiting for the user to give " + thing + " on the page (" +
                  std::to_string(seconds_until(expires)) + " s left)");
  };
  // The response says accept (wait on), decline or cancel (stop waiting).
  hooks.cancelled = [&] {
    if (client->ended())
      return true;
    if (!answer)
      answer = client->response(asked, Clock::now());
    return answer && !(*answer && string_of(answer->value(), "action") == "accept");
  };
  EntryOutcome outcome = pages_.await(opened->id, Clock::time_point::max(), hooks);
  if (outcome.state == EntryState::Cancelled) {
    std::string why;
    if (client->ended())
      why = "the request ended (the client cancelled it, or the server is stopping) before the "
            "user submitted " +
            thing;
    else if (!*answer)
      why = "the client could not ask the user (" + answer->error() + ")";
    else if (string_of(answer->value(), "action") == "decline")
      why = "the user declined to give " + thing;
    else
      why = "the user dismissed the request for " + thing;
    if (pages_.revoke(opened->id, "The assistant's request was withdrawn: " + why + "."))
      return tool_error("nothing was changed in " + api + ": " + why +
                        ". The link is revoked; call again if the user wants to make the change.");
    // The person submitted meanwhile: the call is under way, bounded by the upstream.
    outcome = pages_.await(opened->id, Clock::time_point::max());
  }
  switch (outcome.state) {
  case EntryState::Submitted:
    client->notify("notifications/elicitation/complete", {{"elicitationId", elicitation}});
    return std::move(outcome.result);
  case EntryState::Expired:
    return tool_error("nothing was changed in " + api + ": the user did not submit " + thing +
                      " within " + std::to_string(pages_.options().ttl.count()) +
                      " s, and the link expired. Call again if the user still wants the change.");
  case EntryState::Revoked:
    return tool_error("nothing was changed in " + api + ": the link was revoked (" +
                      outcome.reason + ")");
  default:
    return tool_error("nothing was changed in " + api + ": the link for " + thing +
                      " is no longer known to the server. Call again if the user still wants the "
                      "change.");
  }
}

std::optional<json> Elicitation::confirm(const ToolRegistry::Tool &tool, const json &arguments,
                                         CallOrigin origin, const ToolCaller::Context &context) {
  ClientLink *client = context.client;
  switch (confirmation_for(tool, options_.confirm, client != nullptr && client->modes().form)) {
  case Confirmation::Send:
    return std::nullopt;
  case Confirmation::Refuse:
    return confirmation_refused(tool, caller_.texts());
  case Confirmation::Ask:
    break;
  }
  const std::string api = caller_.texts().api_name();
  std::string asked = client->request(
      "elicitation/create",
      confirmation_request(tool, arguments, listed_secret(caller_, arguments, origin)));
  Clock::time_point expires = Clock::now() + pages_.options().ttl;
  Progress progress(*client);
  std::optional<Result<json>> answer;
  while (!answer && !client->ended() && Clock::now() < expires) {
    answer = client->response(asked, std::min(expires, Clock::now() + options_.progress_every));
    if (!answer)
      progress.tick("waiting for the user to confirm (" + std::to_string(seconds_until(expires)) +
                    " s left)");
  }
  if (answer && *answer && confirms(answer->value()))
    return std::nullopt;
  std::string why = "the user did not confirm it";
  if (client->ended())
    why = "the request ended (the client cancelled it, or the server is stopping) before the user "
          "answered";
  else if (!answer)
    why = "the user did not answer within " + std::to_string(pages_.options().ttl.count()) + " s";
  else if (!*answer)
    why = "the client could not ask the user (" + answer->error() + ")";
  log::write(log::Level::Info, "a destructive call was not confirmed: nothing sent",
             {{"tool", tool.spec->name}, {"reason", why}});
  return tool_error("nothing was deleted in " + api + ": " + why + ".");
}

} // namespace qovery_mcp
