#include "qovery_mcp/mcp_server.hpp"

#include "qovery_mcp/input_required.hpp"

#include "qovery_mcp/json_text.hpp"
#include "qovery_mcp/log.hpp"
#include "qovery_mcp/request_link.hpp"
#include "qovery_mcp/text.hpp"

#include <algorithm>
#include <utility>

namespace qovery_mcp::mcp {
namespace {

using nlohmann::json;

/// How long a 2026-07-28 client may keep server/discover and tools/list
/// (server/utilities/caching): they change only when the server restarts
/// with other options.
constexpr long kCacheTtlMs = 3600000;

constexpr std::array<std::string_view, 8> kLogLevels = {"debug", "info",     "notice", "warning",
                                                        "error", "critical", "alert",  "emergency"};

json result_response(const json &id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

bool valid_id(const json &id) { return id.is_string() || id.is_number_integer(); }

/// The least of the server's log levels at or above the RFC 5424 level
/// `name` (one of kLogLevels); nullopt above error, as the server logs
/// nothing critical.
std::optional<log::Level> least_level_from(std::string_view name) {
  if (name == "debug")
    return log::Level::Debug;
  if (name == "info")
    return log::Level::Info;
  if (name == "notice" || name == "warning")
    return log::Level::Warning;
  if (name == "error")
    return log::Level::Error;
  return std::nullopt;
}

/// A request's params; an empty object when absent or null (JSON-RPC: params
/// "MAY be omitted"; null is taken as omitted, as for arguments).
const json &params_of(const json &message) {
  static const json kNoParams = json::object();
  auto params = message.find("params");
  return params == message.end() || params->is_null() ? kNoParams : *params;
}

/// A value a client sent, as a log field: a string of more than 64
/// characters is given by its length only, as a client may send megabytes.
json log_field(const json &value) {
  if (!value.is_string())
    return value;
  std::size_t length = code_points(value.get_ref<const std::string &>());
  return length <= 64 ? value : json("(" + std::to_string(length) + " characters)");
}

/// Whether a request's params._meta holds kMetaLogLevel.
bool asks_log_level(const json &params) {
  if (!params.is_object())
    return false;
  auto meta = params.find("_meta");
  return meta != params.end() && meta->is_object() && meta->contains(kMetaLogLevel);
}

/// A tools/list result with the caching hints of 2026-07-28.
json with_caching_hints(json result) {
  result["ttlMs"] = kCacheTtlMs;
  result["cacheScope"] = "public";
  return result;
}

} // namespace

bool is_supported_protocol_version(std::string_view version) {
  return std::find(kSupportedProtocolVersions.begin(), kSupportedProtocolVersions.end(), version) !=
         kSupportedProtocolVersions.end();
}

bool is_modern_request(const json &message, std::string_view header_version) {
  if (header_version == kModernProtocolVersion)
    return true;
  if (!message.is_object())
    return false;
  auto method = message.find("method");
  if (method != message.end() && *method == "server/discover")
    return true;
  auto params = message.find("params");
  if (params == message.end() || !params->is_object())
    return false;
  auto meta = params->find("_meta");
  if (meta == params->end() || !meta->is_object())
    return false;
  auto version = meta->find(kMetaProtocolVersion);
  return version != meta->end() &&
         !(version->is_string() && is_supported_protocol_version(version->get<std::string>()));
}

json error_response(const json &id, int code, std::string message) {
  return {
      {"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

MessageKind classify(const json &message) {
  if (!message.is_object())
    return MessageKind::Invalid;
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0")
    return MessageKind::Invalid;
  auto method = message.find("method");
  auto id = message.find("id");
  if (method != message.end()) {
    if (!method->is_string())
      return MessageKind::Invalid;
    if (id == message.end())
      return MessageKind::Notification;
    return valid_id(*id) ? MessageKind::Request : MessageKind::Invalid;
  }
  bool has_result = message.contains("result"), has_error = message.contains("error");
  if (id != message.end() && has_result != has_error)
    return MessageKind::Response;
  return MessageKind::Invalid;
}

/// Why classify() calls `message` Invalid.
std::string invalid_request_reason(const json &message) {
  if (!message.is_object())
    return std::string("a message must be a JSON object, got ") + message.type_name();
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0")
    return "\"jsonrpc\" must be \"2.0\"";
  auto method = message.find("method");
  if (method != message.end() && !method->is_string())
    return "\"method\" must be a string";
  if (method != message.end())
    return "\"id\" must be a string or an integer";
  return "a response needs an \"id\" and exactly one of \"result\" and \"error\"";
}

json invalid_request_response(const json &message) {
  if (message.is_array())
    return error_response(nullptr, kInvalidRequest,
                          "invalid request: batches are not supported; send one message");
  auto id = message.is_object() ? message.find("id") : message.end();
  return error_response(id != message.end() && valid_id(*id) ? *id : json(nullptr), kInvalidRequest,
                        "invalid request: " + invalid_request_reason(message));
}

ParsedMessage parse_message(std::string_view text) {
  ParsedJson parsed = parse_json(text);
  if (parsed.value.is_discarded() && parsed.limited)
    return {json(), error_response(parsed.id, kInvalidRequest,
                                   "invalid request: the message is " + parsed.error)};
  if (parsed.value.is_discarded())
    return {json(),
            error_response(parsed.id, kParseError,
                           "parse error: the message is not valid JSON (" + parsed.error + ")")};
  if (parsed.lone_surrogates) {
    // Only a tool's arguments may hold one: the call then fails as a tool
    // error naming the argument (ToolRegistry::prepare). Anywhere else the
    // message cannot be read as meant.
    const json &message = parsed.value;
    json outside_arguments = message;
    if (classify(message) == MessageKind::Request && message["method"] == "tools/call" &&
        message.contains("params") && message["params"].is_object())
      outside_arguments["params"].erase("arguments");
    if (std::optional<std::string> path = lone_surrogate_path(outside_arguments)) {
      auto id = message.is_object() ? message.find("id") : message.end();
      bool id_known = id != message.end() && valid_id(*id) && !lone_surrogate_path(*id);
      return {json(), error_response(id_known ? *id : json(nullptr), kInvalidRequest,
                                     "invalid request: " + *path +
                                         " holds a lone UTF-16 surrogate escape (half of a "
                                         "character, such as an emoji cut in two)")};
    }
  }
  if (!parsed.has_duplicate)
    return {std::move(parsed.value), std::nullopt};
  // Readers that keep the first or the last duplicate see different messages.
  auto id = parsed.value.is_object() ? parsed.value.find("id") : parsed.value.end();
  bool id_known = parsed.duplicate_name != "id" && id != parsed.value.end() && valid_id(*id);
  return {json(),
          error_response(id_known ? *id : json(nullptr), kInvalidRequest,
                         "invalid request: the member " + name_for_message(parsed.duplicate_name) +
                             " appears twice in one object")};
}

std::string Session::protocol_version() const {
  std::lock_guard lock(mutex_);
  return protocol_version_;
}

bool Session::initialize(std::string version) {
  std::lock_guard lock(mutex_);
  if (initialized_)
    return false;
  protocol_version_ = std::move(version);
  initialized_ = true;
  return true;
}

std::string Session::log_level() const {
  std::lock_guard lock(mutex_);
  return log_level_;
}

void Session::set_log_level(std::string level) {
  std::lock_guard lock(mutex_);
  log_level_ = std::move(level);
}

ElicitationModes Session::elicitation() const {
  std::lock_guard lock(mutex_);
  return elicitation_;
}

void Session::set_elicitation(ElicitationModes modes) {
  std::lock_guard lock(mutex_);
  elicitation_ = modes;
}

std::shared_ptr<Session> SessionStore::create() {
  auto session = std::make_shared<Session>(random_hex(32));
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (sessions_.size() >= max_sessions_ && !make_room(now))
    return nullptr;
  auto slot = fresh_.insert(fresh_.end(), session->id());
  sessions_[session->id()] = Entry{session, now, 0, true, slot};
  return session;
}

bool SessionStore::make_room(std::chrono::steady_clock::time_point now) {
  if (!fresh_.empty()) {
    erase(sessions_.find(fresh_.front()));
    return true;
  }
  if (!established_.empty()) {
    auto oldest = sessions_.find(established_.front());
    if (oldest->second.last_used <= now - evictable_after_) {
      erase(oldest);
      return true;
    }
  }
  return false;
}

std::shared_ptr<Session> SessionStore::find(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end())
    return nullptr;
  Entry &entry = it->second;
  entry.last_used = std::chrono::steady_clock::now();
  if (!entry.fresh) {
    established_.splice(established_.end(), established_, entry.slot);
  } else if (++entry.uses >= 2) {
    established_.splice(established_.end(), fresh_, entry.slot);
    entry.fresh = false;
  }
  return entry.session;
}

SessionStore::Map::iterator SessionStore::erase(Map::iterator entry) {
  (entry->second.fresh ? fresh_ : established_).erase(entry->second.slot);
  return sessions_.erase(entry);
}

bool SessionStore::end(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(std::string(id));
  if (it == sessions_.end())
    return false;
  erase(it);
  return true;
}

std::size_t SessionStore::expire_idle() {
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  std::size_t expired = 0;
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    const Entry &entry = it->second;
    if (entry.last_used < now - (entry.fresh ? fresh_timeout_ : idle_timeout_)) {
      it = erase(it);
      ++expired;
    } else {
      ++it;
    }
  }
  return expired;
}

bool Session::cancel(const json &id) {
  std::string text = id.dump();
  std::lock_guard lock(mutex_);
  bool found = false;
  for (Pending &pending : in_flight_) {
    if (pending.id == text) {
      pending.cancelled = true;
      found = true;
    }
  }
  auto open = std::remove(subscriptions_.begin(), subscriptions_.end(), id);
  found = found || open != subscriptions_.end();
  subscriptions_.erase(open, subscriptions_.end());
  return found;
}

void Session::open_subscription(const json &id) {
  std::lock_guard lock(mutex_);
  subscriptions_.push_back(id);
}

std::vector<json> Session::end_subscriptions() {
  std::lock_guard lock(mutex_);
  return std::exchange(subscriptions_, {});
}

InFlightRequest::InFlightRequest(Session &session, const json &id) : session_(&session) {
  Session::Pending pending{id.dump()};
  std::lock_guard lock(session.mutex_);
  entry_ = session.in_flight_.insert(session.in_flight_.end(), std::move(pending));
}

InFlightRequest::InFlightRequest(InFlightRequest &&other) noexcept
    : session_(std::exchange(other.session_, nullptr)), entry_(other.entry_) {}

InFlightRequest::~InFlightRequest() {
  if (session_ == nullptr)
    return;
  std::lock_guard lock(session_->mutex_);
  session_->in_flight_.erase(entry_);
}

bool InFlightRequest::cancelled() const {
  std::lock_guard lock(session_->mutex_);
  return entry_->cancelled;
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

Server::Server(const ToolCaller &caller, ServerInfo info)
    : caller_(caller), registry_(caller.registry()), info_(std::move(info)),
      tools_list_text_(registry_.tools_list().dump()),
      modern_tools_list_text_(to_text(completed(with_caching_hints(registry_.tools_list())))) {
  escape_line_separators(tools_list_text_);
}

std::string to_text(const json &message) {
  std::string text = message.dump(-1, ' ', false, json::error_handler_t::replace);
  escape_line_separators(text);
  return text;
}

bool Server::waits_on_upstream(const json &message) {
  return classify(message) == MessageKind::Request && message["method"] == "tools/call";
}

bool Server::may_ask_client(const json &message, const Session &session) const {
  if (!waits_on_upstream(message) || !session.elicitation().any())
    return false;
  const json &params = params_of(message);
  auto name = params.is_object() ? params.find("name") : params.end();
  if (name == params.end() || !name->is_string())
    return false;
  const ToolRegistry::Tool *tool = registry_.find(name->get_ref<const std::string &>());
  if (tool == nullptr)
    return false;
  ElicitationModes modes = session.elicitation();
  if (tool->spec->operation == nullptr) // the .env import: its page, by URL elicitation
    return modes.url;
  if (tool->spec->hints.destructive)
    return modes.form && caller_.confirms_destructive();
  if (!modes.url || !ToolCaller::takes_value(*tool))
    return false;
  auto arguments = params.find("arguments");
  if (arguments == params.end() || !arguments->is_object())
    return true;
  auto body = arguments->find("body");
  return body == arguments->end() || !body->is_object() || !body->contains("value");
}

std::optional<std::string> Server::respond(const json &message, Session &session,
                                           const InFlightRequest *request,
                                           const Notify &notify) const {
  if (is_modern_request(message)) {
    MessageKind kind = classify(message);
    if (kind == MessageKind::Notification && message["method"] == "notifications/cancelled")
      cancel(message, session);
    std::optional<InFlightRequest> tracked;
    if (request == nullptr && kind == MessageKind::Request)
      request = &tracked.emplace(session, message["id"]);
    std::optional<ModernAnswer> answer = respond_modern(message, notify, request);
    if (!answer)
      return std::nullopt;
    if (answer->subscribed)
      session.open_subscription(message["id"]);
    return std::move(answer->text);
  }
  bool list_elided = false;
  std::optional<json> reply = dispatch(message, session, request, &list_elided, notify);
  if (!reply)
    return std::nullopt;
  std::string text = to_text(*reply);
  // {"id":1,"jsonrpc":"2.0","result":null}: members are written in name
  // order, so the null the list replaces is the last value.
  if (list_elided)
    text.replace(text.size() - 5, 4, tools_list_text_);
  return text;
}

std::optional<json> Server::handle(const json &message, Session &session) const {
  return dispatch(message, session, nullptr, nullptr);
}

std::optional<json> Server::dispatch(const json &message, Session &session,
                                     const InFlightRequest *request, bool *list_elided,
                                     const Notify &notify) const {
  MessageKind kind = classify(message);
  if (kind == MessageKind::Invalid)
    return invalid_request_response(message);
  if (kind == MessageKind::Notification && message["method"] == "notifications/cancelled")
    cancel(message, session);
  if (kind == MessageKind::Response)
    session.client_requests().deliver(message); // an unknown id is ignored
  if (kind != MessageKind::Request)
    return std::nullopt; // notifications and responses need no answer
  std::optional<InFlightRequest> tracked;
  if (request == nullptr)
    request = &tracked.emplace(session, message["id"]);
  json reply = answer(message, session, *request, list_elided, notify);
  if (request->cancelled())
    return std::nullopt; // "SHOULD ... not send a response for the cancelled request"
  return reply;
}

void Server::cancel(const json &message, Session &session) const {
  // Malformed notifications, unknown or answered ids: "SHOULD be ignored".
  auto params = message.find("params");
  if (params == message.end() || !params->is_object())
    return;
  auto id = params->find("requestId");
  if (id == params->end() || !valid_id(*id) || !session.cancel(*id))
    return;
  // "Both parties SHOULD log cancellation reasons for debugging."
  json fields = {{"requestId", log_field(*id)}};
  auto reason = params->find("reason");
  if (reason != params->end() && reason->is_string())
    fields["reason"] = log_field(*reason);
  log::write(log::Level::Info, "request cancelled by the client: it gets no answer", fields);
}

json Server::answer(const json &message, Session &session, const InFlightRequest &request,
                    bool *list_elided, const Notify &notify) const {
  const json &id = message["id"];
  const std::string &method = message["method"].get_ref<const std::string &>();
  const json &params = params_of(message);
  if (!params.is_object())
    return error_response(id, kInvalidParams, "invalid params: params must be an object");
  static const json kNoMeta;
  auto meta = params.find("_meta");
  log::RequestScope scope(log::trace_context(meta != params.end() ? *meta : kNoMeta));
  try {
    if (method == "initialize") {
      if (session.initialized())
        return error_response(id, kInvalidRequest, "the session is already initialized");
      auto version = params.find("protocolVersion");
      if (version == params.end() || !version->is_string())
        return error_response(id, kInvalidParams,
                              "invalid params: initialize needs params.protocolVersion");
      return result_response(id, initialize(params, session));
    }
    if (method == "ping")
      return result_response(id, json::object());
    if (method == "tools/list") {
      auto cursor = params.find("cursor");
      if (cursor != params.end() && !cursor->is_null()) // everything fits in one page
        return error_response(id, kInvalidParams, "invalid params: unknown cursor");
      if (list_elided != nullptr) {
        *list_elided = true;
        return result_response(id, nullptr);
      }
      return result_response(id, registry_.tools_list());
    }
    if (method == "tools/call")
      return call_tool(id, params, session, request, notify);
    if (method == "logging/setLevel") {
      auto level = params.find("level");
      if (level == params.end() || !level->is_string() ||
          std::find(kLogLevels.begin(), kLogLevels.end(), level->get<std::string>()) ==
              kLogLevels.end())
        return error_response(id, kInvalidParams,
                              "invalid params: level must be one of debug, info, notice, "
                              "warning, error, critical, alert, emergency");
      session.set_log_level(level->get<std::string>());
      return result_response(id, json::object());
    }
    return error_response(id, kMethodNotFound, "method not found: " + name_for_message(method));
  } catch (const std::exception &e) {
    log::error(std::string("internal error handling ") + method + ": " + e.what());
    return error_response(id, kInternalError, "internal error");
  }
}

json Server::initialize(const json &params, Session &session) const {
  std::string requested = params["protocolVersion"].get<std::string>();
  std::string version =
      is_supported_protocol_version(requested) ? requested : std::string(kLatestProtocolVersion);
  session.initialize(version);
  session.set_elicitation(elicitation_modes(params.value("capabilities", json::object())));
  json result = {
      {"protocolVersion", version},
      {"capabilities", {{"tools", {{"listChanged", false}}}, {"logging", json::object()}}},
      {"serverInfo", {{"name", info_.name}, {"title", info_.title}, {"version", info_.version}}},
  };
  if (!info_.instructions.empty())
    result["instructions"] = info_.instructions;
  return result;
}

json Server::discover() const {
  json result = {
      {"supportedVersions", json::array({kModernProtocolVersion})},
      {"capabilities", {{"tools", json::object()}, {"logging", json::object()}}},
      {"ttlMs", kCacheTtlMs},
      {"cacheScope", "public"},
  };
  for (std::string_view version : kSupportedProtocolVersions)
    result["supportedVersions"].push_back(version);
  if (!info_.instructions.empty())
    result["instructions"] = info_.instructions;
  return result;
}

std::optional<json> Server::handle_modern(const json &message, const Notify &notify,
                                          const InFlightRequest *request) const {
  return modern(message, notify, request, nullptr);
}

std::optional<ModernAnswer> Server::respond_modern(const json &message, const Notify &notify,
                                                   const InFlightRequest *request) const {
  bool list_elided = false;
  std::optional<json> reply = modern(message, notify, request, &list_elided);
  if (!reply)
    return std::nullopt;
  ModernAnswer answer{to_text(*reply)};
  // {"id":1,"jsonrpc":"2.0","result":null}: members are written in name
  // order, so the null the list replaces is the last value.
  if (list_elided)
    answer.text.replace(answer.text.size() - 5, 4, modern_tools_list_text_);
  if (auto error = reply->find("error"); error != reply->end())
    answer.error_code = (*error)["code"].get<int>();
  auto method = reply->find("method");
  answer.subscribed =
      method != reply->end() && *method == "notifications/subscriptions/acknowledged";
  answer.log_level_asked = asks_log_level(params_of(message));
  return answer;
}

std::string Server::subscription_closed(const json &id) const {
  json result = completed(json::object());
  result["_meta"][kMetaSubscriptionId] = id;
  return to_text(result_response(id, std::move(result)));
}

json Server::completed(json result) const {
  if (!result.contains("resultType")) // an input_required result keeps its own
    result["resultType"] = "complete";
  result["_meta"][kMetaServerInfo] = {
      {"name", info_.name}, {"title", info_.title}, {"version", info_.version}};
  return result;
}

std::optional<json> Server::modern(const json &message, const Notify &notify,
                                   const InFlightRequest *request, bool *list_elided) const {
  MessageKind kind = classify(message);
  if (kind == MessageKind::Invalid)
    return invalid_request_response(message);
  if (kind != MessageKind::Request)
    return std::nullopt; // 2026-07-28 defines none a server must act on
  const json &id = message["id"];
  const std::string &method = message["method"].get_ref<const std::string &>();
  const json &params = params_of(message);
  if (!params.is_object())
    return error_response(id, kInvalidParams, "invalid params: params must be an object");
  auto meta = params.find("_meta");
  if (meta == params.end() || !meta->is_object())
    return error_response(id, kInvalidParams,
                          "invalid params: a 2026-07-28 request needs params._meta, with \"" +
                              std::string(kMetaProtocolVersion) + "\" and \"" +
                              kMetaClientCapabilities + "\"");
  auto version = meta->find(kMetaProtocolVersion);
  if (version == meta->end() || !version->is_string())
    return error_response(id, kInvalidParams,
                          "invalid params: params._meta needs \"" +
                              std::string(kMetaProtocolVersion) + "\", the protocol version");
  if (*version != kModernProtocolVersion) {
    json answer = error_response(id, kUnsupportedProtocolVersion,
                                 "unsupported protocol version " +
                                     name_for_message(version->get_ref<const std::string &>()));
    answer["error"]["data"] = {{"supported", discover()["supportedVersions"]},
                               {"requested", *version}};
    return answer;
  }
  auto capabilities = meta->find(kMetaClientCapabilities);
  if (capabilities == meta->end() || !capabilities->is_object())
    return error_response(id, kInvalidParams,
                          "invalid params: params._meta needs \"" +
                              std::string(kMetaClientCapabilities) +
                              "\", the client's capabilities (an object)");
  auto level = meta->find(kMetaLogLevel);
  if (level != meta->end() &&
      (!level->is_string() || std::find(kLogLevels.begin(), kLogLevels.end(),
                                        level->get_ref<const std::string &>()) == kLogLevels.end()))
    return error_response(id, kInvalidParams,
                          "invalid params: params._meta \"" + std::string(kMetaLogLevel) +
                              "\" must be one of debug, info, notice, warning, error, critical, "
                              "alert, emergency");

  // The events logged while the request is handled, as notifications/message
  // for the client that asked for them (never on a subscription's stream).
  std::size_t notified = 0;
  log::Observer observer;
  std::optional<log::Level> observe_from;
  if (level != meta->end() && notify && method != "subscriptions/listen") {
    observe_from = least_level_from(level->get_ref<const std::string &>());
    observer = [&](log::Level event_level, std::string_view text, const json &fields) {
      if (notified == kMaxLogNotifications || (request != nullptr && request->cancelled()))
        return;
      ++notified;
      json data = fields.is_object() ? fields : json::object();
      data["message"] = text;
      notify({{"jsonrpc", "2.0"},
              {"method", "notifications/message"},
              {"params",
               {{"level", log::level_name(event_level)}, {"logger", info_.name}, {"data", data}}}});
    };
  }
  log::RequestScope scope(log::trace_context(*meta), observe_from, std::move(observer));
  json answer;
  try {
    answer = modern_answer(message, params, request, notify, list_elided);
  } catch (const std::exception &e) {
    log::error(std::string("internal error handling ") + method + ": " + e.what());
    return error_response(id, kInternalError, "internal error");
  }
  if (request != nullptr && request->cancelled())
    return std::nullopt; // "SHOULD ... not send a response for the cancelled request"
  return answer;
}

json Server::modern_answer(const json &message, const json &params, const InFlightRequest *request,
                           const Notify &notify, bool *list_elided) const {
  const json &id = message["id"];
  const std::string &method = message["method"].get_ref<const std::string &>();
  if (method == "server/discover")
    return result_response(id, completed(discover()));
  if (method == "tools/list") {
    auto cursor = params.find("cursor");
    if (cursor != params.end() && !cursor->is_null())
      return error_response(id, kInvalidParams, "invalid params: unknown cursor");
    if (list_elided != nullptr) {
      *list_elided = true;
      return result_response(id, nullptr);
    }
    return result_response(id, completed(with_caching_hints(registry_.tools_list())));
  }
  if (method == "tools/call") {
    // No session: calls are audited and logged without one. A transport
    // that can cancel the call (stdio) tracks it as `request`.
    Session stateless("");
    std::optional<InFlightRequest> untracked;
    if (request == nullptr)
      request = &untracked.emplace(stateless, id);
    json answer =
        call_tool(id, params, stateless, *request, nullptr,
                  inputs_ != nullptr ? ask_inputs(id, params, *request, notify) : BeforeCall());
    if (answer.contains("result"))
      answer["result"] = completed(std::move(answer["result"]));
    return answer;
  }
  if (method == "subscriptions/listen") {
    auto filter = params.find("notifications");
    if (filter == params.end() || !filter->is_object())
      return error_response(id, kInvalidParams,
                            "invalid params: subscriptions/listen needs params.notifications, "
                            "the notification filter (an object)");
    // The filter agreed to: none of the types a client may ask for ever
    // happens here (see handle_modern()).
    return {
        {"jsonrpc", "2.0"},
        {"method", "notifications/subscriptions/acknowledged"},
        {"params", {{"_meta", {{kMetaSubscriptionId, id}}}, {"notifications", json::object()}}}};
  }
  bool removed = method == "initialize" || method == "ping" || method == "logging/setLevel";
  return error_response(id, kMethodNotFound,
                        "method not found: " + name_for_message(method) +
                            (removed ? " (removed in 2026-07-28)" : ""));
}

Server::BeforeCall Server::ask_inputs(const json &id, const json &params,
                                      const InFlightRequest &request, const Notify &notify) const {
  return [this, &id, &params, &request, &notify](const ToolRegistry::Tool &tool,
                                                 const json &arguments) -> std::optional<json> {
    AwaitHooks hooks;
    hooks.cancelled = [&request] { return request.cancelled(); };
    const json &meta = params.value("_meta", json::object());
    if (auto token = meta.find("progressToken"); token != meta.end() && notify) {
      hooks.on_tick = [&notify, token = *token, ticks = 0]() mutable {
        notify({{"jsonrpc", "2.0"},
                {"method", "notifications/progress"},
                {"params",
                 {{"progressToken", token},
                  {"progress", ++ticks},
                  {"message", "waiting for the user to submit the page"}}}});
      };
    }
    std::optional<Result<json>> answered =
        inputs_->answer(tool, arguments, params, {"mcp", ""}, hooks);
    if (!answered)
      return std::nullopt;
    if (!*answered)
      return error_response(id, kInvalidParams, answered->error());
    return result_response(id, std::move(answered->value()));
  };
}

json Server::call_tool(const json &id, const json &params, Session &session,
                       const InFlightRequest &request, const Notify &notify,
                       const BeforeCall &before) const {
  auto name = params.find("name");
  if (name == params.end() || !name->is_string())
    return error_response(
        id, kInvalidParams,
        "invalid params: tools/call needs params.name, the tool's name as a string");
  const ToolRegistry::Tool *tool = registry_.find(name->get_ref<const std::string &>());
  if (tool == nullptr) {
    std::string known;
    for (const auto &candidate : registry_.tools())
      if (candidate.selected)
        known += (known.empty() ? "" : ", ") + candidate.spec->name;
    return error_response(id, kInvalidParams,
                          "unknown tool " +
                              name_for_message(name->get_ref<const std::string &>(), '\'') +
                              " (tools: " + known + ")");
  }
  auto arguments = params.find("arguments");
  static const json kNoArguments = json::object();
  if (arguments != params.end() && !arguments->is_object() && !arguments->is_null())
    return error_response(id, kInvalidParams, "invalid params: params.arguments must be an object");
  const json &args = arguments == params.end() || arguments->is_null() ? kNoArguments : *arguments;
  if (before)
    if (std::optional<json> answered = before(*tool, args))
      return std::move(*answered);
  // Only a client that declared elicitation, on a stream that can carry a
  // request to it, can be asked anything.
  std::optional<RequestLink> link;
  if (notify && session.elicitation().any())
    link.emplace(session, request, notify, progress_token_of(params));
  return result_response(
      id, caller_.call(*tool, args, {"mcp", session.id()},
                       {[&request] { return request.cancelled(); }, link ? &*link : nullptr}));
}

} // namespace qovery_mcp::mcp
