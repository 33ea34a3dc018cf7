#include "stack.hpp"

#include <arpa/inet.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace test {

std::string secrets_file() {
  std::filesystem::create_directories(kOutputDir);
  return kOutputDir + "/secrets-" + std::to_string(getpid()) + ".txt";
}

void record_secret(const std::string &secret) {
  std::ofstream(secrets_file(), std::ios::app) << secret << '\n';
}

FakeQoveryProcess::FakeQoveryProcess(const std::string &key, const std::string &cert) {
  process = std::make_unique<Process>(
      std::vector<std::string>{QMCP_FAKE_BIN, "--cert", kCertDir + "/" + cert + ".pem", "--key",
                               kCertDir + "/" + cert + "-key.pem", "--port", "0",
                               "--record-secrets", secrets_file()},
      std::map<std::string, std::string>{{"QOVERY_API_KEY", key}});
  auto line = process->wait_for_stderr("listening on");
  if (!line)
    throw std::runtime_error("fake-qovery did not start: " + process->stderr_text());
  port = port_in(*line);
}

// The test's own control channel to the fake: not what is under test, and the
// fake may be serving a certificate nobody trusts on purpose.
nlohmann::json FakeQoveryProcess::requests() {
  httplib::Client client(url());
  client.enable_server_certificate_verification(false);
  auto res = client.Get("/_fake/requests");
  if (!res || res->status != 200)
    throw std::runtime_error("cannot read fake-qovery's recorded requests");
  return nlohmann::json::parse(res->body);
}

void FakeQoveryProcess::clear_requests() {
  httplib::Client client(url());
  client.enable_server_certificate_verification(false);
  client.Delete("/_fake/requests");
}

void FakeQoveryProcess::inject_fault(const nlohmann::json &fault) {
  httplib::Client client(url());
  client.enable_server_certificate_verification(false);
  auto res = client.Post("/_fake/faults", fault.dump(), "application/json");
  if (!res || res->status != 204)
    throw std::runtime_error("fake-qovery refused the fault " + fault.dump() + ": " +
                             (res ? res->body : httplib::to_string(res.error())));
}

std::string list_call_line(const nlohmann::json &id) {
  return nlohmann::json{
             {"jsonrpc", "2.0"},
             {"id", id},
             {"method", "tools/call"},
             {"params", {{"name", "list-job-secrets"}, {"arguments", {{"jobId", kJobId}}}}}}
             .dump() +
         "\n";
}

TempPath::TempPath() {
  char name[] = "/tmp/qmcp-test-XXXXXX";
  int fd = mkstemp(name);
  if (fd < 0)
    throw std::runtime_error("cannot create a file under /tmp");
  close(fd);
  path = name;
}

TempPath::~TempPath() { unlink(path.c_str()); }

std::vector<nlohmann::json> TempPath::json_lines() const {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string content = text.str();
  std::vector<nlohmann::json> lines;
  // A line still being written (no newline yet) is not complete.
  for (std::size_t start = 0, end; (end = content.find('\n', start)) != std::string::npos;
       start = end + 1)
    lines.push_back(nlohmann::json::parse(content.substr(start, end - start)));
  return lines;
}

bool eventually(const std::function<bool()> &condition, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("cannot create a socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  bool bound = bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
               getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0;
  close(fd);
  if (!bound)
    throw std::runtime_error("cannot find a free port");
  return ntohs(address.sin_port);
}

httplib::Headers modern_headers(const nlohmann::json &message) {
  httplib::Headers headers = {{"MCP-Protocol-Version", "2026-07-28"},
                              {"Mcp-Method", message["method"].get<std::string>()}};
  if (message["method"] == "tools/call")
    headers.emplace("Mcp-Name", message["params"]["name"].get<std::string>());
  return headers;
}

int connect_loopback(int port, const char *source) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    throw std::runtime_error("cannot create a socket");
  if (source != nullptr) {
    sockaddr_in from{};
    from.sin_family = AF_INET;
    inet_pton(AF_INET, source, &from.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr *>(&from), sizeof from) != 0) {
      close(fd);
      throw std::runtime_error(std::string("cannot bind a socket to ") + source);
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  if (connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
    close(fd);
    throw std::runtime_error("cannot connect to port " + std::to_string(port));
  }
  return fd;
}

ServerProcess::ServerProcess(std::vector<std::string> args, std::map<std::string, std::string> env,
                             Rest rest, std::vector<std::string> launcher) {
  if (launcher.empty())
    launcher.emplace_back(QMCP_SERVER_BIN);
  args.insert(args.begin(), launcher.begin(), launcher.end());
  args.insert(args.end(), {"--mcp-port", "0", "--rest-port", "0"});
  // A free port can be taken by someone else before the server binds it: try another.
  for (int attempt = 0; attempt < 5; ++attempt) {
    if (rest == Rest::kOn)
      args.back() = std::to_string(free_port());
    process = std::make_unique<Process>(args, env);
    auto line = process->wait_for_stderr("MCP endpoint");
    if (!line && rest == Rest::kOn &&
        process->stderr_text().find("--rest-port") != std::string::npos)
      continue;
    if (!line)
      throw std::runtime_error("the server did not start: " + process->stderr_text());
    port = port_in(*line);
    if (rest == Rest::kOff)
      return;
    auto rest_line = process->wait_for_stderr("REST endpoint");
    if (!rest_line)
      throw std::runtime_error("the REST API did not start: " + process->stderr_text());
    rest_port = port_in(*rest_line);
    return;
  }
  throw std::runtime_error("the server found no free REST port: " + process->stderr_text());
}

std::string HttpReply::header(const std::string &name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

McpClient::McpClient(int port) : http("127.0.0.1", port) { http.set_read_timeout(30, 0); }

HttpReply McpClient::post(const std::string &body, const httplib::Headers &extra) {
  httplib::Headers headers = {{"Accept", "application/json, text/event-stream"},
                              {"Content-Type", "application/json"}};
  if (!session_id.empty())
    headers.emplace("Mcp-Session-Id", session_id);
  for (const auto &[name, value] : extra) {
    headers.erase(name);
    if (!value.empty())
      headers.emplace(name, value);
  }
  std::string content_type =
      headers.count("Content-Type") ? headers.find("Content-Type")->second : std::string();
  headers.erase("Content-Type");
  auto res = http.Post("/mcp", headers, body, content_type.c_str());
  if (!res)
    throw std::runtime_error("POST /mcp failed: " + httplib::to_string(res.error()));
  return {res->status, res->body, res->headers};
}

nlohmann::json McpClient::initialize(const std::string &version,
                                     const nlohmann::json &capabilities) {
  HttpReply reply =
      post(nlohmann::json{{"jsonrpc", "2.0"},
                          {"id", next_id++},
                          {"method", "initialize"},
                          {"params",
                           {{"protocolVersion", version},
                            {"capabilities", capabilities},
                            {"clientInfo", {{"name", "integration-test"}, {"version", "1"}}}}}});
  if (reply.status != 200)
    throw std::runtime_error("initialize failed: " + reply.body);
  session_id = reply.header("Mcp-Session-Id");
  post(nlohmann::json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  return reply.json();
}

nlohmann::json McpClient::request(const std::string &method, const nlohmann::json &params) {
  HttpReply reply = post(
      nlohmann::json{{"jsonrpc", "2.0"}, {"id", next_id++}, {"method", method}, {"params", params}},
      {{"MCP-Protocol-Version", "2025-11-25"}});
  return reply.json();
}

nlohmann::json McpClient::call(const std::string &tool, const nlohmann::json &arguments) {
  nlohmann::json response = request("tools/call", {{"name", tool}, {"arguments", arguments}});
  if (!response.contains("result"))
    throw std::runtime_error("tools/call " + tool + " failed: " + response.dump());
  return response["result"];
}

HttpReply McpClient::end_session() {
  auto res = http.Delete("/mcp", {{"Mcp-Session-Id", session_id}});
  if (!res)
    throw std::runtime_error("DELETE /mcp failed");
  return {res->status, res->body, res->headers};
}

std::vector<std::string> run_concurrently(int threads, const std::function<void()> &client) {
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> running;
  for (int i = 0; i < threads; ++i) {
    running.emplace_back([&] {
      try {
        client();
      } catch (const std::exception &e) {
        std::lock_guard lock(failures_mutex);
        failures.emplace_back(e.what());
      }
    });
  }
  for (auto &thread : running)
    thread.join();
  return failures;
}

} // namespace test
