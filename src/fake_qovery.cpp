#include "qovery_mcp/fake_qovery.hpp"

#include "qovery_mcp/result.hpp"
#include "qovery_mcp/text.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string_view>
#include <utility>
#include <variant>

namespace qovery_mcp {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr std::size_t kMaxDescriptionLength = 255;
constexpr const char *kServiceName = "fake-job";
constexpr const char *kScopeHierarchy =
    "Scope hierarchy is BUILT_IN > PROJECT > ENVIRONMENT > APPLICATION";

enum class Scope { BuiltIn, Project, Environment, Job };
enum class VariableType { Value, File, Alias, Override };

std::string scope_name(Scope scope) {
  switch (scope) {
  case Scope::BuiltIn:
    return "BUILT_IN";
  case Scope::Project:
    return "PROJECT";
  case Scope::Environment:
    return "ENVIRONMENT";
  case Scope::Job:
    return "JOB";
  }
  return "JOB";
}

std::string type_name(VariableType type) {
  switch (type) {
  case VariableType::Value:
    return "VALUE";
  case VariableType::File:
    return "FILE";
  case VariableType::Alias:
    return "ALIAS";
  case VariableType::Override:
    return "OVERRIDE";
  }
  return "VALUE";
}

/// A secret as the fake stores it: its metadata, never its value.
struct StoredSecret {
  std::string id;
  std::string key;
  Scope scope = Scope::Job;
  VariableType type = VariableType::Value;
  std::optional<std::string> mount_path;
  std::optional<std::string> description;
  std::optional<bool> enable_interpolation_in_file;
  std::string created_at;
  std::optional<std::string> updated_at;
  /// The aliased or overridden secret's id; empty for VALUE and FILE secrets.
  std::string target_id;
};

StoredSecret seeded_secret(std::string id, std::string key, Scope scope,
                           std::optional<std::string> description, std::string created_at) {
  StoredSecret secret;
  secret.id = std::move(id);
  secret.key = std::move(key);
  secret.scope = scope;
  secret.description = std::move(description);
  secret.created_at = std::move(created_at);
  return secret;
}

std::vector<StoredSecret> seeded_secrets() {
  return {
      seeded_secret(FakeQovery::kProjectSecretId, "DATABASE_PASSWORD", Scope::Project,
                    "password of the project's main database", "2026-01-05T09:30:00.000000Z"),
      seeded_secret(FakeQovery::kEnvironmentSecretId, "STRIPE_API_KEY", Scope::Environment,
                    std::nullopt, "2026-01-06T10:15:00.000000Z"),
      seeded_secret(FakeQovery::kBuiltInSecretId, "QOVERY_POSTGRESQL_Z8F3A2B1C_PASSWORD",
                    Scope::BuiltIn, std::nullopt, "2026-01-05T09:31:00.000000Z"),
      seeded_secret(FakeQovery::kJobSecretId, "JOB_SIGNING_KEY", Scope::Job,
                    "signs the job's reports", "2026-01-07T14:00:00.000000Z"),
  };
}

/// The current time as RFC 3339 UTC with microseconds: 2026-11-26T22:40:00.123456Z.
std::string now_rfc3339() {
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::time_t seconds = static_cast<std::time_t>(micros / 1000000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 64> text{};
  std::snprintf(text.data(), text.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                utc.tm_sec, static_cast<long long>(micros % 1000000));
  return text.data();
}

std::string new_uuid_v4(std::mt19937_64 &random) {
  std::array<std::uint8_t, 16> bytes{};
  for (std::size_t half = 0; half < 2; ++half) {
    std::uint64_t bits = random();
    for (std::size_t i = 0; i < 8; ++i)
      bytes[half * 8 + i] = static_cast<std::uint8_t>(bits >> (8 * i));
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string uuid;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10)
      uuid += '-';
    uuid += kHex[bytes[i] >> 4];
    uuid += kHex[bytes[i] & 0x0f];
  }
  return uuid;
}

/// `text` as a JSON string for an error message, cut to 200 bytes.
std::string json_quoted(std::string_view text) {
  return Json(std::string(text.substr(0, 200)))
      .dump(-1, ' ', false, Json::error_handler_t::replace);
}

FakeResponse json_response(int status, const OrderedJson &body) {
  return {status, body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

template <typename T> OrderedJson nullable(const std::optional<T> &value) {
  return value ? OrderedJson(*value) : OrderedJson(nullptr);
}

enum class Action { List, Create, Edit, Delete, CreateAlias, CreateOverride };

struct Route {
  Action action = Action::List;
  std::string job_id;
  std::string secret_id; ///< empty for List and Create
};

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.starts_with('/'))
    return segments;
  path.remove_prefix(1);
  while (true) {
    std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos)
      return segments;
    path.remove_prefix(slash + 1);
  }
}

/// The route for `request`, or the 404 (unknown path) or 405 (known path,
/// wrong method) answer.
std::variant<Route, FakeResponse> match_route(const FakeRequest &request) {
  auto not_found = [&] {
    return qovery_error_response(404, "no such resource: " + json_quoted(request.path));
  };
  std::vector<std::string_view> segments = path_segments(request.path);
  bool well_formed = segments.size() >= 3 && segments.size() <= 5 && segments[0] == "job" &&
                     segments[2] == "secret" &&
                     std::none_of(segments.begin(), segments.end(),
                                  [](std::string_view segment) { return segment.empty(); });
  if (!well_formed)
    return not_found();

  struct Allowed {
    std::string_view method;
    Action action;
  };
  std::vector<Allowed> allowed;
  if (segments.size() == 3)
    allowed = {{"GET", Action::List}, {"POST", Action::Create}};
  else if (segments.size() == 4)
    allowed = {{"PUT", Action::Edit}, {"DELETE", Action::Delete}};
  else if (segments[4] == "alias")
    allowed = {{"POST", Action::CreateAlias}};
  else if (segments[4] == "override")
    allowed = {{"POST", Action::CreateOverride}};
  else
    return not_found();

  std::string allowed_methods;
  for (const Allowed &candidate : allowed) {
    if (candidate.method == request.method)
      return Route{candidate.action, std::string(segments[1]),
                   segments.size() > 3 ? std::string(segments[3]) : std::string()};
    allowed_methods += (allowed_methods.empty() ? "" : ", ") + std::string(candidate.method);
  }
  return qovery_error_response(405, "method " + json_quoted(request.method) +
                                        " is not allowed on " + json_quoted(request.path) +
                                        "; allowed: " + allowed_methods);
}

/// The fields a request body may carry; which ones a route reads depends on
/// its schema (SecretRequest, SecretEditRequest, Key, Value).
enum Field : unsigned {
  kKey = 1,
  kValue = 2,
  kMountPath = 4,
  kDescription = 8,
  kEnableInterpolation = 16,
};
constexpr unsigned kSecretRequestFields =
    kKey | kValue | kMountPath | kDescription | kEnableInterpolation;
constexpr unsigned kSecretEditRequestFields = kKey | kValue | kDescription | kEnableInterpolation;
constexpr unsigned kKeyFields = kKey | kDescription | kEnableInterpolation;
constexpr unsigned kValueFields = kValue | kDescription | kEnableInterpolation;

/// A request body's fields. As with a Jackson-based API, null is the same as
/// absent and fields outside the route's schema are ignored.
struct BodyFields {
  std::optional<std::string> key;
  /// Whether a `value` was given: its text is checked to be a string, never kept.
  bool value_given = false;
  std::optional<std::string> mount_path;
  std::optional<std::string> description;
  std::optional<bool> enable_interpolation_in_file;
};

Result<BodyFields> parse_body(const std::string &body, unsigned known_fields) {
  using Failure = Result<BodyFields>;
  Json json = Json::parse(body, nullptr, false);
  if (body.empty() || (!json.is_discarded() && !json.is_object()))
    return Failure::failure("request body must be a JSON object");
  if (json.is_discarded())
    return Failure::failure("request body is not valid JSON");

  BodyFields fields;
  struct StringField {
    Field field;
    const char *name;
    std::optional<std::string> *slot; ///< nullptr for `value`, which is not kept
  };
  const std::array<StringField, 4> string_fields{
      {{kKey, "key", &fields.key},
       {kValue, "value", nullptr},
       {kMountPath, "mount_path", &fields.mount_path},
       {kDescription, "description", &fields.description}}};
  for (const StringField &string_field : string_fields) {
    auto it = json.find(string_field.name);
    if (!(known_fields & string_field.field) || it == json.end() || it->is_null())
      continue;
    if (!it->is_string())
      return Failure::failure("field '" + std::string(string_field.name) +
                              "' must be a string, got " + it->type_name());
    if (string_field.slot == nullptr)
      fields.value_given = true;
    else
      *string_field.slot = it->get<std::string>();
  }
  auto interpolation = json.find("enable_interpolation_in_file");
  if ((known_fields & kEnableInterpolation) && interpolation != json.end() &&
      !interpolation->is_null()) {
    if (!interpolation->is_boolean())
      return Failure::failure("field 'enable_interpolation_in_file' must be a boolean, got " +
                              std::string(interpolation->type_name()));
    fields.enable_interpolation_in_file = interpolation->get<bool>();
  }

  if (fields.description && code_points(*fields.description) > kMaxDescriptionLength)
    return Failure::failure("field 'description' must be at most " +
                            std::to_string(kMaxDescriptionLength) + " characters, got " +
                            std::to_string(code_points(*fields.description)));
  if (fields.mount_path && !fields.mount_path->starts_with('/'))
    return Failure::failure("field 'mount_path' must be an absolute path, got " +
                            json_quoted(*fields.mount_path));
  return fields;
}

/// Why `key` is not a valid secret key, or nullopt when it is.
std::optional<std::string> key_problem(const std::string &key) {
  bool well_formed = !key.empty() && std::isalpha(static_cast<unsigned char>(key[0])) &&
                     std::all_of(key.begin(), key.end(), [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
                     });
  if (!well_formed)
    return "key must contain only letters, digits and underscores and start with a letter, got " +
           json_quoted(key);
  if (key.starts_with("QOVERY_"))
    return "key must not start with QOVERY_ (reserved for built-in secrets), got " +
           json_quoted(key);
  return std::nullopt;
}

} // namespace

FakeResponse qovery_error_response(int status, const std::string &detail) {
  OrderedJson body = {{"status", status}, {"detail", detail}};
  return {status, body.dump(-1, ' ', false, Json::error_handler_t::replace)};
}

struct FakeQovery::State {
  std::vector<StoredSecret> secrets = seeded_secrets();
  std::mt19937_64 random{std::random_device{}()};

  StoredSecret *find(const std::string &id) {
    auto it = std::find_if(secrets.begin(), secrets.end(),
                           [&](const StoredSecret &secret) { return secret.id == id; });
    return it == secrets.end() ? nullptr : &*it;
  }

  /// The 400 or 409 answer when `key` cannot name a JOB-scope secret (other
  /// than `except_id`, the secret being renamed).
  std::optional<FakeResponse> refuse_key(const std::optional<std::string> &key,
                                         const std::string &except_id = {}) const {
    if (!key)
      return qovery_error_response(400, "field 'key' is required");
    if (auto problem = key_problem(*key))
      return qovery_error_response(400, *problem);
    if (job_key_taken(*key, except_id))
      return qovery_error_response(409, "Variable already exists: " + *key);
    return std::nullopt;
  }

  bool job_key_taken(const std::string &key, const std::string &except_id = {}) const {
    return std::any_of(secrets.begin(), secrets.end(), [&](const StoredSecret &secret) {
      return secret.scope == Scope::Job && secret.key == key && secret.id != except_id;
    });
  }

  OrderedJson reference_json(const std::string &id) {
    const StoredSecret *target = find(id);
    if (!target)
      return nullptr;
    return {{"id", target->id},
            {"key", target->key},
            {"mount_path", nullable(target->mount_path)},
            {"scope", scope_name(target->scope)},
            {"variable_type", type_name(target->type)},
            {"description", nullable(target->description)},
            {"enable_interpolation_in_file", nullable(target->enable_interpolation_in_file)}};
  }

  OrderedJson secret_json(const StoredSecret &secret) {
    bool job_scope = secret.scope == Scope::Job;
    return {
        {"id", secret.id},
        {"created_at", secret.created_at},
        {"updated_at", nullable(secret.updated_at)},
        {"key", secret.key},
        {"scope", scope_name(secret.scope)},
        {"variable_type", type_name(secret.type)},
        {"overridden_secret",
         secret.type == VariableType::Override ? reference_json(secret.target_id) : nullptr},
        {"aliased_secret",
         secret.type == VariableType::Alias ? reference_json(secret.target_id) : nullptr},
        {"service_id", job_scope ? OrderedJson(FakeQovery::kJobId) : OrderedJson(nullptr)},
        {"service_name", job_scope ? OrderedJson(kServiceName) : OrderedJson(nullptr)},
        {"service_type", job_scope ? OrderedJson("JOB") : OrderedJson(nullptr)},
        {"owned_by", "QOVERY"},
        {"description", nullable(secret.description)},
        {"enable_interpolation_in_file", nullable(secret.enable_interpolation_in_file)},
    };
  }

  /// Adds a JOB-scope secret and answers 201 with it.
  FakeResponse add(StoredSecret secret) {
    secret.id = new_uuid_v4(random);
    secret.scope = Scope::Job;
    secret.created_at = now_rfc3339();
    secrets.push_back(std::move(secret));
    return json_response(201, secret_json(secrets.back()));
  }

  FakeResponse list() {
    OrderedJson results = OrderedJson::array();
    for (const StoredSecret &secret : secrets)
      results.push_back(secret_json(secret));
    return json_response(200, {{"results", std::move(results)}});
  }

  FakeResponse create(const std::string &body) {
    auto fields = parse_body(body, kSecretRequestFields);
    if (!fields)
      return qovery_error_response(400, fields.error());
    if (auto refusal = refuse_key(fields->key))
      return *refusal;
    StoredSecret secret;
    secret.key = *fields->key;
    secret.type = fields->mount_path ? VariableType::File : VariableType::Value;
    secret.mount_path = fields->mount_path;
    secret.description = fields->description;
    secret.enable_interpolation_in_file = fields->enable_interpolation_in_file;
    return add(std::move(secret));
  }

  /// A PUT replaces the description and enable_interpolation_in_file (absent
  /// is null); a value given replaces Qovery's, which the fake does not keep.
  FakeResponse edit(StoredSecret &secret, const std::string &body) {
    auto fields = parse_body(body, kSecretEditRequestFields);
    if (!fields)
      return qovery_error_response(400, fields.error());
    if (secret.scope == Scope::BuiltIn)
      return qovery_error_response(400, "can't edit a BUILT_IN secret");
    if (secret.scope != Scope::Job)
      return qovery_error_response(
          400, "secret " + secret.key + " belongs to the " + scope_name(secret.scope) +
                   " scope: edit it there, or override it at the job level");
    if (secret.type == VariableType::Override && fields->key && *fields->key != secret.key)
      return qovery_error_response(400,
                                   "can't change the key of an override: it keeps the key of the "
                                   "secret it overrides (" +
                                       secret.key + ")");
    if (secret.type == VariableType::Alias && fields->value_given)
      return qovery_error_response(400,
                                   "can't change the value of an alias: it takes the value of the "
                                   "secret it aliases");
    if (auto refusal = refuse_key(fields->key, secret.id))
      return *refusal;
    secret.key = *fields->key;
    secret.description = fields->description;
    secret.enable_interpolation_in_file = fields->enable_interpolation_in_file;
    secret.updated_at = now_rfc3339();
    return json_response(200, secret_json(secret));
  }

  /// Only JOB-scope secrets can be deleted here, and none of them is ever an
  /// alias or override target (targets are of a higher scope), so deleting
  /// one never has aliases or overrides to cascade to.
  FakeResponse remove(const StoredSecret &secret) {
    if (secret.scope == Scope::BuiltIn)
      return qovery_error_response(400, "can't delete a BUILT_IN secret");
    if (secret.scope != Scope::Job)
      return qovery_error_response(400, "secret " + secret.key + " belongs to the " +
                                            scope_name(secret.scope) + " scope: delete it there");
    std::string id = secret.id;
    std::erase_if(secrets, [&](const StoredSecret &candidate) { return candidate.id == id; });
    return {204, ""};
  }

  FakeResponse create_alias(const StoredSecret &target, const std::string &body) {
    auto fields = parse_body(body, kKeyFields);
    if (!fields)
      return qovery_error_response(400, fields.error());
    if (target.type == VariableType::Alias)
      return qovery_error_response(400, "Can't create an alias on an alias (" + target.key +
                                            "): create it on the secret that " + target.key +
                                            " aliases");
    if (target.scope == Scope::Job)
      return qovery_error_response(400,
                                   "Can't create an alias on a secret of the same scope (JOB). "
                                   "Aliases can only be created from one scope to a lower scope. " +
                                       std::string(kScopeHierarchy));
    if (auto refusal = refuse_key(fields->key))
      return *refusal;
    StoredSecret alias;
    alias.key = *fields->key;
    alias.type = VariableType::Alias;
    alias.description = fields->description;
    alias.enable_interpolation_in_file = fields->enable_interpolation_in_file;
    alias.target_id = target.id;
    return add(std::move(alias));
  }

  FakeResponse create_override(const StoredSecret &target, const std::string &body) {
    auto fields = parse_body(body, kValueFields);
    if (!fields)
      return qovery_error_response(400, fields.error());
    if (target.scope != Scope::Project && target.scope != Scope::Environment)
      return qovery_error_response(400,
                                   "Can't create an override on a " + scope_name(target.scope) +
                                       " secret: only PROJECT and ENVIRONMENT secrets can be "
                                       "overridden at the job level. Overrides can only be created "
                                       "from one scope to a lower scope. " +
                                       kScopeHierarchy);
    if (job_key_taken(target.key))
      return qovery_error_response(409, "Variable already exists: " + target.key);
    StoredSecret override_secret;
    override_secret.key = target.key;
    override_secret.type = VariableType::Override;
    override_secret.description = fields->description;
    override_secret.enable_interpolation_in_file = fields->enable_interpolation_in_file;
    override_secret.target_id = target.id;
    return add(std::move(override_secret));
  }

  /// The real answer to `request`: 401 unless `authorized`, then the route's.
  FakeResponse respond(const FakeRequest &request, bool authorized) {
    if (!authorized)
      return qovery_error_response(401, "Access token is missing or invalid");
    auto route = match_route(request);
    if (auto *refusal = std::get_if<FakeResponse>(&route))
      return *refusal;
    return answer(std::get<Route>(route), request.body);
  }

  FakeResponse answer(const Route &route, const std::string &body) {
    if (!is_uuid(route.job_id))
      return qovery_error_response(400, "jobId must be a UUID, got " + json_quoted(route.job_id));
    bool has_secret_id = route.action != Action::List && route.action != Action::Create;
    if (has_secret_id && !is_uuid(route.secret_id))
      return qovery_error_response(400,
                                   "secretId must be a UUID, got " + json_quoted(route.secret_id));
    if (to_lower(route.job_id) != FakeQovery::kJobId)
      return qovery_error_response(404, "job not found: " + route.job_id);
    StoredSecret *secret = nullptr;
    if (has_secret_id) {
      secret = find(to_lower(route.secret_id));
      if (!secret)
        return qovery_error_response(404, "secret not found: " + route.secret_id);
    }
    switch (route.action) {
    case Action::List:
      return list();
    case Action::Create:
      return create(body);
    case Action::Edit:
      return edit(*secret, body);
    case Action::Delete:
      return remove(*secret);
    case Action::CreateAlias:
      return create_alias(*secret, body);
    case Action::CreateOverride:
      return create_override(*secret, body);
    }
    return qovery_error_response(500, "unhandled route");
  }
};

FakeQovery::FakeQovery(FakeQoveryOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {}

FakeQovery::~FakeQovery() = default;

FakeResponse FakeQovery::handle(const FakeRequest &request) {
  bool authorized = authorizes(request.authorization);
  std::lock_guard lock(mutex_);
  return state_->respond(request, authorized);
}

/// Checked independently of authorization_value() so that a mistake there
/// shows up as a 401 in the tests instead of being mirrored here.
bool FakeQovery::authorizes(std::string_view authorization) const {
  if (!options_.api_key)
    return true;
  std::string expected =
      (looks_like_jwt(*options_.api_key) ? "Bearer " : "Token ") + *options_.api_key;
  return authorization == expected;
}

void FakeQovery::reset() {
  std::lock_guard lock(mutex_);
  state_->secrets = seeded_secrets();
}

UpstreamResponse SandboxUpstream::send(const UpstreamRequest &request) {
  FakeRequest fake_request{request.method, request.path.substr(0, request.path.find('?')), "",
                           request.body};
  FakeResponse answer = fake_.handle(fake_request);
  UpstreamResponse response;
  response.status = answer.status;
  response.body = std::move(answer.body);
  return response;
}

} // namespace qovery_mcp
