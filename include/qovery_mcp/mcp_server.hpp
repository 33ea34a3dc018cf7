#pragma once

#include "qovery_mcp/client_link.hpp"
#include "qovery_mcp/client_requests.hpp"
#include "qovery_mcp/tool_caller.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace qovery_mcp::mcp {

/// The newest protocol version of the initialize era ("legacy" in
/// 2026-07-28's basic/versioning): sessions opened by initialize.
inline constexpr std::string_view kLatestProtocolVersion = "2025-11-25";
/// Every version of the initialize era it accepts, newest first.
inline constexpr std::array<std::string_view, 4> kSupportedProtocolVersions = {
    "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
/// Whether `version` is one of kSupportedProtocolVersions.
bool is_supported_protocol_version(std::string_view version);

/// The protocol version of the stateless era ("modern"): no initialize and no
/// session; every request carries its version and the client's capabilities
/// in params._meta (2026-07-28, basic/versioning). One endpoint serves both
/// eras, choosing per request (is_modern_request).
inline constexpr std::string_view kModernProtocolVersion = "2026-07-28";

/// The keys of a 2026-07-28 request's and result's `_meta` (basic/index).
inline constexpr const char *kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char *kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char *kMetaServerInfo = "io.modelcontextprotocol/serverInfo";
/// The minimum level of the log messages a request asks for (server/utilities/logging).
inline constexpr const char *kMetaLogLevel = "io.modelcontextprotocol/logLevel";
/// The subscriptions/listen request a message belongs to (basic/patterns/subscriptions).
inline constexpr const char *kMetaSubscriptionId = "io.modelcontextprotocol/subscriptionId";

/// Whether `message` is served in the 2026-07-28 era: server/discover (it
/// exists only there), a message whose params._meta names a protocol version
/// outside the initialize era (an unknown one is then answered -32022), or,
/// on HTTP, one whose MCP-Protocol-Version header (`header_version`, empty
/// when absent) is 2026-07-28. Anything else is the initialize era's.
bool is_modern_request(const nlohmann::json &message, std::string_view header_version = {});

/// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
/// MCP's error codes of 2026-07-28 (basic/index, "Error Codes").
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kUnsupportedProtocolVersion = -32022;

/// A JSON-RPC error response.
nlohmann::json error_response(const nlohmann::json &id, int code, std::string message);

/// What a JSON-RPC message is, from its members alone.
enum class MessageKind { Request, Notification, Response, Invalid };
MessageKind classify(const nlohmann::json &message);

/// The -32600 answer to a message that classify() calls Invalid, or to a
/// batch, saying which member is wrong.
nlohmann::json invalid_request_response(const nlohmann::json &message);

/// One message's text, parsed as the transports need it.
struct ParsedMessage {
  nlohmann::json message;
  /// The answer instead, when there is no message to handle: -32700 for text
  /// that is not JSON, saying what is wrong and where; -32600 for a member
  /// name repeated in one object, which readers can take two ways, and for a
  /// lone UTF-16 surrogate outside a tools/call's arguments (one inside them
  /// is left for the call to refuse as a tool error naming the argument).
  /// Each carries the message's id when it could be read, else null.
  std::optional<nlohmann::json> error;
};
/// Parses one message without recursion (any nesting depth is safe).
ParsedMessage parse_message(std::string_view text);

class InFlightRequest;
class InputRequired;

/// One client's protocol state: negotiated version, log level, and the
/// requests it sent that are not answered yet. Shared by the concurrent
/// requests of that client.
class Session {
public:
  explicit Session(std::string id) : id_(std::move(id)) {}
  const std::string &id() const { return id_; }

  /// The version agreed at initialize; empty before.
  std::string protocol_version() const;
  /// Records the outcome of initialize; false if the session was already initialized.
  bool initialize(std::string version);
  bool initialized() const { return initialized_.load(); }

  /// The minimum level of log notifications the client asked for (RFC 5424 name).
  std::string log_level() const;
  void set_log_level(std::string level);

  /// The elicitation modes the client declared at initialize (none before).
  ElicitationModes elicitation() const;
  void set_elicitation(ElicitationModes modes);
  /// The requests sent to the client awaiting its response: a response the
  /// client sends on this session is delivered there.
  ClientRequests &client_requests() { return client_requests_; }

  /// Marks the requests in flight whose id is `id` (a string or an integer)
  /// cancelled, as notifications/cancelled asks, and ends the open
  /// subscriptions of that id; false when there is none (unknown, or already
  /// answered), which the spec asks the receiver to ignore.
  bool cancel(const nlohmann::json &id);

  /// Records that the subscriptions/listen request `id` was acknowledged on
  /// this session's stream (stdio): it stays open until cancel() names it or
  /// end_subscriptions() ends it.
  void open_subscription(const nlohmann::json &id);
  /// Ends every open subscription; returns their ids, oldest first, for the
  /// transport to close each with Server::subscription_closed().
  std::vector<nlohmann::json> end_subscriptions();

private:
  friend class InFlightRequest;
  struct Pending {
    std::string id; ///< the request's id as JSON text: 7 and "7" are two ids
    bool cancelled = false;
  };

  std::string id_;
  mutable std::mutex mutex_;
  std::atomic<bool> initialized_{false};
  std::string protocol_version_;
  std::string log_level_ = "info";
  ElicitationModes elicitation_;
  ClientRequests client_requests_;
  std::list<Pending> in_flight_;              ///< one entry per live InFlightRequest
  std::vector<nlohmann::json> subscriptions_; ///< ids of the open subscriptions/listen
};

/// A request of a session from when its transport reads it until it is
/// answered: what notifications/cancelled names by its id (MCP 2025-11-25,
/// basic/utilities/cancellation). Registered in the session while it lives.
/// A cancelled request gets no answer; mcp::Server also sends nothing to
/// Qovery for it once cancelled, but a change already sent completes (and is
/// audited), as a request on the wire cannot be called back.
class InFlightRequest {
public:
  /// Registers request `id` (a string or an integer) in `session`, which must
  /// outlive it.
  InFlightRequest(Session &session, const nlohmann::json &id);
  InFlightRequest(InFlightRequest &&other) noexcept;
  InFlightRequest(const InFlightRequest &) = delete;
  InFlightRequest &operator=(const InFlightRequest &) = delete;
  InFlightRequest &operator=(InFlightRequest &&) = delete;
  ~InFlightRequest();

  /// Whether the client cancelled it (Session::cancel) since it was registered.
  bool cancelled() const;

private:
  Session *session_; ///< nullptr once moved from
  std::list<Session::Pending>::iterator entry_;
};

/// The sessions of the HTTP transport, keyed by their Mcp-Session-Id, with
/// bounded memory whatever clients do. A session is *fresh* from its
/// initialize until it has been used twice more (a client sends
/// notifications/initialized, then its first real request): a loop of
/// initialize makes only fresh sessions. Fresh sessions live at most
/// `fresh_timeout` unused; established ones `idle_timeout` unused (a day by
/// default, so that an agent service keeps its session overnight: the agent
/// frameworks do not start a new one on 404), or until DELETE.
///
/// When the store is full, the oldest fresh session makes room for a new one;
/// failing that, the least recently used established session if it has been
/// unused for `evictable_after`; failing that, create() refuses (503). So a
/// flood of sessions can neither grow memory (about 0.5 KiB a session) nor
/// push out a session in use, and cannot lock new clients out for longer
/// than `evictable_after` after it stops.
class SessionStore {
public:
  /// The default cap on sessions held at once (about 0.5 KiB each).
  static constexpr std::size_t kDefaultMaxSessions = 10000;
  /// The default life of an unused established session.
  static constexpr std::chrono::seconds kDefaultIdleTimeout{86400};
  /// How long a fresh session lives unused, at most.
  static constexpr std::chrono::seconds kDefaultFreshTimeout{300};
  /// How long an established session must be unused, by default, before a
  /// full store may end it early to make room.
  static constexpr std::chrono::seconds kDefaultEvictableAfter{1800};

  explicit SessionStore(
      std::chrono::steady_clock::duration idle_timeout = kDefaultIdleTimeout,
      std::size_t max_sessions = kDefaultMaxSessions,
      std::chrono::steady_clock::duration fresh_timeout = kDefaultFreshTimeout,
      std::chrono::steady_clock::duration evictable_after = kDefaultEvictableAfter)
      : idle_timeout_(idle_timeout), fresh_timeout_(std::min(fresh_timeout, idle_timeout)),
        evictable_after_(evictable_after), max_sessions_(std::max<std::size_t>(max_sessions, 1)) {}

  /// A new session whose id is 32 random bytes from the OS CSPRNG,
  /// hex-encoded; nullptr when the store is full and no session may make
  /// room (the transport answers 503).
  std::shared_ptr<Session> create();
  /// The live session of that id (and marks it used), or nullptr.
  std::shared_ptr<Session> find(std::string_view id);
  /// Ends the session; false when there was none of that id.
  bool end(std::string_view id);
  /// Ends the sessions unused for longer than their timeout; returns how many.
  std::size_t expire_idle();
  std::size_t size() const;

private:
  using IdList = std::list<std::string>;
  struct Entry {
    std::shared_ptr<Session> session;
    std::chrono::steady_clock::time_point last_used;
    int uses = 0;          ///< requests since initialize, counted up to 2
    bool fresh = true;     ///< whether `slot` is in fresh_ (else in established_)
    IdList::iterator slot; ///< its place in fresh_ or established_
  };
  using Map = std::unordered_map<std::string, Entry>;
  /// Removes `entry` from the map and from its list; with mutex_ held.
  Map::iterator erase(Map::iterator entry);
  /// Ends one session to make room in a full store, as the class comment
  /// says; false when none may go. With mutex_ held.
  bool make_room(std::chrono::steady_clock::time_point now);

  std::chrono::steady_clock::duration idle_timeout_;
  std::chrono::steady_clock::duration fresh_timeout_;
  std::chrono::steady_clock::duration evictable_after_;
  std::size_t max_sessions_;
  mutable std::mutex mutex_;
  Map sessions_;
  IdList fresh_;       ///< ids of the fresh sessions, oldest first
  IdList established_; ///< ids of the established sessions, least recently used first
};

struct ServerInfo {
  std::string name;
  std::string title;
  std::string version;
  std::string instructions;
};

/// `message` as the one line of JSON text a transport sends: bytes that are
/// not UTF-8 replaced by U+FFFD, U+2028 and U+2029 escaped.
std::string to_text(const nlohmann::json &message);

/// Receives, as it is logged, a notification that belongs to a request and
/// goes before its answer: a notifications/message of the request's log
/// level; in the 2025-11-25 era, a request to the client (elicitation/create)
/// or a notification (notifications/progress, notifications/elicitation/
/// complete) sent while a tools/call waits on the person. On stdio it is
/// written at once; on HTTP it is an event of the SSE stream that answers
/// the request.
using Notify = std::function<void(const nlohmann::json &notification)>;

/// A 2026-07-28 answer as a transport sends it.
struct ModernAnswer {
  /// The response as to_text() writes it; for an acknowledged
  /// subscriptions/listen, its acknowledgment (a notification).
  std::string text;
  int error_code = 0; ///< the response's JSON-RPC error code; 0 for a result
  /// A subscriptions/listen acknowledged: the subscription stays open until
  /// the client cancels it or the transport ends it with
  /// Server::subscription_closed().
  bool subscribed = false;
  /// The request's _meta asked for log messages (kMetaLogLevel): over HTTP,
  /// a result is then sent as an SSE stream, its notifications first.
  bool log_level_asked = false;
};

/// The transport-independent MCP server: lifecycle, ping, tools/list,
/// tools/call, logging/setLevel, notifications (notifications/cancelled
/// among them). Knows nothing of HTTP or stdio. Safe to use from many threads
/// at once, for one session or many.
class Server {
public:
  /// Serves the tools of `caller` (which must outlive the server), and calls
  /// them through it.
  Server(const ToolCaller &caller, ServerInfo info);

  /// Handles one parsed JSON-RPC message for `session`: the response to send,
  /// or nullopt when none is due: a notification, a response, or a request
  /// that notifications/cancelled named before its answer was ready.
  std::optional<nlohmann::json> handle(const nlohmann::json &message, Session &session) const;

  /// handle(), serialized as to_text() does: the text to send, or nullopt
  /// when none is due. A request is tracked in `session` while it is handled,
  /// unless `request` (which must track this message in `session`) is given:
  /// a transport that reads messages ahead of handling them tracks each
  /// request from when it reads it, so that a cancellation read before the
  /// request starts still finds it. The
  /// tools/list answer is spliced around a copy of the list serialized once,
  /// so the largest answer costs no JSON copy and no serialization. A message
  /// of the 2026-07-28 era (is_modern_request) is answered by handle_modern(),
  /// whatever `session` holds (stdio serves both eras on one stream).
  ///
  /// A 2025-11-25 tools/call of a session that declared elicitation sends
  /// its requests to the client (elicitation/create) and its notifications
  /// through `notify` (see may_ask_client()); a response the client sends
  /// is delivered to the call waiting for it (Session::client_requests()).
  /// A 2026-07-28 request's notifications go to `notify` before the answer
  /// (none after it, nor once the request is cancelled); a 2026-07-28
  /// subscriptions/listen acknowledged is recorded in `session` (see
  /// Session::open_subscription), and notifications/cancelled is honoured in
  /// both eras (basic/patterns/cancellation: stdio's way to cancel).
  std::optional<std::string> respond(const nlohmann::json &message, Session &session,
                                     const InFlightRequest *request = nullptr,
                                     const Notify &notify = nullptr) const;

  /// Has 2026-07-28 tools/call requests that need the person answered by
  /// `inputs` (input_required results: InputRequired) from now on; it must
  /// outlive the server. Set it before serving.
  void ask_inputs_with(InputRequired &inputs) { inputs_ = &inputs; }

  /// Whether answering `message` may wait on Qovery: a tools/call request.
  /// Every other message is answered from memory at once, so a transport
  /// that serves calls concurrently answers it as soon as it reads it, and a
  /// ping is answered promptly (basic/utilities/ping) however slow Qovery is.
  static bool waits_on_upstream(const nlohmann::json &message);

  /// Whether answering the 2025-11-25 `message` of `session` may send the
  /// client requests and notifications first (respond()'s `notify`): a
  /// tools/call of a destructive tool, from a session that declared form
  /// elicitation, when the caller confirms destructive calls; or of a tool
  /// that takes a secret's value, without it, from a session that declared
  /// URL elicitation. Over HTTP such a request is answered as an SSE stream;
  /// any other, as one JSON object.
  bool may_ask_client(const nlohmann::json &message, const Session &session) const;

  /// Answers one message of the 2026-07-28 era (is_modern_request), with no
  /// session (2026-07-28: basic/index "Statelessness"): server/discover,
  /// tools/list and tools/call, each result with `resultType: "complete"` and
  /// the server's identity in `_meta`, and caching hints (ttlMs, cacheScope)
  /// on the first two (server/utilities/caching). -32602 when params._meta
  /// lacks the protocol version or the client's capabilities; -32022, with
  /// the supported and the requested versions, for a version it does not
  /// serve; -32601 for any other method (initialize, ping and
  /// logging/setLevel are gone in 2026-07-28). Nullopt for a notification.
  ///
  /// subscriptions/listen (basic/patterns/subscriptions) is answered with
  /// its acknowledgment, a notification whose filter is empty: the tool list
  /// never changes while the server runs and it has no prompts or resources,
  /// so it honours no notification type; the transport holds the stream open
  /// until the client ends it, and ends it itself with subscription_closed().
  ///
  /// With kMetaLogLevel in _meta (server/utilities/logging, "Per-request log
  /// level"; -32602 when it is not an RFC 5424 level), the events logged
  /// while handling the request at or above that level (a retried or failed
  /// call to Qovery, the call's outcome at debug, an internal error) go to
  /// `notify` as notifications/message, at most kMaxLogNotifications, never
  /// for subscriptions/listen; without it, none. Their data is the log
  /// event's message and fields, secret-named fields redacted. With a valid
  /// W3C `traceparent` (and `tracestate`) in _meta, the server's own log
  /// lines for the request carry them (log::RequestScope). Once `request`
  /// (tracked in a session) is cancelled, no notification is sent, no call
  /// reaches Qovery, and the answer is nullopt.
  std::optional<nlohmann::json> handle_modern(const nlohmann::json &message,
                                              const Notify &notify = nullptr,
                                              const InFlightRequest *request = nullptr) const;

  /// handle_modern(), as the text to send: the tools/list answer is the id
  /// spliced around its result serialized once, at construction.
  std::optional<ModernAnswer> respond_modern(const nlohmann::json &message,
                                             const Notify &notify = nullptr,
                                             const InFlightRequest *request = nullptr) const;

  /// The response that ends subscription `id` gracefully (the server's own
  /// initiative, e.g. shutdown: basic/patterns/subscriptions, "Graceful
  /// Closure"), as text: a result with resultType "complete" and the
  /// subscription's id in _meta. A client that gets it knows not to reconnect.
  std::string subscription_closed(const nlohmann::json &id) const;

  /// The most notifications/message one request gets (logging: "SHOULD rate
  /// limit"); a request logs a handful.
  static constexpr std::size_t kMaxLogNotifications = 32;

private:
  /// handle(), with the tools/list result left null when `list_elided` is
  /// given (set to true then) for respond() to splice in.
  std::optional<nlohmann::json> dispatch(const nlohmann::json &message, Session &session,
                                         const InFlightRequest *request, bool *list_elided,
                                         const Notify &notify = nullptr) const;
  /// Handles notifications/cancelled: marks the request it names cancelled.
  void cancel(const nlohmann::json &notification, Session &session) const;
  /// The answer to a request, cancelled or not.
  nlohmann::json answer(const nlohmann::json &message, Session &session,
                        const InFlightRequest &request, bool *list_elided,
                        const Notify &notify) const;
  nlohmann::json initialize(const nlohmann::json &params, Session &session) const;
  /// The result of server/discover (2026-07-28, server/discover).
  nlohmann::json discover() const;
  /// Answers a call before ToolCaller::call does, given the tool found and
  /// its arguments; nullopt lets the call go on.
  using BeforeCall = std::function<std::optional<nlohmann::json>(const ToolRegistry::Tool &,
                                                                 const nlohmann::json &arguments)>;
  /// A tools/call; with `notify`, a session that declared elicitation
  /// gives the call a ClientLink over it (mcp::RequestLink); with `before`,
  /// its answer, when it has one, is the call's.
  nlohmann::json call_tool(const nlohmann::json &id, const nlohmann::json &params, Session &session,
                           const InFlightRequest &request, const Notify &notify = nullptr,
                           const BeforeCall &before = nullptr) const;
  /// The BeforeCall of a 2026-07-28 tools/call: InputRequired's answer, as a
  /// JSON-RPC response to `id`, with notifications/progress to `notify`
  /// while a retry waits on the person (when _meta has a progressToken).
  BeforeCall ask_inputs(const nlohmann::json &id, const nlohmann::json &params,
                        const InFlightRequest &request, const Notify &notify) const;
  /// handle_modern(), with the tools/list result left null when `list_elided`
  /// is given (set to true then) for respond_modern() to splice in.
  std::optional<nlohmann::json> modern(const nlohmann::json &message, const Notify &notify,
                                       const InFlightRequest *request, bool *list_elided) const;
  /// The answer to a valid 2026-07-28 request, before completed() adds the
  /// fields every result carries.
  nlohmann::json modern_answer(const nlohmann::json &message, const nlohmann::json &params,
                               const InFlightRequest *request, const Notify &notify,
                               bool *list_elided) const;
  /// `result` with what every 2026-07-28 result carries: resultType and the
  /// server's identity in _meta.
  nlohmann::json completed(nlohmann::json result) const;

  const ToolCaller &caller_;
  const ToolRegistry &registry_;    ///< caller_'s
  InputRequired *inputs_ = nullptr; ///< ask_inputs_with()'s
  ServerInfo info_;
  std::string tools_list_text_; ///< registry_.tools_list(), serialized
  /// The whole 2026-07-28 tools/list result (caching hints, resultType,
  /// _meta), serialized
  std::string modern_tools_list_text_;
};

} // namespace qovery_mcp::mcp
