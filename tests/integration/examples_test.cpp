// The files in examples/, run the way their readers run them, so they cannot
// rot: the Claude Desktop config is started as written, the commands of
// claude-code.md are extracted and started, and the curl scripts run against
// a sandbox server.

#include "stack.hpp"

#include "qovery_mcp/capability.hpp"
#include "qovery_mcp/resources.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <fstream>
#include <netinet/in.h>
#include <regex>
#include <set>
#include <sstream>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace test;

namespace {

const std::string kExamples = std::string(QMCP_SOURCE_DIR) + "/examples";
/// Where the examples say the binary is installed; replaced by the built one.
const std::string kInstalledBinary = "/usr/local/bin/qovery-job-secret-mcp";
const std::set<std::string> kAllTools = {"list-job-secrets",
                                         "add-secret-job",
                                         "delete-secret-job",
                                         "edit-secret-belonging-job",
                                         "create-secret-alias-job-level",
                                         "create-secret-override-job-level",
                                         "import-job-secrets-from-dotenv"};

std::string read_text(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw std::runtime_error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The built-in capability's ports: what the examples' default URLs must name.
struct CapabilityPorts {
  int mcp = 0;
  int rest = 0;
};

CapabilityPorts capability_ports() {
  auto capability =
      qovery_mcp::parse_capability(std::string(*qovery_mcp::resource("capability.naftiko.yaml")));
  if (!capability)
    throw std::runtime_error(capability.error());
  return {capability->mcp_port, capability->rest_port};
}

/// Waits until something accepts connections on 127.0.0.1:`port`.
bool wait_for_listener(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<uint16_t>(port));
    bool connected = connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0;
    close(fd);
    if (connected)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

/// The server over HTTP, started with `args` after the binary; waits for its
/// MCP endpoint line ("MCP endpoint http://127.0.0.1:PORT/mcp").
struct HttpServer {
  HttpServer(std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), QMCP_SERVER_BIN);
    process = std::make_unique<Process>(std::move(args), std::move(env));
    auto line = process->wait_for_stderr("MCP endpoint");
    if (!line)
      throw std::runtime_error("the server did not start: " + process->stderr_text());
    endpoint_line = *line;
    port = port_in(*line);
  }
  std::unique_ptr<Process> process;
  std::string endpoint_line;
  int port = 0;
};

/// A sandbox server with its MCP endpoint on a free port and the REST adapter
/// on `rest_port` (0: none).
HttpServer sandbox_server(int rest_port = 0, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--sandbox", "--mcp-port", "0", "--rest-port",
                                   std::to_string(rest_port)};
  args.insert(args.end(), extra.begin(), extra.end());
  return HttpServer(std::move(args), {{"QOVERY_API_KEY", ""}});
}

/// A sandbox server with the REST adapter on a free port, in `rest_port`
/// (another one when that port was taken before the server could bind it).
HttpServer rest_sandbox_server(int &rest_port) {
  for (int attempt = 1;; ++attempt) {
    rest_port = free_port();
    try {
      return sandbox_server(rest_port);
    } catch (const std::runtime_error &) {
      if (attempt == 5)
        throw;
    }
  }
}

std::string message_line(const json &message) { return message.dump() + "\n"; }

json request(int id, const std::string &method, const json &params) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

json initialize_params(const std::string &client) {
  return {{"protocolVersion", "2025-06-18"},
          {"capabilities", json::object()},
          {"clientInfo", {{"name", client}, {"version", "1"}}}};
}

/// The tools the .env import uses: with --tools, it is offered when all are named.
const std::array<const char *, 4> kImportUses = {"list-job-secrets", "add-secret-job",
                                                 "edit-secret-belonging-job",
                                                 "create-secret-override-job-level"};

std::set<std::string> tool_names(const json &tools_list_result) {
  std::set<std::string> names;
  for (const auto &tool : tools_list_result["tools"])
    names.insert(tool["name"].get<std::string>());
  return names;
}

/// The tools a server started with `args` should offer.
std::set<std::string> expected_tools(const std::vector<std::string> &args) {
  std::set<std::string> tools = kAllTools;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--read-only")
      tools = {"list-job-secrets"};
    if (args[i] == "--tools" && i + 1 < args.size()) {
      std::set<std::string> named;
      std::stringstream list(args[i + 1]);
      for (std::string name; std::getline(list, name, ',');)
        named.insert(name);
      // The server's own .env import comes with the four tools it uses.
      if (std::all_of(kImportUses.begin(), kImportUses.end(),
                      [&named](const char *used) { return named.count(used) == 1; }))
        named.insert("import-job-secrets-from-dotenv");
      tools = named;
    }
  }
  return tools;
}

/// What a stdio session saw: the answers to initialize, tools/list and
/// tools/call list-job-secrets, and the exit status after stdin closed.
struct StdioSession {
  json initialize;
  json tools_list;
  json list_call;
  int exit_status = -1;
};

/// Speaks to a `--stdio` server as Claude Desktop and Claude Code do:
/// initialize, then (after its answer) notifications/initialized, tools/list
/// and one tools/call; then closes stdin. Checks on the way that stdout carries
/// one JSON-RPC response per request, in order, and nothing else.
StdioSession stdio_session(Process &server) {
  StdioSession session;
  auto answer = [&](int id) {
    auto line = server.read_stdout_line();
    REQUIRE(line);
    INFO("stdout line: " << *line);
    json message = json::parse(*line, nullptr, false);
    REQUIRE_FALSE(message.is_discarded());
    CHECK(message["jsonrpc"] == "2.0");
    CHECK(message["id"] == id);
    return message;
  };
  server.write_stdin(message_line(request(1, "initialize", initialize_params("examples-test"))));
  session.initialize = answer(1);
  server.write_stdin(message_line({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}));
  server.write_stdin(message_line(request(2, "tools/list", json::object())));
  session.tools_list = answer(2); // nothing came back for the notification
  server.write_stdin(list_call_line(3));
  session.list_call = answer(3);
  server.close_stdin();
  session.exit_status = server.wait();
  CHECK_FALSE(server.read_stdout_line(std::chrono::milliseconds(200))); // nothing else on stdout
  return session;
}

/// The checks every stdio session of an example must pass against fake-qovery.
void check_stdio_session(const StdioSession &session, const std::set<std::string> &tools,
                         FakeQoveryProcess &fake) {
  CHECK(session.initialize["result"]["protocolVersion"] == "2025-06-18");
  CHECK(session.initialize["result"]["serverInfo"]["name"] == "qovery-job-secret-mcp");
  CHECK(tool_names(session.tools_list["result"]) == tools);
  REQUIRE(session.list_call.contains("result"));
  CHECK_FALSE(session.list_call["result"].contains("isError"));
  CHECK(session.list_call["result"]["structuredContent"]["results"].size() == 4);
  CHECK(session.exit_status == 0);
  // The key from the example's environment reached Qovery, as a Token.
  json requests = fake.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0]["method"] == "GET");
  CHECK(requests[0]["path"] == "/job/" + kJobId + "/secret");
  CHECK(requests[0]["authorized"] == true);
}

/// Environment that points a server at the test's fake-qovery: nothing else.
std::map<std::string, std::string> pointed_at(FakeQoveryProcess &fake) {
  return {{"QOVERY_API_URL", fake.url()}, {"QOVERY_CA_FILE", kCertDir + "/ca.pem"}};
}

// ---- shell commands in markdown ------------------------------------------

/// The words of a shell command line, as sh would split them, without
/// expansions: quotes are removed, "$VAR" stays as the text $VAR, and a word
/// starting with # starts a comment.
std::vector<std::string> shell_words(const std::string &line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t') {
      if (in_word)
        words.push_back(word);
      word.clear();
      in_word = false;
    } else if (c == '#' && !in_word) {
      break;
    } else if (c == '\'' || c == '"') {
      std::size_t end = line.find(c, i + 1);
      if (end == std::string::npos)
        throw std::runtime_error("unbalanced quote in: " + line);
      word += line.substr(i + 1, end - i - 1);
      in_word = true;
      i = end;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word)
    words.push_back(word);
  return words;
}

/// Every command line in the fenced code blocks of a markdown text (lines
/// ending in a backslash joined with the next), as words.
std::vector<std::vector<std::string>> fenced_commands(const std::string &markdown) {
  std::vector<std::vector<std::string>> commands;
  std::istringstream in(markdown);
  bool fenced = false;
  std::string pending;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("```", 0) == 0) {
      fenced = !fenced;
      continue;
    }
    if (!fenced)
      continue;
    if (!line.empty() && line.back() == '\\') {
      pending += line.substr(0, line.size() - 1) + " ";
      continue;
    }
    std::vector<std::string> words = shell_words(pending + line);
    pending.clear();
    if (!words.empty())
      commands.push_back(std::move(words));
  }
  return commands;
}

/// A `claude mcp add` command taken apart as Claude Code reads it.
struct ClaudeMcpAdd {
  std::string transport = "stdio";
  std::string scope = "local";
  std::string name;
  std::string url;                        ///< the URL, for http
  std::map<std::string, std::string> env; ///< --env K=V
  std::vector<std::string> command;       ///< after --, for stdio
};

ClaudeMcpAdd parse_claude_mcp_add(const std::vector<std::string> &words) {
  ClaudeMcpAdd add;
  std::vector<std::string> positional;
  std::size_t i = 3; // after "claude mcp add"
  for (; i < words.size(); ++i) {
    const std::string &word = words[i];
    if (word == "--") {
      add.command.assign(words.begin() + static_cast<long>(i) + 1, words.end());
      break;
    }
    if ((word == "--transport" || word == "-t") && i + 1 < words.size()) {
      add.transport = words[++i];
    } else if ((word == "--scope" || word == "-s") && i + 1 < words.size()) {
      add.scope = words[++i];
    } else if (word == "--env" || word == "-e") {
      // Variadic, as in Claude Code: every following KEY=value word.
      while (i + 1 < words.size() && words[i + 1].find('=') != std::string::npos &&
             words[i + 1].rfind("-", 0) != 0) {
        const std::string &pair = words[++i];
        add.env[pair.substr(0, pair.find('='))] = pair.substr(pair.find('=') + 1);
      }
    } else if (word.rfind("-", 0) == 0) {
      throw std::runtime_error("claude mcp add: option not understood by the test: " + word);
    } else {
      positional.push_back(word);
    }
  }
  if (!positional.empty())
    add.name = positional[0];
  if (add.transport == "http" && positional.size() > 1)
    add.url = positional[1];
  return add;
}

struct Url {
  std::string host;
  int port = 0;
  std::string path;
};

Url parse_http_url(const std::string &url) {
  static const std::regex pattern(R"(http://([^/:]+|\[[^\]]+\]):(\d+)(/.*)?)");
  std::smatch match;
  if (!std::regex_match(url, match, pattern))
    throw std::runtime_error("not an http URL with a port: " + url);
  return {match[1].str(), std::stoi(match[2].str()), match[3].str()};
}

/// The server binary a command names, replaced by the built one; the rest as written.
std::vector<std::string> with_built_binary(std::vector<std::string> command) {
  REQUIRE_FALSE(command.empty());
  CHECK(command[0] == kInstalledBinary);
  command[0] = QMCP_SERVER_BIN;
  return command;
}

// ---- scripts ---------------------------------------------------------------

struct ScriptRun {
  int status = -1;
  std::vector<std::string> lines; ///< stdout
  std::string errors;             ///< stderr
  /// The answers' bodies that are JSON (lines "< {...}"), in order.
  std::vector<json> answers() const {
    std::vector<json> bodies;
    for (const auto &line : lines)
      if (line.rfind("< {", 0) == 0)
        bodies.push_back(json::parse(line.substr(2)));
    return bodies;
  }
  /// The HTTP statuses it printed ("< HTTP 200"), in order.
  std::vector<int> statuses() const {
    std::vector<int> codes;
    for (const auto &line : lines)
      if (line.rfind("< HTTP ", 0) == 0)
        codes.push_back(std::stoi(line.substr(7)));
    return codes;
  }
  bool printed(const std::string &text) const {
    for (const auto &line : lines)
      if (line.find(text) != std::string::npos)
        return true;
    return false;
  }
};

/// Runs examples/`script` (by its #! line: it must be executable) with `env`
/// added, reading its output until it exits.
ScriptRun run_script(const std::string &script, std::map<std::string, std::string> env) {
  // The test's own environment must not choose for the script.
  for (const char *name :
       {"MCP_URL", "REST_URL", "JOB_ID", "SECRET_KEY", "ALIAS_TARGET_ID", "OVERRIDE_TARGET_ID"})
    env.emplace(name, "");
  Process process({kExamples + "/" + script}, env);
  process.close_stdin();
  ScriptRun run;
  while (auto line = process.read_stdout_line(std::chrono::seconds(60)))
    run.lines.push_back(*line);
  run.status = process.wait(std::chrono::seconds(30));
  run.errors = process.stderr_text();
  return run;
}

/// The sandbox's secrets, listed over MCP: the script must leave them as it found them.
std::set<std::string> sandbox_secret_keys(int mcp_port) {
  McpClient client(mcp_port);
  client.initialize();
  json listed = client.call("list-job-secrets", {{"jobId", kJobId}});
  std::set<std::string> keys;
  for (const auto &secret : listed["structuredContent"]["results"])
    keys.insert(secret["key"].get<std::string>());
  return keys;
}

const std::set<std::string> kSeededKeys = {"DATABASE_PASSWORD", "STRIPE_API_KEY",
                                           "QOVERY_POSTGRESQL_Z8F3A2B1C_PASSWORD",
                                           "JOB_SIGNING_KEY"};

} // namespace

TEST_CASE("Example claude_desktop_config.json: started as written, a whole stdio session",
          "[examples]") {
  json config = json::parse(read_text(kExamples + "/claude_desktop_config.json"));
  REQUIRE(config["mcpServers"].size() == 1);
  REQUIRE(config["mcpServers"].contains("qovery-job-secrets"));
  const json &entry = config["mcpServers"]["qovery-job-secrets"];
  CHECK(entry["command"] == kInstalledBinary);
  CHECK(entry["args"] == json{"--stdio"});
  REQUIRE(entry["env"].contains("QOVERY_API_KEY"));
  std::string placeholder = entry["env"]["QOVERY_API_KEY"];
  CHECK(placeholder.front() == '<'); // a placeholder, never a real key

  // command (path substituted), args and env exactly as written; the key
  // substituted; the fake's URL and CA added to the environment.
  std::vector<std::string> argv = {QMCP_SERVER_BIN};
  for (const auto &arg : entry["args"])
    argv.push_back(arg.get<std::string>());
  FakeQoveryProcess fake;
  std::map<std::string, std::string> env = pointed_at(fake);
  for (const auto &[name, value] : entry["env"].items())
    env[name] = value.get<std::string>();
  env["QOVERY_API_KEY"] = kApiKey;
  Process server(argv, env);

  StdioSession session = stdio_session(server);
  check_stdio_session(session, kAllTools, fake);
  std::string errors = server.stderr_text();
  CHECK(errors.find(kApiKey) == std::string::npos);
}

TEST_CASE("Example claude-code.md: the stdio commands Claude Code would run work", "[examples]") {
  std::vector<ClaudeMcpAdd> stdio_adds;
  for (const auto &words : fenced_commands(read_text(kExamples + "/claude-code.md")))
    if (words.size() > 3 && words[0] == "claude" && words[1] == "mcp" && words[2] == "add") {
      ClaudeMcpAdd add = parse_claude_mcp_add(words);
      if (add.transport == "stdio")
        stdio_adds.push_back(add);
    }
  // The plain one, and the safer ones the page promises.
  REQUIRE(stdio_adds.size() >= 3);
  std::set<std::set<std::string>> offered;
  for (const auto &add : stdio_adds) {
    INFO("claude mcp add " << add.name);
    CHECK(add.name.rfind("qovery-job-secrets", 0) == 0);
    REQUIRE(add.env.count("QOVERY_API_KEY") == 1);
    std::vector<std::string> command = with_built_binary(add.command);
    CHECK(std::find(command.begin(), command.end(), "--stdio") != command.end());
    FakeQoveryProcess fake;
    std::map<std::string, std::string> env = pointed_at(fake);
    for (const auto &[name, value] : add.env)
      env[name] = value;
    env["QOVERY_API_KEY"] = kApiKey;
    Process server(command, env);
    std::set<std::string> tools = expected_tools(command);
    check_stdio_session(stdio_session(server), tools, fake);
    offered.insert(tools);
  }
  CHECK(offered.count(kAllTools) == 1);
  CHECK(offered.count({"list-job-secrets"}) == 1); // --read-only
  CHECK(offered.size() >= 3);                      // and a --tools selection
}

TEST_CASE("Example claude-code.md: the HTTP URL is the endpoint the servers it starts serve",
          "[examples]") {
  std::vector<ClaudeMcpAdd> http_adds;
  std::vector<std::vector<std::string>> servers;
  for (const auto &words : fenced_commands(read_text(kExamples + "/claude-code.md"))) {
    if (words.size() > 3 && words[0] == "claude" && words[1] == "mcp" && words[2] == "add") {
      ClaudeMcpAdd add = parse_claude_mcp_add(words);
      if (add.transport == "http")
        http_adds.push_back(add);
    } else if (words[0] == kInstalledBinary) {
      servers.push_back(words);
    }
  }
  REQUIRE_FALSE(http_adds.empty());
  REQUIRE(servers.size() >= 2); // the plain server and a --read-only one
  std::set<std::string> scopes;
  for (const auto &add : http_adds)
    scopes.insert(add.scope);
  CHECK(scopes.count("project") == 1); // the shared, key-free entry

  // Every HTTP entry names the same URL: the capability's MCP port, path /mcp.
  CapabilityPorts ports = capability_ports();
  Url url = parse_http_url(http_adds[0].url);
  for (const auto &add : http_adds) {
    CHECK(add.name.rfind("qovery-job-secrets", 0) == 0);
    CHECK(add.url == http_adds[0].url);
  }
  CHECK(url.host == "127.0.0.1");
  CHECK(url.port == ports.mcp);
  CHECK(url.path == "/mcp");

  for (const auto &server_words : servers) {
    std::vector<std::string> command = with_built_binary(server_words);
    INFO("server: " << Catch::Detail::stringify(server_words));
    CHECK(std::find(command.begin(), command.end(), "--mcp-port") == command.end());
    CHECK(std::find(command.begin(), command.end(), "--rest-port") != command.end());
    std::set<std::string> tools = expected_tools(command);
    // As written, but on a free port instead of the URL's.
    command.erase(command.begin());
    command.insert(command.end(), {"--mcp-port", "0"});
    FakeQoveryProcess fake;
    std::map<std::string, std::string> env = pointed_at(fake);
    env["QOVERY_API_KEY"] = kApiKey; // what `export QOVERY_API_KEY=...` sets
    HttpServer server(command, env);
    CHECK(server.endpoint_line.find("http://" + url.host + ":" + std::to_string(server.port) +
                                    url.path) != std::string::npos);

    // initialize at the URL's path, then tools/list and a call in the session.
    httplib::Client http(url.host, server.port);
    httplib::Headers headers = {{"Accept", "application/json, text/event-stream"}};
    auto post = [&](const json &message) {
      auto res = http.Post(url.path, headers, message.dump(), "application/json");
      REQUIRE(res);
      return res;
    };
    auto init = post(request(1, "initialize", initialize_params("claude-code")));
    REQUIRE(init->status == 200);
    CHECK(json::parse(init->body)["result"]["protocolVersion"] == "2025-06-18");
    std::string session = init->get_header_value("Mcp-Session-Id");
    REQUIRE_FALSE(session.empty());
    headers.emplace("Mcp-Session-Id", session);
    CHECK(post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}})->status == 202);
    auto list = post(request(2, "tools/list", json::object()));
    CHECK(tool_names(json::parse(list->body)["result"]) == tools);
    auto call = post(request(3, "tools/call",
                             {{"name", "list-job-secrets"}, {"arguments", {{"jobId", kJobId}}}}));
    json result = json::parse(call->body)["result"];
    CHECK_FALSE(result.contains("isError"));
    CHECK(fake.requests().size() == 1);
  }
}

TEST_CASE("Example curl-mcp.sh: one MCP session against a sandbox server", "[examples]") {
  HttpServer server = sandbox_server();
  ScriptRun run = run_script(
      "curl-mcp.sh", {{"MCP_URL", "http://127.0.0.1:" + std::to_string(server.port) + "/mcp"}});
  INFO(run.errors);
  REQUIRE(run.status == 0);
  CHECK(run.errors.empty());

  // initialize, initialized, tools/list, three calls, DELETE, then the ended session.
  CHECK(run.statuses() == std::vector<int>{200, 202, 200, 200, 200, 200, 200, 404});
  std::vector<json> answers = run.answers();
  REQUIRE(answers.size() == 6);
  CHECK(answers[0]["result"]["protocolVersion"] == "2025-11-25");
  CHECK(tool_names(answers[1]["result"]) == kAllTools);
  CHECK(answers[2]["result"]["structuredContent"]["results"].size() == 4);
  json added = answers[3]["result"]["structuredContent"];
  CHECK(added["key"].get<std::string>().rfind("CURL_EXAMPLE_", 0) == 0);
  CHECK(added["scope"] == "JOB");
  CHECK(answers[4]["result"]["structuredContent"] ==
        json{{"deleted", true}, {"jobId", kJobId}, {"secretId", added["id"]}});
  CHECK(answers[5]["error"]["message"].get<std::string>().find("session not found") !=
        std::string::npos);
  CHECK(run.printed("# added secret " + added["id"].get<std::string>()));
  CHECK(run.printed("# session ended"));

  // The secret it added is gone again.
  CHECK(sandbox_secret_keys(server.port) == kSeededKeys);
}

TEST_CASE("Example curl-mcp.sh: stops with status 1 at anything unexpected", "[examples]") {
  HttpServer server = sandbox_server();
  std::string endpoint = "http://127.0.0.1:" + std::to_string(server.port);

  SECTION("an HTTP status") {
    ScriptRun run = run_script("curl-mcp.sh", {{"MCP_URL", endpoint + "/not-mcp"}});
    CHECK(run.status == 1);
    CHECK(run.errors.find("expected HTTP 200, got 404") != std::string::npos);
  }
  SECTION("a tool error: an unknown job") {
    ScriptRun run = run_script("curl-mcp.sh", {{"MCP_URL", endpoint + "/mcp"},
                                               {"JOB_ID", "99999999-9999-4999-8999-999999999999"}});
    CHECK(run.status == 1);
    CHECK(run.errors.find("tools/call: the tool reported an error") != std::string::npos);
    CHECK_FALSE(run.printed("# added secret"));
  }
  SECTION("a JSON-RPC error: add-secret-job on a --read-only server") {
    HttpServer read_only = sandbox_server(0, {"--read-only"});
    ScriptRun run =
        run_script("curl-mcp.sh",
                   {{"MCP_URL", "http://127.0.0.1:" + std::to_string(read_only.port) + "/mcp"}});
    CHECK(run.status == 1);
    CHECK(run.errors.find("tools/call: the answer is a JSON-RPC error") != std::string::npos);
    CHECK(run.printed("list-job-secrets"));
  }
  SECTION("no server") {
    ScriptRun run = run_script(
        "curl-mcp.sh", {{"MCP_URL", "http://127.0.0.1:" + std::to_string(free_port()) + "/mcp"}});
    CHECK(run.status != 0);
  }
}

TEST_CASE("Example curl-rest.sh: every REST route against a sandbox server", "[examples]") {
  CHECK(read_text(kExamples + "/curl-rest.sh")
            .find("http://127.0.0.1:" + std::to_string(capability_ports().rest) + "/v1") !=
        std::string::npos);

  int rest_port = 0;
  HttpServer server = rest_sandbox_server(rest_port);
  REQUIRE(wait_for_listener(rest_port));
  ScriptRun run = run_script(
      "curl-rest.sh", {{"REST_URL", "http://127.0.0.1:" + std::to_string(rest_port) + "/v1"}});
  INFO(run.errors);
  REQUIRE(run.status == 0);
  CHECK(run.errors.empty());

  // list, create, edit, alias, override, three deletes, list.
  CHECK(run.statuses() == std::vector<int>{200, 201, 200, 201, 201, 204, 204, 204, 200});
  std::vector<json> answers = run.answers();
  REQUIRE(answers.size() == 6); // the 204s have no body
  CHECK(answers[0]["results"].size() == 4);
  json created = answers[1];
  CHECK(created["key"].get<std::string>().rfind("CURL_EXAMPLE_", 0) == 0);
  CHECK(created["scope"] == "JOB");
  CHECK(answers[2]["id"] == created["id"]);
  CHECK(answers[3]["variable_type"] == "ALIAS");
  CHECK(answers[3]["aliased_secret"]["id"] == kProjectSecretId);
  CHECK(answers[3]["key"] == created["key"].get<std::string>() + "_ALIAS");
  CHECK(answers[4]["variable_type"] == "OVERRIDE");
  CHECK(answers[4]["overridden_secret"]["id"] == kEnvironmentSecretId);
  CHECK(answers[5]["results"].size() == 4);
  // The ids it printed are the ones the adapter answered with.
  CHECK(run.printed("# created secret " + created["id"].get<std::string>()));
  CHECK(run.printed("# created alias " + answers[3]["id"].get<std::string>()));
  CHECK(run.printed("# created override " + answers[4]["id"].get<std::string>()));
  CHECK(run.printed("# all routes answered as expected"));

  CHECK(sandbox_secret_keys(server.port) == kSeededKeys);
}

TEST_CASE("Example curl-rest.sh: stops with status 1 at an unexpected status", "[examples]") {
  int rest_port = 0;
  HttpServer server = rest_sandbox_server(rest_port);
  REQUIRE(wait_for_listener(rest_port));
  ScriptRun run = run_script("curl-rest.sh",
                             {{"REST_URL", "http://127.0.0.1:" + std::to_string(rest_port) + "/v1"},
                              {"JOB_ID", "99999999-9999-4999-8999-999999999999"}});
  CHECK(run.status == 1);
  CHECK(run.errors.find("expected HTTP 200, got 404") != std::string::npos);
  CHECK(run.statuses() == std::vector<int>{404});
}
