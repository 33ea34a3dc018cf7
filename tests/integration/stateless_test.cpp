// --stateless replicas (session ids signed with a shared key) and the health
// endpoint, on real server processes sharing one fake-qovery.

#include "entry_client.hpp"
#include "stack.hpp"

#include "qovery_mcp/http_transport.hpp"

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <thread>
#include <unistd.h>

using nlohmann::json;
using namespace test;

namespace {

const std::string kSessionKey = "replicas-share-this-key-4b1f9e07c2d8a6530e17";
const std::string kOtherSessionKey = "another-deployment-key-8d2a61f0b97e4c35a1d0";
const std::string kInboundToken = "inbound-stateless-5a0c91e3";

std::map<std::string, std::string> env_with_key(const std::string &key) {
  return {{"QOVERY_API_KEY", kApiKey}, {"QOVERY_MCP_SESSION_KEY", key}};
}

/// A --stateless server over `fake`, its session key in the environment.
ServerProcess replica(const FakeQoveryProcess &fake, const std::string &key = kSessionKey,
                      std::vector<std::string> extra = {}) {
  record_secret(key);
  std::vector<std::string> args = {"--stateless", "--api-url", fake.url(), "--ca-file",
                                   kCertDir + "/ca.pem"};
  args.insert(args.end(), extra.begin(), extra.end());
  return ServerProcess(args, env_with_key(key));
}

json call_message(int id, const std::string &tool, const json &arguments) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", arguments}}}};
}

const httplib::Headers kVersion = {{"MCP-Protocol-Version", "2025-11-25"}};

/// Whether list-job-secrets, called in `client`'s session, lists the job's secrets.
bool lists_secrets(McpClient &client) {
  json result = client.call("list-job-secrets", {{"jobId", kJobId}});
  return !result.value("isError", false) && result["structuredContent"]["results"].is_array();
}

/// A file holding `content`, removed at the end of the test.
struct KeyFile {
  explicit KeyFile(const std::string &content)
      : path(std::filesystem::temp_directory_path() /
             ("qmcp-session-key-" + std::to_string(getpid()) + "-" + std::to_string(counter++))) {
    std::ofstream(path, std::ios::binary) << content;
  }
  ~KeyFile() { std::filesystem::remove(path); }
  std::filesystem::path path;
  static inline int counter = 0;
};

} // namespace

TEST_CASE("Stateless: a session made on one replica is served by another", "[stateless]") {
  FakeQoveryProcess fake;
  ServerProcess first = replica(fake);
  ServerProcess second = replica(fake);

  McpClient on_first(first.port);
  json init = on_first.initialize("2025-06-18");
  CHECK(init["result"]["protocolVersion"] == "2025-06-18");
  std::string id = on_first.session_id;
  INFO(id);
  CHECK(id.rfind("s1.2025-06-18.", 0) == 0);

  McpClient on_second(second.port);
  on_second.session_id = id;
  HttpReply initialized =
      on_second.post(json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  CHECK(initialized.status == 202);
  json listed = on_second.request("tools/list", json::object());
  REQUIRE(listed.contains("result"));
  CHECK(listed["result"]["tools"].size() == 7);

  // A change made through one replica is seen through the other (one Qovery).
  json added = on_second.call(
      "add-secret-job", {{"jobId", kJobId}, {"body", {{"key", "STATELESS_KEY"}, {"value", "v"}}}});
  CHECK_FALSE(added.value("isError", false));
  json secrets = on_first.call("list-job-secrets", {{"jobId", kJobId}});
  std::vector<std::string> keys;
  for (const json &secret : secrets["structuredContent"]["results"])
    keys.push_back(secret["key"]);
  CHECK(std::find(keys.begin(), keys.end(), "STATELESS_KEY") != keys.end());

  // No replica stored it: initialize again on the second gives another id.
  McpClient again(second.port);
  again.initialize();
  CHECK(again.session_id != id);
  CHECK(again.session_id.rfind("s1.2025-11-25.", 0) == 0);
}

TEST_CASE("Stateless: an altered, foreign or expired session id gets 404", "[stateless]") {
  FakeQoveryProcess fake;
  ServerProcess server = replica(fake);
  ServerProcess foreign = replica(fake, kOtherSessionKey);
  ServerProcess short_lived = replica(fake, kSessionKey, {"--session-timeout", "1"});

  McpClient client(server.port);
  client.initialize();
  std::string good = client.session_id;

  McpClient elsewhere(foreign.port);
  elsewhere.initialize();
  McpClient expiring(short_lived.port);
  expiring.initialize();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));

  std::string altered = good;
  altered[altered.size() / 2] = altered[altered.size() / 2] == 'a' ? 'b' : 'a';
  std::string later_expiry = good;
  // s1.<version>.<session_id>.<issued_at>.<expires_at>.<mac>: push expires_at on.
  std::size_t mac_dot = later_expiry.rfind('.');
  std::size_t expiry_dot = later_expiry.rfind('.', mac_dot - 1);
  later_expiry.replace(expiry_dot + 1, mac_dot - expiry_dot - 1, "9999999999");
  for (const std::string &id :
       {altered, later_expiry, elsewhere.session_id, expiring.session_id, std::string("s1.x")}) {
    INFO(id);
    client.session_id = id;
    HttpReply reply =
        client.post(call_message(7, "list-job-secrets", {{"jobId", kJobId}}), kVersion);
    CHECK(reply.status == 404);
    CHECK(reply.json()["error"]["code"] == -32600);
  }
  // The good one still works on its own replica and on the one with the same key.
  client.session_id = good;
  CHECK(lists_secrets(client));
  McpClient same_key(short_lived.port);
  same_key.session_id = good;
  CHECK(lists_secrets(same_key));
}

TEST_CASE("Stateless: DELETE gets 405 and the session goes on until it expires", "[stateless]") {
  FakeQoveryProcess fake;
  ServerProcess server = replica(fake);
  McpClient client(server.port);
  client.initialize();
  HttpReply ended = client.end_session();
  CHECK(ended.status == 405);
  CHECK(ended.header("Allow") == "POST");
  CHECK(ended.body.find("--stateless") != std::string::npos);
  CHECK(lists_secrets(client));
  // GET is refused the same way, naming only POST.
  auto get = client.http.Get("/mcp", {{"Accept", "text/event-stream"}});
  REQUIRE(get);
  CHECK(get->status == 405);
  CHECK(get->get_header_value("Allow") == "POST");
}

TEST_CASE("Stateless: a cancellation that reaches the replica running the call stops it",
          "[stateless]") {
  FakeQoveryProcess fake;
  ServerProcess server = replica(fake);
  McpClient client(server.port);
  client.initialize();
  fake.inject_fault({{"delay_ms", 1500}});
  HttpReply slow_reply;
  std::thread slow([&] {
    McpClient caller(server.port);
    caller.session_id = client.session_id;
    slow_reply = caller.post(call_message(41, "list-job-secrets", {{"jobId", kJobId}}), kVersion);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  HttpReply cancelled = client.post(json{{"jsonrpc", "2.0"},
                                         {"method", "notifications/cancelled"},
                                         {"params", {{"requestId", 41}, {"reason", "test"}}}},
                                    kVersion);
  CHECK(cancelled.status == 202);
  slow.join();
  // The cancelled request gets no JSON-RPC answer ("SHOULD ... not send a response").
  CHECK(slow_reply.body.find("\"result\"") == std::string::npos);
  CHECK(eventually([&] {
    return server.process->stderr_text().find("request cancelled by the client") !=
           std::string::npos;
  }));
}

TEST_CASE("Stateless: a value page opened by one replica is served by another", "[stateless]") {
  FakeQoveryProcess fake;
  const std::vector<std::string> behind = {"--public-url", "https://mcp.example.com"};
  ServerProcess first = replica(fake, kSessionKey, behind);
  ServerProcess second = replica(fake, kSessionKey, behind);
  const json arguments = {{"jobId", kJobId}, {"body", {{"key", "SEALED_PAGE"}}}};

  // A 2026-07-28 client asks the first replica, which opens the page.
  McpClient client(first.port);
  const json call = modern_call(2, "add-secret-job", arguments);
  HttpReply asked = client.post(call, modern_headers(call));
  REQUIRE(asked.status == 200);
  const json ask = asked.json()["result"];
  REQUIRE(ask["resultType"] == "input_required");
  const std::string url = ask["inputRequests"]["page"]["params"]["url"];
  const std::string state = ask["requestState"];
  const std::string origin = "https://mcp.example.com";
  REQUIRE(url.rfind(origin + "/entry/", 0) == 0);
  const std::string path = url.substr(origin.size());

  // The person's browser reaches the second, which never saw the page.
  Browser browser(second.port);
  HttpReply page = browser.get(path);
  REQUIRE(page.status == 200);
  CHECK(page.body.find("SEALED_PAGE") != std::string::npos);
  const std::string csrf = csrf_in(page.body);
  HttpReply done =
      browser.post(path, {{"csrf", csrf}, {"value", "s3cr3t-sealed-page"}}, from_page(origin));
  CHECK(done.status == 200);
  CHECK(writes_to(fake).size() == 1);
  // Used on that replica: refused there, nothing sent again.
  CHECK(browser.post(path, {{"csrf", csrf}, {"value", "again"}}, from_page(origin)).status == 410);
  CHECK(writes_to(fake).size() == 1);

  // The retry: the replica that served the page answers with the secret; the
  // one that did not cannot know, and hands over at once instead of waiting
  // until the link expires.
  const json accepted = {{"page", {{"action", "accept"}}}};
  McpClient on_second(second.port);
  const json known = retry(call, 3, accepted, state);
  json result = on_second.post(known, modern_headers(known)).json()["result"];
  CHECK_FALSE(result.value("isError", false));
  CHECK(result["structuredContent"]["key"] == "SEALED_PAGE");
  const auto started = std::chrono::steady_clock::now();
  const json unknown = retry(call, 4, accepted, state);
  result = client.post(unknown, modern_headers(unknown)).json()["result"];
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
  CHECK_FALSE(result.value("isError", false));
  CHECK(result["structuredContent"]["status"] == "awaiting_value");
  CHECK(text_of(result).find("list-job-secrets") != std::string::npos);
  CHECK((browser.answers + asked.body + result.dump()).find("s3cr3t-sealed-page") ==
        std::string::npos);

  // Declined on a replica, a link's revocation reaches that replica only:
  // the model is told the link may still work elsewhere.
  const json again = modern_call(5, "add-secret-job", arguments);
  const json second_ask = client.post(again, modern_headers(again)).json()["result"];
  REQUIRE(second_ask["resultType"] == "input_required");
  const json declined =
      retry(again, 6, {{"page", {{"action", "decline"}}}}, second_ask["requestState"]);
  result = on_second.post(declined, modern_headers(declined)).json()["result"];
  CHECK(result["isError"] == true);
  CHECK(text_of(result).find("Another replica of this server may still serve the link") !=
        std::string::npos);
}

TEST_CASE("Stateless: the start is refused without a good key, never quoting it", "[stateless]") {
  KeyFile short_key("too-short-a-key\n");
  KeyFile good_key(kSessionKey + "\n");
  record_secret("too-short-a-key");
  record_secret(kSessionKey);
  struct Refusal {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string says;
  };
  std::vector<Refusal> refusals = {
      {{"--stateless"}, {{"QOVERY_MCP_SESSION_KEY", ""}}, "--session-key-file"},
      {{"--stateless", "--session-key-file", short_key.path}, {}, "at least 32"},
      {{"--stateless"}, {{"QOVERY_MCP_SESSION_KEY", "too-short-a-key"}}, "QOVERY_MCP_SESSION_KEY"},
      {{"--stateless", "--session-key-file", "/nonexistent/key"}, {}, "cannot read"},
      {{"--session-key-file", good_key.path}, {}, "--stateless is not"},
      {{"--stdio", "--stateless", "--session-key-file", good_key.path}, {}, "--stdio"},
  };
  for (const Refusal &refusal : refusals) {
    std::vector<std::string> args = {QMCP_SERVER_BIN, "--sandbox", "--mcp-port", "0",
                                     "--rest-port",   "0"};
    args.insert(args.end(), refusal.args.begin(), refusal.args.end());
    Process server(args, refusal.env);
    INFO(refusal.says);
    CHECK(server.wait() == 2);
    std::string log = server.stderr_text();
    CHECK(log.find(refusal.says) != std::string::npos);
    CHECK(log.find("too-short-a-key") == std::string::npos);
    CHECK(log.find(kSessionKey) == std::string::npos);
  }

  // From a file, with its trailing newline dropped: two replicas agree.
  ServerProcess first({"--sandbox", "--stateless", "--session-key-file", good_key.path.string()},
                      {});
  ServerProcess second({"--sandbox", "--stateless"}, {{"QOVERY_MCP_SESSION_KEY", kSessionKey}});
  McpClient client(first.port);
  client.initialize();
  McpClient other(second.port);
  other.session_id = client.session_id;
  CHECK(other.request("tools/list", json::object()).contains("result"));
  CHECK(first.process->stderr_text().find(kSessionKey) == std::string::npos);
}

TEST_CASE("Health: /healthz answers probes without the token and whatever the Host, /mcp "
          "stays guarded",
          "[stateless][health]") {
  record_secret(kInboundToken);
  ServerProcess server({"--sandbox"}, {{"QOVERY_MCP_AUTH_TOKEN", kInboundToken}});
  httplib::Client http("127.0.0.1", server.port);
  // Kubernetes' httpGet probe: the pod's IP as Host, no credentials.
  for (const std::string host : {"10.244.1.17:9090", "[fd00::17]:9090", "127.0.0.1"}) {
    INFO(host);
    auto health = http.Get("/healthz", {{"Host", host}});
    REQUIRE(health);
    CHECK(health->status == 200);
    CHECK(json::parse(health->body) == json{{"status", "ok"}});
    CHECK(health->get_header_value("Cache-Control") == "no-store");
    auto head = http.Head("/healthz", {{"Host", host}});
    REQUIRE(head);
    CHECK(head->status == 200);
  }
  // Only GET and HEAD of that exact path skip the checks.
  auto post = http.Post("/healthz", "{}", "application/json");
  REQUIRE(post);
  CHECK(post->status == 401);
  auto near = http.Get("/healthz/x");
  REQUIRE(near);
  CHECK(near->status == 401);
  // /mcp keeps both checks: a foreign Host is refused, and so is no token.
  auto foreign_host = http.Get(
      "/mcp", {{"Host", "10.244.1.17:9090"}, {"Authorization", "Bearer " + kInboundToken}});
  REQUIRE(foreign_host);
  CHECK(foreign_host->status == 403);
  McpClient client(server.port);
  HttpReply no_token = client.post(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}});
  CHECK(no_token.status == 401);
  CHECK(server.process->stderr_text().find(kInboundToken) == std::string::npos);
}

namespace {

/// The documents of examples/kubernetes.yaml by kind.
std::map<std::string, YAML::Node> kubernetes_example() {
  std::map<std::string, YAML::Node> by_kind;
  for (const YAML::Node &document :
       YAML::LoadAllFromFile(std::string(QMCP_SOURCE_DIR) + "/examples/kubernetes.yaml"))
    by_kind[document["kind"].as<std::string>()] = document;
  return by_kind;
}

/// The value after `option` in `args`, which must hold it once.
std::string option_value(const std::vector<std::string> &args, const std::string &option) {
  INFO(option);
  auto at = std::find(args.begin(), args.end(), option);
  REQUIRE(at != args.end());
  REQUIRE(at + 1 != args.end());
  REQUIRE(std::find(at + 1, args.end(), option) == args.end());
  return *(at + 1);
}

} // namespace

TEST_CASE("Example kubernetes.yaml: 3 replicas, probes on the health endpoint, secrets from "
          "the Secret, and the server starts with its args",
          "[examples][stateless][health]") {
  std::map<std::string, YAML::Node> manifest = kubernetes_example();
  REQUIRE(manifest.count("Deployment") == 1);
  REQUIRE(manifest.count("Service") == 1);
  REQUIRE(manifest.count("Secret") == 1);
  YAML::Node deployment = manifest["Deployment"];
  CHECK(deployment["spec"]["replicas"].as<int>() == 3);
  YAML::Node pod = deployment["spec"]["template"];
  CHECK(pod["metadata"]["labels"]["app"].as<std::string>() ==
        deployment["spec"]["selector"]["matchLabels"]["app"].as<std::string>());
  REQUIRE(pod["spec"]["containers"].size() == 1);
  YAML::Node container = pod["spec"]["containers"][0];
  std::vector<std::string> args = container["args"].as<std::vector<std::string>>();
  CHECK(std::find(args.begin(), args.end(), "--stateless") != args.end());

  // The probes: the health path the server serves, on the port it listens on.
  std::string mcp_port = option_value(args, "--mcp-port");
  REQUIRE(container["ports"].size() == 1);
  std::string port_name = container["ports"][0]["name"].as<std::string>();
  CHECK(container["ports"][0]["containerPort"].as<std::string>() == mcp_port);
  for (const char *probe : {"readinessProbe", "livenessProbe"}) {
    INFO(probe);
    CHECK(container[probe]["httpGet"]["path"].as<std::string>() == qovery_mcp::kHealthPath);
    CHECK(container[probe]["httpGet"]["port"].as<std::string>() == port_name);
  }
  // The Service reaches the pods on that port.
  YAML::Node service = manifest["Service"];
  CHECK(service["spec"]["selector"]["app"].as<std::string>() ==
        pod["metadata"]["labels"]["app"].as<std::string>());
  CHECK(service["spec"]["ports"][0]["targetPort"].as<std::string>() == port_name);

  // Every secret comes from the Secret, by environment.
  YAML::Node secret = manifest["Secret"];
  CHECK(container["envFrom"][0]["secretRef"]["name"].as<std::string>() ==
        secret["metadata"]["name"].as<std::string>());
  std::map<std::string, std::string> env;
  for (const auto &entry : secret["stringData"])
    env[entry.first.as<std::string>()] = entry.second.as<std::string>();
  CHECK(env.size() == 3);
  REQUIRE(env.count("QOVERY_API_KEY") == 1);
  REQUIRE(env.count("QOVERY_MCP_AUTH_TOKEN") == 1);
  REQUIRE(env.count("QOVERY_MCP_SESSION_KEY") == 1);

  // The server accepts every option as written (only the port is a free one
  // here), with test values for the Secret's placeholders; then a probe as
  // kubelet sends it is answered, and /mcp still wants the token.
  const std::string token = "kubernetes-example-token-61c2";
  record_secret(token);
  record_secret(kSessionKey);
  env = {{"QOVERY_API_KEY", kApiKey},
         {"QOVERY_MCP_AUTH_TOKEN", token},
         {"QOVERY_MCP_SESSION_KEY", kSessionKey}};
  std::vector<std::string> argv = {QMCP_SERVER_BIN};
  for (const std::string &arg : args)
    argv.push_back(arg == mcp_port ? "0" : arg);
  Process server(argv, env);
  std::optional<std::string> started = server.wait_for_stderr("MCP endpoint");
  INFO(server.stderr_text());
  REQUIRE(started);
  int port = port_in(*started);
  REQUIRE(port > 0);
  httplib::Client probe("127.0.0.1", port);
  auto health = probe.Get(container["livenessProbe"]["httpGet"]["path"].as<std::string>().c_str(),
                          {{"Host", "10.244.2.9:" + mcp_port}, {"User-Agent", "kube-probe/1.30"}});
  REQUIRE(health);
  CHECK(health->status == 200);
  McpClient client(port);
  CHECK(client.post(json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}).status == 401);
  HttpReply init = client.post(
      json{{"jsonrpc", "2.0"},
           {"id", 1},
           {"method", "initialize"},
           {"params",
            {{"protocolVersion", "2025-11-25"},
             {"capabilities", json::object()},
             {"clientInfo", {{"name", "k8s-test"}, {"version", "1"}}}}}},
      {{"Authorization", "Bearer " + token}, {"Host", "qovery-job-secret-mcp:" + mcp_port}});
  CHECK(init.status == 200);
  CHECK(init.header("Mcp-Session-Id").rfind("s1.", 0) == 0);
  // No option the manifest uses is unknown to --help either.
  Process help({QMCP_SERVER_BIN, "--help"}, {});
  std::string usage;
  while (std::optional<std::string> line = help.read_stdout_line())
    usage += *line + "\n";
  CHECK(help.wait() == 0);
  for (const std::string &arg : args)
    if (arg.rfind("--", 0) == 0)
      CHECK(usage.find(arg + " ") != std::string::npos);
}
