#include "qovery_mcp/http_transport.hpp"

#include "qovery_mcp/json_text.hpp"
#include "qovery_mcp/log.hpp"
#include "qovery_mcp/sealed_box.hpp"
#include "qovery_mcp/text.hpp"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace qovery_mcp {
namespace {

using nlohmann::json;

constexpr const char *kJson = "application/json";
constexpr const char *kEventStream = "text/event-stream";
/// How often an open subscriptions/listen stream gets an SSE comment when
/// nothing else is sent (2026-07-28, transports/streamable-http: a keep-alive
/// for intermediaries and idle clients). A client that closed the stream is
/// noticed by the write of the next one or the one after.
constexpr std::chrono::seconds kListenKeepAlive{15};
/// How long stop() lets the open streams write their graceful-closure result.
constexpr std::chrono::seconds kStreamClosingTime{2};
/// The MCP endpoint's path pattern, with or without a trailing slash.
const std::string kEndpoint = "/mcp/?";
/// The methods the endpoint serves (no GET: the server offers no SSE stream;
/// no DELETE with --stateless: its sessions cannot be ended).
constexpr const char *kEndpointMethods = "POST, DELETE";
constexpr const char *kStatelessEndpointMethods = "POST";

bool is_endpoint(const std::string &path) { return path == "/mcp" || path == "/mcp/"; }

/// What a page in a browser may do with the endpoint: send the MCP request
/// headers (2025-11-25 "Streamable HTTP"; Mcp-Method and Mcp-Name are the
/// 2026-07-28 ones) and read the session id, the auth challenge, and the
/// Allow and Retry-After of a 405 and a 503.
CorsPolicy mcp_cors(const char *endpoint_methods) {
  return {[endpoint_methods](const std::string &path) {
            return is_endpoint(path) ? endpoint_methods : "";
          },
          "Content-Type, Accept, Authorization, Mcp-Session-Id, MCP-Protocol-Version, "
          "Last-Event-ID, Mcp-Method, Mcp-Name",
          "Mcp-Session-Id, WWW-Authenticate, Allow, Retry-After"};
}

bool accepts(const std::string &accept, std::string_view type) {
  std::string_view rest = accept;
  std::string family = std::string(type.substr(0, type.find('/'))) + "/*";
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string element = media_type(rest.substr(0, comma));
    if (element == type || element == family || element == "*/*")
      return true;
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return false;
}

void send_error(httplib::Response &res, int status, int code, std::string message,
                const json &id = nullptr) {
  res.status = status;
  // A header quoted in `message` may hold any bytes: never fail on them.
  res.set_content(mcp::error_response(id, code, std::move(message))
                      .dump(-1, ' ', false, json::error_handler_t::replace),
                  kJson);
}

/// An Mcp-Name value as the client meant it: "=?base64?...?=" decoded
/// (2026-07-28, transports/streamable-http "Value Encoding"); nullopt when
/// that form holds no valid Base64.
std::optional<std::string> header_text(std::string_view value) {
  constexpr std::string_view kPrefix = "=?base64?", kSuffix = "?=";
  if (value.size() < kPrefix.size() + kSuffix.size() || !value.starts_with(kPrefix) ||
      !value.ends_with(kSuffix))
    return std::string(value);
  return from_base64(value.substr(kPrefix.size(), value.size() - kPrefix.size() - kSuffix.size()));
}

/// Why the MCP request headers of a 2026-07-28 request disagree with its body
/// (transports/streamable-http, "Request Metadata"), or nullopt when they
/// agree: MCP-Protocol-Version must be the _meta's version, Mcp-Method the
/// method, and Mcp-Name, for tools/call, params.name.
std::optional<std::string> header_mismatch(const httplib::Request &req, const json &message) {
  static const json kNoParams = json::object();
  auto params_it = message.find("params");
  const json &params =
      params_it != message.end() && params_it->is_object() ? *params_it : kNoParams;
  auto meta = params.find("_meta");
  if (meta != params.end() && meta->is_object()) {
    auto version = meta->find(mcp::kMetaProtocolVersion);
    std::string header(trim_ows(req.get_header_value("MCP-Protocol-Version")));
    if (version != meta->end() && version->is_string() && *version != header)
      return "the MCP-Protocol-Version header " +
             (header.empty() ? std::string("is missing") : "(" + name_for_message(header) + ")") +
             " but params._meta says " + name_for_message(version->get<std::string>());
  }
  const std::string &method = message["method"].get_ref<const std::string &>();
  if (!req.has_header("Mcp-Method"))
    return "the Mcp-Method header is missing (it must repeat the method, " +
           name_for_message(method) + ")";
  if (std::string header(trim_ows(req.get_header_value("Mcp-Method"))); header != method)
    return "the Mcp-Method header (" + name_for_message(header) + ") is not the method, " +
           name_for_message(method);
  auto name = params.find("name");
  if (method != "tools/call" || name == params.end() || !name->is_string())
    return std::nullopt;
  if (!req.has_header("Mcp-Name"))
    return "the Mcp-Name header is missing (it must repeat params.name, " +
           name_for_message(name->get<std::string>()) + ")";
  std::optional<std::string> header = header_text(trim_ows(req.get_header_value("Mcp-Name")));
  if (!header)
    return std::string("the Mcp-Name header is not valid Base64 in its =?base64?...?= form");
  if (*header != *name)
    return "the Mcp-Name header (" + name_for_message(*header) + ") is not params.name, " +
           name_for_message(name->get<std::string>());
  return std::nullopt;
}

/// The HTTP status of a 2026-07-28 answer of JSON-RPC error code `code` (0
/// for a result; transports/streamable-http): 404 for a method not found,
/// 400 for the request's other faults.
int modern_status(int code) {
  if (code == 0)
    return 200;
  return code == mcp::kMethodNotFound ? 404 : code == mcp::kInternalError ? 500 : 400;
}

/// One SSE event carrying one JSON-RPC message (serialized JSON holds no
/// line break). No `id:` field: 2026-07-28 streams are not resumable, and a
/// client that saw none does not try to resume one that ends.
std::string sse_event(std::string_view message) {
  std::string event = "data: ";
  event += message;
  event += "\n\n";
  return event;
}

/// The headers of every SSE answer: not to be cached, nor buffered by a
/// proxy (transports/streamable-http: X-Accel-Buffering).
void set_stream_headers(httplib::Response &res) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_header("X-Accel-Buffering", "no");
}

} // namespace

struct HttpTransport::Impl {
  const mcp::Server &server;
  mcp::SessionStore &sessions;
  ListeningServer listening;
  const mcp::SessionTokens *tokens; ///< with --stateless, else nullptr
  const char *endpoint_methods;
  /// --stateless: the sessions with a request being handled here, by
  /// session_id, so that a notifications/cancelled that reaches the replica
  /// running the request finds it. An entry lives as long as its requests.
  std::mutex live_mutex;
  std::unordered_map<std::string, std::weak_ptr<mcp::Session>> live;

  /// The session named by the Mcp-Session-Id `id`: from the store, or with
  /// --stateless from the id itself; nullptr when unknown, ended, expired, or
  /// (--stateless) altered or made under another key.
  std::shared_ptr<mcp::Session> find_session(const std::string &id) {
    if (tokens == nullptr)
      return sessions.find(id);
    std::optional<mcp::SessionClaims> claims = tokens->verify(id, mcp::SessionTokens::now());
    if (!claims)
      return nullptr;
    std::lock_guard lock(live_mutex);
    std::weak_ptr<mcp::Session> &slot = live[claims->session_id];
    if (std::shared_ptr<mcp::Session> session = slot.lock())
      return session;
    std::shared_ptr<mcp::Session> session(new mcp::Session(claims->session_id),
                                          [this](mcp::Session *ended) {
                                            forget(ended->id());
                                            delete ended;
                                          });
    session->initialize(claims->protocol_version);
    slot = session;
    return session;
  }

  /// Drops the entry of `session_id` from `live` unless a newer session of
  /// that id took it.
  void forget(const std::string &session_id) {
    std::lock_guard lock(live_mutex);
    auto entry = live.find(session_id);
    if (entry != live.end() && entry->second.expired())
      live.erase(entry);
  }

  /// The open SSE streams (subscriptions/listen, and calls that may ask the
  /// client), which stop() ends.
  std::mutex streams_mutex{};
  std::condition_variable streams_changed{};
  std::size_t open_streams = 0;
  bool closing_streams = false;
  /// The sessions of the calls answered as SSE streams, once per call: stop()
  /// closes their ClientRequests, so that a call waiting on the person ends.
  std::list<std::shared_ptr<mcp::Session>> asking{};

  /// Counts a stream open while the response holds its provider.
  struct OpenStream {
    Impl &impl;
    explicit OpenStream(Impl &owner) : impl(owner) {
      std::lock_guard lock(impl.streams_mutex);
      ++impl.open_streams;
    }
    ~OpenStream() {
      std::lock_guard lock(impl.streams_mutex);
      --impl.open_streams;
      impl.streams_changed.notify_all();
    }
    OpenStream(const OpenStream &) = delete;
    OpenStream &operator=(const OpenStream &) = delete;
  };
  /// Holds a call's session in `asking` while the call's stream is open.
  struct Asking {
    Impl &impl;
    std::list<std::shared_ptr<mcp::Session>>::iterator entry;
    Asking(Impl &owner, std::shared_ptr<mcp::Session> session) : impl(owner) {
      std::lock_guard lock(impl.streams_mutex);
      if (impl.closing_streams)
        session->client_requests().close(); // stop() came first: ask nothing
      entry = impl.asking.insert(impl.asking.end(), std::move(session));
    }
    ~Asking() {
      std::lock_guard lock(impl.streams_mutex);
      impl.asking.erase(entry);
    }
    Asking(const Asking &) = delete;
    Asking &operator=(const Asking &) = delete;
  };

  /// The session named by Mcp-Session-Id, or nullptr after writing the 400/404.
  std::shared_ptr<mcp::Session> session_of(const httplib::Request &req, httplib::Response &res,
                                           const json &id) {
    if (!req.has_header("Mcp-Session-Id")) {
      send_error(res, 400, mcp::kInvalidRequest,
                 "bad request: the Mcp-Session-Id header is required after initialize", id);
      return nullptr;
    }
    auto session = find_session(req.get_header_value("Mcp-Session-Id"));
    if (!session)
      send_error(res, 404, mcp::kInvalidRequest,
                 "session not found: it ended or expired; initialize a new one", id);
    return session;
  }

  void post(const httplib::Request &req, const std::string &body, httplib::Response &res) {
    if (media_type(req.get_header_value("Content-Type")) != kJson) {
      send_error(res, 415, mcp::kInvalidRequest,
                 "unsupported media type: Content-Type must be application/json");
      return;
    }
    std::string accept = req.get_header_value("Accept");
    if (!accepts(accept, kJson) || !accepts(accept, "text/event-stream")) {
      send_error(res, 406, mcp::kInvalidRequest,
                 "not acceptable: Accept must list application/json and text/event-stream");
      return;
    }
    // A session that does not exist is answered before the body is parsed.
    std::shared_ptr<mcp::Session> session;
    if (req.has_header("Mcp-Session-Id")) {
      session = find_session(req.get_header_value("Mcp-Session-Id"));
      if (!session) {
        send_error(res, 404, mcp::kInvalidRequest,
                   "session not found: it ended or expired; initialize a new one");
        return;
      }
    }
    mcp::ParsedMessage parsed = mcp::parse_message(body);
    if (parsed.error) {
      res.status = 400;
      res.set_content(parsed.error->dump(), kJson);
      return;
    }
    json &message = parsed.message;
    mcp::MessageKind kind = mcp::classify(message);
    if (kind == mcp::MessageKind::Invalid) {
      res.status = 400;
      res.set_content(mcp::invalid_request_response(message).dump(), kJson);
      return;
    }
    const json &id = kind == mcp::MessageKind::Request ? message["id"] : json(nullptr);
    if (mcp::is_modern_request(message, trim_ows(req.get_header_value("MCP-Protocol-Version")))) {
      serve_modern(req, message, res);
      return;
    }
    if (kind == mcp::MessageKind::Request && message["method"] == "initialize") {
      initialize(message, res);
      return;
    }
    if (!session) {
      send_error(res, 400, mcp::kInvalidRequest,
                 "bad request: the Mcp-Session-Id header is required after initialize", id);
      return;
    }
    if (req.has_header("MCP-Protocol-Version") &&
        !mcp::is_supported_protocol_version(req.get_header_value("MCP-Protocol-Version"))) {
      send_error(res, 400, mcp::kInvalidRequest,
                 "bad request: unsupported MCP-Protocol-Version \"" +
                     req.get_header_value("MCP-Protocol-Version").substr(0, 32) + "\"",
                 id);
      return;
    }
    if (server.may_ask_client(message, *session)) {
      ask_on_stream(std::move(message), std::move(session), res);
      return;
    }
    std::optional<std::string> reply = server.respond(message, *session);
    if (!reply) {
      res.status = 202; // a notification, or the client's response to a request of ours
      return;
    }
    res.status = 200;
    res.set_content(std::move(*reply), kJson);
  }

  /// Answers a 2025-11-25 tools/call that may ask the client something
  /// (Server::may_ask_client) with an SSE stream (basic/transports: the
  /// server "MAY send JSON-RPC requests and notifications before sending the
  /// JSON-RPC response", which relate to the request): the call runs while
  /// the stream is open, its requests (elicitation/create) and notifications
  /// (progress) are events as they happen, and its answer is the last one.
  /// The client's response to a request comes as a POST of its own, which
  /// post() delivers to the session's ClientRequests. A write that fails (the
  /// client went away) cancels the call, which then revokes its link.
  void ask_on_stream(json message, std::shared_ptr<mcp::Session> session, httplib::Response &res) {
    auto open = std::make_shared<OpenStream>(*this);
    auto asked = std::make_shared<Asking>(*this, session);
    set_stream_headers(res);
    res.set_chunked_content_provider(
        kEventStream, [this, open, asked, session,
                       message = std::move(message)](std::size_t, httplib::DataSink &sink) {
          bool gone = false;
          auto send = [&](const std::string &text) {
            std::string event = sse_event(text);
            if (!gone && !sink.write(event.data(), event.size())) {
              gone = true;
              session->cancel(message["id"]);
            }
          };
          mcp::Notify notify = [&](const json &out) { send(mcp::to_text(out)); };
          if (std::optional<std::string> reply = server.respond(message, *session, nullptr, notify))
            send(*reply);
          sink.done();
          return true;
        });
  }

  /// A request of the 2026-07-28 era: no session, headers checked against the body.
  void serve_modern(const httplib::Request &req, const json &message, httplib::Response &res) {
    bool request = mcp::classify(message) == mcp::MessageKind::Request;
    if (request)
      if (std::optional<std::string> mismatch = header_mismatch(req, message)) {
        send_error(res, 400, mcp::kHeaderMismatch, "header mismatch: " + *mismatch, message["id"]);
        return;
      }
    std::vector<json> notifications;
    std::optional<mcp::ModernAnswer> answer = server.respond_modern(
        message, [&](const json &notification) { notifications.push_back(notification); });
    if (!answer) {
      res.status = 202;
      return;
    }
    if (answer->subscribed) {
      listen(message["id"], std::move(answer->text), res);
      return;
    }
    if (answer->log_level_asked && answer->error_code == 0) {
      // The request's log messages, then its answer, on one SSE stream.
      std::string events;
      for (const json &notification : notifications)
        events += sse_event(mcp::to_text(notification));
      events += sse_event(answer->text);
      set_stream_headers(res);
      res.set_content(std::move(events), kEventStream);
      return;
    }
    res.status = modern_status(answer->error_code);
    res.set_content(std::move(answer->text), kJson);
  }

  /// Answers an acknowledged subscriptions/listen (basic/patterns/
  /// subscriptions) with an SSE stream: the acknowledgment, then a keep-alive
  /// comment every kListenKeepAlive, until the client closes it or stop()
  /// ends it with the graceful-closure result. Each open stream holds one
  /// connection and its thread.
  void listen(const json &id, std::string acknowledgment, httplib::Response &res) {
    auto open = std::make_shared<OpenStream>(*this);
    set_stream_headers(res);
    res.set_chunked_content_provider(
        kEventStream, [this, open, id, first = sse_event(acknowledgment),
                       acknowledged = false](std::size_t, httplib::DataSink &sink) mutable {
          if (!acknowledged) {
            acknowledged = true;
            return sink.write(first.data(), first.size());
          }
          std::unique_lock lock(streams_mutex);
          bool closing =
              streams_changed.wait_for(lock, kListenKeepAlive, [this] { return closing_streams; });
          lock.unlock();
          if (!closing)
            return sink.write(":\n\n", 3);
          std::string closed = sse_event(server.subscription_closed(id));
          if (sink.write(closed.data(), closed.size()))
            sink.done();
          return true;
        });
  }

  /// Ends the open subscriptions/listen streams, each with its graceful-
  /// closure result, and the calls waiting on the person, each with its tool
  /// error (their links revoked), waiting up to kStreamClosingTime for them
  /// to be written.
  void close_streams() {
    std::unique_lock lock(streams_mutex);
    closing_streams = true;
    for (const std::shared_ptr<mcp::Session> &session : asking)
      session->client_requests().close();
    streams_changed.notify_all();
    streams_changed.wait_for(lock, kStreamClosingTime, [this] { return open_streams == 0; });
  }

  void initialize(const json &message, httplib::Response &res) {
    if (tokens != nullptr) {
      initialize_stateless(message, res);
      return;
    }
    auto session = sessions.create();
    if (!session) {
      res.set_header("Retry-After", "60");
      send_error(res, 503, mcp::kInternalError,
                 "service unavailable: the server holds as many sessions as it may; try again "
                 "later",
                 message["id"]);
      return;
    }
    std::optional<json> reply = server.handle(message, *session);
    if (reply->contains("error")) {
      sessions.end(session->id());
      res.status = 400;
    } else {
      res.status = 200;
      res.set_header("Mcp-Session-Id", session->id());
    }
    res.set_content(reply->dump(), kJson);
  }

  /// initialize with --stateless: the session id is issued once the version
  /// is agreed, and nothing is stored.
  void initialize_stateless(const json &message, httplib::Response &res) {
    mcp::Session session("");
    std::optional<json> reply = server.handle(message, session);
    res.status = reply->contains("error") ? 400 : 200;
    if (res.status == 200)
      res.set_header("Mcp-Session-Id",
                     tokens->issue(session.protocol_version(), mcp::SessionTokens::now()));
    res.set_content(reply->dump(), kJson);
  }

  void end_session(const httplib::Request &req, httplib::Response &res) {
    if (tokens != nullptr) {
      // 2025-11-25, transports "Session Management": a server MAY answer 405
      // when it does not let clients end sessions. Nothing records a session,
      // so nothing could mark it ended on every replica.
      res.set_header("Allow", endpoint_methods);
      send_error(res, 405, mcp::kInvalidRequest,
                 "method not allowed: this server runs --stateless and cannot end a session; it "
                 "expires on its own, and a client that is done need only stop using it");
      return;
    }
    auto session = session_of(req, res, nullptr);
    if (!session)
      return;
    sessions.end(session->id());
    res.status = 200;
  }

  void sweep_idle_sessions() {
    while (!listening.wait_for_stop(std::chrono::seconds(1))) {
      if (std::size_t expired = sessions.expire_idle())
        log::debug(std::to_string(expired) + " idle session(s) expired");
    }
  }
};

namespace {

/// `options` with the health endpoint served to probes (kHealthPath), and
/// the value-entry pages to browsers when there are any.
HttpServerOptions with_own_paths(HttpServerOptions options, bool entry_pages) {
  options.public_paths.emplace_back(kHealthPath);
  if (entry_pages)
    options.page_prefixes.emplace_back(kEntryPrefix);
  return options;
}

} // namespace

HttpTransport::HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions,
                             HttpServerOptions options, const mcp::SessionTokens *tokens,
                             EntryPages *entry)
    : impl_(
          new Impl{server,
                   sessions,
                   ListeningServer(
                       with_own_paths(std::move(options), entry != nullptr),
                       [](int, const std::string &reason) {
                         return mcp::error_response(nullptr, mcp::kInvalidRequest, reason).dump();
                       },
                       mcp_cors(tokens != nullptr ? kStatelessEndpointMethods : kEndpointMethods)),
                   tokens,
                   tokens != nullptr ? kStatelessEndpointMethods : kEndpointMethods,
                   {},
                   {}}) {
  Impl &impl = *impl_;
  HttpRoutes &http = impl.listening.http();
  // "/mcp/" is the same endpoint: several clients and proxies add the slash.
  impl.listening.on_body("POST", kEndpoint,
                         [&impl](const httplib::Request &req, const std::string &body,
                                 httplib::Response &res) { impl.post(req, body, res); });
  impl.listening.on_body("DELETE", kEndpoint,
                         [&impl](const httplib::Request &req, const std::string &,
                                 httplib::Response &res) { impl.end_session(req, res); });
  http.Get(kHealthPath, [](const httplib::Request &, httplib::Response &res) {
    res.set_header("Cache-Control", "no-store");
    res.set_content(R"({"status":"ok"})", kJson);
  });
  http.Get(kEndpoint, [&impl](const httplib::Request &, httplib::Response &res) {
    res.set_header("Allow", impl.endpoint_methods);
    send_error(res, 405, mcp::kInvalidRequest,
               "method not allowed: this server offers no server-to-client SSE stream");
  });
  if (entry != nullptr)
    entry->route(http);
  http.set_error_handler([&impl](const httplib::Request &req, httplib::Response &res) {
    if (!res.body.empty())
      return;
    if (is_endpoint(req.path) && res.status == 404) {
      res.set_header("Allow", impl.endpoint_methods);
      send_error(res, 405, mcp::kInvalidRequest,
                 impl.tokens != nullptr ? "method not allowed: use POST"
                                        : "method not allowed: use POST or DELETE");
      return;
    }
    std::string message = "bad request: the HTTP request could not be read";
    if (res.status == 404)
      message = "not found: the MCP endpoint is /mcp";
    else if (res.status == 413)
      message = "payload too large: the limit is " +
                std::to_string(impl.listening.options().max_body_bytes) + " bytes";
    else if (res.status == 414)
      message = "URI too long: the MCP endpoint is /mcp";
    send_error(res, res.status, mcp::kInvalidRequest, std::move(message));
  });
  http.set_exception_handler(
      [](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
        send_error(res, 500, mcp::kInternalError, "internal error");
      });
}

HttpTransport::~HttpTransport() = default;

Result<int> HttpTransport::bind() { return impl_->listening.bind(); }

void HttpTransport::serve() {
  std::thread sweeper([this] { impl_->sweep_idle_sessions(); });
  impl_->listening.serve();
  sweeper.join();
}

void HttpTransport::stop() {
  impl_->close_streams(); // before the listener stops, which cuts the streams short
  impl_->listening.stop();
}

} // namespace qovery_mcp
