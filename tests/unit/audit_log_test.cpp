#include "qovery_mcp/audit_log.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/mcp_server.hpp"
#include "qovery_mcp/resources.hpp"
#include "qovery_mcp/rest_adapter.hpp"

#include <catch2/catch.hpp>

#include <atomic>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

const std::string kJob = FakeQovery::kJobId;
const std::string kValue = "audit-test-value-do-not-log";

/// A file name in a fresh temporary directory, removed with it.
struct TempFile {
  TempFile() {
    char dir_template[] = "/tmp/qmcp-audit-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    dir = dir_template;
    path = dir + "/audit.jsonl";
  }
  ~TempFile() {
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
  std::vector<json> lines() const {
    std::ifstream in(path);
    std::vector<json> parsed;
    for (std::string line; std::getline(in, line);) {
      CHECK(line.find(kValue) == std::string::npos);
      parsed.push_back(json::parse(line));
    }
    return parsed;
  }
  std::string dir;
  std::string path;
};

/// The sandbox stack: the embedded capability, a registry and an in-memory Qovery.
/// The sandbox, counting the requests that reach it.
struct CountingUpstream : Upstream {
  explicit CountingUpstream(FakeQovery &fake) : sandbox(fake) {}
  UpstreamResponse send(const UpstreamRequest &request) override {
    ++sent;
    return sandbox.send(request);
  }
  SandboxUpstream sandbox;
  std::atomic<int> sent{0};
};

struct Stack {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  ToolRegistry registry = std::move(ToolRegistry::create(capability, resource).value());
  FakeQovery fake;
  CountingUpstream upstream{fake};
  const ToolSpec &tool(const std::string &name) { return *registry.find(name)->spec; }
};

json call_message(const std::string &tool, const json &arguments) {
  return {{"jsonrpc", "2.0"},
          {"id", 1},
          {"method", "tools/call"},
          {"params", {{"name", tool}, {"arguments", arguments}}}};
}

} // namespace

TEST_CASE("Audit: an entry names the call and its outcome, never the value", "[audit]") {
  Stack s;
  json arguments = {{"jobId", kJob}, {"body", {{"key", "DB_PASSWORD"}, {"value", kValue}}}};
  UpstreamResponse created{201,
                           R"({"id":"66666666-6666-4666-8666-666666666666","key":"DB_PASSWORD"})",
                           UpstreamError::None, ""};
  json entry =
      audit_entry(s.tool("add-secret-job"), arguments, created, {"mcp", "0123456789abcdef"});
  CHECK(entry["phase"] == "outcome");
  CHECK(entry["tool"] == "add-secret-job");
  CHECK(entry["adapter"] == "mcp");
  CHECK(entry["session"] == "01234567"); // enough to tell sessions apart, not to use one
  CHECK(entry["jobId"] == kJob);
  CHECK(entry["secretId"] == "66666666-6666-4666-8666-666666666666");
  CHECK(entry["key"] == "DB_PASSWORD");
  CHECK(entry["outcome"] == "ok");
  CHECK(entry["upstreamStatus"] == 201);
  CHECK(entry["attempts"] == 1);
  CHECK(entry.contains("time"));
  CHECK(entry.dump().find(kValue) == std::string::npos);

  UpstreamResponse conflict{409, R"({"message":"exists"})", UpstreamError::None, ""};
  CHECK(audit_entry(s.tool("add-secret-job"), arguments, conflict, {"rest", ""})["outcome"] ==
        "rejected");
  UpstreamResponse gateway{502, "", UpstreamError::None, ""};
  CHECK(audit_entry(s.tool("add-secret-job"), arguments, gateway, {"rest", ""})["outcome"] ==
        "failed");
  UpstreamResponse reset{0, "", UpstreamError::Connection, "connection reset", 3};
  json lost = audit_entry(s.tool("delete-secret-job"),
                          {{"jobId", kJob}, {"secretId", FakeQovery::kJobSecretId}}, reset,
                          {"mcp", "stdio"});
  CHECK(lost["outcome"] == "no-answer");
  CHECK(lost["upstreamStatus"].is_null());
  CHECK(lost["secretId"] == FakeQovery::kJobSecretId);
  CHECK(lost["key"].is_null());
  CHECK(lost["attempts"] == 3);
}

TEST_CASE("Audit: the intent names the call before it is sent, with no outcome", "[audit]") {
  Stack s;
  json arguments = {{"jobId", kJob}, {"body", {{"key", "DB_PASSWORD"}, {"value", kValue}}}};
  json intent = audit_intent(s.tool("add-secret-job"), arguments, {"rest", ""});
  CHECK(intent["phase"] == "intent");
  CHECK(intent["adapter"] == "rest");
  CHECK(intent["jobId"] == kJob);
  CHECK(intent["key"] == "DB_PASSWORD");
  CHECK(intent["secretId"].is_null()); // the new secret has no id yet
  CHECK_FALSE(intent.contains("targetSecretId"));
  CHECK_FALSE(intent.contains("outcome"));
  CHECK_FALSE(intent.contains("upstreamStatus"));
  CHECK(intent.dump().find(kValue) == std::string::npos);

  json edit = audit_intent(s.tool("edit-secret-belonging-job"),
                           {{"jobId", kJob},
                            {"secretId", FakeQovery::kJobSecretId},
                            {"body", {{"key", "K"}, {"value", kValue}}}},
                           {"mcp", "stdio"});
  CHECK(edit["secretId"] == FakeQovery::kJobSecretId);
  CHECK_FALSE(edit.contains("targetSecretId"));
}

TEST_CASE("Audit: an alias or override records its target and the new secret", "[audit]") {
  Stack s;
  const std::string created_id = "77777777-7777-4777-8777-777777777777";
  UpstreamResponse created{201, R"({"id":")" + created_id + R"(","key":"ALIAS_KEY"})",
                           UpstreamError::None, ""};
  for (const auto &[tool, body] : std::vector<std::pair<std::string, json>>{
           {"create-secret-alias-job-level", {{"key", "ALIAS_KEY"}}},
           {"create-secret-override-job-level", {{"value", kValue}}}}) {
    INFO(tool);
    json arguments = {{"jobId", kJob}, {"secretId", FakeQovery::kProjectSecretId}, {"body", body}};
    json intent = audit_intent(s.tool(tool), arguments, {"mcp", "stdio"});
    CHECK(intent["targetSecretId"] == FakeQovery::kProjectSecretId);
    CHECK(intent["secretId"].is_null());
    json outcome = audit_entry(s.tool(tool), arguments, created, {"mcp", "stdio"});
    CHECK(outcome["targetSecretId"] == FakeQovery::kProjectSecretId);
    CHECK(outcome["secretId"] == created_id);
    // Refused: nothing was created, so there is no new id.
    json refused =
        audit_entry(s.tool(tool), arguments, {400, R"({"id":"not-this"})", UpstreamError::None, ""},
                    {"mcp", "stdio"});
    CHECK(refused["targetSecretId"] == FakeQovery::kProjectSecretId);
    CHECK(refused["secretId"].is_null());
  }
}

TEST_CASE("Audit: the log appends whole lines, across openings", "[audit]") {
  TempFile file;
  {
    auto audit = AuditLog::open(file.path);
    REQUIRE(audit);
    CHECK(audit.value()->append({{"n", 1}}) == std::nullopt);
  }
  auto audit = AuditLog::open(file.path);
  REQUIRE(audit);
  CHECK(audit.value()->append({{"n", 2}}) == std::nullopt);
  auto lines = file.lines();
  REQUIRE(lines.size() == 2);
  CHECK(lines[0]["n"] == 1);
  CHECK(lines[1]["n"] == 2);
  struct stat info {};
  REQUIRE(stat(file.path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600); // only its owner reads who changed what
}

TEST_CASE("Audit: a file that cannot be opened is named in the error", "[audit]") {
  auto audit = AuditLog::open("/nonexistent-dir/audit.jsonl");
  REQUIRE_FALSE(audit);
  CHECK(audit.error().find("/nonexistent-dir/audit.jsonl") != std::string::npos);
  CHECK(audit.error().find("No such file") != std::string::npos);
}

TEST_CASE("Audit: every MCP change is recorded before the answer, reads are not", "[audit]") {
  Stack s;
  TempFile file;
  auto audit = AuditLog::open(file.path);
  REQUIRE(audit);
  mcp::Server server(s.registry, s.upstream, {"n", "t", "v", ""}, audit.value().get());
  mcp::Session session("stdio");
  server.handle(call_message("list-job-secrets", {{"jobId", kJob}}), session);
  CHECK(file.lines().empty());

  auto added = server.handle(
      call_message("add-secret-job",
                   {{"jobId", kJob}, {"body", {{"key", "NEW_KEY"}, {"value", kValue}}}}),
      session);
  REQUIRE(added);
  // The intent and the outcome are on disk by the time the answer exists.
  auto lines = file.lines();
  REQUIRE(lines.size() == 2);
  std::string new_id = (*added)["result"]["structuredContent"]["id"];
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[0]["secretId"].is_null());
  CHECK(lines[1]["phase"] == "outcome");
  CHECK(lines[1]["secretId"] == new_id);
  CHECK(lines[1]["session"] == "stdio");
  CHECK(lines[1]["outcome"] == "ok");

  server.handle(call_message("add-secret-job",
                             {{"jobId", kJob}, {"body", {{"key", "NEW_KEY"}, {"value", kValue}}}}),
                session);
  server.handle(call_message("delete-secret-job", {{"jobId", kJob}, {"secretId", new_id}}),
                session);
  auto alias = server.handle(
      call_message("create-secret-alias-job-level", {{"jobId", kJob},
                                                     {"secretId", FakeQovery::kProjectSecretId},
                                                     {"body", {{"key", "ALIASED"}}}}),
      session);
  REQUIRE(alias);
  lines = file.lines();
  REQUIRE(lines.size() == 8);
  CHECK(lines[3]["outcome"] == "rejected"); // the key exists: 409
  CHECK(lines[3]["upstreamStatus"] == 409);
  CHECK(lines[4]["phase"] == "intent");
  CHECK(lines[4]["secretId"] == new_id);
  CHECK(lines[5]["tool"] == "delete-secret-job");
  CHECK(lines[5]["secretId"] == new_id);
  CHECK(lines[5]["upstreamStatus"] == 204);
  CHECK(lines[7]["tool"] == "create-secret-alias-job-level");
  CHECK(lines[7]["targetSecretId"] == FakeQovery::kProjectSecretId);
  CHECK(lines[7]["secretId"] == (*alias)["result"]["structuredContent"]["id"]);
  CHECK(lines[7]["secretId"] != FakeQovery::kProjectSecretId);

  // Arguments that fail validation never reach Qovery, so nothing changed.
  server.handle(call_message("add-secret-job", {{"jobId", "not-a-uuid"}}), session);
  CHECK(file.lines().size() == 8);
}

TEST_CASE("Audit: a change whose intent cannot be written is refused and never sent", "[audit]") {
  Stack s;
  auto audit = AuditLog::open("/dev/full"); // opens; every write fails with ENOSPC
  REQUIRE(audit);
  mcp::Server server(s.registry, s.upstream, {"n", "t", "v", ""}, audit.value().get());
  mcp::Session session("stdio");
  auto added = server.handle(
      call_message("add-secret-job",
                   {{"jobId", kJob}, {"body", {{"key", "NEVER_SENT"}, {"value", kValue}}}}),
      session);
  REQUIRE(added);
  const json &result = (*added)["result"];
  CHECK(result["isError"] == true);
  CHECK(result["content"][0]["text"] ==
        "the audit log could not be written (No space left on device), so the change was not "
        "sent to Qovery and nothing changed. The user must fix the server's --audit-log file; "
        "until then no change can be made, and secrets can still be listed.");
  auto removed = server.handle(
      call_message("delete-secret-job", {{"jobId", kJob}, {"secretId", FakeQovery::kJobSecretId}}),
      session);
  REQUIRE(removed);
  CHECK((*removed)["result"]["isError"] == true);
  CHECK(s.upstream.sent == 0);

  auto listed = server.handle(call_message("list-job-secrets", {{"jobId", kJob}}), session);
  REQUIRE(listed);
  CHECK_FALSE((*listed)["result"].contains("isError"));
  CHECK(s.upstream.sent == 1);
}

TEST_CASE("Audit: REST changes are recorded with their adapter", "[audit]") {
  Stack s;
  TempFile file;
  auto audit = AuditLog::open(file.path);
  REQUIRE(audit);
  RestRouter router(s.capability, s.registry, s.upstream, audit.value().get());
  RestReply reply = router.handle("POST", "/v1/job/" + kJob + "/secret",
                                  json{{"key", "REST_KEY"}, {"value", kValue}}.dump());
  CHECK(reply.status == 201);
  router.handle("GET", "/v1/job/" + kJob + "/secret", "");
  auto lines = file.lines();
  REQUIRE(lines.size() == 2);
  for (const auto &line : lines) {
    CHECK(line["adapter"] == "rest");
    CHECK(line["key"] == "REST_KEY");
    CHECK(line["session"] == "");
  }
  CHECK(lines[0]["phase"] == "intent");
  CHECK(lines[1]["phase"] == "outcome");
  CHECK(lines[1]["secretId"] == json::parse(reply.body)["id"]);
}
