// fake-qovery: Qovery's job-secret API, in memory, over HTTP(S), for the
// integration tests. The API itself is FakeQovery (src/fake_qovery.cpp, which
// --sandbox reuses); request recording and fault injection are this program's
// (controls.cpp); this file puts them behind cpp-httplib with the /_fake test
// controls:
//   GET/DELETE /_fake/requests   what the fake received / forget it
//   POST /_fake/reset            back to the seeded state
//   POST /_fake/faults           inject a fault ({"status":503,"count":2}, see parse_fake_fault)
//   DELETE /_fake/faults         no more faults

#include "controls.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/http_server.hpp"
#include "qovery_mcp/process.hpp"
#include "qovery_mcp/text.hpp"

#include <CLI/CLI.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace {

constexpr int kUsageError = 2;
constexpr int kRuntimeError = 1;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string cert_file;
  std::string key_file;
  std::string api_key;
  bool no_auth = false;
  int delay_ms = 0;           ///< answer every API request this late (benchmarks: a slow upstream)
  int threads = 32;           ///< worker threads; each open connection holds one
  std::string record_secrets; ///< file to append the key and every secret value to
};

/// Appends the secrets the fake is given, one per line, to a file, so that a
/// test suite can check that none of them shows up in anything the server wrote.
class SecretRecorder {
public:
  explicit SecretRecorder(const std::string &path) : out_(path, std::ios::app) {}
  explicit operator bool() const { return static_cast<bool>(out_); }
  void record(const std::string &secret) {
    std::lock_guard lock(mutex_);
    out_ << secret << '\n' << std::flush;
  }
  /// Records the `value` of a JSON request body, if it has one.
  void record_body(const std::string &body) {
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
    if (parsed.is_object() && parsed.contains("value") && parsed["value"].is_string())
      record(parsed["value"].get<std::string>());
  }

private:
  std::mutex mutex_;
  std::ofstream out_;
};

void print_error(const std::string &message) {
  std::fprintf(stderr, "fake-qovery: error: %s\n", message.c_str());
}

/// The recorded requests as the /_fake/requests JSON array: bodies parsed
/// when they are JSON, kept as strings otherwise.
std::string recorded_json(const std::vector<fake_qovery::RecordedRequest> &requests) {
  nlohmann::json array = nlohmann::json::array();
  for (const fake_qovery::RecordedRequest &request : requests) {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    array.push_back({{"method", request.method},
                     {"path", request.path},
                     {"auth_scheme", request.auth_scheme},
                     {"authorized", request.authorized},
                     {"body", body.is_discarded() ? nlohmann::json(request.body) : body}});
  }
  return array.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// The port of a socket's peer (`ends` = getpeername) or own end (getsockname); -1 if none.
int port_of(int socket, int (*ends)(int, sockaddr *, socklen_t *)) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (ends(socket, reinterpret_cast<sockaddr *>(&address), &length) != 0)
    return -1;
  if (address.ss_family == AF_INET)
    return ntohs(reinterpret_cast<sockaddr_in &>(address).sin_port);
  if (address.ss_family == AF_INET6)
    return ntohs(reinterpret_cast<sockaddr_in6 &>(address).sin6_port);
  return -1;
}

/// Closes the connection `request` came on, without answering it. httplib
/// does not give handlers the socket, so it is found by its two ports.
void close_connection(const httplib::Request &request) {
  std::error_code ignored;
  for (const auto &entry : std::filesystem::directory_iterator("/proc/self/fd", ignored)) {
    int socket = std::atoi(entry.path().filename().c_str());
    if (port_of(socket, getpeername) == request.remote_port &&
        port_of(socket, getsockname) == request.local_port)
      ::shutdown(socket, SHUT_RDWR);
  }
}

void json_error(httplib::Response &response, int status, const std::string &message) {
  response.status = status;
  response.set_content(nlohmann::json{{"error", message}}.dump(), "application/json");
}

void add_routes(httplib::Server &server, fake_qovery::FakeControls &fake, int delay_ms,
                SecretRecorder *secrets) {
  server.Get("/_fake/requests", [&fake](const httplib::Request &, httplib::Response &response) {
    response.set_content(recorded_json(fake.recorded()), "application/json");
  });
  server.Delete("/_fake/requests", [&fake](const httplib::Request &, httplib::Response &response) {
    fake.clear_recorded();
    response.status = 204;
  });
  server.Post("/_fake/reset", [&fake](const httplib::Request &, httplib::Response &response) {
    fake.reset();
    response.status = 204;
  });
  server.Post("/_fake/faults", [&fake](const httplib::Request &request,
                                       httplib::Response &response) {
    auto fault = fake_qovery::parse_fake_fault(nlohmann::json::parse(request.body, nullptr, false));
    if (!fault)
      return json_error(response, 400, fault.error());
    fake.inject(fault.value());
    response.status = 204;
  });
  server.Delete("/_fake/faults", [&fake](const httplib::Request &, httplib::Response &response) {
    fake.clear_faults();
    response.status = 204;
  });

  auto forward = [&fake, delay_ms, secrets](const httplib::Request &request,
                                            httplib::Response &response) {
    if (secrets != nullptr)
      secrets->record_body(request.body);
    if (delay_ms > 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    fake_qovery::ControlledResponse answer = fake.handle(
        {request.method, request.path, request.get_header_value("Authorization"), request.body});
    std::this_thread::sleep_for(answer.delay);
    if (answer.reset)
      return close_connection(request);
    response.status = answer.status;
    if (answer.retry_after)
      response.set_header("Retry-After", std::to_string(*answer.retry_after));
    if (!answer.body.empty())
      response.set_content(answer.body, "application/json");
  };
  // Errors raised by cpp-httplib itself (e.g. 400 for a POST with neither
  // Content-Length nor chunked encoding) get Qovery's error shape too.
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request &, httplib::Response &response) {
        if (!response.body.empty())
          return httplib::Server::HandlerResponse::Unhandled;
        nlohmann::ordered_json body = {{"status", response.status},
                                       {"detail", "the HTTP request could not be read"}};
        response.set_content(body.dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  const std::string everything = ".*";
  server.Get(everything, forward);
  server.Post(everything, forward);
  server.Put(everything, forward);
  server.Patch(everything, forward);
  server.Delete(everything, forward);
  server.Options(everything, forward);
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  CLI::App app{"fake-qovery: an in-memory stand-in for Qovery's job-secret API, for tests",
               "fake-qovery"};
  app.add_option("--host", options.host, "address to listen on")->capture_default_str();
  app.add_option("--port", options.port, "port to listen on; 0 picks a free port")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  auto *cert = app.add_option("--cert", options.cert_file, "PEM certificate: serve HTTPS")
                   ->check(CLI::ExistingFile);
  auto *key = app.add_option("--key", options.key_file, "PEM private key of --cert")
                  ->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  auto *api_key = app.add_option("--api-key", options.api_key,
                                 "the key clients must send (default: $QOVERY_API_KEY)");
  app.add_flag("--no-auth", options.no_auth, "accept every request, with or without a key")
      ->excludes(api_key);
  app.add_option("--delay-ms", options.delay_ms,
                 "answer every API request (not /_fake) after this many milliseconds")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  app.add_option("--threads", options.threads, "worker threads (each open connection holds one)")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("--record-secrets", options.record_secrets,
                 "append the API key and every secret value received to this file, one per line "
                 "(for tests that check no output leaks them)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    return app.exit(error) == 0 ? 0 : kUsageError;
  }

  qovery_mcp::FakeQoveryOptions fake_options;
  if (!options.no_auth) {
    const char *from_environment = std::getenv("QOVERY_API_KEY");
    if (options.api_key.empty() && from_environment)
      options.api_key = from_environment;
    if (options.api_key.empty()) {
      print_error("no API key: pass --api-key or set QOVERY_API_KEY (or --no-auth to accept "
                  "every request)");
      return kUsageError;
    }
    fake_options.api_key = options.api_key;
  }

  // Blocked before any thread starts, so that every thread inherits the mask
  // and only the waiter below receives them.
  sigset_t stop_signals = qovery_mcp::block_stop_signals();
  qovery_mcp::ignore_sigpipe();

  bool tls = !options.cert_file.empty();
  std::unique_ptr<httplib::Server> server;
  if (tls)
    server =
        std::make_unique<httplib::SSLServer>(options.cert_file.c_str(), options.key_file.c_str());
  else
    server = std::make_unique<httplib::Server>();
  if (!server->is_valid()) {
    print_error("cannot load the certificate " + options.cert_file + " with the key " +
                options.key_file);
    return kUsageError;
  }
  server->set_tcp_nodelay(true);
  server->set_keep_alive_max_count(1000);
  server->new_task_queue = [threads = options.threads] { return new httplib::ThreadPool(threads); };

  std::optional<SecretRecorder> secrets;
  if (!options.record_secrets.empty()) {
    secrets.emplace(options.record_secrets);
    if (!*secrets) {
      print_error("--record-secrets: cannot open " + options.record_secrets);
      return kUsageError;
    }
    if (!options.api_key.empty())
      secrets->record(options.api_key);
  }
  fake_qovery::FakeControls fake(std::move(fake_options));
  add_routes(*server, fake, options.delay_ms, secrets ? &*secrets : nullptr);

  qovery_mcp::HttpServerOptions listen_at;
  listen_at.host = options.host;
  listen_at.port = options.port;
  int port = qovery_mcp::bind_server(*server, listen_at);
  if (port < 0) {
    print_error("cannot listen on " + qovery_mcp::url_host(options.host) + ":" +
                std::to_string(options.port));
    return kRuntimeError;
  }
  std::fprintf(stderr, "fake-qovery: listening on %s://%s:%d\n", tls ? "https" : "http",
               qovery_mcp::url_host(options.host).c_str(), port);

  // stop() only works once listen_after_bind() is running, so a signal that
  // arrives earlier waits for it. After stop(), an idle keep-alive connection
  // still holds its worker until its keep-alive timeout (5 s): in-flight
  // requests get a short grace period, then the process leaves without them.
  std::atomic<bool> listen_returned{false};
  std::atomic<bool> stopped_by_signal{false};
  std::thread signal_waiter([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    while (!listen_returned && !server->is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (listen_returned)
      return;
    stopped_by_signal = true;
    server->stop();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    while (!listen_returned && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    if (!listen_returned)
      std::_Exit(0);
  });

  bool listened = server->listen_after_bind();
  listen_returned = true;
  // Wakes the waiter when listening ended without a signal.
  pthread_kill(signal_waiter.native_handle(), SIGTERM);
  signal_waiter.join();
  if (stopped_by_signal || listened)
    return 0;
  print_error("the server stopped unexpectedly");
  return kRuntimeError;
}
