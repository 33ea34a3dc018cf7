#include "qovery_mcp/fake_qovery.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>

using nlohmann::json;
using qovery_mcp::FakeQovery;
using qovery_mcp::FakeQoveryOptions;
using qovery_mcp::FakeRequest;

namespace {

const std::string kJob = FakeQovery::kJobId;
const std::string kSecrets = "/job/" + kJob + "/secret";
const std::string kUnknownId = "99999999-9999-4999-8999-999999999999";
const std::string kApiToken = "qov_test_token_123";
const std::string kJwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";

std::string secret_path(const std::string &id, const std::string &suffix = "") {
  return kSecrets + "/" + id + suffix;
}

/// True when `value` has an object member named "value" at any depth.
bool has_value_field(const json &value) {
  if (value.is_object() && value.contains("value"))
    return true;
  if (!value.is_structured())
    return false;
  return std::any_of(value.begin(), value.end(),
                     [](const json &child) { return has_value_field(child); });
}

struct Reply {
  int status = 0;
  json body;
  std::string text;
};

/// Sends one request and checks what every answer must satisfy: a JSON body
/// (or none for 204), no `value` anywhere, and Qovery's error shape.
Reply call(FakeQovery &fake, const std::string &method, const std::string &path,
           const json &body = nullptr, const std::string &authorization = "") {
  auto response =
      fake.handle(FakeRequest{method, path, authorization, body.is_null() ? "" : body.dump()});
  Reply reply{response.status, nullptr, response.body};
  if (response.status == 204) {
    CHECK(response.body.empty());
    return reply;
  }
  reply.body = json::parse(response.body);
  CHECK_FALSE(has_value_field(reply.body));
  if (response.status >= 400) {
    CHECK(reply.body["status"] == response.status);
    CHECK(reply.body["detail"].is_string());
  }
  return reply;
}

Reply call_raw(FakeQovery &fake, const std::string &method, const std::string &path,
               const std::string &body) {
  auto response = fake.handle(FakeRequest{method, path, "", body});
  return {response.status, json::parse(response.body), response.body};
}

json list(FakeQovery &fake) {
  Reply reply = call(fake, "GET", kSecrets);
  REQUIRE(reply.status == 200);
  return reply.body["results"];
}

const json *find_by_key(const json &results, const std::string &key, const std::string &scope) {
  for (const json &secret : results)
    if (secret["key"] == key && secret["scope"] == scope)
      return &secret;
  return nullptr;
}

bool is_uuid_v4(const std::string &text) {
  static const std::regex uuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  return std::regex_match(text, uuid);
}

bool is_rfc3339_utc(const std::string &text) {
  static const std::regex timestamp(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z)");
  return std::regex_match(text, timestamp);
}

} // namespace

TEST_CASE("FakeQovery: an API token is accepted only as Token", "[fake]") {
  FakeQovery fake(FakeQoveryOptions{kApiToken});
  CHECK(call(fake, "GET", kSecrets, nullptr, "Token " + kApiToken).status == 200);

  Reply as_bearer = call(fake, "GET", kSecrets, nullptr, "Bearer " + kApiToken);
  CHECK(as_bearer.status == 401);
  CHECK(as_bearer.body["detail"] == "Access token is missing or invalid");
  CHECK(call(fake, "GET", kSecrets, nullptr, "Token wrong-key").status == 401);
  CHECK(call(fake, "GET", kSecrets, nullptr, "").status == 401);
  CHECK(call(fake, "GET", kSecrets, nullptr, kApiToken).status == 401);
  CHECK(call(fake, "GET", kSecrets, nullptr, "token " + kApiToken).status == 401);

  CHECK(fake.authorizes("Token " + kApiToken));
  CHECK_FALSE(fake.authorizes("Bearer " + kApiToken));
  CHECK_FALSE(fake.authorizes(""));
}

TEST_CASE("FakeQovery: a JWT-shaped key is accepted only as Bearer", "[fake]") {
  FakeQovery fake(FakeQoveryOptions{kJwt});
  CHECK(call(fake, "GET", kSecrets, nullptr, "Bearer " + kJwt).status == 200);
  CHECK(call(fake, "GET", kSecrets, nullptr, "Token " + kJwt).status == 401);
  CHECK(call(fake, "GET", kSecrets, nullptr, "Bearer " + kJwt + "x.y").status == 401);

  CHECK(fake.authorizes("Bearer " + kJwt));
  CHECK_FALSE(fake.authorizes("Token " + kJwt));
}

TEST_CASE("FakeQovery: authentication comes before routing", "[fake]") {
  FakeQovery fake(FakeQoveryOptions{kApiToken});
  CHECK(call(fake, "GET", "/nowhere").status == 401);
  CHECK(call(fake, "DELETE", secret_path(kUnknownId)).status == 401);
  CHECK(call(fake, "GET", "/nowhere", nullptr, "Token " + kApiToken).status == 404);
}

TEST_CASE("FakeQovery: refused requests change nothing", "[fake]") {
  FakeQovery fake(FakeQoveryOptions{kApiToken});
  CHECK(call(fake, "DELETE", secret_path(FakeQovery::kJobSecretId), nullptr, "Token nope").status ==
        401);
  CHECK(call(fake, "GET", kSecrets, nullptr, "Token " + kApiToken).body["results"].size() == 4);
}

TEST_CASE("FakeQovery: without an api_key every request passes", "[fake]") {
  FakeQovery fake;
  CHECK(call(fake, "GET", kSecrets).status == 200);
  CHECK(call(fake, "GET", kSecrets, nullptr, "Token anything").status == 200);
  CHECK(fake.authorizes(""));
}

TEST_CASE("FakeQovery: unknown paths are 404 and wrong methods 405", "[fake]") {
  FakeQovery fake;
  CHECK(call(fake, "GET", "/").status == 404);
  CHECK(call(fake, "GET", "/job/" + kJob).status == 404);
  CHECK(call(fake, "GET", "/job/" + kJob + "/variable").status == 404);
  CHECK(call(fake, "GET", kSecrets + "/").status == 404);
  CHECK(call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/clone")).status == 404);
  CHECK(call(fake, "GET", secret_path(FakeQovery::kProjectSecretId, "/alias/x")).status == 404);

  CHECK(call(fake, "DELETE", kSecrets).status == 405);
  CHECK(call(fake, "PATCH", kSecrets).status == 405);
  CHECK(call(fake, "GET", secret_path(FakeQovery::kJobSecretId)).status == 405);
  CHECK(call(fake, "POST", secret_path(FakeQovery::kJobSecretId)).status == 405);
  CHECK(call(fake, "GET", secret_path(FakeQovery::kProjectSecretId, "/alias")).status == 405);
  CHECK(call(fake, "PUT", secret_path(FakeQovery::kProjectSecretId, "/override")).status == 405);
}

TEST_CASE("FakeQovery: ids that are not UUIDs are 400", "[fake]") {
  FakeQovery fake;
  Reply bad_job = call(fake, "GET", "/job/abc/secret");
  CHECK(bad_job.status == 400);
  CHECK_THAT(bad_job.body["detail"].get<std::string>(), Catch::Contains("jobId"));

  Reply bad_secret = call(fake, "DELETE", secret_path("not-a-uuid"));
  CHECK(bad_secret.status == 400);
  CHECK_THAT(bad_secret.body["detail"].get<std::string>(), Catch::Contains("secretId"));
  CHECK(call(fake, "POST", secret_path("1234", "/alias"), {{"key", "A"}}).status == 400);
  CHECK(call(fake, "GET", "/job/11111111-1111-4111-8111-11111111111g/secret").status == 400);
}

TEST_CASE("FakeQovery: an unknown job or secret is 404", "[fake]") {
  FakeQovery fake;
  Reply unknown_job = call(fake, "GET", "/job/" + kUnknownId + "/secret");
  CHECK(unknown_job.status == 404);
  CHECK_THAT(unknown_job.body["detail"].get<std::string>(), Catch::Contains("job"));
  CHECK(call(fake, "POST", "/job/" + kUnknownId + "/secret", {{"key", "A"}}).status == 404);

  CHECK(call(fake, "PUT", secret_path(kUnknownId), {{"key", "A"}}).status == 404);
  CHECK(call(fake, "DELETE", secret_path(kUnknownId)).status == 404);
  CHECK(call(fake, "POST", secret_path(kUnknownId, "/alias"), {{"key", "A"}}).status == 404);
  CHECK(call(fake, "POST", secret_path(kUnknownId, "/override"), json::object()).status == 404);
}

TEST_CASE("FakeQovery: ids are matched whatever their case", "[fake]") {
  FakeQovery fake;
  Reply created = call(fake, "POST", kSecrets, {{"key", "MIXED_CASE"}});
  REQUIRE(created.status == 201);
  std::string upper_id = created.body["id"];
  std::transform(upper_id.begin(), upper_id.end(), upper_id.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  CHECK(call(fake, "DELETE", secret_path(upper_id)).status == 204);
  CHECK_FALSE(find_by_key(list(fake), "MIXED_CASE", "JOB"));
  CHECK(call(fake, "GET", "/job/AAAAAAAA-1111-4111-8111-111111111111/secret").status == 404);
}

TEST_CASE("FakeQovery: the list has the job's secrets and the inherited ones", "[fake]") {
  FakeQovery fake;
  json results = list(fake);
  REQUIRE(results.size() == 4);

  const json *project = find_by_key(results, "DATABASE_PASSWORD", "PROJECT");
  const json *environment = find_by_key(results, "STRIPE_API_KEY", "ENVIRONMENT");
  const json *built_in = find_by_key(results, "QOVERY_POSTGRESQL_Z8F3A2B1C_PASSWORD", "BUILT_IN");
  const json *job = find_by_key(results, "JOB_SIGNING_KEY", "JOB");
  REQUIRE(project);
  REQUIRE(environment);
  REQUIRE(built_in);
  REQUIRE(job);
  CHECK((*project)["id"] == FakeQovery::kProjectSecretId);
  CHECK((*environment)["id"] == FakeQovery::kEnvironmentSecretId);
  CHECK((*built_in)["id"] == FakeQovery::kBuiltInSecretId);
  CHECK((*job)["id"] == FakeQovery::kJobSecretId);

  for (const json &secret : results) {
    CHECK(secret["variable_type"] == "VALUE");
    CHECK(secret["owned_by"] == "QOVERY");
    CHECK(secret["updated_at"].is_null());
    CHECK(secret["overridden_secret"].is_null());
    CHECK(secret["aliased_secret"].is_null());
    CHECK(is_rfc3339_utc(secret["created_at"].get<std::string>()));
    for (const char *field : {"description", "enable_interpolation_in_file"})
      CHECK(secret.contains(field));
  }
  CHECK((*job)["service_id"] == kJob);
  CHECK((*job)["service_name"] == "fake-job");
  CHECK((*job)["service_type"] == "JOB");
  CHECK((*project)["service_id"].is_null());
  CHECK((*project)["service_type"].is_null());
}

TEST_CASE("FakeQovery: a created secret is 201 and then listed", "[fake]") {
  FakeQovery fake;
  Reply created = call(fake, "POST", kSecrets,
                       {{"key", "API_TOKEN"},
                        {"value", "s3cret"},
                        {"description", "token for the reports API"},
                        {"enable_interpolation_in_file", false}});
  REQUIRE(created.status == 201);
  CHECK(created.text.find("s3cret") == std::string::npos);
  CHECK(is_uuid_v4(created.body["id"].get<std::string>()));
  CHECK(is_rfc3339_utc(created.body["created_at"].get<std::string>()));
  CHECK(created.body["updated_at"].is_null());
  CHECK(created.body["key"] == "API_TOKEN");
  CHECK(created.body["scope"] == "JOB");
  CHECK(created.body["variable_type"] == "VALUE");
  CHECK(created.body["service_id"] == kJob);
  CHECK(created.body["description"] == "token for the reports API");
  CHECK(created.body["enable_interpolation_in_file"] == false);

  json results = list(fake);
  CHECK(results.size() == 5);
  const json *listed = find_by_key(results, "API_TOKEN", "JOB");
  REQUIRE(listed);
  CHECK(*listed == created.body);
}

TEST_CASE("FakeQovery: new ids are distinct", "[fake]") {
  FakeQovery fake;
  Reply first = call(fake, "POST", kSecrets, {{"key", "FIRST"}, {"value", "1"}});
  Reply second = call(fake, "POST", kSecrets, {{"key", "SECOND"}, {"value", "2"}});
  CHECK(first.body["id"] != second.body["id"]);
}

TEST_CASE("FakeQovery: a mount_path makes a FILE secret", "[fake]") {
  FakeQovery fake;
  Reply created = call(fake, "POST", kSecrets,
                       {{"key", "TLS_KEY"}, {"value", "pem"}, {"mount_path", "/etc/tls/key.pem"}});
  REQUIRE(created.status == 201);
  CHECK(created.body["variable_type"] == "FILE");
  CHECK(call(fake, "POST", kSecrets, {{"key", "OTHER"}, {"mount_path", "relative"}}).status == 400);
}

TEST_CASE("FakeQovery: a duplicate JOB key is 409", "[fake]") {
  FakeQovery fake;
  Reply duplicate = call(fake, "POST", kSecrets, {{"key", "JOB_SIGNING_KEY"}, {"value", "x"}});
  CHECK(duplicate.status == 409);
  CHECK(duplicate.body["detail"] == "Variable already exists: JOB_SIGNING_KEY");
  CHECK(list(fake).size() == 4);
}

TEST_CASE("FakeQovery: a JOB secret may share a key with an inherited one", "[fake]") {
  FakeQovery fake;
  CHECK(call(fake, "POST", kSecrets, {{"key", "DATABASE_PASSWORD"}, {"value", "x"}}).status == 201);
}

TEST_CASE("FakeQovery: keys must follow the naming rule", "[fake]") {
  FakeQovery fake;
  for (const char *key : {"", "1ABC", "_ABC", "MY-KEY", "MY KEY", "CLÉ"}) {
    Reply reply = call(fake, "POST", kSecrets, {{"key", key}, {"value", "x"}});
    CHECK(reply.status == 400);
    CHECK_THAT(reply.body["detail"].get<std::string>(), Catch::Contains("letter"));
  }
  Reply reserved = call(fake, "POST", kSecrets, {{"key", "QOVERY_MINE"}, {"value", "x"}});
  CHECK(reserved.status == 400);
  CHECK_THAT(reserved.body["detail"].get<std::string>(), Catch::Contains("QOVERY_"));
  CHECK(call(fake, "POST", kSecrets, {{"key", "qovery_lower_is_fine"}}).status == 201);
  CHECK(call(fake, "POST", kSecrets, {{"key", "a1_B2"}}).status == 201);
}

TEST_CASE("FakeQovery: key is required on create", "[fake]") {
  FakeQovery fake;
  Reply missing = call(fake, "POST", kSecrets, {{"value", "x"}});
  CHECK(missing.status == 400);
  CHECK_THAT(missing.body["detail"].get<std::string>(), Catch::Contains("key"));
  CHECK(call(fake, "POST", kSecrets, {{"key", nullptr}}).status == 400);
}

TEST_CASE("FakeQovery: a description over 255 characters is 400", "[fake]") {
  FakeQovery fake;
  Reply too_long =
      call(fake, "POST", kSecrets, {{"key", "LONG"}, {"description", std::string(256, 'd')}});
  CHECK(too_long.status == 400);
  CHECK_THAT(too_long.body["detail"].get<std::string>(), Catch::Contains("description"));
  CHECK(call(fake, "POST", kSecrets, {{"key", "LONG"}, {"description", std::string(255, 'd')}})
            .status == 201);
  std::string accented;
  for (int i = 0; i < 255; ++i)
    accented += "é";
  CHECK(call(fake, "POST", kSecrets, {{"key", "ACCENTED"}, {"description", accented}}).status ==
        201);
}

TEST_CASE("FakeQovery: bodies must be JSON objects with fields of the right types", "[fake]") {
  FakeQovery fake;
  for (const char *body : {"", "[]", "\"key\"", "42", "null"}) {
    Reply reply = call_raw(fake, "POST", kSecrets, body);
    CHECK(reply.status == 400);
    CHECK(reply.body["detail"] == "request body must be a JSON object");
  }
  Reply not_json = call_raw(fake, "POST", kSecrets, "{\"key\":");
  CHECK(not_json.status == 400);
  CHECK_THAT(not_json.body["detail"].get<std::string>(), Catch::Contains("JSON"));

  struct Case {
    json body;
    const char *field;
  };
  for (const Case &wrong :
       {Case{{{"key", 7}}, "key"}, Case{{{"key", "A"}, {"value", true}}, "value"},
        Case{{{"key", "A"}, {"mount_path", 1}}, "mount_path"},
        Case{{{"key", "A"}, {"description", {"x"}}}, "description"},
        Case{{{"key", "A"}, {"enable_interpolation_in_file", "yes"}},
             "enable_interpolation_in_file"}}) {
    Reply reply = call(fake, "POST", kSecrets, wrong.body);
    CHECK(reply.status == 400);
    CHECK_THAT(reply.body["detail"].get<std::string>(), Catch::Contains(wrong.field));
  }
  CHECK(list(fake).size() == 4);
}

TEST_CASE("FakeQovery: unknown fields are ignored", "[fake]") {
  FakeQovery fake;
  Reply created = call(fake, "POST", kSecrets, {{"key", "EXTRA"}, {"colour", "blue"}});
  CHECK(created.status == 201);
  CHECK_FALSE(created.body.contains("colour"));
  // `key` is not part of an override's Value body, so its type does not matter.
  Reply override_secret = call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/override"),
                               {{"value", "v"}, {"key", 5}});
  CHECK(override_secret.status == 201);
}

TEST_CASE("FakeQovery: editing a JOB secret is 200 with updated_at set", "[fake]") {
  FakeQovery fake;
  Reply edited =
      call(fake, "PUT", secret_path(FakeQovery::kJobSecretId),
           {{"key", "JOB_SIGNING_KEY_V2"}, {"value", "new"}, {"description", "rotated"}});
  REQUIRE(edited.status == 200);
  CHECK(edited.body["id"] == FakeQovery::kJobSecretId);
  CHECK(edited.body["key"] == "JOB_SIGNING_KEY_V2");
  CHECK(edited.body["description"] == "rotated");
  CHECK(is_rfc3339_utc(edited.body["updated_at"].get<std::string>()));
  CHECK(find_by_key(list(fake), "JOB_SIGNING_KEY_V2", "JOB"));
  CHECK_FALSE(find_by_key(list(fake), "JOB_SIGNING_KEY", "JOB"));
}

TEST_CASE("FakeQovery: edit validates its body", "[fake]") {
  FakeQovery fake;
  std::string path = secret_path(FakeQovery::kJobSecretId);
  CHECK(call(fake, "PUT", path, {{"value", "x"}}).status == 400);
  CHECK(call(fake, "PUT", path, {{"key", "QOVERY_X"}}).status == 400);
  CHECK(call(fake, "PUT", path, {{"key", "OK"}, {"description", std::string(300, 'x')}}).status ==
        400);
  CHECK(call_raw(fake, "PUT", path, "").status == 400);
  CHECK(call(fake, "PUT", path, {{"key", "JOB_SIGNING_KEY"}}).status == 200);
}

TEST_CASE("FakeQovery: BUILT_IN and higher-scope secrets cannot be edited", "[fake]") {
  FakeQovery fake;
  Reply built_in = call(fake, "PUT", secret_path(FakeQovery::kBuiltInSecretId),
                        {{"key", "QOVERY_POSTGRESQL_Z8F3A2B1C_PASSWORD"}, {"value", "x"}});
  CHECK(built_in.status == 400);
  CHECK(built_in.body["detail"] == "can't edit a BUILT_IN secret");

  for (const char *id : {FakeQovery::kProjectSecretId, FakeQovery::kEnvironmentSecretId}) {
    Reply higher = call(fake, "PUT", secret_path(id), {{"key", "RENAMED"}, {"value", "x"}});
    CHECK(higher.status == 400);
    CHECK_THAT(higher.body["detail"].get<std::string>(),
               Catch::Contains("scope") && Catch::Contains("override"));
  }
}

TEST_CASE("FakeQovery: renaming onto an existing JOB key is 409", "[fake]") {
  FakeQovery fake;
  REQUIRE(call(fake, "POST", kSecrets, {{"key", "OTHER"}}).status == 201);
  Reply renamed = call(fake, "PUT", secret_path(FakeQovery::kJobSecretId), {{"key", "OTHER"}});
  CHECK(renamed.status == 409);
  CHECK(renamed.body["detail"] == "Variable already exists: OTHER");
}

TEST_CASE("FakeQovery: an override's key cannot change", "[fake]") {
  FakeQovery fake;
  Reply created =
      call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/override"), {{"value", "v"}});
  REQUIRE(created.status == 201);
  std::string path = secret_path(created.body["id"]);
  CHECK(call(fake, "PUT", path, {{"key", "ANOTHER_KEY"}, {"value", "v2"}}).status == 400);
  Reply same_key = call(fake, "PUT", path, {{"key", "DATABASE_PASSWORD"}, {"value", "v2"}});
  CHECK(same_key.status == 200);
  CHECK(same_key.body["variable_type"] == "OVERRIDE");
  CHECK(same_key.body["overridden_secret"]["id"] == FakeQovery::kProjectSecretId);
}

TEST_CASE("FakeQovery: an alias's value cannot change but its key can", "[fake]") {
  FakeQovery fake;
  Reply created = call(fake, "POST", secret_path(FakeQovery::kEnvironmentSecretId, "/alias"),
                       {{"key", "PAYMENTS_KEY"}});
  REQUIRE(created.status == 201);
  std::string path = secret_path(created.body["id"]);
  Reply with_value = call(fake, "PUT", path, {{"key", "PAYMENTS_KEY"}, {"value", "x"}});
  CHECK(with_value.status == 400);
  CHECK_THAT(with_value.body["detail"].get<std::string>(), Catch::Contains("alias"));
  Reply renamed = call(fake, "PUT", path, {{"key", "STRIPE_KEY"}});
  CHECK(renamed.status == 200);
  CHECK(renamed.body["key"] == "STRIPE_KEY");
  CHECK(renamed.body["aliased_secret"]["id"] == FakeQovery::kEnvironmentSecretId);
}

TEST_CASE("FakeQovery: deleting a JOB secret is 204 and removes it", "[fake]") {
  FakeQovery fake;
  Reply deleted = call(fake, "DELETE", secret_path(FakeQovery::kJobSecretId));
  CHECK(deleted.status == 204);
  CHECK(deleted.text.empty());
  CHECK_FALSE(find_by_key(list(fake), "JOB_SIGNING_KEY", "JOB"));
  CHECK(list(fake).size() == 3);
  CHECK(call(fake, "DELETE", secret_path(FakeQovery::kJobSecretId)).status == 404);
}

TEST_CASE("FakeQovery: BUILT_IN and higher-scope secrets cannot be deleted", "[fake]") {
  FakeQovery fake;
  Reply built_in = call(fake, "DELETE", secret_path(FakeQovery::kBuiltInSecretId));
  CHECK(built_in.status == 400);
  CHECK(built_in.body["detail"] == "can't delete a BUILT_IN secret");
  for (const char *id : {FakeQovery::kProjectSecretId, FakeQovery::kEnvironmentSecretId}) {
    Reply higher = call(fake, "DELETE", secret_path(id));
    CHECK(higher.status == 400);
    CHECK_THAT(higher.body["detail"].get<std::string>(), Catch::Contains("scope"));
  }
  CHECK(list(fake).size() == 4);
}

TEST_CASE("FakeQovery: deleting an alias or override removes only it", "[fake]") {
  FakeQovery fake;
  Reply alias = call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/alias"),
                     {{"key", "DB_PASSWORD"}});
  Reply override_secret =
      call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/override"), {{"value", "v"}});
  REQUIRE(alias.status == 201);
  REQUIRE(override_secret.status == 201);
  REQUIRE(list(fake).size() == 6);

  CHECK(call(fake, "DELETE", secret_path(alias.body["id"])).status == 204);
  json results = list(fake);
  CHECK(results.size() == 5);
  CHECK_FALSE(find_by_key(results, "DB_PASSWORD", "JOB"));
  CHECK(find_by_key(results, "DATABASE_PASSWORD", "JOB"));
  CHECK(find_by_key(results, "DATABASE_PASSWORD", "PROJECT"));

  CHECK(call(fake, "DELETE", secret_path(override_secret.body["id"])).status == 204);
  results = list(fake);
  CHECK(results.size() == 4);
  CHECK_FALSE(find_by_key(results, "DATABASE_PASSWORD", "JOB"));
  CHECK(find_by_key(results, "DATABASE_PASSWORD", "PROJECT"));
}

TEST_CASE("FakeQovery: an alias of a higher-scope secret is 201", "[fake]") {
  FakeQovery fake;
  for (const char *id : {FakeQovery::kProjectSecretId, FakeQovery::kEnvironmentSecretId,
                         FakeQovery::kBuiltInSecretId}) {
    std::string key = std::string("ALIAS_") + id[0];
    Reply alias = call(fake, "POST", secret_path(id, "/alias"),
                       {{"key", key}, {"description", "an alias"}, {"value", "ignored"}});
    REQUIRE(alias.status == 201);
    CHECK(alias.body["key"] == key);
    CHECK(alias.body["scope"] == "JOB");
    CHECK(alias.body["variable_type"] == "ALIAS");
    CHECK(alias.body["description"] == "an alias");
    CHECK(alias.body["overridden_secret"].is_null());
    const json &target = alias.body["aliased_secret"];
    CHECK(target["id"] == id);
    for (const char *field : {"key", "mount_path", "scope", "variable_type", "description",
                              "enable_interpolation_in_file"})
      CHECK(target.contains(field));
    CHECK(target["variable_type"] == "VALUE");
    CHECK(find_by_key(list(fake), key, "JOB"));
  }
  json results = list(fake);
  CHECK((*find_by_key(results, "ALIAS_4", "JOB"))["aliased_secret"]["scope"] == "BUILT_IN");
  CHECK((*find_by_key(results, "ALIAS_2", "JOB"))["aliased_secret"]["key"] == "DATABASE_PASSWORD");
}

TEST_CASE("FakeQovery: an alias of a JOB secret or of an alias is 400", "[fake]") {
  FakeQovery fake;
  Reply on_job =
      call(fake, "POST", secret_path(FakeQovery::kJobSecretId, "/alias"), {{"key", "A"}});
  CHECK(on_job.status == 400);
  CHECK_THAT(on_job.body["detail"].get<std::string>(), Catch::StartsWith("Can't create an alias"));

  Reply alias = call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/alias"),
                     {{"key", "FIRST_ALIAS"}});
  REQUIRE(alias.status == 201);
  Reply on_alias = call(fake, "POST", secret_path(alias.body["id"], "/alias"), {{"key", "B"}});
  CHECK(on_alias.status == 400);
  CHECK_THAT(on_alias.body["detail"].get<std::string>(), Catch::Contains("alias on an alias"));
  CHECK(list(fake).size() == 5);
}

TEST_CASE("FakeQovery: an alias needs a new valid key", "[fake]") {
  FakeQovery fake;
  std::string path = secret_path(FakeQovery::kBuiltInSecretId, "/alias");
  CHECK(call(fake, "POST", path, json::object()).status == 400);
  CHECK(call(fake, "POST", path, {{"key", "QOVERY_COPY"}}).status == 400);
  Reply taken = call(fake, "POST", path, {{"key", "JOB_SIGNING_KEY"}});
  CHECK(taken.status == 409);
  CHECK(taken.body["detail"] == "Variable already exists: JOB_SIGNING_KEY");
}

TEST_CASE("FakeQovery: an override of a PROJECT or ENVIRONMENT secret is 201", "[fake]") {
  FakeQovery fake;
  struct Case {
    const char *id;
    const char *key;
    const char *scope;
  };
  for (const Case &target :
       {Case{FakeQovery::kProjectSecretId, "DATABASE_PASSWORD", "PROJECT"},
        Case{FakeQovery::kEnvironmentSecretId, "STRIPE_API_KEY", "ENVIRONMENT"}}) {
    Reply created = call(fake, "POST", secret_path(target.id, "/override"),
                         {{"value", "job-value"}, {"enable_interpolation_in_file", true}});
    REQUIRE(created.status == 201);
    CHECK(created.text.find("job-value") == std::string::npos);
    CHECK(created.body["key"] == target.key);
    CHECK(created.body["scope"] == "JOB");
    CHECK(created.body["variable_type"] == "OVERRIDE");
    CHECK(created.body["enable_interpolation_in_file"] == true);
    CHECK(created.body["aliased_secret"].is_null());
    CHECK(created.body["overridden_secret"]["id"] == target.id);
    CHECK(created.body["overridden_secret"]["scope"] == target.scope);
    CHECK(find_by_key(list(fake), target.key, "JOB"));
    CHECK(find_by_key(list(fake), target.key, target.scope));
  }
}

TEST_CASE("FakeQovery: an override of a BUILT_IN or JOB secret is 400", "[fake]") {
  FakeQovery fake;
  for (const char *id : {FakeQovery::kBuiltInSecretId, FakeQovery::kJobSecretId}) {
    Reply reply = call(fake, "POST", secret_path(id, "/override"), {{"value", "v"}});
    CHECK(reply.status == 400);
    CHECK_THAT(reply.body["detail"].get<std::string>(),
               Catch::StartsWith("Can't create an override"));
  }
  CHECK(list(fake).size() == 4);
}

TEST_CASE("FakeQovery: a second override of the same key is 409", "[fake]") {
  FakeQovery fake;
  std::string path = secret_path(FakeQovery::kProjectSecretId, "/override");
  REQUIRE(call(fake, "POST", path, {{"value", "v"}}).status == 201);
  Reply again = call(fake, "POST", path, {{"value", "w"}});
  CHECK(again.status == 409);
  CHECK(again.body["detail"] == "Variable already exists: DATABASE_PASSWORD");

  REQUIRE(call(fake, "POST", kSecrets, {{"key", "STRIPE_API_KEY"}}).status == 201);
  CHECK(call(fake, "POST", secret_path(FakeQovery::kEnvironmentSecretId, "/override"),
             {{"value", "v"}})
            .status == 409);
}

TEST_CASE("FakeQovery: no response ever carries a value", "[fake]") {
  FakeQovery fake;
  std::vector<std::string> texts;
  auto keep = [&](const Reply &reply) {
    texts.push_back(reply.text);
    return reply;
  };
  keep(call(fake, "POST", kSecrets, {{"key", "PLAIN"}, {"value", "v-plain"}}));
  keep(call(fake, "POST", kSecrets,
            {{"key", "AS_FILE"}, {"value", "v-file"}, {"mount_path", "/run/f"}}));
  keep(call(fake, "POST", secret_path(FakeQovery::kProjectSecretId, "/alias"), {{"key", "AL"}}));
  Reply override_secret =
      keep(call(fake, "POST", secret_path(FakeQovery::kEnvironmentSecretId, "/override"),
                {{"value", "v-override"}}));
  keep(call(fake, "PUT", secret_path(override_secret.body["id"]),
            {{"key", "STRIPE_API_KEY"}, {"value", "v-edited"}}));
  Reply listed = keep(call(fake, "GET", kSecrets));
  CHECK(listed.body["results"].size() == 8);
  for (const std::string &text : texts) {
    CHECK_FALSE(has_value_field(json::parse(text)));
    for (const char *value :
         {"v-plain", "v-file", "v-override", "v-edited", "fake-database-password", "sk_test_fake",
          "fake-postgresql-password", "fake-signing-key"})
      CHECK(text.find(value) == std::string::npos);
  }
}

TEST_CASE("FakeQovery: reset() restores the seed", "[fake]") {
  FakeQovery fake;
  REQUIRE(call(fake, "POST", kSecrets, {{"key", "TEMP"}}).status == 201);
  REQUIRE(call(fake, "DELETE", secret_path(FakeQovery::kJobSecretId)).status == 204);
  json before = list(fake);
  fake.reset();
  json after = list(fake);
  CHECK(after.size() == 4);
  CHECK(find_by_key(after, "JOB_SIGNING_KEY", "JOB"));
  CHECK_FALSE(find_by_key(after, "TEMP", "JOB"));
  CHECK(after != before);
}

TEST_CASE("FakeQovery: SandboxUpstream answers in process", "[fake]") {
  FakeQovery fake;
  qovery_mcp::SandboxUpstream upstream(fake);

  auto listed = upstream.send({"GET", kSecrets + "?ignored=1", ""});
  CHECK(listed.error == qovery_mcp::UpstreamError::None);
  CHECK(listed.status == 200);
  CHECK(json::parse(listed.body)["results"].size() == 4);

  auto created = upstream.send({"POST", kSecrets, R"({"key":"SANDBOXED","value":"v"})"});
  CHECK(created.status == 201);
  CHECK(json::parse(created.body)["key"] == "SANDBOXED");

  auto deleted = upstream.send({"DELETE", secret_path(FakeQovery::kJobSecretId), ""});
  CHECK(deleted.status == 204);
  CHECK(deleted.body.empty());

  auto missing = upstream.send({"DELETE", secret_path(kUnknownId), ""});
  CHECK(missing.status == 404);
  CHECK(json::parse(missing.body)["status"] == 404);
}
