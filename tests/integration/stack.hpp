#pragma once

#include "process.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace test {

inline const std::string kCertDir = QMCP_CERT_DIR;
inline const std::string kApiKey = "qov_test_9f8e7d6c5b4a";
inline const std::string kJobId = "11111111-1111-4111-8111-111111111111";
inline const std::string kProjectSecretId = "22222222-2222-4222-8222-222222222222";
inline const std::string kEnvironmentSecretId = "33333333-3333-4333-8333-333333333333";
inline const std::string kBuiltInSecretId = "44444444-4444-4444-8444-444444444444";
inline const std::string kJobSecretId = "55555555-5555-4555-8555-555555555555";

/// The file listing the secrets this test process used, one per line: the
/// fakes it starts append the key and every value they receive; tests add
/// other secrets (inbound tokens) with record_secret().
std::string secrets_file();
void record_secret(const std::string &secret);

/// fake-qovery over HTTPS with the test certificate, accepting `key`.
class FakeQoveryProcess {
public:
  explicit FakeQoveryProcess(const std::string &key = kApiKey, const std::string &cert = "server");
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port); }
  /// What the fake recorded, oldest first; clear_requests() forgets it.
  nlohmann::json requests();
  void clear_requests();
  /// Injects a fault into the fake's next answers (POST /_fake/faults):
  /// {"status":503,"count":2}, {"delay_ms":800}, {"reset":true}, {"body":"..."}.
  void inject_fault(const nlohmann::json &fault);

  std::unique_ptr<Process> process;
  int port = 0;
};

/// Whether a ServerProcess also serves the REST API.
enum class Rest { kOff, kOn };

/// The MCP server started with `args`, its MCP endpoint on a free port. The
/// REST API is off (--rest-port 0) so parallel tests never compete for 8080,
/// unless `rest` is Rest::kOn: then it listens on a free port, `rest_port`.
class ServerProcess {
public:
  /// `launcher`, when given, is the command line that runs the server
  /// (setpriv, prlimit ..., then the server binary), each execing the next in
  /// the same process; by default the built server alone.
  explicit ServerProcess(std::vector<std::string> args,
                         std::map<std::string, std::string> env = {{"QOVERY_API_KEY", kApiKey}},
                         Rest rest = Rest::kOff, std::vector<std::string> launcher = {});
  std::unique_ptr<Process> process;
  int port = 0;
  int rest_port = 0;
};

/// A port nothing listens on right now (bound on 127.0.0.1, then released).
int free_port();

/// A TCP connection to 127.0.0.1:`port` with TCP_NODELAY, as a file
/// descriptor the caller closes; throws when it cannot connect. `source`, a
/// loopback address such as "127.0.0.2", makes it come from another address.
int connect_loopback(int port, const char *source = nullptr);

/// The stdio line (newline included) of a tools/call list-job-secrets for kJobId.
std::string list_call_line(const nlohmann::json &id);

/// A fresh file name under /tmp (the file exists, empty), removed at the end
/// of the test: an --audit-log, for one.
struct TempPath {
  TempPath();
  ~TempPath();
  TempPath(const TempPath &) = delete;
  TempPath &operator=(const TempPath &) = delete;
  /// Each whole line of the file (one that ends in a newline) parsed as JSON.
  std::vector<nlohmann::json> json_lines() const;
  std::string path;
};

/// Polls `condition` every 20 ms until it holds (true) or `timeout` passes (false).
bool eventually(const std::function<bool()> &condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// One HTTP answer from the MCP endpoint.
struct HttpReply {
  int status = 0;
  std::string body;
  httplib::Headers headers;
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string &name) const;
};

/// The MCP request headers a 2026-07-28 client sends with `message`
/// (MCP-Protocol-Version, Mcp-Method, and Mcp-Name for a tools/call).
httplib::Headers modern_headers(const nlohmann::json &message);

/// A minimal MCP client over streamable HTTP.
class McpClient {
public:
  explicit McpClient(int port);
  /// POSTs `body` with the usual MCP headers plus `extra` (an empty value drops a header).
  HttpReply post(const std::string &body, const httplib::Headers &extra = {});
  HttpReply post(const nlohmann::json &message, const httplib::Headers &extra = {}) {
    return post(message.dump(), extra);
  }
  /// initialize + notifications/initialized, declaring `capabilities`;
  /// remembers the session id.
  nlohmann::json initialize(const std::string &version = "2025-11-25",
                            const nlohmann::json &capabilities = nlohmann::json::object());
  /// A request in the session; returns the whole JSON-RPC response.
  nlohmann::json request(const std::string &method, const nlohmann::json &params);
  /// tools/call in the session; returns the CallToolResult.
  nlohmann::json call(const std::string &tool, const nlohmann::json &arguments);
  HttpReply end_session();

  httplib::Client http;
  std::string session_id;
  int next_id = 1;
};

/// Runs `client` on `threads` threads at once and waits for them; returns the
/// messages of what any of them threw (an exception escaping a thread would
/// abort the whole test binary instead of failing the test).
std::vector<std::string> run_concurrently(int threads, const std::function<void()> &client);

} // namespace test
