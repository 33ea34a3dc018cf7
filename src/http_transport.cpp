#include "qovery_mcp/http_transport.hpp"

#include "qovery_mcp/log.hpp"
#include "qovery_mcp/text.hpp"

#include <httplib.h>

#include <algorithm>
#include <thread>

namespace qovery_mcp {
namespace {

using nlohmann::json;

constexpr const char *kJson = "application/json";
/// The MCP endpoint's path pattern, with or without a trailing slash.
const std::string kEndpoint = "/mcp/?";
/// The methods the endpoint serves (no GET: the server offers no SSE stream).
constexpr const char *kEndpointMethods = "POST, DELETE";

bool is_endpoint(const std::string &path) { return path == "/mcp" || path == "/mcp/"; }

/// What a page in a browser may do with the endpoint: send the MCP request
/// headers (2025-11-25 "Streamable HTTP"; Mcp-Method and Mcp-Name are the
/// 2026-07-28 ones) and read the session id, the auth challenge, and the
/// Allow and Retry-After of a 405 and a 503.
CorsPolicy mcp_cors() {
  return {[](const std::string &path) { return is_endpoint(path) ? kEndpointMethods : ""; },
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

} // namespace

struct HttpTransport::Impl {
  const mcp::Server &server;
  mcp::SessionStore &sessions;
  ListeningServer listening;

  /// The session named by Mcp-Session-Id, or nullptr after writing the 400/404.
  std::shared_ptr<mcp::Session> session_of(const httplib::Request &req, httplib::Response &res,
                                           const json &id) {
    if (!req.has_header("Mcp-Session-Id")) {
      send_error(res, 400, mcp::kInvalidRequest,
                 "bad request: the Mcp-Session-Id header is required after initialize", id);
      return nullptr;
    }
    auto session = sessions.find(req.get_header_value("Mcp-Session-Id"));
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
      session = sessions.find(req.get_header_value("Mcp-Session-Id"));
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
    std::optional<std::string> reply = server.respond(message, *session);
    if (!reply) {
      res.status = 202;
      return;
    }
    res.status = 200;
    res.set_content(std::move(*reply), kJson);
  }

  void initialize(const json &message, httplib::Response &res) {
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

  void end_session(const httplib::Request &req, httplib::Response &res) {
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

HttpTransport::HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions,
                             HttpServerOptions options)
    : impl_(new Impl{server, sessions,
                     ListeningServer(
                         std::move(options),
                         [](int, const std::string &reason) {
                           return mcp::error_response(nullptr, mcp::kInvalidRequest, reason).dump();
                         },
                         mcp_cors())}) {
  Impl &impl = *impl_;
  httplib::Server &http = impl.listening.http();
  // "/mcp/" is the same endpoint: several clients and proxies add the slash.
  impl.listening.on_body("POST", kEndpoint,
                         [&impl](const httplib::Request &req, const std::string &body,
                                 httplib::Response &res) { impl.post(req, body, res); });
  impl.listening.on_body("DELETE", kEndpoint,
                         [&impl](const httplib::Request &req, const std::string &,
                                 httplib::Response &res) { impl.end_session(req, res); });
  http.Get(kEndpoint, [](const httplib::Request &, httplib::Response &res) {
    res.set_header("Allow", kEndpointMethods);
    send_error(res, 405, mcp::kInvalidRequest,
               "method not allowed: this server offers no server-to-client SSE stream");
  });
  http.set_error_handler([&impl](const httplib::Request &req, httplib::Response &res) {
    if (!res.body.empty())
      return;
    if (is_endpoint(req.path) && res.status == 404) {
      res.set_header("Allow", kEndpointMethods);
      send_error(res, 405, mcp::kInvalidRequest, "method not allowed: use POST or DELETE");
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

void HttpTransport::stop() { impl_->listening.stop(); }

} // namespace qovery_mcp
