#include "qovery_mcp/mcp_server.hpp"

#include "catalog.hpp"
#include "recording_upstream.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using nlohmann::json;
using namespace qovery_mcp;
using test::RecordingUpstream;

namespace {

const std::string kCapability = test::example_capability(R"(    - name: things
      path: /job/{jobId}/thing
      operations:
      - name: listthings
        method: GET
)",
                                                         R"(  - type: mcp
    tools:
    - name: list-things
      description: List things
      hints:
        readOnly: true
      call: api.listthings
)");

const char *kInput = R"({"type":"object","properties":{"jobId":{"type":"string","format":"uuid"}},
  "required":["jobId"],"additionalProperties":false})";
const char *kOutput = R"({"type":"object","properties":{"results":{"type":"array"}}})";

struct Fixture {
  Capability capability = std::move(parse_capability(kCapability).value());
  ToolRegistry registry =
      std::move(ToolRegistry::create(capability,
                                     [](std::string_view name) -> std::optional<std::string_view> {
                                       return name.ends_with(".input.json") ? kInput : kOutput;
                                     })
                    .value());
  RecordingUpstream upstream;
  ToolCaller caller{capability, registry, upstream};
  mcp::Server server{caller, {"test-server", "Test", "1.2.3", "Use it well."}};
  mcp::Session session{"s"};

  json ask(const json &message) {
    auto reply = server.handle(message, session);
    REQUIRE(reply.has_value());
    return *reply;
  }
  json request(const std::string &method, json params = json::object(), json id = 1) {
    return ask({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
  }
  /// The answer text to a message text, as the stdio transport writes it.
  std::optional<std::string> answer_text(std::string_view text) {
    mcp::ParsedMessage parsed = mcp::parse_message(text);
    if (parsed.error)
      return mcp::to_text(*parsed.error);
    return server.respond(parsed.message, session);
  }
};

json list_call(const json &id) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"method", "tools/call"},
          {"params",
           {{"name", "list-things"},
            {"arguments", {{"jobId", "11111111-1111-4111-8111-111111111111"}}}}}};
}

json cancelled(const json &params) {
  return {{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", params}};
}

} // namespace

TEST_CASE("MCP: initialize echoes a supported version and describes the server", "[mcp]") {
  for (auto version : mcp::kSupportedProtocolVersions) {
    Fixture f;
    json reply = f.request("initialize", {{"protocolVersion", version},
                                          {"capabilities", json::object()},
                                          {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
    CHECK(reply["id"] == 1);
    CHECK(reply["result"]["protocolVersion"] == version);
    CHECK(f.session.protocol_version() == version);
  }
  Fixture f;
  json result = f.request("initialize", {{"protocolVersion", "2025-11-25"}})["result"];
  CHECK(result["capabilities"]["tools"].is_object());
  CHECK(result["capabilities"]["logging"].is_object());
  CHECK(result["serverInfo"] ==
        json{{"name", "test-server"}, {"title", "Test"}, {"version", "1.2.3"}});
  CHECK(result["instructions"] == "Use it well.");
}

TEST_CASE("MCP: an unknown protocol version is answered with the latest", "[mcp]") {
  Fixture f;
  json reply = f.request("initialize", {{"protocolVersion", "1999-01-01"}});
  CHECK(reply["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("MCP: initialize twice or without a version is refused", "[mcp]") {
  Fixture f;
  CHECK(f.request("initialize", json::object())["error"]["code"] == mcp::kInvalidParams);
  f.request("initialize", {{"protocolVersion", "2025-06-18"}});
  CHECK(f.request("initialize", {{"protocolVersion", "2025-06-18"}})["error"]["code"] ==
        mcp::kInvalidRequest);
}

TEST_CASE("MCP: ping, tools/list and logging/setLevel", "[mcp]") {
  Fixture f;
  CHECK(f.request("ping", json::object(), "abc") ==
        json{{"jsonrpc", "2.0"}, {"id", "abc"}, {"result", json::object()}});
  json list = f.request("tools/list")["result"];
  REQUIRE(list["tools"].size() == 1);
  CHECK(list["tools"][0]["name"] == "list-things");
  CHECK(f.request("tools/list", {{"cursor", "next"}})["error"]["code"] == mcp::kInvalidParams);
  CHECK(f.request("logging/setLevel", {{"level", "warning"}})["result"] == json::object());
  CHECK(f.session.log_level() == "warning");
  CHECK(f.request("logging/setLevel", {{"level", "loud"}})["error"]["code"] == mcp::kInvalidParams);
}

TEST_CASE("MCP: params null is taken as absent", "[mcp]") {
  Fixture f;
  json ping = {{"jsonrpc", "2.0"}, {"id", 3}, {"method", "ping"}, {"params", nullptr}};
  CHECK((*f.server.handle(ping, f.session))["result"] == json::object());
  json list = {{"jsonrpc", "2.0"}, {"id", 4}, {"method", "tools/list"}, {"params", nullptr}};
  CHECK((*f.server.handle(list, f.session))["result"]["tools"].size() == 1);
  json array = {{"jsonrpc", "2.0"}, {"id", 5}, {"method", "ping"}, {"params", json::array()}};
  CHECK((*f.server.handle(array, f.session))["error"]["code"] == mcp::kInvalidParams);
}

TEST_CASE("MCP: answers never carry a raw U+2028 or U+2029", "[mcp]") {
  Fixture f;
  // The lines of a stdio client end at them; a method name is echoed in the error.
  for (const char *text :
       {"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\u2028b\u2029c\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":\"\u2028\",\"method\":\"ping\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\",\"params\":\u2028}"}) {
    INFO(text);
    std::optional<std::string> answer = f.answer_text(text);
    REQUIRE(answer);
    CHECK(answer->find("\xE2\x80\xA8") == std::string::npos);
    CHECK(answer->find("\xE2\x80\xA9") == std::string::npos);
    CHECK(json::parse(*answer).is_object());
  }
  std::optional<std::string> unknown =
      f.answer_text("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a\u2028b\"}");
  CHECK(json::parse(*unknown)["error"]["message"] == "method not found: \"a\u2028b\"");
  CHECK(unknown->find("a\\u2028b") != std::string::npos);
}

TEST_CASE("MCP: tools/call goes to the upstream and returns its JSON", "[mcp]") {
  Fixture f;
  json reply =
      f.request("tools/call", {{"name", "list-things"},
                               {"arguments", {{"jobId", "11111111-1111-4111-8111-111111111111"}}}});
  REQUIRE(f.upstream.requests.size() == 1);
  CHECK(f.upstream.requests[0].method == "GET");
  CHECK(f.upstream.requests[0].path == "/job/11111111-1111-4111-8111-111111111111/thing");
  CHECK(reply["result"]["structuredContent"] == json{{"results", json::array()}});
  CHECK(reply["result"]["content"][0]["text"] == R"({"results":[]})");
  CHECK_FALSE(reply["result"].contains("isError"));
}

TEST_CASE("MCP: unknown tool is -32602, bad arguments are a tool error", "[mcp]") {
  Fixture f;
  json unknown = f.request("tools/call", {{"name", "nope"}, {"arguments", json::object()}});
  CHECK(unknown["error"]["code"] == mcp::kInvalidParams);
  CHECK(unknown["error"]["message"] == "unknown tool 'nope' (tools: list-things)");
  CHECK(f.request("tools/call", {{"arguments", json::object()}})["error"]["code"] ==
        mcp::kInvalidParams);
  CHECK(f.request("tools/call",
                  {{"name", "list-things"}, {"arguments", json::array()}})["error"]["code"] ==
        mcp::kInvalidParams);

  json invalid =
      f.request("tools/call", {{"name", "list-things"}, {"arguments", {{"jobId", "abc"}}}});
  CHECK(invalid["result"]["isError"] == true);
  CHECK(invalid["result"]["content"][0]["text"].get<std::string>().starts_with(
      "argument 'jobId' must be a UUID, got \"abc\""));
  json missing = f.request("tools/call", {{"name", "list-things"}});
  CHECK(missing["result"]["isError"] == true);
  CHECK(missing["result"]["content"][0]["text"].get<std::string>().starts_with(
      "argument 'jobId' is required"));
  CHECK(f.upstream.requests.empty());
}

TEST_CASE("MCP: malformed messages get the JSON-RPC error codes", "[mcp]") {
  Fixture f;
  CHECK(json::parse(*f.answer_text("{not json"))["error"]["code"] == mcp::kParseError);
  CHECK(
      f.ask(json::array({{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}}))["error"]["code"] ==
      mcp::kInvalidRequest);
  CHECK(f.ask({{"jsonrpc", "1.0"}, {"id", 1}, {"method", "ping"}})["error"]["code"] ==
        mcp::kInvalidRequest);
  CHECK(f.ask({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 7}})["error"]["code"] ==
        mcp::kInvalidRequest);
  json null_id = f.ask({{"jsonrpc", "2.0"}, {"id", nullptr}, {"method", "ping"}});
  CHECK(null_id["error"]["code"] == mcp::kInvalidRequest);
  CHECK(null_id["id"].is_null());
  CHECK(f.ask(json(42))["error"]["code"] == mcp::kInvalidRequest);
  CHECK(f.request("resources/list")["error"]["code"] == mcp::kMethodNotFound);
  CHECK(f.ask({{"jsonrpc", "2.0"},
               {"id", 3},
               {"method", "ping"},
               {"params", json::array()}})["error"]["code"] == mcp::kInvalidParams);
}

TEST_CASE("MCP: notifications and responses get no answer", "[mcp]") {
  Fixture f;
  CHECK_FALSE(
      f.server.handle({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, f.session));
  CHECK_FALSE(f.server.handle(
      {{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 99}}}},
      f.session));
  CHECK_FALSE(
      f.server.handle({{"jsonrpc", "2.0"}, {"id", 5}, {"result", json::object()}}, f.session));
}

TEST_CASE("MCP: sessions have unique random ids, end and expire", "[mcp]") {
  mcp::SessionStore store(std::chrono::hours(1));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    auto session = store.create();
    CHECK(session->id().size() == 64);
    CHECK(session->id().find_first_not_of("0123456789abcdef") == std::string::npos);
    ids.insert(session->id());
  }
  CHECK(ids.size() == 100);
  CHECK(store.size() == 100);
  std::string first = *ids.begin();
  CHECK(store.find(first) != nullptr);
  CHECK(store.end(first));
  CHECK_FALSE(store.end(first));
  CHECK(store.find(first) == nullptr);
  CHECK(store.expire_idle() == 0);

  mcp::SessionStore short_lived(std::chrono::milliseconds(0));
  short_lived.create();
  CHECK(short_lived.expire_idle() == 1);
  CHECK(short_lived.size() == 0);
}

TEST_CASE("MCP: a full session store evicts the oldest fresh session, never an established one",
          "[mcp]") {
  mcp::SessionStore store(std::chrono::hours(1), 3);
  auto established = store.create();
  store.find(established->id()); // notifications/initialized
  store.find(established->id()); // a real request: established
  auto fresh_once = store.create();
  store.find(fresh_once->id()); // notifications/initialized only: still fresh
  auto fresh = store.create();
  REQUIRE(store.size() == 3);

  auto newcomer = store.create(); // full: the oldest fresh one goes
  REQUIRE(newcomer);
  CHECK(store.size() == 3);
  CHECK(store.find(fresh_once->id()) == nullptr);
  CHECK(store.find(established->id()) != nullptr);
  CHECK(store.find(fresh->id()) != nullptr); // its second use: established now
  CHECK(store.find(fresh->id()) != nullptr);

  store.find(newcomer->id());
  store.find(newcomer->id());
  CHECK(store.create() == nullptr); // all established: nothing to evict
  CHECK(store.size() == 3);
  CHECK(store.end(newcomer->id())); // room again
  CHECK(store.create() != nullptr);
}

TEST_CASE("MCP: a full session store of established sessions makes room only from those "
          "unused for long, least recently used first",
          "[mcp]") {
  auto establish = [](mcp::SessionStore &store) {
    auto session = store.create();
    REQUIRE(session);
    store.find(session->id());
    store.find(session->id());
    return session;
  };
  mcp::SessionStore patient(std::chrono::hours(24), 2, std::chrono::minutes(5),
                            std::chrono::hours(1));
  establish(patient);
  establish(patient);
  CHECK(patient.create() == nullptr); // both used just now: 503

  mcp::SessionStore store(std::chrono::hours(24), 3, std::chrono::minutes(5),
                          std::chrono::milliseconds(0));
  auto a = establish(store);
  auto b = establish(store);
  auto c = establish(store);
  store.find(a->id()); // a is now the most recently used; b the least
  auto d = store.create();
  REQUIRE(d);
  CHECK(store.find(b->id()) == nullptr);
  CHECK(store.find(a->id()) != nullptr);
  CHECK(store.find(c->id()) != nullptr);
  // d is fresh: it goes before any established session.
  REQUIRE(store.create());
  CHECK(store.find(d->id()) == nullptr);
  CHECK(store.size() == 3);
}

TEST_CASE("MCP: fresh sessions expire sooner than established ones", "[mcp]") {
  mcp::SessionStore store(std::chrono::hours(1), 100, std::chrono::milliseconds(0));
  auto established = store.create();
  store.find(established->id());
  store.find(established->id());
  for (int i = 0; i < 10; ++i)
    store.create();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  CHECK(store.expire_idle() == 10);
  CHECK(store.size() == 1);
  CHECK(store.find(established->id()) != nullptr);
}

TEST_CASE("MCP: message classification", "[mcp]") {
  using mcp::MessageKind;
  CHECK(mcp::classify({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "x"}}) == MessageKind::Request);
  CHECK(mcp::classify({{"jsonrpc", "2.0"}, {"method", "x"}}) == MessageKind::Notification);
  CHECK(mcp::classify({{"jsonrpc", "2.0"}, {"id", 1}, {"error", json::object()}}) ==
        MessageKind::Response);
  CHECK(mcp::classify({{"jsonrpc", "2.0"}, {"id", 1.5}, {"method", "x"}}) == MessageKind::Invalid);
  CHECK(mcp::classify({{"jsonrpc", "2.0"}, {"id", 1}}) == MessageKind::Invalid);
}

TEST_CASE("MCP: message text that is not JSON, or says a member twice, is refused", "[mcp]") {
  mcp::ParsedMessage broken =
      mcp::parse_message("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"p\xff\"}");
  REQUIRE(broken.error);
  CHECK((*broken.error)["error"]["code"] == mcp::kParseError);
  CHECK((*broken.error)["id"] == 1); // read before the fault
  CHECK((*broken.error)["error"]["message"] ==
        "parse error: the message is not valid JSON (invalid string: ill-formed UTF-8 byte at "
        "line 1, column 36)");
  mcp::ParsedMessage id_broken = mcp::parse_message("{\"jsonrpc\":\"2.0\",\"id\":\"\xff\"}");
  REQUIRE(id_broken.error);
  CHECK((*id_broken.error)["id"].is_null());

  mcp::ParsedMessage deep =
      mcp::parse_message(R"({"jsonrpc":"2.0","id":3,"method":"ping",)"
                         R"("params":{"x":)" +
                         std::string(100, '[') + std::string(100, ']') + "}}");
  REQUIRE(deep.error);
  CHECK((*deep.error)["id"] == 3);
  CHECK((*deep.error)["error"]["code"] == mcp::kInvalidRequest);
  CHECK((*deep.error)["error"]["message"] ==
        "invalid request: the message is nested deeper than 64 levels");

  mcp::ParsedMessage twice = mcp::parse_message(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"a","name":"b"}})");
  REQUIRE(twice.error);
  CHECK((*twice.error)["error"]["code"] == mcp::kInvalidRequest);
  CHECK((*twice.error)["id"] == 4);
  CHECK((*twice.error)["error"]["message"] ==
        R"(invalid request: the member "name" appears twice in one object)");
  mcp::ParsedMessage id_twice = mcp::parse_message(R"({"jsonrpc":"2.0","id":4,"id":5})");
  REQUIRE(id_twice.error);
  CHECK((*id_twice.error)["id"].is_null()); // which one the client meant is unknown

  mcp::ParsedMessage good = mcp::parse_message(R"({"jsonrpc":"2.0","id":4,"method":"ping"})");
  CHECK_FALSE(good.error);
  CHECK(good.message["method"] == "ping");
}

TEST_CASE("MCP: a lone UTF-16 surrogate is answered with the id; in a tool's arguments it is a "
          "tool error naming the argument, and nothing is sent",
          "[mcp]") {
  Fixture f;
  for (const char *text : {
           R"({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"list-things",)"
           R"("arguments":{"jobId":"ab\ud83d"}}})",
           R"({"jsonrpc":"2.0","method":"tools/call","params":{"arguments":{"jobId":"\udc00"},)"
           R"("name":"list-things"},"id":3})",
       }) {
    INFO(text);
    std::optional<std::string> reply = f.answer_text(text);
    REQUIRE(reply);
    json answer = json::parse(*reply);
    CHECK(answer["id"] == 3);
    CHECK(answer["result"]["isError"] == true);
    CHECK(answer["result"]["content"][0]["text"].get<std::string>().starts_with(
        "argument 'jobId' holds a lone UTF-16 surrogate escape"));
  }
  CHECK(f.upstream.requests.empty());

  struct Row {
    const char *text;
    json id;
    std::string path;
  };
  for (const Row &row : std::vector<Row>{
           {R"({"jsonrpc":"2.0","id":4,"method":"ping","params":{"x":"\ud800"}})", 4, "params.x"},
           {R"({"jsonrpc":"2.0","method":"pi\ud800ng","id":"a"})", "a", "method"},
           {R"({"jsonrpc":"2.0","method":"ping","id":"\ud800"})", nullptr, "id"},
           {R"({"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"\udfff"}})", 5,
            "params.name"},
           // Also when the arguments hold one too.
           {R"({"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"\udfff",)"
            R"("arguments":{"jobId":"\ud800"}}})",
            6, "params.name"},
       }) {
    INFO(row.text);
    mcp::ParsedMessage parsed = mcp::parse_message(row.text);
    REQUIRE(parsed.error);
    CHECK((*parsed.error)["id"] == row.id);
    CHECK((*parsed.error)["error"]["code"] == mcp::kInvalidRequest);
    CHECK((*parsed.error)["error"]["message"] ==
          "invalid request: " + row.path +
              " holds a lone UTF-16 surrogate escape (half of a character, such as an emoji cut "
              "in two)");
  }
}

TEST_CASE("MCP: an invalid request says which member is wrong", "[mcp]") {
  Fixture f;
  auto message_of = [&](const json &message) {
    return f.ask(message)["error"]["message"].get<std::string>();
  };
  CHECK(message_of(json(42)) == "invalid request: a message must be a JSON object, got number");
  CHECK(message_of({{"id", 1}, {"method", "ping"}}) ==
        R"(invalid request: "jsonrpc" must be "2.0")");
  CHECK(message_of({{"jsonrpc", "2.0"}, {"id", 1}, {"method", 7}}) ==
        R"(invalid request: "method" must be a string)");
  CHECK(message_of({{"jsonrpc", "2.0"}, {"id", true}, {"method", "ping"}}) ==
        R"(invalid request: "id" must be a string or an integer)");
  CHECK(message_of({{"jsonrpc", "2.0"}, {"id", 1}}) ==
        R"(invalid request: a response needs an "id" and exactly one of "result" and "error")");
  CHECK(f.request(std::string(100, 'm'))["error"]["message"] ==
        "method not found: a name of 100 characters");
}

TEST_CASE("MCP: respond() writes what handle() answers, tools/list spliced in", "[mcp]") {
  Fixture f;
  for (const json &id : {json(7), json("a \"quoted\" id"), json(-12345678901LL)}) {
    json message = {{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/list"}};
    std::optional<std::string> text = f.server.respond(message, f.session);
    REQUIRE(text);
    json expected = *f.server.handle(message, f.session);
    CHECK(json::parse(*text) == expected);
    CHECK(expected["result"]["tools"].size() == 1);
  }
  json ping = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}};
  CHECK(*f.server.respond(ping, f.session) == f.server.handle(ping, f.session)->dump());
  json notification = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  CHECK_FALSE(f.server.respond(notification, f.session));
  json bad_cursor = {
      {"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}, {"params", {{"cursor", "x"}}}};
  CHECK(json::parse(*f.server.respond(bad_cursor, f.session))["error"]["code"] ==
        mcp::kInvalidParams);
}

namespace {

/// The _meta of a 2026-07-28 request.
json modern_meta(const std::string &version = "2026-07-28") {
  return {{"io.modelcontextprotocol/protocolVersion", version},
          {"io.modelcontextprotocol/clientInfo", {{"name", "t"}, {"version", "1"}}},
          {"io.modelcontextprotocol/clientCapabilities", json::object()}};
}

json modern_request(const std::string &method, json params = json::object(), json id = 1) {
  params["_meta"] = modern_meta();
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}};
}

} // namespace

TEST_CASE("MCP 2026-07-28: which messages are served statelessly", "[mcp][modern]") {
  auto with_meta = [](json meta) {
    return json{
        {"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}, {"params", {{"_meta", meta}}}};
  };
  CHECK(mcp::is_modern_request(modern_request("tools/list")));
  CHECK(mcp::is_modern_request({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}}));
  CHECK(mcp::is_modern_request(with_meta(modern_meta("v999.0.0")))); // answered -32022
  CHECK(mcp::is_modern_request(with_meta(modern_meta("2026-07-28"))));
  CHECK(mcp::is_modern_request({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, "2026-07-28"));
  // The initialize era: no _meta version, or one of its own versions.
  CHECK_FALSE(mcp::is_modern_request({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}));
  CHECK_FALSE(mcp::is_modern_request(with_meta(modern_meta("2025-11-25"))));
  CHECK_FALSE(mcp::is_modern_request(with_meta({{"progressToken", 3}})));
  CHECK_FALSE(
      mcp::is_modern_request({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "ping"}}, "2025-11-25"));
  CHECK_FALSE(mcp::is_modern_request(json(42)));
}

TEST_CASE("MCP 2026-07-28: server/discover names versions, capabilities and the server",
          "[mcp][modern]") {
  Fixture f;
  json reply = *f.server.handle_modern(modern_request("server/discover", json::object(), "d-1"));
  CHECK(reply["id"] == "d-1");
  const json &result = reply["result"];
  CHECK(result["resultType"] == "complete");
  CHECK(result["supportedVersions"] ==
        json{"2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"});
  // logging: it sends a request's log messages when its _meta asks (server/utilities/logging).
  CHECK(result["capabilities"] == json{{"tools", json::object()}, {"logging", json::object()}});
  CHECK(result["instructions"] == "Use it well.");
  CHECK(result["ttlMs"].is_number_integer());
  CHECK(result["ttlMs"].get<long>() >= 0);
  CHECK(result["cacheScope"] == "public");
  CHECK(result["_meta"]["io.modelcontextprotocol/serverInfo"] ==
        json{{"name", "test-server"}, {"title", "Test"}, {"version", "1.2.3"}});
  // clientInfo is a SHOULD: a request without it is served.
  json no_info = modern_request("server/discover");
  no_info["params"]["_meta"].erase("io.modelcontextprotocol/clientInfo");
  CHECK(f.server.handle_modern(no_info)->contains("result"));
}

TEST_CASE("MCP 2026-07-28: tools/list and tools/call without a session", "[mcp][modern]") {
  Fixture f;
  json list = *f.server.handle_modern(modern_request("tools/list"));
  CHECK(list["result"]["tools"] == f.registry.tools_list()["tools"]);
  CHECK(list["result"]["resultType"] == "complete");
  CHECK(list["result"]["ttlMs"].is_number_integer());
  CHECK(list["result"]["cacheScope"] == "public");
  CHECK(list["result"]["_meta"].contains("io.modelcontextprotocol/serverInfo"));

  json call = *f.server.handle_modern(modern_request(
      "tools/call",
      {{"name", "list-things"}, {"arguments", {{"jobId", "11111111-1111-4111-8111-111111111111"}}}},
      9));
  CHECK(call["id"] == 9);
  REQUIRE(f.upstream.requests.size() == 1);
  CHECK(call["result"]["structuredContent"] == json{{"results", json::array()}});
  CHECK(call["result"]["resultType"] == "complete");
  json invalid = *f.server.handle_modern(
      modern_request("tools/call", {{"name", "list-things"}, {"arguments", {{"jobId", "x"}}}}));
  CHECK(invalid["result"]["isError"] == true);
  CHECK(invalid["result"]["resultType"] == "complete");
  CHECK(f.upstream.requests.size() == 1);
  // A notification gets no answer.
  CHECK_FALSE(f.server.handle_modern({{"jsonrpc", "2.0"},
                                      {"method", "notifications/cancelled"},
                                      {"params", {{"_meta", modern_meta()}}}}));
}

TEST_CASE("MCP 2026-07-28: a request without the _meta it needs, of another version, or for a "
          "method it does not have, is refused with its id",
          "[mcp][modern]") {
  Fixture f;
  auto code_of = [&](const json &message) {
    json reply = *f.server.handle_modern(message);
    CHECK(reply["id"] == message["id"]);
    return reply["error"]["code"].get<int>();
  };
  json no_meta = {
      {"jsonrpc", "2.0"}, {"id", 101}, {"method", "server/discover"}, {"params", json::object()}};
  CHECK(code_of(no_meta) == mcp::kInvalidParams);
  json no_params = {{"jsonrpc", "2.0"}, {"id", 100}, {"method", "server/discover"}};
  CHECK(code_of(no_params) == mcp::kInvalidParams);
  for (const char *member :
       {"io.modelcontextprotocol/protocolVersion", "io.modelcontextprotocol/clientCapabilities"}) {
    INFO(member);
    json missing = modern_request("server/discover", json::object(), 102);
    missing["params"]["_meta"].erase(member);
    CHECK(code_of(missing) == mcp::kInvalidParams);
    json wrong_type = modern_request("server/discover", json::object(), 103);
    wrong_type["params"]["_meta"][member] = 7;
    CHECK(code_of(wrong_type) == mcp::kInvalidParams);
  }

  json unsupported = modern_request("server/discover", json::object(), 301);
  unsupported["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] = "v999.0.0";
  json reply = *f.server.handle_modern(unsupported);
  CHECK(reply["id"] == 301);
  CHECK(reply["error"]["code"] == mcp::kUnsupportedProtocolVersion);
  CHECK(reply["error"]["data"]["requested"] == "v999.0.0");
  CHECK(
      reply["error"]["data"]["supported"] ==
      (*f.server.handle_modern(modern_request("server/discover")))["result"]["supportedVersions"]);

  for (const char *method : {"initialize", "ping", "logging/setLevel", "resources/list", "nope"}) {
    INFO(method);
    CHECK(code_of(modern_request(method, json::object(), 500)) == mcp::kMethodNotFound);
  }
  CHECK((*f.server.handle_modern(modern_request("ping")))["error"]["message"] ==
        "method not found: \"ping\" (removed in 2026-07-28)");
}

TEST_CASE("MCP 2026-07-28: respond() serves a modern message before and beside initialize (stdio)",
          "[mcp][modern]") {
  Fixture f;
  std::optional<std::string> discover = f.answer_text(modern_request("server/discover").dump());
  REQUIRE(discover);
  CHECK(json::parse(*discover)["result"]["supportedVersions"][0] == "2026-07-28");
  CHECK_FALSE(f.session.initialized());
  // The initialize era still works on the same stream.
  f.request("initialize", {{"protocolVersion", "2025-11-25"},
                           {"capabilities", json::object()},
                           {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  CHECK(f.session.initialized());
  CHECK(
      json::parse(*f.answer_text(modern_request("tools/list").dump()))["result"].contains("ttlMs"));
  CHECK(f.request("ping")["result"] == json::object());
}

TEST_CASE("MCP: sessions track the requests in flight by id, for cancellation", "[mcp][cancel]") {
  mcp::Session session("s");
  CHECK_FALSE(session.cancel(1));
  {
    mcp::InFlightRequest one(session, 1);
    mcp::InFlightRequest one_again(session, 1);
    mcp::InFlightRequest moved(std::move(one_again));
    mcp::InFlightRequest text_one(session, "1");
    mcp::InFlightRequest two(session, 2);
    CHECK_FALSE(one.cancelled());
    CHECK(session.cancel(1));
    CHECK(one.cancelled());
    CHECK(moved.cancelled());
    CHECK_FALSE(text_one.cancelled()); // "1" and 1 are two ids
    CHECK_FALSE(two.cancelled());
    CHECK(session.cancel("1"));
    CHECK(text_one.cancelled());
  }
  // Answered requests are forgotten: a late cancellation finds nothing.
  CHECK_FALSE(session.cancel(1));
  CHECK_FALSE(session.cancel("1"));
  CHECK_FALSE(session.cancel(2));
}

TEST_CASE("MCP: a call cancelled while Qovery answers was sent, but gets no answer",
          "[mcp][cancel]") {
  Fixture f;
  for (const json &id : {json(4), json("call-4")}) {
    f.upstream.requests.clear();
    f.upstream.while_sending = [&] {
      CHECK_FALSE(f.server.handle(cancelled({{"requestId", id}, {"reason", "stop"}}), f.session));
    };
    CHECK_FALSE(f.server.respond(list_call(id), f.session));
    CHECK_FALSE(f.server.handle(list_call(id), f.session));
    CHECK(f.upstream.requests.size() == 2); // a request on its way is not called back
  }
  // The cancellation named the requests then in flight, not a later one of the same id.
  f.upstream.while_sending = nullptr;
  json later = *f.server.handle(list_call(4), f.session);
  CHECK(later["result"]["structuredContent"] == json{{"results", json::array()}});
}

TEST_CASE("MCP: a call cancelled before it starts sends nothing and gets no answer",
          "[mcp][cancel]") {
  Fixture f;
  json call = list_call("call-1");
  // A transport that reads ahead tracks the request from when it reads it.
  mcp::InFlightRequest request(f.session, call["id"]);
  CHECK_FALSE(f.server.handle(cancelled({{"requestId", "call-1"}}), f.session));
  CHECK(request.cancelled());
  CHECK_FALSE(f.server.respond(call, f.session, &request));
  CHECK(f.upstream.requests.empty());
}

TEST_CASE("MCP: a cancellation that names no request in flight is ignored", "[mcp][cancel]") {
  Fixture f;
  json call = list_call(7);
  mcp::InFlightRequest request(f.session, call["id"]);
  for (const json &params :
       {json{{"requestId", "7"}}, json{{"requestId", 8}}, json{{"requestId", nullptr}},
        json{{"requestId", 7.5}}, json{{"requestId", json::array({7})}}, json{{"reason", "no id"}},
        json::array({7}), json(7), json(nullptr)}) {
    INFO(params.dump());
    CHECK_FALSE(f.server.handle(cancelled(params), f.session));
  }
  CHECK_FALSE(
      f.server.handle({{"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}}, f.session));
  CHECK_FALSE(request.cancelled());
  std::optional<std::string> answer = f.server.respond(call, f.session, &request);
  REQUIRE(answer);
  CHECK(json::parse(*answer)["id"] == 7);
  CHECK(f.upstream.requests.size() == 1);
}

namespace {

json modern_call(const json &id, const std::string &log_level = "") {
  json call = modern_request(
      "tools/call",
      {{"name", "list-things"}, {"arguments", {{"jobId", "11111111-1111-4111-8111-111111111111"}}}},
      id);
  if (!log_level.empty())
    call["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = log_level;
  return call;
}

} // namespace

TEST_CASE("MCP 2026-07-28: a request's log level decides which log messages it gets, and none "
          "without it",
          "[mcp][modern][logging]") {
  Fixture f;
  f.upstream.answer = {503, R"({"message":"down"})", UpstreamError::None, ""};
  std::vector<json> sent;
  mcp::Notify collect = [&](const json &notification) { sent.push_back(notification); };

  // No level asked: no notification, whatever happens.
  json answer = *f.server.handle_modern(modern_call(1), collect);
  CHECK(answer["result"]["isError"] == true);
  CHECK(sent.empty());

  // Qovery failing the call is a warning: a client asking warning, or
  // anything below, gets it; one asking error or above does not.
  for (const char *level : {"debug", "info", "notice", "warning"}) {
    INFO(level);
    sent.clear();
    answer = *f.server.handle_modern(modern_call(2, level), collect);
    CHECK(answer["id"] == 2);
    REQUIRE(sent.size() == 1);
    const json &message = sent[0];
    CHECK(message["jsonrpc"] == "2.0");
    CHECK(message["method"] == "notifications/message");
    CHECK_FALSE(message.contains("id"));
    CHECK(message["params"]["level"] == "warning");
    CHECK(message["params"]["logger"] == "test-server");
    CHECK(message["params"]["data"]["message"] == "call");
    CHECK(message["params"]["data"]["tool"] == "list-things");
    CHECK(message["params"]["data"]["outcome"] == "failed");
    CHECK(message["params"]["data"]["status"] == 503);
  }
  for (const char *level : {"error", "critical", "alert", "emergency"}) {
    INFO(level);
    sent.clear();
    CHECK(f.server.handle_modern(modern_call(3, level), collect)->contains("result"));
    CHECK(sent.empty());
  }
  // A call that succeeds logs its outcome at debug only.
  f.upstream.answer = {200, R"({"results":[]})", UpstreamError::None, ""};
  sent.clear();
  f.server.handle_modern(modern_call(4, "info"), collect);
  CHECK(sent.empty());
  f.server.handle_modern(modern_call(5, "debug"), collect);
  REQUIRE(sent.size() == 1);
  CHECK(sent[0]["params"]["level"] == "debug");
  CHECK(sent[0]["params"]["data"]["outcome"] == "ok");
  // Notifications never outlive the request: nothing is logged to it later.
  sent.clear();
  f.server.handle_modern(modern_call(6), collect);
  CHECK(sent.empty());
}

TEST_CASE("MCP 2026-07-28: a log level that is not an RFC 5424 one is refused with -32602",
          "[mcp][modern][logging]") {
  Fixture f;
  for (const json &level : {json("verbose"), json("DEBUG"), json(3), json(nullptr)}) {
    INFO(level.dump());
    json call = modern_call(7);
    call["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = level;
    json answer = *f.server.handle_modern(call);
    CHECK(answer["id"] == 7);
    CHECK(answer["error"]["code"] == mcp::kInvalidParams);
    CHECK(answer["error"]["message"].get<std::string>().find("logLevel") != std::string::npos);
  }
  CHECK(f.upstream.requests.empty());
  std::optional<mcp::ModernAnswer> text = f.server.respond_modern(modern_call(8, "info"));
  REQUIRE(text);
  CHECK(text->log_level_asked);
  CHECK(text->error_code == 0);
  CHECK_FALSE(f.server.respond_modern(modern_call(8))->log_level_asked);
}

TEST_CASE("MCP 2026-07-28: subscriptions/listen is acknowledged with the filter the server honours",
          "[mcp][modern][subscriptions]") {
  Fixture f;
  json listen = modern_request("subscriptions/listen",
                               {{"notifications",
                                 {{"toolsListChanged", true},
                                  {"promptsListChanged", true},
                                  {"resourceSubscriptions", {"x"}}}}},
                               "sub-1");
  listen["params"]["_meta"]["io.modelcontextprotocol/logLevel"] = "debug";
  std::vector<json> sent;
  json ack = *f.server.handle_modern(listen, [&](const json &n) { sent.push_back(n); });
  CHECK(sent.empty()); // no log message on a subscription's stream
  CHECK(ack == json{{"jsonrpc", "2.0"},
                    {"method", "notifications/subscriptions/acknowledged"},
                    {"params",
                     {{"_meta", {{"io.modelcontextprotocol/subscriptionId", "sub-1"}}},
                      {"notifications", json::object()}}}});
  std::optional<mcp::ModernAnswer> text = f.server.respond_modern(listen);
  REQUIRE(text);
  CHECK(text->subscribed);
  CHECK(json::parse(text->text) == ack);
  CHECK_FALSE(f.server.respond_modern(modern_request("tools/list"))->subscribed);

  // The filter is required (SubscriptionsListenRequestParams.notifications).
  for (const json &params : {json::object(), json{{"notifications", true}}}) {
    json bad = modern_request("subscriptions/listen", params, 9);
    json answer = *f.server.handle_modern(bad);
    CHECK(answer["id"] == 9);
    CHECK(answer["error"]["code"] == mcp::kInvalidParams);
    CHECK_FALSE(f.server.respond_modern(bad)->subscribed);
  }

  // The graceful closure: a result for the listen request, naming it.
  for (const json &id : {json("sub-1"), json(12)}) {
    json closed = json::parse(f.server.subscription_closed(id));
    CHECK(closed["id"] == id);
    CHECK(closed["result"]["resultType"] == "complete");
    CHECK(closed["result"]["_meta"]["io.modelcontextprotocol/subscriptionId"] == id);
    CHECK(closed["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "test-server");
  }
}

TEST_CASE("MCP 2026-07-28: a subscription on stdio stays open until cancelled or ended",
          "[mcp][modern][subscriptions]") {
  Fixture f;
  auto listen = [](const json &id) {
    return modern_request("subscriptions/listen", {{"notifications", json::object()}}, id);
  };
  REQUIRE(f.server.respond(listen(1), f.session));
  REQUIRE(f.server.respond(listen("two"), f.session));
  REQUIRE(f.server.respond(listen(3), f.session));
  // The client cancels one: it gets no answer, and the others stay open.
  CHECK_FALSE(f.server.respond(cancelled({{"requestId", "two"}}), f.session));
  CHECK_FALSE(f.session.cancel("two")); // gone
  CHECK(f.session.end_subscriptions() == std::vector<json>{1, 3});
  CHECK(f.session.end_subscriptions().empty());
}

TEST_CASE("MCP 2026-07-28: a call cancelled on stdio gets no answer and sends nothing more",
          "[mcp][modern][cancel]") {
  Fixture f;
  // Cancelled before it starts: nothing reaches Qovery.
  json call = modern_call("m-1", "debug");
  std::vector<json> sent;
  mcp::Notify collect = [&](const json &n) { sent.push_back(n); };
  {
    mcp::InFlightRequest request(f.session, call["id"]);
    // A 2026-07-28 client's notifications/cancelled, with or without _meta.
    json cancel = cancelled({{"requestId", "m-1"}, {"_meta", modern_meta()}});
    CHECK_FALSE(f.server.respond(cancel, f.session));
    CHECK(request.cancelled());
    CHECK_FALSE(f.server.respond(call, f.session, &request, collect));
    CHECK(f.upstream.requests.empty());
    CHECK(sent.empty());
  }
  // Cancelled while Qovery answers: sent, but no answer and no log message.
  f.upstream.while_sending = [&] {
    CHECK_FALSE(f.server.respond(cancelled({{"requestId", "m-1"}}), f.session));
  };
  CHECK_FALSE(f.server.respond(call, f.session, nullptr, collect));
  CHECK(f.upstream.requests.size() == 1);
  CHECK(sent.empty());
  // Not cancelled: answered, with its log message first.
  f.upstream.while_sending = nullptr;
  std::optional<std::string> answer = f.server.respond(call, f.session, nullptr, collect);
  REQUIRE(answer);
  CHECK(json::parse(*answer)["result"]["resultType"] == "complete");
  CHECK(sent.size() == 1);
}

TEST_CASE("MCP 2026-07-28: respond_modern() writes what handle_modern() answers, tools/list "
          "spliced in",
          "[mcp][modern]") {
  Fixture f;
  for (const json &id : {json(1), json("list-\u2028-id"), json(-7)}) {
    json list = modern_request("tools/list", json::object(), id);
    std::optional<mcp::ModernAnswer> answer = f.server.respond_modern(list);
    REQUIRE(answer);
    CHECK(json::parse(answer->text) == *f.server.handle_modern(list));
    CHECK(answer->text.find("\u2028") == std::string::npos); // one line, as stdio needs
    CHECK(answer->error_code == 0);
  }
  json bad_cursor = modern_request("tools/list", {{"cursor", "x"}}, 2);
  CHECK(f.server.respond_modern(bad_cursor)->error_code == mcp::kInvalidParams);
  CHECK(f.server.respond_modern(modern_request("ping"))->error_code == mcp::kMethodNotFound);
}
