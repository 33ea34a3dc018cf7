// Malformed input on all three adapters (MCP over streamable HTTP, MCP over
// stdio, REST), table-driven: each row is sent to a real server process in
// front of fake-qovery, must get its exact answer, and must leave the server
// serving the next request, which is checked after every row.

#include "stack.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <chrono>
#include <sstream>
#include <thread>

using nlohmann::json;
using namespace test;

namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kDeep = 100000;

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;

/// Longest error message a row may get: long inputs are described, not echoed.
constexpr std::size_t kMaxMessageLength = 1024;

/// How long any answer may take before the row fails as "not answered at
/// all": generous, since other builds share the machine's CPUs.
constexpr milliseconds kAnswerTimeout{30000};

/// The servers' --http-timeout: a body announced and never sent is answered
/// (413) once it has waited this long for it, as cpp-httplib drains a body
/// before refusing it; shorter than the default 10 s to keep the table quick.
const std::string kHttpTimeout = "2";

/// A secret value the rows send: no answer and no server output may hold it.
const std::string kSecretValue = "hunter2-s3cr3t";

std::string deep_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

std::string deep_objects(std::size_t depth) {
  std::string text;
  text.reserve(depth * 6 + 1);
  for (std::size_t i = 0; i < depth; ++i)
    text += R"({"a":)";
  text += '1';
  text += std::string(depth, '}');
  return text;
}

/// A tools/call request with id 1 and `arguments` as raw JSON text.
std::string call(const std::string &tool, const std::string &arguments) {
  return R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + tool +
         R"(","arguments":)" + arguments + "}}";
}

/// `{"jobId": <job>, "body": <body>}` as raw JSON text.
std::string with_body(const std::string &body) {
  return R"({"jobId":")" + kJobId + R"(","body":)" + body + "}";
}

/// What a message must be answered with.
struct Answer {
  enum class Kind { kRpcError, kToolError, kResult, kNone } kind;
  int code = 0;           ///< the JSON-RPC error code of a kRpcError
  json id = nullptr;      ///< the id the answer must carry
  std::string mentions;   ///< text the error message must contain
  std::string not_echoed; ///< text (a secret) the answer must not contain
};

Answer rpc_error(int code, json id, std::string mentions) {
  return {Answer::Kind::kRpcError, code, std::move(id), std::move(mentions), {}};
}
Answer tool_error(std::string mentions, std::string not_echoed = {}) {
  return {Answer::Kind::kToolError, 0, 1, std::move(mentions), std::move(not_echoed)};
}
Answer ping_result(json id) { return {Answer::Kind::kResult, 0, std::move(id), {}, {}}; }
Answer no_answer() { return {Answer::Kind::kNone, 0, nullptr, {}, {}}; }

/// The HTTP status of the answer on the MCP endpoint: parse errors and
/// invalid requests are the client's fault (400), a notification or response
/// gets 202, everything else is a JSON-RPC answer with 200.
int http_status(const Answer &answer) {
  if (answer.kind == Answer::Kind::kNone)
    return 202;
  if (answer.kind == Answer::Kind::kRpcError &&
      (answer.code == kParseError || answer.code == kInvalidRequest))
    return 400;
  return 200;
}

/// One JSON-RPC message, the same bytes on HTTP (the body) and stdio (a line).
struct MessageRow {
  std::string name;
  std::string message;
  Answer answer;
};

std::vector<MessageRow> message_rows() {
  const std::string ping = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";
  const std::string big(kMiB, 'x');
  return {
      // Truncated and invalid JSON: -32700, with the id when it came before the fault.
      {"truncated in a string", R"({"jsonrpc":"2.0","id":1,"method":"pi)",
       rpc_error(kParseError, 1, "parse error")},
      {"truncated after an open brace", R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{)",
       rpc_error(kParseError, 1, "parse error")},
      {"trailing comma", R"({"jsonrpc":"2.0","id":1,"method":"ping",})",
       rpc_error(kParseError, 1, "parse error")},
      {"single quotes", R"({'jsonrpc':'2.0','id':1,'method':'ping'})",
       rpc_error(kParseError, nullptr, "parse error")},
      {"two messages back to back", ping + ping, rpc_error(kParseError, 1, "parse error")},
      {"trailing garbage", ping + " x", rpc_error(kParseError, 1, "parse error")},
      {"not JSON at all", "hello", rpc_error(kParseError, nullptr, "parse error")},
      {"a NUL byte inside", std::string(R"({"jsonrpc":"2.0",)") + '\0' + R"("id":1})",
       rpc_error(kParseError, nullptr, "parse error")},
      {"deep nesting left open", std::string(kDeep, '['),
       rpc_error(kInvalidRequest, nullptr, "nested deeper than 64 levels")},
      // Invalid UTF-8: -32700 (with the id read before it), and the bytes are not echoed.
      {"invalid UTF-8 in a string",
       R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":")" + std::string("\xff\xfe") +
           R"("}})",
       rpc_error(kParseError, 1, "UTF-8")},
      {"overlong UTF-8 encoding",
       R"({"jsonrpc":"2.0","id":1,"method":"p)" + std::string("\xc0\xaf") + R"(ing"})",
       rpc_error(kParseError, 1, "UTF-8")},
      {"truncated UTF-8 sequence in a secret",
       call("add-secret-job",
            with_body(R"({"key":"K","value":")" + kSecretValue + "\xe2\x82" + R"("})")),
       {Answer::Kind::kRpcError, kParseError, 1, "UTF-8", kSecretValue}},
      // A lone UTF-16 surrogate escape: the message is read (the id is
      // answered); in a tool's arguments it is a tool error naming the argument.
      {"lone UTF-16 surrogate escape outside arguments",
       R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"\ud800"}})",
       rpc_error(kInvalidRequest, 1, "params.x holds a lone UTF-16 surrogate")},
      {"lone UTF-16 surrogate in a secret's value",
       call("add-secret-job", with_body(R"({"key":"K","value":")" + kSecretValue + R"(\ud83d"})")),
       tool_error("argument 'body.value' holds a lone UTF-16 surrogate", kSecretValue)},
      {"lone low surrogate in a key",
       call("add-secret-job", with_body(R"({"key":"K\udc00","value":"v"})")),
       tool_error("argument 'body.key' holds a lone UTF-16 surrogate")},
      {"lone surrogate in the tool's name",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x\ud83d"}})",
       rpc_error(kInvalidRequest, 1, "params.name holds a lone UTF-16 surrogate")},
      // Huge numbers.
      {"number overflowing a double",
       R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"n":1e999999}})",
       rpc_error(kParseError, 1, "number")},
      {"id 1e999999", R"({"jsonrpc":"2.0","id":1e999999,"method":"ping"})",
       rpc_error(kParseError, nullptr, "number")},
      {"id beyond 64 bits",
       R"({"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"id below the smallest 64-bit integer",
       R"({"jsonrpc":"2.0","id":-9223372036854775809,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"id -0 is the integer 0", R"({"jsonrpc":"2.0","id":-0,"method":"ping"})", ping_result(0)},
      {"id the largest unsigned 64-bit integer",
       R"({"jsonrpc":"2.0","id":18446744073709551615,"method":"ping"})",
       ping_result(json(18446744073709551615ULL))},
      {"id with a fraction", R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"jobId a huge number",
       call("list-job-secrets", R"({"jobId":123456789012345678901234567890})"),
       tool_error("argument 'jobId' must be a string")},
      // Huge strings: answered, but never echoed whole.
      {"id a string of 1 MiB", R"({"jsonrpc":"2.0","id":")" + big + R"(","method":"ping"})",
       ping_result(big)},
      {"method name of 1 MiB", R"({"jsonrpc":"2.0","id":1,"method":")" + big + "\"}",
       rpc_error(kMethodNotFound, 1, "method not found")},
      {"tool name of 1 MiB",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":")" + big + "\"}}",
       rpc_error(kInvalidParams, 1, "unknown tool")},
      {"jobId of 1 MiB", call("list-job-secrets", R"({"jobId":")" + big + "\"}"),
       tool_error("argument 'jobId' must be a UUID, got a string of 1048576 characters")},
      {"body.key of 1 MiB", call("add-secret-job", with_body(R"({"key":")" + big + "\"}")),
       tool_error("argument 'body.key' must be at most 255 characters")},
      {"body.value of 1 MiB without a key",
       call("add-secret-job", with_body(R"({"value":")" + kSecretValue + big + "\"}")),
       tool_error("argument 'body.key' is required", kSecretValue)},
      // Nesting 100,000 deep: refused as the parser reaches level 65, with the
      // id when it came before.
      {"arrays 100,000 deep as the message", deep_arrays(kDeep),
       rpc_error(kInvalidRequest, nullptr, "nested deeper than 64 levels")},
      {"objects 100,000 deep as the message", deep_objects(kDeep),
       rpc_error(kInvalidRequest, nullptr, "nested deeper than 64 levels")},
      {"arrays 100,000 deep as params of ping",
       R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":)" + deep_arrays(kDeep) + "}}",
       rpc_error(kInvalidRequest, 1, "nested deeper than 64 levels")},
      {"objects 100,000 deep as an id",
       R"({"jsonrpc":"2.0","id":)" + deep_objects(kDeep) + R"(,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "nested deeper than 64 levels")},
      {"arrays 100,000 deep as jobId",
       call("list-job-secrets", R"({"jobId":)" + deep_arrays(kDeep) + "}"),
       rpc_error(kInvalidRequest, 1, "nested deeper than 64 levels")},
      {"objects 100,000 deep in body",
       call("add-secret-job", with_body(R"({"key":"DEEP","nested":)" + deep_objects(kDeep) + "}")),
       rpc_error(kInvalidRequest, 1, "nested deeper than 64 levels")},
      {"objects 100,000 deep as a notification's params",
       R"({"jsonrpc":"2.0","method":"notifications/progress","params":)" + deep_objects(kDeep) +
           "}",
       rpc_error(kInvalidRequest, nullptr, "nested deeper than 64 levels")},
      {"65 levels as params of ping",
       R"({"jsonrpc":"2.0","id":"p","method":"ping","params":{"x":)" + deep_arrays(63) + "}}",
       rpc_error(kInvalidRequest, "p", "nested deeper than 64 levels")},
      {"64 levels as params of ping",
       R"({"jsonrpc":"2.0","id":"p","method":"ping","params":{"x":)" + deep_arrays(62) + "}}",
       ping_result("p")},
      {"100,001 values as params of ping",
       R"({"jsonrpc":"2.0","id":2,"method":"ping","params":{"x":[)" +
           [] {
             std::string zeros;
             for (int i = 0; i < 100001; ++i)
               zeros += i == 0 ? "0" : ",0";
             return zeros;
           }() +
           "]}}",
       rpc_error(kInvalidRequest, 2, "more than 100000 values")},
      {"a lone surrogate before the id",
       R"({"jsonrpc":"2.0","method":"ping","params":{"x":"\ud83d"},"id":7})",
       rpc_error(kInvalidRequest, 7, "surrogate")},
      {"a lone surrogate in the id", R"({"jsonrpc":"2.0","method":"ping","id":"\ud83d"})",
       rpc_error(kInvalidRequest, nullptr, "id holds a lone UTF-16 surrogate")},
      // The envelope: jsonrpc, id, method, params of the wrong type or missing.
      {"empty object", "{}", rpc_error(kInvalidRequest, nullptr, "invalid request")},
      {"a bare number", "42", rpc_error(kInvalidRequest, nullptr, "invalid request")},
      {"a bare string", R"("ping")", rpc_error(kInvalidRequest, nullptr, "invalid request")},
      {"null", "null", rpc_error(kInvalidRequest, nullptr, "invalid request")},
      {"jsonrpc missing", R"({"id":1,"method":"ping"})", rpc_error(kInvalidRequest, 1, "jsonrpc")},
      {"jsonrpc 1.0", R"({"jsonrpc":"1.0","id":1,"method":"ping"})",
       rpc_error(kInvalidRequest, 1, "jsonrpc")},
      {"jsonrpc a number", R"({"jsonrpc":2.0,"id":1,"method":"ping"})",
       rpc_error(kInvalidRequest, 1, "jsonrpc")},
      {"id null", R"({"jsonrpc":"2.0","id":null,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"id an object", R"({"jsonrpc":"2.0","id":{"n":1},"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"id a boolean", R"({"jsonrpc":"2.0","id":true,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"id an array", R"({"jsonrpc":"2.0","id":[1],"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "id")},
      {"id twice in one message", R"({"jsonrpc":"2.0","id":1,"id":2,"method":"ping"})",
       rpc_error(kInvalidRequest, nullptr, "\"id\" appears twice")},
      {"method twice in one message",
       R"({"jsonrpc":"2.0","id":3,"method":"ping","method":"tools/list"})",
       rpc_error(kInvalidRequest, 3, "\"method\" appears twice")},
      {"a tool argument twice",
       call("list-job-secrets", R"({"jobId":"nope","jobId":")" + kJobId + "\"}"),
       rpc_error(kInvalidRequest, 1, "\"jobId\" appears twice")},
      {"an id already used by an earlier request", ping, ping_result(1)},
      {"method a number", R"({"jsonrpc":"2.0","id":1,"method":42})",
       rpc_error(kInvalidRequest, 1, "method")},
      {"method null", R"({"jsonrpc":"2.0","id":1,"method":null})",
       rpc_error(kInvalidRequest, 1, "method")},
      {"result and error together",
       R"({"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}})",
       rpc_error(kInvalidRequest, 1, "invalid request")},
      {"params a string", R"({"jsonrpc":"2.0","id":1,"method":"ping","params":"x"})",
       rpc_error(kInvalidParams, 1, "params must be an object")},
      {"params an array", R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":[1,2]})",
       rpc_error(kInvalidParams, 1, "params must be an object")},
      {"params null, taken as absent", R"({"jsonrpc":"2.0","id":1,"method":"ping","params":null})",
       ping_result(1)},
      // Batches: MCP 2025-11-25 has none; one error object, id null.
      {"a batch of two pings", "[" + ping + "," + ping + "]",
       rpc_error(kInvalidRequest, nullptr, "batch")},
      {"an empty batch", "[]", rpc_error(kInvalidRequest, nullptr, "batch")},
      {"a batch of one notification", R"([{"jsonrpc":"2.0","method":"notifications/initialized"}])",
       rpc_error(kInvalidRequest, nullptr, "batch")},
      // Unknown methods: -32601 naming the method.
      {"unknown method", R"({"jsonrpc":"2.0","id":1,"method":"tools/unknown"})",
       rpc_error(kMethodNotFound, 1, "tools/unknown")},
      {"resources/list, not offered", R"({"jsonrpc":"2.0","id":1,"method":"resources/list"})",
       rpc_error(kMethodNotFound, 1, "resources/list")},
      {"method in the wrong case", R"({"jsonrpc":"2.0","id":1,"method":"PING"})",
       rpc_error(kMethodNotFound, 1, "PING")},
      {"empty method", R"({"jsonrpc":"2.0","id":1,"method":""})",
       rpc_error(kMethodNotFound, 1, "method not found")},
      {"a notification sent as a request",
       R"({"jsonrpc":"2.0","id":1,"method":"notifications/initialized"})",
       rpc_error(kMethodNotFound, 1, "notifications/initialized")},
      // Missing and wrong params of the methods.
      {"tools/call without params", R"({"jsonrpc":"2.0","id":1,"method":"tools/call"})",
       rpc_error(kInvalidParams, 1, "params.name")},
      {"tools/call name a number",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":42}})",
       rpc_error(kInvalidParams, 1, "params.name")},
      {"tools/call name null",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null}})",
       rpc_error(kInvalidParams, 1, "params.name")},
      {"unknown tool", call("list-secrets", "{}"),
       rpc_error(kInvalidParams, 1, "unknown tool 'list-secrets'")},
      {"arguments a string", call("list-job-secrets", R"("jobId")"),
       rpc_error(kInvalidParams, 1, "params.arguments")},
      {"arguments an array", call("list-job-secrets", R"([")" + kJobId + "\"]"),
       rpc_error(kInvalidParams, 1, "params.arguments")},
      {"logging/setLevel without params", R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel"})",
       rpc_error(kInvalidParams, 1, "level")},
      {"logging/setLevel level a number",
       R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":3}})",
       rpc_error(kInvalidParams, 1, "level")},
      {"logging/setLevel unknown level",
       R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}})",
       rpc_error(kInvalidParams, 1, "level")},
      {"tools/list cursor a number",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}})",
       rpc_error(kInvalidParams, 1, "cursor")},
      // Tool arguments of the wrong type: tool results with isError.
      {"arguments missing",
       R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"list-job-secrets"}})",
       tool_error("argument 'jobId' is required")},
      {"jobId a number", call("list-job-secrets", R"({"jobId":42})"),
       tool_error("argument 'jobId' must be a string")},
      {"jobId null", call("list-job-secrets", R"({"jobId":null})"),
       tool_error("argument 'jobId' must be a string")},
      {"jobId not a UUID", call("list-job-secrets", R"({"jobId":"abc"})"),
       tool_error("argument 'jobId' must be a UUID, got \"abc\"")},
      {"an unknown argument",
       call("list-job-secrets", R"({"jobId":")" + kJobId + R"(","limit":5})"),
       tool_error("argument 'limit' is not allowed")},
      {"secretId a boolean",
       call("delete-secret-job", R"({"jobId":")" + kJobId + R"(","secretId":true})"),
       tool_error("argument 'secretId' must be a string")},
      {"body an array", call("add-secret-job", with_body(R"(["KEY","value"])")),
       tool_error("argument 'body' must be an object")},
      {"body a string", call("add-secret-job", with_body(R"("KEY=value")")),
       tool_error("argument 'body' must be an object")},
      {"body.key a number", call("add-secret-job", with_body(R"({"key":42})")),
       tool_error("argument 'body.key' must be a string")},
      {"body.value an object",
       call("add-secret-job", with_body(R"({"key":"K","value":{"v":")" + kSecretValue + "\"}}")),
       tool_error("argument 'body.value' must be a string", kSecretValue)},
      {"body.value a number", call("add-secret-job", with_body(R"({"key":"K","value":987654321})")),
       tool_error("argument 'body.value' must be a string", "987654321")},
      {"body.mount_path a number",
       call("add-secret-job", with_body(R"({"key":"K","mount_path":7})")),
       tool_error("argument 'body.mount_path' must be null or a string")},
      {"body.enable_interpolation_in_file a string",
       call("add-secret-job", with_body(R"({"key":"K","enable_interpolation_in_file":"yes"})")),
       tool_error("argument 'body.enable_interpolation_in_file' must be null or a boolean")},
      // Notifications and responses of a bad shape: never answered.
      {"notification with params a string",
       R"({"jsonrpc":"2.0","method":"notifications/initialized","params":"x"})", no_answer()},
      {"cancellation of an unknown request",
       R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":{"x":1}}})",
       no_answer()},
      {"unknown notification", R"({"jsonrpc":"2.0","method":"notifications/does-not-exist"})",
       no_answer()},
      {"a response to nothing", R"({"jsonrpc":"2.0","id":77,"result":{}})", no_answer()},
      {"notification without jsonrpc", R"({"method":"notifications/initialized"})",
       rpc_error(kInvalidRequest, nullptr, "jsonrpc")},
      {"notification with method a number", R"({"jsonrpc":"2.0","method":7})",
       rpc_error(kInvalidRequest, nullptr, "method")},
  };
}

/// The string at `pointer` in `value`; empty when there is none, which the
/// caller's checks then fail on (a REQUIRE would stop the whole table).
std::string string_at(const json &value, const char *pointer) {
  json::json_pointer path(pointer);
  if (!value.contains(path) || !value.at(path).is_string())
    return {};
  return value.at(path).get<std::string>();
}

/// Checks one JSON-RPC answer (or the absence of one) against `expected`.
void check_answer(const Answer &expected, const std::string &text) {
  json answer = json::parse(text, nullptr, false);
  CHECK(answer.is_object());
  if (!answer.is_object())
    return;
  CHECK(answer["jsonrpc"] == "2.0");
  CHECK(answer["id"] == expected.id);
  if (!expected.not_echoed.empty())
    CHECK(text.find(expected.not_echoed) == std::string::npos);
  switch (expected.kind) {
  case Answer::Kind::kRpcError: {
    CHECK_FALSE(answer.contains("result"));
    CHECK(answer["error"]["code"] == expected.code);
    std::string message = string_at(answer, "/error/message");
    INFO("error message: " << message.substr(0, 200));
    CHECK_FALSE(message.empty());
    CHECK(message.find(expected.mentions) != std::string::npos);
    CHECK(message.size() < kMaxMessageLength);
    break;
  }
  case Answer::Kind::kToolError: {
    CHECK_FALSE(answer.contains("error"));
    CHECK(answer["result"]["isError"] == true);
    std::string message = string_at(answer, "/result/content/0/text");
    INFO("tool error: " << message.substr(0, 200));
    CHECK(message.starts_with(expected.mentions));
    CHECK(message.size() < kMaxMessageLength);
    break;
  }
  case Answer::Kind::kResult:
    CHECK(answer["result"] == json::object());
    break;
  case Answer::Kind::kNone:
    FAIL("no answer was due");
  }
}

// ---------------------------------------------------------------------------
// Raw HTTP over a socket, for bodies sent byte by byte and broken framing.

struct RawReply {
  int status = 0; ///< 0: the connection closed (or timed out) without an answer
  std::string headers;
  std::string body;
};

/// Sends `bytes` on a new connection to 127.0.0.1:`port`, one byte every
/// `gap` when `gap` is not zero, then reads one HTTP response.
RawReply raw_exchange(int port, const std::string &bytes, milliseconds gap = milliseconds(0)) {
  int fd = connect_loopback(port);
  RawReply reply;
  std::size_t chunk = gap.count() > 0 ? 1 : bytes.size();
  for (std::size_t sent = 0; sent < bytes.size();) {
    ssize_t n = send(fd, bytes.data() + sent, std::min(chunk, bytes.size() - sent), MSG_NOSIGNAL);
    if (n <= 0)
      break; // the server may answer and close before reading everything
    sent += static_cast<std::size_t>(n);
    if (gap.count() > 0)
      std::this_thread::sleep_for(gap);
  }
  std::string received;
  auto deadline = Clock::now() + kAnswerTimeout;
  std::size_t header_end = std::string::npos;
  std::size_t content_length = 0;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = received.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        reply.headers = received.substr(0, header_end);
        std::string lower = reply.headers;
        for (char &c : lower)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::size_t length_at = lower.find("\r\ncontent-length:");
        if (length_at != std::string::npos)
          content_length = std::stoul(lower.substr(length_at + 17));
      }
    }
    if (header_end != std::string::npos && received.size() >= header_end + 4 + content_length)
      break;
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
      break;
    char buffer[65536];
    ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0)
      break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  close(fd);
  if (header_end == std::string::npos || received.compare(0, 9, "HTTP/1.1 ") != 0)
    return reply;
  reply.status = std::stoi(received.substr(9, 3));
  reply.body = received.substr(header_end + 4, content_length);
  return reply;
}

/// An HTTP/1.1 request with Host, `headers` and `body` (Content-Length added
/// unless `headers` frame the body themselves), asking to close afterwards.
std::string http_request(const std::string &method, const std::string &path,
                         const std::string &headers, const std::string &body) {
  std::string text =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers;
  if (headers.find("Content-Length") == std::string::npos &&
      headers.find("Transfer-Encoding") == std::string::npos)
    text += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return text + "\r\n" + body;
}

const std::string kPing = R"({"jsonrpc":"2.0","id":1,"method":"ping"})";

std::string hex(std::size_t number) {
  std::ostringstream text;
  text << std::hex << number;
  return text.str();
}

/// A row sent over a raw socket: the whole request, framing included.
struct RawRow {
  std::string name;
  std::string request;
  milliseconds gap;
  int status;
  std::string mentions; ///< text the error must contain; empty for a success
  json id = nullptr;    ///< the id the error must carry
};

/// `method path` with `headers` and `body`, and no Host header unless `headers` has one.
std::string request_without_host(const std::string &method, const std::string &path,
                                 const std::string &headers, const std::string &body) {
  return method + " " + path + " HTTP/1.1\r\nConnection: close\r\n" + headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

/// Requests whose Host or framing the server must refuse before reading the
/// body, the same for every endpoint: `path` takes `headers` (content type,
/// session) and `body` (a valid request body) when nothing else is wrong.
std::vector<RawRow> hostile_framing_rows(const std::string &path, const std::string &headers,
                                         const std::string &body) {
  const std::string chunked = headers + "Transfer-Encoding: chunked\r\n";
  std::string five_mib_chunked;
  for (int i = 0; i < 5; ++i)
    five_mib_chunked += hex(1 << 20) + "\r\n" + std::string(1 << 20, ' ') + "\r\n";
  return {
      {"no Host header", request_without_host("POST", path, headers, body), milliseconds(0), 400,
       "exactly one Host header"},
      {"two Host headers",
       request_without_host("POST", path, headers + "Host: 127.0.0.1\r\nHost: evil.example\r\n",
                            body),
       milliseconds(0), 400, "exactly one Host header"},
      {"two Host headers, both allowed",
       request_without_host("POST", path, headers + "Host: 127.0.0.1\r\nHost: localhost\r\n", body),
       milliseconds(0), 400, "exactly one Host header"},
      {"Host with userinfo",
       request_without_host("POST", path, headers + "Host: localhost:80@evil.example\r\n", body),
       milliseconds(0), 400, "not a valid host"},
      {"Host with a path",
       request_without_host("POST", path, headers + "Host: 127.0.0.1/evil\r\n", body),
       milliseconds(0), 400, "not a valid host"},
      {"Host with a port that is not a number",
       request_without_host("POST", path, headers + "Host: 127.0.0.1:80x\r\n", body),
       milliseconds(0), 400, "not a valid host"},
      {"an empty Host (httplib drops it: no Host)",
       request_without_host("POST", path, headers + "Host: \r\n", body), milliseconds(0), 400,
       "Host"},
      {"Host with a space",
       request_without_host("POST", path, headers + "Host: local host\r\n", body), milliseconds(0),
       400, "not a valid host"},
      {"a gzip body", http_request("POST", path, headers + "Content-Encoding: gzip\r\n", body),
       milliseconds(0), 415, "compressed"},
      {"a br body", http_request("POST", path, headers + "Content-Encoding: br\r\n", body),
       milliseconds(0), 415, "compressed"},
      {"a deflate body after identity",
       http_request("POST", path,
                    headers + "Content-Encoding: identity\r\nContent-Encoding: deflate\r\n", body),
       milliseconds(0), 415, "compressed"},
      {"a body both gzip and chunked",
       http_request("POST", path, headers + "Transfer-Encoding: gzip, chunked\r\n",
                    hex(body.size()) + "\r\n" + body + "\r\n0\r\n\r\n"),
       milliseconds(0), 501, "chunked"},
      {"a chunked body of 5 MiB",
       http_request("POST", path, chunked, five_mib_chunked + "0\r\n\r\n"), milliseconds(0), 413,
       "too large"},
      {"1 TiB announced, nothing sent",
       http_request("POST", path, headers + "Content-Length: 1099511627776\r\n", ""),
       milliseconds(0), 413, "too large"},
      {"a chunked body on GET",
       http_request("GET", path, "Transfer-Encoding: chunked\r\n", "2\r\n{}\r\n0\r\n\r\n"),
       milliseconds(0), 411, "length required"},
  };
}

// ---------------------------------------------------------------------------
// MCP over streamable HTTP.

/// fake-qovery, the server pointed at it, and an initialized MCP client.
struct HttpStack {
  FakeQoveryProcess fake;
  ServerProcess server{
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--http-timeout", kHttpTimeout}};
  McpClient client{server.port};
  HttpStack() { client.initialize(); }

  /// A good tools/call in the session is answered with the job's secrets.
  void check_still_serving() {
    json list = client.call("list-job-secrets", {{"jobId", kJobId}});
    CHECK_FALSE(list.contains("isError"));
    CHECK(list["structuredContent"]["results"].size() >= 4);
  }
};

/// A request to the MCP endpoint whose headers are the point.
struct HttpRow {
  std::string name;
  std::string method; ///< "POST" unless said
  std::string path;
  httplib::Headers headers; ///< over the usual MCP headers; an empty value drops one
  std::string body;
  int status;
  int code;
  std::string mentions;
  json id = nullptr; ///< the request's id once the body is read, null before
};

HttpReply send_http(McpClient &client, const HttpRow &row) {
  if (row.method == "POST" && row.path == "/mcp")
    return client.post(row.body, row.headers);
  httplib::Request request;
  request.method = row.method;
  request.path = row.path;
  request.headers = {{"Accept", "application/json, text/event-stream"},
                     {"Mcp-Session-Id", client.session_id}};
  for (const auto &[name, value] : row.headers) {
    request.headers.erase(name);
    if (!value.empty())
      request.headers.emplace(name, value);
  }
  request.body = row.body;
  if (!row.body.empty())
    request.headers.emplace("Content-Type", "application/json");
  auto res = client.http.send(request);
  if (!res)
    throw std::runtime_error(row.method + " " + row.path +
                             " failed: " + httplib::to_string(res.error()));
  return {res->status, res->body, res->headers};
}

void check_http_error(int status, const std::string &body, int expected_status, int code,
                      const std::string &mentions, const json &id) {
  CHECK(status == expected_status);
  Answer expected = rpc_error(code, id, mentions);
  check_answer(expected, body);
}

// ---------------------------------------------------------------------------
// REST.

const std::string kSecrets = "/v1/job/" + kJobId + "/secret";

struct RestRow {
  RestRow(std::string name_, std::string method_, std::string path_, std::string body_,
          httplib::Headers headers_, int status_, std::string mentions_,
          std::string not_echoed_ = {}, std::string allow_ = {})
      : name(std::move(name_)), method(std::move(method_)), path(std::move(path_)),
        body(std::move(body_)), headers(std::move(headers_)), status(status_),
        mentions(std::move(mentions_)), not_echoed(std::move(not_echoed_)),
        allow(std::move(allow_)) {}
  std::string name;
  std::string method;
  std::string path;
  std::string body;
  httplib::Headers headers; ///< Content-Type is application/json unless set here ("" drops it)
  int status;
  std::string mentions;   ///< text the "error" must contain
  std::string not_echoed; ///< text (a secret) the answer must not contain
  std::string allow;      ///< the Allow header of a 405
};

HttpReply send_rest(httplib::Client &http, const RestRow &row) {
  httplib::Request request;
  request.method = row.method;
  request.path = row.path;
  request.body = row.body;
  if (!row.body.empty())
    request.headers.emplace("Content-Type", "application/json");
  for (const auto &[name, value] : row.headers) {
    request.headers.erase(name);
    if (!value.empty())
      request.headers.emplace(name, value);
  }
  auto res = http.send(request);
  if (!res)
    throw std::runtime_error(row.method + " " + row.path +
                             " failed: " + httplib::to_string(res.error()));
  return {res->status, res->body, res->headers};
}

void check_rest_error(int status, const std::string &body, int expected_status,
                      const std::string &mentions, const std::string &not_echoed = {}) {
  CHECK(status == expected_status);
  json answer = json::parse(body, nullptr, false);
  std::string message = string_at(answer, "/error");
  INFO("error: " << message.substr(0, 200));
  CHECK_FALSE(message.empty());
  CHECK(message.find(mentions) != std::string::npos);
  CHECK(message.size() < kMaxMessageLength);
  if (!not_echoed.empty())
    CHECK(body.find(not_echoed) == std::string::npos);
}

} // namespace

TEST_CASE("Bad input: every row of the bad input table over MCP streamable HTTP",
          "[bad-input][http]") {
  record_secret(kSecretValue);
  HttpStack s;
  std::size_t rows = 0;

  for (const MessageRow &row : message_rows()) {
    INFO("row: " << row.name);
    HttpReply reply = s.client.post(row.message);
    CHECK(reply.status == http_status(row.answer));
    if (row.answer.kind == Answer::Kind::kNone)
      CHECK(reply.body.empty());
    else
      check_answer(row.answer, reply.body);
    s.check_still_serving();
    ++rows;
  }
  for (const json &request : s.fake.requests()) // a few rows list; none may write
    CHECK(request["method"] == "GET");

  const std::string huge = R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" +
                           std::string(5 * kMiB, 'a') + "\"}}";
  const std::vector<HttpRow> header_rows = {
      {"Content-Type text/plain",
       "POST",
       "/mcp",
       {{"Content-Type", "text/plain"}},
       kPing,
       415,
       kInvalidRequest,
       "Content-Type"},
      {"Content-Type missing",
       "POST",
       "/mcp",
       {{"Content-Type", ""}},
       kPing,
       415,
       kInvalidRequest,
       "Content-Type"},
      {"Content-Type a form",
       "POST",
       "/mcp",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       kPing,
       415,
       kInvalidRequest,
       "Content-Type"},
      {"Accept without text/event-stream",
       "POST",
       "/mcp",
       {{"Accept", "application/json"}},
       kPing,
       406,
       kInvalidRequest,
       "Accept"},
      {"Accept text/html",
       "POST",
       "/mcp",
       {{"Accept", "text/html"}},
       kPing,
       406,
       kInvalidRequest,
       "Accept"},
      {"MCP-Protocol-Version unsupported",
       "POST",
       "/mcp",
       {{"MCP-Protocol-Version", "2099-01-01"}},
       kPing,
       400,
       kInvalidRequest,
       "MCP-Protocol-Version",
       1},
      {"MCP-Protocol-Version of non-ASCII text",
       "POST",
       "/mcp",
       {{"MCP-Protocol-Version", "2025-11-25-\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"}},
       kPing,
       400,
       kInvalidRequest,
       "MCP-Protocol-Version",
       1},
      {"MCP-Protocol-Version of invalid UTF-8",
       "POST",
       "/mcp",
       {{"MCP-Protocol-Version", "2025-\xff\xfe"}},
       kPing,
       400,
       kInvalidRequest,
       "MCP-Protocol-Version",
       1},
      {"Mcp-Session-Id missing",
       "POST",
       "/mcp",
       {{"Mcp-Session-Id", ""}},
       kPing,
       400,
       kInvalidRequest,
       "Mcp-Session-Id",
       1},
      // An unknown session is answered before the body is parsed: no id.
      {"Mcp-Session-Id unknown",
       "POST",
       "/mcp",
       {{"Mcp-Session-Id", "0123abcd"}},
       kPing,
       404,
       kInvalidRequest,
       "session not found",
       nullptr},
      {"Mcp-Session-Id of 4 KiB",
       "POST",
       "/mcp",
       {{"Mcp-Session-Id", std::string(4096, 'f')}},
       kPing,
       404,
       kInvalidRequest,
       "session not found",
       nullptr},
      {"Origin of another site",
       "POST",
       "/mcp",
       {{"Origin", "https://evil.example"}},
       kPing,
       403,
       kInvalidRequest,
       "Origin"},
      {"Origin null (a sandboxed page)",
       "POST",
       "/mcp",
       {{"Origin", "null"}},
       kPing,
       403,
       kInvalidRequest,
       "Origin"},
      {"Host of another name",
       "POST",
       "/mcp",
       {{"Host", "evil.example:9090"}},
       kPing,
       403,
       kInvalidRequest,
       "Host"},
      {"body of 5 MiB", "POST", "/mcp", {}, huge, 413, kInvalidRequest, "too large"},
      {"GET, no SSE stream",
       "GET",
       "/mcp",
       {{"Accept", "text/event-stream"}},
       "",
       405,
       kInvalidRequest,
       "method not allowed"},
      {"PUT", "PUT", "/mcp", {}, kPing, 405, kInvalidRequest, "method not allowed"},
      {"POST to another path", "POST", "/other", {}, kPing, 404, kInvalidRequest, "/mcp"},
  };
  for (const HttpRow &row : header_rows) {
    INFO("row: " << row.name);
    HttpReply reply = send_http(s.client, row);
    check_http_error(reply.status, reply.body, row.status, row.code, row.mentions, row.id);
    s.check_still_serving();
    ++rows;
  }

  const std::string headers = "Accept: application/json, text/event-stream\r\n"
                              "Content-Type: application/json\r\nMcp-Session-Id: " +
                              s.client.session_id + "\r\n";
  std::vector<RawRow> raw_rows = {
      {"ping sent byte by byte", http_request("POST", "/mcp", headers, kPing), milliseconds(2), 200,
       ""},
      {"truncated JSON sent byte by byte",
       http_request("POST", "/mcp", headers, R"({"jsonrpc":"2.0","id":1,"met)"), milliseconds(2),
       400, "parse error", 1},
      {"5 MiB announced, nothing sent",
       http_request("POST", "/mcp", headers + "Content-Length: 5242880\r\n", ""), milliseconds(0),
       413, "too large"},
      {"Content-Length not a number",
       http_request("POST", "/mcp", headers + "Content-Length: abc\r\n", kPing), milliseconds(0),
       400, "Content-Length must be a number"},
      {"Content-Length negative",
       http_request("POST", "/mcp", headers + "Content-Length: -5\r\n", kPing), milliseconds(0),
       400, "Content-Length must be a number"},
      {"chunk size not hexadecimal",
       http_request("POST", "/mcp", headers + "Transfer-Encoding: chunked\r\n",
                    "zz\r\n" + kPing + "\r\n0\r\n\r\n"),
       milliseconds(0), 400, "a chunk size is not a hexadecimal number"},
      {"ping in chunks",
       http_request("POST", "/mcp", headers + "Transfer-Encoding: chunked\r\n",
                    "5\r\n" + kPing.substr(0, 5) + "\r\n" + hex(kPing.size() - 5) + "\r\n" +
                        kPing.substr(5) + "\r\n0\r\n\r\n"),
       milliseconds(0), 200, ""},
      {"a request line of garbage", "HELLO\r\n\r\n", milliseconds(0), 400,
       "the request line must be: method, a space, target, a space, version"},
      // RFC 9112, 2.2: a recipient may take a lone LF for the end of a line.
      {"lines ending in a bare LF", "POST /mcp HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 2\n\n{}",
       milliseconds(0), 415, "Content-Type must be application/json"},
      {"HTTP/2.0 in a request line",
       "POST /mcp HTTP/2.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", milliseconds(0), 505,
       "HTTP version not supported"},
      {"an unknown method", http_request("BREW", "/mcp", headers, kPing), milliseconds(0), 501,
       "serves no BREW request"},
      {"a header of 100 KiB",
       http_request("POST", "/mcp", headers + "X-Padding: " + std::string(100 * 1024, 'p') + "\r\n",
                    kPing),
       milliseconds(0), 431, "a header line passed 8 KiB"},
      {"two Content-Lengths that differ",
       http_request("POST", "/mcp", headers + "Content-Length: 2\r\nContent-Length: 40\r\n", kPing),
       milliseconds(0), 400, "given twice"},
      {"Content-Length and Transfer-Encoding",
       http_request("POST", "/mcp",
                    headers + "Content-Length: 40\r\nTransfer-Encoding: chunked\r\n",
                    hex(kPing.size()) + "\r\n" + kPing + "\r\n0\r\n\r\n"),
       milliseconds(0), 400, "given twice"},
      {"Accept missing",
       http_request("POST", "/mcp",
                    "Content-Type: application/json\r\nMcp-Session-Id: " + s.client.session_id +
                        "\r\n",
                    kPing),
       milliseconds(0), 406, "Accept"},
      {"a path of 16 KiB", http_request("POST", "/mcp" + std::string(16384, 'p'), headers, kPing),
       milliseconds(0), 414, "too long"},
      {"a body said to be identity-encoded",
       http_request("POST", "/mcp", headers + "Content-Encoding: identity\r\n", kPing),
       milliseconds(0), 200, ""},
  };
  std::vector<RawRow> hostile_rows = hostile_framing_rows("/mcp", headers, kPing);
  raw_rows.insert(raw_rows.end(), hostile_rows.begin(), hostile_rows.end());
  for (const RawRow &row : raw_rows) {
    INFO("row: " << row.name);
    RawReply reply = raw_exchange(s.server.port, row.request, row.gap);
    INFO("answer: " << reply.headers << "\n" << reply.body.substr(0, 300));
    CHECK(reply.status == row.status);
    if (row.status == 200)
      check_answer(ping_result(1), reply.body);
    else if (!row.mentions.empty())
      check_answer(rpc_error(row.mentions == "parse error" ? kParseError : kInvalidRequest, row.id,
                             row.mentions),
                   reply.body);
    s.check_still_serving();
    ++rows;
  }

  // initialize is answered outside any session: its own errors.
  HttpReply no_version = s.client.post(
      std::string(
          R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":7}})"),
      {{"Mcp-Session-Id", ""}});
  CHECK(no_version.status == 400);
  check_answer(rpc_error(kInvalidParams, 1, "protocolVersion"), no_version.body);
  CHECK(no_version.header("Mcp-Session-Id").empty());
  s.check_still_serving();
  ++rows;

  INFO("rows: " << rows);
  CHECK(rows >= 100);
  CHECK(s.server.process->wait(milliseconds(100)) == -1); // still running
}

TEST_CASE("Bad input: every row of the bad input table over MCP stdio", "[bad-input][stdio]") {
  record_secret(kSecretValue);
  FakeQoveryProcess fake;
  Process server(
      {QMCP_SERVER_BIN, "--stdio", "--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem"},
      {{"QOVERY_API_KEY", kApiKey}});
  server.write_stdin(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n");
  auto initialized = server.read_stdout_line(kAnswerTimeout);
  REQUIRE(initialized);
  REQUIRE(json::parse(*initialized)["result"]["protocolVersion"] == "2025-11-25");

  int probes = 0;
  // A good tools/call, which must be the next answer on stdout.
  auto check_still_serving = [&] {
    std::string id = "probe-" + std::to_string(++probes);
    server.write_stdin(list_call_line(id));
    auto line = server.read_stdout_line(kAnswerTimeout);
    REQUIRE(line);
    json answer = json::parse(*line);
    CHECK(answer["id"] == id);
    CHECK_FALSE(answer["result"].contains("isError"));
    CHECK(answer["result"]["structuredContent"]["results"].size() >= 4);
  };
  auto check_line = [&](const Answer &expected) {
    if (expected.kind == Answer::Kind::kNone)
      return; // the probe's answer must come first
    auto line = server.read_stdout_line(kAnswerTimeout);
    REQUIRE(line);
    check_answer(expected, *line);
  };

  std::size_t rows = 0;
  for (const MessageRow &row : message_rows()) {
    INFO("row: " << row.name);
    server.write_stdin(row.message + "\n");
    check_line(row.answer);
    check_still_serving();
    ++rows;
  }

  struct StdioRow {
    std::string name;
    std::string bytes;
    milliseconds gap;
    Answer answer;
  };
  const std::vector<StdioRow> stdio_rows = {
      {"an empty line", "\n", milliseconds(0), no_answer()},
      {"a line of blanks", " \t \n", milliseconds(0), no_answer()},
      {"a CRLF line end", kPing + "\r\n", milliseconds(0), ping_result(1)},
      {"ping written byte by byte", kPing + "\n", milliseconds(2), ping_result(1)},
      {"truncated JSON written byte by byte",
       R"({"jsonrpc":"2.0","id":1,"met)"
       "\n",
       milliseconds(2), rpc_error(kParseError, 1, "parse error")},
      {"a line of 5 MiB",
       R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":")" + std::string(5 * kMiB, 'a') +
           "\"}}\n",
       milliseconds(0), rpc_error(kInvalidRequest, nullptr, "too large")},
      {"a line of 5 MiB of garbage", std::string(5 * kMiB, '{') + "\n", milliseconds(0),
       rpc_error(kInvalidRequest, nullptr, "too large")},
      {"initialize again",
       R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})"
       "\n",
       milliseconds(0), rpc_error(kInvalidRequest, 1, "already initialized")},
  };
  for (const StdioRow &row : stdio_rows) {
    INFO("row: " << row.name);
    if (row.gap.count() == 0) {
      server.write_stdin(row.bytes);
    } else {
      for (char byte : row.bytes) {
        server.write_stdin(std::string(1, byte));
        std::this_thread::sleep_for(row.gap);
      }
    }
    check_line(row.answer);
    check_still_serving();
    ++rows;
  }

  INFO("rows: " << rows);
  CHECK(rows >= 100);
  CHECK(server.wait(milliseconds(100)) == -1); // still running
  // A last message without its newline is still answered at the end of input.
  server.write_stdin(kPing);
  server.close_stdin();
  auto last = server.read_stdout_line(kAnswerTimeout);
  REQUIRE(last);
  check_answer(ping_result(1), *last);
  CHECK(server.wait(kAnswerTimeout) == 0);
  CHECK(server.stderr_text().find("hunter2") == std::string::npos);
}

TEST_CASE("Bad input: every row of the bad input table over the REST API", "[bad-input][rest]") {
  record_secret(kSecretValue);
  FakeQoveryProcess fake;
  ServerProcess server(
      {"--api-url", fake.url(), "--ca-file", kCertDir + "/ca.pem", "--http-timeout", kHttpTimeout},
      {{"QOVERY_API_KEY", kApiKey}}, Rest::kOn);
  httplib::Client http("127.0.0.1", server.rest_port);
  http.set_read_timeout(30, 0);
  auto check_still_serving = [&] {
    auto res = http.Get(kSecrets);
    REQUIRE(res);
    CHECK(res->status == 200);
    json list = json::parse(res->body, nullptr, false);
    CHECK(list["results"].size() >= 4);
  };

  const std::string one = kSecrets + "/" + kJobSecretId;
  const std::string alias = kSecrets + "/" + kProjectSecretId + "/alias";
  const std::vector<RestRow> rows_table = {
      // Paths: bad UUIDs, unknown paths, wrong methods.
      {"jobId not a UUID",
       "GET",
       "/v1/job/abc/secret",
       "",
       {},
       400,
       "argument 'jobId' must be a UUID, got \"abc\""},
      {"jobId a UUID without dashes",
       "GET",
       "/v1/job/11111111111141118111111111111111/secret",
       "",
       {},
       400,
       "argument 'jobId' must be a UUID"},
      {"jobId of invalid UTF-8",
       "GET",
       "/v1/job/%FF%FE/secret",
       "",
       {},
       400,
       "argument 'jobId' must be a UUID"},
      {"jobId of 4 KiB",
       "GET",
       "/v1/job/" + std::string(4096, 'a') + "/secret",
       "",
       {},
       400,
       "got a string of 4096 characters"},
      {"secretId not a UUID",
       "DELETE",
       kSecrets + "/42",
       "",
       {},
       400,
       "argument 'secretId' must be a UUID, got \"42\""},
      {"secretId empty", "DELETE", kSecrets + "/", "", {}, 404, "no route"},
      {"unknown path", "GET", "/v1/jobs", "", {}, 404, "no route"},
      {"the root", "GET", "/", "", {}, 404, "no route"},
      {"a path with a dot segment",
       "GET",
       "/v1/job/" + kJobId + "/../secret",
       "",
       {},
       404,
       "no route"},
      {"PATCH on the list",
       "PATCH",
       kSecrets,
       R"({"key":"A"})",
       {},
       405,
       "PATCH is not allowed",
       "",
       "GET, POST"},
      {"GET on one secret", "GET", one, "", {}, 405, "GET is not allowed", "", "DELETE, PUT"},
      {"POST on one secret",
       "POST",
       one,
       R"({"key":"A"})",
       {},
       405,
       "POST is not allowed",
       "",
       "DELETE, PUT"},
      // Bodies: not JSON, wrong shape, wrong types, too big or too deep.
      {"body truncated",
       "POST",
       kSecrets,
       R"({"key":"A","value":"x)",
       {},
       400,
       "the request body is not valid JSON"},
      {"body of invalid UTF-8",
       "POST",
       kSecrets,
       R"({"key":"A","value":")" + kSecretValue + "\xff\"}",
       {},
       400,
       "UTF-8",
       kSecretValue},
      {"body with a number overflowing a double",
       "POST",
       kSecrets,
       R"({"key":"A","value":"v","enable_interpolation_in_file":1e999999})",
       {},
       400,
       "number"},
      {"body with a key twice",
       "POST",
       kSecrets,
       R"({"key":"SAFE_NAME","key":"QOVERY_TAKEN","value":"v"})",
       {},
       400,
       "\"key\" appears twice"},
      {"body missing", "POST", kSecrets, "", {}, 400, "argument 'body' is required"},
      {"body an array",
       "POST",
       kSecrets,
       R"(["KEY","value"])",
       {},
       400,
       "argument 'body' must be an object"},
      {"body a string", "PUT", one, R"("KEY=value")", {}, 400, "argument 'body' must be an object"},
      {"body null", "POST", alias, "null", {}, 400, "argument 'body' must be an object"},
      {"body.key a number",
       "POST",
       kSecrets,
       R"({"key":42,"value":"v"})",
       {},
       400,
       "argument 'body.key' must be a string"},
      {"body.key missing",
       "POST",
       kSecrets,
       R"({"value":")" + kSecretValue + "\"}",
       {},
       400,
       "argument 'body.key' is required",
       kSecretValue},
      {"body.value an object",
       "POST",
       kSecrets,
       R"({"key":"K","value":{"v":")" + kSecretValue + "\"}}",
       {},
       400,
       "argument 'body.value' must be a string",
       kSecretValue},
      {"body.key of 1 MiB",
       "POST",
       kSecrets,
       R"({"key":")" + std::string(kMiB, 'K') + "\"}",
       {},
       400,
       "argument 'body.key' must be at most 255 characters"},
      {"an unknown body field",
       "POST",
       alias,
       R"({"key":"K","value":"v"})",
       {},
       400,
       "argument 'body.value' is not allowed"},
      {"body arrays 100,000 deep",
       "POST",
       kSecrets,
       deep_arrays(kDeep),
       {},
       400,
       "the request body is nested deeper than 64 levels"},
      {"body objects 100,000 deep",
       "POST",
       kSecrets,
       R"({"key":"DEEP","nested":)" + deep_objects(kDeep) + "}",
       {},
       400,
       "the request body is nested deeper than 64 levels"},
      {"body.description of 1 MiB",
       "POST",
       kSecrets,
       R"({"key":"K","description":")" + std::string(kMiB, 'd') + "\"}",
       {},
       400,
       "argument 'body.description' must be at most 255 characters"},
      {"body.value a number",
       "POST",
       kSecrets,
       R"({"key":"K","value":987654321})",
       {},
       400,
       "argument 'body.value' must be a string",
       "987654321"},
      {"body with trailing garbage",
       "POST",
       kSecrets,
       R"({"key":"K","value":"v"} {"key":"L"})",
       {},
       400,
       "the request body is not valid JSON"},
      {"body with a lone UTF-16 surrogate escape",
       "POST",
       kSecrets,
       R"({"key":"K","value":"\udc00"})",
       {},
       400,
       "argument 'body.value' holds a lone UTF-16 surrogate"},
      {"body with a lone UTF-16 surrogate escape in a member name",
       "POST",
       kSecrets,
       R"({"key":"K","value":"v","x\ud83d":1})",
       {},
       400,
       "argument 'body (a member name)' holds a lone UTF-16 surrogate"},
      {"body of 5 MiB",
       "POST",
       kSecrets,
       R"({"key":"K","value":")" + std::string(5 * kMiB, 'v') + "\"}",
       {},
       413,
       "too large"},
      // Headers.
      {"Content-Type text/plain",
       "POST",
       kSecrets,
       R"({"key":"PLAIN","value":"v"})",
       {{"Content-Type", "text/plain"}},
       415,
       "Content-Type"},
      {"Content-Type a form",
       "POST",
       kSecrets,
       "key=FORM&value=v",
       {{"Content-Type", "application/x-www-form-urlencoded"}},
       415,
       "Content-Type"},
      {"Content-Type missing",
       "PUT",
       one,
       R"({"key":"NONE","value":"v"})",
       {{"Content-Type", ""}},
       415,
       "Content-Type"},
      {"Origin of another site",
       "GET",
       kSecrets,
       "",
       {{"Origin", "https://evil.example"}},
       403,
       "Origin"},
      {"Host of another name", "GET", kSecrets, "", {{"Host", "evil.example"}}, 403, "Host"},
  };

  std::size_t rows = 0;
  for (const RestRow &row : rows_table) {
    INFO("row: " << row.name);
    HttpReply reply = send_rest(http, row);
    check_rest_error(reply.status, reply.body, row.status, row.mentions, row.not_echoed);
    if (!row.allow.empty())
      CHECK(reply.header("Allow") == row.allow);
    check_still_serving();
    ++rows;
  }
  CHECK(fake.requests().size() == rows); // only the good GETs reached Qovery

  const std::string json_type = "Content-Type: application/json\r\n";
  std::vector<RawRow> raw_rows = {
      {"a new secret sent byte by byte",
       http_request("POST", kSecrets, json_type, R"({"key":"SENT_SLOWLY","value":"v"})"),
       milliseconds(2), 201, ""},
      {"a body of the wrong shape sent byte by byte",
       http_request("POST", kSecrets, json_type, R"({"key":["SLOW"]})"), milliseconds(2), 400,
       "argument 'body.key' must be a string"},
      {"5 MiB announced, nothing sent",
       http_request("POST", kSecrets, json_type + "Content-Length: 5242880\r\n", ""),
       milliseconds(0), 413, "too large"},
      {"chunk size not hexadecimal",
       http_request("POST", kSecrets, json_type + "Transfer-Encoding: chunked\r\n",
                    "zz\r\n{}\r\n0\r\n\r\n"),
       milliseconds(0), 400, "a chunk size is not a hexadecimal number"},
      {"a request line of garbage", "HELLO\r\n\r\n", milliseconds(0), 400,
       "the request line must be: method, a space, target, a space, version"},
      {"Content-Length not a number",
       http_request("POST", kSecrets, json_type + "Content-Length: 0x20\r\n",
                    R"({"key":"HEX","value":"v"})"),
       milliseconds(0), 400, "Content-Length must be a number"},
      // RFC 9112, 2.2: a recipient may take a lone LF for the end of a line.
      {"lines ending in a bare LF", "GET /v1/unknown HTTP/1.1\nHost: 127.0.0.1\n\n",
       milliseconds(0), 404, "no route for this path"},
      {"an unknown method", http_request("BREW", kSecrets, "", ""), milliseconds(0), 501,
       "serves no BREW request"},
      {"a header of 100 KiB",
       http_request("GET", kSecrets, "X-Padding: " + std::string(100 * 1024, 'p') + "\r\n", ""),
       milliseconds(0), 431, "a header line passed 8 KiB"},
      {"two Content-Lengths that differ",
       http_request("POST", kSecrets, json_type + "Content-Length: 2\r\nContent-Length: 32\r\n",
                    R"({"key":"SMUGGLED","value":"v"})"),
       milliseconds(0), 400, "given twice"},
      {"a path of 16 KiB", http_request("GET", kSecrets + std::string(16384, 'p'), "", ""),
       milliseconds(0), 414, "too long"},
  };
  std::vector<RawRow> hostile_rows =
      hostile_framing_rows(kSecrets, json_type, R"({"key":"NEVER_SENT","value":"v"})");
  raw_rows.insert(raw_rows.end(), hostile_rows.begin(), hostile_rows.end());
  for (const RawRow &row : raw_rows) {
    INFO("row: " << row.name);
    RawReply reply = raw_exchange(server.rest_port, row.request, row.gap);
    INFO("answer: " << reply.headers << "\n" << reply.body.substr(0, 300));
    if (row.status == 201) {
      CHECK(reply.status == 201);
      CHECK(json::parse(reply.body, nullptr, false)["key"] == "SENT_SLOWLY");
    } else {
      check_rest_error(reply.status, reply.body, row.status, row.mentions);
    }
    check_still_serving();
    ++rows;
  }

  INFO("rows: " << rows);
  CHECK(rows >= 40);
  CHECK(server.process->wait(milliseconds(100)) == -1); // still running
}
