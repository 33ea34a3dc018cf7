#include "qovery_mcp/audit_log.hpp"

#include "qovery_mcp/fake_qovery.hpp"
#include "qovery_mcp/resources.hpp"

#include "temp_file.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

using nlohmann::json;
using namespace qovery_mcp;

namespace {

const std::string kJob = FakeQovery::kJobId;
const std::string kValue = "audit-test-value-do-not-log";

using test::TempFile;

/// The embedded capability, for the audit fields of its tools.
struct Stack {
  Capability capability = std::move(parse_capability(*resource("capability.naftiko.yaml")).value());
  AuditFields tool(const std::string &name) {
    const ToolSpec *spec = capability.find_tool(name);
    REQUIRE(spec != nullptr);
    return audit_fields(capability, *spec);
  }
};

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
  CHECK_FALSE(lost.contains("key")); // a delete sends no body
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
  TempFile file(kValue);
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

TEST_CASE("Audit: another capability's lines name its own path parameters", "[audit]") {
  std::ifstream in(QMCP_SOURCE_DIR "/tests/unit/data/qovery-job-environment-variable.naftiko.yaml");
  std::stringstream text;
  text << in.rdbuf();
  Result<Capability> capability = parse_capability(text.str());
  REQUIRE(capability);
  auto fields = [&](const std::string &name) {
    const ToolSpec *spec = capability->find_tool(name);
    REQUIRE(spec != nullptr);
    return audit_fields(capability.value(), *spec);
  };
  const std::string variable = "33333333-3333-4333-8333-333333333333";
  const std::string created = "44444444-4444-4444-8444-444444444444";
  UpstreamResponse answer{201, R"({"id":")" + created + R"("})", UpstreamError::None, ""};

  json removed = audit_entry(fields("delete-environment-variable-job"),
                             {{"jobId", kJob}, {"environmentVariableId", variable}},
                             {204, "", UpstreamError::None, ""}, {"rest", ""});
  CHECK(removed["jobId"] == kJob);
  CHECK(removed["environmentVariableId"] == variable);
  CHECK_FALSE(removed.contains("secretId"));
  CHECK_FALSE(removed.contains("key"));

  json added = audit_entry(fields("add-environment-variable-job"),
                           {{"jobId", kJob}, {"body", {{"key", "PORT"}, {"value", kValue}}}},
                           answer, {"rest", ""});
  CHECK(added["environmentVariableId"] == created);
  CHECK(added["key"] == "PORT");

  json alias = audit_intent(
      fields("create-environment-variable-alias-job"),
      {{"jobId", kJob}, {"environmentVariableId", variable}, {"body", {{"key", "ALIAS"}}}},
      {"mcp", "stdio"});
  CHECK(alias["targetEnvironmentVariableId"] == variable);
  CHECK(alias["environmentVariableId"].is_null());

  // An import creates many variables: no one id to record.
  CHECK(fields("import-variables").created.empty());
  for (const ToolSpec &spec : capability->tools) {
    INFO(spec.name);
    json line =
        audit_intent(audit_fields(capability.value(), spec), {{"jobId", kJob}}, {"mcp", ""});
    CHECK(line.dump().find("secret") == std::string::npos);
  }
}
