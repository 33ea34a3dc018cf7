#pragma once

// What the tests of the value-entry and import pages share: the stack they
// run (fake-qovery, the server, an MCP client) and a browser-like client of
// the pages that checks every answer's security headers.

#include "process.hpp"
#include "stack.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace test {

inline std::string text_of(const nlohmann::json &result) { return result["content"][0]["text"]; }

/// The requests `fake` got that change something (any but GET).
inline std::vector<nlohmann::json> writes_to(FakeQoveryProcess &fake) {
  std::vector<nlohmann::json> found;
  for (const nlohmann::json &request : fake.requests())
    if (request["method"] != "GET")
      found.push_back(request);
  return found;
}

/// fake-qovery, the server pointed at it with an audit log and debug logs,
/// and an initialized MCP client.
struct EntryStack {
  explicit EntryStack(std::vector<std::string> extra = {},
                      std::map<std::string, std::string> env = {{"QOVERY_API_KEY", kApiKey}})
      : server(with_defaults(std::move(extra), fake, audit), std::move(env)), client(server.port) {}
  static std::vector<std::string> with_defaults(std::vector<std::string> extra,
                                                const FakeQoveryProcess &fake,
                                                const TempPath &audit) {
    std::vector<std::string> args = {"--api-url",   fake.url(), "--ca-file",   kCertDir + "/ca.pem",
                                     "--audit-log", audit.path, "--log-level", "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  /// The origin of the server's links (127.0.0.1 unless --host says otherwise).
  std::string origin(const std::string &host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(server.port);
  }
  /// The requests fake-qovery got that change something (any but GET).
  std::vector<nlohmann::json> writes() { return writes_to(fake); }
  FakeQoveryProcess fake;
  TempPath audit;
  ServerProcess server;
  McpClient client;
};

/// The link in a tool result's text: its path, "/entry/<id>" (32 hex digits,
/// or a sealed entry's base64url with --stateless), after checking
/// that it starts with `origin`.
inline std::string link_path(const nlohmann::json &result, const std::string &origin) {
  std::smatch match;
  std::string text = text_of(result);
  REQUIRE(std::regex_search(text, match,
                            std::regex(R"((https?://[^/ ]+)(/entry/[A-Za-z0-9_-]{32,}))")));
  CHECK(match[1].str() == origin);
  return match[2].str();
}

/// The page's hidden CSRF token.
inline std::string csrf_in(const std::string &page) {
  std::smatch match;
  REQUIRE(std::regex_search(page, match, std::regex(R"re(name="csrf" value="([0-9a-f]+)")re")));
  return match[1].str();
}

/// What a page answer must carry, whatever it says.
inline void check_security_headers(const HttpReply &reply) {
  INFO("status " << reply.status);
  CHECK(reply.header("Cache-Control") == "no-store");
  std::string policy = reply.header("Content-Security-Policy");
  CHECK(policy.find("default-src 'none'") != std::string::npos);
  CHECK(policy.find("form-action 'self'") != std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find("unsafe-inline") == std::string::npos);
  CHECK(reply.header("X-Frame-Options") == "DENY");
  CHECK(reply.header("Referrer-Policy") == "no-referrer");
  CHECK(reply.header("X-Content-Type-Options") == "nosniff");
  CHECK(reply.header("Access-Control-Allow-Origin").empty());
}

/// A browser-like client of the page on 127.0.0.1:`port` (or `address`).
struct Browser {
  explicit Browser(int port, const std::string &address = "127.0.0.1") : http(address, port) {
    http.set_read_timeout(30, 0);
  }
  HttpReply reply(const httplib::Result &res) {
    if (!res)
      throw std::runtime_error("the page did not answer: " + httplib::to_string(res.error()));
    HttpReply got{res->status, res->body, res->headers};
    check_security_headers(got);
    answers += got.body;
    return got;
  }
  HttpReply get(const std::string &path, const httplib::Headers &headers = {}) {
    return reply(http.Get(path.c_str(), headers));
  }
  /// POSTs `fields` as application/x-www-form-urlencoded.
  HttpReply post(const std::string &path, const httplib::Params &fields,
                 const httplib::Headers &headers) {
    return reply(http.Post(path.c_str(), headers, httplib::detail::params_to_query_str(fields),
                           "application/x-www-form-urlencoded"));
  }
  httplib::Client http;
  std::string answers; ///< every page body, for the transcript
};

/// One line of a plan page, as the person sees it.
struct PlanLine {
  std::string index; ///< the checkbox's value; "" for a refused line
  bool checked = false;
  std::string action; ///< create, replace, override or refused
};

/// The plan page's lines by key.
inline std::map<std::string, PlanLine> plan_of(const std::string &page) {
  std::map<std::string, PlanLine> lines;
  const std::regex applicable(
      R"re(<input type="checkbox" name="line" value="([0-9]+)"( checked)?><b>([^<]+)</b> ([a-z]+))re");
  for (std::sregex_iterator it(page.begin(), page.end(), applicable), end; it != end; ++it)
    lines[(*it)[3]] = {(*it)[1], (*it)[2].matched, (*it)[4]};
  const std::regex refused(R"re(<li class="refused">(?:<b>([^<]+)</b> )?refused: )re");
  for (std::sregex_iterator it(page.begin(), page.end(), refused), end; it != end; ++it)
    lines[(*it)[1].matched ? (*it)[1].str() : "(problem)"] = {"", false, "refused"};
  return lines;
}

/// The plan page's hidden plan token.
inline std::string plan_token(const std::string &page) {
  std::smatch match;
  REQUIRE(std::regex_search(page, match, std::regex(R"re(name="plan" value="([0-9a-f]+)")re")));
  return match[1].str();
}

/// POSTs the .env `text` to the import page `path` as the browser does
/// (multipart, pasted or as the file).
inline HttpReply send_file(Browser &browser, const std::string &path, const std::string &csrf,
                           const std::string &text, const httplib::Headers &headers,
                           bool uploaded = false) {
  httplib::MultipartFormDataItems items = {
      {"csrf", csrf, "", ""},
      {"dotenv", uploaded ? "" : text, "", ""},
      {"file", uploaded ? text : "", uploaded ? "app.env" : "", "application/octet-stream"}};
  return browser.reply(browser.http.Post((path + "/plan").c_str(), headers, items));
}

/// The server over --stdio pointed at `fake` with debug logs (and `extra`
/// arguments), spoken to line by line; every line both ways is kept in
/// `transcript`, to be searched for a value.
struct StdioServer {
  explicit StdioServer(const FakeQoveryProcess &fake, std::vector<std::string> extra = {})
      : process(argv(fake, std::move(extra)), {{"QOVERY_API_KEY", kApiKey}}) {}
  static std::vector<std::string> argv(const FakeQoveryProcess &fake,
                                       std::vector<std::string> extra) {
    std::vector<std::string> args = {QMCP_SERVER_BIN, "--stdio",   "--api-url",
                                     fake.url(),      "--ca-file", kCertDir + "/ca.pem",
                                     "--log-level",   "debug"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  /// Writes `message` as one line.
  void send(const nlohmann::json &message) {
    process.write_stdin(message.dump() + "\n");
    transcript += message.dump();
  }
  /// The next line the server writes, parsed; the test fails when none comes within 30 s.
  nlohmann::json read() {
    std::optional<std::string> line = process.read_stdout_line(std::chrono::seconds(30));
    REQUIRE(line);
    transcript += *line;
    return nlohmann::json::parse(*line);
  }
  /// send(), then read() the next line.
  nlohmann::json exchange(const nlohmann::json &message) {
    send(message);
    return read();
  }
  /// initialize (id 1) in the 2025-11-25 era, declaring `capabilities`; its answer.
  nlohmann::json initialize(const nlohmann::json &capabilities = nlohmann::json::object()) {
    return exchange({{"jsonrpc", "2.0"},
                     {"id", 1},
                     {"method", "initialize"},
                     {"params",
                      {{"protocolVersion", "2025-11-25"},
                       {"capabilities", capabilities},
                       {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}});
  }
  /// A tools/call request of `tool` with `arguments`, numbered `id`.
  static nlohmann::json call(int id, const std::string &tool, const nlohmann::json &arguments) {
    return {{"jsonrpc", "2.0"},
            {"id", id},
            {"method", "tools/call"},
            {"params", {{"name", tool}, {"arguments", arguments}}}};
  }
  Process process;
  std::string transcript;
};

/// A link to the pages' own loopback listener (--stdio) found in `text`.
struct LoopbackLink {
  int port = 0;
  std::string path; ///< "/entry/<id>"
  std::string origin() const { return "http://127.0.0.1:" + std::to_string(port); }
};
inline LoopbackLink loopback_link(const std::string &text) {
  std::smatch match;
  REQUIRE(std::regex_search(text, match,
                            std::regex(R"(http://127\.0\.0\.1:([0-9]+)(/entry/[0-9a-f]{32}))")));
  return {std::stoi(match[1].str()), match[2].str()};
}

/// The headers a browser sends with a form from the page at `origin`.
inline httplib::Headers from_page(const std::string &origin) {
  return {{"Origin", origin}, {"Sec-Fetch-Site", "same-origin"}};
}

inline std::string read_all(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// A 2026-07-28 tools/call `message` with the client capabilities `capabilities`.
inline nlohmann::json modern_call(int id, const std::string &tool, const nlohmann::json &arguments,
                                  const nlohmann::json &capabilities = {
                                      {"elicitation", {{"url", nlohmann::json::object()}}}}) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params",
           {{"name", tool},
            {"arguments", arguments},
            {"_meta",
             {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
              {"io.modelcontextprotocol/clientCapabilities", capabilities}}}}}};
}

/// `asked`'s retry: the same call, a new id, `responses` and the state echoed.
inline nlohmann::json retry(nlohmann::json asked, int id, const nlohmann::json &responses,
                            const std::string &state) {
  asked["id"] = id;
  asked["params"]["inputResponses"] = responses;
  asked["params"]["requestState"] = state;
  return asked;
}

} // namespace test
