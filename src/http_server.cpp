#include "qovery_mcp/http_server.hpp"

#include "qovery_mcp/text.hpp"

#include <httplib.h>

#include <algorithm>
#include <thread>

namespace qovery_mcp {
namespace {

/// The host name of a Host header or an origin's authority, without the port:
/// "localhost", "127.0.0.1", "[::1]".
std::string host_name(std::string_view authority) {
  if (!authority.empty() && authority.front() == '[') {
    std::size_t close = authority.find(']');
    return to_lower(
        authority.substr(0, close == std::string_view::npos ? authority.size() : close + 1));
  }
  return to_lower(authority.substr(0, authority.find(':')));
}

bool is_loopback_name(const std::string &name) {
  return name == "localhost" || name == "127.0.0.1" || name == "[::1]";
}

bool listed(const std::vector<std::string> &list, const std::string &value) {
  return std::find(list.begin(), list.end(), value) != list.end() ||
         std::find(list.begin(), list.end(), "*") != list.end();
}

} // namespace

bool host_allowed(std::string_view host_header, const HttpServerOptions &options) {
  std::string name = host_name(host_header);
  return is_loopback_name(name) || name == to_lower(options.host) ||
         name == "[" + to_lower(options.host) + "]" || listed(options.allowed_hosts, name);
}

bool origin_allowed(std::string_view origin, const HttpServerOptions &options) {
  if (listed(options.allowed_origins, std::string(origin)))
    return true;
  std::size_t scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos)
    return false;
  std::string scheme = to_lower(origin.substr(0, scheme_end));
  return (scheme == "http" || scheme == "https") &&
         is_loopback_name(host_name(origin.substr(scheme_end + 3)));
}

void configure_server(httplib::Server &server, const HttpServerOptions &options,
                      std::string (*forbidden_body)(const std::string &reason)) {
  int threads = std::max(options.threads, 1);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_socket_options([](socket_t socket) {
    int on = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  });
  server.set_keep_alive_max_count(1000);
  server.set_payload_max_length(options.max_body_bytes);
  server.set_pre_routing_handler([options, forbidden_body](const httplib::Request &req,
                                                           httplib::Response &res) {
    const char *reason = nullptr;
    if (req.has_header("Host") && !host_allowed(req.get_header_value("Host"), options))
      reason = "forbidden: Host header not allowed";
    else if (req.has_header("Origin") && !origin_allowed(req.get_header_value("Origin"), options))
      reason = "forbidden: Origin not allowed";
    if (reason == nullptr)
      return httplib::Server::HandlerResponse::Unhandled;
    res.status = 403;
    res.set_content(forbidden_body(reason), "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
}

int bind_server(httplib::Server &server, const HttpServerOptions &options) {
  if (options.port == 0)
    return server.bind_to_any_port(options.host);
  return server.bind_to_port(options.host, options.port) ? options.port : -1;
}

ListeningServer::ListeningServer(HttpServerOptions options,
                                 std::string (*forbidden_body)(const std::string &reason))
    : options_(std::move(options)), http_(std::make_unique<httplib::Server>()) {
  configure_server(*http_, options_, forbidden_body);
}

ListeningServer::~ListeningServer() { stop(); }

Result<int> ListeningServer::bind() {
  int port = bind_server(*http_, options_);
  if (port < 0)
    return Result<int>::failure("cannot listen on " + options_.host + ":" +
                                std::to_string(options_.port) +
                                " (in use, or not an address of this machine)");
  return port;
}

void ListeningServer::serve() {
  {
    std::lock_guard lock(state_mutex_);
    if (stop_requested_)
      return;
    serving_ = true;
  }
  http_->listen_after_bind();
  {
    std::lock_guard lock(state_mutex_);
    stop_requested_ = true;
    serving_ = false;
  }
  state_changed_.notify_all();
}

void ListeningServer::stop() {
  {
    std::lock_guard lock(state_mutex_);
    stop_requested_ = true;
  }
  state_changed_.notify_all();
  // listen_after_bind() may not have begun: httplib ignores a stop until it has.
  while (serving_ && !http_->is_running())
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  http_->stop();
}

bool ListeningServer::wait_for_stop(std::chrono::milliseconds period) {
  std::unique_lock lock(state_mutex_);
  return state_changed_.wait_for(lock, period, [this] { return stop_requested_; });
}

} // namespace qovery_mcp
