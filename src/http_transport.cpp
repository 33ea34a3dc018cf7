#include "qovery_mcp/http_transport.hpp"

#include "qovery_mcp/log.hpp"

#include <httplib.h>

#include <algorithm>
#include <condition_variable>
#include <thread>

namespace qovery_mcp {
namespace {

using nlohmann::json;

constexpr const char *kJson = "application/json";

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

/// The media type of a Content-Type or Accept element, without parameters, lower-case.
std::string media_type(std::string_view element) {
  return lower(trim(element.substr(0, element.find(';'))));
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

/// The host name of a Host header or an origin's authority, without the port:
/// "localhost", "127.0.0.1", "[::1]".
std::string host_name(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    return lower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  return lower(authority.substr(0, authority.find(':')));
}

bool is_loopback_name(const std::string &name) {
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

bool listed(const std::vector<std::string> &list, const std::string &value) {
  return std::find(list.begin(), list.end(), value) != list.end() ||
         std::find(list.begin(), list.end(), "*") != list.end();
}

void send_error(httplib::Response &res, int status, int code, std::string message,
                const json &id = nullptr) {
  res.status = status;
  res.set_content(mcp::error_response(id, code, std::move(message)).dump(), kJson);
}

} // namespace

struct HttpTransport::Impl {
  const mcp::Server &server;
  mcp::SessionStore &sessions;
  HttpTransportOptions options;
  httplib::Server http;
  std::mutex sweep_mutex;
  std::condition_variable sweep_wake;
  bool stopping = false;

  bool host_allowed(const httplib::Request &req) const {
    if (!req.has_header("Host"))
      return true;
    std::string name = host_name(req.get_header_value("Host"));
    return is_loopback_name(name) || name == lower(options.host) ||
           listed(options.allowed_hosts, name);
  }

  bool origin_allowed(const httplib::Request &req) const {
    if (!req.has_header("Origin"))
      return true;
    std::string origin = req.get_header_value("Origin");
    if (listed(options.allowed_origins, origin))
      return true;
    std::size_t scheme_end = origin.find("://");
    if (scheme_end == std::string::npos)
      return false;
    std::string scheme = lower(std::string_view(origin).substr(0, scheme_end));
    return (scheme == "http" || scheme == "https") &&
           is_loopback_name(host_name(std::string_view(origin).substr(scheme_end + 3)));
  }

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

  void post(const httplib::Request &req, httplib::Response &res) {
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
    json message = json::parse(req.body, nullptr, false);
    if (message.is_discarded()) {
      send_error(res, 400, mcp::kParseError, "parse error: the body is not valid JSON");
      return;
    }
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
    auto session = session_of(req, res, id);
    if (!session)
      return;
    if (req.has_header("MCP-Protocol-Version") &&
        !mcp::is_supported_protocol_version(req.get_header_value("MCP-Protocol-Version"))) {
      send_error(res, 400, mcp::kInvalidRequest,
                 "bad request: unsupported MCP-Protocol-Version \"" +
                     req.get_header_value("MCP-Protocol-Version").substr(0, 32) + "\"",
                 id);
      return;
    }
    std::optional<json> reply = server.handle(message, *session);
    if (!reply) {
      res.status = 202;
      return;
    }
    res.status = 200;
    res.set_content(reply->dump(), kJson);
  }

  void initialize(const json &message, httplib::Response &res) {
    auto session = sessions.create();
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
    std::unique_lock lock(sweep_mutex);
    while (!sweep_wake.wait_for(lock, std::chrono::seconds(1), [&] { return stopping; })) {
      if (std::size_t expired = sessions.expire_idle())
        log::debug(std::to_string(expired) + " idle session(s) expired");
    }
  }
};

HttpTransport::HttpTransport(const mcp::Server &server, mcp::SessionStore &sessions,
                             HttpTransportOptions options)
    : impl_(new Impl{server, sessions, std::move(options), {}, {}, {}, false}) {
  Impl &impl = *impl_;
  int threads = std::max(impl.options.threads, 1);
  impl.http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl.http.set_tcp_nodelay(true);
  // cpp-httplib's default also sets SO_REUSEPORT, which would let a second
  // server share the port silently instead of failing to bind.
  impl.http.set_socket_options([](socket_t socket) {
    int on = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  });
  impl.http.set_keep_alive_max_count(1000);
  impl.http.set_payload_max_length(impl.options.max_body_bytes);
  impl.http.set_pre_routing_handler([&impl](const httplib::Request &req, httplib::Response &res) {
    if (!impl.host_allowed(req)) {
      send_error(res, 403, mcp::kInvalidRequest, "forbidden: Host header not allowed");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!impl.origin_allowed(req)) {
      send_error(res, 403, mcp::kInvalidRequest, "forbidden: Origin not allowed");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  impl.http.Post("/mcp", [&impl](const httplib::Request &req, httplib::Response &res) {
    impl.post(req, res);
  });
  impl.http.Delete("/mcp", [&impl](const httplib::Request &req, httplib::Response &res) {
    impl.end_session(req, res);
  });
  impl.http.Get("/mcp", [](const httplib::Request &, httplib::Response &res) {
    res.set_header("Allow", "POST, DELETE");
    send_error(res, 405, mcp::kInvalidRequest,
               "method not allowed: this server offers no server-to-client SSE stream");
  });
  impl.http.set_error_handler([&impl](const httplib::Request &req, httplib::Response &res) {
    if (!res.body.empty())
      return;
    if (req.path == "/mcp" && res.status == 404) {
      res.set_header("Allow", "POST, DELETE");
      send_error(res, 405, mcp::kInvalidRequest, "method not allowed: use POST or DELETE");
      return;
    }
    std::string message = "bad request: the HTTP request could not be read";
    if (res.status == 404)
      message = "not found: the MCP endpoint is /mcp";
    else if (res.status == 413)
      message = "payload too large: the limit is " + std::to_string(impl.options.max_body_bytes) +
                " bytes";
    send_error(res, res.status, mcp::kInvalidRequest, std::move(message));
  });
  impl.http.set_exception_handler(
      [](const httplib::Request &, httplib::Response &res, std::exception_ptr) {
        send_error(res, 500, mcp::kInternalError, "internal error");
      });
}

HttpTransport::~HttpTransport() { stop(); }

Result<int> HttpTransport::bind() {
  const auto &options = impl_->options;
  int port = options.port == 0
                 ? impl_->http.bind_to_any_port(options.host)
                 : (impl_->http.bind_to_port(options.host, options.port) ? options.port : -1);
  if (port < 0)
    return Result<int>::failure("cannot listen on " + options.host + ":" +
                                std::to_string(options.port) +
                                " (in use, or not an address of this machine)");
  return port;
}

void HttpTransport::serve() {
  std::thread sweeper([this] { impl_->sweep_idle_sessions(); });
  impl_->http.listen_after_bind();
  {
    std::lock_guard lock(impl_->sweep_mutex);
    impl_->stopping = true;
  }
  impl_->sweep_wake.notify_all();
  sweeper.join();
}

void HttpTransport::stop() {
  if (impl_->http.is_running())
    impl_->http.stop();
}

} // namespace qovery_mcp
